// The socket edge of a Connection: the Unreal layer implements it over IWebSocket, the standalone
// build over a WebSocket library, tests over a recording double.
#pragma once

#include "rtnet/Export.h"

#include <cstdint>
#include <string>

#include "rtnet/Value.h"

namespace rtnet {

/// What a Connection asks of a socket. `socket` is the generation the Connection gave the socket when
/// it opened it; the transport passes it back with every callback (OnOpen, OnMessage, OnHeard,
/// OnClosed), and the Connection ignores callbacks of a socket it has already given up on.
///
/// A transport may call back synchronously from inside these functions: the Connection has finished
/// its own transition before it calls out.
class RTNET_API Transport {
 public:
  virtual ~Transport() = default;
  /// Opens a new socket to the gateway (the transport knows the URL and the current token).
  virtual void Open(std::uint64_t socket) = 0;
  /// Sends one message as a text frame (the transport serialises it to JSON).
  virtual void Send(std::uint64_t socket, const Value& message) = 0;
  /// Closes the socket with a close frame; a socket still opening is abandoned.
  virtual void Close(std::uint64_t socket, int code, const std::string& reason) = 0;
};

}  // namespace rtnet
