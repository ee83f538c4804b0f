"""The sample content (RealtimeNet > Create Sample Content: the plugin's realtimenet_editor/sample_content.py) in a
strict fake of the editor (tests/unreal_fake.py, checked against UE 5.5's Python API and the plugin's headers): what
it makes, with which classes and properties; that running it again changes nothing; what happens when part of it
cannot be made; and the fake's own strictness, without which none of this would mean much."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests import unreal_api
from tests.conftest import ROOT
from tests.unreal_fake import ApiMisuse, Class, Editor, Fake, PanelWidget

sys.path.insert(0, str(ROOT / "Plugins" / "RealtimeNet" / "Content" / "Python"))  # as the editor's Python plugin does

from realtimenet_editor import menu, widgets
from realtimenet_editor import sample_content as sc

SAMPLE = "/Game/RealtimeNetSample"
UI = f"{SAMPLE}/UI"
PAWN, CONTROLLER, GAME_MODE = f"{SAMPLE}/{sc.PAWN}", f"{SAMPLE}/{sc.PLAYER_CONTROLLER}", f"{SAMPLE}/{sc.GAME_MODE}"
MAP, HUD = f"{SAMPLE}/{sc.MAP}", f"{UI}/{sc.HUD}"
WIDGET_ASSETS = [f"{UI}/WBP_RealtimeNet{n}" for n in ("PlayerRow", "ConnectionStatus", "PlayerList", "PresenceToast",
                                                      "Inspector", "SampleHud")]
EVERY_ASSET = [*WIDGET_ASSETS, PAWN, CONTROLLER, GAME_MODE, MAP]
UI_HEADERS = ROOT / "Plugins" / "RealtimeNet" / "Source" / "RealtimeNetUI" / "Public"


@pytest.fixture
def editor(monkeypatch: pytest.MonkeyPatch) -> Editor:
    fake = Editor()
    monkeypatch.setitem(sys.modules, "unreal", fake.module)
    return fake


def make(editor: Editor) -> int:
    return sc.run_in_editor(sc.parse_args([]))


# --- the plan and the layouts, pure ------------------------------------------------------------------------------


def test_the_plan_makes_what_is_missing_after_what_it_refers_to() -> None:
    steps = sc.plan(sc.Sample(), lambda path: False)
    assert [s.asset_path for s in steps] == EVERY_ASSET and {s.action for s in steps} == {"create"}
    order = [s.name for s in steps]
    references: list[tuple[str, str]] = []  # (asset, what it needs)
    for spec in sc.blueprints(sc.ROOM):
        values = [v for c in spec.components for _, v in c.properties] + [v for _, v in spec.defaults]
        references += [(spec.asset_name, v.asset.split("/")[-1]) for v in values if isinstance(v, sc.AssetClass)]
    for asset, root in sc.layouts(sc.ROOM).items():
        for node in root.walk():
            references += [(asset, node.widget_class) for _ in [0] if node.widget_class.startswith("WBP_")]
            references += [(asset, v.asset.split("/")[-1]) for _, v in node.properties if isinstance(v, sc.AssetClass)]
    references.append((sc.MAP, sc.GAME_MODE))
    assert len(references) >= 9
    for asset, needed in references:
        assert order.index(needed) < order.index(asset), f"{asset} is made before {needed}, which it needs"
    kept = sc.plan(sc.Sample("/Game/Elsewhere", "lobby"), {f"/Game/Elsewhere/{sc.PAWN}"}.__contains__)
    assert [(s.name, s.action) for s in kept if s.action == "keep"] == [(sc.PAWN, "keep")]


def bindable_widgets(base: str) -> dict[str, str]:
    """The BindWidgetOptional members of a RealtimeNetUI base: name -> widget class (without U)."""
    text = (UI_HEADERS / f"{base}.h").read_text()
    return {name: kind for kind, name in re.findall(
        r"UPROPERTY\([^)]*BindWidgetOptional[^)]*\)\)\s*TObjectPtr<U(\w+)> (\w+);", text)}


def test_every_laid_out_name_binds_to_a_member_of_its_base_of_that_class() -> None:
    api = unreal_api.load()
    bases = {spec.asset_name: spec.parent_class for spec in widgets.WIDGETS}
    required = {"WBP_RealtimeNetConnectionStatus": {"StateText", "QualityText", "ReconnectText", "ReconnectButton"},
                "WBP_RealtimeNetPlayerList": {"PlayerList", "CountText"},
                "WBP_RealtimeNetPlayerRow": {"NameText", "StatusText", "LastSeenText", "OnlineIndicator"},
                "WBP_RealtimeNetPresenceToast": {"MessageText"},
                "WBP_RealtimeNetInspector": {"StateText", "LinkText", "QueueText", "TraceText"}}
    for asset, root in sc.layouts(sc.ROOM).items():
        if asset == sc.HUD:
            continue
        bindable = bindable_widgets(bases[asset])
        assert bindable, asset
        laid_out = {node.name: node.widget_class for node in root.walk()}
        assert required[asset] <= set(laid_out), asset
        for name, widget_class in laid_out.items():
            if name in bindable:
                assert api.is_subclass(widget_class, bindable[name]), f"{asset}: {name} is a {widget_class}"
            else:  # the layout's own panels and labels: never a near-miss of a bound name
                assert name in {"Background", "Content", "Row", "ReconnectLabel"}, f"{asset}: {name} binds nothing"
            for property_name, _ in next(n for n in root.walk() if n.name == name).properties:
                assert property_name in api.properties(widget_class), f"{asset}: {widget_class}.{property_name}"


def test_options_and_their_validation() -> None:
    options = sc.parse_args([])
    assert (options.package_path, options.room) == ("/Game/RealtimeNetSample", "arena-1")
    options = sc.parse_args(["--package-path", "/Game/Demo", "--room", "lobby-2"])
    assert (options.package_path, options.room) == ("/Game/Demo", "lobby-2")
    for bad in ("", "a room", "x" * 65, "room/1"):
        with pytest.raises(ValueError, match="not a room name"):
            sc.check_room(bad)
    with pytest.raises(SystemExit):
        sc.parse_args(["--package-path", "Game/Demo"])


def test_outside_the_editor_the_script_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert sc.main([]) == 2
    assert "runs inside the Unreal editor" in capsys.readouterr().err


# --- in the editor ----------------------------------------------------------------------------------------------


def compiled_component(editor: Editor, path: str, name: str) -> tuple[Class, dict[str, Any]]:
    blueprint = editor.blueprint(path)
    assert name in blueprint.compiled_components, f"{path} has no compiled {name}: {blueprint.compiled_components}"
    return blueprint.compiled_components[name]


def tree_nodes(tree: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield tree
    for child in tree.get("children", []):
        yield from tree_nodes(child)


def node(editor: Editor, path: str, name: str) -> dict[str, Any]:
    tree = editor.widget_blueprint(path).compiled_tree
    assert tree is not None, f"{path} was not compiled with a tree"
    return next(n for n in tree_nodes(tree) if n["name"] == name)


def test_the_sample_is_made_with_the_classes_and_settings_it_needs(editor: Editor) -> None:
    assert sc.main([]) == 0
    assert editor.errors == [] and editor.warnings == []
    assert sorted(editor.assets) == sorted(EVERY_ASSET)
    assert set(editor.saves) == set(EVERY_ASSET) and editor.dirty() == []  # saved after the last change
    assert [line.split()[3] for line in editor.logs if " made /" in line] == EVERY_ASSET
    assert f"RealtimeNet sample in {SAMPLE}: 10 made, 0 kept, 0 failed" in editor.logs

    pawn = editor.blueprint(PAWN)
    assert pawn.parent is Class._native("DefaultPawn")
    movement_class, movement = compiled_component(editor, PAWN, "RealtimeNetMovement")
    assert movement_class is Class._native("RealtimeNetMovementComponent")
    # Bound to this player's entry; Mode left Auto: it predicts on the pawn the local player controls and follows,
    # interpolated, on every other copy (the spawner's). Metres and `rot`, as the bots write them.
    assert movement == {"room_name": "arena-1", "state_path": "players/{player}", "state_scale": 100.0,
                        "yaw_field": "rot"}

    controller = editor.blueprint(CONTROLLER)
    assert controller.parent is Class._native("RealtimeNetSamplePlayerController")
    spawner_class, spawner = compiled_component(editor, CONTROLLER, "RealtimeNetEntitySpawner")
    assert spawner_class is Class._native("RealtimeNetEntitySpawnerComponent")
    # No Room Name: the controller starts it on the room object its join returns.
    assert spawner == {"actor_class": pawn.generated_class(), "collection_path": "players", "state_scale": 100.0}
    hud = editor.widget_blueprint(HUD)
    assert controller.defaults.values == {"room_name": "arena-1", "hud_class": hud.generated_class()}

    game_mode = editor.blueprint(GAME_MODE)
    assert game_mode.parent is Class._native("GameModeBase")
    assert game_mode.defaults.values == {"default_pawn_class": pawn.generated_class(),
                                         "player_controller_class": controller.generated_class()}

    level = editor.world
    assert level is not None and level.path == MAP  # made and open
    assert level.settings.values == {"default_game_mode": game_mode.generated_class()}
    actors = {actor.label: actor for actor in level.actors}
    assert {label: a.actor_class.get_name() for label, a in actors.items()} == {
        "Floor": "StaticMeshActor", "Sun": "DirectionalLight", "Sky": "SkyAtmosphere", "SkyLight": "SkyLight",
        "PlayerStart": "PlayerStart"}
    floor = actors["Floor"].values["root_component"]
    assert floor.mesh is editor.engine_content["/Engine/BasicShapes/Plane"]
    assert actors["Floor"].location.z == -100.0 and actors["PlayerStart"].location.z == 0.0  # under the players' plane
    assert actors["Sun"].values["root_component"].mobility == "MOVABLE"
    assert actors["SkyLight"].values["root_component"].values == {"real_time_capture": True}

    # The HUD: the four widgets on a canvas, the list and the toasts following the sample room.
    root = hud.compiled_tree
    assert root is not None and root["class"] is Class._native("CanvasPanel")
    children = {child["name"]: child for child in root["children"]}
    assert {name: child["class"] for name, child in children.items()} == {
        "ConnectionStatus": editor.blueprint(f"{UI}/WBP_RealtimeNetConnectionStatus").generated_class(),
        "PlayerList": editor.blueprint(f"{UI}/WBP_RealtimeNetPlayerList").generated_class(),
        "PresenceToast": editor.blueprint(f"{UI}/WBP_RealtimeNetPresenceToast").generated_class(),
        "Inspector": editor.blueprint(f"{UI}/WBP_RealtimeNetInspector").generated_class()}
    assert children["PlayerList"]["values"] == {"room_name": "arena-1"}
    assert children["PresenceToast"]["values"] == {"room_name": "arena-1"}
    assert children["PlayerList"]["slot"]["anchors"] == editor.module.Anchors(editor.module.Vector2D(1.0, 0.0),
                                                                              editor.module.Vector2D(1.0, 0.0))
    assert children["PlayerList"]["slot"]["size"] == editor.module.Vector2D(380.0, 440.0)
    assert children["Inspector"]["slot"]["auto_size"] is True

    # The player list shows its players with the row Blueprint, the row their last-seen time.
    player_list = node(editor, f"{UI}/WBP_RealtimeNetPlayerList", "PlayerList")
    assert player_list["class"] is Class._native("ListView")
    assert player_list["values"] == {"entry_widget_class": editor.blueprint(f"{UI}/WBP_RealtimeNetPlayerRow").generated_class()}
    assert player_list["slot"]["size"] == editor.module.SlateChildSize(1.0, "FILL")
    assert node(editor, f"{UI}/WBP_RealtimeNetPlayerRow", "LastSeenText")["class"] is Class._native("TextBlock")
    assert node(editor, f"{UI}/WBP_RealtimeNetConnectionStatus", "StateText")["values"]["font"].size == 18
    label = node(editor, f"{UI}/WBP_RealtimeNetConnectionStatus", "ReconnectLabel")
    assert str(label["values"]["text"]) == "Reconnect now"


def test_running_it_again_changes_nothing(editor: Editor) -> None:
    assert make(editor) == 0
    assets = dict(editor.assets)
    saves, compiles = list(editor.saves), {p: editor.blueprint(p).compiles for p in EVERY_ASSET if p != MAP}
    assert editor.world is not None
    actors = list(editor.world.actors)
    assert make(editor) == 0
    assert editor.assets == assets and editor.saves == saves and editor.deleted == [] and editor.errors == []
    assert editor.world.actors == actors
    assert {p: editor.blueprint(p).compiles for p in compiles} == compiles
    assert [len(editor.blueprint(p).components) for p in (PAWN, CONTROLLER)] == [1, 1]
    assert [line.split()[3] for line in editor.logs if " kept /" in line] == EVERY_ASSET
    assert editor.logs[-2] == f"RealtimeNet sample in {SAMPLE}: 0 made, 10 kept, 0 failed"


def test_a_designed_widget_is_kept_and_an_empty_one_is_laid_out(editor: Editor) -> None:
    unreal = editor.module
    designed = widgets.create_widget_blueprint(widgets.WidgetSpec(sc.HUD, "UserWidget", module="UMG"), UI)
    unreal.RealtimeNetEditorLibrary.find_or_add_widget(designed, Class._native("Overlay"), "MyOwnRoot", None)
    editor.save(designed)
    empty = widgets.create_widget_blueprint(widgets.WIDGETS[4], UI)  # what Create Widget Blueprints makes
    assert empty is not None and empty.root is None
    assert make(editor) == 0
    assert designed.root is not None and designed.root.get_name() == "MyOwnRoot" and designed.compiles == 0
    assert f"RealtimeNet sample: kept {HUD} (exists, designed)" in editor.logs
    assert node(editor, f"{UI}/WBP_RealtimeNetInspector", "TraceText")["class"] is Class._native("TextBlock")
    assert f"RealtimeNet sample: made {UI}/WBP_RealtimeNetInspector (laid out: its widget tree was empty)" in editor.logs
    assert editor.dirty() == []


def test_without_the_samples_module_what_needs_it_fails_and_the_next_run_finishes(editor: Editor) -> None:
    editor.loaded_modules = editor.loaded_modules - {"RealtimeNetSamples"}
    with pytest.raises(RuntimeError, match="some of the sample could not be made"):
        sc.main([])
    assert editor.errors == [
        f"RealtimeNet sample: {CONTROLLER} not made: /Script/RealtimeNetSamples.RealtimeNetSamplePlayerController not "
        "found: is the RealtimeNetSamples module built and enabled?",
        f"RealtimeNet sample: {GAME_MODE} not made: needs {CONTROLLER}, which is not there or not a Blueprint",
        f"RealtimeNet sample: {MAP} not made: needs {GAME_MODE}, which is not there or not a Blueprint"]
    assert sorted(editor.assets) == sorted([*WIDGET_ASSETS, PAWN]) and editor.dirty() == []
    editor.loaded_modules = editor.loaded_modules | {"RealtimeNetSamples"}
    editor.errors.clear()
    assert make(editor) == 0 and editor.errors == []
    assert sorted(editor.assets) == sorted(EVERY_ASSET) and editor.dirty() == []


def test_a_blueprint_whose_set_up_fails_is_deleted_so_the_next_run_makes_it_afresh(editor: Editor) -> None:
    editor.loaded_modules = editor.loaded_modules - {"RealtimeNet"}  # the components' module
    assert make(editor) == 1
    assert f"{PAWN} not made: /Script/RealtimeNet.RealtimeNetMovementComponent not found" in editor.errors[0]
    assert PAWN in editor.deleted and PAWN not in editor.assets and CONTROLLER not in editor.assets
    editor.loaded_modules = editor.loaded_modules | {"RealtimeNet"}
    assert make(editor) == 0
    assert list(editor.blueprint(PAWN).compiled_components) == ["RealtimeNetMovement"]


def test_a_cancelled_save_dialog_leaves_the_map_for_the_next_run(editor: Editor) -> None:
    editor.save_dialog_answer = False  # the level open now has unsaved changes, and the user cancels
    assert make(editor) == 1
    assert editor.world is None and MAP not in editor.assets
    assert editor.errors == [f"RealtimeNet sample: {MAP} not made: unsaved changes were not saved (cancelled): run it "
                             "again to make the map"]
    editor.save_dialog_answer = True
    assert make(editor) == 0 and editor.world is not None and editor.save_dialogs == 2


def test_another_folder_and_room(editor: Editor) -> None:
    assert sc.run_in_editor(sc.parse_args(["--package-path", "/Game/Demo", "--room", "lobby"])) == 0
    assert editor.blueprint("/Game/Demo/BP_RealtimeNetSamplePlayerController").defaults.values["room_name"] == "lobby"
    hud = editor.widget_blueprint("/Game/Demo/UI/WBP_RealtimeNetSampleHud").compiled_tree
    assert hud is not None and hud["children"][1]["values"] == {"room_name": "lobby"}
    assert not [path for path in editor.assets if path.startswith(SAMPLE)]


def test_the_menu_entry_makes_the_sample(editor: Editor) -> None:
    menu.run("create_sample_content")
    assert editor.errors == [] and sorted(editor.assets) == sorted(EVERY_ASSET)
    menu.run("create_sample_content")
    assert editor.errors == [] and editor.logs[-2].endswith("0 made, 10 kept, 0 failed")


# --- the fake is strict --------------------------------------------------------------------------------------------


def test_the_fake_offers_only_what_the_editor_has(editor: Editor) -> None:
    unreal = editor.module
    with pytest.raises(AttributeError, match=r"no EditorLevelLibrary \(it is in UE 5\.5's Python API"):
        unreal.EditorLevelLibrary  # noqa: B018  (there, but deprecated: the script must not need it)
    with pytest.raises(AttributeError, match="no create_sample_map"):
        unreal.create_sample_map  # noqa: B018
    with pytest.raises(ApiMisuse, match="has no editor property 'room'"):
        unreal.BlueprintFactory().set_editor_property("room", "arena-1")
    with pytest.raises(ApiMisuse, match="no parameter"):
        unreal.AddNewSubobjectParams(parent=None)
    with pytest.raises(ApiMisuse, match="no class RealtimeNetMovementComponent in module RealtimeNetUI"):
        unreal.load_class(None, "/Script/RealtimeNetUI.RealtimeNetMovementComponent")
    with pytest.raises(ApiMisuse, match="not an editor subsystem"):
        unreal.get_editor_subsystem(unreal.SubobjectDataSubsystem)
    with pytest.raises(ApiMisuse, match="holds one child"):
        button = PanelWidget(Class._native("Button"), "B", editor.module.WidgetBlueprint("/Game/W", Class._native("UserWidget")))
        button.add_child(PanelWidget(Class._native("Border"), "X", button._owner))
        button.add_child(PanelWidget(Class._native("Border"), "Y", button._owner))


def test_a_fake_class_must_match_the_real_one() -> None:
    with pytest.raises(ApiMisuse, match=r"unreal\.EditorAssetLibrary has no method duplicate_folder"):
        class EditorAssetLibrary(Fake):
            def duplicate_folder(self, path: str) -> None: ...
    with pytest.raises(ApiMisuse, match=r"spawn_actor_from_class takes \('actor_class', 'location', 'rotation', "
                                        r"'transient'\), the fake \('cls_', 'location'\)"):
        class EditorActorSubsystem(Fake):
            def spawn_actor_from_class(self, cls_: Any, location: Any) -> None: ...
    with pytest.raises(ApiMisuse, match="unreal has no class SampleMaker"):
        class SampleMaker(Fake):
            pass
    with pytest.raises(ApiMisuse, match="has no member MOVEABLE"):
        class ComponentMobility(Fake):
            MOVEABLE = "MOVEABLE"


def test_the_api_model_reads_the_plugin_headers_as_the_editor_names_them() -> None:
    api = unreal_api.load()
    controller = api.classes["RealtimeNetSamplePlayerController"]
    assert controller.module == "RealtimeNetSamples" and controller.bases == ("PlayerController",)
    assert controller.properties == {"room_name", "compact_entities", "url", "hud_class"}
    assert api.method("RealtimeNetEditorLibrary", "find_or_add_widget") == ("blueprint", "widget_class", "widget_name",
                                                                             "parent")
    assert {"sweep", "x_field", "yaw_field", "state_scale"} <= api.properties("RealtimeNetMovementComponent")
    assert "auto_activate" in api.properties("RealtimeNetMovementComponent")  # inherited from the stub's classes
    assert unreal_api.pythonize("bCompactEntities", is_bool=True) == "compact_entities"
    assert unreal_api.pythonize("MaxTraceRows") == "max_trace_rows"
