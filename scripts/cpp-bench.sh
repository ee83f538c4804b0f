#!/usr/bin/env bash
# Builds RealtimeNetCore's Google Benchmark micro-benchmarks (rtnet-bench, RTNET_BENCH=ON) in a Release
# tree, build/cpp-bench, runs them (about 40 s) and prints the ratios to their baselines. The figures
# are in docs/performance.md, "RealtimeNetCore (C++) micro-benchmarks".
#   scripts/cpp-bench.sh [extra --benchmark_* flags]      CXX=clang++ to use another compiler
# Needs cmake, a C++17 compiler, nlohmann-json3-dev and libbenchmark-dev (scripts/install-system-deps.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/build/cpp-bench"
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)

cmake -S "$ROOT/Plugins/RealtimeNet" -B "$DIR" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="${CXX:-g++}" -DRTNET_BENCH=ON -DBUILD_TESTING=OFF >"$DIR.configure.log" 2>&1 \
  || { cat "$DIR.configure.log" >&2; exit 1; }
cmake --build "$DIR" --target rtnet-bench --parallel "$(nproc 2>/dev/null || echo 2)" >"$DIR.build.log" 2>&1 \
  || { tail -n 60 "$DIR.build.log" >&2; exit 1; }

# 0.5 s per benchmark x 5 repetitions: about 40 s in all; the medians are reported.
"$DIR/rtnet-bench" --benchmark_min_time=0.5 --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_out="$DIR/results.json" --benchmark_out_format=json "$@"

python3 - "$DIR/results.json" <<'PY'
import json, sys
rows = {b["run_name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"] if b.get("aggregate_name") == "median"}
ns = {name.removeprefix("BM_"): b["real_time"] * {"ns": 1, "us": 1e3, "ms": 1e6}[b["time_unit"]] for name, b in rows.items()}
def ratio(label, a, b):
    if a in ns and b in ns:
        print(f"  {label:<58} {ns[a] / ns[b]:6.2f}x  ({ns[a] / 1e3:8.2f} us / {ns[b] / 1e3:8.2f} us)")
print("\nratios (medians):")
ratio("ApplyEntities vs the equivalent merge patch", "ApplyEntities_Sixty", "MergePatch_TickPatch")
ratio("StateStore entities vs delta, from JSON text", "StateStore_EntitiesFromText", "StateStore_DeltaFromText")
ratio("coalesced patch vs one tick's patch", "MergePatch_CoalescedPatch", "MergePatch_TickPatch")
ratio("Compose(p1, p2) vs applying p1 then p2", "Compose_TwoTickPatches", "MergePatch_TwoPatchesInTurn")
ratio("reconcile 64 x 8 replayed vs the bare 512 steps", "Reconcile_64Entities_8Replayed", "BareSteps_64x8")
if "Reconcile_64Entities_8Replayed" in ns:
    us = ns["Reconcile_64Entities_8Replayed"] / 1e3
    print(f"  reconcile goal (< 50 us per tick of 64 entities, 8 replayed): {us:.2f} us -> {'met' if us < 50 else 'NOT met'}")
if "Interpolator_Sample64" in ns:
    print(f"  interpolator: {ns['Interpolator_Sample64'] / 64:.1f} ns per entity sample")
PY
