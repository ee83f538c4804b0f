"""Pluggable backends, each an interface with its implementations beside it (as centrifuge lays them out):
``bus.py`` + ``bus_memory.py`` (+ NATS JetStream), ``store.py`` + ``store_memory.py`` (+ Redis)."""
