"""The gateway's shape: its modules import one another without a cycle (at run time or under
TYPE_CHECKING), handlers never reach through a node, and no NATS or Redis type leaves ``backends/``."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "Tools/realtimenet"


def _imports(path: Path) -> set[str]:
    """Every ``realtimenet.…`` module ``path`` imports, TYPE_CHECKING blocks included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("realtimenet"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("realtimenet"))
    return found


def _gateway_graph() -> dict[str, set[str]]:
    modules = {f"realtimenet.gateway.{p.stem}": p for p in (PACKAGE / "gateway").glob("*.py") if p.stem != "__init__"}
    return {name: {m for m in _imports(path) if m in modules} for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node):], node]
        if node in done:
            return None
        visiting.append(node)
        for nxt in sorted(graph[node]):
            found = visit(nxt)
            if found:
                return found
        visiting.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start)
        if found:
            return found
    return None


def test_gateway_modules_import_each_other_without_a_cycle() -> None:
    graph = _gateway_graph()
    assert len(graph) >= 15
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_only_node_and_server_know_the_node() -> None:
    graph = _gateway_graph()
    importers = {name for name, deps in graph.items() if "realtimenet.gateway.node" in deps}
    assert importers == {"realtimenet.gateway.server"}
    for path in (PACKAGE / "gateway").glob("*.py"):
        if path.stem not in ("node", "server"):
            assert ".node." not in path.read_text(encoding="utf-8"), f"{path.name} reaches through a node"


def test_no_backend_client_type_outside_backends() -> None:
    for path in PACKAGE.rglob("*.py"):
        if "backends" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("import nats", "from nats", "import redis", "from redis", "NatsBus", "msg.respond",
                       "msg.reply", "RedisConnection"):
            assert needle not in text, f"{path.relative_to(ROOT)} uses {needle!r}"
