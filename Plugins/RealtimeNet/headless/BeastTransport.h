// rtnet::Transport over Boost.Beast WebSockets on one Boost.Asio io_context, for the standalone
// headless client (the Unreal plugin uses IWebSocket instead). Single-threaded: every callback runs
// inside io_context::run_*, on the thread that ticks the client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "rtnet/Transport.h"
#include "rtnet/Value.h"

namespace rtnet::standalone {

/// What the transport reports, by socket generation (rtnet::Client's transport callbacks).
struct TransportListener {
  std::function<void(std::uint64_t socket)> on_open;
  std::function<void(std::uint64_t socket, const Value& frame, std::size_t bytes)> on_message;
  std::function<void(std::uint64_t socket, std::size_t bytes)> on_malformed;
  std::function<void(std::uint64_t socket)> on_heard;  // a ping or pong frame
  std::function<void(std::uint64_t socket, int code, const std::string& reason)> on_closed;
};

/// A `ws://host:port/path` URL split up; false when it is not one (wss is not supported here).
struct WsUrl {
  std::string host;
  std::string port;
  std::string target;
};
bool ParseWsUrl(const std::string& url, WsUrl& out);

class BeastTransport : public Transport {
 public:
  BeastTransport(boost::asio::io_context& io, WsUrl url, TransportListener listener);
  ~BeastTransport() override;

  /// The JWT sent as `Authorization: Bearer` on the next Open.
  void SetToken(std::string token) { token_ = std::move(token); }
  /// Drops the socket without a close frame (a network cut): the client sees 1006.
  void Cut();

  void Open(std::uint64_t socket) override;
  void Send(std::uint64_t socket, const Value& message) override;
  void Close(std::uint64_t socket, int code, const std::string& reason) override;

  std::uint64_t frames_sent() const { return frames_sent_; }

 private:
  struct Session;
  boost::asio::io_context& io_;
  WsUrl url_;
  TransportListener listener_;
  std::string token_;
  std::shared_ptr<Session> session_;  // the socket in use; an abandoned one finishes on its own
  std::uint64_t frames_sent_ = 0;
};

}  // namespace rtnet::standalone
