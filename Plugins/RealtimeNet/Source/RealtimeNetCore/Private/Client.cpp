#include "rtnet/Client.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "rtnet/Codes.h"
#include "rtnet/Display.h"
#include "rtnet/EventType.h"
#include "rtnet/Streams.h"

namespace rtnet {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();
// Joins given up while in flight that are remembered for a late answer; the oldest is forgotten beyond
// this (a gateway answers or the socket goes long before so many pile up).
constexpr std::size_t kAbandonedJoinLimit = 64;

}  // namespace

const char* ToString(ClientEvent::Kind kind) {
  switch (kind) {
    case ClientEvent::Kind::kStateChanged: return "state_changed";
    case ClientEvent::Kind::kReconnecting: return "reconnecting";
    case ClientEvent::Kind::kSessionStarted: return "session_started";
    case ClientEvent::Kind::kRecovered: return "recovered";
    case ClientEvent::Kind::kResynced: return "resynced";
    case ClientEvent::Kind::kError: return "error";
    case ClientEvent::Kind::kTokenRequired: return "token_required";
    case ClientEvent::Kind::kTokenExpiring: return "token_expiring";
    case ClientEvent::Kind::kDraining: return "draining";
    case ClientEvent::Kind::kRoomJoined: return "room_joined";
    case ClientEvent::Kind::kRoomLeft: return "room_left";
    case ClientEvent::Kind::kPresenceChanged: return "presence_changed";
    case ClientEvent::Kind::kRoomEvent: return "room_event";
    case ClientEvent::Kind::kDirectMessage: return "direct_message";
    case ClientEvent::Kind::kRoomStateChanged: return "room_state_changed";
    case ClientEvent::Kind::kCollectionChanged: return "collection_changed";
  }
  return "unknown";
}

const char* ToString(TokenState state) {
  switch (state) {
    case TokenState::kValid: return "valid";
    case TokenState::kExpiring: return "expiring";
    case TokenState::kRequired: return "required";
  }
  return "unknown";
}

Client::Client(Transport& transport, Random& random, ClientOptions options)
    : options_(std::move(options)),
      random_(random),
      connection_(transport, random, options_.connection),
      queue_(options_.outbound),
      store_(options_.state),
      metrics_(options_.metrics),
      resume_backoff_(options_.resume_retry, random),
      trace_(options_.trace_capacity) {
  queue_.OnDisconnected();  // nothing flows before the first session
  // Every committed change of a room's document becomes an event in line with the room's other events.
  store_.AddListener([this](const StateChange& change) { OnStateCommitted(change); });
}

// --- Lifecycle ----------------------------------------------------------------------------------------

bool Client::Connect(double now) {
  now_ = now;
  const bool started = connection_.Connect(now);
  if (started) token_expiring_ = false;  // a new session presents whatever token the transport has
  HandleConnectionEvents(now);
  return started;
}

void Client::Close(double now, const std::string& reason) {
  now_ = now;
  connection_.Close(now, reason);
  HandleConnectionEvents(now);
  // Closing on purpose ends the session: nothing queued is sent later, no room is rebuilt.
  FailAll(reason, now);
  abandoned_joins_.clear();  // the session is over: nothing can still join
  // Every room is left with the session: the game hears it per room (its room objects end), in room order.
  for (const auto& [room, membership] : rooms_) {
    store_.Remove(room);
    ClientEvent left;
    left.kind = ClientEvent::Kind::kRoomLeft;
    left.room = room;
    left.stream = membership.stream;
    left.reason = reason;
    Emit(std::move(left));
  }
  rooms_.clear();
  positions_.clear();
  resume_token_.clear();
  token_expiring_ = false;
  phase_ = SessionPhase::kNone;
}

bool Client::Reconnect(double now, const std::string& reason) {
  now_ = now;
  const bool moved = connection_.Reconnect(now, reason);
  HandleConnectionEvents(now);
  return moved;
}

void Client::TokenRefreshed(double now) {
  now_ = now;
  connection_.TokenRefreshed(now);
  HandleConnectionEvents(now);
}

CallTicket Client::RefreshToken(const std::string& token, double now, CallCallback done) {
  token_expiring_ = false;  // asked: the answer (or its error event) tells the rest
  CallOptions options;
  options.lane = Lane::kCritical;
  return Call("auth.refresh", Value::MakeObject({{"token", token}}), now, options, std::move(done));
}

CallTicket Client::UseToken(const std::string& token, double now, CallCallback done) {
  switch (token_state()) {
    case TokenState::kExpiring: return RefreshToken(token, now, std::move(done));
    case TokenState::kRequired: TokenRefreshed(now); break;
    case TokenState::kValid: break;
  }
  return CallTicket{};
}

TokenState Client::token_state() const {
  if (connection_.awaiting_token()) return TokenState::kRequired;
  return token_expiring_ ? TokenState::kExpiring : TokenState::kValid;
}

// --- Transport callbacks ------------------------------------------------------------------------------

void Client::OnOpen(std::uint64_t socket, double now) {
  now_ = now;
  connection_.OnOpen(socket, now);
  HandleConnectionEvents(now);
}

void Client::OnMessage(std::uint64_t socket, const Value& frame, std::size_t bytes, double now) {
  now_ = now;
  if (socket != connection_.socket() || socket == 0) return;
  metrics_.OnBytesIn(bytes, now);
  for (const Value* message : FrameItems(frame)) {
    TraceEntry entry;
    entry.time = now;
    entry.bytes = bytes;
    if (const std::string* method = message->FindString("method")) entry.method = *method;
    const std::int64_t* id = message->FindInt("id");
    entry.id = id != nullptr ? *id : 0;
    entry.error = message->Find("error") != nullptr;
    Trace(std::move(entry), *message);
  }
  connection_.OnMessage(socket, frame, now);
  HandleConnectionEvents(now);
}

void Client::OnMalformed(std::uint64_t socket, std::size_t bytes, double now) {
  now_ = now;
  if (socket != connection_.socket() || socket == 0) return;
  metrics_.OnBytesIn(bytes, now);
  connection_.OnHeard(socket, now);
  ++malformed_frames_;
  ErrorInfo error;
  error.source = ErrorSource::kTransport;
  error.error_class = ErrorClass::kProtocol;
  error.strategy = RecoveryStrategy::kGiveUp;
  error.code = static_cast<int>(ErrorCode::kParseError);
  error.message = "the gateway sent a frame that is not JSON (" + std::to_string(bytes) + " bytes); ignored";
  EmitError(std::move(error));
}

void Client::OnHeard(std::uint64_t socket, double now) {
  now_ = now;
  connection_.OnHeard(socket, now);
}

void Client::OnClosed(std::uint64_t socket, int code, const std::string& reason, double now) {
  now_ = now;
  connection_.OnClosed(socket, code, reason, now);
  HandleConnectionEvents(now);
}

// --- Time ---------------------------------------------------------------------------------------------

void Client::Tick(double now) {
  now_ = now;
  connection_.Tick(now);
  HandleConnectionEvents(now);
  if (drain_leave_at_ && now >= *drain_leave_at_) {
    drain_leave_at_.reset();
    Reconnect(now, "server draining");
  }
  if (resume_retry_at_ && now >= *resume_retry_at_ && phase_ == SessionPhase::kResuming) SendResume(now);

  if (!retries_.empty()) {
    std::vector<RetryAt> due;
    auto split = std::stable_partition(retries_.begin(), retries_.end(), [now](const RetryAt& r) { return r.at > now; });
    due.assign(split, retries_.end());
    retries_.erase(split, retries_.end());
    for (const RetryAt& retry : due) {
      if (pending_.count(retry.id) == 0) continue;  // cancelled meanwhile
      CallTicket ticket = Enqueue(retry.id);
      if (!ticket.ok()) {
        auto held = pending_.find(retry.id);
        Finish(CallOutcome::Ended(retry.id, held->second.method, CallOutcome::Status::kCancelled,
                     std::string("retry refused: ") + ToString(ticket.status)),
               now);
      }
    }
  }

  std::vector<std::int64_t> expired;
  for (const auto& [id, call] : pending_) {
    if (call.deadline <= now) expired.push_back(id);
  }
  for (std::int64_t id : expired) {
    auto held = pending_.find(id);
    if (held == pending_.end()) continue;  // a callback finished it meanwhile
    GiveUp(id, held->second);
    Finish(CallOutcome::Ended(id, held->second.method, CallOutcome::Status::kTimeout, "timed out"), now);
  }

  if (phase_ == SessionPhase::kReady && options_.ping_interval > 0 && now >= next_ping_) {
    next_ping_ = now + options_.ping_interval;
    InternalCall("sys.ping", NetworkMetrics::PingParams(now), now, options_.ping_interval * 2,
                 [](Client& self, const CallOutcome& outcome, double at) {
                   if (outcome.status == CallOutcome::Status::kResult) self.metrics_.OnPong(outcome.result, at);
                 });
  }
  Flush(now);
  DrainUnsent(now);
}

std::optional<double> Client::NextDeadline(double now) const {
  std::optional<double> next = connection_.NextDeadline();
  auto consider = [&next](double at) { next = next ? std::min(*next, at) : at; };
  for (const auto& [id, call] : pending_) {
    if (call.deadline < kNever) consider(call.deadline);
  }
  for (const RetryAt& retry : retries_) consider(retry.at);
  if (resume_retry_at_) consider(*resume_retry_at_);
  if (drain_leave_at_) consider(*drain_leave_at_);
  if (phase_ == SessionPhase::kReady) {
    if (options_.ping_interval > 0) consider(next_ping_);
    if (!queue_.empty()) consider(now);
  }
  return next;
}

// --- Calls --------------------------------------------------------------------------------------------

std::int64_t Client::StartCall(const std::string& method, Value params, double now, CallOptions options,
                               CallCallback done, bool internal) {
  if (options.timeout < 0) options.timeout = options_.call_timeout;
  const std::int64_t id = next_call_id_++;
  PendingCall call;
  call.method = method;
  call.params = std::move(params);
  call.deadline = options.timeout > 0 ? now + options.timeout : kNever;
  call.options = options;
  call.done = std::move(done);
  call.internal = internal;
  pending_.emplace(id, std::move(call));
  return id;
}

CallTicket Client::Enqueue(std::int64_t id) {
  // find, not at(): with exceptions off (the core's rule, and Unreal's), at() on a missing id terminates.
  // Every caller passes an id it just started or checked, so a miss is only refused, never reached.
  auto found = pending_.find(id);
  if (found == pending_.end()) return CallTicket{0, EnqueueStatus::kRejectedInvalid};
  PendingCall& call = found->second;
  SendOptions send;
  send.lane = call.options.lane;
  send.resendable = call.options.resendable;
  EnqueueResult queued = queue_.Enqueue(MakeRequest(id, call.method, call.params), send);
  if (!queued.ok()) {
    if (queued.status == EnqueueStatus::kRejectedFull && call.options.lane == Lane::kCritical) {
      ErrorInfo error;
      error.source = ErrorSource::kQueue;
      error.error_class = ErrorClass::kRateLimited;
      error.strategy = RecoveryStrategy::kGiveUp;
      error.message = "the critical lane is full: " + call.method + " was refused";
      error.method = call.method;
      EmitError(std::move(error));
    }
    return CallTicket{0, queued.status};
  }
  call.ticket = queued.ticket;
  return CallTicket{id, queued.status};
}

CallTicket Client::Call(const std::string& method, Value params, double now, CallOptions options,
                        CallCallback done) {
  now_ = now;
  const std::int64_t id = StartCall(method, std::move(params), now, options, std::move(done), false);
  CallTicket ticket = Enqueue(id);
  if (!ticket.ok()) pending_.erase(id);
  return ticket;
}

CallTicket Client::InternalCall(const std::string& method, Value params, double now, double timeout,
                                InternalDone done) {
  CallOptions options;
  options.lane = Lane::kCritical;
  options.timeout = timeout;
  const std::int64_t id = StartCall(method, std::move(params), now, options, nullptr, true);
  internal_done_.emplace(id, std::move(done));
  CallTicket ticket = Enqueue(id);
  if (!ticket.ok()) {
    pending_.erase(id);
    internal_done_.erase(id);
  }
  return ticket;
}

bool Client::CancelCall(std::int64_t id) {
  auto held = pending_.find(id);
  if (held == pending_.end() || held->second.internal) return false;
  GiveUp(id, held->second);
  pending_.erase(held);  // an answer matches nothing now (a join's is handled by OnLateAnswer)
  in_flight_.erase(id);
  retries_.erase(std::remove_if(retries_.begin(), retries_.end(), [id](const RetryAt& r) { return r.id == id; }),
                 retries_.end());
  return true;
}

void Client::GiveUp(std::int64_t id, const PendingCall& call) {
  if (call.ticket != 0 && queue_.Withdraw(call.ticket)) return;  // never sent: the gateway will not see it
  if (call.join_room.empty() || in_flight_.count(id) == 0) return;
  abandoned_joins_[id] = call.join_room;
  while (abandoned_joins_.size() > kAbandonedJoinLimit) abandoned_joins_.erase(abandoned_joins_.begin());
}

void Client::OnLateAnswer(const CallOutcome& outcome, double now) {
  auto abandoned = abandoned_joins_.find(outcome.id);
  if (abandoned == abandoned_joins_.end()) return;
  const std::string room = std::move(abandoned->second);
  abandoned_joins_.erase(abandoned);
  if (outcome.status != CallOutcome::Status::kResult) return;  // refused after all: nothing to undo
  LeaveQuietly(room, now);  // a cancelled (or timed-out) join succeeded late
}

void Client::LeaveQuietly(const std::string& room, double now) {
  // The game has joined (or is joining) the room again meanwhile: that membership is the one it wants.
  if (rooms_.find(room) != rooms_.end() || IsJoining(room)) return;
  // Nothing to tell the game (it never saw this membership); a failed leave is left to the session's end.
  InternalCall("room.leave", Value::MakeObject({{"room", room}}), now, options_.call_timeout,
               [](Client&, const CallOutcome&, double) {});
}

bool Client::IsJoining(std::string_view room) const {
  for (const auto& [id, call] : pending_) {
    if (call.join_room == room) return true;
  }
  return false;
}

EnqueueResult Client::Notify(std::string_view method, Value params, SendOptions options) {
  return queue_.Enqueue(MakeNotification(method, std::move(params)), std::move(options));
}

void Client::Finish(CallOutcome outcome, double now) {
  auto held = pending_.find(outcome.id);
  if (held == pending_.end()) return;  // cancelled, or already finished
  in_flight_.erase(outcome.id);
  PendingCall& call = held->second;
  outcome.method = call.method;
  if (outcome.status == CallOutcome::Status::kError) {
    ErrorInfo error = ClassifyRpcError(outcome.error, call.method);
    if (error.room.empty()) {
      if (const std::string* room = call.params.FindString("room")) error.room = *room;
    }
    const bool retry = error.strategy == RecoveryStrategy::kRetry && call.attempts < call.options.max_retries;
    if (retry) {
      ++call.attempts;
      // The gateway's retry_after when it gave one, else the same decorrelated jitter as reconnects.
      call.retry_delay = Backoff::Step(options_.call_retry, call.retry_delay, random_);
      const double delay = error.retry_after > 0 ? error.retry_after : call.retry_delay;
      if (now + delay < call.deadline) {
        retries_.push_back(RetryAt{now + delay, outcome.id});
        EmitError(std::move(error));
        return;
      }
    }
    EmitError(std::move(error));
  }
  // Take the call out first: a callback may call again (or close the client).
  PendingCall finished = std::move(call);
  pending_.erase(held);
  auto internal = internal_done_.find(outcome.id);
  if (internal != internal_done_.end()) {
    InternalDone done = std::move(internal->second);
    internal_done_.erase(internal);
    if (done) done(*this, outcome, now);
    return;
  }
  if (finished.done) finished.done(outcome);
}

void Client::FailAll(const std::string& reason, double now) {
  // Every pending call fails with `reason`; then whatever is still queued leaves the queue unsent.
  retries_.clear();
  std::vector<std::int64_t> ids;
  for (const auto& [id, call] : pending_) ids.push_back(id);
  for (std::int64_t id : ids) {
    auto held = pending_.find(id);
    if (held != pending_.end()) Finish(CallOutcome::Ended(id, held->second.method, CallOutcome::Status::kCancelled, reason), now);
  }
  in_flight_.clear();
  queue_.Resume([](Value&) { return false; });
  queue_.OnDisconnected();
  DrainUnsent(now);
}

// --- Rooms, state, presence ---------------------------------------------------------------------------

CallTicket Client::JoinRoom(const std::string& room, double now, JoinOptions options, CallCallback done) {
  Value params = Value::MakeObject({{"room", room}});
  if (!options.state_encoding.empty()) params.Set("state_encoding", options.state_encoding);
  CallOptions call;
  call.timeout = options.timeout;
  CallTicket ticket = Call("room.join", std::move(params), now, call,
                           [this, room, options, done = std::move(done)](const CallOutcome& outcome) {
                             if (outcome.status == CallOutcome::Status::kResult) {
                               rooms_[room].options = options;
                               AfterJoin(room, outcome.result, now_, false);
                             }
                             if (done) done(outcome);
                           });
  if (ticket.ok()) pending_.at(ticket.id).join_room = room;
  return ticket;
}

CallTicket Client::LeaveRoom(const std::string& room, double now, CallCallback done) {
  return Call("room.leave", Value::MakeObject({{"room", room}}), now, CallOptions{},
              [this, room, done = std::move(done)](const CallOutcome& outcome) {
                const bool answered =
                    outcome.status == CallOutcome::Status::kResult || outcome.status == CallOutcome::Status::kError;
                auto held = rooms_.find(room);
                if (answered && held != rooms_.end()) {
                  positions_.erase(held->second.stream);
                  metrics_.ForgetStream(held->second.stream);
                  rooms_.erase(held);
                  store_.Remove(room);
                  ClientEvent event;
                  event.kind = ClientEvent::Kind::kRoomLeft;
                  event.room = room;
                  Emit(std::move(event));
                }
                if (done) done(outcome);
              });
}

CallTicket Client::UpdateState(const std::string& room, Value patch, double now, CallOptions options,
                               CallCallback done) {
  Value params = Value::MakeObject(
      {{"room", room}, {"base_version", store_.Version(room).value_or(0)}, {"patch", std::move(patch)}});
  return Call("state.update", std::move(params), now, options,
              [this, room, done = std::move(done)](const CallOutcome& outcome) {
                if (outcome.status == CallOutcome::Status::kError &&
                    (outcome.error.code == static_cast<int>(ErrorCode::kUnknownVersion) ||
                     outcome.error.code == static_cast<int>(ErrorCode::kConflict))) {
                  RequestSnapshot(room, "state.update refused: " + outcome.error.message, now_);
                }
                if (done) done(outcome);
              });
}

CallTicket Client::Publish(const std::string& room, const std::string& type, Value data, double now,
                           CallOptions options, CallCallback done) {
  if (!type.empty() && !IsValidEventType(type)) return CallTicket{0, EnqueueStatus::kRejectedInvalid};
  Value params = Value::MakeObject({{"room", room}, {"data", std::move(data)}});
  if (!type.empty()) params.Set("type", type);
  return Call("room.publish", std::move(params), now, options, std::move(done));
}

CallTicket Client::SetPresence(PresenceStatus status, Value custom, double now, CallCallback done) {
  Value params = Value::MakeObject({{"status", ToString(status)}});
  if (!custom.IsNull()) params.Set("custom", std::move(custom));
  return Call("presence.set", std::move(params), now, CallOptions{}, std::move(done));
}

CallTicket Client::QueryPresence(const std::string& room, double now, CallCallback done) {
  return LoadPresence(room, Value::MakeObject({{"room", room}}), true, now, std::move(done));
}

CallTicket Client::QueryPresence(const std::string& room, const std::vector<std::string>& players, double now,
                                 CallCallback done) {
  Value ids = Value::Array{};
  for (const std::string& player : players) ids.AsArray()->push_back(player);
  return LoadPresence(room, Value::MakeObject({{"players", std::move(ids)}}), false, now, std::move(done));
}

CallTicket Client::LoadPresence(const std::string& room, Value params, bool replace, double now, CallCallback done) {
  return Call("presence.query", std::move(params), now, CallOptions{},
              [this, room, replace, done = std::move(done)](const CallOutcome& outcome) {
                auto held = rooms_.find(room);
                if (outcome.status == CallOutcome::Status::kResult && held != rooms_.end()) {
                  if (replace) held->second.presence.Clear();  // the room's answer is the whole list
                  held->second.presence.Load(outcome.result);
                  ClientEvent event;
                  event.kind = ClientEvent::Kind::kPresenceChanged;
                  event.room = room;
                  event.reason = "query";
                  Emit(std::move(event));
                }
                if (done) done(outcome);
              });
}

std::uint64_t Client::WatchCollection(const std::string& room, const Path& path) {
  const std::uint64_t id = next_watch_++;
  watches_.emplace(id, CollectionWatch{room, path});
  // What is already held counts as added, so a watch made after the join misses nothing.
  EmitCollectionChanges(id, room, nullptr, store_.Document(room), path);
  return id;
}

bool Client::Unwatch(std::uint64_t watch) { return watches_.erase(watch) > 0; }

void Client::OnStateCommitted(const StateChange& change) {
  ClientEvent event;
  event.kind = ClientEvent::Kind::kRoomStateChanged;
  event.room = change.room;
  event.version = change.to_version;
  event.cause = change.cause;
  Emit(std::move(event));
  for (const auto& [id, watch] : watches_) {
    if (watch.room == change.room) EmitCollectionChanges(id, change.room, change.previous, change.document, watch.path);
  }
}

void Client::EmitCollectionChanges(std::uint64_t watch, const std::string& room, const Value* before, const Value* after,
                                   const Path& path) {
  for (CollectionChange& change : DiffCollection(before, after, path)) {
    ClientEvent event;
    event.kind = ClientEvent::Kind::kCollectionChanged;
    event.room = room;
    event.watch = watch;
    event.key = std::move(change.key);
    event.change = change.kind;
    event.data = std::move(change.value);
    Emit(std::move(event));
  }
}

std::string Client::DisplayName(const PresenceEntry& entry) const {
  if (!options_.display_name_field.empty()) {
    const std::string* name = entry.custom.FindString(options_.display_name_field);
    if (name != nullptr && !name->empty()) return *name;
  }
  return entry.player_id;
}

std::vector<std::string> Client::Rooms() const {
  std::vector<std::string> rooms;
  for (const auto& [room, membership] : rooms_) rooms.push_back(room);
  return rooms;
}

const PresenceList* Client::Presence(std::string_view room) const {
  auto held = rooms_.find(room);
  return held != rooms_.end() ? &held->second.presence : nullptr;
}

void Client::AfterJoin(const std::string& room, const Value& joined, double now, bool rejoin) {
  RoomMembership& membership = rooms_[room];
  const std::string* stream = joined.FindString("stream");
  const std::string* epoch = joined.FindString("epoch");
  const std::int64_t* offset = joined.FindInt("offset");
  if (stream != nullptr && epoch != nullptr && offset) {
    membership.stream = *stream;
    positions_[*stream] = StreamPosition{*epoch, *offset};  // live events follow this offset
  }
  // Joined first, then what joining brought (the document, its watched entries), then presence.
  ClientEvent event;
  event.kind = ClientEvent::Kind::kRoomJoined;
  event.room = room;
  event.stream = membership.stream;
  Emit(event);
  HandleStateResult(store_.OnJoined(joined), now);
  if (options_.load_presence_on_join) QueryPresence(room, now);
  if (rejoin) {
    event.kind = ClientEvent::Kind::kResynced;
    event.reason = "re-joined: the session could not be resumed";
    Emit(std::move(event));
  }
}

void Client::Rejoin(const std::string& room, double now) {
  Value params = Value::MakeObject({{"room", room}});
  const JoinOptions& options = rooms_[room].options;
  if (!options.state_encoding.empty()) params.Set("state_encoding", options.state_encoding);
  InternalCall("room.join", std::move(params), now, options_.call_timeout,
               [room](Client& self, const CallOutcome& outcome, double at) {
                 if (outcome.status == CallOutcome::Status::kResult) {
                   self.AfterJoin(room, outcome.result, at, true);
                 } else if (outcome.status == CallOutcome::Status::kError) {
                   // The room is gone for this player (closed, forbidden now): tell the game.
                   self.rooms_.erase(room);
                   self.store_.Remove(room);
                   ClientEvent event;
                   event.kind = ClientEvent::Kind::kRoomLeft;
                   event.room = room;
                   event.reason = "re-join refused: " + outcome.error.message;
                   self.Emit(std::move(event));
                 }
               });
}

void Client::RequestSnapshot(const std::string& room, const std::string& why, double now) {
  if (!snapshots_pending_.insert(room).second) return;  // one reload at a time per room
  InternalCall("state.get", Value::MakeObject({{"room", room}}), now, options_.call_timeout,
               [room, why](Client& self, const CallOutcome& outcome, double at) {
                 self.snapshots_pending_.erase(room);
                 if (outcome.status != CallOutcome::Status::kResult) return;
                 self.HandleStateResult(self.store_.OnSnapshot(outcome.result), at);
                 ClientEvent event;
                 event.kind = ClientEvent::Kind::kResynced;
                 event.room = room;
                 auto held = self.rooms_.find(room);
                 if (held != self.rooms_.end()) event.stream = held->second.stream;
                 event.reason = why;
                 self.Emit(std::move(event));
               });
}

void Client::HandleStateResult(const StateResult& result, double now) {
  if (!result.resync_needed()) return;
  ErrorInfo error;
  error.source = ErrorSource::kState;
  error.error_class = ErrorClass::kTransient;
  error.strategy = RecoveryStrategy::kResyncState;
  error.room = result.room;
  error.message = std::string("state ") + ToString(result.status) + " at version " + std::to_string(result.version) +
                  ": reloading with state.get";
  EmitError(std::move(error));
  RequestSnapshot(result.room, std::string("state ") + ToString(result.status), now);
}

// --- Messages from the connection ---------------------------------------------------------------------

void Client::HandleConnectionEvents(double now) {
  for (Event& event : connection_.TakeEvents()) {
    switch (event.kind) {
      case Event::Kind::kStateChanged: {
        ClientEvent changed;
        changed.kind = ClientEvent::Kind::kStateChanged;
        changed.from = event.from;
        changed.to = event.to;
        changed.reason = event.reason;
        changed.close_code = event.close_code;
        changed.attempt = event.attempt;    // kReconnecting's too, so a UI refreshing on the state change
        changed.retry_in = event.retry_in;  // already shows the right countdown
        Emit(changed);
        if (event.close_code != 0 && event.close_code != static_cast<int>(CloseCode::kNormal) &&
            event.to != State::kClosing) {
          EmitError(ClassifyCloseError(event.close_code, event.reason));
        }
        if (event.to == State::kReconnecting) {
          changed.kind = ClientEvent::Kind::kReconnecting;
          changed.attempt = event.attempt;
          changed.retry_in = event.retry_in;
          Emit(std::move(changed));
        }
        if (event.from == State::kConnected && event.to != State::kConnected) LostSocket(now);
        if (event.to == State::kConnected) OnWelcome(now);
        if (event.to == State::kClosed && phase_ != SessionPhase::kNone) LostSocket(now);
        break;
      }
      case Event::Kind::kNotification:
        HandleNotification(event.method, event.params, now);
        break;
      case Event::Kind::kResponse: {
        const std::int64_t* id = event.message.FindInt("id");
        if (!id) break;  // an error about an unparseable request of ours: nothing to resolve
        CallOutcome outcome;
        outcome.id = *id;
        if (std::optional<RpcError> error = ErrorOf(event.message)) {
          outcome.status = CallOutcome::Status::kError;
          outcome.error = std::move(*error);
        } else {
          outcome.status = CallOutcome::Status::kResult;
          if (const Value* result = event.message.Find("result")) outcome.result = *result;
        }
        if (pending_.count(outcome.id) == 0) {
          OnLateAnswer(outcome, now);  // cancelled or timed out: only a join's late success matters
          break;
        }
        Finish(std::move(outcome), now);
        break;
      }
      case Event::Kind::kTokenRequired: {
        token_expiring_ = false;  // the socket is gone: the next one presents the new token at the upgrade
        ClientEvent required;
        required.kind = ClientEvent::Kind::kTokenRequired;
        required.reason = event.reason;
        required.close_code = event.close_code;
        Emit(std::move(required));
        break;
      }
    }
  }
}

void Client::HandleNotification(const std::string& method, const Value& params, double now) {
  if (method == "room.event" || method == "direct.message") {
    const std::string* epoch = params.FindString("epoch");
    const std::int64_t* offset = params.FindInt("offset");
    const std::string* room = method == "room.event" ? params.FindString("room") : nullptr;
    std::string stream;
    if (method == "room.event") {
      if (room != nullptr) stream = RoomStream(*room);
    } else {
      stream = PlayerStream(player_id_);
    }
    if (!stream.empty() && epoch != nullptr && offset) {
      if (!Advance(stream, *epoch, *offset)) {
        ++duplicates_dropped_;  // replayed after a resume, already delivered: the game sees it once
        return;
      }
      metrics_.OnStreamOffset(stream, *epoch, *offset);
    }
    if (method == "room.event" && (room == nullptr || (!InRoom(*room) && !IsJoining(*room)))) {
      // Not a room the game is in or joining: what a given-up join brings until the client's leave lands.
      ++stray_events_dropped_;
    } else {
      ClientEvent event;
      event.kind = method == "room.event" ? ClientEvent::Kind::kRoomEvent : ClientEvent::Kind::kDirectMessage;
      if (room != nullptr) event.room = *room;
      if (const std::string* from = params.FindString("from")) event.sender = *from;
      if (const std::string* type = params.FindString("type")) event.type = *type;
      if (const Value* data = params.Find("data")) event.data = *data;
      event.offset = offset ? *offset : 0;
      event.stream = stream;
      Emit(std::move(event));
    }
  } else if (method == "state.delta" || method == "state.entities" || method == "state.snapshot") {
    if (std::optional<StateResult> result = store_.OnNotification(method, params)) HandleStateResult(*result, now);
  } else if (method == "presence.changed") {
    const std::string* room = params.FindString("room");
    auto held = room != nullptr ? rooms_.find(*room) : rooms_.end();
    if (held != rooms_.end() && held->second.presence.OnChanged(params)) {
      ClientEvent event;
      event.kind = ClientEvent::Kind::kPresenceChanged;
      event.room = *room;
      if (const std::string* kind = params.FindString("event")) event.reason = *kind;
      if (const Value* presence = params.Find("presence")) {
        if (std::optional<PresenceEntry> entry = ParsePresence(*presence)) {
          event.player = entry->player_id;
          event.display_name = DisplayName(*entry);
          event.presence_status = entry->status;
          event.text = PresenceChangeText(event.reason, *entry);
        }
      }
      Emit(std::move(event));
    }
  } else if (method == "server.draining") {
    const Value* deadline = params.Find("deadline");
    const double seconds = deadline != nullptr ? std::max(0.0, deadline->AsNumber().value_or(0.0)) : 0.0;
    ClientEvent event;
    event.kind = ClientEvent::Kind::kDraining;
    event.deadline = seconds;
    Emit(std::move(event));
    // Leave at a random moment in the first half, so a node's players do not all arrive elsewhere at once.
    drain_leave_at_ = now + random_.Next() * seconds / 2;
  } else if (method == "session.token_expiring") {
    const Value* close_at = params.Find("close_at");
    ClientEvent event;
    event.kind = ClientEvent::Kind::kTokenExpiring;
    event.deadline = close_at != nullptr ? close_at->AsNumber().value_or(0.0) : 0.0;
    token_expiring_ = true;
    token_deadline_ = event.deadline;
    Emit(std::move(event));
  }
  dispatcher_.Dispatch(method, params);
}

bool Client::Advance(const std::string& stream, const std::string& epoch, std::int64_t offset) {
  auto known = positions_.find(stream);
  if (known != positions_.end() && known->second.epoch == epoch && offset <= known->second.offset) return false;
  positions_[stream] = StreamPosition{epoch, offset};
  return true;
}

// --- Sessions -----------------------------------------------------------------------------------------

void Client::OnWelcome(double now) {
  if (resume_token_.empty()) {
    StartFreshSession(now, "connected");
    return;
  }
  phase_ = SessionPhase::kResuming;
  resume_backoff_.Reset();
  resume_started_at_ = now;
  SendResume(now);
}

void Client::SendResume(double now) {
  resume_retry_at_.reset();
  Value streams = Value::Array{};
  for (const auto& [stream, position] : positions_) {
    streams.AsArray()->push_back(
        Value::MakeObject({{"stream", stream}, {"epoch", position.epoch}, {"offset", position.offset}}));
  }
  Value params = Value::MakeObject({{"resume_token", resume_token_}, {"streams", std::move(streams)}});
  Value state = store_.ResumeState();
  if (state.IsArray() && !state.AsArray()->empty()) params.Set("state", std::move(state));
  CallOptions options;
  options.lane = Lane::kCritical;
  const std::int64_t id = StartCall("session.resume", params, now, options, nullptr, true);
  internal_done_.emplace(id, [](Client& self, const CallOutcome& outcome, double at) {
    switch (outcome.status) {
      case CallOutcome::Status::kResult:
        self.resume_abandoned_ = false;
        self.OnResumed(outcome.result, at);
        return;
      case CallOutcome::Status::kError:
        if (self.resume_abandoned_ && outcome.error.code == static_cast<int>(ErrorCode::kResumeFailed) &&
            at - self.resume_started_at_ < self.options_.spent_token_retry_for) {
          const Value* reason = outcome.error.data.Find("reason");
          const std::string* text = reason != nullptr ? reason->AsString() : nullptr;
          std::optional<double> delay = self.resume_backoff_.Next();
          if (text != nullptr && *text == "unknown_or_used_token" && delay) {
            // The attempt this client gave up on may have taken the token: its gateway gives it back.
            self.resume_retry_at_ = at + *delay;
            return;
          }
        }
        self.resume_abandoned_ = false;
        if (outcome.error.code == static_cast<int>(ErrorCode::kBackendUnavailable)) {
          // The token was given back (the gateway's store or bus is failing over): same socket, later.
          std::optional<double> delay = self.resume_backoff_.Next();
          if (delay && at + *delay - self.resume_started_at_ <= self.options_.resume_retry_for) {
            self.resume_retry_at_ = at + *delay;
            return;
          }
        }
        self.StartFreshSession(at, "session.resume refused: " + outcome.error.message);
        return;
      case CallOutcome::Status::kTimeout:
        self.resume_abandoned_ = true;
        self.Reconnect(at, "session.resume timed out");
        return;
      case CallOutcome::Status::kDisconnected:
        self.resume_abandoned_ = true;  // it may have taken the token before the socket went
        return;  // the next socket resumes
      case CallOutcome::Status::kCancelled: return;  // the client was closed
    }
  });
  // Sent directly, ahead of the queue: nothing else may reach the gateway before the resume.
  Value request = MakeRequest(id, "session.resume", std::move(params));
  if (connection_.SendFrame(request)) {
    in_flight_.insert(id);
    TraceEntry entry;
    entry.time = now;
    entry.outgoing = true;
    entry.method = "session.resume";
    entry.id = id;
    entry.bytes = JsonSizeBound(request);
    metrics_.OnBytesOut(entry.bytes, now);
    Trace(std::move(entry), request);
  }
}

void Client::OnResumed(const Value& result, double now) {
  if (const std::string* token = result.FindString("resume_token")) resume_token_ = *token;
  if (const std::string* session = result.FindString("session_id")) session_id_ = *session;
  ClientEvent recovered;
  recovered.kind = ClientEvent::Kind::kRecovered;
  recovered.session_id = session_id_;
  std::vector<std::pair<std::string, std::string>> reloads;  // room, stream
  if (const Value* streams = result.Find("streams"); streams != nullptr && streams->IsArray()) {
    for (const Value& entry : *streams->AsArray()) {
      const std::string* stream = entry.FindString("stream");
      const Value* ok = entry.Find("recovered");
      if (stream == nullptr || ok == nullptr || !ok->IsBool()) continue;
      ++recovered.streams;
      if (const std::int64_t* replayed = entry.FindInt("replayed")) recovered.replayed += *replayed;
      if (*ok->AsBool()) continue;
      // Not recovered: what was published meanwhile is gone; go on from the stream's current offset.
      const std::string* epoch = entry.FindString("epoch");
      const std::int64_t* offset = entry.FindInt("offset");
      positions_[*stream] = StreamPosition{epoch != nullptr ? *epoch : std::string(), offset != nullptr ? *offset : 0};
      std::string room;
      for (const auto& [name, membership] : rooms_) {
        if (membership.stream == *stream) room = name;
      }
      reloads.emplace_back(room, *stream);
    }
  }
  std::set<std::string, std::less<>> rejoined;
  if (const Value* rooms = result.Find("rooms"); rooms != nullptr && rooms->IsArray()) {
    for (const Value& room : *rooms->AsArray()) {
      if (room.IsString()) rejoined.insert(*room.AsString());
    }
  }
  phase_ = SessionPhase::kReady;
  Emit(std::move(recovered));
  // Rooms the gateway kept for the session that this client does not hold: a join that ended here as
  // lost or given up but completed there. The game was told it failed, so it is undone.
  for (const std::string& room : rejoined) {
    if (rooms_.find(room) == rooms_.end()) LeaveQuietly(room, now);
  }
  for (const auto& [room, stream] : reloads) {
    if (!room.empty()) {
      RequestSnapshot(room, "stream not recovered", now);
    } else {
      ClientEvent event;
      event.kind = ClientEvent::Kind::kResynced;
      event.stream = stream;
      event.reason = "stream not recovered";
      Emit(std::move(event));
    }
  }
  for (const auto& [room, membership] : rooms_) {
    // A room the gateway did not restore, or one joined with an encoding a resume does not carry over
    // (the resumed membership is back on the default, merge patches).
    const bool packed = !membership.options.state_encoding.empty() && membership.options.state_encoding != "merge_patch";
    if (rejoined.count(room) == 0 || packed) Rejoin(room, now);
  }
  SessionReady(now);
}

void Client::StartFreshSession(double now, const std::string& why) {
  const Value& welcome = connection_.welcome();
  const std::string* session = welcome.FindString("session_id");
  const std::string* player = welcome.FindString("player_id");
  const std::string* token = welcome.FindString("resume_token");
  session_id_ = session != nullptr ? *session : std::string();
  player_id_ = player != nullptr ? *player : std::string();
  resume_token_ = token != nullptr ? *token : std::string();
  positions_.clear();
  ClientEvent event;
  event.kind = ClientEvent::Kind::kSessionStarted;
  event.session_id = session_id_;
  event.reason = why;
  Emit(std::move(event));
  for (const auto& [room, membership] : rooms_) Rejoin(room, now);
  SessionReady(now);
}

void Client::SessionReady(double now) {
  phase_ = SessionPhase::kReady;
  // Queued calls that were cancelled or timed out meanwhile are not sent.
  queue_.Resume([this](Value& message) {
    const std::int64_t* id = message.FindInt("id");
    return !id || pending_.count(*id) != 0;
  });
  next_ping_ = now;  // a first RTT sample at once
}

void Client::LostSocket(double now) {
  phase_ = SessionPhase::kNone;
  resume_retry_at_.reset();
  drain_leave_at_.reset();
  // Calls already sent may or may not have run: fail them. Calls still queued wait for the session.
  std::vector<std::int64_t> sent(in_flight_.begin(), in_flight_.end());
  in_flight_.clear();
  abandoned_joins_.clear();  // their answers can no longer come; a resumed session's rooms are checked instead
  for (std::int64_t id : sent) {
    auto held = pending_.find(id);
    if (held != pending_.end()) {
      Finish(CallOutcome::Ended(id, held->second.method, CallOutcome::Status::kDisconnected, "disconnected"), now);
    }
  }
  queue_.OnDisconnected();
  DrainUnsent(now);
}

void Client::Flush(double now) {
  if (phase_ != SessionPhase::kReady || connection_.state() != State::kConnected) return;
  Batch batch = queue_.TakeBatch();
  if (batch.empty()) return;
  if (!connection_.SendFrame(batch.frame)) return;
  metrics_.OnBytesOut(batch.bytes, now);
  for (const Value* message : FrameItems(batch.frame)) {
    TraceEntry entry;
    entry.time = now;
    entry.outgoing = true;
    entry.bytes = batch.bytes;
    if (const std::string* method = message->FindString("method")) entry.method = *method;
    if (const std::int64_t* id = message->FindInt("id")) {
      entry.id = *id;
      in_flight_.insert(*id);
    }
    Trace(std::move(entry), *message);
  }
}

void Client::DrainUnsent(double now) {
  for (Unsent& unsent : queue_.TakeUnsent()) {
    if (!unsent.id) continue;  // a notification: counted in the queue's metrics
    auto held = pending_.find(*unsent.id);
    if (held == pending_.end()) continue;
    Finish(CallOutcome::Ended(*unsent.id, held->second.method, CallOutcome::Status::kCancelled, ToString(unsent.reason)), now);
  }
}

// --- Events and trace ---------------------------------------------------------------------------------

std::vector<ClientEvent> Client::TakeEvents() { return std::exchange(events_, {}); }

void Client::EmitError(ErrorInfo error) {
  ClientEvent event;
  event.kind = ClientEvent::Kind::kError;
  event.room = error.room;
  event.reason = error.message;
  event.close_code = error.source == ErrorSource::kClose || error.source == ErrorSource::kTransport ? error.code : 0;
  event.error = std::move(error);
  Emit(std::move(event));
}

void Client::Trace(TraceEntry entry, const Value& message) {
  if (trace_hook_) trace_hook_(entry, message);
  if (trace_.capacity() > 0) trace_.Push(std::move(entry));
}

std::vector<TraceEntry> Client::RecentTrace() const {
  std::vector<TraceEntry> entries;
  entries.reserve(trace_.size());
  for (std::size_t i = 0; i < trace_.size(); ++i) entries.push_back(trace_[i]);
  return entries;
}

}  // namespace rtnet
