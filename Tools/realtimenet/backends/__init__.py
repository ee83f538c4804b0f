"""Pluggable backends, each an interface with its implementations beside it (as centrifuge lays them out):

- ``sessions.py`` (+ ``_memory``, ``_redis``): session records and single-use resume tokens;
- ``presence.py`` (+ ``_memory``, ``_redis``): devices, last-seen times, room memberships;
- ``state.py`` (+ ``_memory``, ``_redis``): versioned room state, committed by compare-and-set;
- ``bus.py`` (+ ``bus_memory``, ``bus_nats``): resumable streams, history and cross-node fan-out.

``registry.py`` maps a configured URL's scheme to its factory (``memory.py``, ``redis_stores.py``,
``bus_nats.open_bus``). Nothing outside this package knows a Redis or NATS type.
"""
