"""Merge-patch apply and compose: the shared vectors, and properties over random documents."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realtimenet.state import compose, merge_patch
from tests.conftest import ROOT

VECTORS = json.loads((ROOT / "protocol/vectors/merge_patch.json").read_text())


@pytest.mark.parametrize("case", VECTORS["apply"], ids=lambda c: c["comment"])
def test_apply_vectors(case: dict[str, Any]) -> None:
    target, patch = copy.deepcopy(case["target"]), copy.deepcopy(case["patch"])
    assert merge_patch(target, patch) == case["result"]
    assert (target, patch) == (case["target"], case["patch"])  # inputs untouched


@pytest.mark.parametrize("case", VECTORS["compose"], ids=lambda c: c["comment"])
def test_compose_vectors(case: dict[str, Any]) -> None:
    composed = compose(case["a"], case["b"])
    if case["composable"]:
        assert composed == case["composed"]
    else:
        assert composed is None


keys = st.sampled_from(["a", "b", "c"])
scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["x", "y"])
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(keys, inner, max_size=3),
                      max_leaves=8)
documents = st.dictionaries(keys, values, max_size=3).map(lambda d: merge_patch(None, d))  # no null members
patches = st.dictionaries(keys, values, max_size=3) | scalars


@settings(max_examples=400, deadline=None)
@given(documents, patches, patches)
def test_compose_is_exact_whenever_it_answers(doc: Any, first: Any, second: Any) -> None:
    composed = compose(first, second)
    if composed is not None:
        assert merge_patch(merge_patch(doc, first), second) == merge_patch(doc, composed)


def saturated(patch: Any) -> Any:
    if not isinstance(patch, dict):
        return {"zz": 1}
    return {"zz": 1, **{name: saturated(value) for name, value in patch.items()}}


@settings(max_examples=300, deadline=None)
@given(patches, patches)
def test_compose_refuses_only_when_no_patch_can_exist(first: Any, second: Any) -> None:
    if second is None or compose(first, second) is not None:
        return  # a null second patch composes to null, which reads as None
    # The patch that is right for an empty base is wrong for a base holding an extra member at every
    # path the patches touch: members a merge patch does not mention survive it, so no patch fits both.
    bases = ({}, saturated(first), saturated(second))
    candidate = merge_patch(merge_patch({}, first), second)
    assert any(merge_patch(base, candidate) != merge_patch(merge_patch(base, first), second) for base in bases)
