"""Create the RealtimeNet sample content (map, game mode, pawn, player controller, lobby HUD): the command-line and
CI entry point of ``realtimenet_editor.sample_content`` (the plugin's ``Content/Python``; in the editor the
RealtimeNet menu does the same).

    UnrealEditor-Cmd RealtimeNetHost.uproject -run=pythonscript -script="PythonScripts/create_sample_content.py"
"""

from __future__ import annotations

import sys
from pathlib import Path

PLUGIN_PYTHON = Path(__file__).resolve().parent.parent / "Plugins" / "RealtimeNet" / "Content" / "Python"
if str(PLUGIN_PYTHON) not in sys.path:  # the editor has it already when the plugin is enabled; plain Python not
    sys.path.insert(0, str(PLUGIN_PYTHON))

from realtimenet_editor.env import editor_unreal  # noqa: E402
from realtimenet_editor.sample_content import main  # noqa: E402

if __name__ == "__main__":
    result = main(sys.argv[1:])
    if editor_unreal() is None:
        sys.exit(result)
