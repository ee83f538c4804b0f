"""Create the RealtimeNet sample under /Game/RealtimeNetSample: a map whose game mode gives the player a pawn that
moves with the room's state, spawns the room's other players from the room object, and shows a lobby HUD.

In the editor: RealtimeNet > Create Sample Content (the menu ``init_unreal.py`` registers). From a script or CI,
the entry point ``PythonScripts/create_sample_content.py`` runs ``main`` (in the Output Log:
``py PythonScripts/create_sample_content.py``), or headless::

    UnrealEditor-Cmd RealtimeNetHost.uproject -run=pythonscript -script="PythonScripts/create_sample_content.py"

What it makes (docs/integration-guide.md says how to play it):

- ``UI/WBP_RealtimeNetConnectionStatus``, ``PlayerList``, ``PlayerRow``, ``PresenceToast``, ``Inspector``: widget
  Blueprints of the RealtimeNetUI bases, made by ``widgets`` as Create Widget Blueprints makes them, then laid out
  with the widgets each base binds by name (StateText, PlayerList, LastSeenText, ...). ``UI/WBP_RealtimeNetSampleHud``:
  the lobby HUD, those four on a canvas, the player list and the toasts following the sample room.
- ``BP_RealtimeNetSamplePawn``: a Default Pawn (WASD to fly, E/Q up and down) with a RealtimeNet Movement component
  bound to ``players/{player}`` of the room. Its Mode stays Auto: the pawn the local player controls predicts, every
  other copy follows its entity, interpolated.
- ``BP_RealtimeNetSamplePlayerController``: ``ARealtimeNetSamplePlayerController`` (module RealtimeNetSamples) with a
  RealtimeNet Entity Spawner component spawning sample pawns. The controller connects, joins the room, starts the
  spawner on the room object the join returned, and shows the HUD.
- ``BP_RealtimeNetSampleGameMode``: that pawn and that controller.
- ``Map_RealtimeNetSample``: a floor a metre below the players' plane, a sun, a sky, a Player Start, and that game
  mode as its GameMode Override.

The document units are the bots' (``rtnet bots``, ``make demo``): metres (State Scale 100) and the heading in
``rot``. Running it again changes nothing: an asset that exists is kept as it is (delete the folder to start
again), except a widget Blueprint whose tree is empty, which is laid out. A Blueprint whose set-up fails is deleted
again, so the next run makes it afresh. Everything made is saved, and the log says what was made and what was kept.
The specs and the plan are pure; ``run_in_editor`` carries them out with the editor's Python API and the
RealtimeNetEditor library (tests/test_sample_content.py runs it against a strict fake of the editor).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Union

from realtimenet_editor import widgets
from realtimenet_editor.env import editor_unreal

if TYPE_CHECKING:
    import unreal

PACKAGE_PATH = "/Game/RealtimeNetSample"
UI_FOLDER = "UI"
ROOM = "arena-1"  # where `make demo` and `rtnet bots --room arena-1` put their bots
COLLECTION = "players"
STATE_SCALE = 100.0  # the bots move in metres; Unreal's units are centimetres
YAW_FIELD = "rot"  # the heading the bots write, and `make demo` declares in state.entities

MAP = "Map_RealtimeNetSample"
GAME_MODE = "BP_RealtimeNetSampleGameMode"
PAWN = "BP_RealtimeNetSamplePawn"
PLAYER_CONTROLLER = "BP_RealtimeNetSamplePlayerController"
HUD = "WBP_RealtimeNetSampleHud"

SAMPLES_MODULE = "RealtimeNetSamples"
MOVEMENT_COMPONENT = "/Script/RealtimeNet.RealtimeNetMovementComponent"
SPAWNER_COMPONENT = "/Script/RealtimeNet.RealtimeNetEntitySpawnerComponent"
SAMPLE_CONTROLLER = f"/Script/{SAMPLES_MODULE}.RealtimeNetSamplePlayerController"
FLOOR_MESH = "/Engine/BasicShapes/Plane"  # UActorFactoryBasicShape::BasicPlane: 1 m square, facing up

# ----- values in the specs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetClass:
    """The class a sample Blueprint generates (``BP_X``, ``UI/WBP_X``: relative to the sample's folder)."""

    asset: str


@dataclass(frozen=True)
class Color:
    r: float
    g: float
    b: float
    a: float = 1.0


@dataclass(frozen=True)
class Padding:
    """The same margin on all four sides."""

    pixels: float


@dataclass(frozen=True)
class Label:
    """Text a player reads (an ``FText`` property)."""

    text: str


@dataclass(frozen=True)
class FontSize:
    """The size of a text widget's font (the rest of the font stays the default)."""

    points: int


# Union, not `|`: an alias is evaluated at run time, and UE 5.0-5.3 embed Python 3.9.
Value = Union[str, float, bool, AssetClass, Color, Padding, Label, FontSize]  # noqa: UP007
Properties = tuple[tuple[str, Value], ...]

# ----- widget layouts --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CanvasSlot:
    """Where a widget sits on a canvas: anchored (and aligned) at ``anchor`` (0..1 of the screen), moved by
    ``offset`` pixels, sized to its content unless ``size`` is given."""

    anchor: tuple[float, float]
    offset: tuple[float, float]
    size: tuple[float, float] | None = None


@dataclass(frozen=True)
class BoxSlot:
    """A widget's place in a vertical or horizontal box."""

    fill: bool = False
    padding: float = 0.0


@dataclass(frozen=True)
class WidgetNode:
    """One widget of a layout: its name (the name a base class binds, e.g. ``StateText``), its class (a UMG widget
    such as ``TextBlock``, or a sample widget Blueprint ``WBP_...``), its properties, its slot in its parent, and
    its children (for panels)."""

    name: str
    widget_class: str
    properties: Properties = ()
    slot: CanvasSlot | BoxSlot | None = None
    children: tuple[WidgetNode, ...] = ()

    def walk(self) -> list[WidgetNode]:
        """This node and every node below it, parents before children."""
        return [self, *(node for child in self.children for node in child.walk())]


PANEL_COLOR = Color(0.0, 0.0, 0.0, 0.55)  # text stays readable over any sky


def text(name: str, points: int, *, fill: bool = False, label: str | None = None) -> WidgetNode:
    properties: Properties = (("font", FontSize(points)),)
    if label is not None:
        properties += (("text", Label(label)),)
    return WidgetNode(name, "TextBlock", properties, BoxSlot(fill=fill, padding=2.0))


def panel(*content: WidgetNode) -> WidgetNode:
    """A translucent box holding a column of widgets."""
    return WidgetNode("Background", "Border", (("brush_color", PANEL_COLOR), ("padding", Padding(8.0))),
                      children=(WidgetNode("Content", "VerticalBox", children=content),))


def layouts(room: str) -> dict[str, WidgetNode]:
    """The widget tree of each sample widget Blueprint, by asset name."""
    reconnect_label = WidgetNode("ReconnectLabel", "TextBlock",
                                 (("font", FontSize(12)), ("text", Label("Reconnect now"))))
    row_class = AssetClass(f"{UI_FOLDER}/WBP_RealtimeNetPlayerRow")
    return {
        "WBP_RealtimeNetConnectionStatus": panel(
            text("StateText", 18), text("QualityText", 12),
            WidgetNode("QualityProgress", "ProgressBar", slot=BoxSlot(padding=2.0)),
            text("ReconnectText", 12),
            WidgetNode("ReconnectButton", "Button", slot=BoxSlot(padding=2.0), children=(reconnect_label,))),
        "WBP_RealtimeNetPlayerRow": WidgetNode("Row", "HorizontalBox", children=(
            WidgetNode("OnlineIndicator", "Image", slot=BoxSlot(padding=4.0)),
            text("NameText", 14, fill=True), text("StatusText", 12), text("LastSeenText", 12))),
        "WBP_RealtimeNetPlayerList": panel(
            text("CountText", 14),
            WidgetNode("PlayerList", "ListView", (("entry_widget_class", row_class),), BoxSlot(fill=True))),
        "WBP_RealtimeNetPresenceToast": WidgetNode(
            "Background", "Border", (("brush_color", PANEL_COLOR), ("padding", Padding(12.0))),
            children=(WidgetNode("MessageText", "TextBlock", (("font", FontSize(16)),)),)),
        "WBP_RealtimeNetInspector": panel(text("StateText", 11), text("LinkText", 11), text("QueueText", 11),
                                          text("TraceText", 10)),
        HUD: WidgetNode("Root", "CanvasPanel", children=(
            WidgetNode("ConnectionStatus", "WBP_RealtimeNetConnectionStatus",
                       slot=CanvasSlot((0.0, 0.0), (24.0, 24.0))),
            WidgetNode("PlayerList", "WBP_RealtimeNetPlayerList", (("room_name", room),),
                       CanvasSlot((1.0, 0.0), (-24.0, 24.0), size=(380.0, 440.0))),
            WidgetNode("PresenceToast", "WBP_RealtimeNetPresenceToast", (("room_name", room),),
                       CanvasSlot((0.5, 1.0), (0.0, -96.0))),
            WidgetNode("Inspector", "WBP_RealtimeNetInspector", slot=CanvasSlot((0.0, 1.0), (24.0, -24.0))))),
    }


# The order matters: the player row before the list that shows it, the four before the HUD.
WIDGETS: tuple[widgets.WidgetSpec, ...] = (
    *(spec for spec in widgets.WIDGETS if spec.asset_name == "WBP_RealtimeNetPlayerRow"),
    *(spec for spec in widgets.WIDGETS if spec.asset_name != "WBP_RealtimeNetPlayerRow"),
    widgets.WidgetSpec(HUD, "UserWidget", module="UMG"),
)

# ----- Blueprints and the map ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentSpec:
    """A component added to a Blueprint (its Components panel), with the properties set on it."""

    name: str
    class_path: str
    properties: Properties


@dataclass(frozen=True)
class BlueprintSpec:
    """A Blueprint class: its parent, the components it adds, and its class defaults."""

    asset_name: str
    parent_class: str
    components: tuple[ComponentSpec, ...] = ()
    defaults: Properties = ()


def blueprints(room: str) -> tuple[BlueprintSpec, ...]:
    """The sample's Blueprints, each after those it refers to."""
    return (
        BlueprintSpec(PAWN, "/Script/Engine.DefaultPawn", components=(
            ComponentSpec("RealtimeNetMovement", MOVEMENT_COMPONENT, (
                ("room_name", room), ("state_path", f"{COLLECTION}/{{player}}"), ("state_scale", STATE_SCALE),
                ("yaw_field", YAW_FIELD))),)),
        BlueprintSpec(PLAYER_CONTROLLER, SAMPLE_CONTROLLER, components=(
            ComponentSpec("RealtimeNetEntitySpawner", SPAWNER_COMPONENT, (
                ("actor_class", AssetClass(PAWN)), ("collection_path", COLLECTION), ("state_scale", STATE_SCALE))),),
            defaults=(("room_name", room), ("hud_class", AssetClass(f"{UI_FOLDER}/{HUD}")))),
        BlueprintSpec(GAME_MODE, "/Script/Engine.GameModeBase", defaults=(
            ("default_pawn_class", AssetClass(PAWN)), ("player_controller_class", AssetClass(PLAYER_CONTROLLER)))),
    )


@dataclass(frozen=True)
class ActorSpec:
    """An actor placed in the map: its class, label, where it is, and properties of its root component."""

    label: str
    class_path: str
    location: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation: tuple[float, float, float] = (0.0, 0.0, 0.0)  # pitch, yaw, roll in degrees
    scale: tuple[float, float, float] = (1.0, 1.0, 1.0)
    movable: bool = False
    mesh: str | None = None  # a static mesh asset for the root (a Static Mesh Actor's)
    root_properties: Properties = ()


MAP_ACTORS: tuple[ActorSpec, ...] = (
    # The players' plane is z = 0 (the bots send z 0): the floor lies a metre below, so a pawn's sphere (35 cm) never
    # starts its move inside it, which would stop its sweeps.
    ActorSpec("Floor", "/Script/Engine.StaticMeshActor", location=(0.0, 0.0, -100.0), scale=(60.0, 60.0, 1.0),
              mesh=FLOOR_MESH),
    ActorSpec("Sun", "/Script/Engine.DirectionalLight", location=(0.0, 0.0, 1000.0), rotation=(-40.0, 30.0, 0.0),
              movable=True),  # movable: lit without building lighting
    ActorSpec("Sky", "/Script/Engine.SkyAtmosphere"),
    ActorSpec("SkyLight", "/Script/Engine.SkyLight", location=(0.0, 0.0, 500.0), movable=True,
              root_properties=(("real_time_capture", True),)),
    ActorSpec("PlayerStart", "/Script/Engine.PlayerStart"),
)

# ----- the plan ----------------------------------------------------------------------------------------------------

Kind = Literal["widget", "blueprint", "map"]
Action = Literal["create", "keep"]


@dataclass(frozen=True)
class Sample:
    """Where the sample goes and which room it plays in."""

    package_path: str = PACKAGE_PATH
    room: str = ROOM

    @property
    def ui_path(self) -> str:
        return f"{self.package_path}/{UI_FOLDER}"

    def asset_path(self, relative: str) -> str:
        """``BP_X`` or ``UI/WBP_X`` under the sample's folder."""
        return f"{self.package_path}/{relative}"


@dataclass(frozen=True)
class Step:
    """One asset of the sample and what to do about it."""

    kind: Kind
    name: str
    asset_path: str
    action: Action


def plan(sample: Sample, exists: Callable[[str], bool]) -> list[Step]:
    """Every asset in the order they depend on each other: made when missing, kept when there."""
    entries: list[tuple[Kind, str, str]] = [("widget", spec.asset_name, f"{UI_FOLDER}/{spec.asset_name}")
                                            for spec in WIDGETS]
    entries += [("blueprint", spec.asset_name, spec.asset_name) for spec in blueprints(sample.room)]
    entries.append(("map", MAP, MAP))
    steps: list[Step] = []
    for kind, name, relative in entries:
        path = sample.asset_path(relative)
        steps.append(Step(kind, name, path, "keep" if exists(path) else "create"))
    return steps


def check_room(room: str) -> str:
    """``room`` when the gateway accepts it as a room name ([A-Za-z0-9_.:-], 64 at most); ValueError if not."""
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", room):
        raise ValueError(f"{room!r} is not a room name ([A-Za-z0-9_.:-], 1 to 64 characters)")
    return room


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Command-line options (argv without the program name)."""
    parser = argparse.ArgumentParser(prog="create_sample_content.py", description=__doc__.splitlines()[0])
    parser.add_argument("--package-path", default=PACKAGE_PATH, type=widgets.check_package_path,
                        help="content folder (default %(default)s)")
    parser.add_argument("--room", default=ROOM, type=check_room,
                        help="the room the sample joins (default %(default)s, as make demo's bots)")
    return parser.parse_args(list(argv))


# ----- in the editor ---------------------------------------------------------------------------------------------


class SampleError(Exception):
    """Raised when one asset of the sample cannot be made; the run logs it and goes on with the others."""


class EditorRun:
    """Carries out the plan in the editor: one ``make_*`` per kind of asset, ``resolve`` for values."""

    def __init__(self, sample: Sample) -> None:
        import unreal

        self.sample = sample
        self.assets = unreal.EditorAssetLibrary
        self.layouts = layouts(sample.room)
        self.specs = {spec.asset_name: spec for spec in blueprints(sample.room)}
        self.made: list[str] = []
        self.kept: list[str] = []
        self.failed: list[str] = []

    def run(self) -> int:
        """0 when every asset of the sample exists afterwards, else 1."""
        import unreal

        for step in plan(self.sample, self.assets.does_asset_exist):
            try:
                if step.kind == "widget":
                    self.make_widget(step)
                elif step.action == "keep":
                    self.note_kept(step.asset_path)
                elif step.kind == "blueprint":
                    self.make_blueprint(step, self.specs[step.name])
                else:
                    self.make_map(step)
            except SampleError as exc:
                unreal.log_error(f"RealtimeNet sample: {step.asset_path} not made: {exc}")
                self.failed.append(step.asset_path)
        unreal.log(f"RealtimeNet sample in {self.sample.package_path}: {len(self.made)} made, {len(self.kept)} kept, "
                   f"{len(self.failed)} failed")
        if not self.failed:
            unreal.log(f"RealtimeNet sample: open {self.sample.asset_path(MAP)}, start a gateway and bots "
                       f"(make demo), and press Play: you join {self.sample.room!r} (docs/integration-guide.md)")
        return 1 if self.failed else 0

    def note_made(self, path: str, what: str) -> None:
        import unreal

        self.made.append(path)
        unreal.log(f"RealtimeNet sample: made {path} ({what})")

    def note_kept(self, path: str, why: str = "exists") -> None:
        import unreal

        self.kept.append(path)
        unreal.log(f"RealtimeNet sample: kept {path} ({why})")

    # --- values ---

    def load_class(self, path: str) -> unreal.Class:
        import unreal

        found = unreal.load_class(None, path)
        if found is None:
            module = path.split("/")[2].split(".")[0]
            raise SampleError(f"{path} not found: is the {module} module built and enabled?")
        return found

    def asset_class(self, relative: str) -> unreal.Class:
        """The class a sample Blueprint generates."""
        import unreal

        path = self.sample.asset_path(relative)
        blueprint = self.assets.load_asset(path)
        if not isinstance(blueprint, unreal.Blueprint):
            raise SampleError(f"needs {path}, which is not there or not a Blueprint")
        return blueprint.generated_class()

    def resolve(self, value: Value) -> object:
        """A spec value as the editor takes it."""
        import unreal

        if isinstance(value, AssetClass):
            return self.asset_class(value.asset)
        if isinstance(value, Color):
            return unreal.LinearColor(value.r, value.g, value.b, value.a)
        if isinstance(value, Padding):
            return unreal.Margin(value.pixels, value.pixels, value.pixels, value.pixels)
        if isinstance(value, Label):
            return unreal.Text(value.text)
        return value

    def set_properties(self, target: unreal.Object, properties: Properties) -> None:
        import unreal

        for name, value in properties:
            if isinstance(value, FontSize):
                font = target.get_editor_property(name)
                if not isinstance(font, unreal.SlateFontInfo):
                    raise SampleError(f"{target.get_name()}.{name} is not a font")
                font.set_editor_property("size", value.points)
                target.set_editor_property(name, font)
            else:
                target.set_editor_property(name, self.resolve(value))

    # --- widget Blueprints ---

    def make_widget(self, step: Step) -> None:
        import unreal

        spec = next(s for s in WIDGETS if s.asset_name == step.name)
        library = getattr(unreal, "RealtimeNetEditorLibrary", None)
        if library is None:
            raise SampleError("the RealtimeNetEditor module is not loaded (its library lays the widgets out)")
        if step.action == "keep":
            blueprint = self.assets.load_asset(step.asset_path)
            if not isinstance(blueprint, unreal.WidgetBlueprint):
                raise SampleError("an asset of that name exists and is not a Widget Blueprint")
            if library.get_root_widget(blueprint) is not None:
                self.note_kept(step.asset_path, "exists, designed")
                return
            self.lay_out(library, blueprint, self.layouts[step.name])
            self.save(blueprint, step.asset_path)
            self.note_made(step.asset_path, "laid out: its widget tree was empty")
            return
        created = widgets.create_widget_blueprint(spec, self.sample.ui_path)
        if created is None:
            raise SampleError(f"could not create it from {spec.parent_class_path}")
        try:
            self.lay_out(library, created, self.layouts[step.name])
            self.save(created, step.asset_path)
        except SampleError:
            self.assets.delete_asset(step.asset_path)  # the next run makes it afresh
            raise
        self.note_made(step.asset_path, f"widget Blueprint of {spec.parent_class_path}")

    def widget_class(self, node: WidgetNode) -> unreal.Class:
        if node.widget_class.startswith("WBP_"):
            return self.asset_class(f"{UI_FOLDER}/{node.widget_class}")
        return self.load_class(f"/Script/UMG.{node.widget_class}")

    def lay_out(self, library: Any, blueprint: unreal.WidgetBlueprint, root: WidgetNode) -> None:
        """Builds the tree below ``root`` (the root first) and compiles the Blueprint."""
        import unreal

        placed: dict[str, unreal.Widget] = {}

        def place(node: WidgetNode, parent: unreal.PanelWidget | None) -> None:
            widget = library.find_or_add_widget(blueprint, self.widget_class(node), node.name, parent)
            if not isinstance(widget, unreal.Widget):
                raise SampleError(f"could not add {node.name} ({node.widget_class}); the Output Log says why")
            placed[node.name] = widget
            self.set_properties(widget, node.properties)
            if node.slot is not None:
                self.place_in_slot(widget, node.slot)
            if not node.children:
                return
            if not isinstance(widget, unreal.PanelWidget):
                raise SampleError(f"{node.name} ({node.widget_class}) holds no children")
            for child in node.children:
                place(child, widget)

        place(root, None)
        unreal.BlueprintEditorLibrary.compile_blueprint(blueprint)

    def place_in_slot(self, widget: unreal.Widget, slot_spec: CanvasSlot | BoxSlot) -> None:
        import unreal

        slot = widget.get_editor_property("slot")
        if isinstance(slot_spec, CanvasSlot) and isinstance(slot, unreal.CanvasPanelSlot):
            anchor = unreal.Vector2D(*slot_spec.anchor)
            slot.set_anchors(unreal.Anchors(anchor, anchor))
            slot.set_alignment(anchor)
            slot.set_position(unreal.Vector2D(*slot_spec.offset))
            if slot_spec.size is None:
                slot.set_auto_size(True)
            else:
                slot.set_size(unreal.Vector2D(*slot_spec.size))
        elif isinstance(slot_spec, BoxSlot) and isinstance(slot, (unreal.VerticalBoxSlot, unreal.HorizontalBoxSlot)):
            if slot_spec.fill:
                slot.set_size(unreal.SlateChildSize(1.0, unreal.SlateSizeRule.FILL))
            if slot_spec.padding:
                slot.set_padding(unreal.Margin(slot_spec.padding, slot_spec.padding, slot_spec.padding,
                                               slot_spec.padding))
        else:
            raise SampleError(f"{widget.get_name()} sits in a {type(slot).__name__}, not the slot its layout expects")

    # --- Blueprints ---

    def make_blueprint(self, step: Step, spec: BlueprintSpec) -> None:
        import unreal

        parent = self.load_class(spec.parent_class)
        factory = unreal.BlueprintFactory()
        factory.set_editor_property("parent_class", parent)
        tools = unreal.AssetToolsHelpers.get_asset_tools()
        created = tools.create_asset(spec.asset_name, self.sample.package_path, unreal.Blueprint.static_class(),
                                     factory)
        if not isinstance(created, unreal.Blueprint):
            raise SampleError(f"AssetTools could not create a Blueprint of {spec.parent_class}")
        try:
            for component in spec.components:
                self.add_component(created, component)
            # Compiled once the components are added, so the class (and its defaults object) is the new one.
            unreal.BlueprintEditorLibrary.compile_blueprint(created)
            self.set_properties(unreal.get_default_object(created.generated_class()), spec.defaults)
            self.save(created, step.asset_path)
        except SampleError:
            self.assets.delete_asset(step.asset_path)  # the next run makes it afresh
            raise
        parts = [f"parent {spec.parent_class}", *(f"{c.name} component" for c in spec.components)]
        self.note_made(step.asset_path, ", ".join(parts))

    def add_component(self, blueprint: unreal.Blueprint, spec: ComponentSpec) -> None:
        """What Add in a Blueprint's Components panel does, through the Subobject Data Subsystem."""
        import unreal

        subobjects = unreal.get_engine_subsystem(unreal.SubobjectDataSubsystem)
        if subobjects is None:
            raise SampleError("no Subobject Data Subsystem")
        handles = subobjects.k2_gather_subobject_data_for_blueprint(blueprint)
        if not handles:
            raise SampleError(f"{blueprint.get_name()} has no subobject data")
        params = unreal.AddNewSubobjectParams(parent_handle=handles[0], new_class=self.load_class(spec.class_path),
                                              blueprint_context=blueprint)
        handle, fail_reason = subobjects.add_new_subobject(params)
        library = unreal.SubobjectDataBlueprintFunctionLibrary
        if not library.is_handle_valid(handle):
            raise SampleError(f"could not add the {spec.name} component: {fail_reason}")
        subobjects.rename_subobject(handle, unreal.Text(spec.name))
        template = library.get_object_for_blueprint(library.get_data(handle), blueprint)
        if template is None:
            raise SampleError(f"the {spec.name} component has no template")
        self.set_properties(template, spec.properties)

    # --- the map ---

    def make_map(self, step: Step) -> None:
        import unreal

        game_mode = self.asset_class(GAME_MODE)
        # Making a level opens it in place of the one open now: offer to save that one first (nothing is asked when
        # nothing is unsaved); cancelling leaves the map for the next run.
        if not unreal.EditorLoadingAndSavingUtils.save_dirty_packages_with_dialog(True, True):
            raise SampleError("unsaved changes were not saved (cancelled): run it again to make the map")
        level_editor = unreal.get_editor_subsystem(unreal.LevelEditorSubsystem)
        actors = unreal.get_editor_subsystem(unreal.EditorActorSubsystem)
        editor = unreal.get_editor_subsystem(unreal.UnrealEditorSubsystem)
        if level_editor is None or actors is None or editor is None:
            raise SampleError("the level editor's subsystems are not there (is this the editor?)")
        if not level_editor.new_level(step.asset_path):
            raise SampleError("the level editor could not make the level (the Output Log says why)")
        for spec in MAP_ACTORS:
            self.place_actor(actors, spec)
        editor.get_editor_world().get_world_settings().set_editor_property("default_game_mode", game_mode)
        if not level_editor.save_current_level():
            raise SampleError("the level was made but could not be saved")
        self.note_made(step.asset_path, f"{', '.join(a.label for a in MAP_ACTORS)}; GameMode Override {GAME_MODE}; "
                                        "open now")

    def place_actor(self, actors: unreal.EditorActorSubsystem, spec: ActorSpec) -> None:
        import unreal

        pitch, yaw, roll = spec.rotation
        actor = actors.spawn_actor_from_class(self.load_class(spec.class_path), unreal.Vector(*spec.location),
                                              unreal.Rotator(roll=roll, pitch=pitch, yaw=yaw))
        if actor is None:
            raise SampleError(f"could not place the {spec.label}")
        actor.set_actor_label(spec.label)
        actor.set_actor_scale3d(unreal.Vector(*spec.scale))
        root = actor.get_editor_property("root_component")
        if not isinstance(root, unreal.SceneComponent):
            raise SampleError(f"the {spec.label} has no root component")
        if spec.movable:
            root.set_mobility(unreal.ComponentMobility.MOVABLE)
        if spec.mesh is not None:
            mesh = self.assets.load_asset(spec.mesh)
            if not isinstance(root, unreal.StaticMeshComponent) or not isinstance(mesh, unreal.StaticMesh) \
                    or not root.set_static_mesh(mesh):
                raise SampleError(f"{spec.mesh} could not be set on the {spec.label}")
        self.set_properties(root, spec.root_properties)

    # --- saving ---

    def save(self, asset: unreal.Object, path: str) -> None:
        if not self.assets.save_loaded_asset(asset, False):
            raise SampleError("could not be saved")


def run_in_editor(options: argparse.Namespace) -> int:
    """Carry out the plan in the editor; 0 when every asset of the sample exists afterwards, else 1."""
    return EditorRun(Sample(options.package_path, options.room)).run()


def main(argv: Sequence[str]) -> int:
    """Entry point: 2 outside the editor (this script needs the ``unreal`` module)."""
    options = parse_args(argv)
    if editor_unreal() is None:
        print("create_sample_content.py runs inside the Unreal editor (see its docstring)", file=sys.stderr)
        return 2
    code = run_in_editor(options)
    if code:
        # The PythonScript commandlet turns an exception into a failed run; sys.exit would end the editor.
        raise RuntimeError("some of the sample could not be made (see the errors above)")
    return code
