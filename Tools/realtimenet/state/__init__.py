"""Versioned room state: RFC 7396 JSON Merge Patch apply and compose, shared with the C++ client
through protocol/vectors/merge_patch.json."""

from realtimenet.state.merge_patch import compose, merge_patch

__all__ = ["compose", "merge_patch"]
