// Google Benchmark micro-benchmarks of RealtimeNetCore's per-tick work (scripts/cpp-bench.sh runs them
// and prints the ratios; figures in docs/performance.md, "RealtimeNetCore (C++) micro-benchmarks").
// Documents come from protocol/vectors/entities.json, case "sixty entities moving": 60 entities with
// x, y (step 0.01) and rot (step 1), all moving in one tick; `patch` is the equivalent merge patch.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "JsonAdapter.h"
#include "rtnet/Entities.h"
#include "rtnet/MergePatch.h"
#include "rtnet/Prediction.h"
#include "rtnet/StateStore.h"

namespace rtnet {
namespace {

struct Sixty {
  Value document, patch, entities, expected, next_patch, coalesced, schema_description;
  EntitySchema schema;
  std::string delta_text, entities_text;

  Sixty() {
    std::optional<Value> vectors =
        standalone::ReadJsonFile(std::string(RTNET_REPO_ROOT) + "/protocol/vectors/entities.json");
    if (!vectors) Fail("cannot read protocol/vectors/entities.json");
    for (const Value& c : *vectors->Find("cases")->AsArray()) {
      if (*c.Find("name")->AsString() != "sixty entities moving") continue;
      document = *c.Find("document");
      patch = *c.Find("patch");
      entities = *c.Find("entities");
      expected = *c.Find("expected");
      schema_description = *c.Find("schema");
    }
    if (!document.IsObject() || !schema.Load(schema_description)) Fail("no \"sixty entities moving\" case");
    // The next tick moves every entity by the same amount again: p2 = 2 * p1 - document.
    next_patch = patch;
    for (const Member& collection : *patch.AsObject()) {
      for (const Member& entity : *collection.value.AsObject()) {
        Value moved = entity.value;
        for (const Member& field : *entity.value.AsObject()) {
          const double before = *document.Find(collection.name)->Find(entity.name)->Find(field.name)->AsNumber();
          moved.Set(field.name, 2 * *field.value.AsNumber() - before);
        }
        next_patch.Find(collection.name)->Set(entity.name, moved);
      }
    }
    std::optional<Value> composed = Compose(patch, next_patch);
    if (!composed) Fail("the two tick patches do not compose");
    coalesced = *composed;
    if (!(MergePatch(document, patch) == expected)) Fail("merge patch does not give the expected document");
    if (!(ApplyEntities(document, schema, entities).document == expected)) Fail("entities do not decode");
    delta_text = standalone::ToJson(Value::MakeObject(
        {{"room", "r"}, {"from", 1}, {"to", 2}, {"patch", patch}}));
    entities_text = standalone::ToJson(Value::MakeObject(
        {{"room", "r"}, {"from", 1}, {"to", 2}, {"entities", entities}}));
  }
  static void Fail(const char* why) {
    std::fprintf(stderr, "rtnet-bench: %s\n", why);
    std::exit(1);
  }
};

const Sixty& Data() {
  static const Sixty data;
  return data;
}

// --- delta apply, compose, entities decode ----------------------------------------------------------

// Baseline of the entity decode: the equivalent merge patch applied to the same document.
void BM_MergePatch_TickPatch(benchmark::State& state) {
  const Sixty& d = Data();
  for (auto _ : state) benchmark::DoNotOptimize(MergePatch(d.document, d.patch));
}
BENCHMARK(BM_MergePatch_TickPatch);

// Two ticks coalesced into one patch (what the outbound queue / a late joiner's catch-up delivers).
void BM_MergePatch_CoalescedPatch(benchmark::State& state) {
  const Sixty& d = Data();
  for (auto _ : state) benchmark::DoNotOptimize(MergePatch(d.document, d.coalesced));
}
BENCHMARK(BM_MergePatch_CoalescedPatch);

// Baseline of Compose: applying both patches in turn (what Compose saves a lagging client).
void BM_MergePatch_TwoPatchesInTurn(benchmark::State& state) {
  const Sixty& d = Data();
  for (auto _ : state) benchmark::DoNotOptimize(MergePatch(MergePatch(d.document, d.patch), d.next_patch));
}
BENCHMARK(BM_MergePatch_TwoPatchesInTurn);

void BM_Compose_TwoTickPatches(benchmark::State& state) {
  const Sixty& d = Data();
  for (auto _ : state) benchmark::DoNotOptimize(Compose(d.patch, d.next_patch));
}
BENCHMARK(BM_Compose_TwoTickPatches);

void BM_ApplyEntities_Sixty(benchmark::State& state) {
  const Sixty& d = Data();
  for (auto _ : state) benchmark::DoNotOptimize(ApplyEntities(d.document, d.schema, d.entities));
}
BENCHMARK(BM_ApplyEntities_Sixty);

// Through the StateStore, from JSON text (parse + adapter + version rules + apply + history):
// what one received state message costs end to end, delta vs entities.
template <bool kEntities>
void StoreFromText(benchmark::State& state) {
  const Sixty& d = Data();
  Value joined = Value::MakeObject({{"room", "r"}, {"state_version", 1}, {"state", d.document}});
  if (kEntities) joined.Set("entities", d.schema_description);
  const std::string& text = kEntities ? d.entities_text : d.delta_text;
  for (auto _ : state) {
    state.PauseTiming();
    StateStore store;
    store.OnJoined(joined);
    state.ResumeTiming();
    std::optional<Value> params = standalone::ParseJson(text);
    StateResult result = kEntities ? store.OnEntities(*params) : store.OnDelta(*params);
    if (!result.applied()) state.SkipWithError("not applied");
    benchmark::DoNotOptimize(result);
    state.PauseTiming();
    {
      StateStore discard = std::move(store);  // destruction outside the timing
    }
    state.ResumeTiming();
  }
}
void BM_StateStore_DeltaFromText(benchmark::State& state) { StoreFromText<false>(state); }
void BM_StateStore_EntitiesFromText(benchmark::State& state) { StoreFromText<true>(state); }
BENCHMARK(BM_StateStore_DeltaFromText);
BENCHMARK(BM_StateStore_EntitiesFromText);

// --- prediction, reconciliation, interpolation -------------------------------------------------------

struct Vec3 {
  double x = 0, y = 0, z = 0;
  Vec3 operator+(const Vec3& o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec3 operator-(const Vec3& o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec3 operator*(double k) const { return {x * k, y * k, z * k}; }
};
struct Input {
  double dx = 0, dy = 0, dt = 1.0 / 60;
};
Vec3 Step(const Vec3& s, const Input& in) {
  Vec3 next{s.x + in.dx * in.dt * 5, s.y + in.dy * in.dt * 5, s.z};
  if (next.x > 100) next.x = 100;  // a bit of game logic: clamp to the arena
  if (next.y > 100) next.y = 100;
  return next;
}
double Distance(const Vec3& a, const Vec3& b) {
  const Vec3 d = a - b;
  return std::sqrt(d.x * d.x + d.y * d.y + d.z * d.z);
}
constexpr int kEntities = 64;
constexpr int kReplayed = 8;

// One client tick for 64 predicted entities: each predicts one input, then reconciles with a server
// state acknowledging all but the last 8 inputs (8 replayed frames each), smoothing the error.
void BM_Reconcile_64Entities_8Replayed(benchmark::State& state) {
  std::vector<Predictor<Vec3, Input>> predictors;
  predictors.reserve(kEntities);
  for (int i = 0; i < kEntities; ++i) {
    predictors.emplace_back(Vec3{double(i), 0, 0}, Step, PredictorOptions{}, Distance);
    for (int f = 0; f < kReplayed; ++f) predictors.back().Predict(Input{1, 0.5});
  }
  std::uint64_t tick = 0;
  for (auto _ : state) {
    ++tick;
    for (auto& p : predictors) {
      p.Predict(Input{(tick % 3) * 0.5, 1});
      const std::uint64_t ack = p.last_sequence() - kReplayed;
      // The server's state differs slightly from ours: a real correction.
      Reconciliation r = p.Reconcile(p.predicted() + Vec3{0.01, -0.01, 0}, ack);
      benchmark::DoNotOptimize(r);
    }
  }
  state.counters["replays_per_tick"] = kEntities * kReplayed;
}
BENCHMARK(BM_Reconcile_64Entities_8Replayed);

// Baseline: the 64 x 8 step calls a reconcile replays, and nothing else.
void BM_BareSteps_64x8(benchmark::State& state) {
  std::vector<Vec3> states(kEntities);
  const Input in{1, 0.5};
  for (auto _ : state) {
    for (auto& s : states) {
      Vec3 v = s;
      for (int f = 0; f < kReplayed; ++f) {
        benchmark::DoNotOptimize(v);
        v = Step(v, in);
      }
      s = v;
    }
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_BareSteps_64x8);

// 64 remote entities, 32 samples each at 20 Hz, sampled at one render time (per frame).
void BM_Interpolator_Sample64(benchmark::State& state) {
  Interpolator<Vec3> interpolator;
  std::vector<std::string> names;
  for (int i = 0; i < kEntities; ++i) names.push_back("player-" + std::to_string(i));
  for (int k = 0; k < 32; ++k) {
    for (int i = 0; i < kEntities; ++i) interpolator.AddSample(names[i], k * 0.05, Vec3{double(i + k), double(k), 0});
  }
  double now = 1.55 - 0.1;  // render time inside the buffer
  for (auto _ : state) {
    now += 1e-6;
    if (now > 1.6) now = 1.45;
    for (const std::string& name : names) benchmark::DoNotOptimize(interpolator.Sample(name, now));
  }
  state.SetItemsProcessed(state.iterations() * kEntities);
}
BENCHMARK(BM_Interpolator_Sample64);

}  // namespace
}  // namespace rtnet

BENCHMARK_MAIN();
