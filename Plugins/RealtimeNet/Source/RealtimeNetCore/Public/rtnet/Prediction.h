// Client-side prediction with reconciliation, an interpolation buffer for remote entities, and a
// fixed-size rollback history. Header-only templates over the game's own State and Input types; no
// clock (every entry point takes times or frame numbers), no heap allocation in the steady state.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "rtnet/Ring.h"

namespace rtnet {

/// The arithmetic Predictor and Interpolator need, for a State with `+`, `-` and `* double` (a
/// position, a struct of floats). A game with other states (rotations, enums) passes its own struct
/// with these four static functions.
template <typename State>
struct VectorMath {
  static State Zero() { return State{}; }
  static State Add(const State& a, const State& b) { return a + b; }
  static State Sub(const State& a, const State& b) { return a - b; }
  static State Scale(const State& a, double k) { return a * k; }
  /// a at t = 0, b at t = 1; t > 1 extrapolates.
  static State Lerp(const State& a, const State& b, double t) { return a + (b - a) * t; }
};

// ---------------------------------------------------------------------------------------------------
// Prediction

struct PredictorOptions {
  /// Inputs sent and not yet acknowledged that are kept for replay. When the server falls further
  /// behind, the oldest are forgotten (counted in `overflowed`) and the replay is approximate.
  std::size_t max_pending = 128;
  /// A correction larger than this (by the distance function) snaps instead of being smoothed.
  double snap_distance = 1.0;
  /// The time constant (seconds) the remaining visual error decays with: error *= exp(-dt / tau).
  /// 0 or less: corrections are never smoothed.
  double smoothing_time = 0.1;
};

/// What Reconcile did.
struct Reconciliation {
  bool applied = false;    // false: a stale acknowledgement (older than one already applied), ignored
  std::size_t replayed = 0;     // unacknowledged inputs replayed on the authoritative state
  double error = 0;        // distance between the old prediction and the corrected one (0 without a distance)
  bool snapped = false;    // the display jumped to the corrected prediction
};

/// Client-side prediction of the local player's state.
///
/// Each local input gets a sequence number (1, 2, 3, ...) that the game sends with it; the step
/// function applies it at once (the predicted state). When the server's authoritative state arrives
/// with the last input sequence it processed, Reconcile rewinds to it and replays the inputs the
/// server has not processed yet with the same step function. The prediction error (old prediction
/// minus corrected prediction) is kept as a visual offset that decays over `smoothing_time`, so the
/// rendered state (Display) glides instead of jumping; above `snap_distance` it snaps.
///
/// The step function must be deterministic (the same state and input give the same state): it is the
/// game's movement code, shared with the server where possible.
template <typename State, typename Input, typename Math = VectorMath<State>>
class Predictor {
 public:
  using StepFn = std::function<State(const State&, const Input&)>;
  using DistanceFn = std::function<double(const State&, const State&)>;

  /// `distance` measures corrections; without it every correction snaps (nothing is smoothed).
  Predictor(State initial, StepFn step, PredictorOptions options = {}, DistanceFn distance = nullptr)
      : options_(options),
        step_(std::move(step)),
        distance_(std::move(distance)),
        pending_(options.max_pending == 0 ? 1 : options.max_pending),
        predicted_(std::move(initial)),
        error_(Math::Zero()) {}

  /// Applies a local input now and returns its sequence number, to send with it.
  std::uint64_t Predict(const Input& input) {
    const std::uint64_t sequence = ++last_sequence_;
    predicted_ = step_(predicted_, input);
    if (pending_.Push(Pending{sequence, input})) ++overflowed_;
    return sequence;
  }

  /// The server's state after it processed every input up to `acknowledged` (0: none yet).
  Reconciliation Reconcile(const State& authoritative, std::uint64_t acknowledged) {
    Reconciliation result;
    if (acknowledged < acknowledged_) return result;
    if (acknowledged > last_sequence_) acknowledged = last_sequence_;  // cannot have seen more
    acknowledged_ = acknowledged;
    while (!pending_.empty() && pending_.front().sequence <= acknowledged) pending_.PopFront();
    const State shown = Display();
    const State before = predicted_;
    predicted_ = authoritative;
    for (std::size_t i = 0; i < pending_.size(); ++i) predicted_ = step_(predicted_, pending_[i].input);
    result.applied = true;
    result.replayed = pending_.size();
    if (!distance_ || options_.smoothing_time <= 0) {
      result.error = distance_ ? distance_(before, predicted_) : 0;
      result.snapped = true;
      error_ = Math::Zero();
      return result;
    }
    result.error = distance_(before, predicted_);
    if (distance_(shown, predicted_) > options_.snap_distance) {
      result.snapped = true;
      error_ = Math::Zero();
    } else {
      error_ = Math::Sub(shown, predicted_);  // what is on screen stays put; the offset decays from here
    }
    return result;
  }

  /// Changes how corrections are shown from now on (tuning a game changes live); `max_pending` stays as
  /// built (the replay buffer is allocated once).
  void SetCorrection(double snap_distance, double smoothing_time) {
    options_.snap_distance = snap_distance;
    options_.smoothing_time = smoothing_time;
    if (smoothing_time <= 0) error_ = Math::Zero();
  }
  const PredictorOptions& options() const { return options_; }

  /// Advances the error smoothing by `dt` seconds (call once per rendered frame).
  void Tick(double dt) {
    if (options_.smoothing_time <= 0 || !(dt > 0)) return;
    error_ = Math::Scale(error_, std::exp(-dt / options_.smoothing_time));
  }

  /// The predicted state: authoritative state plus every unacknowledged input.
  const State& predicted() const { return predicted_; }
  /// What to render: the prediction plus the decaying visual error.
  State Display() const { return Math::Add(predicted_, error_); }
  const State& visual_error() const { return error_; }

  std::uint64_t last_sequence() const { return last_sequence_; }
  std::uint64_t acknowledged() const { return acknowledged_; }
  std::size_t pending() const { return pending_.size(); }
  std::size_t pending_capacity() const { return pending_.capacity(); }
  std::uint64_t overflowed() const { return overflowed_; }

 private:
  struct Pending {
    std::uint64_t sequence = 0;
    Input input{};
  };

  PredictorOptions options_;
  StepFn step_;
  DistanceFn distance_;
  Ring<Pending> pending_;
  State predicted_;
  State error_;
  std::uint64_t last_sequence_ = 0;
  std::uint64_t acknowledged_ = 0;
  std::uint64_t overflowed_ = 0;
};

// ---------------------------------------------------------------------------------------------------
// Interpolation

struct InterpolatorOptions {
  /// Entities are shown this far in the past (seconds), so two samples usually surround the render
  /// time: about two server ticks (or one tick plus the jitter).
  double render_delay = 0.1;
  /// How far past its newest sample an entity may be extrapolated (seconds); beyond, it holds there.
  /// 0: never extrapolate.
  double max_extrapolation = 0.05;
  /// Samples kept per entity.
  std::size_t max_samples = 32;
};

enum class InterpolationStatus {
  kHidden,        // fewer than two samples: do not show the entity yet
  kBeforeFirst,   // the render time is before the oldest sample: shown at the oldest
  kInterpolated,  // between two samples
  kExtrapolated,  // past the newest sample, within max_extrapolation
  kHeld,          // past the newest sample by more than max_extrapolation: held at the cap
};

template <typename State>
struct Interpolated {
  InterpolationStatus status = InterpolationStatus::kHidden;
  State state{};
  bool visible() const { return status != InterpolationStatus::kHidden; }
};

/// A snapshot-interpolation buffer for remote entities: samples stamped with the sender's time
/// (server time, in seconds), rendered `render_delay` behind. Never extrapolates further than
/// `max_extrapolation` past the newest sample, and hides an entity until it has two samples.
/// Samples arrive in time order (one socket); an older one is ignored, an equal time replaces.
template <typename State, typename Math = VectorMath<State>>
class Interpolator {
 public:
  explicit Interpolator(InterpolatorOptions options = {}) : options_(options) {
    if (options_.max_samples < 2) options_.max_samples = 2;
  }

  /// False when the sample is older than the entity's newest (ignored).
  bool AddSample(std::string_view entity, double time, const State& state) {
    auto found = entities_.find(entity);
    if (found == entities_.end()) {
      found = entities_.emplace(std::string(entity), Ring<Entry>(options_.max_samples)).first;
    }
    Ring<Entry>& samples = found->second;
    if (!samples.empty()) {
      if (time < samples.back().time) return false;
      if (time == samples.back().time) {
        samples.back().state = state;
        return true;
      }
    }
    samples.Push(Entry{time, state});
    return true;
  }

  /// The entity at render time `now - render_delay` (`now` on the samples' clock).
  Interpolated<State> Sample(std::string_view entity, double now) const {
    Interpolated<State> result;
    auto found = entities_.find(entity);
    if (found == entities_.end() || found->second.size() < 2) return result;
    const Ring<Entry>& samples = found->second;
    const double render = now - options_.render_delay;
    if (render < samples.front().time) {
      result.status = InterpolationStatus::kBeforeFirst;
      result.state = samples.front().state;
      return result;
    }
    const Entry& newest = samples.back();
    if (render <= newest.time) {
      // The last pair whose start is at or before the render time.
      std::size_t i = samples.size() - 2;
      while (i > 0 && samples[i].time > render) --i;
      const Entry& a = samples[i];
      const Entry& b = samples[i + 1];
      result.status = InterpolationStatus::kInterpolated;
      result.state = Math::Lerp(a.state, b.state, (render - a.time) / (b.time - a.time));
      return result;
    }
    const Entry& previous = samples[samples.size() - 2];
    const double beyond = render - newest.time;
    const double cap = options_.max_extrapolation > 0 ? options_.max_extrapolation : 0.0;
    result.status = beyond <= cap ? InterpolationStatus::kExtrapolated : InterpolationStatus::kHeld;
    const double ahead = beyond <= cap ? beyond : cap;
    result.state = Math::Lerp(previous.state, newest.state, 1.0 + ahead / (newest.time - previous.time));
    return result;
  }

  /// Forgets an entity (it left, or was destroyed).
  bool Remove(std::string_view entity) {
    auto found = entities_.find(entity);
    if (found == entities_.end()) return false;
    entities_.erase(found);
    return true;
  }
  std::size_t samples(std::string_view entity) const {
    auto found = entities_.find(entity);
    return found == entities_.end() ? 0 : found->second.size();
  }
  std::size_t size() const { return entities_.size(); }
  const InterpolatorOptions& options() const { return options_; }
  /// Changes the render delay and extrapolation cap from the next Sample (tuning a game changes live);
  /// a new max_samples applies to entities seen from now on.
  void SetOptions(InterpolatorOptions options) {
    if (options.max_samples < 2) options.max_samples = 2;
    options_ = options;
  }

 private:
  struct Entry {
    double time = 0;
    State state{};
  };

  InterpolatorOptions options_;
  std::map<std::string, Ring<Entry>, std::less<>> entities_;
};

// ---------------------------------------------------------------------------------------------------
// Rollback

/// The last `capacity` simulation frames: for each, the state at its start and the input applied
/// during it. Storage is allocated once, at construction; recording and resimulating never allocate
/// (for State and Input types whose copies do not). Frame numbers are the game's (any integers,
/// increasing); a frame is found in slot `frame mod capacity` only while it is still there.
///
/// Typical use (rollback netcode): record every frame; when the authoritative state of an earlier
/// frame arrives (or a late remote input, via CorrectInput), Rollback to it and resimulate up to the
/// newest frame with the game's deterministic step.
template <typename State, typename Input>
class RollbackHistory {
 public:
  struct Frame {
    std::int64_t frame = -1;  // -1: empty slot
    State state{};
    Input input{};
  };

  explicit RollbackHistory(std::size_t capacity) : slots_(capacity == 0 ? 1 : capacity) {
    for (std::size_t i = 0; i < slots_.capacity(); ++i) slots_.Push(Frame{});
  }

  /// Records `frame`: the state at its start and the input applied during it.
  void Record(std::int64_t frame, const State& state, const Input& input) {
    Frame& slot = Slot(frame);
    slot.frame = frame;
    slot.state = state;
    slot.input = input;
    if (!recorded_ || frame > newest_) newest_ = frame;
    recorded_ = true;
  }

  /// The recorded frame, or null when it was never recorded or has been overwritten.
  const Frame* Find(std::int64_t frame) const {
    const Frame& slot = Slot(frame);
    return slot.frame == frame ? &slot : nullptr;
  }

  /// Replaces the input of a recorded frame (a late remote input); false when it is not held.
  bool CorrectInput(std::int64_t frame, const Input& input) {
    Frame& slot = Slot(frame);
    if (slot.frame != frame) return false;
    slot.input = input;
    return true;
  }

  /// Rewinds to `frame` with `corrected` as its start state and resimulates every recorded frame up
  /// to the newest with `step(state, input) -> State`, rewriting their start states; returns the state
  /// after the newest frame (the start of the next one). None when a frame on the way is not held.
  template <typename Step>
  std::optional<State> Rollback(std::int64_t frame, const State& corrected, Step&& step) {
    if (!recorded_ || frame > newest_) return std::nullopt;
    for (std::int64_t f = frame; f <= newest_; ++f) {
      if (Find(f) == nullptr) return std::nullopt;
    }
    State state = corrected;
    for (std::int64_t f = frame; f <= newest_; ++f) {
      Frame& slot = Slot(f);
      slot.state = state;
      state = step(static_cast<const State&>(slot.state), static_cast<const Input&>(slot.input));
    }
    return state;
  }

  /// Resimulates from `frame`'s recorded start state (after CorrectInput).
  template <typename Step>
  std::optional<State> Resimulate(std::int64_t frame, Step&& step) {
    const Frame* start = Find(frame);
    if (start == nullptr) return std::nullopt;
    const State state = start->state;
    return Rollback(frame, state, std::forward<Step>(step));
  }

  std::size_t capacity() const { return slots_.capacity(); }
  std::optional<std::int64_t> newest() const {
    if (!recorded_) return std::nullopt;
    return newest_;
  }
  /// The oldest frame still held in an unbroken run ending at the newest; none when empty.
  std::optional<std::int64_t> oldest() const {
    if (!recorded_) return std::nullopt;
    std::int64_t f = newest_;
    while (f > newest_ - static_cast<std::int64_t>(capacity()) + 1 && Find(f - 1) != nullptr) --f;
    return f;
  }

 private:
  Frame& Slot(std::int64_t frame) {
    const auto count = static_cast<std::int64_t>(slots_.capacity());
    return slots_[static_cast<std::size_t>(((frame % count) + count) % count)];
  }
  const Frame& Slot(std::int64_t frame) const {
    const auto count = static_cast<std::int64_t>(slots_.capacity());
    return slots_[static_cast<std::size_t>(((frame % count) + count) % count)];
  }

  Ring<Frame> slots_;  // always full: index = frame mod capacity
  // Not a std::optional: g++ 12 reports it "maybe uninitialized" once inlined (a known false positive).
  std::int64_t newest_ = 0;
  bool recorded_ = false;
};

}  // namespace rtnet
