// A Transport that records what the Connection asked of it, for the state machine and client tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rtnet/Transport.h"

namespace rtnet::test {

struct RecordingTransport : Transport {
  std::vector<std::uint64_t> opened;
  std::vector<std::pair<std::uint64_t, Value>> sent;
  std::vector<std::pair<std::uint64_t, int>> closed;
  void Open(std::uint64_t socket) override { opened.push_back(socket); }
  void Send(std::uint64_t socket, const Value& message) override { sent.emplace_back(socket, message); }
  void Close(std::uint64_t socket, int code, const std::string&) override { closed.emplace_back(socket, code); }
};

}  // namespace rtnet::test
