"""Where the editor Python runs: inside the Unreal editor or in plain Python, and where things are.

The plugin's ``Content/Python`` is on the editor's ``sys.path`` (the Python plugin adds every content root's
``Python`` folder), so this package is importable as ``realtimenet_editor`` in the editor; the CI and
command-line entry points in ``PythonScripts/`` put the same folder on the path first. The editor's Python has
only the standard library and ``unreal``: nothing here imports anything else.

The RealtimeNet tooling (``rtnet``) is separate. Its command is found by ``find_rtnet``; its stdlib-only
modules (``realtimenet.ue.commands``, ``realtimenet.ue.fault_gateway``) are imported from the repository the
plugin sits in, or from the folder ``RTNET_TOOLS`` names (the ``Tools`` folder of a RealtimeNet checkout).
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

PLUGIN_DIR = Path(__file__).resolve().parents[3]  # Plugins/RealtimeNet (Content/Python/realtimenet_editor/env.py)
TOOLS_ENV = "RTNET_TOOLS"
RTNET_ENV = "RTNET_EXE"


def repository_root(plugin_dir: Path = PLUGIN_DIR) -> Path | None:
    """The RealtimeNet repository the plugin sits in (``<root>/Plugins/RealtimeNet``), or None when it was copied
    into a game project."""
    root = plugin_dir.parent.parent
    return root if (root / "Tools" / "realtimenet").is_dir() else None


ROOT = repository_root() or PLUGIN_DIR.parent.parent  # the repository, else the project holding the plugin


def tools_dir(environ: Mapping[str, str] = os.environ, plugin_dir: Path = PLUGIN_DIR) -> Path | None:
    """The folder that holds the ``realtimenet`` package for the editor: the repository's ``Tools``, else
    ``RTNET_TOOLS``; None when neither has it."""
    root = repository_root(plugin_dir)
    candidates = [root / "Tools"] if root is not None else []
    if environ.get(TOOLS_ENV):
        candidates.append(Path(environ[TOOLS_ENV]))
    return next((c for c in candidates if _holds_package(c)), None)


def _holds_package(folder: Path) -> bool:
    return (folder / "realtimenet" / "__init__.py").is_file()


def use_repository_tools(root: Path | None = None) -> Path | None:
    """Make ``import realtimenet`` work from ``root``/Tools when it has the package, else from ``tools_dir()``; a
    no-op when the folder is on the path already. The folder used, or None when there is none (a copied
    plugin without ``RTNET_TOOLS``)."""
    given = root / "Tools" if root is not None else None
    tools = given if given is not None and _holds_package(given) else tools_dir()
    if tools is None:
        return None
    if str(tools) not in sys.path:
        sys.path.insert(0, str(tools))
    return tools


def find_rtnet(roots: list[Path], environ: Mapping[str, str] = os.environ, platform: str = sys.platform,
               which: Callable[[str], str | None] = shutil.which) -> list[str] | None:
    """How to run ``rtnet``: ``RTNET_EXE``, else the ``.venv`` of the first of ``roots`` that has one (the
    repository's, the game project's), else ``rtnet`` on PATH; None when there is none."""
    if environ.get(RTNET_ENV):
        return [environ[RTNET_ENV]]
    for root in roots:
        venv = root / ".venv"
        local = venv / "Scripts" / "rtnet.exe" if platform == "win32" else venv / "bin" / "rtnet"
        if local.exists():
            return [str(local)]
    found = which("rtnet")
    return [found] if found else None


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
