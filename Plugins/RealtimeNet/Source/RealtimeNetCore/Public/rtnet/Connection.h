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
    kTokenRequired,  // the gateway closed with 4001: call TokenRefreshed() once the transport has a new token
    kResponse,       // message: a result or error; the host matches it to its calls (rtnet::Client's ledger)
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
  Value message;  // kResponse
};

/// When a Connection in kReconnecting tries again.
struct ReconnectSchedule {
  int attempt = 0;           // which reconnect attempt comes next (1 for the first)
  std::optional<double> at;  // when it starts (the `now` clock); none while it waits for a token (4001)

  /// Seconds from `now` until the attempt (0 once due, and while waiting for a token).
  double RetryIn(double now) const { return at && *at > now ? *at - now : 0.0; }
};

/// One session with the gateway across sockets: connects, waits for `session.welcome`, watches the
/// heartbeat, and after a lost socket reconnects as the close code says (backoff, token refresh, or
/// stop). It never reads a clock: every entry point takes `now` (seconds, monotonic). Calls are the
/// host's: it sends frames with SendFrame and matches the kResponse events to its own ledger
/// (rtnet::Client). Resuming streams after a reconnect (`session.resume`) is the host's too, on kConnected.
class RTNET_API Connection {
 public:
  Connection(Transport& transport, Random& random, ConnectionOptions options = {});

  /// Opens a socket (from kDisconnected or kClosed); false in any other state.
  bool Connect(double now);
  /// Ends the session: a close handshake when a socket is open, else straight to kClosed.
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

  /// Applies time: reconnect when the backoff delay passed, connect and heartbeat timeouts, the close
  /// handshake's timeout.
  void Tick(double now);

  /// Sends a frame (a message, or a batch array from OutboundQueue::TakeBatch) on the socket in use;
  /// false (nothing sent) when not kConnected or the frame is null.
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
  /// In kReconnecting: the attempt coming next and when; none in any other state.
  std::optional<ReconnectSchedule> reconnect_schedule() const;
  /// In kReconnecting after close 4001: no attempt is made until TokenRefreshed.
  bool awaiting_token() const { return state_ == State::kReconnecting && awaiting_token_; }

 private:
  void MoveTo(State to, std::string reason, int close_code = 0, double retry_in = 0.0, int attempt = 0);
  void StartConnecting(double now, std::string reason);
  /// The socket in use is gone (closed by the peer, or given up on here): decide what comes next.
  void LostSocket(int code, const std::string& reason, double now);
  /// Stops using the socket (later callbacks from it are ignored) and asks the transport to close it.
  void AbandonSocket(int code, const std::string& reason);

  Transport& transport_;
  ConnectionOptions options_;
  Backoff backoff_;
  std::vector<Event> events_;

  State state_ = State::kDisconnected;
  std::uint64_t socket_ = 0;
  std::uint64_t last_socket_ = 0;  // generations only grow
  double deadline_ = 0.0;          // kConnecting: connect timeout; kReconnecting: retry; kClosing: give up
  bool awaiting_token_ = false;
  int reconnect_attempt_ = 0;      // kReconnecting: the attempt coming next
  double heartbeat_interval_ = 0.0;  // from session.welcome; 0: no heartbeat watch
  double last_heard_ = 0.0;
  Value welcome_;
};

}  // namespace rtnet
