"""Where an editor script runs: inside the Unreal editor or in plain Python, and the repository's paths.

The editor's Python has only the standard library and ``unreal``; the project's own helpers
(``realtimenet.ue.commands``, ``realtimenet.ue.fault_gateway``) are stdlib-only for that reason and are
imported from ``Tools/`` once ``use_repository_tools`` has put it on ``sys.path``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def use_repository_tools(root: Path = ROOT) -> Path:
    """Make ``import realtimenet`` work from ``root``/Tools (a no-op where it is installed already)."""
    tools = str(root / "Tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    return root


def editor_unreal(importer: Callable[[str], ModuleType] = importlib.import_module) -> ModuleType | None:
    """The editor's ``unreal`` module, or None in plain Python.

    Importable is not enough: the ``unreal-stub`` package (type checking) installs a module of that name
    too, whose functions do nothing. Only the editor reports an engine version.
    """
    try:
        unreal = importer("unreal")
        version = unreal.SystemLibrary.get_engine_version()
    except Exception:  # the stub fails on import (NameError), anything else means "not the editor"
        return None
    return unreal if isinstance(version, str) and version else None

