// What a client does after its socket closed: the close-code rule of protocol/openrpc.json, refined
// into the cases a game treats differently.
#pragma once

#include "rtnet/Export.h"

#include "rtnet/Codes.h"

namespace rtnet {

/// The kind of a close, from its code. Every kind but kNormal and kFatal reconnects by itself.
enum class CloseClass {
  kNormal,       // 1000: the session ended on purpose; stay closed
  kTransient,    // 1011, 4009, 4010, 4050, 1006 (lost), any other code below 4500: backoff, then resume
  kGoingAway,    // 1001, 1012: the node drains; reconnect (the balancer picks another node) and resume
  kAuth,         // 4001: get a fresh token first, then reconnect
  kRateLimited,  // 4008: backoff; the game should send less
  kProtocol,     // 1008, 1009: the client broke a protocol rule (a client bug); backoff, and report it
  kFatal,        // 4500-4999: stop; do not reconnect by yourself
};

/// The class of close `code` (any integer: a code the description does not list falls in its range).
RTNET_API CloseClass ClassifyClose(int code);

/// Whether a client reconnects by itself after this class (everything but kNormal and kFatal); the
/// same answer as Python's `should_reconnect(code)`.
inline bool ShouldReconnect(CloseClass kind) { return kind != CloseClass::kNormal && kind != CloseClass::kFatal; }

/// A short stable name for logs and events ("rate_limited").
RTNET_API const char* ToString(CloseClass kind);

/// The stable close-frame reason text of a listed code, or "" for a code the description does not list.
RTNET_API const char* CloseReason(int code);

}  // namespace rtnet
