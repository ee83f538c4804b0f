// JSON-RPC 2.0 envelopes on rtnet::Value: what a frame holds, building requests and notifications, and
// how a call ended. The calls in flight are rtnet::Client's (its ledger: ids, timeouts, retries).
#pragma once

#include "rtnet/Export.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtnet/Value.h"

namespace rtnet {

/// What one JSON-RPC message is.
enum class MessageKind {
  kRequest,       // method + id
  kNotification,  // method, no id
  kResult,        // id + result
  kError,         // id (possibly null) + error {code, message, data?}
  kInvalid,       // anything else: not an object, no "jsonrpc": "2.0", both result and error, ...
};

/// Classifies one message (not a batch) by the JSON-RPC 2.0 rules.
RTNET_API MessageKind Classify(const Value& message);

/// The messages of a frame: the frame itself, or a batch's items in order. Empty for an empty batch or
/// a frame that is neither an object nor an array (both invalid as a whole).
RTNET_API std::vector<const Value*> FrameItems(const Value& frame);

/// The `error` member of an error response.
struct RpcError {
  std::int64_t code = 0;
  std::string message;
  Value data;  // null when absent
};

/// The error of a kError message; none for any other message.
RTNET_API std::optional<RpcError> ErrorOf(const Value& message);

/// {"jsonrpc":"2.0","id":id,"method":method,"params":params}; params omitted when null.
RTNET_API Value MakeRequest(std::int64_t id, std::string_view method, Value params);
/// {"jsonrpc":"2.0","method":method,"params":params}; params omitted when null.
RTNET_API Value MakeNotification(std::string_view method, Value params);

/// How a call ended.
struct RTNET_API CallOutcome {
  /// kResult and kError: the gateway answered. The others got no answer:
  ///  - kTimeout: none within the call's timeout (queueing included); if it was sent, it may still have run;
  ///  - kDisconnected: it was sent and its socket went before the answer: it may or may not have run;
  ///  - kCancelled: it ended on this side without reaching the gateway's answer: the client was closed, or the
  ///    outbound queue refused it or dropped it unsent (`reason` says which).
  enum class Status { kResult, kError, kTimeout, kDisconnected, kCancelled };
  std::int64_t id = 0;
  std::string method;
  Status status = Status::kResult;
  Value result;        // kResult
  RpcError error;      // kError
  std::string reason;  // kTimeout, kDisconnected, kCancelled: why (e.g. the close reason)

  /// An outcome without a result or error (a timeout, a cancellation) or to be filled in. The parameters
  /// are not named after the fields: MSVC's C4458 (an error in Unreal builds) rejects that even here.
  static CallOutcome Ended(std::int64_t call_id, std::string call_method, Status ended_as, std::string why);
};

}  // namespace rtnet
