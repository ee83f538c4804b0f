#!/usr/bin/env bash
# Builds RealtimeNetCore and runs its GoogleTest suites (ctest) in three configurations:
#   cpp-gcc    g++, optimised (RelWithDebInfo)
#   cpp-clang  clang++, optimised, the core as a shared library with hidden symbols (as Unreal's editor
#              builds it: a class or function missing RTNET_API fails the link)
#   cpp-cxx20  clang++-19 in C++20 against libc++ 19, as Unreal 5.3+ compiles modules on Linux (clang rejects
#              in C++20 what C++17 accepts, e.g. a constructor defined while a member's type is incomplete);
#              GoogleTest is built from libgtest-dev's sources for libc++
#   cpp-asan   g++ with AddressSanitizer + UndefinedBehaviorSanitizer, any finding fatal (g++ because
#              its runtimes come with it; clang++ would also need libclang-rt-14-dev)
#   cpp-fuzz   rtnet-fuzz-decode (clang++ libFuzzer + ASan + UBSan; a seeded standalone driver when the
#              fuzzer runtime, libclang-rt-14-dev, is missing) for RTNET_FUZZ_SECONDS (10) from the seed
#              corpus Plugins/RealtimeNet/fuzz/corpus/ (new inputs go to build/cpp-fuzz/corpus, not the repo),
#              or until RTNET_FUZZ_RUNS executions when that is set (`make fuzz`: scripts/fuzz.sh)
# Build trees live in build/cpp-<name> (build/ is gitignored). Exits non-zero on any failure.
# RTNET_CPP_CONFIGS="gcc asan" runs a subset. Needs cmake, g++, clang++, libgtest-dev and
# nlohmann-json3-dev (scripts/install-system-deps.sh installs them as root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SOURCE="$ROOT/Plugins/RealtimeNet"
CONFIGS=(${RTNET_CPP_CONFIGS:-gcc clang cxx20 asan fuzz})
JOBS="$(nproc 2>/dev/null || echo 2)"
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)

for tool in cmake g++ clang++; do
  command -v "$tool" >/dev/null || { echo "cpp-test: $tool is missing (scripts/install-system-deps.sh)" >&2; exit 1; }
done

run_config() {
  local name="$1" dir="$ROOT/build/cpp-$1"
  local args=(-S "$SOURCE" -B "$dir" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo)
  case "$name" in
    gcc) args+=(-DCMAKE_CXX_COMPILER=g++) ;;
    clang) args+=(-DCMAKE_CXX_COMPILER=clang++ -DRTNET_SHARED_HIDDEN=ON) ;;
    cxx20) command -v clang++-19 >/dev/null || { echo "cpp-test: clang++-19 is missing (scripts/install-system-deps.sh)" >&2; return 1; }
           args+=(-DCMAKE_CXX_COMPILER=clang++-19 -DCMAKE_CXX_STANDARD=20 -DCMAKE_CXX_FLAGS=-stdlib=libc++
                  -DRTNET_GTEST_FROM_SOURCE=ON -DRTNET_HEADLESS=OFF) ;;
    asan) args+=(-DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1"
                 -DRTNET_SANITIZE=ON) ;;
    fuzz) # clang++ when its fuzzer and sanitizer runtimes link, else g++ with the standalone driver.
          local cxx=g++
          mkdir -p "$ROOT/build"  # the probe's output goes there (a fresh clone has no build/ yet)
          echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
            clang++ -x c++ -fsanitize=fuzzer,address,undefined - -o "$ROOT/build/.rtnet-fuzz-probe" >/dev/null 2>&1 &&
            cxx=clang++
          rm -f "$ROOT/build/.rtnet-fuzz-probe"
          args+=(-DCMAKE_CXX_COMPILER=$cxx -DRTNET_FUZZ=ON -DBUILD_TESTING=OFF) ;;
    *) echo "cpp-test: unknown configuration $name" >&2; return 1 ;;
  esac
  [ "$name" = fuzz ] && { run_fuzz "$dir" "${args[@]}" || { echo "cpp-test: fuzz FAILED" >&2; return 1; }; return 0; }
  local started=$SECONDS
  mkdir -p "$dir"
  # One build per tree at a time: a second `make test` running concurrently waits instead of
  # corrupting the tree; different trees build side by side.
  (
    command -v flock >/dev/null && { exec 9>"$dir.lock"; flock 9; }
    cmake "${args[@]}" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log" >&2; exit 1; }
    cmake --build "$dir" --parallel "$JOBS" >"$dir.build.log" 2>&1 || { tail -n 60 "$dir.build.log" >&2; exit 1; }
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest --test-dir "$dir" --output-on-failure --parallel "$JOBS" --timeout 120
  ) || { echo "cpp-test: $name FAILED" >&2; return 1; }
  echo "cpp-test: $name passed in $((SECONDS - started)) s"
}

# Builds rtnet-fuzz-decode and runs it briefly; any crash, leak or UBSan report fails (the input is
# saved as build/cpp-fuzz/crash-*). The long run: Plugins/RealtimeNet/README.md.
run_fuzz() {
  local dir="$1" started=$SECONDS seconds="${RTNET_FUZZ_SECONDS:-10}"
  shift
  mkdir -p "$dir/corpus"
  (
    command -v flock >/dev/null && { exec 9>"$dir.lock"; flock 9; }
    cmake "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log" >&2; exit 1; }
    cmake --build "$dir" --target rtnet-fuzz-decode --parallel "$JOBS" >"$dir.build.log" 2>&1 \
      || { tail -n 60 "$dir.build.log" >&2; exit 1; }
    local engine=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
                  -artifact_prefix="$dir/" ${RTNET_FUZZ_RUNS:+-runs="$RTNET_FUZZ_RUNS"} "$dir/corpus")
    grep -q 'RTNET_HAVE_LIBFUZZER:INTERNAL=1' "$dir/CMakeCache.txt" ||
      engine=(-runs="${RTNET_FUZZ_RUNS:-$((seconds * 2000))}" -seed=1)
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$dir/rtnet-fuzz-decode" "${engine[@]}" "$SOURCE/fuzz/corpus" >"$dir.run.log" 2>&1 \
      || { tail -n 60 "$dir.run.log" >&2; exit 1; }
    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added)|^rtnet-fuzz-decode' \
      "$dir.run.log" | tr -s ' \n' ' '
    echo
  ) || return 1
  echo "cpp-test: fuzz passed in $((SECONDS - started)) s"
}

status=0
for config in "${CONFIGS[@]}"; do
  run_config "$config" || status=1
done
exit $status
