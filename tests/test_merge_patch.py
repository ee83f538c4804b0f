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


@settings(max_examples=200, deadline=None)
@given(patches, patches)
def test_compose_refuses_only_when_no_patch_can_exist(first: Any, second: Any) -> None:
    if second is None or compose(first, second) is not None:
        return  # a null second patch composes to null, which reads as None
    # The patch that is right for an empty base is wrong for some other base: members that the
    # base holds survive a merge patch, so no single patch fits every base.
    bases = ({}, {"zz": 1}, {"a": {"zz": 1}}, {"b": {"zz": 1}}, {"c": {"zz": 1}})
    candidate = merge_patch(merge_patch({}, first), second)
    assert any(merge_patch(base, candidate) != merge_patch(merge_patch(base, first), second) for base in bases)
