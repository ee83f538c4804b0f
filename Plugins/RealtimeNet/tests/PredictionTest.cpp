// Prediction with reconciliation, interpolation, rollback; and that their steady state allocates nothing
// (counted by replacing the global operator new in this test executable only).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "TestSupport.h"
#include "rtnet/Prediction.h"

// The counting allocator hook: every operator new of this executable goes through here. Test-only
// global state; the core itself has none. g++ 12 cannot see that these new and delete pair up
// (malloc/free inside both) once it inlines them into std::allocator, hence the pragma.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
std::size_t g_allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  std::abort();  // no exceptions in this build
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace rtnet {
namespace {

struct Vec2 {
  double x = 0, y = 0;
  friend Vec2 operator+(Vec2 a, Vec2 b) { return {a.x + b.x, a.y + b.y}; }
  friend Vec2 operator-(Vec2 a, Vec2 b) { return {a.x - b.x, a.y - b.y}; }
  friend Vec2 operator*(Vec2 a, double k) { return {a.x * k, a.y * k}; }
};
double Distance(const Vec2& a, const Vec2& b) { return std::hypot(a.x - b.x, a.y - b.y); }

struct Move {
  double dx = 0, dy = 0;
};
Vec2 Step(const Vec2& s, const Move& m) { return {s.x + m.dx, s.y + m.dy}; }

using VecPredictor = Predictor<Vec2, Move>;

VecPredictor MakePredictor(PredictorOptions options = {}) {
  return VecPredictor(Vec2{}, Step, options, Distance);
}

#define EXPECT_VEC(v, ex, ey)       \
  do {                              \
    EXPECT_NEAR((v).x, (ex), 1e-9); \
    EXPECT_NEAR((v).y, (ey), 1e-9); \
  } while (0)

// --- Predictor --------------------------------------------------------------------------------------

TEST(Predictor, PredictsAtOnceAndNumbersInputs) {
  VecPredictor predictor = MakePredictor();
  EXPECT_EQ(predictor.Predict({1, 0}), 1u);
  EXPECT_EQ(predictor.Predict({1, 0}), 2u);
  EXPECT_EQ(predictor.Predict({0, 2}), 3u);
  EXPECT_VEC(predictor.predicted(), 2, 2);
  EXPECT_VEC(predictor.Display(), 2, 2);
  EXPECT_EQ(predictor.pending(), 3u);
  EXPECT_EQ(predictor.last_sequence(), 3u);
}

TEST(Predictor, ReconcileReplaysUnacknowledgedInputs) {
  VecPredictor predictor = MakePredictor();
  for (int i = 0; i < 5; ++i) predictor.Predict({1, 0});  // predicted x = 5
  // The server processed inputs 1..3 and agrees: x = 3. Replaying 4 and 5 gives 5 again: no error.
  Reconciliation agreed = predictor.Reconcile(Vec2{3, 0}, 3);
  EXPECT_TRUE(agreed.applied);
  EXPECT_EQ(agreed.replayed, 2u);
  EXPECT_NEAR(agreed.error, 0, 1e-12);
  EXPECT_FALSE(agreed.snapped);
  EXPECT_VEC(predictor.predicted(), 5, 0);
  EXPECT_EQ(predictor.pending(), 2u);
  EXPECT_EQ(predictor.acknowledged(), 3u);
  // The server disagrees (a wall stopped input 4 at x = 3.5): the prediction is corrected.
  Reconciliation corrected = predictor.Reconcile(Vec2{3.5, 0}, 4);
  EXPECT_EQ(corrected.replayed, 1u);
  EXPECT_NEAR(corrected.error, 0.5, 1e-12);
  EXPECT_VEC(predictor.predicted(), 4.5, 0);
}

TEST(Predictor, StaleAndOverreachingAcknowledgements) {
  VecPredictor predictor = MakePredictor();
  predictor.Predict({1, 0});
  predictor.Predict({1, 0});
  predictor.Reconcile(Vec2{2, 0}, 2);
  EXPECT_FALSE(predictor.Reconcile(Vec2{-9, 0}, 1).applied);  // older than what was applied
  EXPECT_VEC(predictor.predicted(), 2, 0);
  EXPECT_TRUE(predictor.Reconcile(Vec2{2, 0}, 2).applied);  // the same ack again is fine
  EXPECT_TRUE(predictor.Reconcile(Vec2{2, 1}, 99).applied);  // acks more than was sent: everything
  EXPECT_EQ(predictor.acknowledged(), 2u);
  EXPECT_EQ(predictor.pending(), 0u);
  EXPECT_VEC(predictor.predicted(), 2, 1);
}

TEST(Predictor, SmallCorrectionsAreSmoothedLargeOnesSnap) {
  PredictorOptions options;
  options.snap_distance = 1.0;
  options.smoothing_time = 0.1;
  VecPredictor predictor = MakePredictor(options);
  predictor.Predict({1, 0});
  // Server says x = 0.7 after input 1: a 0.3 correction, smoothed; the display stays where it was.
  Reconciliation small = predictor.Reconcile(Vec2{0.7, 0}, 1);
  EXPECT_FALSE(small.snapped);
  EXPECT_VEC(predictor.predicted(), 0.7, 0);
  EXPECT_VEC(predictor.Display(), 1.0, 0);
  predictor.Tick(0.1);  // one time constant: e^-1 of the error remains
  EXPECT_NEAR(predictor.Display().x, 0.7 + 0.3 * std::exp(-1.0), 1e-9);
  // Moving on keeps the decaying offset on top of the new prediction (no lag behind the motion).
  predictor.Predict({1, 0});
  EXPECT_NEAR(predictor.Display().x, 1.7 + 0.3 * std::exp(-1.0), 1e-9);
  for (int i = 0; i < 100; ++i) predictor.Tick(0.016);
  EXPECT_NEAR(predictor.Display().x, predictor.predicted().x, 1e-6);
  // A 5-unit correction (a teleport) snaps.
  Reconciliation big = predictor.Reconcile(Vec2{10, 0}, 2);
  EXPECT_TRUE(big.snapped);
  EXPECT_NEAR(big.error, 10 - 1.7, 1e-9);
  EXPECT_VEC(predictor.Display(), 10, 0);
  EXPECT_VEC(predictor.visual_error(), 0, 0);
}

TEST(Predictor, WithoutADistanceEveryCorrectionSnaps) {
  Predictor<Vec2, Move> predictor(Vec2{}, Step);
  predictor.Predict({1, 0});
  Reconciliation result = predictor.Reconcile(Vec2{0.9, 0}, 1);
  EXPECT_TRUE(result.snapped);
  EXPECT_EQ(result.error, 0);
  EXPECT_VEC(predictor.Display(), 0.9, 0);
  PredictorOptions no_smoothing;
  no_smoothing.smoothing_time = 0;
  VecPredictor instant = MakePredictor(no_smoothing);
  instant.Predict({1, 0});
  EXPECT_TRUE(instant.Reconcile(Vec2{0.9, 0}, 1).snapped);
  EXPECT_NEAR(instant.Reconcile(Vec2{0.9, 0}, 1).error, 0, 1e-12);
}

TEST(Predictor, PendingInputsAreBounded) {
  PredictorOptions options;
  options.max_pending = 4;
  VecPredictor predictor = MakePredictor(options);
  for (int i = 0; i < 10; ++i) predictor.Predict({1, 0});
  EXPECT_EQ(predictor.pending(), 4u);
  EXPECT_EQ(predictor.overflowed(), 6u);
  EXPECT_EQ(predictor.pending_capacity(), 4u);
  // Ack 5: the kept inputs are 7..10, all replayed on the server's state.
  EXPECT_EQ(predictor.Reconcile(Vec2{5, 0}, 5).replayed, 4u);
  EXPECT_VEC(predictor.predicted(), 9, 0);
}

TEST(Predictor, ConvergesUnderLatencyWithAServerThatDisagrees) {
  // The server applies inputs with a 0.9 factor (a slope); acks arrive 3 inputs late.
  VecPredictor predictor = MakePredictor();
  Vec2 server;
  std::vector<Move> sent;
  for (int tick = 1; tick <= 60; ++tick) {
    sent.push_back({0.1, 0});
    predictor.Predict(sent.back());
    if (tick > 3) {
      server = Vec2{server.x + sent[static_cast<std::size_t>(tick - 4)].dx * 0.9, 0};
      predictor.Reconcile(server, static_cast<std::uint64_t>(tick - 3));
    }
    predictor.Tick(1.0 / 60);
  }
  // The prediction is the server's state plus the 3 unacknowledged inputs (at full speed).
  EXPECT_NEAR(predictor.predicted().x, server.x + 0.3, 1e-9);
  EXPECT_EQ(predictor.pending(), 3u);
}

// --- Interpolator -----------------------------------------------------------------------------------

TEST(Interpolator, HiddenUntilTwoSamples) {
  Interpolator<Vec2> buffer;
  EXPECT_FALSE(buffer.Sample("a", 10).visible());
  buffer.AddSample("a", 1.0, {0, 0});
  EXPECT_EQ(buffer.Sample("a", 10).status, InterpolationStatus::kHidden);
  buffer.AddSample("a", 1.1, {1, 0});
  EXPECT_TRUE(buffer.Sample("a", 1.15).visible());
}

TEST(Interpolator, RendersBehindByTheDelay) {
  InterpolatorOptions options;
  options.render_delay = 0.1;
  options.max_extrapolation = 0.05;
  Interpolator<Vec2> buffer(options);
  buffer.AddSample("a", 1.0, {0, 0});
  buffer.AddSample("a", 1.1, {10, 0});
  buffer.AddSample("a", 1.2, {20, 10});
  Interpolated<Vec2> mid = buffer.Sample("a", 1.25);  // render time 1.15
  EXPECT_EQ(mid.status, InterpolationStatus::kInterpolated);
  EXPECT_VEC(mid.state, 15, 5);
  EXPECT_VEC(buffer.Sample("a", 1.1).state, 0, 0);    // render time 1.0: exactly the first
  EXPECT_VEC(buffer.Sample("a", 1.3).state, 20, 10);  // exactly the newest: still interpolated
  EXPECT_EQ(buffer.Sample("a", 1.3).status, InterpolationStatus::kInterpolated);
  Interpolated<Vec2> early = buffer.Sample("a", 1.05);  // before the oldest
  EXPECT_EQ(early.status, InterpolationStatus::kBeforeFirst);
  EXPECT_VEC(early.state, 0, 0);
}

TEST(Interpolator, ExtrapolatesOnlyUpToTheCap) {
  InterpolatorOptions options;
  options.render_delay = 0.1;
  options.max_extrapolation = 0.05;
  Interpolator<Vec2> buffer(options);
  buffer.AddSample("a", 1.0, {0, 0});
  buffer.AddSample("a", 1.1, {10, 0});
  Interpolated<Vec2> ahead = buffer.Sample("a", 1.23);  // 0.03 past the newest
  EXPECT_EQ(ahead.status, InterpolationStatus::kExtrapolated);
  EXPECT_VEC(ahead.state, 13, 0);
  for (double now : {1.26, 1.5, 100.0}) {  // never past 0.05 beyond the newest
    Interpolated<Vec2> held = buffer.Sample("a", now);
    EXPECT_EQ(held.status, InterpolationStatus::kHeld) << now;
    EXPECT_VEC(held.state, 15, 0);
  }
  options.max_extrapolation = 0;
  Interpolator<Vec2> never(options);
  never.AddSample("a", 1.0, {0, 0});
  never.AddSample("a", 1.1, {10, 0});
  EXPECT_EQ(never.Sample("a", 1.3).status, InterpolationStatus::kHeld);
  EXPECT_VEC(never.Sample("a", 1.3).state, 10, 0);
}

TEST(Interpolator, OrderingBoundsAndRemoval) {
  InterpolatorOptions options;
  options.max_samples = 3;
  options.render_delay = 0;
  Interpolator<Vec2> buffer(options);
  EXPECT_TRUE(buffer.AddSample("a", 1, {1, 0}));
  EXPECT_TRUE(buffer.AddSample("a", 2, {2, 0}));
  EXPECT_FALSE(buffer.AddSample("a", 1.5, {9, 9}));  // older than the newest: ignored
  EXPECT_TRUE(buffer.AddSample("a", 2, {3, 0}));     // same time: replaces
  EXPECT_VEC(buffer.Sample("a", 2).state, 3, 0);
  buffer.AddSample("a", 3, {4, 0});
  buffer.AddSample("a", 4, {5, 0});
  EXPECT_EQ(buffer.samples("a"), 3u);  // bounded: the oldest went
  EXPECT_EQ(buffer.Sample("a", 1.5).status, InterpolationStatus::kBeforeFirst);
  buffer.AddSample("b", 1, {0, 0});
  EXPECT_EQ(buffer.size(), 2u);
  EXPECT_TRUE(buffer.Remove("a"));
  EXPECT_FALSE(buffer.Remove("a"));
  EXPECT_FALSE(buffer.Sample("a", 3).visible());
  EXPECT_EQ(buffer.samples("a"), 0u);
}

// --- RollbackHistory --------------------------------------------------------------------------------

TEST(RollbackHistory, RecordsAndFindsWithinItsCapacity) {
  RollbackHistory<Vec2, Move> history(4);
  EXPECT_EQ(history.capacity(), 4u);
  EXPECT_FALSE(history.newest());
  EXPECT_FALSE(history.oldest());
  Vec2 state;
  for (std::int64_t frame = 0; frame < 6; ++frame) {
    history.Record(frame, state, Move{1, 0});
    state = Step(state, Move{1, 0});
  }
  EXPECT_EQ(history.newest(), 5);
  EXPECT_EQ(history.oldest(), 2);
  EXPECT_EQ(history.Find(1), nullptr);  // overwritten
  ASSERT_NE(history.Find(3), nullptr);
  EXPECT_VEC(history.Find(3)->state, 3, 0);
  EXPECT_EQ(history.Find(6), nullptr);
  EXPECT_EQ(history.Find(-1), nullptr);
}

TEST(RollbackHistory, RollbackResimulatesToTheNewestFrame) {
  RollbackHistory<Vec2, Move> history(8);
  Vec2 state;
  for (std::int64_t frame = 0; frame < 6; ++frame) {
    history.Record(frame, state, Move{1, 0});
    state = Step(state, Move{1, 0});
  }
  // The authoritative start of frame 3 was (2.5, 1), not (3, 0): resimulate 3, 4, 5.
  std::optional<Vec2> now = history.Rollback(3, Vec2{2.5, 1}, Step);
  ASSERT_TRUE(now);
  EXPECT_VEC(*now, 5.5, 1);
  EXPECT_VEC(history.Find(4)->state, 3.5, 1);  // rewritten on the way
  EXPECT_VEC(history.Find(2)->state, 2, 0);    // before the rollback: untouched
  // A late remote input for frame 4, then resimulate from its recorded start.
  EXPECT_TRUE(history.CorrectInput(4, Move{0, 5}));
  std::optional<Vec2> again = history.Resimulate(4, Step);
  ASSERT_TRUE(again);
  EXPECT_VEC(*again, 4.5, 6);
  EXPECT_FALSE(history.Rollback(9, Vec2{}, Step));   // a frame not recorded yet
  EXPECT_FALSE(history.CorrectInput(42, Move{}));
  EXPECT_FALSE(history.Resimulate(42, Step));
}

TEST(RollbackHistory, CannotRollBackPastWhatItHolds) {
  RollbackHistory<Vec2, Move> history(3);
  for (std::int64_t frame = 0; frame < 10; ++frame) history.Record(frame, Vec2{}, Move{});
  EXPECT_FALSE(history.Rollback(6, Vec2{}, Step));  // 6 was overwritten by 9
  EXPECT_TRUE(history.Rollback(7, Vec2{}, Step));
  // A hole (frames skipped) breaks the chain.
  RollbackHistory<Vec2, Move> gappy(8);
  gappy.Record(0, Vec2{}, Move{});
  gappy.Record(2, Vec2{}, Move{});
  EXPECT_FALSE(gappy.Rollback(0, Vec2{}, Step));
  EXPECT_EQ(gappy.oldest(), 2);
}

// --- Steady state: no heap allocation ----------------------------------------------------------------

TEST(SteadyState, PredictReconcileTickAllocateNothing) {
  PredictorOptions options;
  options.max_pending = 64;
  VecPredictor predictor = MakePredictor(options);
  for (int i = 0; i < 10; ++i) predictor.Predict({0.1, 0});  // warm up
  const std::size_t before = g_allocations;
  std::uint64_t acked = 0;
  for (int tick = 0; tick < 1000; ++tick) {
    predictor.Predict({0.1, 0.01});
    if (tick % 3 == 0) {
      acked = predictor.last_sequence() - 5;
      predictor.Reconcile(Vec2{static_cast<double>(tick) * 0.1, 0}, acked);
    }
    predictor.Tick(1.0 / 60);
    (void)predictor.Display();
  }
  const std::size_t allocated = g_allocations - before;
  EXPECT_EQ(allocated, 0u);
  EXPECT_EQ(predictor.pending_capacity(), 64u);
}

TEST(SteadyState, InterpolatorAllocatesNothingOnceEntitiesExist) {
  Interpolator<Vec2> buffer;
  const std::string names[] = {"a", "b", "c"};
  for (const std::string& name : names) buffer.AddSample(name, 0, Vec2{});
  const std::size_t before = g_allocations;
  double now = 0;
  for (int tick = 1; tick < 1000; ++tick) {
    now = tick * 0.05;
    for (const std::string& name : names) {
      buffer.AddSample(name, now, Vec2{now, 0});
      (void)buffer.Sample(name, now + 0.02);
    }
  }
  const std::size_t allocated = g_allocations - before;
  EXPECT_EQ(allocated, 0u);
  EXPECT_EQ(buffer.samples("a"), buffer.options().max_samples);
}

TEST(SteadyState, RollbackRingAllocatesNothingAndKeepsItsCapacity) {
  RollbackHistory<Vec2, Move> history(32);
  const std::size_t before = g_allocations;
  Vec2 state;
  for (std::int64_t frame = 0; frame < 5000; ++frame) {
    history.Record(frame, state, Move{0.5, 0});
    state = Step(state, Move{0.5, 0});
    if (frame % 10 == 9) {
      std::optional<Vec2> redone = history.Rollback(frame - 8, history.Find(frame - 8)->state, Step);
      ASSERT_TRUE(redone);
      state = *redone;
    }
  }
  const std::size_t allocated = g_allocations - before;
  EXPECT_EQ(allocated, 0u);
  EXPECT_EQ(history.capacity(), 32u);
  EXPECT_VEC(state, 2500, 0);
}

TEST(SteadyState, TheCountingHookSeesAllocations) {
  const std::size_t before = g_allocations;
  std::vector<int>* heap = new std::vector<int>(100);
  delete heap;
  EXPECT_GE(g_allocations - before, 2u);  // the hook is live, so the zeros above mean something
}

}  // namespace
}  // namespace rtnet
