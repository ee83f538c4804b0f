"""The RealtimeNet gateway: JWT-authenticated WebSockets speaking JSON-RPC 2.0.

``server`` is the only module that touches sockets; everything else is fed messages and time.
"""
