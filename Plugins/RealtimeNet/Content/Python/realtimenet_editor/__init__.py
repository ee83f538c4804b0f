"""The RealtimeNet plugin's editor Python: the RealtimeNet menu (``menu``), the sample content
(``sample_content``), widget Blueprints (``widgets``), the plugin's functional tests (``functional_tests``), a local
gateway (``local_gateway``), and where things are (``env``). ``init_unreal.py`` beside this package registers the menu
when the editor starts.

Standard library and the editor's ``unreal`` only; type-checked against unreal-stub and unit-tested with a
fake ``unreal`` module (tests/test_python_scripts.py).
"""
