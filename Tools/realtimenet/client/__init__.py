"""Python client for the RealtimeNet gateway (websocket-client underneath)."""

from realtimenet.client.client import BatchCall, Client, Notification
from realtimenet.exceptions import CallTimeout, ConnectFailed, ConnectionClosed, RemoteError

__all__ = ["BatchCall", "CallTimeout", "Client", "ConnectFailed", "ConnectionClosed", "Notification",
           "RemoteError"]
