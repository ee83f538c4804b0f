"""Render every generated file from protocol/openrpc.json, or check that the committed ones are fresh."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from realtimenet.codegen import config_doc, python_types
from realtimenet.codegen.spec import Spec, load

SPEC_PATH = Path("protocol/openrpc.json")


@dataclass(frozen=True)
class Target:
    """One generated file: the template it comes from and where it lives in the repository."""

    template: str
    output: Path


TARGETS: tuple[Target, ...] = (
    Target("messages.py.j2", Path("Tools/realtimenet/protocol/messages.py")),
    Target("codes.py.j2", Path("Tools/realtimenet/protocol/codes.py")),
    Target("protocol-reference.md.j2", Path("docs/protocol-reference.md")),
    Target("configuration.md.j2", Path("docs/configuration.md")),
)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("realtimenet.codegen", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # the outputs are source code and Markdown, not HTML
    )
    env.filters["field_line"] = python_types.field_line
    return env


def render_all(root: Path) -> dict[Path, str]:
    """Render every target; returns repository-relative path -> text."""
    spec: Spec = load(root / SPEC_PATH)
    env = _environment()
    context = {"spec": spec, "config_sections": config_doc.sections()}
    return {t.output: env.get_template(t.template).render(**context) for t in TARGETS}


def generate(root: Path) -> list[Path]:
    """Write every target under ``root``; returns the files whose content changed."""
    changed = []
    for rel, text in render_all(root).items():
        path = root / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    return changed


def check(root: Path) -> list[Path]:
    """Return the targets whose committed content differs from a fresh render (empty when fresh)."""
    return [
        rel for rel, text in render_all(root).items()
        if not (root / rel).exists() or (root / rel).read_text(encoding="utf-8") != text
    ]
