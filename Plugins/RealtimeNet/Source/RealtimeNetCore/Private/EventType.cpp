#include "rtnet/EventType.h"

namespace rtnet {

bool IsValidEventType(std::string_view type) {
  if (type.empty() || type.size() > kMaxEventTypeLength) return false;
  bool name_started = false;
  for (char c : type) {
    if (c == '.') {
      if (!name_started) return false;  // a leading or doubled dot
      name_started = false;
      continue;
    }
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                         c == ':' || c == '-';
    if (!allowed) return false;
    name_started = true;
  }
  return name_started;  // not ending in a dot
}

bool EventTypeMatches(std::string_view type, std::string_view filter, bool exact) {
  if (filter.empty()) return true;
  if (type == filter) return true;
  if (exact || type.size() <= filter.size()) return false;
  return type.compare(0, filter.size(), filter) == 0 && type[filter.size()] == '.';
}

}  // namespace rtnet
