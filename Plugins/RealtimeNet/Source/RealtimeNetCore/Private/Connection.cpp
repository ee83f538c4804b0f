#include "rtnet/Connection.h"

#include <algorithm>
#include <utility>

#include "rtnet/Codes.h"
#include "rtnet/JsonRpc.h"

namespace rtnet {
namespace {

constexpr int kAbnormal = 1006;  // no close frame: lost, or never opened

std::string CloseText(int code, const std::string& reason) {
  return "closed " + std::to_string(code) + (reason.empty() ? "" : ": " + reason);
}

}  // namespace

const char* ToString(State state) {
  switch (state) {
    case State::kDisconnected: return "disconnected";
    case State::kConnecting: return "connecting";
    case State::kConnected: return "connected";
    case State::kReconnecting: return "reconnecting";
    case State::kClosing: return "closing";
    case State::kClosed: return "closed";
  }
  return "unknown";
}

Connection::Connection(Transport& transport, Random& random, ConnectionOptions options)
    : transport_(transport), options_(options), backoff_(options.backoff, random) {}

bool Connection::Connect(double now) {
  if (state_ != State::kDisconnected && state_ != State::kClosed) return false;
  backoff_.Reset();
  StartConnecting(now, "connect");
  return true;
}

void Connection::Close(double now, const std::string& reason) {
  switch (state_) {
    case State::kConnecting:
    case State::kConnected: {
      std::uint64_t socket = socket_;
      deadline_ = now + options_.closing_timeout;
      MoveTo(State::kClosing, reason, static_cast<int>(CloseCode::kNormal));
      transport_.Close(socket, static_cast<int>(CloseCode::kNormal), reason);
      return;
    }
    case State::kReconnecting:
    case State::kDisconnected:
      awaiting_token_ = false;
      MoveTo(State::kClosed, reason);
      return;
    case State::kClosing:
    case State::kClosed: return;
  }
}

void Connection::TokenRefreshed(double now) {
  if (state_ != State::kReconnecting || !awaiting_token_) return;
  awaiting_token_ = false;
  StartConnecting(now, "token refreshed");
}

bool Connection::Reconnect(double now, const std::string& reason) {
  switch (state_) {
    case State::kDisconnected:
    case State::kClosed: return Connect(now);
    case State::kReconnecting:
      awaiting_token_ = false;
      deadline_ = now;
      Tick(now);
      return true;
    case State::kConnecting:
    case State::kConnected: {
      const int code = static_cast<int>(CloseCode::kGoingAway);
      AbandonSocket(code, reason);
      deadline_ = now;
      MoveTo(State::kReconnecting, reason, code, 0.0, backoff_.attempt() + 1);
      Tick(now);
      return true;
    }
    case State::kClosing: return false;
  }
  return false;
}

void Connection::OnOpen(std::uint64_t socket, double now) {
  if (socket != socket_ || socket == 0) return;
  last_heard_ = now;  // the welcome is still awaited, under the connect timeout
}

void Connection::OnHeard(std::uint64_t socket, double now) {
  if (socket != socket_ || socket == 0) return;
  last_heard_ = now;
}

void Connection::OnMessage(std::uint64_t socket, const Value& frame, double now) {
  if (socket != socket_ || socket == 0) return;
  last_heard_ = now;
  for (const Value* message : FrameItems(frame)) {
    switch (Classify(*message)) {
      case MessageKind::kNotification: {
        const std::string& method = *message->Find("method")->AsString();
        const Value* params = message->Find("params");
        if (method == "session.welcome" && state_ == State::kConnecting && params != nullptr) {
          welcome_ = *params;
          const Value* interval = params->Find("heartbeat_interval");
          heartbeat_interval_ = interval != nullptr ? interval->AsNumber().value_or(0.0) : 0.0;
          backoff_.Reset();  // a session was established: the next failure starts from base again
          MoveTo(State::kConnected, "welcome");
        }
        Event event;
        event.kind = Event::Kind::kNotification;
        event.method = method;
        event.params = params != nullptr ? *params : Value();
        events_.push_back(std::move(event));
        break;
      }
      case MessageKind::kResult:
      case MessageKind::kError: {
        Event event;
        event.kind = Event::Kind::kResponse;
        event.message = *message;
        events_.push_back(std::move(event));
        break;
      }
      case MessageKind::kRequest:  // the gateway sends no requests; unknown messages are ignored
      case MessageKind::kInvalid: break;
    }
    if (socket_ != socket) return;  // nothing above closes, but stay safe if that changes
  }
}

void Connection::OnClosed(std::uint64_t socket, int code, const std::string& reason, double now) {
  if (socket != socket_ || socket == 0) return;
  if (state_ == State::kClosing) {
    socket_ = 0;
    MoveTo(State::kClosed, CloseText(code, reason), code);
    return;
  }
  socket_ = 0;
  LostSocket(code, reason, now);
}

void Connection::Tick(double now) {
  switch (state_) {
    case State::kConnecting:
      if (now >= deadline_) {
        AbandonSocket(kAbnormal, "connect timeout");
        LostSocket(kAbnormal, "connect timeout", now);
      }
      break;
    case State::kConnected:
      if (heartbeat_interval_ > 0 && now - last_heard_ > heartbeat_interval_ + options_.heartbeat_grace) {
        const int code = static_cast<int>(CloseCode::kHeartbeatTimeout);
        AbandonSocket(code, "heartbeat timeout");
        LostSocket(code, "heartbeat timeout", now);
      }
      break;
    case State::kReconnecting:
      if (!awaiting_token_ && now >= deadline_) StartConnecting(now, "retry");
      break;
    case State::kClosing:
      if (now >= deadline_) {
        AbandonSocket(static_cast<int>(CloseCode::kNormal), "close timeout");
        MoveTo(State::kClosed, "close timeout");
      }
      break;
    case State::kDisconnected:
    case State::kClosed: break;
  }
}

bool Connection::SendFrame(const Value& frame) {
  if (state_ != State::kConnected || frame.IsNull()) return false;
  transport_.Send(socket_, frame);
  return true;
}

std::vector<Event> Connection::TakeEvents() { return std::exchange(events_, {}); }

std::optional<double> Connection::NextDeadline() const {
  std::optional<double> next;
  auto consider = [&next](double at) { next = next ? std::min(*next, at) : at; };
  switch (state_) {
    case State::kConnecting:
    case State::kClosing: consider(deadline_); break;
    case State::kReconnecting:
      if (!awaiting_token_) consider(deadline_);
      break;
    case State::kConnected:
      if (heartbeat_interval_ > 0) consider(last_heard_ + heartbeat_interval_ + options_.heartbeat_grace);
      break;
    case State::kDisconnected:
    case State::kClosed: break;
  }
  return next;
}

std::optional<ReconnectSchedule> Connection::reconnect_schedule() const {
  if (state_ != State::kReconnecting) return std::nullopt;
  ReconnectSchedule schedule;
  schedule.attempt = reconnect_attempt_;
  if (!awaiting_token_) schedule.at = deadline_;
  return schedule;
}

void Connection::MoveTo(State to, std::string reason, int close_code, double retry_in, int attempt) {
  Event event;
  event.kind = Event::Kind::kStateChanged;
  event.from = state_;
  event.to = to;
  event.reason = std::move(reason);
  event.close_code = close_code;
  event.close_class = close_code != 0 ? ClassifyClose(close_code) : CloseClass::kNormal;
  event.retry_in = retry_in;
  event.attempt = attempt;
  if (to == State::kReconnecting) reconnect_attempt_ = attempt;
  state_ = to;
  events_.push_back(std::move(event));
}

void Connection::StartConnecting(double now, std::string reason) {
  socket_ = ++last_socket_;
  deadline_ = now + options_.connect_timeout;
  last_heard_ = now;
  heartbeat_interval_ = 0.0;
  MoveTo(State::kConnecting, std::move(reason));
  transport_.Open(socket_);  // last: the transport may call back at once
}

void Connection::AbandonSocket(int code, const std::string& reason) {
  std::uint64_t socket = std::exchange(socket_, 0);  // first: its close callback is now stale
  if (socket != 0) transport_.Close(socket, code, reason);
}

void Connection::LostSocket(int code, const std::string& reason, double now) {
  const std::string why = CloseText(code, reason);
  const CloseClass kind = ClassifyClose(code);
  if (!ShouldReconnect(kind)) {
    MoveTo(State::kClosed, why, code);
    return;
  }
  if (kind == CloseClass::kAuth) {
    awaiting_token_ = true;
    MoveTo(State::kReconnecting, why, code, 0.0, backoff_.attempt() + 1);
    Event event;
    event.kind = Event::Kind::kTokenRequired;
    event.reason = why;
    event.close_code = code;
    event.close_class = kind;
    events_.push_back(std::move(event));
    return;
  }
  std::optional<double> delay = backoff_.Next();
  if (!delay) {
    MoveTo(State::kClosed, why + " (gave up after " + std::to_string(backoff_.attempt()) + " attempts)", code);
    return;
  }
  deadline_ = now + *delay;
  MoveTo(State::kReconnecting, why, code, *delay, backoff_.attempt());
}

}  // namespace rtnet
