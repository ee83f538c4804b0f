"""RFC 7396 JSON Merge Patch: apply, and compose two patches into one where that is possible.

Composition caveat (ARCHITECTURE.md): merge patches are not closed under composition. Where patch ``a``
deletes a member or sets it to a non-object, and patch ``b`` then patches that member with an object, the
result at that member is "exactly this object", which a merge patch cannot say without knowing what the
base document holds there (its other members would survive). ``compose`` returns None in that case and
the caller falls back to sending the patches in order, or a snapshot.
"""

from __future__ import annotations

from typing import Any

JSON = Any


def merge_patch(target: JSON, patch: JSON) -> JSON:
    """Apply ``patch`` to ``target`` (RFC 7396 section 2); returns the new document, inputs untouched."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result


def compose(first: JSON, second: JSON) -> JSON | None:
    """The single merge patch ``c`` with ``merge_patch(merge_patch(t, first), second) == merge_patch(t, c)``
    for every document ``t``, or None when no such patch exists.

    A ``null`` second patch composes to ``null``, which the return value cannot tell apart from "none";
    room state patches are always objects, and a caller that falls back on None is correct either way.
    """
    if not isinstance(second, dict):
        return second
    if not isinstance(first, dict):
        # ``first`` replaces the document with a non-object; ``second`` then builds an object from it,
        # which only a "replace with this object" could express.
        return None
    composed: dict[str, JSON] = dict(first)
    for name, value in second.items():
        if value is None or not isinstance(value, dict):
            composed[name] = value
            continue
        if name not in first:
            composed[name] = value
            continue
        earlier = first[name]
        if not isinstance(earlier, dict):
            return None  # deleted or set to a non-object, then patched with an object
        inner = compose(earlier, value)
        if inner is None:
            return None
        composed[name] = inner
    return composed


__all__ = ["compose", "merge_patch"]
