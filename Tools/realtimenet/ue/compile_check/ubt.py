"""What UnrealBuildTool 5.5 would pass to clang for one plugin module, in a Development Editor build on Linux.

Three parts, each written down from UBT's C# sources (the cache holds them under
``Engine/Source/Programs/UnrealBuildTool``; the test suite reads them back to keep these tables in step):

* ``GLOBAL_DEFINITIONS``: ``UEBuildTarget.SetupGlobalEnvironment``, ``UEBuildPlatform.SetUpConfigurationEnvironment``
  and ``UEBuildLinux.SetUpEnvironment`` for the ``UnrealEditor`` target;
* ``warning_flags`` and ``language_flags``: ``ClangToolChain`` / ``LinuxToolChain.GetCompileArguments_*`` and
  ``ClangWarnings`` (clang 18 and later branches);
* ``ModuleGraph.environment``: ``UEBuildModuleCPP.CreateModuleCompileEnvironment`` and
  ``UEBuildModule.AddModuleToCompileEnvironment`` (include paths and definitions of every module in the
  private compile environment, in the order UBT meets them).

Differences from a real build, on purpose: ``-fsyntax-only`` instead of ``-c``; Debian's libc++ 19 headers
instead of the engine's bundled ones (the mirror has no files without an extension); no precompiled or unity
headers (a real build force-includes a shared PCH, which hides missing includes: here they show).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from realtimenet.ue.compile_check.build_rules import ModuleRules

PROJECT_NAME = "RealtimeNetHost"
PLUGIN_NAME = "RealtimeNet"

GLOBAL_DEFINITIONS: tuple[str, ...] = (
    # UEBuildTarget.SetupGlobalEnvironment
    "IS_PROGRAM=0", "ENABLE_PGO_PROFILE=0", "USE_VORBIS_FOR_STREAMING=1", "USE_XMA2_FOR_STREAMING=1",
    "WITH_DEV_AUTOMATION_TESTS=1", "WITH_PERF_AUTOMATION_TESTS=1", "WITH_LOW_LEVEL_TESTS=0",
    "EXPLICIT_TESTS_TARGET=0", "WITH_TESTS=1", "UNICODE", "_UNICODE", "__UNREAL__", "IS_MONOLITHIC=0",
    "IS_MERGEDMODULES=0", "WITH_ENGINE=1", "WITH_UNREAL_DEVELOPER_TOOLS=1", "WITH_UNREAL_TARGET_DEVELOPER_TOOLS=1",
    "WITH_APPLICATION_CORE=1", "WITH_COREUOBJECT=1", "UE_TRACE_ENABLED=1", "UE_TRACE_FORCE_ENABLED=0",
    "WITH_VERSE=1", "UE_USE_VERSE_PATHS=1", "WITH_VERSE_BPVM=1", "USE_STATS_WITHOUT_ENGINE=0",
    "WITH_PLUGIN_SUPPORT=1", "WITH_ACCESSIBILITY=1", "WITH_PERFCOUNTERS=1", "WITH_FIXED_TIME_STEP_SUPPORT=1",
    "USE_LOGGING_IN_SHIPPING=0", "ALLOW_CONSOLE_IN_SHIPPING=0", "ALLOW_PROFILEGPU_IN_TEST=0",
    "ALLOW_PROFILEGPU_IN_SHIPPING=0", "WITH_LOGGING_TO_MEMORY=0", "USE_CACHE_FREED_OS_ALLOCS=1",
    "USE_CHECKS_IN_SHIPPING=0", "USE_UTF8_TCHARS=0", "USE_ESTIMATED_UTCNOW=0",
    "UE_ALLOW_EXEC_COMMANDS_IN_SHIPPING=1", "WITH_EDITOR=1", "WITH_IOSTORE_IN_EDITOR=1", "WITH_CLIENT_CODE=1",
    "WITH_SERVER_CODE=1", "UE_FNAME_OUTLINE_NUMBER=0", "WITH_PUSH_MODEL=1", "WITH_CEF3=1", "WITH_LIVE_CODING=0",
    "WITH_CPP_MODULES=0", "WITH_CPP_COROUTINES=0", "WITH_PROCESS_PRIORITY_CONTROL=0",
    'UBT_MODULE_MANIFEST="UnrealEditor.modules"',
    'UBT_MODULE_MANIFEST_DEBUGGAME="UnrealEditor-Linux-DebugGame.modules"',
    "UBT_COMPILED_PLATFORM=Linux", "UBT_COMPILED_TARGET=Editor", 'UE_APP_NAME="UnrealEditor"',
    "UE_WARNINGS_AS_ERRORS=0",
    # RulesAssembly.CreateTargetRulesInstance (TargetRules.GlobalDefinitions)
    "USE_SHADER_COMPILER_WORKER_TRACE=0", "WITH_VERSE_VM=0",
    # UEBuildPlatform.SetUpConfigurationEnvironment (Development)
    "NDEBUG=1", "UE_BUILD_DEVELOPMENT=1",
    # UEBuildLinux.SetUpEnvironment / SetUpSpecificEnvironment
    "INT64_T_TYPES_NOT_LONG_LONG=1", "PLATFORM_LINUX=1", "PLATFORM_UNIX=1", "LINUX=1", "PLATFORM_SUPPORTS_JEMALLOC=1",
    "OVERRIDE_PLATFORM_HEADER_NAME=Linux", "PLATFORM_LINUXARM64=0",
    # LinuxToolChain.GetCompileArguments_Global, ClangToolChain.GetCompileArguments_Debugging (the editor
    # target enables exceptions: bEnableExceptions = bForceEnableExceptions || bCompileAgainstEditor)
    "USE_DEBUG_LOGGING=0", "USE_EVENT_LOGGING=0", "PLATFORM_EXCEPTIONS_DISABLED=0",
)

# EngineIncludeOrderHelper.GetDeprecationDefines(EngineIncludeOrderVersion.Latest)
INCLUDE_ORDER_DEFINITIONS = tuple(f"UE_ENABLE_INCLUDE_ORDER_DEPRECATED_IN_5_{minor}=0" for minor in (2, 3, 4, 5))

# ClangWarnings.GetEnabledWarnings / GetDisabledWarnings for clang >= 18.1.3, C++20, Development, no static
# analyser, ShadowVariableWarningLevel = Error (DefaultBuildSettings >= V2), UndefinedIdentifierWarningLevel =
# Error, UnsafeTypeCastWarningLevel = Off; ClangToolChain.GetCompileArguments_WarningsAndErrors adds -Wall
# -Werror first, LinuxToolChain adds -Wno-undefined-bool-conversion.
WARNING_FLAGS: tuple[str, ...] = (
    "-Wall", "-Werror",
    "-Wdelete-non-virtual-dtor", "-Wenum-conversion", "-Wbitfield-enum-conversion",
    "-Wno-enum-enum-conversion", "-Wno-enum-float-conversion",
    "-Wno-ambiguous-reversed-operator", "-Wno-deprecated-anon-enum-enum-conversion", "-Wno-deprecated-volatile",
    "-Wno-unused-but-set-variable", "-Wno-unused-but-set-parameter", "-Wno-ordered-compare-function-pointers",
    "-Wno-bitwise-instead-of-logical", "-Wno-deprecated-copy", "-Wno-deprecated-copy-with-user-provided-copy",
    "-Wno-invalid-unevaluated-string", "-Wno-nan-infinity-disabled",
    "-Wno-gnu-string-literal-operator-template", "-Wno-inconsistent-missing-override", "-Wno-invalid-offsetof",
    "-Wno-switch", "-Wno-tautological-compare", "-Wno-unknown-pragmas", "-Wno-unused-function",
    "-Wno-unused-lambda-capture", "-Wno-unused-local-typedef", "-Wno-unused-private-field", "-Wno-unused-variable",
    "-Wno-undefined-var-template",
    "-Wshadow", "-Wundef",
    "-Wno-float-conversion", "-Wno-implicit-float-conversion", "-Wno-implicit-int-conversion", "-Wno-c++11-narrowing",
    "-Wno-dllexport-explicit-instantiation-decl",
    "-Wno-undefined-bool-conversion",
)

LIBCXX_INCLUDE = Path("/usr/lib/llvm-19/include/c++/v1")


def language_flags(cpp_standard: str, use_rtti: bool) -> list[str]:
    """Language, target and code-generation flags that change what the compiler accepts or predefines."""
    return [
        "-x", "c++", f"-std={cpp_standard}",
        "-nostdinc++", "-isystem", str(LIBCXX_INCLUDE),
        "-msse4.2", "-mssse3", "-fno-math-errno", "-frtti" if use_rtti else "-fno-rtti", "-fexceptions",
        "-ffp-contract=off", "-fno-delete-null-pointer-checks", "-fPIC", "-ftls-model=local-dynamic",
        "-fvisibility-ms-compat", "-fvisibility-inlines-hidden", "-O3",
    ]


@dataclass
class Module:
    """A module of the graph: its rules, and where its generated headers go."""

    rules: ModuleRules
    plugin: bool
    generated_dir: Path | None = None

    @property
    def name(self) -> str:
        return self.rules.name

    @property
    def directory(self) -> Path:
        return self.rules.directory

    def _existing(self, *names: str) -> list[Path]:
        # External (header-only, third-party) modules get no default folders (UEBuildModuleExternal).
        if self.rules.is_external:
            return []
        return [self.directory / n for n in names if (self.directory / n).is_dir()]

    def public_include_paths(self, engine_source: Path) -> list[Path]:
        paths = self._existing("Classes", "Public")
        paths += [_resolve(p, engine_source) for p in self.rules.lists["PublicIncludePaths"]]
        return paths

    def internal_include_paths(self) -> list[Path]:
        return self._existing("Internal")

    def private_include_paths(self, engine_source: Path) -> list[Path]:
        paths = self._existing("Private")
        paths += [_resolve(p, engine_source) for p in self.rules.lists["PrivateIncludePaths"]]
        return paths


def _resolve(path: str, engine_source: Path) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else engine_source / candidate


@dataclass
class CompileEnvironment:
    """Everything that differs per module: include paths, definitions, C++ standard, RTTI."""

    module: str
    include_paths: list[Path] = field(default_factory=list)
    system_include_paths: list[Path] = field(default_factory=list)
    definitions: list[str] = field(default_factory=list)
    cpp_standard: str = "c++20"
    use_rtti: bool = False

    def definitions_header(self) -> str:
        """UBT writes the definitions into a header it force-includes (UEBuildModuleCPP.WriteDefinitions)."""
        lines = [f"// Generated by rtnet ue compile-check, as UnrealBuildTool writes Definitions.{self.module}.h",
                 "#pragma once"]
        seen: set[str] = set()
        for definition in self.definitions:
            if definition in seen:
                continue
            seen.add(definition)
            name, sep, value = definition.partition("=")
            lines.append(f"#define {name} {value if sep else '1'}")
        return "\n".join(lines) + "\n"


class ModuleGraph:
    """Modules by name; ``environment`` walks their dependencies the way UBT does."""

    def __init__(self, modules: dict[str, Module], engine_source: Path) -> None:
        self.modules = modules
        self.engine_source = engine_source
        self.missing: set[str] = set()

    def get(self, name: str) -> Module | None:
        module = self.modules.get(name)
        if module is None:
            self.missing.add(name)
        return module

    def _public_environment(self, name: str, found: dict[str, bool]) -> None:
        # UEBuildModule.FindModulesInPublicCompileEnvironment: False = full module, True = include paths only.
        if found.get(name) is False:
            return
        module = self.get(name)
        if module is None:
            return
        found[name] = False
        for dependency in module.rules.public_dependencies:
            self._public_environment(dependency, found)
        for dependency in module.rules.lists["PublicIncludePathModuleNames"]:
            self._include_path_environment(dependency, found)

    def _include_path_environment(self, name: str, found: dict[str, bool]) -> None:
        if name in found:
            return
        module = self.get(name)
        if module is None:
            return
        found[name] = True
        for dependency in module.rules.lists["PublicIncludePathModuleNames"]:
            self._include_path_environment(dependency, found)

    def private_environment_modules(self, name: str) -> list[str]:
        """UEBuildModule.FindModulesInPrivateCompileEnvironment, in order."""
        module = self.modules[name]
        found: dict[str, bool] = {}
        for dependency in module.rules.private_dependencies:
            self._public_environment(dependency, found)
        for dependency in module.rules.lists["PrivateIncludePathModuleNames"]:
            self._include_path_environment(dependency, found)
        self._public_environment(name, found)
        return list(found)

    def closure(self, names: list[str]) -> list[str]:
        """Every module whose headers the given modules can include (their private environments)."""
        seen: dict[str, None] = {}
        for name in names:
            for dependency in self.private_environment_modules(name):
                seen.setdefault(dependency)
        return list(seen)

    def environment(self, name: str) -> CompileEnvironment:
        """The compile environment UBT builds for ``name`` (a plugin module)."""
        module = self.modules[name]
        rules = module.rules
        env = CompileEnvironment(module=name)
        standard = str(rules.scalars.get("CppStandard", "Cpp20")).rpartition(".")[2]
        env.cpp_standard = {"Cpp17": "c++17", "Cpp20": "c++20", "Latest": "c++2b"}.get(standard, "c++20")
        env.use_rtti = rules.scalars.get("bUseRTTI") is True
        env.definitions += GLOBAL_DEFINITIONS
        # UEBuildModuleCPP.CreateModuleCompileEnvironment, for a module that is not an engine module.
        env.definitions += ["UE_IS_ENGINE_MODULE=0", "UE_DEPRECATED_FORGAME=UE_DEPRECATED",
                            "UE_DEPRECATED_FORENGINE=UE_DEPRECATED", "UE_VALIDATE_FORMAT_STRINGS=1",
                            "UE_VALIDATE_INTERNAL_API=1", *INCLUDE_ORDER_DEFINITIONS,
                            f"UE_PROJECT_NAME={PROJECT_NAME}", "UE_TARGET_NAME=UnrealEditor"]
        env.definitions += rules.lists["PrivateDefinitions"]
        env.definitions += [f'UE_MODULE_NAME="{name}"', f'UE_PLUGIN_NAME="{PLUGIN_NAME}"']
        env.include_paths += module.private_include_paths(self.engine_source)
        for dependency in self.private_environment_modules(name):
            other = self.modules[dependency]
            if other.generated_dir is not None:
                env.include_paths.append(other.generated_dir)
            env.include_paths += other.public_include_paths(self.engine_source)
            env.include_paths += other.internal_include_paths()
            env.system_include_paths += [_resolve(p, self.engine_source)
                                         for p in other.rules.lists["PublicSystemIncludePaths"]]
            env.definitions += other.rules.lists["PublicDefinitions"]
            # Modular build: every module is its own shared library; both attributes are default visibility
            # on Linux (DLLEXPORT / DLLIMPORT in LinuxPlatform.h).
            if not other.rules.is_external:
                env.definitions.append(
                    f"{dependency.upper()}_API={'DLLEXPORT' if dependency == name else 'DLLIMPORT'}")
        # UEBuildTarget.SetupGlobalEnvironment: Engine/Source is on every include path.
        env.include_paths.append(self.engine_source)
        # UEBuildLinux.SetUpEnvironment: the host's /usr/include when no cross-toolchain is set.
        env.system_include_paths.append(Path("/usr/include"))
        unique: dict[Path, None] = {}
        for path in env.include_paths:
            unique.setdefault(path)
        env.include_paths = [p for p in unique if p.is_dir()]
        env.system_include_paths = [p for p in dict.fromkeys(env.system_include_paths) if p.is_dir()]
        return env
