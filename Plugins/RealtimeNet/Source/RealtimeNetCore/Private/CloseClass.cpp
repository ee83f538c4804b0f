#include "rtnet/CloseClass.h"

namespace rtnet {

CloseClass ClassifyClose(int code) {
  switch (static_cast<CloseCode>(code)) {
    case CloseCode::kNormal: return CloseClass::kNormal;
    case CloseCode::kGoingAway:
    case CloseCode::kServiceRestart: return CloseClass::kGoingAway;
    case CloseCode::kTokenExpired: return CloseClass::kAuth;
    case CloseCode::kRateLimited: return CloseClass::kRateLimited;
    case CloseCode::kPolicyViolation:
    case CloseCode::kMessageTooBig: return CloseClass::kProtocol;
    default: break;
  }
  // The ranges carry the rule for codes added later (docs/event-protocol.md: codes are added in their
  // ranges, never reused).
  if (code >= 4500 && code <= 4999) return CloseClass::kFatal;
  return CloseClass::kTransient;
}

const char* ToString(CloseClass kind) {
  switch (kind) {
    case CloseClass::kNormal: return "normal";
    case CloseClass::kTransient: return "transient";
    case CloseClass::kGoingAway: return "going_away";
    case CloseClass::kAuth: return "auth";
    case CloseClass::kRateLimited: return "rate_limited";
    case CloseClass::kProtocol: return "protocol";
    case CloseClass::kFatal: return "fatal";
  }
  return "unknown";
}

const char* CloseReason(int code) {
  for (const CloseCodeInfo& info : kCloseCodes) {
    if (static_cast<int>(info.code) == code) return info.reason;
  }
  return "";
}

}  // namespace rtnet
