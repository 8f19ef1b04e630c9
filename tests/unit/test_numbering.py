"""Certificate number patterns (vcissue.model.numbering) and their place in a qualification."""

from __future__ import annotations

import pytest

from tests.factories import ecomentor
from vcissue.errors import QualificationError
from vcissue.model import qualification_from_dict, qualification_to_dict
from vcissue.model.numbering import DEFAULT_PATTERN, NUMBER_RE, NumberPattern


def test_a_pattern_fills_year_qualification_and_padded_sequence() -> None:
    pattern = NumberPattern("EM-{year}-{seq:06}")
    assert pattern.number(42, qualification="ecomentor", year=2026) == "EM-2026-000042"
    assert pattern.number(1234567, qualification="x", year=2026) == "EM-2026-1234567"
    assert pattern.scope(qualification="ecomentor", year=2026) == "EM-2026-{seq:06}"
    default = NumberPattern(DEFAULT_PATTERN)
    assert default.number(7, qualification="kcs-level1", year=2027) == "kcs-level1-2027-000007"
    assert NumberPattern("CERT/{seq}").scope(qualification="a", year=2026) == "CERT/{seq}"
    with pytest.raises(ValueError, match="start at 1"):
        pattern.number(0, qualification="x", year=2026)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("EM-{year}", "exactly once"),
        ("{seq}-{seq}", "exactly once"),
        ("EM {seq}", "not ' '"),
        ("EM-{sequence}-{seq}", "not '{}"),
        ("EM-{seq:6}", "exactly once"),
        ("", "non-empty"),
    ],
)
def test_malformed_patterns_are_typed_errors(text: str, message: str) -> None:
    with pytest.raises(QualificationError, match=message) as caught:
        NumberPattern(text)
    assert caught.value.field == "number_pattern"


def test_a_qualification_carries_its_pattern_through_its_document() -> None:
    document = qualification_to_dict(ecomentor())
    assert document["number_pattern"] == "EM-{year}-{seq:06}"
    assert qualification_from_dict(document).numbers == NumberPattern("EM-{year}-{seq:06}")
    del document["number_pattern"]
    assert qualification_from_dict(document).numbers == NumberPattern(DEFAULT_PATTERN)


@pytest.mark.parametrize(
    ("pattern", "field_message"),
    [
        ("-{seq}", "starting and ending with a letter or digit"),
        ("EM {seq}", "does not match|is not"),
        ("EM-{year}", "exactly once"),
    ],
)
def test_a_bad_pattern_in_a_qualification_names_the_field(pattern: str, field_message: str) -> None:
    document = {**qualification_to_dict(ecomentor()), "number_pattern": pattern}
    with pytest.raises(QualificationError, match=field_message) as caught:
        qualification_from_dict(document)
    assert caught.value.field == "number_pattern"


def test_numbers_are_what_a_url_path_and_a_phone_call_carry() -> None:
    assert NUMBER_RE.fullmatch("EM-2026-000001")
    assert NUMBER_RE.fullmatch("KCS/L1.2026_7")
    for bad in ("", "-1", "EM 1", "EM-1-", "É-1", "a" * 65):
        assert not NUMBER_RE.fullmatch(bad), bad
