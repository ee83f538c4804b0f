#!/usr/bin/env bash
# Installs the Debian packages the test suite and the later services use, idempotently.
# As root on Debian: installs what is missing. Elsewhere: lists what is missing and carries on.
set -euo pipefail

PACKAGES=(redis-server nats-server haproxy prometheus)
# RealtimeNetCore's standalone C++ build and tests (scripts/cpp-test.sh).
PACKAGES+=(cmake ninja-build g++ clang libgtest-dev nlohmann-json3-dev)
# Its fuzz run (clang's libFuzzer + sanitizer runtimes) and micro-benchmarks (scripts/cpp-bench.sh).
PACKAGES+=(libclang-rt-14-dev libbenchmark-dev)
# rtnet-headless, the standalone client over a real socket (Boost.Beast and Boost.Asio, header-only).
PACKAGES+=(libboost-dev)
# The admin console's browser tests: Debian's chromium, driven by Playwright (tests/test_admin_console.py).
PACKAGES+=(chromium)
# The server API benchmark's load generator (bench/api_bench.py, `make bench` only).
PACKAGES+=(wrk)
# `rtnet ue compile-check` (make ue-check): clang 19 against Debian's libc++ 19 and GSL headers (the engine
# mirror has neither: they are files without an extension), and libclang 19 for its AST checks.
PACKAGES+=(clang-19 libc++-19-dev libc++abi-19-dev libmsgsl-dev libclang1-19)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# Node.js (docs examples, benchmarks) may come from elsewhere than Debian: only its absence counts.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packages' own services are not used: tests start their own on free loopback ports.
  for svc in haproxy prometheus; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
      systemctl stop "$svc" || true
    fi
  done
else
  echo "warning: missing Debian packages (install them as root): ${missing[*]}" >&2
fi
