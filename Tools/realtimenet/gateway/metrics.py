"""Prometheus metrics of one gateway process (names follow Prometheus conventions; see docs/metrics.md).

Hot-path counts (frames, bytes, calls per method) are kept as plain integers on each connection and
folded into these counters once per tick and at close, so a message costs no metrics call. Rare events
(bad input, auth failures, closes) are counted directly.
"""

from __future__ import annotations

from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

from realtimenet.logs import client_log

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)

NAMESPACE = "realtimenet"


class CountedConnection(Protocol):
    """A connection's hot-path counters, plain integers it increments per message."""

    frames_in: int
    bytes_in: int
    frames_out: int
    bytes_out: int
    calls: dict[str, int]
    call_bytes: dict[str, int]


class Metrics:
    """Every metric the gateway exports, registered in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        # The process itself (resident memory, CPU, file descriptors, start time), read from /proc at scrape
        # time: what a leak, a busy loop or a node running out of sockets shows first. Namespaced like the rest.
        ProcessCollector(namespace=NAMESPACE, registry=r)
        self.connections = Gauge(f"{NAMESPACE}_connections", "Open WebSocket connections.", registry=r)
        self.players = Gauge(f"{NAMESPACE}_players", "Distinct players with an open connection.", registry=r)
        self.connects = Counter(f"{NAMESPACE}_connects", "Accepted WebSocket upgrades.", registry=r)
        self.disconnects = Counter(
            f"{NAMESPACE}_disconnects", "Closed connections by close code and who closed.",
            ["code", "initiator"], registry=r)
        self.upgrade_refusals = Counter(
            f"{NAMESPACE}_upgrade_refusals", "Upgrades refused before the socket opened, by reason.",
            ["reason"], registry=r)
        self.auth_failures = Counter(
            f"{NAMESPACE}_auth_failures", "Refused tokens (upgrade and auth.refresh) by reason.",
            ["reason"], registry=r)
        self.bad_input = Counter(
            f"{NAMESPACE}_bad_input", "Malformed or hostile input by kind.", ["kind"], registry=r)
        self.rate_limited = Counter(
            f"{NAMESPACE}_rate_limited_requests", "Requests refused by the per-connection rate limit.",
            registry=r)
        self.slow_consumers = Counter(
            f"{NAMESPACE}_slow_consumer_disconnects",
            "Connections closed because their send queue overflowed.",
            registry=r)
        self.handler_errors = Counter(
            f"{NAMESPACE}_handler_errors", "Handler exceptions answered with -32603, by method.",
            ["method"], registry=r)
        self.frames_in = Counter(f"{NAMESPACE}_frames_received", "Text frames received.", registry=r)
        self.frames_out = Counter(f"{NAMESPACE}_frames_sent", "Text frames sent.", registry=r)
        self.bytes_in = Counter(f"{NAMESPACE}_received_bytes", "Payload bytes received.", registry=r)
        self.bytes_out = Counter(f"{NAMESPACE}_sent_bytes", "Payload bytes sent.", registry=r)
        self.calls = Counter(f"{NAMESPACE}_rpc_calls", "JSON-RPC calls dispatched, by method.",
                             ["method"], registry=r)
        self.resumes = Counter(f"{NAMESPACE}_resume_streams", "session.resume outcomes: streams recovered or "
                               "not, and refused resumes.", ["outcome"], registry=r)
        self.replayed = Counter(f"{NAMESPACE}_replayed_publications", "Publications replayed by session.resume.",
                                registry=r)
        self.publications = Counter(f"{NAMESPACE}_publications_delivered",
                                    "Publication frames handed to local connections.", registry=r)
        self.room_refusals = Counter(f"{NAMESPACE}_room_refusals",
                                     "Room methods refused (room.join; room.publish, state.get/update and "
                                     "presence.query {room} by a non-member), by reason.",
                                     ["reason"], registry=r)
        self.state_rejections = Counter(f"{NAMESPACE}_state_rejections", "state.update refused, by reason.",
                                        ["reason"], registry=r)
        self.state_versions = Counter(f"{NAMESPACE}_state_updates", "state.update outcomes.", ["outcome"],
                                      registry=r)
        self.delta_bytes = Histogram(f"{NAMESPACE}_state_delta_bytes", "Encoded size of broadcast state deltas.",
                                     buckets=(64, 128, 256, 512, 1024, 4096, 16384, 65536), registry=r)
        self.backend_errors = Counter(f"{NAMESPACE}_backend_errors", "Failed calls to a backend.", ["backend"],
                                      registry=r)
        self.backend_up = Gauge(f"{NAMESPACE}_backend_up", "1 while a configured backend answers.", ["backend"],
                                registry=r)
        self.faults = Counter(f"{NAMESPACE}_faults_injected", "Connections targeted by fault.inject.", registry=r)
        self.handler_seconds = Histogram(
            f"{NAMESPACE}_async_handler_duration_seconds", "Duration of asynchronous handlers.", ["method"],
            buckets=_LATENCY_BUCKETS, registry=r)
        self.draining = Gauge(f"{NAMESPACE}_draining", "1 while the node drains (after SIGTERM).", registry=r)
        self.send_queue_bytes = Gauge(f"{NAMESPACE}_send_queue_bytes",
                                      "Bytes waiting in all connections' send queues (sampled each tick).",
                                      registry=r)
        self.send_queue_max_bytes = Gauge(f"{NAMESPACE}_send_queue_max_bytes",
                                          "The fullest connection's send queue, in bytes (sampled each tick).",
                                          registry=r)
        self.presence_devices = Gauge(f"{NAMESPACE}_presence_devices", "This node's connected devices by status.",
                                      ["status"], registry=r)
        self.bus_publish_seconds = Histogram(f"{NAMESPACE}_bus_publish_seconds",
                                             "Time to publish to the event bus (stored and acknowledged).",
                                             buckets=_LATENCY_BUCKETS, registry=r)
        self.bus_delivery_lag = Histogram(f"{NAMESPACE}_bus_delivery_lag_seconds",
                                          "From a publication's acceptance by the bus to its delivery on this "
                                          "node (any publishing node; wall clocks).", buckets=_LATENCY_BUCKETS,
                                          registry=r)
        self.notifications = Counter(f"{NAMESPACE}_notifications_sent", "Notifications sent, by method "
                                     "(a broadcast counts once per recipient).", ["method"], registry=r)
        self.notification_bytes = Counter(f"{NAMESPACE}_notification_bytes_sent", "Notification payload bytes "
                                          "sent, by method.", ["method"], registry=r)
        self.bytes_in_by_method = Counter(f"{NAMESPACE}_received_bytes_by_method", "Request payload bytes "
                                          "received, by JSON-RPC method (batches: per item).", ["method"],
                                          registry=r)
        self.presence_departures = Counter(
            f"{NAMESPACE}_presence_grace", "Dropped devices whose session was resumed within presence.resume_grace "
            "(members saw nothing) or that left when it ran out.", ["outcome"], registry=r)
        self.loop_lag = Histogram(f"{NAMESPACE}_event_loop_lag_seconds",
                                  "How late the event loop ran the state tick (sampled at state.tick_rate): "
                                  "while it is late, every player on the node waits.",
                                  buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
                                  registry=r)
        self.state_ticks_skipped = Counter(f"{NAMESPACE}_state_ticks_skipped", "State ticks that did not run "
                                           "because the loop was still busy past their time (a flush or anything "
                                           "else that long blocks every player).", registry=r)
        self.state_gaps = Counter(f"{NAMESPACE}_state_gaps", "State broadcasts sent past a version that had "
                                  "not reached this node after waiting 3 ticks; members reload the state.",
                                  registry=r)
        self.api_requests = Counter(f"{NAMESPACE}_api_requests", "Server API (POST /api) requests by outcome: ok, or "
                                    "why it was refused before any method ran.", ["outcome"], registry=r)
        self.api_calls = Counter(f"{NAMESPACE}_api_calls", "Server API calls by method (`unknown` for any other "
                                 "name) and outcome (`ok` or the error code's name).", ["method", "outcome"],
                                 registry=r)
        self._notified: dict[str, tuple[Counter, Counter]] = {}
        self._children: dict[tuple[int, str], Any] = {}

    def child(self, metric: Any, label: str) -> Any:
        """``metric.labels(label)``, looked up once: for the few labelled metrics touched per message."""
        key = (id(metric), label)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(label)
        return found

    def notified(self, method: str, frame_bytes: int, recipients: int = 1) -> None:
        """Count a notification frame sent to ``recipients`` connections (once per broadcast)."""
        children = self._notified.get(method)
        if children is None:
            children = self._notified[method] = (self.notifications.labels(method),
                                                 self.notification_bytes.labels(method))
        children[0].inc(recipients)
        children[1].inc(frame_bytes * recipients)

    def bad(self, kind: str, detail: str = "") -> None:
        """Malformed or hostile input from a client: counted by ``kind`` (a closed set chosen by the gateway,
        never by the client) and logged once, without a traceback (the log's rate limit applies)."""
        self.bad_input.labels(kind).inc()
        client_log.info(f"bad input ({kind}): %s", detail[:200])

    def auth_failed(self, reason: str, detail: str = "") -> None:
        """A refused token (upgrade or auth.refresh), by its documented reason; logged like ``bad``."""
        self.auth_failures.labels(reason).inc()
        client_log.info(f"token refused ({reason}): %s", detail[:200])

    def fold(self, conn: CountedConnection) -> None:
        """Add a connection's hot-path counters to these metrics and zero them (each tick and at close)."""
        if conn.frames_in:
            self.frames_in.inc(conn.frames_in)
            self.bytes_in.inc(conn.bytes_in)
            conn.frames_in = conn.bytes_in = 0
        if conn.frames_out:
            self.frames_out.inc(conn.frames_out)
            self.bytes_out.inc(conn.bytes_out)
            conn.frames_out = conn.bytes_out = 0
        if conn.calls:
            for method, count in conn.calls.items():
                self.calls.labels(method).inc(count)
            for method, size in conn.call_bytes.items():
                self.bytes_in_by_method.labels(method).inc(size)
            conn.calls.clear()
            conn.call_bytes.clear()
