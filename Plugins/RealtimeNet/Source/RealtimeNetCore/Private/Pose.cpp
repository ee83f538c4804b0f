#include "rtnet/Pose.h"

#include <cmath>
#include <utility>

namespace rtnet {

const char* ToString(MovementRole role) {
  switch (role) {
    case MovementRole::kIdle: return "idle";
    case MovementRole::kPredict: return "predict";
    case MovementRole::kFollow: return "follow";
  }
  return "unknown";
}

MovementRole ChooseMovementRole(MovementModeSetting setting, const MovementSituation& situation) {
  if (situation.engine_replicated) return MovementRole::kIdle;
  switch (setting) {
    case MovementModeSetting::kLocal: return MovementRole::kPredict;
    case MovementModeSetting::kRemote: return MovementRole::kFollow;
    case MovementModeSetting::kAuto: break;
  }
  return situation.locally_controlled ? MovementRole::kPredict : MovementRole::kFollow;
}

double NormalizeDegrees(double degrees) {
  if (!std::isfinite(degrees)) return 0.0;
  double angle = std::fmod(degrees, 360.0);  // (-360, 360)
  if (angle <= -180.0) angle += 360.0;
  if (angle > 180.0) angle -= 360.0;
  return angle;
}

double DeltaDegrees(double from, double to) { return NormalizeDegrees(to - from); }

Pose PoseMath::Add(const Pose& a, const Pose& b) {
  return Pose{a.x + b.x, a.y + b.y, a.z + b.z, NormalizeDegrees(a.yaw + b.yaw)};
}

Pose PoseMath::Sub(const Pose& a, const Pose& b) { return Pose{a.x - b.x, a.y - b.y, a.z - b.z, DeltaDegrees(b.yaw, a.yaw)}; }

Pose PoseMath::Scale(const Pose& a, double k) { return Pose{a.x * k, a.y * k, a.z * k, NormalizeDegrees(a.yaw * k)}; }

Pose PoseMath::Lerp(const Pose& a, const Pose& b, double t) {
  return Pose{a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t, a.z + (b.z - a.z) * t,
              NormalizeDegrees(a.yaw + DeltaDegrees(a.yaw, b.yaw) * t)};
}

double PoseMath::Distance(const Pose& a, const Pose& b) {
  const double dx = a.x - b.x;
  const double dy = a.y - b.y;
  const double dz = a.z - b.z;
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

std::optional<PoseReading> ReadPose(const Value& document, const Path& path, const PoseFields& fields, double scale) {
  const Value* object = FindAt(document, path);
  if (object == nullptr || !object->IsObject() || fields.x.empty() || fields.y.empty()) return std::nullopt;
  auto number = [object](const std::string& name) -> std::optional<double> {
    if (name.empty()) return std::nullopt;
    const Value* member = object->Find(name);
    return member != nullptr ? member->AsNumber() : std::nullopt;
  };
  const std::optional<double> x = number(fields.x);
  const std::optional<double> y = number(fields.y);
  if (!x || !y) return std::nullopt;
  PoseReading reading;
  reading.pose.x = *x * scale;
  reading.pose.y = *y * scale;
  reading.pose.z = number(fields.z).value_or(0.0) * scale;
  if (const std::optional<double> yaw = number(fields.yaw)) {
    reading.pose.yaw = NormalizeDegrees(*yaw);
    reading.has_yaw = true;
  }
  if (!fields.ack.empty()) {
    const Value* ack = object->Find(fields.ack);
    if (ack != nullptr && ack->IsInt() && *ack->AsInt() >= 0) reading.ack = static_cast<std::uint64_t>(*ack->AsInt());
  }
  return reading;
}

Value PosePatch(const Path& path, const PoseFields& fields, const Pose& pose, double scale, bool with_yaw,
                std::optional<std::uint64_t> ack) {
  const double divisor = scale != 0.0 ? scale : 1.0;
  Value object = Value::MakeObject();
  if (!fields.x.empty()) object.Set(fields.x, pose.x / divisor);
  if (!fields.y.empty()) object.Set(fields.y, pose.y / divisor);
  if (!fields.z.empty()) object.Set(fields.z, pose.z / divisor);
  if (with_yaw && !fields.yaw.empty()) object.Set(fields.yaw, NormalizeDegrees(pose.yaw));
  if (ack && !fields.ack.empty()) object.Set(fields.ack, static_cast<std::int64_t>(*ack));
  return PatchAt(path, std::move(object));
}

}  // namespace rtnet
