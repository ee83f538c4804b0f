// Every failure sorted into its class with its recovery: JSON-RPC errors, close codes, calls that timed
// out or were cancelled.
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
  outcome.status = CallOutcome::Status::kCancelled;
  outcome.reason = "disconnected";
  EXPECT_EQ(CallError(outcome).message, "disconnected");
  outcome.status = CallOutcome::Status::kError;
  outcome.error.code = -32002;
  EXPECT_EQ(CallError(outcome).error_class, ErrorClass::kFatal);
  EXPECT_STREQ(ToString(ErrorSource::kCall), "call");
}

}  // namespace
}  // namespace rtnet
