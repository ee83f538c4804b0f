"""Observability: the alert rules (promtool), the Grafana dashboards, docs/metrics.md, and every panel's PromQL
evaluated by a real Prometheus scraping a real gateway under load; a scrape during overload still answers."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from prometheus_client.metrics import MetricWrapperBase

from realtimenet.client import Client, RemoteError
from realtimenet.config import DEV_API_KEY
from realtimenet.exceptions import ApiRefused, ConnectFailed
from realtimenet.gateway.metrics import Metrics
from realtimenet.protocol.codes import ErrorCode
from realtimenet.server import ServerClient
from tests.conftest import GatewayProcess, eventually, http_get, metric_value
from tests.prometheus_service import Prometheus, require_binary, scrape_config
from tests.services import Service, redis_server

Factory = Callable[..., GatewayProcess]

ROOT = Path(__file__).resolve().parent.parent
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = GRAFANA / "dashboards"
PROMETHEUS = ROOT / "deploy" / "prometheus"
ALERTS = PROMETHEUS / "alerts.yml"
METRICS_DOC = ROOT / "docs" / "metrics.md"
JOB = "realtimenet"
ROOM = "obs-arena"

# Panels each dashboard must keep (titles); more are welcome.
EXPECTED_PANELS: dict[str, set[str]] = {
    "overview": {"Open connections", "Players", "Draining nodes", "Backends down", "Connects and disconnects",
                 "Frames per second", "Bandwidth", "Errors per second", "Handler error ratio",
                 "Event loop lag (p99, p50)", "Resident memory per process", "CPU per process",
                 "File descriptors used of the limit", "Uptime per process"},
    "connections": {"Open connections per node", "Devices by presence status", "Disconnects by close code",
                    "Dropped connections (1006, 4010)", "Upgrade refusals by reason", "Auth failures by reason",
                    "Slow-consumer disconnects (4009)", "Bytes buffered in send queues", "Fullest send queue"},
    "messages": {"Calls per second by method", "Request bytes by method", "Notifications per second by method",
                 "Notification bytes by method", "Async handler latency", "Handler errors (-32603) by method",
                 "Bad input by kind", "State rejections by reason", "State delta size"},
    "recovery": {"Resume outcomes", "Resume failure ratio", "Publications replayed", "Draining nodes",
                 "Dropped devices: resumed within the grace, or left"},
    "backends": {"Backend up", "Backend errors", "Bus publish latency", "Bus delivery lag"},
}
EXPECTED_ALERTS = {"RealtimenetTargetDown", "RealtimenetConnectionDropSpike", "RealtimenetHandlerErrors",
                   "RealtimenetBadInput", "RealtimenetSlowConsumers", "RealtimenetSendQueueBacklog",
                   "RealtimenetBackendDown", "RealtimenetDrainNotFinishing", "RealtimenetResumeFailures",
                   "RealtimenetEventLoopLag", "RealtimenetFileDescriptorsNearLimit"}
# Metrics added for the dashboards (issue 4): the test names the ones a live scrape lacks.
NEW_METRICS = ["realtimenet_draining", "realtimenet_send_queue_bytes", "realtimenet_send_queue_max_bytes",
               "realtimenet_presence_devices", "realtimenet_bus_publish_seconds",
               "realtimenet_bus_delivery_lag_seconds", "realtimenet_notifications_sent_total",
               "realtimenet_notification_bytes_sent_total", "realtimenet_received_bytes_by_method_total"]
# Grafana's built-in interval variables, as Grafana would fill them for a short range.
GRAFANA_INTERVALS = {"$__rate_interval": "15s", "${__rate_interval}": "15s", "$__interval": "15s",
                     "${__interval}": "15s", "$__range": "5m", "${__range}": "5m"}


# ----- helpers --------------------------------------------------------------------------------------------


def load_dashboards() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel that queries, including those inside collapsed rows."""
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def exposition_names() -> dict[str, str]:
    """Every metric the gateway exports, as named in the exposition format (counters with ``_total``) -> type."""
    names: dict[str, str] = {}
    for family in Metrics().registry.collect():
        suffix = "_total" if family.type == "counter" else ""
        names[family.name + suffix] = family.type
    return names


def series_names(name: str, kind: str) -> list[str]:
    """The series names a metric of ``kind`` produces in the exposition."""
    if kind == "histogram":
        return [f"{name}_bucket", f"{name}_sum", f"{name}_count"]
    return [name]


def substitute(expr: str, variables: dict[str, str]) -> str:
    for key, value in {**GRAFANA_INTERVALS, **variables}.items():
        expr = expr.replace(key, value)
    return expr


def dashboard_variables(instance: str) -> dict[str, str]:
    return {"${job}": JOB, "$job": JOB, "${instance}": instance, "$instance": instance}


def alert_names() -> set[str]:
    return set(re.findall(r"^\s*- alert:\s*(\S+)\s*$", ALERTS.read_text(), re.MULTILINE))


def run_promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_binary("promtool"), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)


def sample_lines(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines()
            if not line.startswith("#") and (line.startswith(name + " ") or line.startswith(name + "{"))]


# ----- static checks ----------------------------------------------------------------------------------------


def test_alert_rules_pass_promtool_checks_and_unit_tests() -> None:
    checked = run_promtool("check", "rules", str(ALERTS))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = run_promtool("test", "rules", str(PROMETHEUS / "alerts_test.yml"))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    config = run_promtool("check", "config", str(PROMETHEUS / "prometheus.yml"))
    assert config.returncode == 0, config.stdout + config.stderr
    assert alert_names() == EXPECTED_ALERTS
    unit_tests = (PROMETHEUS / "alerts_test.yml").read_text()
    tested_alerts = set(re.findall(r"alertname:\s*(\S+)", unit_tests))
    assert tested_alerts == EXPECTED_ALERTS, "every alert needs promtool unit tests"
    for name in EXPECTED_ALERTS:  # each alert has a case where it fires and one where it does not
        blocks = re.findall(rf"alertname: {name}\n\s+exp_alerts:(.*?)(?=\n\s+- eval_time|\n\s+# -----|\Z)",
                            unit_tests, re.DOTALL)
        assert any(b.strip().startswith("[]") for b in blocks), f"{name}: no not-firing case"
        assert any("exp_labels" in b for b in blocks), f"{name}: no firing case"


def test_dashboards_are_grafana_models_on_the_datasource_variable() -> None:
    dashboards = load_dashboards()
    assert set(dashboards) == set(EXPECTED_PANELS)
    uids = [d["uid"] for d in dashboards.values()]
    assert len(set(uids)) == len(uids)
    used: set[str] = set()
    for name, dashboard in dashboards.items():
        assert 36 <= dashboard["schemaVersion"] <= 41, name
        assert dashboard["title"].startswith("RealtimeNet / ") and "realtimenet" in dashboard["tags"]
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource"
        assert variables["datasource"]["query"] == "prometheus"
        for var in ("job", "instance"):
            assert variables[var]["type"] == "query"
            assert variables[var]["datasource"]["uid"] == "${datasource}"
        titles = [p["title"] for p in panels(dashboard)]
        assert len(titles) == len(set(titles)), f"{name}: duplicate panel titles"
        missing = EXPECTED_PANELS[name] - set(titles)
        assert not missing, f"{name}: missing panels {sorted(missing)}"
        ids = [p["id"] for p in dashboard["panels"]]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
        for panel in panels(dashboard):
            where = f"{name} / {panel['title']}"
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, where
            assert panel.get("description"), f"{where}: no description"
            assert {"h", "w", "x", "y"} <= set(panel["gridPos"]), where
            assert panel["targets"], f"{where}: no query"
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == "${datasource}", where
                expr = target["expr"]
                assert 'job=~"$job"' in expr and 'instance=~"$instance"' in expr, f"{where}: {expr}"
                if "rate(" in expr or "increase(" in expr:
                    assert "[$__rate_interval]" in expr or "[5m]" in expr, f"{where}: {expr}"
                if "_bucket" in expr:
                    assert "le" in expr and ("histogram_quantile" in expr or target.get("format") == "heatmap")
                used.update(re.findall(r"realtimenet_[a-z_]+", expr))
    exported = exposition_names()
    expected_series = {s for name, kind in exported.items() for s in series_names(name, kind)}
    unknown = used - expected_series
    assert not unknown, f"dashboards query metrics the gateway does not export: {sorted(unknown)}"
    unused = {name for name, kind in exported.items() if not set(series_names(name, kind)) & used}
    assert not unused, f"metrics no dashboard shows: {sorted(unused)}"


def test_grafana_provisioning_points_at_the_dashboards() -> None:
    provider = (GRAFANA / "provisioning" / "dashboards" / "realtimenet.yaml").read_text()
    assert re.search(r"^apiVersion: 1$", provider, re.MULTILINE)
    assert re.search(r"^\s+type: file$", provider, re.MULTILINE)
    assert re.search(r"^\s+path: /\S+$", provider, re.MULTILINE)
    datasource = (GRAFANA / "provisioning" / "datasources" / "prometheus.yaml").read_text()
    assert re.search(r"^\s+type: prometheus$", datasource, re.MULTILINE)
    assert re.search(r"^\s+url: http", datasource, re.MULTILINE)
    assert "\t" not in provider + datasource  # YAML forbids tabs in indentation


def test_metrics_doc_names_every_metric_label_and_alert() -> None:
    doc = METRICS_DOC.read_text()
    documented = set(re.findall(r"`(realtimenet_[a-z_]+)`", doc))
    exported = exposition_names()
    missing = set(exported) - documented
    assert not missing, f"docs/metrics.md does not document {sorted(missing)}"
    known = {s for name, kind in exported.items() for s in [name, *series_names(name, kind)]}
    stale = documented - known
    assert not stale, f"docs/metrics.md documents metrics the gateway does not export: {sorted(stale)}"
    for metric in vars(Metrics()).values():
        if isinstance(metric, MetricWrapperBase):
            for label in metric._labelnames:
                assert f"`{label}`" in doc, f"docs/metrics.md does not describe label {label}"
    for name in EXPECTED_ALERTS:
        assert name in doc, f"docs/metrics.md does not describe alert {name}"


# ----- a real Prometheus scraping a real gateway ------------------------------------------------------------


@pytest.fixture
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = redis_server(tmp_path_factory.mktemp("redis")).start()
    yield service
    service.stop()


@pytest.fixture
def prometheus_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[list[str]], Prometheus]]:
    started: list[Prometheus] = []

    def start(targets: list[str]) -> Prometheus:
        server = Prometheus(tmp_path_factory.mktemp("prometheus"), scrape_config(targets, [ALERTS], job=JOB))
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def _ready_status(gw: GatewayProcess) -> int:
    return http_get(gw.ops_url + "/readyz", timeout=2)[0]


def drive_load(gw: GatewayProcess, redis: Service) -> list[Client]:
    """What players and a few misbehaving clients do; returns the clients still connected."""
    alice, bob = gw.connect("alice"), gw.connect("bob")
    alice.call("room.join", {"room": ROOM})
    bob.call("room.join", {"room": ROOM})
    bob.call("presence.set", {"status": "away"})
    for i in range(5):
        alice.call("room.publish", {"room": ROOM, "data": {"n": i}})
    for _ in range(5):
        bob.wait_notification("room.event")
    alice.call("direct.send", {"to": "bob", "data": {"hi": 1}})
    alice.call("sys.ping", {"client_time": 0})
    alice.call("sys.echo", {"data": "x" * 100})
    assert alice.call("state.update", {"room": ROOM, "base_version": 0, "patch": {"hp": 10}})["version"] == 1
    with pytest.raises(RemoteError) as info:  # a version the room never had
        alice.call("state.update", {"room": ROOM, "base_version": 99, "patch": {"hp": 9}})
    assert info.value.code == ErrorCode.UNKNOWN_VERSION
    with pytest.raises(RemoteError) as info:  # the validator's bug: -32603
        alice.call("state.update", {"room": ROOM, "base_version": 1, "patch": {"crash": True}})
    assert info.value.code == ErrorCode.INTERNAL_ERROR
    with pytest.raises(RemoteError):  # not a member
        bob.call("room.publish", {"room": "obs-elsewhere", "data": 1})
    alice.call("state.get", {"room": ROOM})
    with ServerClient(f"http://127.0.0.1:{gw.port}/api", DEV_API_KEY) as api:  # the server API, and a refusal
        api.room_publish(room=ROOM, data={"from": "the backend"})
    with ServerClient(f"http://127.0.0.1:{gw.port}/api", "not-a-key") as stranger, pytest.raises(ApiRefused):
        stranger.node_info()
    bob.send_raw("{not json")  # a bad frame
    assert bob.unmatched.get(timeout=5).error is not None
    with pytest.raises(ConnectFailed):  # a refused token
        Client.connect(gw.url, "not-a-jwt")
    # A dropped connection (1006) resumes and gets what it missed; its used token is then refused.
    carol = gw.connect("carol")
    joined = carol.call("room.join", {"room": ROOM})
    token = carol.resume_token
    carol.abort()
    for i in range(3):
        alice.call("room.publish", {"room": ROOM, "data": {"missed": i}})
    again = gw.connect("carol")
    resumed = again.call("session.resume", {"resume_token": token, "streams": [
        {"stream": f"room:{ROOM}", "epoch": joined["epoch"], "offset": joined["offset"]}]})
    assert resumed["streams"][0]["recovered"] is True
    late = gw.connect("carol")
    with pytest.raises(RemoteError) as info:
        late.call("session.resume", {"resume_token": token, "streams": []})
    assert info.value.code == ErrorCode.RESUME_FAILED
    # The store goes away for a moment: backend_up drops, calls that need it fail with -32009.
    redis.stop()
    assert eventually(lambda: _ready_status(gw) == 503, 5)
    with pytest.raises(RemoteError) as info:
        alice.call("state.get", {"room": ROOM})
    assert info.value.code == ErrorCode.BACKEND_UNAVAILABLE
    redis.start()
    assert eventually(lambda: _ready_status(gw) == 200, 10)
    return [alice, bob, again, late]


def _missing_new_metrics(text: str) -> list[str]:
    problems = []
    for name in NEW_METRICS:
        probe = f"{name}_count" if name.endswith("_seconds") else name
        lines = sample_lines(text, probe)
        if not lines:
            problems.append(f"{name} (no sample in /metrics)")
        elif probe.endswith("_count") and all(float(line.rpartition(" ")[2]) == 0 for line in lines):
            problems.append(f"{name} (exported, but the load never observed a value)")
    return problems


def _evaluate(prom: Prometheus, expr: str) -> str | None:
    """None when ``expr`` parses and returns data, otherwise what went wrong."""
    answer = prom.query(expr)
    if answer.get("status") != "success":
        return f"{answer.get('errorType')}: {answer.get('error')}"
    if not answer["data"]["result"]:
        return "no data"
    return None


def test_every_panel_query_returns_data_from_a_real_prometheus(
        gateway_factory: Factory, redis: Service, prometheus_factory: Callable[[list[str]], Prometheus]) -> None:
    gw = gateway_factory({"backends": {"store": f"redis://127.0.0.1:{redis.port}/0", "check_interval": 0.2},
                          "state": {"validators": {"obs-*": "tests.prometheus_service:buggy_validator"}}})
    instance = f"127.0.0.1:{gw.ops_port}"
    prom = prometheus_factory([instance])
    up = f'up{{job="{JOB}", instance="{instance}"}}'
    assert eventually(lambda: prom.series_values(up) == [1.0], 15), prom.log()

    clients = drive_load(gw, redis)
    loaded_at = time.time()
    try:
        # Counters are folded once a housekeeping tick; wait until Prometheus holds two scrapes after that.
        scraped = f'timestamp(realtimenet_connections{{instance="{instance}"}})'
        assert eventually(lambda: (prom.series_values(scraped) or [0.0])[0] > loaded_at + 2.5, 15), prom.log()
        problems = [f"metric missing from the gateway: {m}" for m in _missing_new_metrics(gw.metrics())]

        variables = dashboard_variables(instance)
        queries: list[tuple[str, str]] = []  # (where, expr)
        for name, dashboard in load_dashboards().items():
            for var in dashboard["templating"]["list"]:
                if var["type"] != "query":
                    continue
                query = var["query"] if isinstance(var["query"], str) else var["query"]["query"]
                found = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
                assert found, f"{name} ${var['name']}: {query}"
                selector, label = substitute(found.group(1), variables), found.group(2)
                answer = prom.query(selector)
                values = {s["metric"].get(label) for s in answer.get("data", {}).get("result", [])}
                expected = JOB if label == "job" else instance
                if expected not in values:
                    problems.append(f"{name} variable ${var['name']}: {selector} gives {label} values {values}")
            for panel in panels(dashboard):
                for target in panel["targets"]:
                    expr = substitute(target["expr"], variables)
                    assert "$" not in expr, f"unsubstituted variable in {expr}"
                    queries.append((f"{name} / {panel['title']} / {target['refId']}", expr))
        failures: dict[str, str] = {}
        deadline = time.monotonic() + 10  # a late fold or scrape gets a few more seconds
        pending = queries
        while True:
            failures = {}
            for where, expr in pending:
                error = _evaluate(prom, expr)
                if error is not None:
                    failures[f"{where}: {expr}"] = error
            if not failures or time.monotonic() > deadline:
                break
            pending = [(w, e) for w, e in pending if f"{w}: {e}" in failures]
            time.sleep(1)
        problems += [f"panel {key} -> {error}" for key, error in failures.items()]

        # Every alert rule loads into Prometheus, parses as a query and evaluates without error.
        rules = prom.api("/api/v1/rules")["data"]["groups"]
        loaded = {r["name"]: r for g in rules for r in g["rules"] if r["type"] == "alerting"}
        assert set(loaded) == EXPECTED_ALERTS
        for name, rule in loaded.items():
            answer = prom.query(rule["query"])
            if answer.get("status") != "success":
                problems.append(f"alert {name}: {answer.get('error')}")
            if rule.get("health") == "err":
                problems.append(f"alert {name}: {rule.get('lastError')}")
        firing = sorted(r["name"] for r in loaded.values() if r.get("state") == "firing")
        if firing:
            problems.append(f"alerts firing under a normal load: {firing}")

        # The load itself reached Prometheus.
        checks = {
            f'realtimenet_handler_errors_total{{method="state.update", instance="{instance}"}}': 1.0,
            f'realtimenet_resume_streams_total{{outcome="refused", instance="{instance}"}}': 1.0,
            f'realtimenet_resume_streams_total{{outcome="recovered", instance="{instance}"}}': 1.0,
            f'realtimenet_state_rejections_total{{reason="unknown_version", instance="{instance}"}}': 1.0,
            f'realtimenet_bad_input_total{{kind="parse_error", instance="{instance}"}}': 1.0,
            f'realtimenet_room_refusals_total{{reason="not_a_member", instance="{instance}"}}': 1.0,
            f'sum(realtimenet_auth_failures_total{{instance="{instance}"}})': 1.0,
        }
        for expr, want in checks.items():
            if prom.series_values(expr) != [want]:
                problems.append(f"{expr} is {prom.series_values(expr)}, expected [{want}]")
        if (prom.series_values(f'realtimenet_backend_errors_total{{backend="store", instance="{instance}"}}')
                or [0.0])[0] < 1:
            problems.append("the Redis outage left no realtimenet_backend_errors_total{backend=\"store\"}")
        assert not problems, f"{len(problems)} problem(s) of {len(queries)} queries:\n" + "\n".join(problems)
    finally:
        for client in clients:
            client.close()


# ----- overload ----------------------------------------------------------------------------------------------


def test_a_scrape_during_overload_still_answers(gateway_factory: Factory) -> None:
    """50 clients in another process send batched requests as fast as the gateway answers them for 2 s, each
    keeping 16 batches of 8 requests in flight (the gateway is the bottleneck); meanwhile every /metrics scrape
    answers 200 within 2 s."""
    gw = gateway_factory({"rate_limit": {"rate": 1_000_000.0, "burst": 1_000_000}})
    batch = json.dumps([{"jsonrpc": "2.0", "id": i, "method": "sys.echo", "params": {"data": "x" * 64}}
                        for i in range(8)])
    job = {"url": gw.url, "tokens": [gw.token(f"flood-{i}") for i in range(50)], "seconds": 2.0, "frame": batch,
           "window": 16}
    before = metric_value(gw.metrics(), "realtimenet_frames_received_total")
    worker = subprocess.Popen([sys.executable, "-m", "tests.prometheus_service"], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert worker.stdin is not None and worker.stdout is not None
        worker.stdin.write(json.dumps(job))
        worker.stdin.close()
        assert worker.stdout.readline().strip() == "flooding", worker.stderr.read() if worker.stderr else ""
        gateway_cpu = psutil.Process(gw.proc.pid)
        cpu_before, started = sum(gateway_cpu.cpu_times()[:2]), time.monotonic()
        scrapes: list[tuple[int, float]] = []
        while time.monotonic() < started + 2.0:
            asked = time.monotonic()
            status, body = http_get(gw.ops_url + "/metrics", timeout=10)
            scrapes.append((status, round(time.monotonic() - asked, 3)))
            assert b"realtimenet_connections" in body
            time.sleep(0.05)
        busy = (sum(gateway_cpu.cpu_times()[:2]) - cpu_before) / (time.monotonic() - started)
        out = worker.stdout.read()  # the worker ends by itself: it waits at most ~25 s for answers and closes
        err = worker.stderr.read() if worker.stderr else ""
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, err
    counts = json.loads(out.strip().splitlines()[-1])
    report = f"scrapes (status, seconds): {scrapes}; flood: {counts}; gateway CPU {busy:.0%} of a core"
    print(report)  # shown with pytest -rP
    assert len(scrapes) >= 2, report
    assert all(status == 200 for status, _ in scrapes), report
    assert max(took for _, took in scrapes) < 2.0, report
    assert counts["sent"] >= 1000 and counts["unanswered"] == 0, report
    assert busy >= 0.25, f"the flood did not keep the gateway busy: {report}"
    assert eventually(lambda: metric_value(gw.metrics(), "realtimenet_frames_received_total") - before
                      >= counts["sent"], 5), report
