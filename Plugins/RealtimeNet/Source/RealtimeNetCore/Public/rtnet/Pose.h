// A moving entity's pose as room state keeps it -- a position and a heading (yaw, degrees) -- with the
// arithmetic Predictor and Interpolator need (rtnet/Prediction.h), angle-aware: a heading that goes from
// 170 to -170 degrees turns 20 degrees through 180, never 340 the long way round. Reading a pose from a
// document and writing one back as a merge patch live here too, so every client moves entities the same
// way (the Unreal movement component, rtnet-headless, tests).
#pragma once

#include "rtnet/Export.h"

#include <cstdint>
#include <optional>
#include <string>

#include "rtnet/Path.h"
#include "rtnet/Value.h"

namespace rtnet {

/// Who moves an entity on this machine, as the movement component applies it.
enum class MovementRole {
  kIdle,     // nothing: the engine's own replication moves it here (RealtimeNet would fight it)
  kPredict,  // this machine's player moves it: predict at once, send, reconcile with what comes back
  kFollow,   // someone else moves it: follow the room state, drawn a little in the past
};

RTNET_API const char* ToString(MovementRole role);

/// What the game asked for (the component's Mode).
enum class MovementModeSetting { kAuto, kLocal, kRemote };

/// What the engine says about the entity's actor on this machine.
struct MovementSituation {
  /// The engine replicates this actor's movement to this machine from a server (a simulated proxy whose
  /// movement is replicated): that replication is authoritative here.
  bool engine_replicated = false;
  /// A pawn controlled by a player of this machine.
  bool locally_controlled = false;
};

/// The role for `setting` in `situation`: engine replication always wins (kIdle); then kLocal predicts,
/// kRemote follows, and kAuto predicts exactly the locally controlled pawns and follows everything else.
RTNET_API MovementRole ChooseMovementRole(MovementModeSetting setting, const MovementSituation& situation);

/// An angle in degrees brought into (-180, 180].
RTNET_API double NormalizeDegrees(double degrees);

/// The shortest signed turn from `from` to `to`, in degrees, in (-180, 180].
RTNET_API double DeltaDegrees(double from, double to);

/// Position (state units) and heading (degrees, yaw about the up axis).
struct Pose {
  double x = 0;
  double y = 0;
  double z = 0;
  double yaw = 0;
};

/// Pose arithmetic for Predictor<Pose, Pose, PoseMath> and Interpolator<Pose, PoseMath>: positions add and
/// interpolate as vectors; headings add and interpolate along the shortest turn and stay normalised.
struct RTNET_API PoseMath {
  static Pose Zero() { return Pose{}; }
  static Pose Add(const Pose& a, const Pose& b);
  /// `a - b`: the heading part is the shortest turn from b to a.
  static Pose Sub(const Pose& a, const Pose& b);
  static Pose Scale(const Pose& a, double k);
  /// a at t = 0, b at t = 1 (t > 1 extrapolates along the same turn).
  static Pose Lerp(const Pose& a, const Pose& b, double t);
  /// Distance between positions (the heading is not part of it), for snap decisions.
  static double Distance(const Pose& a, const Pose& b);
};

/// Where an entity's pose lives inside its object in the document. Names are member names of that
/// object ({"x": 1, "y": 2, "z": 0, "yaw": 90, "ack": 17}); an empty name leaves that part out.
struct PoseFields {
  std::string x = "x";
  std::string y = "y";
  std::string z = "z";
  std::string yaw = "yaw";
  /// The last input sequence of the predicting client the document reflects (prediction only).
  std::string ack = "ack";
};

/// A pose read from a document.
struct PoseReading {
  Pose pose;
  bool has_yaw = false;                  // the heading was present (else pose.yaw is 0)
  std::optional<std::uint64_t> ack;      // the acknowledged input sequence, when present and >= 0
};

/// The pose of the entity whose object is at `path`: x and y are required numbers, z and yaw optional
/// numbers (0 / absent when missing). Positions are multiplied by `scale` (world units per state unit).
/// None when the object is missing, or x or y is missing or not a number.
RTNET_API std::optional<PoseReading> ReadPose(const Value& document, const Path& path, const PoseFields& fields,
                                              double scale = 1.0);

/// A merge patch that writes `pose` (divided by `scale`), and `ack` when given, into the entity's object
/// at `path`, leaving the rest of the document alone. The heading is written only when `with_yaw`.
RTNET_API Value PosePatch(const Path& path, const PoseFields& fields, const Pose& pose, double scale, bool with_yaw,
                          std::optional<std::uint64_t> ack);

}  // namespace rtnet
