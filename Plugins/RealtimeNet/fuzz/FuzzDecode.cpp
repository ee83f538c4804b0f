// libFuzzer entry point over everything the client decodes from the wire: arbitrary bytes -> JSON
// text (nlohmann, non-throwing) -> rtnet::Value -> JSON-RPC classification and call resolution ->
// StateStore (room.join results, state.delta / state.entities / state.snapshot) -> ApplyEntities on
// the raw bytes, both as they are (mostly not base64) and base64-encoded (so the packed decoder sees
// arbitrary varints and bit fields). Nothing here may crash, leak or trip UBSan.
//
// Built by CMake with RTNET_FUZZ=ON: under clang's libFuzzer with ASan + UBSan when available, else
// with StandaloneDriver.cpp (see Plugins/RealtimeNet/README.md for both run commands).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "JsonAdapter.h"
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

void FeedMessage(const Value& message, rtnet::StateStore& store, rtnet::CallTracker& calls) {
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
      (void)calls.Resolve(message);
      break;
    }
    case rtnet::MessageKind::kError:
      (void)rtnet::ErrorOf(message);
      (void)calls.Resolve(message);
      break;
    case rtnet::MessageKind::kInvalid:
      // Bare params objects too, so the store's own checks see arbitrary shapes.
      (void)store.OnDelta(message);
      (void)store.OnEntities(message);
      break;
  }
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
  rtnet::CallTracker calls;
  for (int i = 0; i < 4; ++i) calls.Start("room.join", 0, 1);

  for (const Value* message : rtnet::FrameItems(*frame)) FeedMessage(*message, store, calls);
  (void)calls.Expire(0.5);
  (void)calls.CancelAll("closed");
  (void)store.ResumeState();

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
