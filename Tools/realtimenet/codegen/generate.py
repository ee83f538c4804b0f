"""Render every generated file from protocol/openrpc.json and protocol/server-api.openrpc.json, or check that the
committed ones are fresh."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import jinja2

from realtimenet.codegen import config_doc, cpp_defaults, python_types, unreal_bindings
from realtimenet.codegen.spec import Spec, load

SPEC_PATH = Path("protocol/openrpc.json")
SERVER_API_SPEC_PATH = Path("protocol/server-api.openrpc.json")
# The C++ core's generator (Codes.h, Streams.h) is standard-library Python beside it, so its CMake build needs
# no package.
CPP_CODES_GENERATOR = Path("Plugins/RealtimeNet/tools/gen_codes.py")


@dataclass(frozen=True)
class Target:
    """One generated file: the template it comes from and where it lives in the repository."""

    template: str
    output: Path


TARGETS: tuple[Target, ...] = (
    Target("messages.py.j2", Path("Tools/realtimenet/protocol/messages.py")),
    Target("codes.py.j2", Path("Tools/realtimenet/protocol/codes.py")),
    Target("streams.py.j2", Path("Tools/realtimenet/protocol/streams.py")),
    Target("protocol-reference.md.j2", Path("docs/protocol-reference.md")),
    Target("configuration.md.j2", Path("docs/configuration.md")),
    # RealtimeNetCore's view of the gateway's limits (its ClientOptions defaults come from these).
    Target("gateway_defaults.h.j2", Path(cpp_defaults.OUTPUT)),
    # The Unreal bindings: USTRUCTs, async Blueprint nodes, events, and their reference.
    *(Target(template, output) for template, output in unreal_bindings.OUTPUTS),
)
# The server API (POST /api) has its own document: its Python types and its reference.
SERVER_API_TARGETS: tuple[Target, ...] = (
    Target("server_api.py.j2", Path("Tools/realtimenet/protocol/server_api.py")),
    Target("server-api-reference.md.j2", Path("docs/server-api-reference.md")),
    Target("server_methods.py.j2", Path("Tools/realtimenet/server/methods.py")),
)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("realtimenet.codegen", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # the outputs are source code and Markdown, not HTML
    )
    env.filters["field_line"] = python_types.field_line
    env.filters["sdk_argument"] = python_types.sdk_argument
    env.filters["sdk_value"] = python_types.sdk_value
    env.filters["cpp_string"] = unreal_bindings.cpp_string
    env.filters["md_cell"] = _md_cell
    return env


def _md_cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def render_all(root: Path) -> dict[Path, str]:
    """Render every target; returns repository-relative path -> text."""
    spec: Spec = load(root / SPEC_PATH)
    env = _environment()
    sections = config_doc.sections()
    context = {"spec": spec, "config_sections": sections, "ue": unreal_bindings.build(spec),
               "gateway_defaults": cpp_defaults.constants(sections)}
    rendered = {t.output: env.get_template(t.template).render(**context) for t in TARGETS}
    server_api = load(root / SERVER_API_SPEC_PATH, str(SERVER_API_SPEC_PATH))
    rendered.update({t.output: env.get_template(t.template).render(spec=server_api) for t in SERVER_API_TARGETS})
    if (root / CPP_CODES_GENERATOR).exists():
        rendered.update(_cpp_headers(root))
    return rendered


def _cpp_headers(root: Path) -> dict[Path, str]:
    spec = importlib.util.spec_from_file_location("rtnet_gen_codes", root / CPP_CODES_GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    headers: dict[Path, str] = module.render_all(json.loads((root / SPEC_PATH).read_text(encoding="utf-8")))
    return headers


def generate(root: Path) -> list[Path]:
    """Write every target under ``root``; returns the files whose content changed.

    Files are written with LF line ends on every system (Windows' text mode would write CRLF) and compared as
    text, so a checkout whose line ends Git turned into CRLF counts as fresh."""
    changed = []
    for rel, text in render_all(root).items():
        path = root / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(rel)
    return changed


def check(root: Path) -> list[Path]:
    """Return the targets whose committed content differs from a fresh render (empty when fresh)."""
    return [
        rel for rel, text in render_all(root).items()
        if not (root / rel).exists() or (root / rel).read_text(encoding="utf-8") != text
    ]
