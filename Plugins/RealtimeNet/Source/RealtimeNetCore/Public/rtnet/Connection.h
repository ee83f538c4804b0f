// The connection state machine: one logical session over a series of sockets, sans-I/O. The host
// feeds it transport callbacks and `now`, and drains the events it produced.
#pragma once

#include "rtnet/Export.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rtnet/Backoff.h"
#include "rtnet/CloseClass.h"
#include "rtnet/JsonRpc.h"
#include "rtnet/Transport.h"
#include "rtnet/Value.h"

namespace rtnet {

/// Where a Connection is. Disconnected is the start (never connected); Closed is where it ends (on
/// purpose, a fatal code, or backoff used up); Connect() leaves either.
enum class State { kDisconnected, kConnecting, kConnected, kReconnecting, kClosing, kClosed };

RTNET_API const char* ToString(State state);

/// Timing a Connection applies (seconds).
struct ConnectionOptions {
  Backoff::Options backoff;
  double connect_timeout = 10.0;   // from Open to session.welcome
  double heartbeat_grace = 5.0;    // silence allowed beyond the welcome's heartbeat_interval
  double closing_timeout = 3.0;    // waiting for the close handshake
};

/// Something the host hears about, in the order it happened.
struct Event {
  enum class Kind {
    kStateChanged,   // from, to, reason, close_code (0 when no close caused it), close_class, retry_in
    kNotification,   // method, params (session.welcome included)
    kCallDone,       // call
    kTokenRequired,  // the gateway closed with 4001: call TokenRefreshed() once the transport has a new token
    kResponse,       // message: a result or error that answers no call this Connection tracks (a host
                     // that tracks its own calls, as rtnet::Client does, resolves it)
  };
  Kind kind = Kind::kStateChanged;
  State from = State::kDisconnected;
  State to = State::kDisconnected;
  std::string reason;
  int close_code = 0;
  CloseClass close_class = CloseClass::kNormal;
  double retry_in = 0.0;  // kReconnecting: the backoff delay before the next attempt
  int attempt = 0;        // kReconnecting: which reconnect attempt comes next (1 for the first)
  std::string method;
  Value params;
  CallOutcome call;
  Value message;  // kResponse
};

/// One session with the gateway across sockets: connects, waits for `session.welcome`, watches the
/// heartbeat, tracks calls, and after a lost socket reconnects as the close code says (backoff, token
/// refresh, or stop). It never reads a clock: every entry point takes `now` (seconds, monotonic).
/// Resuming streams after a reconnect (`session.resume`) is the caller's, on the kConnected event.
class RTNET_API Connection {
 public:
  Connection(Transport& transport, Random& random, ConnectionOptions options = {});

  /// Opens a socket (from kDisconnected or kClosed); false in any other state.
  bool Connect(double now);
  /// Ends the session: a close handshake when a socket is open, else straight to kClosed. Pending
  /// calls are cancelled with `reason`.
  void Close(double now, const std::string& reason = "closed by the client");
  /// After kTokenRequired: reconnect now with the transport's new token.
  void TokenRefreshed(double now);
  /// Moves to a new socket now, keeping the session (closes the current one with 1001 "going away";
  /// the host resumes on kConnected): a draining node, or a player's "reconnect" button. From
  /// kReconnecting it retries at once; from kDisconnected or kClosed it connects. False while closing.
  bool Reconnect(double now, const std::string& reason);

  // Transport callbacks; ignored unless `socket` is the socket in use.
  void OnOpen(std::uint64_t socket, double now);
  void OnMessage(std::uint64_t socket, const Value& frame, double now);
  /// Anything else heard on the socket (a ping or pong frame): it proves the peer alive.
  void OnHeard(std::uint64_t socket, double now);
  /// The socket closed (`code` 1006 when it was lost without a close frame, or failed to open).
  void OnClosed(std::uint64_t socket, int code, const std::string& reason, double now);

  /// Applies time: reconnect when the backoff delay passed, connect and heartbeat timeouts, call
  /// timeouts, the close handshake's timeout.
  void Tick(double now);

  /// Sends a request (only in kConnected) and returns its id; its answer comes as kCallDone.
  /// `timeout` in seconds, 0 for none. No id when not connected.
  std::optional<std::int64_t> Call(std::string method, Value params, double now, double timeout);
  /// Sends a notification (only in kConnected); false when not connected.
  bool Notify(std::string_view method, Value params);

  // For a host that queues what it sends (rtnet::OutboundQueue) and flushes one frame per tick:
  /// Registers a call whose request the caller builds (`MakeRequest(id, ...)`) and sends later in a
  /// frame; its answer comes as kCallDone, exactly as Call's. Works in any state, but a lost socket
  /// cancels every tracked call, as it does Call's (so calls kept across a reconnect are tracked
  /// again, with new ids, once kConnected: OutboundQueue::Resume's rewrite).
  std::int64_t TrackCall(std::string method, double now, double timeout);
  /// Sends a frame built elsewhere (a message, or a batch array from OutboundQueue::TakeBatch) on the
  /// socket in use; false (nothing sent) when not kConnected or the frame is null.
  bool SendFrame(const Value& frame);

  /// The events since the last call, oldest first.
  std::vector<Event> TakeEvents();

  State state() const { return state_; }
  /// The socket in use (0: none).
  std::uint64_t socket() const { return socket_; }
  /// The last session.welcome's params (null before the first).
  const Value& welcome() const { return welcome_; }
  /// The earliest time Tick has something to do, for a host that sleeps between ticks.
  std::optional<double> NextDeadline() const;

 private:
  void MoveTo(State to, std::string reason, int close_code = 0, double retry_in = 0.0, int attempt = 0);
  void StartConnecting(double now, std::string reason);
  /// The socket in use is gone (closed by the peer, or given up on here): decide what comes next.
  void LostSocket(int code, const std::string& reason, double now);
  /// Stops using the socket (later callbacks from it are ignored) and asks the transport to close it.
  void AbandonSocket(int code, const std::string& reason);
  void CancelCalls(const std::string& reason);

  Transport& transport_;
  ConnectionOptions options_;
  Backoff backoff_;
  CallTracker calls_;
  std::vector<Event> events_;

  State state_ = State::kDisconnected;
  std::uint64_t socket_ = 0;
  std::uint64_t last_socket_ = 0;  // generations only grow
  double deadline_ = 0.0;          // kConnecting: connect timeout; kReconnecting: retry; kClosing: give up
  bool awaiting_token_ = false;
  double heartbeat_interval_ = 0.0;  // from session.welcome; 0: no heartbeat watch
  double last_heard_ = 0.0;
  Value welcome_;
};

}  // namespace rtnet
