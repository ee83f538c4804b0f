#include "rtnet/OutboundQueue.h"

#include <utility>

#include "rtnet/JsonRpc.h"

namespace rtnet {
namespace {

std::size_t IntegerLength(std::int64_t value) {
  std::size_t length = value < 0 ? 2 : 1;  // sign and the last digit
  // Divide as a negative number: -INT64_MIN does not exist.
  std::int64_t rest = value < 0 ? value : -value;
  while (rest <= -10) {
    rest /= 10;
    ++length;
  }
  return length;
}

std::size_t StringLength(const std::string& text) {
  std::size_t length = 2;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
      length += 2;
    } else if (byte < 0x20) {
      length += 6;
    } else {
      length += 1;
    }
  }
  return length;
}

// The frame's size for `count` messages of `sum` bytes: a batch adds its brackets and commas.
std::size_t FrameBytes(std::size_t count, std::size_t sum) { return count <= 1 ? sum : sum + 2 + (count - 1); }

std::optional<std::int64_t> RequestId(const Value& message) {
  const Value* id = message.Find("id");
  if (id == nullptr || id->AsInt() == nullptr) return std::nullopt;
  return *id->AsInt();
}

}  // namespace

const char* ToString(Lane lane) {
  switch (lane) {
    case Lane::kCritical: return "critical";
    case Lane::kNormal: return "normal";
    case Lane::kLow: return "low";
  }
  return "unknown";
}

const char* ToString(EnqueueStatus status) {
  switch (status) {
    case EnqueueStatus::kQueued: return "queued";
    case EnqueueStatus::kCoalesced: return "coalesced";
    case EnqueueStatus::kQueuedDroppedOldest: return "queued_dropped_oldest";
    case EnqueueStatus::kRejectedFull: return "rejected_full";
    case EnqueueStatus::kRejectedTooBig: return "rejected_too_big";
    case EnqueueStatus::kRejectedDisconnected: return "rejected_disconnected";
    case EnqueueStatus::kRejectedInvalid: return "rejected_invalid";
  }
  return "unknown";
}

const char* ToString(Unsent::Reason reason) {
  switch (reason) {
    case Unsent::Reason::kCoalesced: return "coalesced";
    case Unsent::Reason::kDroppedOldest: return "dropped_oldest";
    case Unsent::Reason::kDisconnected: return "disconnected";
  }
  return "unknown";
}

std::size_t JsonSizeBound(const Value& value) {
  switch (value.type()) {
    case Value::Type::kNull: return 4;
    case Value::Type::kBool: return *value.AsBool() ? 4 : 5;
    case Value::Type::kInt: return IntegerLength(*value.AsInt());
    case Value::Type::kDouble: return 24;  // "-2.2250738585072014e-308"
    case Value::Type::kString: return StringLength(*value.AsString());
    case Value::Type::kArray: {
      const Value::Array& items = *value.AsArray();
      std::size_t length = 2 + (items.empty() ? 0 : items.size() - 1);
      for (const Value& item : items) length += JsonSizeBound(item);
      return length;
    }
    case Value::Type::kObject: {
      const Value::Object& members = *value.AsObject();
      std::size_t length = 2 + (members.empty() ? 0 : members.size() - 1);
      for (const Member& member : members) length += StringLength(member.name) + 1 + JsonSizeBound(member.value);
      return length;
    }
  }
  return 0;
}

OutboundQueue::OutboundQueue(OutboundOptions options, Sizer sizer)
    : options_(options), sizer_(sizer ? std::move(sizer) : Sizer(JsonSizeBound)) {
  if (options_.max_batch_messages == 0) options_.max_batch_messages = 1;
}

EnqueueResult OutboundQueue::Refuse(EnqueueStatus status, Lane lane) {
  ++metrics_.rejected;
  if (status == EnqueueStatus::kRejectedFull && lane == Lane::kCritical) ++metrics_.critical_rejected;
  return EnqueueResult{status, 0};
}

EnqueueResult OutboundQueue::Enqueue(Value message, SendOptions options) {
  const MessageKind kind = Classify(message);
  if (kind != MessageKind::kRequest && kind != MessageKind::kNotification) {
    return Refuse(EnqueueStatus::kRejectedInvalid, options.lane);
  }
  const std::size_t bytes = sizer_(message);
  if (bytes > options_.max_batch_bytes) return Refuse(EnqueueStatus::kRejectedTooBig, options.lane);
  const bool keep = !options.coalesce_key.empty() || options.resendable;
  if (!connected_ && !keep) return Refuse(EnqueueStatus::kRejectedDisconnected, options.lane);

  const auto index = static_cast<std::size_t>(options.lane);
  std::deque<Entry>& lane = lanes_[index];
  const LaneOptions& limits = options_.lanes[index];
  const std::uint64_t ticket = next_ticket_++;

  if (!options.coalesce_key.empty()) {
    for (Entry& entry : lane) {
      if (entry.key != options.coalesce_key) continue;
      Unsent replaced{entry.ticket, options.lane, Unsent::Reason::kCoalesced, RequestId(entry.message),
                      std::move(entry.message)};
      unsent_.push_back(std::move(replaced));
      metrics_.bytes[index] = metrics_.bytes[index] - entry.bytes + bytes;
      entry.ticket = ticket;
      entry.message = std::move(message);
      entry.bytes = bytes;
      entry.resendable = options.resendable;
      ++metrics_.enqueued;
      ++metrics_.coalesced;
      return EnqueueResult{EnqueueStatus::kCoalesced, ticket};
    }
  }

  auto full = [&] { return lane.size() + 1 > limits.max_messages || metrics_.bytes[index] + bytes > limits.max_bytes; };
  EnqueueStatus status = EnqueueStatus::kQueued;
  if (full()) {
    if (limits.policy == OverflowPolicy::kReject || bytes > limits.max_bytes || limits.max_messages == 0) {
      --next_ticket_;
      return Refuse(EnqueueStatus::kRejectedFull, options.lane);
    }
    while (!lane.empty() && full()) Evict(index, lane.begin(), Unsent::Reason::kDroppedOldest);
    status = EnqueueStatus::kQueuedDroppedOldest;
  }
  lane.push_back(Entry{ticket, std::move(message), bytes, std::move(options.coalesce_key), options.resendable});
  metrics_.bytes[index] += bytes;
  metrics_.depth[index] = lane.size();
  ++metrics_.enqueued;
  return EnqueueResult{status, ticket};
}

void OutboundQueue::Evict(std::size_t index, std::deque<Entry>::iterator entry, Unsent::Reason reason) {
  std::deque<Entry>& lane = lanes_[index];
  metrics_.bytes[index] -= entry->bytes;
  if (reason == Unsent::Reason::kDroppedOldest) ++metrics_.dropped;
  if (reason == Unsent::Reason::kDisconnected) ++metrics_.failed_disconnected;
  unsent_.push_back(
      Unsent{entry->ticket, static_cast<Lane>(index), reason, RequestId(entry->message), std::move(entry->message)});
  lane.erase(entry);
  metrics_.depth[index] = lane.size();
}

Batch OutboundQueue::TakeBatch() {
  Batch batch;
  if (!connected_) return batch;
  Value::Array items;
  std::size_t sum = 0;
  for (std::size_t index = 0; index < kLaneCount; ++index) {
    std::deque<Entry>& lane = lanes_[index];
    while (!lane.empty() && items.size() < options_.max_batch_messages) {
      Entry& next = lane.front();
      if (FrameBytes(items.size() + 1, sum + next.bytes) > options_.max_batch_bytes) break;
      sum += next.bytes;
      metrics_.bytes[index] -= next.bytes;
      batch.tickets.push_back(next.ticket);
      items.push_back(std::move(next.message));
      lane.pop_front();
    }
    metrics_.depth[index] = lane.size();
  }
  if (items.empty()) return batch;
  batch.bytes = FrameBytes(items.size(), sum);
  batch.frame = items.size() == 1 ? std::move(items.front()) : Value(std::move(items));
  metrics_.sent_messages += batch.tickets.size();
  ++metrics_.sent_batches;
  metrics_.sent_bytes += batch.bytes;
  return batch;
}

void OutboundQueue::OnDisconnected() {
  connected_ = false;
  for (std::size_t index = 0; index < kLaneCount; ++index) {
    std::deque<Entry>& lane = lanes_[index];
    for (auto it = lane.begin(); it != lane.end();) {
      if (it->key.empty() && !it->resendable) {
        const auto offset = it - lane.begin();
        Evict(index, it, Unsent::Reason::kDisconnected);
        it = lane.begin() + offset;
      } else {
        ++it;
      }
    }
  }
}

void OutboundQueue::Resume(const std::function<bool(Value& message)>& rewrite) {
  connected_ = true;
  if (!rewrite) return;
  for (std::size_t index = 0; index < kLaneCount; ++index) {
    std::deque<Entry>& lane = lanes_[index];
    for (auto it = lane.begin(); it != lane.end();) {
      // A rewritten message that no longer fits a frame could never be sent: dropped too.
      if (!rewrite(it->message) || Classify(it->message) == MessageKind::kInvalid ||
          sizer_(it->message) > options_.max_batch_bytes) {
        const auto offset = it - lane.begin();
        Evict(index, it, Unsent::Reason::kDisconnected);
        it = lane.begin() + offset;
        continue;
      }
      const std::size_t bytes = sizer_(it->message);
      metrics_.bytes[index] = metrics_.bytes[index] - it->bytes + bytes;
      it->bytes = bytes;
      ++it;
    }
  }
}

bool OutboundQueue::Withdraw(std::uint64_t ticket) {
  for (std::size_t index = 0; index < kLaneCount; ++index) {
    std::deque<Entry>& lane = lanes_[index];
    for (auto it = lane.begin(); it != lane.end(); ++it) {
      if (it->ticket != ticket) continue;
      metrics_.bytes[index] -= it->bytes;
      lane.erase(it);
      metrics_.depth[index] = lane.size();
      return true;
    }
  }
  return false;
}

std::vector<Unsent> OutboundQueue::TakeUnsent() {
  std::vector<Unsent> taken;
  taken.swap(unsent_);
  return taken;
}

std::size_t OutboundQueue::size() const {
  std::size_t total = 0;
  for (const auto& lane : lanes_) total += lane.size();
  return total;
}

}  // namespace rtnet
