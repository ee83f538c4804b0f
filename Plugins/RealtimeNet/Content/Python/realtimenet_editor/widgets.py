"""Create the RealtimeNet widget Blueprints under /Game/RealtimeNet/UI from the C++ bases in RealtimeNetUI.

In the editor: RealtimeNet > Create Widget Blueprints (the menu ``init_unreal.py`` registers). From a script
or CI, the entry point ``PythonScripts/create_widget_blueprints.py`` runs ``main`` (in the Output Log:
``py PythonScripts/create_widget_blueprints.py``), or headless::

    UnrealEditor-Cmd RealtimeNetHost.uproject -run=pythonscript \\
        -script="PythonScripts/create_widget_blueprints.py --force"

Each Blueprint comes from ``unreal.RealtimeNetEditorLibrary.create_widget_blueprint`` (the RealtimeNetEditor
module), or from AssetTools with a WidgetBlueprintFactory when that helper is absent or returns None. Assets
that exist are kept unless ``--force`` (which deletes and recreates them: designer changes are lost).
Everything created is saved. Planning is pure and unit-tested; only ``create_widget_blueprint`` and
``run_in_editor`` touch the editor.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from realtimenet_editor.env import editor_unreal

if TYPE_CHECKING:
    import unreal

PACKAGE_PATH = "/Game/RealtimeNet/UI"
UI_MODULE = "RealtimeNetUI"


@dataclass(frozen=True)
class WidgetSpec:
    """One widget Blueprint and the C++ class it derives from (named without its U prefix; in RealtimeNetUI unless
    ``module`` names another module, as the sample's HUD does with UMG's UserWidget)."""

    asset_name: str
    parent_class: str
    module: str = UI_MODULE

    @property
    def parent_class_path(self) -> str:
        """The class's script path, as ``unreal.load_class`` takes it."""
        return f"/Script/{self.module}.{self.parent_class}"


WIDGETS: tuple[WidgetSpec, ...] = (
    WidgetSpec("WBP_RealtimeNetConnectionStatus", "RealtimeNetConnectionStatusWidget"),
    WidgetSpec("WBP_RealtimeNetPlayerList", "RealtimeNetPlayerListWidget"),
    # The player list's List View entry (Entry Widget Class): one row per player, reused as the list scrolls.
    WidgetSpec("WBP_RealtimeNetPlayerRow", "RealtimeNetPlayerRowWidget"),
    WidgetSpec("WBP_RealtimeNetPresenceToast", "RealtimeNetPresenceToastWidget"),
    WidgetSpec("WBP_RealtimeNetInspector", "RealtimeNetInspectorWidget"),
)

Action = Literal["create", "replace", "keep"]


@dataclass(frozen=True)
class Step:
    """What to do for one widget."""

    spec: WidgetSpec
    action: Action
    asset_path: str


def asset_path(package_path: str, asset_name: str) -> str:
    """The asset's package path (``/Game/RealtimeNet/UI/WBP_X``), as EditorAssetLibrary takes it."""
    return f"{package_path.rstrip('/')}/{asset_name}"


def check_package_path(package_path: str) -> str:
    """``package_path`` when it is a content folder (``/Game/...`` or a plugin's ``/Name/...``); ValueError if not."""
    if not re.fullmatch(r"/[A-Za-z_][\w]*(/[A-Za-z_][\w]*)*", package_path):
        raise ValueError(f"{package_path!r} is not a content folder such as {PACKAGE_PATH}")
    return package_path


def select(specs: Sequence[WidgetSpec], only: Sequence[str]) -> list[WidgetSpec]:
    """The widgets named in ``only`` (all when empty); ValueError for a name that is not one of them."""
    if not only:
        return list(specs)
    by_name = {spec.asset_name: spec for spec in specs}
    unknown = [name for name in only if name not in by_name]
    if unknown:
        raise ValueError(f"unknown widget {', '.join(unknown)}; known: {', '.join(by_name)}")
    return [by_name[name] for name in only]


def plan(specs: Sequence[WidgetSpec], package_path: str, exists: Callable[[str], bool], force: bool) -> list[Step]:
    """Create what is missing; keep what exists, or replace it with ``force``."""
    steps: list[Step] = []
    for spec in specs:
        path = asset_path(package_path, spec.asset_name)
        action: Action = ("replace" if force else "keep") if exists(path) else "create"
        steps.append(Step(spec, action, path))
    return steps


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Command-line options (argv without the program name)."""
    parser = argparse.ArgumentParser(prog="create_widget_blueprints.py", description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="delete and recreate widgets that exist")
    parser.add_argument("--package-path", default=PACKAGE_PATH, type=check_package_path,
                        help="content folder (default %(default)s)")
    parser.add_argument("--only", action="append", default=[], metavar="ASSET_NAME", help="one widget (repeatable)")
    return parser.parse_args(list(argv))


def create_widget_blueprint(spec: WidgetSpec, package_path: str) -> unreal.WidgetBlueprint | None:
    """Create one widget Blueprint in the editor; None (after logging why) when it cannot be created."""
    import unreal

    parent = unreal.load_class(None, spec.parent_class_path)
    if parent is None:
        unreal.log_error(f"{spec.parent_class_path} not found: is the {spec.module} module built and enabled?")
        return None
    library = getattr(unreal, "RealtimeNetEditorLibrary", None)
    if library is not None:
        try:
            created = library.create_widget_blueprint(parent, package_path, spec.asset_name)
        except Exception as exc:  # a helper with another signature: the factory below still works
            unreal.log_warning(f"RealtimeNetEditorLibrary.create_widget_blueprint failed ({exc}); using AssetTools")
            created = None
        if isinstance(created, unreal.WidgetBlueprint):
            return created
    factory = unreal.WidgetBlueprintFactory()
    factory.set_editor_property("parent_class", parent)
    tools = unreal.AssetToolsHelpers.get_asset_tools()
    asset = tools.create_asset(spec.asset_name, package_path, unreal.WidgetBlueprint.static_class(), factory)
    return asset if isinstance(asset, unreal.WidgetBlueprint) else None


def run_in_editor(options: argparse.Namespace) -> int:
    """Carry out the plan in the editor; 0 when every widget exists afterwards, else 1."""
    import unreal

    assets = unreal.EditorAssetLibrary
    steps = plan(select(WIDGETS, options.only), options.package_path, assets.does_asset_exist, options.force)
    failed = 0
    for step in steps:
        if step.action == "keep":
            print(f"kept     {step.asset_path} (exists; --force recreates it)")
            continue
        if step.action == "replace" and not assets.delete_asset(step.asset_path):
            unreal.log_error(f"could not delete {step.asset_path} (is it open or referenced?)")
            failed += 1
            continue
        blueprint = create_widget_blueprint(step.spec, options.package_path)
        if blueprint is None or not assets.save_loaded_asset(blueprint, False):
            unreal.log_error(f"could not create {step.asset_path} from {step.spec.parent_class_path}")
            failed += 1
            continue
        print(f"{'replaced' if step.action == 'replace' else 'created '} {step.asset_path} "
              f"(parent {step.spec.parent_class_path})")
    return 1 if failed else 0


def main(argv: Sequence[str]) -> int:
    """Entry point: 2 outside the editor (this script needs the ``unreal`` module)."""
    options = parse_args(argv)
    if editor_unreal() is None:
        print("create_widget_blueprints.py runs inside the Unreal editor (see its docstring)", file=sys.stderr)
        return 2
    code = run_in_editor(options)
    if code:
        # The PythonScript commandlet turns an exception into a failed run; sys.exit would end the editor.
        raise RuntimeError("some widget Blueprints could not be created (see the errors above)")
    return code

