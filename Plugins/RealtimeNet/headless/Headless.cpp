// rtnet-headless: RealtimeNetCore's rtnet::Client on a real socket (Boost.Beast), driven by JSON
// lines on stdin and reporting JSON lines on stdout, so tests (tests/test_headless_client.py) and
// people can run the C++ client against a live gateway without Unreal.
//
//   rtnet-headless --url ws://127.0.0.1:8765/ws --token <JWT> [--seed 1] [--backoff-base 0.1]
//                  [--backoff-cap 2] [--ping 2] [--tick-ms 10] [--trace 1]
//
// Commands (one JSON object per line):
//   {"cmd":"call","method":"sys.echo","params":{...},"tag":"t1"}   -> {"event":"call_done","tag":"t1",...}
//   {"cmd":"join","room":"lobby","state_encoding":"","timeout":2,"tag":...}   {"cmd":"leave","room":"lobby"}
//   {"cmd":"cancel","tag":"t1"} (CancelCall of the call started with that tag: a join is left if it succeeds late)
//   {"cmd":"publish","room":"lobby","type":"match.started","data":{...},"tag":...}
//   {"cmd":"watch","room":"lobby","path":"players","tag":...} -> {"event":"watching","tag":...,"watch":N}
//   {"cmd":"unwatch","watch":N}
//   {"cmd":"update","room":"lobby","patch":{...}}   {"cmd":"presence","status":"away","custom":{...}}
//   {"cmd":"reconnect"}  {"cmd":"cut"} (drop the socket, no close frame)
//   {"cmd":"token","token":"...","tag":...} (rtnet::Client::UseToken: auth.refresh while expiring -> call_done,
//   a reconnect after 4001) -> {"event":"token_used","token_state":...,"refresh_sent":...}
//   {"cmd":"stats"}  {"cmd":"close"}  {"cmd":"quit"}
// Events, in the order the client produced them: client events by kind (state_changed, reconnecting,
// session_started, recovered, resynced, error, room_joined, room_left, presence_changed, ...), room_event
// (every room.event the game sees, after de-duplication, with its type), direct_message, state (a room's
// document after every change), collection (a watched collection's entry added / changed / removed),
// presence (a room's rows after presence_changed), call_done, stats, bye. With --trace 1 also a "frame" line
// per message in and out, as it crosses the socket (before the client handles it).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>

#include "BeastTransport.h"
#include "JsonAdapter.h"
#include "rtnet/Client.h"

namespace {

using rtnet::Value;

class MersenneRandom : public rtnet::Random {
 public:
  explicit MersenneRandom(std::uint64_t seed) : engine_(seed) {}
  double Next() override { return std::uniform_real_distribution<double>(0.0, 1.0)(engine_); }

 private:
  std::mt19937_64 engine_;
};

void Print(const Value& line) {
  std::cout << rtnet::standalone::ToJson(line) << '\n' << std::flush;
}

Value Outcome(const std::string& tag, const rtnet::CallOutcome& outcome) {
  Value line = Value::MakeObject({{"event", "call_done"}, {"tag", tag}, {"id", outcome.id}, {"method", outcome.method}});
  switch (outcome.status) {
    case rtnet::CallOutcome::Status::kResult:
      line.Set("status", "result");
      line.Set("result", outcome.result);
      break;
    case rtnet::CallOutcome::Status::kError:
      line.Set("status", "error");
      line.Set("error", Value::MakeObject({{"code", outcome.error.code}, {"message", outcome.error.message}}));
      break;
    case rtnet::CallOutcome::Status::kTimeout:
      line.Set("status", "timeout");
      break;
    case rtnet::CallOutcome::Status::kDisconnected:
      line.Set("status", "disconnected");
      line.Set("reason", outcome.reason);
      break;
    case rtnet::CallOutcome::Status::kCancelled:
      line.Set("status", "cancelled");
      line.Set("reason", outcome.reason);
      break;
  }
  return line;
}

Value Describe(const rtnet::ClientEvent& event) {
  Value line = Value::MakeObject({{"event", rtnet::ToString(event.kind)}});
  switch (event.kind) {
    case rtnet::ClientEvent::Kind::kStateChanged:
      line.Set("from", rtnet::ToString(event.from));
      line.Set("to", rtnet::ToString(event.to));
      line.Set("reason", event.reason);
      line.Set("close_code", event.close_code);
      break;
    case rtnet::ClientEvent::Kind::kReconnecting:
      line.Set("attempt", event.attempt);
      line.Set("retry_in", event.retry_in);
      line.Set("close_code", event.close_code);
      break;
    case rtnet::ClientEvent::Kind::kSessionStarted: line.Set("session_id", event.session_id); break;
    case rtnet::ClientEvent::Kind::kRecovered:
      line.Set("session_id", event.session_id);
      line.Set("replayed", event.replayed);
      line.Set("streams", event.streams);
      break;
    case rtnet::ClientEvent::Kind::kError:
      line.Set("source", rtnet::ToString(event.error.source));
      line.Set("class", rtnet::ToString(event.error.error_class));
      line.Set("strategy", rtnet::ToString(event.error.strategy));
      line.Set("code", event.error.code);
      line.Set("message", event.error.message);
      break;
    case rtnet::ClientEvent::Kind::kDraining:
    case rtnet::ClientEvent::Kind::kTokenExpiring: line.Set("deadline", event.deadline); break;
    case rtnet::ClientEvent::Kind::kPresenceChanged:
      if (!event.player.empty()) {
        line.Set("player", event.player);
        line.Set("display_name", event.display_name);
        line.Set("status", rtnet::ToString(event.presence_status));
        line.Set("text", event.text);
      }
      break;
    default: break;
  }
  if (!event.room.empty()) line.Set("room", event.room);
  if (!event.stream.empty()) line.Set("stream", event.stream);
  if (event.kind != rtnet::ClientEvent::Kind::kStateChanged && !event.reason.empty()) line.Set("reason", event.reason);
  return line;
}

double Number(const char* text, double fallback) {
  char* end = nullptr;
  double value = std::strtod(text, &end);
  return end != text ? value : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  std::string token;
  std::uint64_t seed = 1;
  rtnet::ClientOptions options;
  options.connection.backoff = {0.1, 2.0, 0};
  int tick_ms = 10;
  bool trace = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--url") url = value;
    else if (flag == "--token") token = value;
    else if (flag == "--seed") seed = static_cast<std::uint64_t>(Number(value, 1));
    else if (flag == "--backoff-base") options.connection.backoff.base = Number(value, 0.1);
    else if (flag == "--backoff-cap") options.connection.backoff.cap = Number(value, 2.0);
    else if (flag == "--ping") options.ping_interval = Number(value, 2.0);
    else if (flag == "--tick-ms") tick_ms = static_cast<int>(Number(value, 10));
    else if (flag == "--trace") trace = Number(value, 0) != 0;
    else {
      std::cerr << "rtnet-headless: unknown flag " << flag << '\n';
      return 2;
    }
  }
  rtnet::standalone::WsUrl where;
  if (!rtnet::standalone::ParseWsUrl(url, where)) {
    std::cerr << "usage: rtnet-headless --url ws://host:port/path --token JWT [--seed N] [--backoff-base s] "
                 "[--backoff-cap s] [--ping s] [--tick-ms ms]\n";
    return 2;
  }

  boost::asio::io_context io;
  const auto started = std::chrono::steady_clock::now();
  auto now = [started] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };

  MersenneRandom random(seed);
  rtnet::Client* client_ptr = nullptr;
  rtnet::standalone::TransportListener listener;
  listener.on_open = [&](std::uint64_t socket) { client_ptr->OnOpen(socket, now()); };
  listener.on_message = [&](std::uint64_t socket, const Value& frame, std::size_t bytes) {
    client_ptr->OnMessage(socket, frame, bytes, now());
  };
  listener.on_malformed = [&](std::uint64_t socket, std::size_t bytes) { client_ptr->OnMalformed(socket, bytes, now()); };
  listener.on_heard = [&](std::uint64_t socket) { client_ptr->OnHeard(socket, now()); };
  listener.on_closed = [&](std::uint64_t socket, int code, const std::string& reason) {
    client_ptr->OnClosed(socket, code, reason, now());
  };
  rtnet::standalone::BeastTransport transport(io, where, listener);
  transport.SetToken(token);
  rtnet::Client client(transport, random, options);
  client_ptr = &client;

  if (trace) {
    client.SetTraceHook([](const rtnet::TraceEntry& entry, const Value& message) {
      Value line = Value::MakeObject({{"event", "frame"}, {"dir", entry.outgoing ? "out" : "in"}, {"method", entry.method},
                                      {"id", entry.id}});
      if (const Value* params = message.Find("params")) {
        if (const std::string* room = params->FindString("room")) line.Set("room", *room);
        if (const std::int64_t* offset = params->FindInt("offset")) line.Set("offset", *offset);
        if (const std::int64_t* to = params->FindInt("to")) line.Set("to", *to);
        if (const Value* presence = params->Find("presence")) {
          if (const std::string* player = presence->FindString("player_id")) line.Set("player", *player);
        }
      }
      Print(line);
    });
  }

  std::map<std::string, std::int64_t> calls_by_tag;  // for "cancel"
  bool quit = false;
  auto done_with = [](std::string tag) {
    return [tag = std::move(tag)](const rtnet::CallOutcome& outcome) { Print(Outcome(tag, outcome)); };
  };
  auto handle = [&](const Value& command) {
    const std::string* cmd = command.FindString("cmd");
    auto text = [&command](const char* name) {
      const std::string* member = command.FindString(name);
      return member != nullptr ? *member : std::string();
    };
    const std::string tag = text("tag");
    auto member = [&command](const char* name) {
      const Value* found = command.Find(name);
      return found != nullptr ? *found : Value();
    };
    const double at = now();
    auto remember = [&](const rtnet::CallTicket& ticket) {
      if (ticket.ok()) {
        calls_by_tag[tag] = ticket.id;
      } else {
        Print(Value::MakeObject({{"event", "refused"}, {"tag", tag}, {"status", rtnet::ToString(ticket.status)}}));
      }
    };
    if (cmd == nullptr) {
      Print(Value::MakeObject({{"event", "bad_command"}, {"reason", "no cmd"}}));
    } else if (*cmd == "call") {
      remember(client.Call(text("method"), member("params"), at, {}, done_with(tag)));
    } else if (*cmd == "join") {
      rtnet::JoinOptions join;
      join.state_encoding = text("state_encoding");
      join.timeout = member("timeout").AsNumber().value_or(-1.0);
      remember(client.JoinRoom(text("room"), at, join, done_with(tag)));
    } else if (*cmd == "cancel") {
      auto found = calls_by_tag.find(tag);
      const bool cancelled = found != calls_by_tag.end() && client.CancelCall(found->second);
      Print(Value::MakeObject({{"event", "cancelled"}, {"tag", tag}, {"ok", cancelled}}));
    } else if (*cmd == "publish") {
      remember(client.Publish(text("room"), text("type"), member("data"), at, {}, done_with(tag)));
    } else if (*cmd == "watch") {
      std::optional<rtnet::Path> path = rtnet::Path::Parse(text("path"));
      if (!path) {
        Print(Value::MakeObject({{"event", "bad_command"}, {"reason", "bad path"}}));
      } else {
        const std::uint64_t watch = client.WatchCollection(text("room"), *path);
        Print(Value::MakeObject({{"event", "watching"}, {"tag", tag}, {"watch", static_cast<std::int64_t>(watch)}}));
      }
    } else if (*cmd == "unwatch") {
      const std::int64_t* watch = command.FindInt("watch");
      const bool removed = watch != nullptr && client.Unwatch(static_cast<std::uint64_t>(*watch));
      Print(Value::MakeObject({{"event", "unwatched"}, {"ok", removed}}));
    } else if (*cmd == "leave") {
      client.LeaveRoom(text("room"), at, done_with(tag));
    } else if (*cmd == "update") {
      client.UpdateState(text("room"), member("patch"), at, {}, done_with(tag));
    } else if (*cmd == "presence") {
      client.SetPresence(rtnet::ParsePresenceStatus(text("status")).value_or(rtnet::PresenceStatus::kOnline),
                         member("custom"), at, done_with(tag));
    } else if (*cmd == "reconnect") {
      client.Reconnect(at, "reconnect command");
    } else if (*cmd == "cut") {
      transport.Cut();
    } else if (*cmd == "token") {
      // As the Unreal subsystem's SetToken: the transport presents it from now on, and the core decides what
      // else it is for (auth.refresh while expiring, a reconnect after 4001, nothing otherwise).
      const rtnet::TokenState state = client.token_state();
      transport.SetToken(text("token"));
      const rtnet::CallTicket ticket = client.UseToken(text("token"), at, done_with(tag));
      Print(Value::MakeObject({{"event", "token_used"}, {"tag", tag}, {"token_state", rtnet::ToString(state)},
                               {"refresh_sent", ticket.ok()}}));
    } else if (*cmd == "stats") {
      const rtnet::NetworkMetrics& metrics = client.metrics();
      Print(Value::MakeObject({{"event", "stats"},
                               {"state", rtnet::ToString(client.state())},
                               {"rtt", metrics.smoothed_rtt().value_or(-1.0)},
                               {"jitter", metrics.jitter()},
                               {"lost", static_cast<std::int64_t>(metrics.lost())},
                               {"received", static_cast<std::int64_t>(metrics.received())},
                               {"duplicates_dropped", static_cast<std::int64_t>(client.duplicates_dropped())},
                               {"stray_events_dropped", static_cast<std::int64_t>(client.stray_events_dropped())},
                               {"rooms", [&client] {
                                  Value rooms = Value::Array{};
                                  for (const std::string& room : client.Rooms()) rooms.AsArray()->push_back(room);
                                  return rooms;
                                }()},
                               {"quality", rtnet::ToString(metrics.Quality())},
                               {"pending_calls", static_cast<std::int64_t>(client.pending_calls())},
                               {"frames_sent", static_cast<std::int64_t>(transport.frames_sent())}}));
    } else if (*cmd == "close") {
      client.Close(at, text("reason").empty() ? "closed by the client" : text("reason"));
    } else if (*cmd == "quit") {
      quit = true;
    } else {
      Print(Value::MakeObject({{"event", "bad_command"}, {"reason", "unknown cmd " + *cmd}}));
    }
  };

  // stdin, read asynchronously on the same io_context.
  boost::asio::posix::stream_descriptor input(io, ::dup(STDIN_FILENO));
  boost::asio::streambuf pending;
  std::function<void()> read_line = [&] {
    boost::asio::async_read_until(input, pending, '\n', [&](boost::system::error_code ec, std::size_t length) {
      if (ec) {
        quit = true;  // stdin closed: the driver is gone
        return;
      }
      std::string line(boost::asio::buffers_begin(pending.data()),
                       boost::asio::buffers_begin(pending.data()) + static_cast<std::ptrdiff_t>(length));
      pending.consume(length);
      if (std::optional<Value> command = rtnet::standalone::ParseJson(line)) {
        handle(*command);
      } else if (line.find_first_not_of(" \r\n\t") != std::string::npos) {
        Print(Value::MakeObject({{"event", "bad_command"}, {"reason", "not JSON"}}));
      }
      read_line();
    });
  };
  read_line();

  client.Connect(now());
  while (!quit) {
    client.Tick(now());
    for (const rtnet::ClientEvent& event : client.TakeEvents()) {
      using Kind = rtnet::ClientEvent::Kind;
      if (event.kind == Kind::kRoomEvent || event.kind == Kind::kDirectMessage) {
        Value line = Value::MakeObject({{"event", event.kind == Kind::kRoomEvent ? "room_event" : "direct_message"},
                                        {"offset", event.offset}, {"from", event.sender}, {"data", event.data}});
        if (!event.room.empty()) line.Set("room", event.room);
        if (!event.type.empty()) line.Set("type", event.type);
        Print(line);
        continue;
      }
      if (event.kind == Kind::kRoomStateChanged) {
        const Value* document = client.state_store().Document(event.room);
        Print(Value::MakeObject({{"event", "state"}, {"room", event.room}, {"version", event.version},
                                 {"document", document != nullptr && event.version != 0 ? *document : Value()}}));
        continue;
      }
      if (event.kind == Kind::kCollectionChanged) {
        Print(Value::MakeObject({{"event", "collection"}, {"room", event.room},
                                 {"watch", static_cast<std::int64_t>(event.watch)}, {"key", event.key},
                                 {"change", rtnet::ToString(event.change)}, {"value", event.data}}));
        continue;
      }
      Print(Describe(event));
      if (event.kind == rtnet::ClientEvent::Kind::kPresenceChanged) {
        Value rows = Value::Array{};
        const double wall = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
        if (const rtnet::PresenceList* presence = client.Presence(event.room)) {
          for (const rtnet::PresenceEntry& row : presence->rows()) {
            rows.AsArray()->push_back(Value::MakeObject({{"player_id", row.player_id},
                                                         {"status", rtnet::ToString(row.status)},
                                                         {"last_seen", rtnet::FormatLastSeen(row, wall)}}));
          }
        }
        Print(Value::MakeObject({{"event", "presence"}, {"room", event.room}, {"rows", std::move(rows)}}));
      }
    }
    io.run_for(std::chrono::milliseconds(tick_ms));
    if (io.stopped()) io.restart();
  }
  client.Close(now(), "quit");
  // Let the close handshake go out (bounded).
  const double deadline = now() + 1.0;
  while (client.state() == rtnet::State::kClosing && now() < deadline) {
    io.run_for(std::chrono::milliseconds(tick_ms));
    if (io.stopped()) io.restart();
    client.Tick(now());
  }
  Print(Value::MakeObject({{"event", "bye"}}));
  return 0;
}
