#include "rtnet/Dispatcher.h"

#include <algorithm>
#include <utility>

#include "rtnet/JsonRpc.h"

namespace rtnet {

bool Dispatcher::Matches(const DispatchFilter& filter, const IncomingMessage& message) {
  if (!filter.method.empty()) {
    const std::string& pattern = filter.method;
    if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, ".*") == 0) {
      // "state.*": the prefix with its dot.
      std::string_view prefix(pattern.data(), pattern.size() - 1);
      if (message.method.size() <= prefix.size() || message.method.substr(0, prefix.size()) != prefix) return false;
    } else if (message.method != pattern) {
      return false;
    }
  }
  if (!filter.room.empty() && message.room != filter.room) return false;
  return !filter.predicate || filter.predicate(message);
}

DispatchHandle Dispatcher::Add(DispatchFilter filter, DispatchHandler handler) {
  if (!handler) return DispatchHandle{};
  Entry entry{next_id_++, std::move(filter), std::move(handler)};
  const DispatchHandle handle{entry.id};
  if (depth_ > 0) {
    pending_.push_back(std::move(entry));
    dirty_ = true;
  } else {
    Insert(std::move(entry));
  }
  return handle;
}

DispatchHandle Dispatcher::On(std::string method, DispatchHandler handler, int priority) {
  DispatchFilter filter;
  filter.method = std::move(method);
  filter.priority = priority;
  return Add(std::move(filter), std::move(handler));
}

void Dispatcher::Insert(Entry entry) {
  // After every entry of the same or a higher priority: registration order among equals.
  auto position = std::upper_bound(entries_.begin(), entries_.end(), entry.filter.priority,
                                   [](int priority, const Entry& e) { return priority > e.filter.priority; });
  entries_.insert(position, std::move(entry));
}

bool Dispatcher::Remove(DispatchHandle handle) {
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->id == handle.id) {
      pending_.erase(it);  // never called yet: nothing can be running it
      return true;
    }
  }
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->id != handle.id || it->removed) continue;
    if (depth_ > 0) {
      it->removed = true;  // it may be running: destroyed in Settle
      dirty_ = true;
    } else {
      entries_.erase(it);
    }
    return true;
  }
  return false;
}

void Dispatcher::Clear() {
  pending_.clear();
  if (depth_ == 0) {
    entries_.clear();
    return;
  }
  for (Entry& entry : entries_) entry.removed = true;
  dirty_ = true;
}

std::size_t Dispatcher::size() const {
  std::size_t live = pending_.size();
  for (const Entry& entry : entries_) live += entry.removed ? 0 : 1;
  return live;
}

std::size_t Dispatcher::Dispatch(std::string_view method, const Value& params) {
  const Value* room_member = params.Find("room");
  std::string_view room;
  if (room_member != nullptr && room_member->IsString()) room = *room_member->AsString();
  const IncomingMessage message{method, params, room};
  ++depth_;
  std::size_t handled = 0;
  // Indexes stay valid: entries_ is not reshaped while depth_ > 0. Entries added meanwhile wait in
  // pending_, so `count` also excludes nothing that should run.
  const std::size_t count = entries_.size();
  for (std::size_t i = 0; i < count; ++i) {
    if (entries_[i].removed || !Matches(entries_[i].filter, message)) continue;
    ++handled;
    entries_[i].handler(message);
  }
  if (trace_) {
    DispatchTraceHook trace = trace_;  // the hook may replace itself
    trace(DispatchTrace{method, params, room, handled, depth_});
  }
  if (--depth_ == 0 && dirty_) Settle();
  return handled;
}

std::size_t Dispatcher::DispatchNotification(const Value& message) {
  if (Classify(message) != MessageKind::kNotification) return 0;
  const Value* params = message.Find("params");
  const Value no_params;
  return Dispatch(*message.Find("method")->AsString(), params != nullptr ? *params : no_params);
}

void Dispatcher::Settle() {
  dirty_ = false;
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.removed; }),
                 entries_.end());
  std::vector<Entry> pending;
  pending.swap(pending_);
  for (Entry& entry : pending) Insert(std::move(entry));
}

}  // namespace rtnet
