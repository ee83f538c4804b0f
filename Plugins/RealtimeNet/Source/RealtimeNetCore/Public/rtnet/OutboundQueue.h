// What the client sends, queued by priority and flushed once per tick as one JSON-RPC frame under a
// byte cap. Sans-I/O: the host enqueues messages, calls TakeBatch() on its tick and sends the frame.
#pragma once

#include "rtnet/Export.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rtnet/GatewayDefaults.h"
#include "rtnet/Value.h"

namespace rtnet {

/// Priority lanes, drained in this order.
enum class Lane { kCritical = 0, kNormal = 1, kLow = 2 };
inline constexpr std::size_t kLaneCount = 3;

RTNET_API const char* ToString(Lane lane);

/// What a full lane does with one more (new) message. A message that replaces a queued one with the
/// same coalesce key never overflows.
enum class OverflowPolicy {
  kReject,      // the new message is refused (kRejectedFull): the caller hears it at once
  kDropOldest,  // the oldest queued message is evicted (reported through TakeUnsent) to make room
};

struct LaneOptions {
  std::size_t max_messages = 1024;
  std::size_t max_bytes = 4u << 20;  // sum of the messages' sizes
  OverflowPolicy policy = OverflowPolicy::kReject;
};

struct OutboundOptions {
  /// The largest frame TakeBatch builds (the batch array and its commas included), and so the largest
  /// message the queue accepts. The gateway closes a socket with 1009 on a message larger than its
  /// `server.max_message_bytes`, and a client that reconnects and sends the same frame again would loop:
  /// this is the gateway's default (rtnet/GatewayDefaults.h); keep it at or below the gateway's setting.
  std::size_t max_batch_bytes = gateway_defaults::kMaxMessageBytes;
  /// The most messages in one frame: the gateway's `limits.max_batch_size`.
  std::size_t max_batch_messages = gateway_defaults::kMaxBatchSize;
  /// critical: refuse when full (fail loudly); normal: refuse when full; low: drop the oldest.
  std::array<LaneOptions, kLaneCount> lanes = {
      LaneOptions{1024, 4u << 20, OverflowPolicy::kReject},
      LaneOptions{1024, 4u << 20, OverflowPolicy::kReject},
      LaneOptions{256, 1u << 20, OverflowPolicy::kDropOldest},
  };
};

/// How one message is queued.
struct SendOptions {
  Lane lane = Lane::kNormal;
  /// Non-empty: a state update coalesced by key (e.g. "state:<room>" or "input:<player>"): a newer
  /// message with the same key in the same lane replaces the queued one, keeping its place in line, so
  /// only the newest per key is sent. Keyed messages are kept across a disconnect (see below).
  std::string coalesce_key;
  /// Kept across a disconnect and sent after the session resumed, instead of failing.
  bool resendable = false;
};

enum class EnqueueStatus {
  kQueued,
  kCoalesced,             // replaced a queued message with the same key (reported through TakeUnsent)
  kQueuedDroppedOldest,   // queued; the lane's oldest message was evicted (reported through TakeUnsent)
  kRejectedFull,          // the lane is full and its policy is kReject; the message is not queued
  kRejectedTooBig,        // larger than max_batch_bytes alone: it could never be sent
  kRejectedDisconnected,  // a non-resendable, unkeyed message while disconnected
  kRejectedInvalid,       // not a JSON-RPC request or notification
};

RTNET_API const char* ToString(EnqueueStatus status);

struct EnqueueResult {
  EnqueueStatus status = EnqueueStatus::kRejectedInvalid;
  std::uint64_t ticket = 0;  // 0 when refused
  bool ok() const {
    return status == EnqueueStatus::kQueued || status == EnqueueStatus::kCoalesced ||
           status == EnqueueStatus::kQueuedDroppedOldest;
  }
};

/// A message that left the queue without being sent.
struct Unsent {
  enum class Reason {
    kCoalesced,     // a newer message with its key replaced it
    kDroppedOldest, // evicted from a full kDropOldest lane
    kDisconnected,  // the socket went away (see the rule below), or Resume's rewrite dropped it
  };
  std::uint64_t ticket = 0;
  Lane lane = Lane::kNormal;
  Reason reason = Reason::kDisconnected;
  std::optional<std::int64_t> id;  // a request's integer id: fail that call with "disconnected" etc.
  Value message;
};

RTNET_API const char* ToString(Unsent::Reason reason);

/// One frame to send: a single message, or a JSON-RPC batch array of several.
struct Batch {
  Value frame;
  std::vector<std::uint64_t> tickets;  // in frame order
  std::size_t bytes = 0;               // the frame's size as the sizer counts it
  bool empty() const { return tickets.empty(); }
};

struct QueueMetrics {
  std::array<std::size_t, kLaneCount> depth{};  // messages queued per lane
  std::array<std::size_t, kLaneCount> bytes{};  // bytes queued per lane
  std::uint64_t enqueued = 0;
  std::uint64_t coalesced = 0;
  std::uint64_t dropped = 0;               // evicted by kDropOldest
  std::uint64_t rejected = 0;              // every kRejected* result
  std::uint64_t critical_rejected = 0;     // the loud ones: a full critical lane
  std::uint64_t failed_disconnected = 0;   // failed by a disconnect
  std::uint64_t sent_messages = 0;
  std::uint64_t sent_batches = 0;
  std::uint64_t sent_bytes = 0;
};

/// The size of a message on the wire, in bytes. The default is JsonSizeBound.
using Sizer = std::function<std::size_t(const Value&)>;

/// The length of `value` as compact JSON, exact for everything but doubles, which count as the
/// longest shortest-round-trip rendering (24 bytes), so the result is an upper bound for any serialiser
/// that writes non-ASCII as UTF-8 (nlohmann-json, Unreal's TJsonWriter then UTF-8 conversion).
/// Control characters count as 6 (`\u00XX`), the worst case.
RTNET_API std::size_t JsonSizeBound(const Value& value);

/// The outbound queue of one Connection.
///
/// Order: every TakeBatch drains critical first, then normal, then low, each lane in FIFO order
/// (a coalesced message keeps the place of the one it replaced). A lane stops at the first message
/// that no longer fits the frame (its order is never broken); lower lanes may still fill the rest.
///
/// Unsent messages after a disconnect — the rule:
///  - OnDisconnected() fails every queued message that is neither keyed (a state update) nor
///    resendable: they come back through TakeUnsent() with Reason::kDisconnected, and the host fails
///    each call (`id`) back to its caller with a "disconnected" error. They are never sent later.
///  - Keyed state updates and resendable messages stay queued, in order, and TakeBatch() sends them
///    once Resume() is called after `session.resume` succeeded (state updates are newest-per-key, so
///    nothing stale is replayed). Their JSON-RPC ids are the caller's; Resume takes an optional
///    rewrite that may give each kept request a new id (or return false to drop it: reported as
///    kDisconnected). rtnet::Client keeps its ids across sockets and drops the calls it no longer holds.
///  - While disconnected, Enqueue refuses unkeyed, non-resendable messages (kRejectedDisconnected)
///    and TakeBatch returns nothing.
/// Messages already handed out by TakeBatch are no longer the queue's: the host's call ledger times
/// them out or fails them.
///
/// How rtnet::Client drives it: `Enqueue(MakeRequest(id, ...))` with an id from its ledger; per tick
/// `connection.SendFrame(queue.TakeBatch().frame)`; on leaving kConnected `OnDisconnected()`; after
/// `session.resume` succeeded, `Resume` with a rewrite that keeps what is still pending.
class RTNET_API OutboundQueue {
 public:
  explicit OutboundQueue(OutboundOptions options = {}, Sizer sizer = nullptr);

  /// Queues a JSON-RPC request or notification (a single message, not a batch).
  EnqueueResult Enqueue(Value message, SendOptions options = {});

  /// The next frame (empty when nothing is queued or the queue is disconnected); call once per tick.
  Batch TakeBatch();

  /// The socket went away: apply the disconnect rule above.
  void OnDisconnected();
  /// The session resumed: kept messages are sent from the next TakeBatch. `rewrite` (optional) sees
  /// every kept message in order and may change it; returning false drops it.
  void Resume(const std::function<bool(Value& message)>& rewrite = nullptr);
  bool connected() const { return connected_; }

  /// Messages that left without being sent (coalesced, dropped, failed), oldest first.
  std::vector<Unsent> TakeUnsent();

  /// Takes a queued message back (its caller gave up on it: a cancelled or timed-out call), so it is
  /// never sent. Not reported through TakeUnsent: the caller already knows. False when the ticket is not
  /// queued (already handed out by TakeBatch, replaced, dropped, or never issued).
  bool Withdraw(std::uint64_t ticket);

  const QueueMetrics& metrics() const { return metrics_; }
  std::size_t depth(Lane lane) const { return lanes_[static_cast<std::size_t>(lane)].size(); }
  std::size_t size() const;
  bool empty() const { return size() == 0; }
  const OutboundOptions& options() const { return options_; }

 private:
  struct Entry {
    std::uint64_t ticket;
    Value message;
    std::size_t bytes;
    std::string key;
    bool resendable;
  };

  void Evict(std::size_t lane, std::deque<Entry>::iterator entry, Unsent::Reason reason);
  EnqueueResult Refuse(EnqueueStatus status, Lane lane);

  OutboundOptions options_;
  Sizer sizer_;
  std::array<std::deque<Entry>, kLaneCount> lanes_;
  std::vector<Unsent> unsent_;
  QueueMetrics metrics_;
  std::uint64_t next_ticket_ = 1;
  bool connected_ = true;
};

}  // namespace rtnet
