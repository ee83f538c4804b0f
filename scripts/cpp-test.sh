#!/usr/bin/env bash
# Builds RealtimeNetCore and runs its GoogleTest suites (ctest) in three configurations:
#   cpp-gcc    g++, optimised (RelWithDebInfo)
#   cpp-clang  clang++, optimised
#   cpp-asan   g++ with AddressSanitizer + UndefinedBehaviorSanitizer, any finding fatal (g++ because
#              its runtimes come with it; clang++ would also need libclang-rt-14-dev)
# Build trees live in build/cpp-<name> (build/ is gitignored). Exits non-zero on any failure.
# RTNET_CPP_CONFIGS="gcc asan" runs a subset. Needs cmake, g++, clang++, libgtest-dev and
# nlohmann-json3-dev (scripts/install-system-deps.sh installs them as root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SOURCE="$ROOT/Plugins/RealtimeNet"
CONFIGS=(${RTNET_CPP_CONFIGS:-gcc clang asan})
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
    clang) args+=(-DCMAKE_CXX_COMPILER=clang++) ;;
    asan) args+=(-DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1"
                 -DRTNET_SANITIZE=ON) ;;
    *) echo "cpp-test: unknown configuration $name" >&2; return 1 ;;
  esac
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

status=0
for config in "${CONFIGS[@]}"; do
  run_config "$config" || status=1
done
exit $status
