// The close-code classification against the generated codes (protocol/openrpc.json) and the Python
// client's reconnect rule.
#include "TestSupport.h"
#include "rtnet/CloseClass.h"

namespace rtnet {
namespace {

TEST(CloseClass, ListedCodes) {
  EXPECT_EQ(ClassifyClose(1000), CloseClass::kNormal);
  EXPECT_EQ(ClassifyClose(1001), CloseClass::kGoingAway);
  EXPECT_EQ(ClassifyClose(1012), CloseClass::kGoingAway);
  EXPECT_EQ(ClassifyClose(1008), CloseClass::kProtocol);
  EXPECT_EQ(ClassifyClose(1009), CloseClass::kProtocol);
  EXPECT_EQ(ClassifyClose(1011), CloseClass::kTransient);
  EXPECT_EQ(ClassifyClose(4001), CloseClass::kAuth);
  EXPECT_EQ(ClassifyClose(4008), CloseClass::kRateLimited);
  EXPECT_EQ(ClassifyClose(4009), CloseClass::kTransient);
  EXPECT_EQ(ClassifyClose(4010), CloseClass::kTransient);
  EXPECT_EQ(ClassifyClose(4500), CloseClass::kFatal);
  EXPECT_EQ(ClassifyClose(4502), CloseClass::kFatal);
  EXPECT_EQ(ClassifyClose(4503), CloseClass::kFatal);
}

TEST(CloseClass, UnlistedCodesFollowTheirRange) {
  EXPECT_EQ(ClassifyClose(1006), CloseClass::kTransient);  // lost without a close frame
  EXPECT_EQ(ClassifyClose(1005), CloseClass::kTransient);
  EXPECT_EQ(ClassifyClose(4000), CloseClass::kTransient);
  EXPECT_EQ(ClassifyClose(4499), CloseClass::kTransient);
  EXPECT_EQ(ClassifyClose(4777), CloseClass::kFatal);
  EXPECT_EQ(ClassifyClose(4999), CloseClass::kFatal);
  EXPECT_EQ(ClassifyClose(5000), CloseClass::kTransient);
}

TEST(CloseClass, AgreesWithTheDescriptionAndPython) {
  // The description's action for every listed code; Python's should_reconnect for every code.
  for (const CloseCodeInfo& info : kCloseCodes) {
    int code = static_cast<int>(info.code);
    EXPECT_EQ(ShouldReconnect(ClassifyClose(code)), info.action == CloseAction::kReconnect) << code;
    EXPECT_STRNE(CloseReason(code), "") << code;
  }
  for (int code = 0; code < 6000; ++code) {
    bool python = code != 1000 && !(code >= 4500 && code <= 4999);
    ASSERT_EQ(ShouldReconnect(ClassifyClose(code)), python) << code;
  }
  EXPECT_STREQ(CloseReason(4502), "session replaced by another login");
  EXPECT_STREQ(CloseReason(1234), "");
}

}  // namespace
}  // namespace rtnet
