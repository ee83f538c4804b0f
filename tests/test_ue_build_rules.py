"""The Build.cs reader of `rtnet ue compile-check` (realtimenet.ue.compile_check.build_rules) and the module
graph walk (ubt.ModuleGraph): C# conditions evaluated for a Development Editor build on Linux, helpers,
overrides, and UnrealBuildTool's order of modules. No engine needed."""

from __future__ import annotations

from pathlib import Path

from realtimenet.ue.compile_check import build_rules
from realtimenet.ue.compile_check.build_rules import UNKNOWN, read_rules
from realtimenet.ue.compile_check.check import plugin_modules
from realtimenet.ue.compile_check.ubt import Module, ModuleGraph

ROOT = Path(__file__).resolve().parents[1]


def _rules(tmp_path: Path, name: str, body: str, members: str = "") -> build_rules.ModuleRules:
    folder = tmp_path / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.Build.cs").write_text(
        "using UnrealBuildTool;\n"
        f"public class {name} : ModuleRules\n{{\n{members}\n"
        f"\tpublic {name}(ReadOnlyTargetRules Target) : base(Target)\n\t{{\n{body}\n\t}}\n}}\n")
    return read_rules(folder / f"{name}.Build.cs", tmp_path / "Engine")


def test_lists_from_add_and_add_range(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "Sample", """
        PublicDependencyModuleNames.AddRange(new string[] { "Core", "CoreUObject" });
        PrivateDependencyModuleNames.Add("Slate"); // a comment with "Quoted" text
        PublicDefinitions.Add("WITH_SAMPLE=1");
        /* PrivateDependencyModuleNames.Add("Commented"); */
    """)
    assert rules.public_dependencies == ["Core", "CoreUObject"]
    assert rules.private_dependencies == ["Slate"]
    assert rules.lists["PublicDefinitions"] == ["WITH_SAMPLE=1"]


def test_conditions_follow_the_linux_editor_target(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "Sample", """
        if (Target.bBuildEditor) { PrivateDependencyModuleNames.Add("UnrealEd"); }
        if (Target.Platform == UnrealTargetPlatform.Win64) { PrivateDependencyModuleNames.Add("D3D12RHI"); }
        else if (Target.IsInPlatformGroup(UnrealPlatformGroup.Unix)) { PrivateDependencyModuleNames.Add("UnixOnly"); }
        else { PrivateDependencyModuleNames.Add("Other"); }
        if (Target.Type == TargetType.Editor && Target.Configuration != UnrealTargetConfiguration.Shipping)
            PublicDefinitions.Add("EDITOR_DEV=1");
        if (!Target.bBuildEditor) PublicDefinitions.Add("NO_EDITOR=1");
    """)
    assert rules.private_dependencies == ["UnrealEd", "UnixOnly"]
    assert rules.lists["PublicDefinitions"] == ["EDITOR_DEV=1"]
    assert rules.undecided == []


def test_locals_properties_and_ternaries_are_computed(tmp_path: Path) -> None:
    # The shape of WebSockets.Build.cs: getter properties, a bool local, a ternary in a concatenation.
    rules = _rules(tmp_path, "Sample", """
        bool bWithLib = false;
        if (SupportsLib) { bWithLib = true; }
        PublicDefinitions.Add("WITH_LIB=" + (bWithLib ? "1" : "0"));
        PublicDefinitions.Add("LIB_INCLUDE=\\"" + LibInclude + "\\"");
    """, members="""
        protected virtual bool SupportsLib { get { return Target.Platform == UnrealTargetPlatform.Mac ||
            Target.IsInPlatformGroup(UnrealPlatformGroup.Unix); } }
        protected virtual string LibInclude { get { if (SupportsLib) { return "Lws/Lws.h"; } else { return ""; } } }
    """)
    assert rules.lists["PublicDefinitions"] == ["WITH_LIB=1", 'LIB_INCLUDE="Lws/Lws.h"']


def test_unknown_conditions_count_as_false_and_are_recorded(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "Sample", """
        if (Target.SomethingNobodyKnows) { PrivateDependencyModuleNames.Add("Maybe"); }
        else { PrivateDependencyModuleNames.Add("Otherwise"); }
        PublicDefinitions.Add("COUNT=" + ComputeCount(Target));
    """)
    assert rules.private_dependencies == ["Otherwise"]
    assert rules.undecided == ["Target . SomethingNobodyKnows"]
    assert rules.unresolved and "COUNT" in rules.unresolved[0]


def test_helpers_add_what_module_rules_adds(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "Sample", """
        SetupModulePhysicsSupport(Target);
        SetupIrisSupport(Target, true);
        AddEngineThirdPartyPrivateStaticDependencies(Target, "zlib", "OpenSSL");
    """)
    assert {"PhysicsCore", "ChaosCore", "Chaos", "ChaosVDRuntime", "IrisCore"} <= set(rules.public_dependencies)
    assert {"UE_WITH_IRIS=1", "WITH_CHAOS_VISUAL_DEBUGGER=1"} <= set(rules.lists["PublicDefinitions"])
    assert rules.private_dependencies == ["zlib", "OpenSSL"]


def test_include_paths_from_path_combine(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "Sample", 'PublicIncludePaths.Add(Path.Combine(ModuleDirectory, "Public"));')
    assert rules.lists["PublicIncludePaths"] == [str(tmp_path / "Sample" / "Public")]


def test_overrides_fill_what_csharp_computes(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "CoreOnline", 'PublicDefinitions.Add("PLATFORM_MAX_LOCAL_PLAYERS=" + GetMax(Target));')
    assert rules.lists["PublicDefinitions"] == ["PLATFORM_MAX_LOCAL_PLAYERS=0"]
    assert all(override.reason for override in build_rules.OVERRIDES.values())


def test_the_plugins_own_rules() -> None:
    engine = ROOT / "Engine"
    rules = {name: read_rules(path, engine) for name, path in plugin_modules(ROOT).items()}
    assert set(rules) == {"RealtimeNetCore", "RealtimeNet", "RealtimeNetUI", "RealtimeNetSamples", "RealtimeNetEditor",
                          "RealtimeNetTests"}
    assert rules["RealtimeNetCore"].scalars["bEnableExceptions"] is False
    assert rules["RealtimeNetCore"].scalars["bUseRTTI"] is False
    assert rules["RealtimeNetCore"].lists["PublicIncludePaths"] == [
        str(ROOT / "Plugins/RealtimeNet/Source/RealtimeNetCore/Public")]
    assert "WebSockets" in rules["RealtimeNet"].private_dependencies
    assert "UMGEditor" in rules["RealtimeNetEditor"].private_dependencies
    assert "RealtimeNet" in rules["RealtimeNetSamples"].public_dependencies
    for module in rules.values():
        assert module.undecided == [] and module.unresolved == []


def test_module_graph_walks_public_dependencies_in_ubt_order(tmp_path: Path) -> None:
    def module(name: str, public: list[str] = [], private: list[str] = [],  # noqa: B006
               include_only: list[str] = []) -> Module:  # noqa: B006
        rules = build_rules.ModuleRules(name=name, directory=tmp_path / name)
        rules.add("PublicDependencyModuleNames", public)
        rules.add("PrivateDependencyModuleNames", private)
        rules.add("PublicIncludePathModuleNames", include_only)
        return Module(rules, plugin=name.startswith("Plugin"))

    modules = {m.name: m for m in [
        module("Core"), module("CoreUObject", public=["Core"]), module("Engine", public=["CoreUObject"],
                                                                       private=["Renderer"]),
        module("Renderer"), module("Slate", include_only=["InputCore"]), module("InputCore"),
        module("PluginRuntime", public=["Engine"], private=["Slate"]),
    ]}
    graph = ModuleGraph(modules, tmp_path)
    # Private dependencies first (with their public closure), include-path-only modules, then the module's
    # own public environment; a private dependency of a dependency (Renderer) is not visible.
    assert graph.private_environment_modules("PluginRuntime") == [
        "Slate", "InputCore", "PluginRuntime", "Engine", "CoreUObject", "Core"]
    environment = graph.environment("PluginRuntime")
    assert "PLUGINRUNTIME_API=DLLEXPORT" in environment.definitions
    assert "ENGINE_API=DLLIMPORT" in environment.definitions
    assert "RENDERER_API=DLLIMPORT" not in environment.definitions
    assert "WITH_EDITOR=1" in environment.definitions and "UE_IS_ENGINE_MODULE=0" in environment.definitions


def test_unknown_is_a_singleton() -> None:
    assert repr(UNKNOWN) == "UNKNOWN"
