#include "BeastTransport.h"

#include <deque>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "JsonAdapter.h"

namespace rtnet::standalone {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

bool ParseWsUrl(const std::string& url, WsUrl& out) {
  const std::string scheme = "ws://";
  if (url.compare(0, scheme.size(), scheme) != 0) return false;
  std::string rest = url.substr(scheme.size());
  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  std::size_t colon = authority.rfind(':');
  if (colon == std::string::npos) {
    out.host = authority;
    out.port = "80";
  } else {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  }
  return !out.host.empty() && !out.port.empty();
}

// One socket. It keeps itself alive through the handlers it has in flight; `listener` is cleared when
// the transport abandons or outlives it, so a late completion reports nothing.
struct BeastTransport::Session : std::enable_shared_from_this<BeastTransport::Session> {
  Session(boost::asio::io_context& io, std::uint64_t generation, const TransportListener* callbacks)
      : resolver(io), ws(io), socket(generation), listener(callbacks) {}

  tcp::resolver resolver;
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::deque<std::string> outbox;
  std::uint64_t socket;
  const TransportListener* listener;
  bool open = false;
  bool writing = false;
  bool closing = false;
  bool reported = false;

  void Start(const WsUrl& url, const std::string& token) {
    auto self = shared_from_this();
    resolver.async_resolve(url.host, url.port, [self, url, token](beast::error_code ec, tcp::resolver::results_type results) {
      if (ec) return self->Fail(1006, "resolve: " + ec.message());
      beast::get_lowest_layer(self->ws).expires_after(std::chrono::seconds(10));
      beast::get_lowest_layer(self->ws).async_connect(
          results, [self, url, token](beast::error_code connect_ec, const tcp::endpoint&) {
            if (connect_ec) return self->Fail(1006, "connect: " + connect_ec.message());
            beast::get_lowest_layer(self->ws).expires_never();
            self->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
            self->ws.set_option(websocket::stream_base::decorator([token](websocket::request_type& request) {
              request.set(beast::http::field::user_agent, "rtnet-headless");
              if (!token.empty()) request.set(beast::http::field::authorization, "Bearer " + token);
            }));
            self->ws.control_callback([self](websocket::frame_type, beast::string_view) {
              if (self->listener != nullptr && self->listener->on_heard) self->listener->on_heard(self->socket);
            });
            self->ws.async_handshake(url.host + ":" + url.port, url.target, [self](beast::error_code handshake_ec) {
              if (handshake_ec) return self->Fail(1006, "handshake: " + handshake_ec.message());
              self->open = true;
              if (self->listener != nullptr && self->listener->on_open) self->listener->on_open(self->socket);
              self->Read();
              self->Write();
            });
          });
    });
  }

  void Read() {
    auto self = shared_from_this();
    ws.async_read(buffer, [self](beast::error_code ec, std::size_t bytes) {
      if (ec) {
        if (ec == websocket::error::closed) {
          const websocket::close_reason& why = self->ws.reason();
          return self->Fail(static_cast<int>(why.code), std::string(why.reason.c_str()));
        }
        return self->Fail(1006, "read: " + ec.message());
      }
      std::string text = beast::buffers_to_string(self->buffer.data());
      self->buffer.consume(self->buffer.size());
      if (self->listener != nullptr) {
        if (std::optional<Value> frame = ParseJson(text)) {
          if (self->listener->on_message) self->listener->on_message(self->socket, *frame, bytes);
        } else if (self->listener->on_malformed) {
          self->listener->on_malformed(self->socket, bytes);
        }
      }
      self->Read();
    });
  }

  void Send(std::string text) {
    outbox.push_back(std::move(text));
    Write();
  }

  void Write() {
    if (!open || writing || outbox.empty() || closing) return;
    writing = true;
    auto self = shared_from_this();
    ws.text(true);
    ws.async_write(boost::asio::buffer(outbox.front()), [self](beast::error_code ec, std::size_t) {
      self->writing = false;
      if (ec) return self->Fail(1006, "write: " + ec.message());
      self->outbox.pop_front();
      self->Write();
    });
  }

  void CloseWith(int code, const std::string& reason) {
    if (closing) return;
    closing = true;
    if (!open) {
      beast::error_code ignored;
      beast::get_lowest_layer(ws).socket().close(ignored);
      return;
    }
    auto self = shared_from_this();
    ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason), [self, code](beast::error_code) {
      // The read loop sees the peer's close frame and reports it; this only makes sure the socket goes.
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws).socket().close(ignored);
      self->Fail(code, "closed by the client");
    });
  }

  void Cut() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
  }

  void Fail(int code, const std::string& reason) {
    open = false;
    if (reported) return;
    reported = true;
    if (listener != nullptr && listener->on_closed) listener->on_closed(socket, code, reason);
  }
};

BeastTransport::BeastTransport(boost::asio::io_context& io, WsUrl url, TransportListener listener)
    : io_(io), url_(std::move(url)), listener_(std::move(listener)) {}

BeastTransport::~BeastTransport() {
  if (session_) session_->listener = nullptr;
}

void BeastTransport::Open(std::uint64_t socket) {
  if (session_) session_->listener = nullptr;  // an old socket's callbacks are never heard again
  session_ = std::make_shared<Session>(io_, socket, &listener_);
  session_->Start(url_, token_);
}

void BeastTransport::Send(std::uint64_t socket, const Value& message) {
  if (!session_ || session_->socket != socket) return;
  ++frames_sent_;
  session_->Send(ToJson(message));
}

void BeastTransport::Close(std::uint64_t socket, int code, const std::string& reason) {
  if (!session_ || session_->socket != socket) return;
  session_->CloseWith(code, reason);
}

void BeastTransport::Cut() {
  if (session_) session_->Cut();
}

}  // namespace rtnet::standalone
