// libFuzzer entry point over everything the client decodes from the wire: arbitrary bytes -> JSON
// text (nlohmann, non-throwing) -> rtnet::Value -> JSON-RPC classification -> StateStore (room.join
// results, state.delta / state.entities / state.snapshot) -> a whole rtnet::Client in session with calls
// in flight (its call ledger, notifications, presence, resume answers) -> ApplyEntities on the raw bytes,
// both as they are (mostly not base64) and base64-encoded (so the packed decoder sees arbitrary varints
// and bit fields). Nothing here may crash, leak or trip UBSan.
//
// Built by CMake with RTNET_FUZZ=ON: under clang's libFuzzer with ASan + UBSan when available, else
// with StandaloneDriver.cpp (see Plugins/RealtimeNet/README.md for both run commands).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "JsonAdapter.h"
#include "rtnet/Client.h"
#include "rtnet/Entities.h"
#include "rtnet/JsonRpc.h"
#include "rtnet/MergePatch.h"
#include "rtnet/StateStore.h"

namespace {

using rtnet::Value;

std::string Base64(std::string_view bytes) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// A small room with a declared collection, built once: the target of the raw-bytes ApplyEntities.
struct Fixture {
  Value document;
  rtnet::EntitySchema schema;
  Fixture() {
    document = *rtnet::standalone::ParseJson(
        R"({"e":{"a":{"x":1.5,"y":-2,"rot":90},"b":{"x":0,"y":0.25,"rot":359},"c":{"x":1e6,"y":-1e6,"rot":0},)"
        R"("d":{"x":0.01,"y":3,"rot":180,"name":"d"}},"score":{"a":1}})");
    schema.Load(*rtnet::standalone::ParseJson(R"({"e":{"x":0.01,"y":0.01,"rot":1}})"));
  }
};

void ApplyRaw(const Fixture& fixture, std::string_view bytes) {
  Value entities = Value::MakeObject();
  entities.Set("e", Value(std::string(bytes)));
  (void)rtnet::ApplyEntities(fixture.document, fixture.schema, entities);
  entities.Set("e", Value(Base64(bytes)));
  (void)rtnet::ApplyEntities(fixture.document, fixture.schema, entities, fixture.document);
}

void FeedMessage(const Value& message, rtnet::StateStore& store) {
  switch (rtnet::Classify(message)) {
    case rtnet::MessageKind::kNotification:
    case rtnet::MessageKind::kRequest: {
      const Value* method = message.Find("method");
      const Value* params = message.Find("params");
      if (method != nullptr && method->IsString()) {
        (void)store.OnNotification(*method->AsString(), params != nullptr ? *params : Value());
      }
      break;
    }
    case rtnet::MessageKind::kResult: {
      // A room.join or state.get result: whichever it looks like.
      const Value* result = message.Find("result");
      if (result != nullptr && result->Find("state_version") != nullptr) (void)store.OnJoined(*result);
      if (result != nullptr && result->Find("version") != nullptr) (void)store.OnSnapshot(*result);
      break;
    }
    case rtnet::MessageKind::kError:
      (void)rtnet::ErrorOf(message);
      break;
    case rtnet::MessageKind::kInvalid:
      // Bare params objects too, so the store's own checks see arbitrary shapes.
      (void)store.OnDelta(message);
      (void)store.OnEntities(message);
      break;
  }
}

struct SilentTransport : rtnet::Transport {
  void Open(std::uint64_t) override {}
  void Send(std::uint64_t, const Value&) override {}
  void Close(std::uint64_t, int, const std::string&) override {}
};

struct FixedRandom : rtnet::Random {
  double Next() override { return 0.5; }
};

// A client in session, in a room, with calls of each kind in flight (ids 1..5), then the frame: as an
// answer to them, as notifications, as a resume answer on the next socket; then time and a close.
void FeedClient(const Value& frame, std::size_t bytes) {
  SilentTransport transport;
  FixedRandom random;
  rtnet::ClientOptions options;
  options.ping_interval = 0;
  options.load_presence_on_join = false;
  rtnet::Client client(transport, random, options);
  client.Connect(0);
  std::uint64_t socket = client.connection().socket();
  client.OnOpen(socket, 0);
  client.OnMessage(socket, *rtnet::standalone::ParseJson(
      R"({"jsonrpc":"2.0","method":"session.welcome","params":{"session_id":"s","player_id":"p",)"
      R"("resume_token":"t","heartbeat_interval":10,"server_time":0,"protocol_version":"1.0","node_id":"n"}})"), 0, 0);
  client.JoinRoom("r", 0);                                                        // 1
  client.UpdateState("r", Value::MakeObject({{"a", 1}}), 0);                     // 2
  client.QueryPresence("r", 0);                                                  // 3
  client.Call("sys.echo", Value::MakeObject(), 0);                               // 4
  client.SetPresence(rtnet::PresenceStatus::kAway, Value(), 0);                  // 5
  client.Tick(0);
  client.OnMessage(socket, *rtnet::standalone::ParseJson(
      R"({"jsonrpc":"2.0","id":1,"result":{"room":"r","stream":"room:r","epoch":"e","offset":0,)"
      R"("state_version":1,"state":{"a":0}}})"), 0, 0.05);
  client.OnMessage(socket, frame, bytes, 0.1);
  client.Tick(0.2);
  client.OnClosed(socket, 1006, "", 0.3);
  client.Tick(2);  // reconnects: session.resume goes out as id 6
  socket = client.connection().socket();
  client.OnOpen(socket, 2);
  client.OnMessage(socket, *rtnet::standalone::ParseJson(
      R"({"jsonrpc":"2.0","method":"session.welcome","params":{"session_id":"s2","player_id":"p",)"
      R"("resume_token":"t2","heartbeat_interval":10,"server_time":0,"protocol_version":"1.0","node_id":"n"}})"), 0, 2);
  client.OnMessage(socket, frame, bytes, 2.1);
  if (const Value* result = frame.Find("result")) {
    Value answer = Value::MakeObject({{"jsonrpc", "2.0"}, {"id", 6}, {"result", *result}});
    client.OnMessage(socket, answer, bytes, 2.2);
  }
  client.Tick(40);
  client.Close(41);
  (void)client.TakeEvents();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fixture;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ApplyRaw(fixture, bytes);

  std::optional<Value> frame = rtnet::standalone::ParseJson(bytes);
  if (!frame) return 0;
  (void)rtnet::standalone::ToJson(*frame);

  rtnet::StateStore store(rtnet::StateStoreOptions{2});
  store.SetValidator([](std::string_view, const Value*, const Value& proposed, std::int64_t, std::string& reason) {
    if (proposed.Find("forbidden") != nullptr) {
      reason = "forbidden";
      return false;
    }
    return true;
  });
  std::size_t heard = 0;
  store.AddListener([&heard](const rtnet::StateChange&) { ++heard; });
  for (const Value* message : rtnet::FrameItems(*frame)) FeedMessage(*message, store);
  (void)store.ResumeState();
  FeedClient(*frame, size);

  // The frame as a patch, and composed with itself and the fixture.
  const Value patched = rtnet::MergePatch(fixture.document, *frame);
  (void)rtnet::Compose(*frame, fixture.document);
  (void)rtnet::Compose(fixture.document, *frame);
  (void)rtnet::Compose(*frame, *frame);
  // Every string inside an object's "entities" as a packed collection of the fixture.
  if (const Value* entities = frame->Find("entities")) {
    (void)rtnet::ApplyEntities(fixture.document, fixture.schema, *entities, patched);
    rtnet::EntitySchema schema;
    if (const Value* description = frame->Find("schema"); description != nullptr && schema.Load(*description)) {
      const Value* document = frame->Find("document");
      (void)rtnet::ApplyEntities(document != nullptr ? *document : patched, schema, *entities);
    }
  }
  return 0;
}
