#!/usr/bin/env bash
# `make fuzz` (not part of `make test`): the long fuzz runs whose figures docs/reliability.md records.
#   cpp     rtnet-fuzz-decode, everything the C++ client core decodes from the wire (libFuzzer + ASan + UBSan,
#           built and run by scripts/cpp-test.sh) for RTNET_FUZZ_RUNS executions (default 10,000,000) or
#           RTNET_FUZZ_SECONDS (default 7200), whichever comes first; new inputs go to build/cpp-fuzz/corpus
#   py      tests/gateway_fuzz.py under atheris: the gateway's message path (text check, JSON-RPC envelopes,
#           the sans-I/O Connection of a real node) for RTNET_PY_FUZZ_RUNS (default 200,000) or
#           RTNET_PY_FUZZ_SECONDS (default 1800); new inputs go to build/py-fuzz/corpus
#   frames  the hypothesis searches of tests/test_gateway_fuzz.py: random RFC 6455 frame sequences against a
#           live in-process gateway, and the native frame scan against the Python checks, with
#           RTNET_FUZZ_EXAMPLES examples each (default 5,000)
# RTNET_FUZZ_TARGETS="cpp py frames" picks some. A finding fails the run and is left as build/<target>-fuzz/
# crash-* (replay: the binary or `python tests/gateway_fuzz.py <file>`). Each target prints one summary line
# and the whole run is written to bench/results/fuzz-<date>.json.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
TARGETS=(${RTNET_FUZZ_TARGETS:-cpp py frames})
RESULTS="$ROOT/bench/results/fuzz-$(date -u +%F).json"
SUMMARY="$(mktemp)"
trap 'rm -f "$SUMMARY"' EXIT
status=0

record() {  # target, exit status, seconds, log file: one JSON line for the results file
  "$PY" - "$@" >>"$SUMMARY" <<'EOF'
import json, re, sys
target, code, seconds, log = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
text = open(log, errors="replace").read()
def stat(name):
    found = re.findall(rf"stat::{name}:\s*(\d+)", text)
    return int(found[-1]) if found else None
entry = {"target": target, "exit_status": code, "seconds": seconds, "executions": stat("number_of_executed_units"),
         "exec_per_sec": stat("average_exec_per_sec"), "new_units": stat("new_units_added"),
         "peak_rss_mb": stat("peak_rss_mb"), "findings": re.findall(r"(?:crash|leak|timeout|oom)-[0-9a-f]+", text)}
examples = re.findall(r"FRAMES_FUZZ (\{.*\})", text)
if examples:
    entry.update(json.loads(examples[-1]))
print(json.dumps(entry))
print(f"fuzz {target}: {json.dumps(entry)}", file=sys.stderr)
EOF
}

for target in "${TARGETS[@]}"; do
  started=$SECONDS
  case "$target" in
    cpp)
      log="$ROOT/build/cpp-fuzz.run.log"
      code=0
      RTNET_CPP_CONFIGS=fuzz RTNET_FUZZ_RUNS="${RTNET_FUZZ_RUNS:-10000000}" \
        RTNET_FUZZ_SECONDS="${RTNET_FUZZ_SECONDS:-7200}" "$ROOT/scripts/cpp-test.sh" || code=$? ;;
    py)
      dir="$ROOT/build/py-fuzz"
      log="$ROOT/build/py-fuzz.run.log"
      mkdir -p "$dir/corpus"
      code=0
      "$PY" "$ROOT/tests/gateway_fuzz.py" -runs="${RTNET_PY_FUZZ_RUNS:-200000}" \
        -max_total_time="${RTNET_PY_FUZZ_SECONDS:-1800}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$dir/" -dict="$ROOT/tests/fuzz_corpus/gateway.dict" \
        "$dir/corpus" "$ROOT/tests/fuzz_corpus/gateway" >"$log" 2>&1 || code=$?
      [ $code -eq 0 ] || tail -n 40 "$log" >&2 ;;
    frames)
      log="$ROOT/build/frames-fuzz.run.log"
      mkdir -p "$ROOT/build"
      code=0
      RTNET_FUZZ_EXAMPLES="${RTNET_FUZZ_EXAMPLES:-5000}" "$PY" -m pytest -q -s -p no:cacheprovider \
        --timeout=0 "$ROOT/tests/test_gateway_fuzz.py" -k "raw_frames or native_scan" >"$log" 2>&1 || code=$?
      [ $code -eq 0 ] || tail -n 40 "$log" >&2 ;;
    *) echo "fuzz: unknown target $target" >&2; exit 2 ;;
  esac
  record "$target" "$code" $((SECONDS - started)) "$log"
  [ $code -eq 0 ] || status=1
done

mkdir -p "$(dirname "$RESULTS")"
"$PY" - "$SUMMARY" "$RESULTS" "$ROOT" <<'EOF'
import json, os, platform, subprocess, sys
summary, results, root = sys.argv[1:4]
commit = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
runs = [{**json.loads(line), "commit": commit} for line in open(summary) if line.strip()]
previous = json.load(open(results)) if os.path.exists(results) else {"runs": []}
report = {"machine": {"cores": os.cpu_count(), "kernel": platform.release()}, "runs": previous["runs"] + runs}
open(results, "w").write(json.dumps(report, indent=2) + "\n")
print(f"wrote {os.path.relpath(results, root)}")
EOF
exit $status
