"""``rtnet bots``: headless players that move, chat, refresh their tokens and resume, thousands per core.

``motion`` (their paths), ``bot`` (one player's protocol, sans-I/O), ``stats`` (counters, round trips, the
status line and summary), ``tokens`` (where tokens come from), ``swarm`` (picows sockets and the ticker),
``cli`` (the command).
"""
