"""``rtnet ue package``: UAT's file rules, the archive's layout and descriptor, and every check docs/packaging.md
cites (each seen to fail on a plugin that breaks it)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest
from PIL import Image

from realtimenet.cli import main
from realtimenet.ue import package as pk
from tests.conftest import ROOT

LINKS = ["--docs-url", "https://docs.example.org/realtimenet", "--support-url", "https://support.example.org/realtimenet"]
MODULES = ("RealtimeNetCore", "RealtimeNet", "RealtimeNetUI", "RealtimeNetSamples", "RealtimeNetEditor", "RealtimeNetTests")


# --- FileFilter: the rules of UAT's FilterPlugin.ini -----------------------------------------------------------


@pytest.mark.parametrize(("rule", "inside", "outside"), [
    ("/Content/...", ["Content/A.uasset", "Content/Python/init_unreal.py"], ["Source/Content/A.h", "Content"]),
    ("/README.md", ["README.md"], ["Docs/README.md"]),
    ("*.txt", ["notes.txt", "Extras/Deep/notes.txt"], ["notes.txt.bak"]),
    ("/Extras/", ["Extras/a", "Extras/b/c"], ["Extra/a"]),
    ("/Binaries/ThirdParty/*.dll", ["Binaries/ThirdParty/x.dll"], ["Binaries/ThirdParty/sub/x.dll"]),
    (".../NoRedist/...", ["NoRedist/a", "Source/M/NoRedist/b.h"], ["Source/M/NoRedistX/b.h"]),
    ("/Source/Mod...", ["Source/Module/A.h", "Source/Mod/B.h"], ["Source/Other/A.h"]),
    ("/Config/Filter?lugin.ini", ["Config/FilterPlugin.ini"], ["Config/FilterPluginX.ini"]),
    ("\\Config\\...", ["Config/DefaultGame.ini"], []),
])
def test_rules_read_as_uats_file_filter(rule: str, inside: list[str], outside: list[str]) -> None:
    rules = pk.FileFilter([rule])
    assert [p for p in inside if not rules.matches(p)] == []
    assert [p for p in outside if rules.matches(p)] == []


def test_the_last_matching_rule_wins_and_ini_sections_are_read() -> None:
    rules = pk.FileFilter()
    rules.add_section("[Other]\n/Everything/...\n[FilterPlugin]\n; a comment\n/Extras/...\n-/Extras/Secret/...\n"
                      "/Extras/Secret/Public.txt\n")
    assert rules.matches("Extras/a.txt") and rules.matches(PureWindowsPath(r"Extras\Secret\Public.txt"))
    assert not rules.matches("Extras/Secret/key.pem") and not rules.matches("Everything/x")


def test_the_plugin_filter_follows_build_plugin_for_a_source_package() -> None:
    rules = pk.plugin_filter("[FilterPlugin]\n/Config/...\n/Binaries/Win64/x.dll\n")
    for path in ("Source/M/M.Build.cs", "Resources/Icon128.png", "Content/Python/x.py", "Shaders/Private/x.usf",
                 "Config/FilterPlugin.ini"):
        assert rules.matches(path), path
    for path in ("Tests/x.cpp", "Binaries/Win64/x.dll", "Binaries/ThirdParty/lib.so", "Intermediate/Build/Inc/x.h",
                 "Source/M/NotForLicensees/x.h", "tests/CoreTest.cpp", "CMakeLists.txt", "README.md"):
        assert not rules.matches(path), path


# --- the archive of this repository's plugin -------------------------------------------------------------------


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("package") / "RealtimeNet.zip"
    assert main(["ue", "package", "--root", str(ROOT), "--engine-version", "5.5", "--output", str(out), *LINKS]) == 0
    return zipfile.ZipFile(out)


def test_the_archive_holds_what_unreal_and_fab_expect(archive: zipfile.ZipFile) -> None:
    names = archive.namelist()
    assert names == sorted(names) and all(name.startswith("RealtimeNet/") for name in names)
    assert "RealtimeNet/RealtimeNet.uplugin" in names and "RealtimeNet/Config/FilterPlugin.ini" in names
    assert "RealtimeNet/Content/Python/init_unreal.py" in names  # the editor menu ships with the plugin
    assert "RealtimeNet/Content/Python/realtimenet_editor/menu.py" in names
    assert "RealtimeNet/Content/Python/realtimenet_editor/sample_content.py" in names  # the sample ships as its script
    assert "RealtimeNet/Source/RealtimeNetSamples/Public/RealtimeNetSamplePlayerController.h" in names
    for module in MODULES:
        assert f"RealtimeNet/Source/{module}/{module}.Build.cs" in names
    assert {PurePosixPath(n).parts[1] for n in names} <= {"RealtimeNet.uplugin", "Config", "Content", "Resources",
                                                          "Source"}
    for forbidden in ("/Binaries/", "/Intermediate/", "RealtimeNetStandalone", "/tests/", "/fuzz/", "/headless/",
                      "/tools/", "CMakeLists.txt", "__pycache__"):
        assert not [n for n in names if forbidden in n], forbidden
    assert max(len(n) for n in names) <= 170 and not [n for n in names if "\\" in n]
    icon = Image.open(io.BytesIO(archive.read("RealtimeNet/Resources/Icon128.png")))
    assert (icon.format, icon.size) == ("PNG", (128, 128))


def test_the_archive_has_every_file_the_rules_select_and_nothing_else(archive: zipfile.ZipFile) -> None:
    plugin = ROOT / "Plugins" / "RealtimeNet"
    expected = {f"RealtimeNet/{p}" for p in pk.plugin_files(plugin)} | {"RealtimeNet/RealtimeNet.uplugin"}
    assert set(archive.namelist()) == expected
    source_files = {p.relative_to(plugin).as_posix() for p in (plugin / "Source").rglob("*")
                    if p.is_file() and "RealtimeNetStandalone" not in p.parts}
    assert {n.removeprefix("RealtimeNet/") for n in archive.namelist() if n.startswith("RealtimeNet/Source/")} == \
        source_files


def test_the_descriptor_is_the_one_package_plugin_writes_with_the_links(archive: zipfile.ZipFile) -> None:
    packaged = json.loads(archive.read("RealtimeNet/RealtimeNet.uplugin"))
    source = json.loads((ROOT / "Plugins/RealtimeNet/RealtimeNet.uplugin").read_text())
    assert packaged["EngineVersion"] == "5.5.0" and packaged["Installed"] is True and "EnabledByDefault" not in packaged
    assert packaged["DocsURL"] == "https://docs.example.org/realtimenet"
    assert packaged["SupportURL"] == "https://support.example.org/realtimenet"
    for key in ("FileVersion", "Version", "VersionName", "FriendlyName", "Description", "Category", "CreatedBy",
                "Modules", "CanContainContent"):
        assert packaged[key] == source[key], key
    assert packaged["Category"] and packaged["Description"] and packaged["VersionName"]
    assert all(m["PlatformAllowList"] for m in packaged["Modules"])


def test_every_source_file_carries_a_notice_and_is_otherwise_unchanged(archive: zipfile.ZipFile) -> None:
    plugin = ROOT / "Plugins" / "RealtimeNet"
    for name in archive.namelist():
        relative = name.removeprefix("RealtimeNet/")
        if not relative.endswith((".h", ".cpp", ".cs")):
            continue
        text = archive.read(name).decode()
        original = (plugin / relative).read_text()
        assert text.splitlines()[0] == "// Copyright RealtimeNet contributors. Released under the MIT License."
        assert text.split("\n", 1)[1] == original


def test_the_same_plugin_gives_the_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    for out in (first, second):
        assert main(["ue", "package", "--root", str(ROOT), "--output", str(out), *LINKS]) == 0
    assert first.read_bytes() == second.read_bytes()


def test_the_default_name_says_version_and_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_plugin(tmp_path)
    assert main(["ue", "package", "--root", str(root), "--engine-version", "5.4.2", *LINKS]) == 0
    assert (root / "build/ue/package/RealtimeNet-0.1.0-UE5.4.zip").is_file()
    assert "for UE 5.4.0" in capsys.readouterr().out


# --- each rule, broken -----------------------------------------------------------------------------------------


def copy_plugin(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "Plugins/RealtimeNet", root / "Plugins/RealtimeNet",
                    ignore=shutil.ignore_patterns("__pycache__", "tests", "fuzz", "bench", "headless"))
    return root


def edit_descriptor(root: Path, change: object) -> None:
    path = root / "Plugins/RealtimeNet/RealtimeNet.uplugin"
    descriptor = json.loads(path.read_text())
    change(descriptor)  # type: ignore[operator]
    path.write_text(json.dumps(descriptor))


def refusal(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    capsys.readouterr()
    assert main(["ue", "package", "--root", str(root), *LINKS, *extra]) == 2
    assert not (root / "build").exists()  # nothing is written when anything is wrong
    return capsys.readouterr().err


def test_links_must_be_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_plugin(tmp_path)
    assert main(["ue", "package", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "the descriptor has no DocsURL" in err and "the descriptor has no SupportURL" in err


def test_no_icon_or_a_wrong_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_plugin(tmp_path)
    icon = root / "Plugins/RealtimeNet/Resources/Icon128.png"
    Image.new("RGBA", (64, 64)).save(icon)
    assert "Resources/Icon128.png is not a 128 x 128 PNG" in refusal(root, capsys)
    icon.unlink()
    assert "no Resources/Icon128.png" in refusal(root, capsys)


def test_a_module_without_platforms_or_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_plugin(tmp_path)
    edit_descriptor(root, lambda d: d["Modules"][1].pop("PlatformAllowList"))
    assert "module RealtimeNet lists no PlatformAllowList" in refusal(root, capsys)
    edit_descriptor(root, lambda d: d["Modules"].append({"Name": "Ghost", "Type": "Runtime", "PlatformAllowList": ["Linux"]}))
    assert "module Ghost has no Source/Ghost/Ghost.Build.cs" in refusal(root, capsys)


def test_a_dependency_that_is_not_an_engine_plugin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_plugin(tmp_path)
    edit_descriptor(root, lambda d: d.setdefault("Plugins", []).append({"Name": "SomeMarketplacePlugin", "Enabled": True}))
    assert "depends on plugin SomeMarketplacePlugin, which is not one of the engine's" in refusal(root, capsys)


def test_long_paths_executables_and_build_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_plugin(tmp_path)
    plugin = root / "Plugins/RealtimeNet"
    deep = plugin / "Content" / ("D" * 80) / ("E" * 80)
    deep.mkdir(parents=True)
    (deep / "Asset.uasset").write_bytes(b"x")
    (plugin / "Content" / "Setup.exe").write_bytes(b"MZ")
    (plugin / "Binaries" / "Win64").mkdir(parents=True)
    (plugin / "Binaries" / "Win64" / "UnrealEditor-RealtimeNet.dll").write_bytes(b"MZ")
    (plugin / "Config" / "FilterPlugin.ini").write_text("[FilterPlugin]\n/Config/...\n/Binaries/...\n")
    err = refusal(root, capsys)
    assert "characters, over 170" in err and "RealtimeNet/Content/Setup.exe: executables" in err
    assert "RealtimeNet/Binaries/Win64/UnrealEditor-RealtimeNet.dll" not in err  # left out, not shipped


def test_without_filter_plugin_ini_there_is_no_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_plugin(tmp_path)
    (root / "Plugins/RealtimeNet/Config/FilterPlugin.ini").unlink()
    assert "no Config/FilterPlugin.ini" in refusal(root, capsys)


def test_bad_engine_version_and_no_descriptor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_plugin(tmp_path)
    assert "expected MAJOR.MINOR" in refusal(root, capsys, "--engine-version", "five")
    (root / "Plugins/RealtimeNet/RealtimeNet.uplugin").unlink()
    assert "RealtimeNet.uplugin not found" in refusal(root, capsys)


def test_archive_names_use_slashes_for_windows_paths() -> None:
    contents = pk.Contents({"EngineVersion": "5.5.0", "VersionName": "1.2.3"},
                           {PurePosixPath(PureWindowsPath(r"Source\RealtimeNet\Public\A.h").as_posix()): b""})
    assert contents.names() == ["RealtimeNet/RealtimeNet.uplugin", "RealtimeNet/Source/RealtimeNet/Public/A.h"]
    assert pk.archive_name(contents.descriptor) == "RealtimeNet-1.2.3-UE5.5.zip"


def test_the_icon_is_what_its_script_draws(tmp_path: Path) -> None:
    out = tmp_path / "icon.png"
    done = subprocess.run([sys.executable, str(ROOT / "Plugins/RealtimeNet/tools/make_icon.py"), "--output", str(out)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    drawn = Image.open(out).convert("RGBA")
    committed = Image.open(ROOT / "Plugins/RealtimeNet/Resources/Icon128.png").convert("RGBA")
    assert drawn.size == committed.size == (128, 128)
    difference = sum(abs(a - b) for a, b in zip(drawn.tobytes(), committed.tobytes(), strict=True))
    assert difference / (128 * 128 * 4) < 1.0  # the same picture (resampling may differ by a unit here and there)
