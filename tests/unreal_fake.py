"""A strict fake of the editor's ``unreal`` module, for the tests of the editor scripts that make assets.

Strict against the real API (tests/unreal_api.py: unreal-stub 0.2.1, the Python API of UE 5.5, plus the plugin's
own classes read from its headers):

- the module has only the names the fake defines, and the fake may define only names the real module has;
- every fake class stands for a real class (its own name, or ``API_CLASS``), and each method it defines must exist
  on that class (inherited ones included) with the same parameter names: checked when the class is defined, so a
  fake cannot offer what the editor does not;
- ``get_editor_property`` / ``set_editor_property`` take only the editor properties of the object's real class, a
  struct's constructor only its fields, an enum only its members, ``load_class`` only ``/Script/<Module>.<Class>``
  paths whose class is in that module (and the module loaded).

Beyond names it keeps the state the scripts rely on, the way the editor keeps it: assets by path (made, saved,
deleted, dirty until saved), Blueprints with the components added in their Components panel and their class
defaults, what compiling puts into the generated class, widget trees with slots, the open level with its actors.
"""

from __future__ import annotations

import copy
import inspect
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from tests import unreal_api

API = unreal_api.load()

# The modules whose /Script classes load_class finds: the engine's and the plugin's runtime and editor modules.
ENGINE_MODULES = frozenset({"CoreUObject", "Engine", "UMG", "UMGEditor", "UnrealEd"})
PLUGIN_MODULES = frozenset({"RealtimeNet", "RealtimeNetUI", "RealtimeNetSamples", "RealtimeNetEditor"})
ENGINE_CONTENT = {"/Engine/BasicShapes/Plane": "StaticMesh"}
ROOT_COMPONENTS = {"StaticMeshActor": "StaticMeshComponent", "DirectionalLight": "DirectionalLightComponent",
                   "SkyLight": "SkyLightComponent", "SkyAtmosphere": "SkyAtmosphereComponent",
                   "PlayerStart": "CapsuleComponent"}
SLOTS = {"CanvasPanel": "CanvasPanelSlot", "VerticalBox": "VerticalBoxSlot", "HorizontalBox": "HorizontalBoxSlot",
         "Border": "BorderSlot", "Button": "ButtonSlot"}


class ApiMisuse(AssertionError):
    """The script used something the editor's Python API does not have (or not that way)."""


def _parameters(function: Callable[..., Any]) -> tuple[str, ...]:
    names = inspect.signature(function).parameters
    return tuple(n for n in names if n not in ("self", "cls"))


class Fake:
    """Base of the fake classes: checks, when a subclass is defined, that it stands for a real class and that its
    methods are real methods of that class with the real parameter names; enum members likewise."""

    API_CLASS: ClassVar[str] = "_WrapperBase"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("API_CLASS", cls.__name__)
        if name not in API.classes:
            raise ApiMisuse(f"unreal has no class {name}")
        cls.API_CLASS = name
        for attr, member in cls.__dict__.items():
            if attr.startswith("_") or attr == "API_CLASS":
                continue
            function = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
            if isinstance(function, property):
                function = function.fget
            if callable(function):
                expected = API.method(name, attr)
                if expected is None:
                    raise ApiMisuse(f"unreal.{name} has no method {attr}")
                if _parameters(function) != expected:
                    raise ApiMisuse(f"unreal.{name}.{attr} takes {expected}, the fake {_parameters(function)}")
            elif attr.isupper() and attr not in API.classes[name].constants:
                raise ApiMisuse(f"unreal.{name} has no member {attr}")


# ----- values -----------------------------------------------------------------------------------------------------


class StructBase(Fake):
    """A struct: built from its constructor's parameters (by position or name), read and set by editor property."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = API.method(self.API_CLASS, "__init__") or ()
        if len(args) > len(names):
            raise ApiMisuse(f"unreal.{self.API_CLASS}() takes {names}")
        unknown = set(kwargs) - set(names)
        if unknown:
            raise ApiMisuse(f"unreal.{self.API_CLASS}() has no parameter {sorted(unknown)}; it takes {names}")
        self._fields: dict[str, Any] = dict(zip(names, args, strict=False))  # the rest keep their defaults
        self._fields.update(kwargs)

    def get_editor_property(self, name: str) -> Any:
        _check_property(self.API_CLASS, name)
        return self._fields.get(name)

    def set_editor_property(self, name: str, value: Any, notify_mode: Any = None) -> None:
        _check_property(self.API_CLASS, name)
        self._fields[name] = value

    def __getattr__(self, name: str) -> Any:
        fields = self.__dict__.get("_fields", {})
        if name in fields:
            return fields[name]
        raise AttributeError(f"unreal.{type(self).API_CLASS} has no {name} here")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._fields == self._fields  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(map(repr, self._fields.items())))))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._fields})"


class Vector(StructBase):
    pass


class Vector2D(StructBase):
    pass


class Rotator(StructBase):
    pass


class LinearColor(StructBase):
    pass


class Margin(StructBase):
    pass


class Anchors(StructBase):
    pass


class SlateChildSize(StructBase):
    pass


class SlateFontInfo(StructBase):
    pass


class AddNewSubobjectParams(StructBase):
    pass


class SubobjectDataHandle(StructBase):
    node: Component | None = None  # what it refers to; None for the invalid handle


class SubobjectData(StructBase):
    node: Component | None = None


class EnumBase(Fake):
    pass


class SlateSizeRule(EnumBase):
    AUTOMATIC = "AUTOMATIC"
    FILL = "FILL"


class ComponentMobility(EnumBase):
    STATIC = "STATIC"
    STATIONARY = "STATIONARY"
    MOVABLE = "MOVABLE"


class Text(Fake):
    def __init__(self, value: Any = "") -> None:
        self.value = str(value)

    def __str__(self) -> str:
        return self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


def _check_property(api_class: str, name: str) -> None:
    if name not in API.properties(api_class):
        raise ApiMisuse(f"unreal.{api_class} has no editor property {name!r}")


# ----- objects ----------------------------------------------------------------------------------------------------


class Object(Fake):
    """A UObject of the real class ``api_class`` (a Blueprint's instances: its nearest C++ class), owned by an asset
    that a change makes dirty."""

    _DEFAULTS: ClassVar[dict[str, Callable[[], Any]]] = {"font": lambda: SlateFontInfo(size=24.0)}

    def __init__(self, api_class: str | None = None, name: str = "", owner: Asset | None = None) -> None:
        self._api = api_class or type(self).API_CLASS
        if self._api not in API.classes:
            raise ApiMisuse(f"unreal has no class {self._api}")
        self._name = name
        self._owner = owner
        self.values: dict[str, Any] = {}

    @classmethod
    def static_class(cls) -> Class:
        return Class._native(cls.API_CLASS)

    def get_name(self) -> str:
        return self._name

    def get_editor_property(self, name: str) -> Any:
        _check_property(self._api, name)
        if name not in self.values and name in self._DEFAULTS:
            return self._DEFAULTS[name]()
        value = self.values.get(name)
        return copy.copy(value) if isinstance(value, StructBase) else value  # a struct is a copy, as in the editor

    def set_editor_property(self, name: str, value: Any, notify_mode: Any = None) -> None:
        _check_property(self._api, name)
        self.values[name] = value
        self._touch()

    def _touch(self) -> None:
        if self._owner is not None:
            self._owner.dirty = True


class Class(Object):
    """A class: a C++ one (``native``), or the class a Blueprint generates (``blueprint`` set)."""

    _natives: ClassVar[dict[str, Class]] = {}

    def __init__(self, name: str, native_name: str, parent: Class | None = None,
                 blueprint: Blueprint | None = None) -> None:
        super().__init__("Class", name)
        self.native_name = native_name  # the real class its instances are
        self.parent = parent
        self.blueprint = blueprint

    @classmethod
    def _native(cls, name: str) -> Class:
        if name not in API.classes:
            raise ApiMisuse(f"unreal has no class {name}")
        return cls._natives.setdefault(name, Class(name, name))

    def _is_child_of(self, name: str) -> bool:
        return API.is_subclass(self.native_name, name)

    def __repr__(self) -> str:
        return f"<Class {self._name}>"


class Asset(Object):
    """Something with a package path in the content browser."""

    API_CLASS = "Object"

    def __init__(self, api_class: str, path: str) -> None:
        super().__init__(api_class, path.rsplit("/", 1)[-1])
        self.path = path
        self.dirty = True
        self._owner = self


@dataclass
class Component:
    """A component added in a Blueprint's Components panel (an SCS node) and its template."""

    name: str
    component_class: Class
    template: Object
    blueprint: Blueprint


class Blueprint(Asset):
    """A Blueprint: its parent class, added components, class defaults, and what the last compile put in the
    generated class."""

    def __init__(self, path: str, parent: Class, api_class: str = "Blueprint") -> None:
        super().__init__(api_class, path)
        self.parent = parent
        self.components: list[Component] = []
        self._class = Class(f"{self._name}_C", parent.native_name, parent, self)
        self.defaults = Object(parent.native_name, f"Default__{self._name}_C", self)
        self.compiled_components: dict[str, tuple[Class, dict[str, Any]]] = {}
        self.compiles = 0

    def generated_class(self) -> Class:
        return self._class

    def _compile(self) -> None:
        self.compiles += 1
        self.compiled_components = {c.name: (c.component_class, dict(c.template.values)) for c in self.components}
        self.dirty = True


class WidgetBlueprint(Blueprint):
    def __init__(self, path: str, parent: Class) -> None:
        super().__init__(path, parent, "WidgetBlueprint")
        self.root: Widget | None = None
        self.compiled_tree: dict[str, Any] | None = None

    def _widgets(self) -> Iterator[Widget]:
        pending = [self.root] if self.root is not None else []
        while pending:
            widget = pending.pop(0)
            yield widget
            if isinstance(widget, PanelWidget):
                pending.extend(widget.children)

    def _find(self, name: str) -> Widget | None:
        return next((w for w in self._widgets() if w.get_name() == name), None)

    def _compile(self) -> None:
        super()._compile()
        self.compiled_tree = self.root._describe() if self.root is not None else None


class Widget(Object):
    def __init__(self, widget_class: Class, name: str, owner: WidgetBlueprint) -> None:
        super().__init__(widget_class.native_name, name, owner)
        self.widget_class = widget_class

    def _describe(self) -> dict[str, Any]:
        slot = self.values.get("slot")
        return {"name": self._name, "class": self.widget_class, "values": {k: v for k, v in self.values.items()
                                                                           if k != "slot"},
                "slot": slot.layout if isinstance(slot, PanelSlot) else None}


class PanelWidget(Widget):
    def __init__(self, widget_class: Class, name: str, owner: WidgetBlueprint) -> None:
        super().__init__(widget_class, name, owner)
        self.children: list[Widget] = []

    def _takes_more(self) -> bool:
        return not API.is_subclass(self._api, "ContentWidget") or not self.children

    def add_child(self, content: Widget) -> PanelSlot:
        if not self._takes_more():
            raise ApiMisuse(f"{self._name} ({self._api}) holds one child")
        slot_class = next((slot for panel, slot in SLOTS.items() if API.is_subclass(self._api, panel)), "PanelSlot")
        slot = {"CanvasPanelSlot": CanvasPanelSlot, "VerticalBoxSlot": VerticalBoxSlot,
                "HorizontalBoxSlot": HorizontalBoxSlot}.get(slot_class, PanelSlot)(slot_class, "", self._owner)
        self.children.append(content)
        content.values["slot"] = slot
        self._touch()
        return slot

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "children": [child._describe() for child in self.children]}


class PanelSlot(Object):
    def __init__(self, api_class: str | None = None, name: str = "", owner: Asset | None = None) -> None:
        super().__init__(api_class, name, owner)
        self.layout: dict[str, Any] = {}

    def _set(self, key: str, value: Any) -> None:
        self.layout[key] = value
        self._touch()


class CanvasPanelSlot(PanelSlot):
    def set_anchors(self, anchors: Anchors) -> None:
        self._set("anchors", anchors)

    def set_alignment(self, alignment: Vector2D) -> None:
        self._set("alignment", alignment)

    def set_position(self, position: Vector2D) -> None:
        self._set("position", position)

    def set_size(self, size: Vector2D) -> None:
        self._set("size", size)

    def set_auto_size(self, inb_auto_size: bool) -> None:
        self._set("auto_size", inb_auto_size)


class VerticalBoxSlot(PanelSlot):
    def set_size(self, size: SlateChildSize) -> None:
        self._set("size", size)

    def set_padding(self, padding: Margin) -> None:
        self._set("padding", padding)


class HorizontalBoxSlot(PanelSlot):
    def set_size(self, size: SlateChildSize) -> None:
        self._set("size", size)

    def set_padding(self, padding: Margin) -> None:
        self._set("padding", padding)


class BlueprintFactory(Object):
    pass


class WidgetBlueprintFactory(Object):
    pass


class StaticMesh(Asset):
    pass


class World(Asset):
    def __init__(self, path: str) -> None:
        super().__init__("World", path)
        self.actors: list[Actor] = []
        self.settings = Object("WorldSettings", "WorldSettings", self)

    def get_world_settings(self) -> Object:
        return self.settings


class Actor(Object):
    def __init__(self, actor_class: Class, world: World, location: Vector, rotation: Rotator) -> None:
        super().__init__(actor_class.native_name, "", world)
        self.actor_class = actor_class
        self.location, self.rotation, self.label = location, rotation, ""
        self.scale = Vector(1.0, 1.0, 1.0)
        root_api = ROOT_COMPONENTS[actor_class.native_name]
        root_type = StaticMeshComponent if API.is_subclass(root_api, "StaticMeshComponent") else SceneComponent
        self.values["root_component"] = root_type(root_api, "Root", world)

    def set_actor_label(self, new_actor_label: str, mark_dirty: bool = True) -> None:
        self.label = new_actor_label
        self._touch()

    def set_actor_scale3d(self, new_scale3d: Vector) -> None:
        self.scale = new_scale3d
        self._touch()


class SceneComponent(Object):
    mobility: Any = None

    def set_mobility(self, new_mobility: Any) -> None:
        self.mobility = new_mobility
        self._touch()


class StaticMeshComponent(SceneComponent):
    mesh: StaticMesh | None = None

    def set_static_mesh(self, new_mesh: StaticMesh) -> bool:
        if not isinstance(new_mesh, StaticMesh):
            return False
        self.mesh = new_mesh
        self._touch()
        return True


# ----- the editor -------------------------------------------------------------------------------------------------


@dataclass
class Editor:
    """One fake editor session: its content, its open level, its log, and the ``unreal`` module over them."""

    loaded_modules: frozenset[str] = ENGINE_MODULES | PLUGIN_MODULES
    assets: dict[str, Asset] = field(default_factory=dict)
    saves: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    world: World | None = None
    save_dialog_answer: bool = True
    save_dialogs: int = 0
    module: types.ModuleType = field(init=False)

    def __post_init__(self) -> None:
        self.engine_content = {path: StaticMesh(api, path) for path, api in ENGINE_CONTENT.items()}
        self.module = build_module(self)

    # what a test reads
    def blueprint(self, path: str) -> Blueprint:
        asset = self.assets[path]
        assert isinstance(asset, Blueprint), path
        return asset

    def widget_blueprint(self, path: str) -> WidgetBlueprint:
        asset = self.assets[path]
        assert isinstance(asset, WidgetBlueprint), path
        return asset

    def dirty(self) -> list[str]:
        return [path for path, asset in self.assets.items() if asset.dirty]

    # what the fake's API does
    def load_class(self, path: str) -> Class | None:
        if not path.startswith("/Script/") or "." not in path:
            raise ApiMisuse(f"load_class takes /Script/<Module>.<Class> here, not {path!r}")
        module, name = path[len("/Script/"):].split(".", 1)
        api = API.classes.get(name)
        if api is None or api.module != module:
            raise ApiMisuse(f"{path}: no class {name} in module {module}")
        return Class._native(name) if module in self.loaded_modules else None

    def create(self, asset: Asset) -> Asset | None:
        if asset.path in self.assets:
            return None  # AssetTools refuses an existing name (it would ask to overwrite)
        self.assets[asset.path] = asset
        return asset

    def save(self, asset: Asset) -> bool:
        if self.assets.get(asset.path) is not asset:
            raise ApiMisuse(f"{asset.path} is not an asset of this editor")
        asset.dirty = False
        self.saves.append(asset.path)
        return True


def build_module(editor: Editor) -> types.ModuleType:
    """The ``unreal`` module of ``editor``."""

    class EditorAssetLibrary(Fake):
        def does_asset_exist(self, asset_path: str) -> bool:
            return asset_path in editor.assets

        def load_asset(self, asset_path: str) -> Asset | None:
            return editor.assets.get(asset_path) or editor.engine_content.get(asset_path)

        def save_loaded_asset(self, asset_to_save: Asset, only_if_is_dirty: bool = True) -> bool:
            return editor.save(asset_to_save)

        def delete_asset(self, asset_path_to_delete: str) -> bool:
            editor.deleted.append(asset_path_to_delete)
            return editor.assets.pop(asset_path_to_delete, None) is not None

    class AssetTools(Fake):
        def create_asset(self, asset_name: str, package_path: str, asset_class: Class, factory: Object,
                         calling_context: Any = "None") -> Asset | None:
            path = f"{package_path}/{asset_name}"
            parent = factory.values.get("parent_class")
            if not isinstance(parent, Class):
                raise ApiMisuse(f"{type(factory).__name__} without a parent_class")
            if isinstance(factory, WidgetBlueprintFactory):
                if asset_class is not Class._native("WidgetBlueprint") or not parent._is_child_of("UserWidget"):
                    raise ApiMisuse("a WidgetBlueprintFactory makes WidgetBlueprints of UserWidget classes")
                return editor.create(WidgetBlueprint(path, parent))
            if isinstance(factory, BlueprintFactory):
                if asset_class is not Class._native("Blueprint"):
                    raise ApiMisuse("a BlueprintFactory makes Blueprints")
                return editor.create(Blueprint(path, parent))
            raise ApiMisuse(f"no factory {factory!r}")

    class AssetToolsHelpers(Fake):
        def get_asset_tools(self) -> AssetTools:
            return AssetTools()

    class BlueprintEditorLibrary(Fake):
        def compile_blueprint(self, blueprint: Blueprint) -> None:
            blueprint._compile()

    class SubobjectDataSubsystem(Fake):
        def __init__(self) -> None:
            self.roots: dict[int, SubobjectDataHandle] = {}

        def _root(self, blueprint: Blueprint) -> SubobjectDataHandle:
            return self.roots.setdefault(id(blueprint), SubobjectDataHandle())

        def k2_gather_subobject_data_for_blueprint(self, context: Blueprint) -> list[SubobjectDataHandle]:
            handles = [self._root(context)]
            for component in context.components:
                handle = SubobjectDataHandle()
                handle.node = component
                handles.append(handle)
            return handles

        def add_new_subobject(self, params: AddNewSubobjectParams) -> tuple[SubobjectDataHandle, Text]:
            blueprint, new_class = params.blueprint_context, params.new_class
            if not isinstance(blueprint, Blueprint) or params.parent_handle is not self._root(blueprint):
                raise ApiMisuse("add_new_subobject: a Blueprint context and its root handle (the first gathered)")
            if not isinstance(new_class, Class) or not new_class._is_child_of("ActorComponent"):
                return SubobjectDataHandle(), Text(f"{new_class!r} is not a component class")
            index = sum(c.component_class is new_class for c in blueprint.components)
            name = f"{new_class.get_name()}_{index}"
            component = Component(name, new_class, Object(new_class.native_name, name, blueprint), blueprint)
            blueprint.components.append(component)
            blueprint.dirty = True
            handle = SubobjectDataHandle()
            handle.node = component
            return handle, Text("")

        def rename_subobject(self, handle: SubobjectDataHandle, new_name: Text) -> bool:
            component = handle.node
            if component is None or any(c.name == str(new_name) for c in component.blueprint.components):
                return False
            component.name = component.template._name = str(new_name)
            return True

    class SubobjectDataBlueprintFunctionLibrary(Fake):
        def is_handle_valid(self, data_handle: SubobjectDataHandle) -> bool:
            return data_handle.node is not None

        def get_data(self, data_handle: SubobjectDataHandle) -> SubobjectData:
            data = SubobjectData()
            data.node = data_handle.node
            return data

        def get_object_for_blueprint(self, data: SubobjectData, blueprint: Blueprint) -> Object | None:
            component = data.node
            return component.template if component is not None and component.blueprint is blueprint else None

    class RealtimeNetEditorLibrary(Fake):
        """The plugin's editor library (RealtimeNetEditorLibrary.h), as its C++ behaves."""

        def create_widget_blueprint(self, parent_class: Class, package_path: str, asset_name: str) -> Any:
            factory = WidgetBlueprintFactory()
            factory.set_editor_property("parent_class", parent_class)
            return AssetTools().create_asset(asset_name, package_path, Class._native("WidgetBlueprint"), factory)

        def find_or_add_widget(self, blueprint: WidgetBlueprint, widget_class: Class, widget_name: str,
                               parent: PanelWidget | None) -> Widget | None:
            existing = blueprint._find(widget_name)
            if existing is not None:
                return existing if existing.widget_class is widget_class else None
            if not widget_class._is_child_of("Widget"):
                return None
            if parent is not None:
                if blueprint._find(parent.get_name()) is not parent or not parent._takes_more():
                    return None
            elif blueprint.root is not None:
                return None
            kind = PanelWidget if widget_class._is_child_of("PanelWidget") else Widget
            widget = kind(widget_class, widget_name, blueprint)
            if parent is None:
                blueprint.root = widget
            else:
                parent.add_child(widget)
            blueprint.dirty = True
            return widget

        def get_root_widget(self, blueprint: WidgetBlueprint) -> Widget | None:
            return blueprint.root

    class LevelEditorSubsystem(Fake):
        def new_level(self, asset_path: str, is_partitioned_world: bool = False) -> bool:
            if asset_path in editor.assets:
                return False  # "There's already an asset at the destination"
            editor.world = World(asset_path)
            editor.assets[asset_path] = editor.world
            editor.save(editor.world)  # NewLevel saves the new map at once
            return True

        def save_current_level(self) -> bool:
            return editor.world is not None and editor.save(editor.world)

    class EditorActorSubsystem(Fake):
        def spawn_actor_from_class(self, actor_class: Class, location: Vector, rotation: Any = None,
                                   transient: bool = False) -> Actor:
            if editor.world is None or not actor_class._is_child_of("Actor"):
                raise ApiMisuse("spawn_actor_from_class: an actor class, in an open level")
            actor = Actor(actor_class, editor.world, location, rotation)
            editor.world.actors.append(actor)
            editor.world.dirty = True
            return actor

    class UnrealEditorSubsystem(Fake):
        def get_editor_world(self) -> World | None:
            return editor.world

    class EditorLoadingAndSavingUtils(Fake):
        def save_dirty_packages_with_dialog(self, save_map_packages: bool, save_content_packages: bool) -> bool:
            editor.save_dialogs += 1
            return editor.save_dialog_answer

    class SystemLibrary(Fake):
        def get_engine_version(self) -> str:
            return "5.5.2-0+++UE5+Release-5.5"

    subsystems: dict[type, Fake] = {cls: cls() for cls in (LevelEditorSubsystem, EditorActorSubsystem,
                                                            UnrealEditorSubsystem, SubobjectDataSubsystem)}
    module = StrictModule()

    @module.function
    def log(arg: Any) -> None:
        editor.logs.append(str(arg))

    @module.function
    def log_warning(arg: Any) -> None:
        editor.warnings.append(str(arg))

    @module.function
    def log_error(arg: Any) -> None:
        editor.errors.append(str(arg))

    @module.function
    def load_class(outer: Any, name: str, type: Any = None) -> Class | None:
        return editor.load_class(name)

    @module.function
    def get_default_object(type: Class) -> Object:
        if type.blueprint is None:
            raise ApiMisuse("the fake keeps class defaults of Blueprint classes only")
        return type.blueprint.defaults

    @module.function
    def get_editor_subsystem(subsystem: Any) -> Fake | None:
        if not API.is_subclass(subsystem.API_CLASS, "EditorSubsystem"):
            raise ApiMisuse(f"{subsystem.API_CLASS} is not an editor subsystem")
        return subsystems.get(subsystem)

    @module.function
    def get_engine_subsystem(subsystem: Any) -> Fake | None:
        if not API.is_subclass(subsystem.API_CLASS, "EngineSubsystem"):
            raise ApiMisuse(f"{subsystem.API_CLASS} is not an engine subsystem")
        return subsystems.get(subsystem)

    for value in (Vector, Vector2D, Rotator, LinearColor, Margin, Anchors, SlateChildSize, SlateFontInfo,
                  AddNewSubobjectParams, SlateSizeRule, ComponentMobility, Text, Object, Class, Blueprint,
                  WidgetBlueprint, Widget, PanelWidget, CanvasPanelSlot, VerticalBoxSlot, HorizontalBoxSlot,
                  SceneComponent, StaticMeshComponent, StaticMesh, BlueprintFactory, WidgetBlueprintFactory,
                  LevelEditorSubsystem, EditorActorSubsystem, UnrealEditorSubsystem, SubobjectDataSubsystem):
        module.define(value.__name__, value)
    for helper in (EditorAssetLibrary(), AssetToolsHelpers(), BlueprintEditorLibrary(),
                   SubobjectDataBlueprintFunctionLibrary(), RealtimeNetEditorLibrary(), EditorLoadingAndSavingUtils(),
                   SystemLibrary()):
        module.define(type(helper).__name__, helper)
    return module


class StrictModule(types.ModuleType):
    """``unreal`` as far as the fake goes: only names the real module has may be defined."""

    def __init__(self) -> None:
        super().__init__("unreal")

    def define(self, name: str, value: Any) -> None:
        if name not in API.classes and name not in API.functions:
            raise ApiMisuse(f"unreal has no {name}")
        setattr(self, name, value)

    def function(self, function: Callable[..., Any]) -> Callable[..., Any]:
        expected = API.functions.get(function.__name__)
        if expected is None or _parameters(function) != expected:
            raise ApiMisuse(f"unreal.{function.__name__} takes {expected}, the fake {_parameters(function)}")
        self.define(function.__name__, function)
        return function

    def __getattr__(self, name: str) -> Any:
        where = "in UE 5.5's Python API" if name in API.classes or name in API.functions else "anywhere"
        raise AttributeError(f"the fake unreal module has no {name} (it is {where}; the script must not need it, "
                             "or the fake must add it)")
