"""Unreal tooling that runs without an engine: the UHT lint, the automation report, build and test commands.

``uht_lint`` and ``automation_report`` are pure; ``commands`` builds the engine command lines as plain
lists (unit-tested here) and runs them only on a machine with an engine; ``fault_gateway`` starts the
gateway the automation tests talk to. ``commands`` and ``fault_gateway`` import only the standard library
at module level, so the editor's own Python can use them (PythonScripts/run_functional_tests.py).
"""
