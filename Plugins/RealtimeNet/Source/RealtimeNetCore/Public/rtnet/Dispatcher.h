// Routes incoming notifications (room.event, state.delta, presence.changed, ...) to the handlers the
// game registered, by method, room and predicate, in priority order.
#pragma once

#include "rtnet/Export.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "rtnet/Value.h"

namespace rtnet {

/// One message as handlers see it. (Not "DispatchMessage": <windows.h> defines that name as a macro.)
struct IncomingMessage {
  std::string_view method;
  const Value& params;
  std::string_view room;  // params.room when it is a string, else empty
};

using DispatchHandler = std::function<void(const IncomingMessage& message)>;
using DispatchPredicate = std::function<bool(const IncomingMessage& message)>;

/// Which messages a handler receives: every condition given must hold.
struct DispatchFilter {
  /// Exact method ("room.event"), a prefix ending in ".*" ("state.*" matches state.delta and
  /// state.entities), or empty for every method.
  std::string method;
  /// Exact room (params.room), or empty for any message (with or without a room).
  std::string room;
  DispatchPredicate predicate;
  /// Higher runs first; equal priorities run in registration order.
  int priority = 0;
};

/// A registered handler. 0 is never a handle.
struct DispatchHandle {
  std::uint64_t id = 0;
  explicit operator bool() const { return id != 0; }
  friend bool operator==(DispatchHandle a, DispatchHandle b) { return a.id == b.id; }
  friend bool operator!=(DispatchHandle a, DispatchHandle b) { return a.id != b.id; }
};

/// What the trace hook sees: every dispatched message, after its handlers ran.
struct DispatchTrace {
  std::string_view method;
  const Value& params;
  std::string_view room;
  std::size_t handled = 0;  // handlers called (0: nobody listened; the unknown notification is ignored)
  std::size_t depth = 0;    // 1 for a top-level dispatch, more when a handler dispatched
};
using DispatchTraceHook = std::function<void(const DispatchTrace& trace)>;

/// The handler registry. Safe against changes made by handlers while a message is dispatched:
///  - a handler removed during a dispatch (itself or another) is not called from that moment on, and
///    its std::function is destroyed only after the outermost dispatch returned (so a handler may
///    remove itself and keep running);
///  - a handler added during a dispatch receives the next message, not the current one;
///  - a handler may dispatch another message (nested dispatches see the same rules).
class RTNET_API Dispatcher {
 public:
  DispatchHandle Add(DispatchFilter filter, DispatchHandler handler);
  /// Shorthand: every message of `method` (exact or "prefix.*").
  DispatchHandle On(std::string method, DispatchHandler handler, int priority = 0);
  /// False when `handle` is not registered (already removed, or never was).
  bool Remove(DispatchHandle handle);
  void Clear();

  /// Delivers one notification's method and params; returns the number of handlers called.
  std::size_t Dispatch(std::string_view method, const Value& params);
  /// Delivers a JSON-RPC notification (`{"jsonrpc":"2.0","method":..., "params":...}`); 0 and nothing
  /// traced for anything that is not a notification.
  std::size_t DispatchNotification(const Value& message);

  /// Sees every dispatched message, handled or not (debugging, logging, recording); null removes it.
  void SetTrace(DispatchTraceHook hook) { trace_ = std::move(hook); }

  /// Registered handlers (pending additions included, removed ones not).
  std::size_t size() const;
  bool dispatching() const { return depth_ > 0; }

 private:
  struct Entry {
    std::uint64_t id;
    DispatchFilter filter;
    DispatchHandler handler;
    bool removed = false;
  };

  static bool Matches(const DispatchFilter& filter, const IncomingMessage& message);
  void Insert(Entry entry);
  void Settle();  // after the outermost dispatch: drop removed entries, insert pending ones

  std::vector<Entry> entries_;  // by priority, then registration order; never reshaped mid-dispatch
  std::vector<Entry> pending_;  // added during a dispatch
  DispatchTraceHook trace_;
  std::uint64_t next_id_ = 1;
  std::size_t depth_ = 0;
  bool dirty_ = false;
};

}  // namespace rtnet
