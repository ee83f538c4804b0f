// The whole client, sans-I/O: one object the host (the Unreal subsystem, rtnet-headless, a test) feeds
// with transport callbacks and `now`, and that turns them into a session that survives lost sockets.
// It composes the parts and owns the decisions between them:
//   Connection (sockets, heartbeat, backoff) -> session.resume with the token and stream offsets ->
//   replayed events de-duplicated by offset -> rooms reloaded when a stream was not recovered ->
//   the OutboundQueue flushed once per tick -> StateStore, presence lists, NetworkMetrics, Dispatcher.
#pragma once

#include "rtnet/Export.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rtnet/Backoff.h"
#include "rtnet/Collection.h"
#include "rtnet/Connection.h"
#include "rtnet/Dispatcher.h"
#include "rtnet/Errors.h"
#include "rtnet/JsonRpc.h"
#include "rtnet/NetworkMetrics.h"
#include "rtnet/OutboundQueue.h"
#include "rtnet/Path.h"
#include "rtnet/Presence.h"
#include "rtnet/Ring.h"
#include "rtnet/StateStore.h"

namespace rtnet {

struct ClientOptions {
  ConnectionOptions connection;
  OutboundOptions outbound;
  StateStoreOptions state;
  NetworkMetricsOptions metrics;
  double call_timeout = 10.0;   // seconds, for calls whose CallOptions::timeout is negative
  double ping_interval = 2.0;   // sys.ping for RTT, jitter and clock offset; 0: never
  /// `session.resume` answered -32009 (the gateway's store or bus is failing over): tried again on the
  /// same socket after these delays (decorrelated jitter) for as long as `resume_retry_for` seconds from
  /// the first attempt, then the session is started afresh.
  Backoff::Options resume_retry{0.2, 3.0, 0};
  /// How long a resumable session is worth waiting for through an outage: the gateway's default
  /// `sessions.ttl` (a session the gateway no longer holds is refused, not answered -32009).
  double resume_retry_for = 120.0;
  /// A resume refused `unknown_or_used_token` right after one this client gave up on (its socket went before
  /// the answer) is asked again with `resume_retry` for this long: the gateway that took the token gives it
  /// back once it sees that socket gone.
  double spent_token_retry_for = 10.0;
  /// Delays for calls retried after a kRetry-class error without retry_after (CallOptions::max_retries),
  /// decorrelated jitter per call; max_attempts is not used (the call's own max_retries counts).
  Backoff::Options call_retry{0.2, 5.0, 0};
  /// Recent messages kept for the network inspector (0: none kept; the trace hook still sees them).
  std::size_t trace_capacity = 64;
  /// After every join (and re-join), `presence.query {room}` loads who is already there into
  /// Presence(room); later changes come as presence.changed.
  bool load_presence_on_join = true;
  /// The member of a presence row's custom payload that holds the player's display name (kPresenceChanged's
  /// display_name, DisplayName); empty: always the player id.
  std::string display_name_field = "name";
};

/// How one call is sent.
struct CallOptions {
  double timeout = -1;        // seconds from the call (queueing included); negative: ClientOptions::call_timeout
  Lane lane = Lane::kNormal;
  /// Queued while there is no session (before the first welcome, while reconnecting) and sent once
  /// the session is back; false: refused at once when not connected. Only calls still queued are kept:
  /// a call already sent when the socket went is failed ("disconnected"), as it may or may not have run.
  bool resendable = true;
  /// Retries after a retryable error (transient, rate limited: after data.retry_after), within the timeout.
  int max_retries = 0;
};

/// Called once with how a call ended (never for a call cancelled with CancelCall).
using CallCallback = std::function<void(const CallOutcome& outcome)>;

struct CallTicket {
  std::int64_t id = 0;  // 0 when refused
  EnqueueStatus status = EnqueueStatus::kRejectedInvalid;
  bool ok() const { return id != 0; }
};

/// Something the UI and the game hear about, in the order it happened: everything about one room (its
/// events, state changes, collection changes, presence, leaving) in the order the gateway's frames
/// brought it, interleaved with the connection's own events.
struct ClientEvent {
  enum class Kind {
    kStateChanged,    // from, to, reason, close_code (to kReconnecting: attempt and retry_in as well)
    kReconnecting,    // attempt, retry_in, reason, close_code: the UI shows "reconnecting (2) in 1.4 s"
    kSessionStarted,  // a new session (first connect, or the old one could not be resumed): session_id
    kRecovered,       // session.resume succeeded: replayed (publications replayed), streams (how many)
    kResynced,        // room / stream: reloaded from a snapshot or re-joined; events in between were missed
    kError,           // error: every failure, classified, with the recovery applied or advised
    kTokenRequired,   // the gateway closed with 4001: give the transport a new token, call TokenRefreshed
    kTokenExpiring,   // session.token_expiring: call RefreshToken with a new token before `deadline`
    kDraining,        // server.draining: the client moves to another node within `deadline` seconds
    kRoomJoined,      // room, stream: joined (or re-joined); its state follows as kRoomStateChanged
    kRoomLeft,        // room, reason: left (LeaveRoom), the session closed (Close: one per room), or the gateway
                      // refused a re-join
    kPresenceChanged, // room, player, display_name, presence_status, reason (join / leave / status / query),
                      // text ("bob joined"): Presence(room) changed
    kRoomEvent,       // room, sender, type ("" when untyped), data, offset: a room.event of a joined room
                      // (or one being joined), once (replays after a resume are dropped)
    kDirectMessage,   // sender, data, offset: a direct.message to this player, once
    kRoomStateChanged,// room, version (0: the room was left), cause: the room's document changed
    kCollectionChanged,// room, watch, key, change, data (the entry; as it was for kRemoved): a watched
                      // collection's entry was added, changed or removed (WatchCollection)
  };
  Kind kind = Kind::kStateChanged;
  State from = State::kDisconnected;
  State to = State::kDisconnected;
  std::string reason;
  int close_code = 0;
  int attempt = 0;
  double retry_in = 0;
  double deadline = 0;
  std::string room;
  std::string stream;
  std::string session_id;
  std::string player;  // kPresenceChanged
  std::string text;    // kPresenceChanged: a toast's text (PresenceChangeText)
  std::string display_name;  // kPresenceChanged: the player's display name (DisplayName), else the id
  PresenceStatus presence_status = PresenceStatus::kOffline;  // kPresenceChanged: the player's status now
  std::string sender;  // kRoomEvent, kDirectMessage: who published it (a player id, or "server:<name>")
  std::string type;    // kRoomEvent: the event's type, "" when it has none
  Value data;          // kRoomEvent, kDirectMessage: the payload; kCollectionChanged: the entry
  std::int64_t offset = 0;   // kRoomEvent, kDirectMessage: the position in its stream
  std::int64_t version = 0;  // kRoomStateChanged: the version now held (0: none, the room was left)
  StateCause cause = StateCause::kDelta;  // kRoomStateChanged
  std::uint64_t watch = 0;   // kCollectionChanged: WatchCollection's id
  std::string key;           // kCollectionChanged: the entry's key
  CollectionChangeKind change = CollectionChangeKind::kAdded;  // kCollectionChanged
  std::int64_t replayed = 0;
  std::int64_t streams = 0;
  ErrorInfo error;
};

RTNET_API const char* ToString(ClientEvent::Kind kind);

/// One message in the trace (the network inspector's list, the trace hook).
struct TraceEntry {
  double time = 0;
  bool outgoing = false;
  std::string method;        // requests and notifications; "" for a response
  std::int64_t id = 0;       // requests and responses; 0 for notifications
  std::size_t bytes = 0;     // the frame's bytes (a batch's items share it: each gets the frame's size)
  bool error = false;        // an error response
  bool duplicate = false;    // a replayed event already seen (dropped, not dispatched)
};
using TraceHook = std::function<void(const TraceEntry& entry, const Value& message)>;

/// Where the session is, beyond the socket's state.
enum class SessionPhase {
  kNone,      // no session yet
  kResuming,  // a socket is up and session.resume is in flight (nothing else is sent until it answers)
  kReady,     // calls flow
};

/// Where the game's token stands, as the gateway has told the client.
enum class TokenState {
  kValid,     // nothing asked
  kExpiring,  // session.token_expiring: a new token must reach the gateway (auth.refresh) before token_deadline()
  kRequired,  // the gateway closed with 4001: no reconnect attempt until a new token (TokenRefreshed, UseToken)
};

RTNET_API const char* ToString(TokenState state);

/// Joining a room.
struct JoinOptions {
  std::string state_encoding;  // "" (merge patches) or "entities"
  double timeout = -1;
};

class RTNET_API Client {
 public:
  Client(Transport& transport, Random& random, ClientOptions options = {});
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Lifecycle.
  bool Connect(double now);
  /// Ends the session on purpose: pending calls fail, and every room is left (a kRoomLeft each, with `reason`).
  void Close(double now, const std::string& reason = "closed by the client");
  /// A new socket now, keeping the session (the player's "reconnect" button, rtnet.Reconnect).
  bool Reconnect(double now, const std::string& reason = "reconnect requested");
  /// After kTokenRequired, once the transport has the new token.
  void TokenRefreshed(double now);
  /// After kTokenExpiring: `auth.refresh` with the new token (the transport should use it from now on).
  CallTicket RefreshToken(const std::string& token, double now, CallCallback done = nullptr);
  /// The game has a new token, and the transport presents it on every new socket from now on. As
  /// token_state() says: kExpiring sends it with `auth.refresh` (the ticket's call), kRequired reconnects
  /// with it now (TokenRefreshed), kValid keeps it for the next socket. The ticket is refused (id 0) when
  /// no auth.refresh was sent.
  CallTicket UseToken(const std::string& token, double now, CallCallback done = nullptr);

  // Transport callbacks (stale sockets are ignored). `bytes` is the frame's size on the wire.
  void OnOpen(std::uint64_t socket, double now);
  void OnMessage(std::uint64_t socket, const Value& frame, std::size_t bytes, double now);
  /// A frame that is not JSON: counted and reported as a protocol error, otherwise ignored.
  void OnMalformed(std::uint64_t socket, std::size_t bytes, double now);
  void OnHeard(std::uint64_t socket, double now);
  void OnClosed(std::uint64_t socket, int code, const std::string& reason, double now);

  /// Time passes: timeouts, reconnects, pings, retries, and one frame of queued messages is sent.
  void Tick(double now);
  /// The earliest time Tick has something to do (a host that sleeps between ticks).
  std::optional<double> NextDeadline(double now) const;

  // Calls. The callback runs inside OnMessage / Tick / Close, never inside Call itself.
  CallTicket Call(const std::string& method, Value params, double now, CallOptions options = {},
                  CallCallback done = nullptr);
  /// Forgets a call: its callback will not run (a cancelled Blueprint node). A call still queued is
  /// withdrawn and never sent. A join already sent is "left if it succeeds late": should the gateway
  /// answer with a result after all, the client leaves the room again without telling the game, unless the
  /// game joined that room again meanwhile. (A join that timed out is treated the same way.) False when not
  /// pending.
  bool CancelCall(std::int64_t id);
  EnqueueResult Notify(std::string_view method, Value params, SendOptions options = {});

  // Rooms: membership is remembered so a session that cannot be resumed is rebuilt (re-joined).
  CallTicket JoinRoom(const std::string& room, double now, JoinOptions options = {}, CallCallback done = nullptr);
  CallTicket LeaveRoom(const std::string& room, double now, CallCallback done = nullptr);
  /// state.update {room, base_version: the version held, patch}.
  CallTicket UpdateState(const std::string& room, Value patch, double now, CallOptions options = {},
                         CallCallback done = nullptr);
  /// room.publish {room, type?, data}: an event to every member (this client included). `type` ("" for
  /// none) must pass IsValidEventType; otherwise the call is refused (id 0, kRejectedInvalid).
  CallTicket Publish(const std::string& room, const std::string& type, Value data, double now,
                     CallOptions options = {}, CallCallback done = nullptr);
  /// Whether a join of `room` is on its way (sent or queued, not answered, not cancelled).
  bool IsJoining(std::string_view room) const;

  /// Watches the collection at `path` in `room`'s state (the object whose members are entities,
  /// "players"): every change of an entry becomes a kCollectionChanged event, in order with the room's
  /// other events. Entries already held are reported kAdded at once (so a watch made after the join sees
  /// everything), and every entry is reported kRemoved when the room is left or the client closes. The
  /// watch lasts until Unwatch, across leaving and joining the room again. Returns its id (never 0).
  std::uint64_t WatchCollection(const std::string& room, const Path& path);
  /// False when no such watch exists.
  bool Unwatch(std::uint64_t watch);
  /// presence.set {status, custom?}.
  CallTicket SetPresence(PresenceStatus status, Value custom, double now, CallCallback done = nullptr);
  /// presence.query {room}: reloads Presence(room) with every member on any node (done after each join
  /// when ClientOptions::load_presence_on_join). kPresenceChanged follows.
  CallTicket QueryPresence(const std::string& room, double now, CallCallback done = nullptr);
  /// presence.query {players}: adds rows for players the game names (e.g. a friends list kept per room).
  CallTicket QueryPresence(const std::string& room, const std::vector<std::string>& players, double now,
                           CallCallback done = nullptr);

  /// The events since the last call, oldest first.
  std::vector<ClientEvent> TakeEvents();

  // What the UI reads.
  State state() const { return connection_.state(); }
  /// In kReconnecting: the attempt coming next and when ("Reconnecting (2) in 1.4 s"); none otherwise.
  std::optional<ReconnectSchedule> reconnect_schedule() const { return connection_.reconnect_schedule(); }
  TokenState token_state() const;
  /// kExpiring: the gateway's `close_at` (Unix seconds), when it closes with 4001 unless refreshed; 0 otherwise.
  double token_deadline() const { return token_state() == TokenState::kExpiring ? token_deadline_ : 0.0; }
  SessionPhase phase() const { return phase_; }
  const std::string& session_id() const { return session_id_; }
  const std::string& player_id() const { return player_id_; }
  const Value& welcome() const { return connection_.welcome(); }
  std::vector<std::string> Rooms() const;
  bool InRoom(std::string_view room) const { return rooms_.find(room) != rooms_.end(); }
  /// Members of a joined room (from presence.changed); null when not in the room.
  const PresenceList* Presence(std::string_view room) const;
  std::size_t pending_calls() const { return pending_.size(); }
  /// Events dropped as already seen (replays after resume that overlapped).
  std::uint64_t duplicates_dropped() const { return duplicates_dropped_; }
  std::uint64_t malformed_frames() const { return malformed_frames_; }
  /// room.event notifications for rooms neither joined nor being joined (a cancelled join that the gateway
  /// completed, until the client's leave lands): dropped, not given to the game.
  std::uint64_t stray_events_dropped() const { return stray_events_dropped_; }
  /// The name a presence row shows: its custom payload's ClientOptions::display_name_field when that is a
  /// non-empty string, else the player id.
  std::string DisplayName(const PresenceEntry& entry) const;

  StateStore& state_store() { return store_; }
  const StateStore& state_store() const { return store_; }
  Dispatcher& dispatcher() { return dispatcher_; }
  NetworkMetrics& metrics() { return metrics_; }
  const NetworkMetrics& metrics() const { return metrics_; }
  const OutboundQueue& queue() const { return queue_; }
  Connection& connection() { return connection_; }

  /// The last `trace_capacity` messages, oldest first.
  std::vector<TraceEntry> RecentTrace() const;
  /// Sees every message in and out (rtnet.Trace); null removes it.
  void SetTraceHook(TraceHook hook) { trace_hook_ = std::move(hook); }

 private:
  struct PendingCall {
    std::string method;
    Value params;
    CallOptions options;
    CallCallback done;
    int attempts = 0;
    double retry_delay = 0;  // the last backoff delay of its retries (decorrelated jitter's state)
    double deadline = 0;   // absolute; infinity when none
    bool internal = false; // the client's own (ping, resume, state.get, rejoin): no error event for the game
    std::uint64_t ticket = 0;  // its place in the outbound queue while queued (OutboundQueue::Withdraw)
    std::string join_room;     // JoinRoom's room: left again if it succeeds after it was given up
  };
  struct CollectionWatch {
    std::string room;
    Path path;
  };
  struct RetryAt {
    double at;
    std::int64_t id;
  };
  struct RoomMembership {
    std::string stream;
    JoinOptions options;
    PresenceList presence;
  };
  struct StreamPosition {
    std::string epoch;
    std::int64_t offset = 0;
  };
  using InternalDone = std::function<void(Client& self, const CallOutcome& outcome, double now)>;

  CallTicket Enqueue(std::int64_t id);
  std::int64_t StartCall(const std::string& method, Value params, double now, CallOptions options,
                         CallCallback done, bool internal);
  CallTicket InternalCall(const std::string& method, Value params, double now, double timeout, InternalDone done);
  void Finish(CallOutcome outcome, double now);
  void HandleConnectionEvents(double now);
  void HandleNotification(const std::string& method, const Value& params, double now);
  void HandleStateResult(const StateResult& result, double now);
  void OnStateCommitted(const StateChange& change);
  void EmitCollectionChanges(std::uint64_t watch, const std::string& room, const Value* before, const Value* after,
                             const Path& path);
  /// A call ends without its answer (cancelled, timed out): withdrawn when still queued, else a join is
  /// remembered so that a late success is left again.
  void GiveUp(std::int64_t id, const PendingCall& call);
  /// An answer for a call no longer pending: a join given up that succeeded after all is left again.
  void OnLateAnswer(const CallOutcome& outcome, double now);
  /// room.leave for a membership the game never saw (a join given up that succeeded, a room a resumed
  /// session holds that this client does not), unless the game is in or joining that room now.
  void LeaveQuietly(const std::string& room, double now);
  void OnWelcome(double now);
  void SendResume(double now);
  void OnResumed(const Value& result, double now);
  void StartFreshSession(double now, const std::string& why);
  void SessionReady(double now);
  void RequestSnapshot(const std::string& room, const std::string& why, double now);
  void Rejoin(const std::string& room, double now);
  void AfterJoin(const std::string& room, const Value& joined, double now, bool rejoin);
  CallTicket LoadPresence(const std::string& room, Value params, bool replace, double now, CallCallback done);
  void LostSocket(double now);
  void Flush(double now);
  void DrainUnsent(double now);
  bool Advance(const std::string& stream, const std::string& epoch, std::int64_t offset);
  void Trace(TraceEntry entry, const Value& message);
  void FailAll(const std::string& reason, double now);
  void Emit(ClientEvent event) { events_.push_back(std::move(event)); }
  void EmitError(ErrorInfo error);

  ClientOptions options_;
  Random& random_;
  Connection connection_;
  OutboundQueue queue_;
  StateStore store_;
  Dispatcher dispatcher_;
  NetworkMetrics metrics_;
  Backoff resume_backoff_;

  // The call ledger, the only one: ids outlive a socket, so a call queued while reconnecting keeps its
  // id, and one retried after an error is sent again under the same id. Ids are never reused.
  std::int64_t next_call_id_ = 1;
  std::map<std::int64_t, PendingCall> pending_;
  std::map<std::int64_t, InternalDone> internal_done_;
  std::set<std::int64_t> in_flight_;            // sent on the current socket, not answered
  std::vector<RetryAt> retries_;                // calls waiting to be queued again

  SessionPhase phase_ = SessionPhase::kNone;
  std::string session_id_;
  std::string player_id_;
  std::string resume_token_;
  std::map<std::string, StreamPosition, std::less<>> positions_;
  std::map<std::string, RoomMembership, std::less<>> rooms_;
  std::set<std::string, std::less<>> snapshots_pending_;
  std::map<std::int64_t, std::string> abandoned_joins_;  // call id -> room: joins given up while in flight
  std::map<std::uint64_t, CollectionWatch> watches_;
  std::uint64_t next_watch_ = 1;
  std::optional<double> resume_retry_at_;
  double resume_started_at_ = 0;  // the first session.resume on this socket (see ClientOptions::resume_retry_for)
  bool resume_abandoned_ = false;  // a session.resume went out on a socket that went before its answer
  std::optional<double> drain_leave_at_;
  double next_ping_ = 0;
  bool token_expiring_ = false;  // session.token_expiring heard, no new token sent yet
  double token_deadline_ = 0;    // its close_at

  std::vector<ClientEvent> events_;
  Ring<TraceEntry> trace_;
  TraceHook trace_hook_;
  std::uint64_t duplicates_dropped_ = 0;
  std::uint64_t malformed_frames_ = 0;
  std::uint64_t stray_events_dropped_ = 0;
  double now_ = 0;  // the latest `now` seen (for callbacks that carry none, e.g. the store's listeners)
};

}  // namespace rtnet
