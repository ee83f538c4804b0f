"""The gateway's configuration defaults a client must stay within, as C++ constants for RealtimeNetCore.

``rtnet/GatewayDefaults.h`` is generated from ``realtimenet.config.Config``'s defaults, so the client's own
defaults (``rtnet::ClientOptions``: the largest frame it sends, the most messages in a batch, how often it
pings) are derived from the values the gateway enforces instead of being written down twice; the core's
tests (``ClientDefaultsTest.cpp``) check the relations, ``rtnet codegen --check`` that the header is fresh.
"""

from __future__ import annotations

from dataclasses import dataclass

from realtimenet.codegen.config_doc import Section

OUTPUT = "Plugins/RealtimeNet/Source/RealtimeNetCore/Public/rtnet/GatewayDefaults.h"

# (section, key, C++ constant, C++ type): the limits and timers a client meets on the wire.
CLIENT_FACING: tuple[tuple[str, str, str, str], ...] = (
    ("server", "max_message_bytes", "kMaxMessageBytes", "std::size_t"),
    ("server", "heartbeat_interval", "kHeartbeatInterval", "double"),
    ("server", "heartbeat_timeout", "kHeartbeatTimeout", "double"),
    ("server", "max_inflight_calls", "kMaxInflightCalls", "std::size_t"),
    ("limits", "max_batch_size", "kMaxBatchSize", "std::size_t"),
    ("limits", "max_depth", "kMaxDepth", "std::size_t"),
    ("limits", "max_string_length", "kMaxStringLength", "std::size_t"),
    ("limits", "max_array_length", "kMaxArrayLength", "std::size_t"),
    ("rate_limit", "rate", "kRateLimitRate", "double"),
    ("rate_limit", "burst", "kRateLimitBurst", "std::size_t"),
    ("rooms", "max_rooms_per_connection", "kMaxRoomsPerConnection", "std::size_t"),
    ("rooms", "history_size", "kHistorySize", "std::size_t"),
    ("auth", "expiry_grace", "kTokenExpiryGrace", "double"),
)


@dataclass(frozen=True)
class Constant:
    """One ``inline constexpr`` of the header."""

    name: str
    cpp_type: str
    value: str
    key: str  # section.key in the gateway's configuration
    description: str


def constants(sections: list[Section]) -> list[Constant]:
    """The client-facing defaults, in CLIENT_FACING order; a key missing from the configuration fails loudly."""
    defaults = {(s.name, k.name): k for s in sections for k in s.keys}
    result = []
    for section, key, name, cpp_type in CLIENT_FACING:
        found = defaults.get((section, key))
        if found is None:
            raise KeyError(f"{section}.{key} is not a gateway configuration key any more")
        value = found.default
        if cpp_type == "double" and "." not in value:
            value += ".0"
        result.append(Constant(name, cpp_type, value, f"{section}.{key}", found.description))
    return result
