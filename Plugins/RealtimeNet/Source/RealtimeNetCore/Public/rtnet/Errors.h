// Every failure the client meets, sorted into the five classes a game handles differently, each with
// the recovery the client applies (or advises): close codes, JSON-RPC errors, transport failures.
#pragma once

#include "rtnet/Export.h"

#include <cstdint>
#include <string>

#include "rtnet/JsonRpc.h"

namespace rtnet {

/// What kind of failure it was.
enum class ErrorClass {
  kTransient,    // the network or the gateway had a moment: trying again works
  kAuth,         // the token was refused or expired: a fresh one is needed
  kProtocol,     // the client broke a protocol rule: a bug to report (retrying the same call cannot help)
  kRateLimited,  // the client sends too much: slow down, then retry
  kFatal,        // do not retry: forbidden, not found, replaced by another login
};

/// What to do about it. The client does it by itself where it can (reconnect with backoff, call
/// state.get, retry a call that allows retries); the game hears the rest through the error event.
enum class RecoveryStrategy {
  kRetry,         // again after a delay (backoff, or the gateway's retry_after)
  kRefreshToken,  // get a new token from the game's auth service, then go on
  kResyncState,   // reload the room's state (state.get) and retry against the new version
  kGiveUp,        // report it; nothing automatic helps
};

/// Where it came from.
enum class ErrorSource {
  kClose,      // the socket closed with a code
  kRpc,        // a call's JSON-RPC error
  kTransport,  // a socket that failed to open, timed out, or was lost without a close frame
  kQueue,      // the outbound queue refused or dropped a message (e.g. a full critical lane)
  kState,      // a state message did not fit the held document (a version gap)
  kCall,       // a call that timed out, or was cancelled before an answer (e.g. its socket went)
};

RTNET_API const char* ToString(ErrorClass error_class);
RTNET_API const char* ToString(RecoveryStrategy strategy);
RTNET_API const char* ToString(ErrorSource source);

/// How a call that got no usable answer ended, so a game can tell a slow gateway from a lost socket.
/// kNone for everything that is not a call's failure, and for a call the gateway answered with an error
/// (then `code` is the JSON-RPC code).
enum class CallFailure {
  kNone,
  kTimedOut,      // no answer within its timeout: if it was sent, it may still have run
  kDisconnected,  // sent, and its socket went before the answer: it may or may not have run
  kCancelled,     // ended on this side: the client was closed, or the queue refused or dropped it unsent
  kLocal,         // failed before it could be sent, or its answer was unusable (LocalCallError)
};

RTNET_API const char* ToString(CallFailure failure);

/// One failure, as the error event reports it.
struct ErrorInfo {
  ErrorSource source = ErrorSource::kTransport;
  ErrorClass error_class = ErrorClass::kTransient;
  RecoveryStrategy strategy = RecoveryStrategy::kRetry;
  int code = 0;             // close code, JSON-RPC error code, or 0
  std::string message;      // human readable
  std::string method;       // kRpc: the call's method
  std::string room;         // when a room is concerned
  double retry_after = 0;   // seconds: kRateLimited's data.retry_after (0: use backoff)
  CallFailure call_failure = CallFailure::kNone;  // a call's failure without an error answer
};

/// A close code (1000 is not an error: class kTransient with kRetry is never returned for it; callers
/// skip 1000). 1006 (no close frame) is a transport failure.
RTNET_API ErrorInfo ClassifyCloseError(int code, const std::string& reason);
/// A call's JSON-RPC error.
RTNET_API ErrorInfo ClassifyRpcError(const RpcError& error, const std::string& method);
/// A transport failure without a code (connect timeout, heartbeat timeout, lost socket).
RTNET_API ErrorInfo TransportError(const std::string& reason);
/// Why a call failed, whatever ended it: a JSON-RPC error (ClassifyRpcError), a timeout, a lost socket or a
/// cancellation (source kCall, transient, retry: the caller may try again; code 0; call_failure says which);
/// a result gives an ErrorInfo with code 0 and an empty message.
RTNET_API ErrorInfo CallError(const CallOutcome& outcome);

/// A call that failed on this side of the wire: the gateway never saw it, or its answer was unusable.
enum class LocalFailure {
  kNoClient,        // nothing to send it with (no client for the game world): fatal, give up
  kInvalidParams,   // params that do not encode: what the gateway answers them with (-32602, protocol)
  kResultMismatch,  // a result that does not match the protocol's description of it: protocol, give up
};

/// How a local failure is reported (source kCall; code 0 unless the gateway has one with that meaning).
RTNET_API ErrorInfo LocalCallError(LocalFailure failure, const std::string& method, const std::string& message);

}  // namespace rtnet
