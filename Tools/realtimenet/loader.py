"""Load a callable named ``module:function`` from configuration (room policies, state validators, backend
factories), failing at start with the configuration key named."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from realtimenet.exceptions import ConfigError


def load_callable(path: str, key: str) -> Callable[..., Any]:
    """The callable ``path`` (``package.module:name``) names; ConfigError naming ``key`` when it cannot be
    imported, does not exist or is not callable."""
    module, sep, name = path.partition(":")
    if not sep or not module or not name:
        raise ConfigError(f"{key}: expected 'module:function', got {path!r}")
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"{key}: cannot load {path!r}: {exc}") from None
    if not callable(found):
        raise ConfigError(f"{key}: {path!r} is not callable")
    return found  # type: ignore[no-any-return]
