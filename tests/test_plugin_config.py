"""No credential is ever committed with the Unreal project, and none reaches Blueprints (issue 13, item 8 and 10).

Project Settings (URealtimeNetSettings) save to the project's Config/DefaultGame.ini, which is committed; the
development identities Play In Editor logs in with are per user (URealtimeNetDevelopmentSettings,
config=EditorPerProjectUserSettings, saved under Saved/). The automation spec RealtimeNet.PieIdentities checks the
same in the editor; this checks the files, on every run.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT / "Plugins/RealtimeNet/Source/RealtimeNet/Public"
# A JWT: three base64url parts, the first a JSON header ('{"' encodes to "eyJ").
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")


def _uproperties(header: str) -> list[tuple[str, str]]:
    """(specifiers, member name) for every UPROPERTY of a header."""
    return [(m[1], m[2]) for m in re.finditer(r"UPROPERTY\(([^\n]*)\)\n\t[^;\n]*?(\w+)(?: = [^;]+)?;", header)]


def test_no_token_in_the_committed_config() -> None:
    for ini in sorted((ROOT / "Config").glob("*.ini")):
        text = ini.read_text()
        assert not JWT.search(text), f"{ini.name} holds a JWT"
        for line in text.splitlines():
            key = line.split("=", 1)[0].strip().lower()
            assert "=" not in line or "token" not in key, f"{ini.name}: {line}"


def test_the_project_settings_have_no_token_and_the_identities_are_per_user() -> None:
    settings = (PUBLIC / "RealtimeNetSettings.h").read_text()
    assert "config = Game, defaultconfig" in settings  # committed: so nothing secret may be a member
    assert not [name for _, name in _uproperties(settings) if "token" in name.lower()]
    development = (PUBLIC / "RealtimeNetDevelopmentSettings.h").read_text()
    assert "UCLASS(config = EditorPerProjectUserSettings" in development
    token = next(spec for spec, name in _uproperties(development) if name == "Token")
    assert 'PasswordField = "true"' in token and "Blueprint" not in token


def test_no_blueprint_can_read_a_token() -> None:
    # The client keeps the resume token in the core and a development token privately; no Blueprint-visible
    # member or function of the runtime module names one (Set Token only writes).
    for header in sorted(PUBLIC.glob("*.h")):
        text = header.read_text()
        for spec, name in _uproperties(text):
            if "Blueprint" in spec and "BlueprintAssignable" not in spec:  # events (On Token Needed) hold no token
                assert "token" not in name.lower(), f"{header.name}: {name}"
        for function in re.findall(r"UFUNCTION\([^\n]*\)\n\t[^(\n]*?(\w+)\(", text):
            assert not (function.lower().startswith("get") and "token" in function.lower()), f"{header.name}: {function}"
