"""Our RFC 8785 (proofs/eddsa_jcs_2022.jcs) against the rfc8785 package, byte for byte.

json.dumps takes the plain JSON it writes exactly as RFC 8785 does; everything else goes
to the package. Either way the bytes (or the refusal) must be the package's.
"""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import Body
from vcissue.errors import CanonicalizationError
from vcissue.proofs.eddsa_jcs_2022 import _DUMPS, _plain, jcs

# control characters, quotes, backslashes, DEL, U+2028, BMP above U+E000, astral, surrogates
TEXT = st.text(
    alphabet=st.sampled_from(
        [
            "a",
            "Z",
            " ",
            '"',
            "\\",
            "/",
            "\x00",
            "\x08",
            "\x1f",
            "\x7f",
            "é",
            "\u2028",
            "\ue000",
            "\uffff",
            "\U0001f600",
            "\U00010000",
            "\ud800",
            "\udfff",
        ]
    ),
    max_size=6,
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**54), 2**54)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


def _package(document: Any) -> bytes | type[Exception]:
    try:
        return bytes(rfc8785.dumps(document))
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError):
        return CanonicalizationError


def _ours(document: Any) -> bytes | type[Exception]:
    try:
        return jcs(document)
    except CanonicalizationError:
        return CanonicalizationError


@settings(max_examples=1500, deadline=None)
@given(JSON)
def test_jcs_is_the_rfc8785_package(document: Any) -> None:
    assert _ours(document) == _package(document)


def test_credentials_take_the_fast_path() -> None:
    body = Body()
    for document in (body.unsigned(), body.issue(suite="eddsa-jcs-2022")):
        assert _plain(document)
        assert jcs(document) == bytes(rfc8785.dumps(document))


@pytest.mark.parametrize(
    "document",
    [
        {"a": 1.5},
        {"a": 2**53},
        {"\U0001f600": 1, "\uffff": 2},  # UTF-16 order is not code point order here
        {"a": "\ud800"},
        {"a": (1, 2)},
        {1: "a"},
    ],
)
def test_what_json_dumps_would_write_otherwise_goes_to_the_package(document: Any) -> None:
    assert not _plain(document)
    assert not _plain(document, _DUMPS(document))  # json.dumps writes each of them
    assert _ours(document) == _package(document)


def _text(document: Any) -> str | None:
    try:
        return str(_DUMPS(document))
    except (TypeError, ValueError, RecursionError):
        return None


@settings(max_examples=1500, deadline=None)
@given(JSON)
def test_the_check_that_reads_json_dumps_output_is_the_full_walk(document: Any) -> None:
    """jcs reads json.dumps' output for the string checks and walks only the types: it
    must say what the full walk says, on every document json.dumps writes."""
    text = _text(document)
    if text is not None:
        assert _plain(document, text) == _plain(document)


@pytest.mark.parametrize(
    ("document", "plain"),
    [
        ({"name": "Ana Novák", "note": "\u2028\ue000\uffff"}, True),  # BMP only: the fast walk
        ({"name": "Ana \U0001f600"}, True),  # an astral value: the full walk, still plain
        ({"\U0001f600": 1}, False),
        ([{"a": [1, "b", None, True]} for _ in range(600)], True),  # past the count: full walk
        ([{"a": 2**53}] * 600, False),
    ],
)
def test_the_fast_check_and_its_way_back_to_the_full_walk(document: Any, plain: bool) -> None:
    assert _plain(document, _DUMPS(document)) is plain
    assert _plain(document) is plain
    assert _ours(document) == _package(document)


def test_past_512_levels_is_the_package_s_call() -> None:
    deep: Any = "x"
    for _ in range(600):
        deep = [deep]
    assert not _plain(deep, _DUMPS(deep))
    assert _ours(deep) == _package(deep)


def test_cycles_are_refused_not_looped_on() -> None:
    cyclic: dict[str, Any] = {}
    cyclic["self"] = cyclic
    with pytest.raises(CanonicalizationError):
        jcs(cyclic)
