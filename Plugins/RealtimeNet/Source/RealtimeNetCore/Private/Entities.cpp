#include "rtnet/Entities.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "rtnet/MergePatch.h"

namespace rtnet {
namespace {

int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Reads the packed bytes front to back; every read reports running out instead of reading past.
class Reader {
 public:
  explicit Reader(const std::string& data) : data_(data) {}

  EntityError Varint(std::uint64_t& value) {
    value = 0;
    for (int shift = 0;; shift += 7) {
      if (pos_ >= data_.size()) return EntityError::kTruncatedVarint;
      auto byte = static_cast<std::uint8_t>(data_[pos_++]);
      // The tenth byte may only carry the 64th bit (Python refuses only an eleventh byte, and would
      // accept bits past 64 that no int64 quantum can hold).
      if (shift == 63 && (byte & 0x7F) > 1) return EntityError::kVarintTooLong;
      value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return EntityError::kNone;
      if (shift + 7 > 63) return EntityError::kVarintTooLong;
    }
  }

  EntityError Bits(std::size_t count, std::vector<bool>& out) {
    std::size_t size = (count + 7) / 8;
    if (data_.size() - pos_ < size) return EntityError::kTruncatedBitField;
    out.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      out[i] = (static_cast<std::uint8_t>(data_[pos_ + i / 8]) >> (i % 8)) & 1;
    }
    pos_ += size;
    return EntityError::kNone;
  }

  bool AtEnd() const { return pos_ == data_.size(); }

 private:
  const std::string& data_;
  std::size_t pos_ = 0;
};

std::int64_t Unzigzag(std::uint64_t zigzag) {
  return static_cast<std::int64_t>(zigzag >> 1) ^ -static_cast<std::int64_t>(zigzag & 1);
}

// One collection's packed changes applied to `collection` (an object, changed in place).
EntityError Unpack(const EntityTable& table, Value& collection, Reader& reader) {
  const Value::Object& members = *collection.AsObject();  // already in name (byte) order
  std::uint64_t count = 0;
  if (EntityError e = reader.Varint(count); e != EntityError::kNone) return e;
  if (count != members.size()) return EntityError::kMemberCountDiffers;
  std::vector<bool> flags;
  if (EntityError e = reader.Bits(members.size(), flags); e != EntityError::kNone) return e;
  std::vector<std::string> present;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (flags[i]) present.push_back(members[i].name);
  }
  const std::size_t field_count = table.fields.size();
  std::vector<bool> masks;
  if (EntityError e = reader.Bits(present.size() * field_count, masks); e != EntityError::kNone) return e;
  for (std::size_t i = 0; i < present.size(); ++i) {
    Value* entity = collection.Find(present[i]);
    if (!entity->IsObject()) return EntityError::kNotAnEntity;
    for (std::size_t j = 0; j < field_count; ++j) {
      if (!masks[i * field_count + j]) continue;
      const Value* field = entity->Find(table.fields[j]);
      std::optional<std::int64_t> old = field != nullptr ? table.steps[j].Quantum(*field) : std::nullopt;
      if (!old) return EntityError::kNoNumberToMove;
      std::uint64_t zigzag = 0;
      if (EntityError e = reader.Varint(zigzag); e != EntityError::kNone) return e;
      std::int64_t delta = Unzigzag(zigzag);
      // |old| < 2^53, so only a delta near the int64 limits can overflow the sum.
      if ((delta > 0 && *old > std::numeric_limits<std::int64_t>::max() - delta) ||
          (delta < 0 && *old < std::numeric_limits<std::int64_t>::min() - delta)) {
        return EntityError::kOutOfRange;
      }
      std::optional<Value> moved = table.steps[j].ValueOf(*old + delta);
      if (!moved) return EntityError::kOutOfRange;
      entity->Set(table.fields[j], std::move(*moved));
    }
  }
  return reader.AtEnd() ? EntityError::kNone : EntityError::kTrailingBytes;
}

}  // namespace

const char* ToString(EntityError error) {
  switch (error) {
    case EntityError::kNone: return "none";
    case EntityError::kBadMessage: return "bad_message";
    case EntityError::kUndeclaredCollection: return "undeclared_collection";
    case EntityError::kNotBase64: return "not_base64";
    case EntityError::kMemberCountDiffers: return "member_count_differs";
    case EntityError::kTruncatedVarint: return "truncated_varint";
    case EntityError::kVarintTooLong: return "varint_too_long";
    case EntityError::kTruncatedBitField: return "truncated_bit_field";
    case EntityError::kNotAnEntity: return "not_an_entity";
    case EntityError::kNoNumberToMove: return "no_number_to_move";
    case EntityError::kOutOfRange: return "out_of_range";
    case EntityError::kTrailingBytes: return "trailing_bytes";
  }
  return "unknown";
}

bool DecodeBase64(std::string_view text, std::string& out) {
  out.clear();
  std::size_t data = text.find('=');
  if (data == std::string_view::npos) data = text.size();
  std::size_t padding = text.size() - data;
  if (padding > 2 || text.find_first_not_of('=', data) != std::string_view::npos) return false;
  // Python accepts surplus padding only after a complete group ("AAAA=="), and none before any data.
  switch (data % 4) {
    case 0: if (padding > 0 && data == 0) return false; break;
    case 1: return false;
    case 2: if (padding != 2) return false; break;
    case 3: if (padding != 1) return false; break;
  }
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data; ++i) {
    int digit = Base64Digit(text[i]);
    if (digit < 0) return false;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(digit);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return true;
}

bool EntitySchema::Declare(const std::string& collection, const std::vector<std::pair<std::string, double>>& fields) {
  if (fields.empty()) return false;
  std::vector<std::pair<std::string, double>> sorted = fields;
  std::sort(sorted.begin(), sorted.end());
  EntityTable table;
  for (const auto& [name, step] : sorted) {
    std::optional<Step> parsed = Step::Of(step);
    if (!parsed || (!table.fields.empty() && table.fields.back() == name)) return false;
    table.fields.push_back(name);
    table.steps.push_back(*parsed);
  }
  auto it = std::lower_bound(tables_.begin(), tables_.end(), collection,
                             [](const auto& entry, const std::string& name) { return entry.first < name; });
  if (it != tables_.end() && it->first == collection) {
    it->second = std::move(table);
  } else {
    tables_.insert(it, {collection, std::move(table)});
  }
  return true;
}

bool EntitySchema::Load(const Value& description) {
  tables_.clear();
  const Value::Object* collections = description.AsObject();
  bool ok = collections != nullptr;
  for (const Member& collection : ok ? *collections : Value::Object{}) {
    std::vector<std::pair<std::string, double>> fields;
    const Value::Object* declared = collection.value.AsObject();
    if (declared == nullptr) {
      ok = false;
      break;
    }
    for (const Member& field : *declared) {
      std::optional<double> step = field.value.AsNumber();
      if (!step) ok = false;
      fields.emplace_back(field.name, step.value_or(0));
    }
    if (!ok || !Declare(collection.name, fields)) {
      ok = false;
      break;
    }
  }
  if (!ok) tables_.clear();
  return ok;
}

const EntityTable* EntitySchema::Find(std::string_view collection) const {
  auto it = std::lower_bound(tables_.begin(), tables_.end(), collection,
                             [](const auto& entry, std::string_view name) { return entry.first < name; });
  return it != tables_.end() && it->first == collection ? &it->second : nullptr;
}

EntityResult ApplyEntities(const Value& document, const EntitySchema& schema, const Value& entities,
                           const Value& rest) {
  EntityResult result;
  const Value::Object* packed = entities.AsObject();
  if (packed == nullptr || !document.IsObject()) {
    result.error = EntityError::kBadMessage;
    return result;
  }
  result.document = document;
  std::string bytes;
  for (const Member& collection : *packed) {
    const EntityTable* table = schema.Find(collection.name);
    Value* held = result.document.Find(collection.name);
    if (table == nullptr || held == nullptr || !held->IsObject()) {
      result.error = EntityError::kUndeclaredCollection;
    } else if (!collection.value.IsString()) {
      result.error = EntityError::kBadMessage;
    } else if (!DecodeBase64(*collection.value.AsString(), bytes)) {
      result.error = EntityError::kNotBase64;
    } else {
      Reader reader(bytes);
      result.error = Unpack(*table, *held, reader);
    }
    if (!result.ok()) {
      result.document = Value();
      return result;
    }
  }
  // `rest` is applied after the packed fields; the two never touch the same value.
  const Value::Object* patch = rest.AsObject();
  if (!rest.IsNull() && !(patch != nullptr && patch->empty())) result.document = MergePatch(result.document, rest);
  return result;
}

}  // namespace rtnet
