"""The RealtimeNet menu in the editor's main menu bar (``unreal.ToolMenus``), and what its entries do.

``register`` adds the sub-menu ``LevelEditor.MainMenu.RealtimeNet`` (owner ``RealtimeNet``, replaced when
registered again) with one entry per action; each entry runs the Python statement
``import realtimenet_editor.menu as m; m.run("<action>")``. Actions that need the RealtimeNet tooling are only
listed when it is there: the local gateway and the admin console when an ``rtnet`` command is found
(``env.find_rtnet``), the functional tests when the tooling's modules are importable as well (a RealtimeNet
checkout, or ``RTNET_TOOLS``). ``run`` never lets an exception out into the editor: it logs it as an error.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from realtimenet_editor import env, local_gateway

OWNER = "RealtimeNet"
PARENT_MENU = "LevelEditor.MainMenu"
SUB_MENU = "RealtimeNet"
MENU_NAME = f"{PARENT_MENU}.{SUB_MENU}"


@dataclass(frozen=True)
class Action:
    """One menu entry."""

    name: str
    label: str
    tool_tip: str
    section: str
    needs_rtnet: bool = False
    needs_tooling: bool = False

    @property
    def command(self) -> str:
        """The Python statement the entry runs."""
        return f"import realtimenet_editor.menu as m; m.run({self.name!r})"


ACTIONS: tuple[Action, ...] = (
    Action("create_sample_content", "Create Sample Content",
           "Create the sample under /Game/RealtimeNetSample: a map with its game mode, a pawn that moves with the room "
           "state, a player controller that joins arena-1 and spawns the other players, and a lobby HUD; existing "
           "assets are kept. Then start a gateway and bots (make demo) and press Play.", "Content"),
    Action("create_widget_blueprints", "Create Widget Blueprints",
           "Create the widget Blueprints (connection status, player list, toasts, inspector) under "
           "/Game/RealtimeNet/UI from the RealtimeNetUI classes; existing ones are kept.", "Content"),
    Action("start_gateway", "Start Local Gateway",
           "Start `rtnet serve` on 127.0.0.1:8765, where the plugin connects by default; the Output Log shows a "
           "development token.", "Gateway", needs_rtnet=True),
    Action("stop_gateway", "Stop Local Gateway", "Stop the gateway started from this menu.", "Gateway",
           needs_rtnet=True),
    Action("open_admin_console", "Open Admin Console",
           "Open the local gateway's admin console (/admin) in the browser.", "Gateway"),
    Action("run_functional_tests", "Run Functional Tests",
           "Run the plugin's automation tests (RealtimeNet.*) against a fault-injection gateway; the summary goes "
           "to the Output Log.", "Tests", needs_rtnet=True, needs_tooling=True),
)


def available(rtnet: bool, tooling: bool) -> list[Action]:
    """The actions this editor can run."""
    return [a for a in ACTIONS if (rtnet or not a.needs_rtnet) and (tooling or not a.needs_tooling)]


def project_dir() -> Path:
    """The game project the editor has open (the repository's host project in a RealtimeNet checkout)."""
    import unreal

    return Path(unreal.Paths.convert_relative_path_to_full(unreal.Paths.project_dir()))


def rtnet_command() -> list[str] | None:
    """``rtnet`` for this editor: RTNET_EXE, the repository's or the project's ``.venv``, or PATH."""
    roots = [root for root in (env.repository_root(), project_dir()) if root is not None]
    return env.find_rtnet(roots)


def register() -> list[str]:
    """Add (or replace) the RealtimeNet menu; the names of the actions listed."""
    import unreal

    menus = unreal.ToolMenus.get()
    menus.unregister_owner_by_name(unreal.Name(OWNER))  # registered again (a reload): no duplicate entries
    main_menu = menus.extend_menu(unreal.Name(PARENT_MENU))
    menu = main_menu.add_sub_menu(unreal.Name(OWNER), unreal.Name(""), unreal.Name(SUB_MENU),
                                  unreal.Text("RealtimeNet"), unreal.Text("RealtimeNet: content, gateway, tests"))
    actions = available(rtnet=rtnet_command() is not None, tooling=env.tools_dir() is not None)
    for action in actions:
        entry = unreal.ToolMenuEntry(name=unreal.Name(action.name), type=unreal.MultiBlockType.MENU_ENTRY)
        entry.set_label(unreal.Text(action.label))
        entry.set_tool_tip(unreal.Text(action.tool_tip))
        entry.set_string_command(unreal.ToolMenuStringCommandType.PYTHON, unreal.Name(""), action.command)
        menu.add_menu_entry(unreal.Name(action.section), entry)
    menus.refresh_all_widgets()
    return [action.name for action in actions]


# ----- what the entries do ------------------------------------------------------------------------------------

_gateway: local_gateway.LocalGateway | None = None


def create_sample_content() -> None:
    from realtimenet_editor import sample_content

    sample_content.main([])


def create_widget_blueprints() -> None:
    from realtimenet_editor import widgets

    widgets.main([])


def start_gateway() -> None:
    global _gateway
    import unreal

    if sys.platform == "win32":
        raise RuntimeError("the gateway runs on Linux and macOS: on Windows start it in WSL 2 "
                           "(`rtnet serve --sample`; docs/integration-guide.md, step 4)")
    rtnet = rtnet_command()
    if rtnet is None:
        raise RuntimeError("no `rtnet`: pip install realtimenet (or set RTNET_EXE to its path)")
    if _gateway is not None and _gateway.running:
        unreal.log(f"RealtimeNet: the local gateway is already running on {_gateway.started and _gateway.started.url}")
        return
    _gateway = local_gateway.LocalGateway(rtnet, cwd=env.repository_root() or project_dir())
    started = _gateway.start()
    unreal.log(f"RealtimeNet: gateway on {started.url}, admin console {started.admin_url}")
    token = started.development_token
    if token is not None:
        unreal.log(f"RealtimeNet: development token for player 'dev-player': {token}")


def stop_gateway() -> None:
    import unreal

    if _gateway is None or not _gateway.running:
        unreal.log("RealtimeNet: no gateway was started from this menu")
        return
    _gateway.stop()
    unreal.log("RealtimeNet: local gateway stopped")


def open_admin_console() -> None:
    import unreal

    started = _gateway.started if _gateway is not None and _gateway.running else None
    url = started.admin_url if started is not None else local_gateway.admin_url()
    unreal.SystemLibrary.launch_url(url)


def run_functional_tests() -> None:
    from realtimenet_editor import functional_tests

    functional_tests.main([])


HANDLERS: dict[str, Callable[[], None]] = {
    "create_sample_content": create_sample_content,
    "create_widget_blueprints": create_widget_blueprints,
    "start_gateway": start_gateway,
    "stop_gateway": stop_gateway,
    "open_admin_console": open_admin_console,
    "run_functional_tests": run_functional_tests,
}


def run(name: str) -> None:
    """What a menu entry calls: the action, with any failure logged as an error instead of raised."""
    import unreal

    handler = HANDLERS.get(name)
    if handler is None:
        unreal.log_error(f"RealtimeNet: no menu action {name!r}")
        return
    try:
        handler()
    except Exception as exc:  # the editor shows nothing of an exception from a menu command but a log line
        unreal.log_error(f"RealtimeNet: {name} failed: {exc}")
        unreal.log_error(traceback.format_exc())
