"""The admin console in a real browser: Debian's chromium driven by Playwright, against a gateway started as
`make run` starts it (one port, embedded backends, the development admin key). The screenshots it takes go to
build/screenshots/; `make screenshots` runs these tests and copies them to docs/images/, which
docs/admin-console.md and the README show (a test run never rewrites committed files)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from realtimenet.client import Client
from realtimenet.config import DEV_API_KEY
from tests.conftest import ROOT, GatewayProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
IMAGES = ROOT / "docs/images"  # committed: what the docs show
SHOTS = ROOT / "build/screenshots"  # what this run took
TIMEOUT = 15_000  # ms: every wait in the page (polls run every 1-2 s)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail("chromium is required (make test installs Debian's package)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, gateway: GatewayProcess) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    elsewhere: list[str] = []
    # Offline by construction: any request that is not to this gateway is recorded and refused.
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        f"http://127.0.0.1:{gateway.port}/") else (elsewhere.append(route.request.url), route.abort()))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    yield page
    context.close()
    assert elsewhere == [], f"the console fetched from elsewhere: {elsewhere}"


def admin_url(gw: GatewayProcess) -> str:
    return f"http://127.0.0.1:{gw.port}/admin"


def log_in(page: Any, gw: GatewayProcess, key: str = DEV_API_KEY) -> None:
    page.goto(admin_url(gw))
    page.get_by_test_id("login-key").fill(key)
    page.get_by_test_id("login-submit").click()


def test_a_wrong_key_is_refused(page: Any, gateway: GatewayProcess) -> None:
    log_in(page, gateway, "not-the-key")
    error = page.get_by_test_id("login-error")
    error.wait_for()
    assert "Wrong key" in error.inner_text()
    assert page.get_by_test_id("nodes").count() == 0
    page.screenshot(path=str(SHOTS / "admin-console-login.png"))


def test_operator_sees_a_player_live_publishes_to_it_and_kicks_it(page: Any, gateway: GatewayProcess) -> None:
    log_in(page, gateway)
    page.get_by_test_id("nodes").get_by_text(gateway.node_id).wait_for()

    alice: Client = gateway.connect("alice")
    alice.join("lobby")
    page.get_by_test_id("room-lobby").click()
    page.get_by_test_id("member-alice").wait_for()  # the Python client joined and appears

    alice.call("state.update", {"room": "lobby", "base_version": 0, "patch": {"round": 1, "map": "harbour"}})
    page.get_by_test_id("state-version").filter(has_text="version 1").wait_for()
    assert '"map": "harbour"' in page.get_by_test_id("state").inner_text()

    page.get_by_test_id("publish-data").fill('{"announcement": "match starts"}')
    page.get_by_test_id("publish-submit").click()
    event = alice.wait_notification("room.event", 10).params
    assert (event["from"], event["data"]) == ("server:admin", {"announcement": "match starts"})
    page.get_by_test_id("events").get_by_text("match starts").wait_for()  # the live tail shows it too
    page.get_by_test_id("node-connections").filter(has_text="1").wait_for()
    page.wait_for_timeout(5500)  # one more node sample, so the chart has a line
    page.screenshot(path=str(SHOTS / "admin-console.png"), full_page=True)

    page.get_by_test_id("lookup-player").fill("alice")
    page.get_by_test_id("lookup-submit").click()
    page.get_by_test_id("player").get_by_text(alice.welcome.session_id).wait_for()
    page.get_by_test_id("trace-start").click()
    page.get_by_test_id("trace").wait_for()  # the trace runs: frames from now on are mirrored
    alice.call("sys.echo", {"data": "seen by the trace"})
    page.get_by_test_id("trace").get_by_text("seen by the trace").first.wait_for()  # admin scope: payloads
    page.get_by_test_id("kick-code").fill("4403")
    page.get_by_test_id("kick-reason").fill("cheating")
    page.screenshot(path=str(SHOTS / "admin-console-player.png"), full_page=True)
    page.get_by_test_id("kick-submit").click()
    closed = alice.wait_closed(10)
    assert (closed.code, closed.reason) == (4403, "cheating")
    page.get_by_test_id("player-message").filter(has_text="Disconnected 1 device").wait_for()


def test_a_key_without_the_admin_scope_cannot_log_in(page: Any, gateway_factory: Any) -> None:
    reader = "reader-key-0123456789abcdef012345"
    gw = gateway_factory({"api": {"keys": {"dash": {"secret": reader, "scopes": ["read"]}}}})
    page.context.route("**/*", lambda route: route.continue_())  # this test's gateway has another port
    log_in(page, gw, reader)
    error = page.get_by_test_id("login-error")
    error.wait_for()
    assert "lacks the admin scope" in error.inner_text()


def test_the_console_cannot_be_framed_and_its_scripts_come_from_the_gateway(gateway: GatewayProcess) -> None:
    for path in ("/admin", "/admin/assets/app.js", "/admin/assets/app.css"):
        response = httpx.get(f"http://127.0.0.1:{gateway.port}{path}")
        assert response.status_code == 200, path
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = httpx.get(admin_url(gateway)).text
    assert "http" not in html.replace(f"127.0.0.1:{gateway.port}", "")  # no CDN: relative asset paths only
    assert httpx.get(f"http://127.0.0.1:{gateway.port}/admin/assets/../../config.py").status_code == 404
    assert httpx.get(f"http://127.0.0.1:{gateway.port}/admin/assets/nothing.js").status_code == 404
    # CSRF: another site's page cannot call the API with this browser's key (it has none to send: the key lives
    # in the console's sessionStorage), and a cross-origin request is refused even with a key.
    forged = httpx.post(f"http://127.0.0.1:{gateway.port}/api", headers={
        "Origin": "http://evil.example", "Content-Type": "application/json",
        "Authorization": f"apikey {DEV_API_KEY}"}, content=b'{"jsonrpc":"2.0","id":1,"method":"node.info"}')
    assert forged.status_code == 403 and forged.json()["error"] == "cross_origin"


def test_the_committed_screenshots_exist_for_the_docs() -> None:
    for name in ("admin-console.png", "admin-console-login.png", "admin-console-player.png"):
        assert (IMAGES / name).stat().st_size > 10_000, name
    assert "docs/images/admin-console.png" in (ROOT / "README.md").read_text()


def test_the_demo_draws_its_bots_moving_in_the_room_view(browser: Any, tmp_path: Path) -> None:
    """`make demo` (rtnet demo): a gateway and bots; the admin console's room view draws the room's entities on a
    canvas that changes as they move."""
    import re
    import signal
    import subprocess
    import sys

    demo = subprocess.Popen([sys.executable, "-m", "realtimenet.cli", "demo", "--port", "0", "--count", "6",
                             "--duration", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert demo.stdout is not None
        said = ""
        while "watch them:" not in said:
            line = demo.stdout.readline()
            assert line, f"the demo exited: {demo.stderr.read() if demo.stderr else ''}"
            said += line
        match = re.search(r"http://127\.0\.0\.1:(\d+)/admin", said)
        assert match is not None
        port = int(match.group(1))
        context = browser.new_context(viewport={"width": 1280, "height": 1100})
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            f"http://127.0.0.1:{port}/") else route.abort())
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(f"http://127.0.0.1:{port}/admin")
        page.get_by_test_id("login-key").fill(DEV_API_KEY)
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("room-arena-1").click()
        page.get_by_test_id("entity-legend").filter(has_text="players: 6").wait_for()
        canvas = page.get_by_test_id("entity-canvas")
        picture = "el => el.toDataURL()"
        page.wait_for_timeout(1500)  # two polls: every bot is drawn
        first = canvas.evaluate(picture)
        page.wait_for_timeout(1000)
        second = canvas.evaluate(picture)
        assert first != second  # the bots moved, and the canvas with them
        blank = page.evaluate("() => { const c = document.createElement('canvas'); c.width = c.height = 520; "
                              "const g = c.getContext('2d'); g.fillStyle = '#0f172a'; g.fillRect(0, 0, 520, 520); "
                              "return c.toDataURL(); }")
        assert second != blank  # something is drawn on the background
        canvas.screenshot(path=str(SHOTS / "admin-console-entities.png"))
        context.close()
    finally:
        demo.send_signal(signal.SIGINT)  # as Ctrl-C: the bots stop and print their summary, the gateway stops
        out, err = demo.communicate(timeout=60)
    assert demo.returncode == 0, out + err
    assert "rtnet bots: 6 bots" in out and "no errors" in out
