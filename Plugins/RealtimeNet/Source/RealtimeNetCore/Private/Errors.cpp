#include "rtnet/Errors.h"

#include "rtnet/CloseClass.h"
#include "rtnet/Codes.h"

namespace rtnet {

const char* ToString(ErrorClass error_class) {
  switch (error_class) {
    case ErrorClass::kTransient: return "transient";
    case ErrorClass::kAuth: return "auth";
    case ErrorClass::kProtocol: return "protocol";
    case ErrorClass::kRateLimited: return "rate_limited";
    case ErrorClass::kFatal: return "fatal";
  }
  return "unknown";
}

const char* ToString(RecoveryStrategy strategy) {
  switch (strategy) {
    case RecoveryStrategy::kRetry: return "retry";
    case RecoveryStrategy::kRefreshToken: return "refresh_token";
    case RecoveryStrategy::kResyncState: return "resync_state";
    case RecoveryStrategy::kGiveUp: return "give_up";
  }
  return "unknown";
}

const char* ToString(ErrorSource source) {
  switch (source) {
    case ErrorSource::kClose: return "close";
    case ErrorSource::kRpc: return "rpc";
    case ErrorSource::kTransport: return "transport";
    case ErrorSource::kQueue: return "queue";
    case ErrorSource::kState: return "state";
    case ErrorSource::kCall: return "call";
  }
  return "unknown";
}

const char* ToString(CallFailure failure) {
  switch (failure) {
    case CallFailure::kNone: return "none";
    case CallFailure::kTimedOut: return "timed_out";
    case CallFailure::kDisconnected: return "disconnected";
    case CallFailure::kCancelled: return "cancelled";
    case CallFailure::kLocal: return "local";
  }
  return "unknown";
}

ErrorInfo ClassifyCloseError(int code, const std::string& reason) {
  ErrorInfo info;
  info.source = code == 1006 ? ErrorSource::kTransport : ErrorSource::kClose;
  info.code = code;
  info.message = reason.empty() ? std::string(CloseReason(code)) : reason;
  switch (ClassifyClose(code)) {
    case CloseClass::kNormal:
    case CloseClass::kTransient:
    case CloseClass::kGoingAway:
      info.error_class = ErrorClass::kTransient;
      info.strategy = RecoveryStrategy::kRetry;
      break;
    case CloseClass::kAuth:
      info.error_class = ErrorClass::kAuth;
      info.strategy = RecoveryStrategy::kRefreshToken;
      break;
    case CloseClass::kRateLimited:
      info.error_class = ErrorClass::kRateLimited;
      info.strategy = RecoveryStrategy::kRetry;
      break;
    case CloseClass::kProtocol:  // reconnects (the session survives), but the game should report it
      info.error_class = ErrorClass::kProtocol;
      info.strategy = RecoveryStrategy::kRetry;
      break;
    case CloseClass::kFatal:
      info.error_class = ErrorClass::kFatal;
      info.strategy = RecoveryStrategy::kGiveUp;
      break;
  }
  return info;
}

ErrorInfo ClassifyRpcError(const RpcError& error, const std::string& method) {
  ErrorInfo info;
  info.source = ErrorSource::kRpc;
  info.code = static_cast<int>(error.code);
  info.message = error.message;
  info.method = method;
  auto set = [&info](ErrorClass error_class, RecoveryStrategy strategy) {
    info.error_class = error_class;
    info.strategy = strategy;
  };
  switch (static_cast<ErrorCode>(error.code)) {
    case ErrorCode::kParseError:
    case ErrorCode::kInvalidRequest:
    case ErrorCode::kMethodNotFound:
    case ErrorCode::kInvalidParams:
    case ErrorCode::kLimitExceeded: set(ErrorClass::kProtocol, RecoveryStrategy::kGiveUp); break;
    case ErrorCode::kInternalError:
    case ErrorCode::kOverloaded:
    case ErrorCode::kBackendUnavailable: set(ErrorClass::kTransient, RecoveryStrategy::kRetry); break;
    case ErrorCode::kRateLimited: {
      set(ErrorClass::kRateLimited, RecoveryStrategy::kRetry);
      const Value* retry_after = error.data.Find("retry_after");
      if (retry_after != nullptr) info.retry_after = retry_after->AsNumber().value_or(0.0);
      break;
    }
    case ErrorCode::kUnauthorized: set(ErrorClass::kAuth, RecoveryStrategy::kRefreshToken); break;
    case ErrorCode::kForbidden:
    case ErrorCode::kNotFound: set(ErrorClass::kFatal, RecoveryStrategy::kGiveUp); break;
    case ErrorCode::kConflict:
    case ErrorCode::kUnknownVersion:
    case ErrorCode::kResumeFailed: set(ErrorClass::kTransient, RecoveryStrategy::kResyncState); break;
    default: set(ErrorClass::kFatal, RecoveryStrategy::kGiveUp); break;  // an application's own code
  }
  const Value* room = error.data.Find("room");
  if (room != nullptr && room->IsString()) info.room = *room->AsString();
  return info;
}

ErrorInfo TransportError(const std::string& reason) {
  ErrorInfo info;
  info.source = ErrorSource::kTransport;
  info.error_class = ErrorClass::kTransient;
  info.strategy = RecoveryStrategy::kRetry;
  info.code = 1006;
  info.message = reason;
  return info;
}

ErrorInfo CallError(const CallOutcome& outcome) {
  if (outcome.status == CallOutcome::Status::kError) return ClassifyRpcError(outcome.error, outcome.method);
  ErrorInfo info;
  info.source = ErrorSource::kCall;
  info.error_class = ErrorClass::kTransient;
  info.strategy = RecoveryStrategy::kRetry;
  info.method = outcome.method;
  switch (outcome.status) {
    case CallOutcome::Status::kTimeout:
      info.message = "timed out";
      info.call_failure = CallFailure::kTimedOut;
      break;
    case CallOutcome::Status::kDisconnected:
      info.message = outcome.reason.empty() ? "disconnected" : outcome.reason;
      info.call_failure = CallFailure::kDisconnected;
      break;
    case CallOutcome::Status::kCancelled:
      info.message = outcome.reason.empty() ? "cancelled" : outcome.reason;
      info.call_failure = CallFailure::kCancelled;
      break;
    case CallOutcome::Status::kResult:
    case CallOutcome::Status::kError: break;
  }
  return info;
}

ErrorInfo LocalCallError(LocalFailure failure, const std::string& method, const std::string& message) {
  if (failure == LocalFailure::kInvalidParams) {
    RpcError invalid;
    invalid.code = static_cast<std::int64_t>(ErrorCode::kInvalidParams);
    invalid.message = message;
    ErrorInfo info = ClassifyRpcError(invalid, method);
    info.source = ErrorSource::kCall;
    info.call_failure = CallFailure::kLocal;
    return info;
  }
  ErrorInfo info;
  info.source = ErrorSource::kCall;
  info.strategy = RecoveryStrategy::kGiveUp;
  info.error_class = failure == LocalFailure::kNoClient ? ErrorClass::kFatal : ErrorClass::kProtocol;
  info.method = method;
  info.message = message;
  info.call_failure = CallFailure::kLocal;
  return info;
}

}  // namespace rtnet
