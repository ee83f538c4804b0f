"""RealtimeNet: real-time networking for Unreal Engine games.

The package holds the gateway (``realtimenet.gateway``), the Python client (``realtimenet.client``),
the sans-I/O protocol layer both share (``realtimenet.protocol``) and the tooling (``realtimenet.codegen``,
``realtimenet.cli``).
"""

__version__ = "0.1.0"

PROTOCOL_VERSION = "1.1"  # major.minor of protocol/openrpc.json info.version (tests/test_codegen.py)
