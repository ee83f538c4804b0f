// Every failure sorted into its class with its recovery: JSON-RPC errors, close codes, calls that timed
// out or were cancelled, and failures found on this side of the wire.
#include "TestSupport.h"
#include "rtnet/Errors.h"

namespace rtnet {
namespace {

TEST(Errors, RpcErrorsAreClassifiedWithTheirRecovery) {
  struct Case {
    int code;
    ErrorClass error_class;
    RecoveryStrategy strategy;
  };
  const Case cases[] = {
      {-32700, ErrorClass::kProtocol, RecoveryStrategy::kGiveUp},
      {-32602, ErrorClass::kProtocol, RecoveryStrategy::kGiveUp},
      {-32603, ErrorClass::kTransient, RecoveryStrategy::kRetry},
      {-32000, ErrorClass::kRateLimited, RecoveryStrategy::kRetry},
      {-32001, ErrorClass::kAuth, RecoveryStrategy::kRefreshToken},
      {-32002, ErrorClass::kFatal, RecoveryStrategy::kGiveUp},
      {-32004, ErrorClass::kTransient, RecoveryStrategy::kResyncState},
      {-32006, ErrorClass::kTransient, RecoveryStrategy::kRetry},
      {-32007, ErrorClass::kTransient, RecoveryStrategy::kResyncState},
      {-32009, ErrorClass::kTransient, RecoveryStrategy::kRetry},
      {7, ErrorClass::kFatal, RecoveryStrategy::kGiveUp},
  };
  for (const Case& c : cases) {
    RpcError error;
    error.code = c.code;
    ErrorInfo info = ClassifyRpcError(error, "m");
    EXPECT_EQ(info.error_class, c.error_class) << c.code;
    EXPECT_EQ(info.strategy, c.strategy) << c.code;
    EXPECT_EQ(info.source, ErrorSource::kRpc);
  }
  EXPECT_EQ(ClassifyCloseError(1006, "").source, ErrorSource::kTransport);
  EXPECT_EQ(ClassifyCloseError(4008, "").error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(ClassifyCloseError(1009, "").error_class, ErrorClass::kProtocol);
  EXPECT_EQ(ClassifyCloseError(4503, "").strategy, RecoveryStrategy::kGiveUp);
  EXPECT_EQ(ClassifyCloseError(4503, "").message, "forbidden");
  EXPECT_STREQ(ToString(ErrorClass::kRateLimited), "rate_limited");
}

TEST(Errors, CallFailuresAreClassifiedWhateverEndedThem) {
  CallOutcome outcome;
  outcome.method = "room.join";
  outcome.status = CallOutcome::Status::kTimeout;
  ErrorInfo timeout = CallError(outcome);
  EXPECT_EQ(timeout.source, ErrorSource::kCall);
  EXPECT_EQ(timeout.strategy, RecoveryStrategy::kRetry);
  EXPECT_EQ(timeout.message, "timed out");
  EXPECT_EQ(timeout.method, "room.join");
  EXPECT_EQ(timeout.code, 0);
  EXPECT_EQ(timeout.call_failure, CallFailure::kTimedOut);
  // A lost socket is not a timeout: the call may or may not have run, and the game may want to check.
  outcome.status = CallOutcome::Status::kDisconnected;
  outcome.reason = "disconnected";
  ErrorInfo lost = CallError(outcome);
  EXPECT_EQ(lost.message, "disconnected");
  EXPECT_EQ(lost.call_failure, CallFailure::kDisconnected);
  EXPECT_EQ(lost.strategy, RecoveryStrategy::kRetry);
  outcome.status = CallOutcome::Status::kCancelled;
  outcome.reason = "closed by the game";
  EXPECT_EQ(CallError(outcome).call_failure, CallFailure::kCancelled);
  EXPECT_EQ(CallError(outcome).message, "closed by the game");
  outcome.status = CallOutcome::Status::kError;
  outcome.error.code = -32002;
  EXPECT_EQ(CallError(outcome).error_class, ErrorClass::kFatal);
  EXPECT_EQ(CallError(outcome).call_failure, CallFailure::kNone);  // answered: the code says what
  EXPECT_STREQ(ToString(CallFailure::kDisconnected), "disconnected");
  EXPECT_STREQ(ToString(ErrorSource::kCall), "call");
}

TEST(Errors, LocalFailuresAreClassifiedAsTheGatewayWouldHaveThem) {
  ErrorInfo none = LocalCallError(LocalFailure::kNoClient, "room.join", "no RealtimeNet subsystem for this world");
  EXPECT_EQ(none.error_class, ErrorClass::kFatal);
  EXPECT_EQ(none.strategy, RecoveryStrategy::kGiveUp);
  EXPECT_EQ(none.code, 0);
  EXPECT_EQ(none.method, "room.join");
  EXPECT_EQ(none.message, "no RealtimeNet subsystem for this world");
  // Params that do not encode: exactly what the gateway's -32602 gives, but found here.
  ErrorInfo invalid = LocalCallError(LocalFailure::kInvalidParams, "state.update", "patch: not an object");
  RpcError answered;
  answered.code = -32602;
  ErrorInfo gateway = ClassifyRpcError(answered, "state.update");
  EXPECT_EQ(invalid.code, -32602);
  EXPECT_EQ(invalid.error_class, gateway.error_class);
  EXPECT_EQ(invalid.strategy, gateway.strategy);
  EXPECT_EQ(invalid.source, ErrorSource::kCall);
  EXPECT_EQ(invalid.message, "patch: not an object");
  ErrorInfo mismatch = LocalCallError(LocalFailure::kResultMismatch, "room.join", "missing member \"stream\"");
  EXPECT_EQ(mismatch.error_class, ErrorClass::kProtocol);
  EXPECT_EQ(mismatch.strategy, RecoveryStrategy::kGiveUp);
  EXPECT_EQ(mismatch.code, 0);
  EXPECT_EQ(mismatch.call_failure, CallFailure::kLocal);
  EXPECT_EQ(invalid.call_failure, CallFailure::kLocal);
}

}  // namespace
}  // namespace rtnet
