"""The audit log's canonical details: the fast check for plain JSON must accept exactly
what the full check accepts, and name every problem the full check names."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from vcissue.errors import StoreError
from vcissue.store.audit import _check_json, _plain_json, canonical_details

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and infinities included: refused
    st.text(max_size=5),
    st.builds(object),  # not JSON at all
)
keys = st.one_of(st.text(max_size=4), st.integers(), st.booleans())
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(keys, inner, max_size=4),
    ),
    max_leaves=12,
)


def _full(value: Any) -> str | None:
    try:
        _check_json(value, "$")
    except StoreError as error:
        return str(error)
    return None


@given(st.dictionaries(keys, values, max_size=4))
def test_canonical_details_refuses_what_the_full_check_refuses(details: dict[Any, Any]) -> None:
    expected = _full(details)
    if _plain_json(details):
        assert expected is None  # the fast path never lets a problem through
    try:
        canonical_details(details)
    except StoreError as error:
        assert str(error) == expected
    else:
        assert expected is None


def test_the_fast_path_takes_only_plain_json() -> None:
    assert _plain_json({"a": [1, "x", None, True, {"b": []}]})
    assert not _plain_json({"a": 1.5})  # floats go through the full check
    assert not _plain_json({"a": (1,)})
    assert not _plain_json({1: "x"})
    assert _full({"a": math.nan}) is not None
