"""The wire protocol, shared by the gateway and the Python client: sans-I/O, no sockets, no clocks.

``messages`` and ``codes`` are generated from protocol/openrpc.json by ``rtnet codegen``.
"""
