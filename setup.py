"""The optional native speedups (Tools/realtimenet/native/speedups.c). Everything else is in pyproject.toml.

The extension is optional: without a C compiler ``pip install`` still succeeds and the gateway runs its pure
Python checks (realtimenet.protocol.jsonrpc says how the two paths relate).
"""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("realtimenet._speedups", ["Tools/realtimenet/native/speedups.c"], optional=True,
              extra_compile_args=["-O2"]),
])
