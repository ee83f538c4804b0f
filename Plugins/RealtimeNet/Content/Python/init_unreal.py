"""Run by the editor's Python plugin at start-up for every ``init_unreal.py`` on its path (the plugin's
``Content/Python`` is one): adds the RealtimeNet menu. A failure is logged and never stops the editor."""

from __future__ import annotations


def _register_menu() -> None:
    import unreal

    try:
        from realtimenet_editor import menu

        names = menu.register()
        unreal.log(f"RealtimeNet: editor menu ready ({', '.join(names)})")
    except Exception as exc:  # the editor must start whatever happens here
        unreal.log_error(f"RealtimeNet: the editor menu could not be added: {exc}")


_register_menu()
