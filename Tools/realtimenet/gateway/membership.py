"""The one membership check: a method that acts on a room (publish, state, a room's presence) needs the
caller to be in it."""

from __future__ import annotations

from realtimenet.exceptions import RpcError
from realtimenet.gateway.caller import Caller
from realtimenet.gateway.metrics import Metrics
from realtimenet.protocol.codes import ErrorCode


def require_member(caller: Caller, room: str, metrics: Metrics) -> None:
    """Raise -32002 ``not_a_member`` (counted in ``realtimenet_room_refusals_total``) unless the caller is in
    ``room``."""
    if room not in caller.rooms:
        metrics.room_refusals.labels("not_a_member").inc()
        raise RpcError(ErrorCode.FORBIDDEN, {"room": room, "reason": "not_a_member"})
