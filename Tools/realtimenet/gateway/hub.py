"""The stream hub: which local connections follow which bus stream, and delivery of the bus's publications
to them. One bus subscription per stream per node, shared by its local followers; a publication's frame is
encoded once (by the bus) and the same bytes go to every follower."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from realtimenet.backends.bus import EventBus, FrameBuilder, Publication
from realtimenet.gateway.background import Background
from realtimenet.gateway.caller import Subscriber
from realtimenet.gateway.metrics import Metrics
from realtimenet.protocol.streams import NOTIFICATIONS, split

InternalHandler = Callable[[str, Publication], None]
"""Takes a gateway-internal stream's publication (the stream's key, the publication)."""


class Hub:
    """Local followers per stream, over one ``EventBus``."""

    def __init__(self, bus: EventBus, metrics: Metrics, background: Background,
                 wall_clock: Callable[[], float], clock: Callable[[], float]) -> None:
        self.bus = bus
        self._metrics = metrics
        self._background = background
        self._wall_clock = wall_clock
        self._clock = clock
        self.local: dict[str, set[Subscriber]] = {}  # stream -> this node's connections following it
        self._internal: dict[str, InternalHandler] = {}  # stream kind -> handler (not sent to connections)
        bus.set_listener(self._deliver)

    def route_internal(self, prefix: str, handler: InternalHandler) -> None:
        """Hand publications of the streams named ``prefix``… (e.g. ``STATE_PREFIX``) to ``handler`` instead
        of followers."""
        self._internal[split(prefix)[0]] = handler

    async def follow_internal(self, stream: str) -> None:
        """Subscribe the node itself to a gateway-internal stream routed by ``route_internal`` (``control:nodes``,
        a trace it collects); no connection follows it."""
        await self.bus.subscribe(stream)

    def unfollow_internal(self, stream: str) -> None:
        """Stop ``follow_internal``."""
        self._background.run(self.bus.unsubscribe(stream))

    def followers(self, stream: str) -> set[Subscriber]:
        """This node's followers of ``stream`` (do not modify)."""
        return self.local.get(stream) or set()

    async def attach(self, subscriber: Subscriber, stream: str) -> None:
        """Make ``subscriber`` receive ``stream``; the first local follower subscribes the node."""
        followers = self.local.get(stream)
        if followers is None:
            followers = self.local[stream] = set()
            followers.add(subscriber)
            await self.bus.subscribe(stream)
        else:
            followers.add(subscriber)

    def detach(self, subscriber: Subscriber, stream: str) -> None:
        """Stop delivering ``stream`` to ``subscriber``; the last one leaving unsubscribes the node."""
        followers = self.local.get(stream)
        if followers is None:
            return
        followers.discard(subscriber)
        if not followers:
            del self.local[stream]
            self._background.run(self.bus.unsubscribe(stream))

    async def publish(self, stream: str, build: FrameBuilder) -> Publication:
        """Publish through the bus, timed (``realtimenet_bus_publish_seconds``)."""
        started = self._clock()
        publication = await self.bus.publish(stream, build)
        self._metrics.bus_publish_seconds.observe(self._clock() - started)
        return publication

    def broadcast(self, subscribers: Iterable[Subscriber], frame: bytes) -> int:
        """Send already-encoded bytes to every open subscriber given; how many it went to."""
        sent = 0
        for subscriber in subscribers:
            if subscriber.is_open:
                subscriber.send(frame)
                sent += 1
        return sent

    def _deliver(self, publication: Publication) -> None:
        kind, key = split(publication.stream)
        internal = self._internal.get(kind)
        if internal is not None:
            internal(key, publication)
            return
        if publication.published_at:
            self._metrics.bus_delivery_lag.observe(max(0.0, self._wall_clock() - publication.published_at))
        followers = self.local.get(publication.stream)
        if followers:
            for subscriber in followers:
                subscriber.deliver(publication)
            self._metrics.publications.inc(len(followers))
            self._metrics.notified(NOTIFICATIONS.get(kind, kind), len(publication.frame), len(followers))
