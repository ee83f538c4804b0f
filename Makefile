# The two set-up commands: `make run` and `make test`. Both create the venv and install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run demo test check codegen unit cpp ue-check ue-check-if-available bench soak chaos fuzz system-deps js-deps \
	admin admin-deps screenshots clean

$(STAMP): pyproject.toml setup.py Tools/realtimenet/native/speedups.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Start the gateway on 127.0.0.1:8765 with embedded defaults; prints a dev token and connect examples.
## `make run HOST=192.168.1.20 PORT=9000` binds elsewhere (off loopback it needs a secret of your own).
run: $(STAMP)
	$(BIN)/rtnet serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

## A gateway and twenty bots moving in room arena-1: watch them at http://127.0.0.1:8765/admin (Ctrl-C stops).
demo: $(STAMP)
	$(BIN)/rtnet demo

## Install everything, check generated files, lint, type-check and run the whole suite.
test: $(STAMP) system-deps js-deps admin-deps check ue-check-if-available unit cpp

system-deps:
	./scripts/install-system-deps.sh

# The docs' browser examples run in Node with the ws package (tests/test_docs_examples.py).
js-deps:
	npm ci --prefix tests/js --no-audit --no-fund --silent

check: $(STAMP) admin-deps
	$(BIN)/rtnet codegen --check
	node admin/build.mjs --check
	$(BIN)/ruff check Tools tests bench scripts Plugins/RealtimeNet/tools Plugins/RealtimeNet/Content/Python PythonScripts
	$(BIN)/mypy
	$(BIN)/rtnet ue lint

unit: $(STAMP)
	$(BIN)/pytest -q

## The Unreal layer compiled against real engine headers (clang 19, UnrealHeaderTool emulated, no link):
## needs an engine source, from RTNET_UE_SOURCE or extracted once before (DEVELOPERS.md).
ue-check: $(STAMP)
	$(BIN)/rtnet ue compile-check

# In `make test`: the same when an engine source is available, else one line saying it was skipped.
ue-check-if-available: $(STAMP)
	$(BIN)/rtnet ue compile-check --skip-without-engine

# RealtimeNetCore (C++17): g++, clang++ and g++ with ASan+UBSan, clang++-19 in C++20 on libc++, each with
# warnings as errors; then 10 s of fuzzing the decoders (scripts/cpp-test.sh says how).
cpp:
	./scripts/cpp-test.sh

codegen: $(STAMP)
	$(BIN)/rtnet codegen

# The admin console (/admin): Preact and uPlot bundled by esbuild into Tools/realtimenet/gateway/admin_static/,
# which is committed (the gateway serves it; `make run` needs no Node) and checked fresh by `make check`.
admin-deps:
	npm ci --prefix admin --no-audit --no-fund --silent

admin: admin-deps
	node admin/build.mjs

## Retake the admin console screenshots the docs show (docs/images/): the browser tests take them.
screenshots: $(STAMP) system-deps
	$(BIN)/pytest -q tests/test_admin_console.py
	cp build/screenshots/admin-console*.png docs/images/

## Benchmarks (not part of `make test`): figures go to docs/performance.md.
bench: $(STAMP)
	npm ci --prefix bench --no-audit --no-fund --silent
	$(BIN)/python bench/gateway_bench.py
	$(BIN)/python bench/state_bench.py
	$(BIN)/python bench/room_bench.py
	$(BIN)/python bench/entity_bench.py
	$(BIN)/python bench/api_bench.py
	$(BIN)/python bench/front_door_bench.py
	./scripts/cpp-bench.sh
	$(BIN)/python bench/game_bench.py  # last: it ends with the headline (players per core at 20 Hz)

## Reliability runs (not part of `make test`; docs/reliability.md records their figures and flags).
## `make soak SOAK_ARGS="--connections 500 --minutes 1"` for a short one.
soak: $(STAMP)
	$(BIN)/python bench/soak.py $(SOAK_ARGS)

chaos: $(STAMP)
	$(BIN)/python bench/chaos.py $(CHAOS_ARGS)

## The C++ decoders (libFuzzer, 10 million executions), the gateway's message path (atheris) and its raw
## frames (hypothesis); RTNET_FUZZ_RUNS, RTNET_PY_FUZZ_RUNS, RTNET_FUZZ_TARGETS=... change what runs.
fuzz: $(STAMP)
	./scripts/fuzz.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache bench/node_modules tests/js/node_modules admin/node_modules
