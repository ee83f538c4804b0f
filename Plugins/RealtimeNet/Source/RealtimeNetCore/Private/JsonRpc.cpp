#include "rtnet/JsonRpc.h"

namespace rtnet {
namespace {

bool IsId(const Value* id) { return id != nullptr && (id->IsString() || id->IsNumber() || id->IsNull()); }

bool IsErrorObject(const Value& error) {
  const Value* code = error.Find("code");
  const Value* message = error.Find("message");
  return code != nullptr && code->IsInt() && message != nullptr && message->IsString();
}

}  // namespace

MessageKind Classify(const Value& message) {
  const Value* version = message.Find("jsonrpc");
  if (version == nullptr || !version->IsString() || *version->AsString() != "2.0") return MessageKind::kInvalid;
  const Value* id = message.Find("id");
  if (const Value* method = message.Find("method")) {
    const Value* params = message.Find("params");
    if (!method->IsString() || (params != nullptr && !params->IsObject() && !params->IsArray())) {
      return MessageKind::kInvalid;
    }
    if (id == nullptr) return MessageKind::kNotification;
    return IsId(id) ? MessageKind::kRequest : MessageKind::kInvalid;
  }
  const Value* result = message.Find("result");
  const Value* error = message.Find("error");
  if (!IsId(id) || (result == nullptr) == (error == nullptr)) return MessageKind::kInvalid;
  if (result != nullptr) return MessageKind::kResult;
  return IsErrorObject(*error) ? MessageKind::kError : MessageKind::kInvalid;
}

std::vector<const Value*> FrameItems(const Value& frame) {
  std::vector<const Value*> items;
  if (frame.IsObject()) {
    items.push_back(&frame);
  } else if (const Value::Array* batch = frame.AsArray()) {
    for (const Value& item : *batch) items.push_back(&item);
  }
  return items;
}

std::optional<RpcError> ErrorOf(const Value& message) {
  if (Classify(message) != MessageKind::kError) return std::nullopt;
  const Value& error = *message.Find("error");
  const Value* data = error.Find("data");
  return RpcError{*error.Find("code")->AsInt(), *error.Find("message")->AsString(), data != nullptr ? *data : Value()};
}

Value MakeRequest(std::int64_t id, std::string_view method, Value params) {
  Value request = MakeNotification(method, std::move(params));
  request.Set("id", id);
  return request;
}

Value MakeNotification(std::string_view method, Value params) {
  Value message = Value::MakeObject();
  message.Set("jsonrpc", "2.0");
  message.Set("method", method);
  if (!params.IsNull()) message.Set("params", std::move(params));
  return message;
}

CallOutcome CallOutcome::Ended(std::int64_t call_id, std::string call_method, Status ended_as, std::string why) {
  CallOutcome outcome;
  outcome.id = call_id;
  outcome.method = std::move(call_method);
  outcome.status = ended_as;
  outcome.reason = std::move(why);
  return outcome;
}

}  // namespace rtnet
