"""The qualification model: examples, loading, schema and semantic errors, awards, expiry."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from vcissue.errors import CredentialError, QualificationError
from vcissue.model import (
    AssessmentMethod,
    Award,
    Duration,
    EvidenceRef,
    Holder,
    Qualification,
    load_qualification,
    parse_duration,
    qualification_from_dict,
    qualification_schema,
    qualification_to_dict,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).parent / "data" / "model"
ECOMENTOR = EXAMPLES / "ecomentor" / "qualification.json"
KCS = {level: EXAMPLES / "kcs" / f"level{level}.json" for level in (1, 2)}
AWARDED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

WRITTEN, OBSERVED, EVIDENCE = (
    AssessmentMethod.WRITTEN_ASSIGNMENT,
    AssessmentMethod.OBSERVATION,
    AssessmentMethod.EVIDENCE_FROM_WORK,
)


@pytest.fixture(scope="module")
def ecomentor() -> Qualification:
    return load_qualification(ECOMENTOR)


@pytest.fixture(scope="module")
def minimal() -> Qualification:
    return load_qualification(DATA / "minimal.json")


def minimal_dict() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "minimal.json").read_text("utf-8"))
    return data


def criterion_methods(q: Qualification, criterion_id: str) -> tuple[AssessmentMethod, ...]:
    for module in q.modules:
        for outcome in module.learning_outcomes:
            for criterion in outcome.criteria:
                if criterion.id == criterion_id:
                    return criterion.methods
    raise AssertionError(f"no criterion {criterion_id}")


# --- the examples ---------------------------------------------------------------------


def test_ecomentor_has_three_units_and_seven_modules(ecomentor: Qualification) -> None:
    assert ecomentor.id == "ecomentor"
    assert ecomentor.subject_kind == "person"
    assert ecomentor.validity == "P5Y"
    assert [unit.id for unit in ecomentor.units] == ["U1", "U2", "U3"]
    assert [unit.title for unit in ecomentor.units] == [
        "Planning the mentoring activities",
        "Conducting the mentoring activities",
        "Evaluating the mentoring activities",
    ]
    assert {unit.id: [m.id for m in unit.modules] for unit in ecomentor.units} == {
        "U1": ["M1_JM_01", "M1_JM_02"],
        "U2": ["M2_JM_03", "M2_JM_04", "M2_JM_05"],
        "U3": ["M3_JM_06", "M3_JM_07"],
    }
    outcomes = [len(m.learning_outcomes) for m in ecomentor.modules]
    assert outcomes == [4, 6, 6, 5, 5, 4, 5]
    criteria = [c for m in ecomentor.modules for o in m.learning_outcomes for c in o.criteria]
    assert len(criteria) == 106
    assert all(c.methods for c in criteria)
    # Values the seed does not state stay empty.
    assert ecomentor.eqf_level is None and ecomentor.credits is None
    assert all(u.credits is None and not u.prerequisites for u in ecomentor.units)
    assert all(m.credits is None and m.hours is None for m in ecomentor.modules)
    assert len(ecomentor.prerequisites) == 4
    assert "5 years of experience" in ecomentor.prerequisites[0]
    assert "complete Unit" in ecomentor.criteria_narrative


def test_ecomentor_criteria_follow_the_seed_tables(ecomentor: Qualification) -> None:
    first = ecomentor.modules[0].learning_outcomes[0]
    assert first.id == "M1_JM_01.LO1"
    assert first.text == "Understands the role of mentor in the learning process"
    assert first.criteria[0].id == "M1_JM_01.AC1.1"
    assert first.criteria[0].text == "Define the purpose of workplace mentoring"
    # Each column combination of the seed's X marks.
    assert criterion_methods(ecomentor, "M1_JM_01.AC1.1") == (WRITTEN,)
    assert criterion_methods(ecomentor, "M1_JM_01.AC3.1") == (WRITTEN, OBSERVED)
    assert criterion_methods(ecomentor, "M1_JM_02.AC4.1") == (WRITTEN, EVIDENCE)
    assert criterion_methods(ecomentor, "M2_JM_04.AC3.1") == (OBSERVED, EVIDENCE)
    assert criterion_methods(ecomentor, "M2_JM_05.AC4.5") == (EVIDENCE,)
    assert criterion_methods(ecomentor, "M3_JM_07.AC3.2") == (WRITTEN, OBSERVED, EVIDENCE)
    # Blank in the table; Annex 3 assesses it by observation.
    assert criterion_methods(ecomentor, "M2_JM_03.AC5.3") == (OBSERVED,)
    # A learning outcome split by a page break in the seed is whole again.
    lo2 = ecomentor.modules[1].learning_outcomes[1]
    assert lo2.text == (
        "Understands the methods used to develop and agree with the learner plans and "
        "to implement individual learning programmes"
    )
    unit1 = ecomentor.unit("U1")
    assert len(unit1.knowledge) == 13 and len(unit1.skills) == 10
    assert len(unit1.social_competence) == 13


@pytest.mark.parametrize("level", [1, 2])
def test_kcs_levels_certify_organisations_for_three_years(level: int) -> None:
    q = load_qualification(KCS[level])
    assert q.id == f"kcs-level{level}"
    assert q.subject_kind == "organisation"
    assert q.validity == "P3Y"
    assert q.awarding_body == "Keeping Children Safe"
    assert len(q.units) == 2 and all(unit.modules for unit in q.units)
    award = Award(Holder("Example Children's Charity", kind="organisation"), q, awarded=AWARDED)
    assert award.expiry == datetime(2029, 3, 2, 9, 30, tzinfo=UTC)
    if level == 2:
        assert any(
            "80% compliance" in c.text
            for m in q.modules
            for o in m.learning_outcomes
            for c in o.criteria
        )
        assert "Level 1 certification" in q.prerequisites[0]


def test_json_and_toml_give_the_same_qualification() -> None:
    from_json = load_qualification(DATA / "minimal.json")
    from_toml = load_qualification(str(DATA / "minimal.toml"))
    assert from_json == from_toml
    assert from_json.unit("B").prerequisites == ("A",)
    assert from_json.modules[1].credits is None


@pytest.mark.parametrize("path", [ECOMENTOR, KCS[1], KCS[2], DATA / "minimal.json"], ids=str)
def test_to_dict_round_trips_and_matches_the_schema(path: Path) -> None:
    q = load_qualification(path)
    document = qualification_to_dict(q)
    jsonschema.Draft202012Validator(qualification_schema()).validate(document)
    assert qualification_from_dict(document) == q
    assert qualification_from_dict(json.loads(json.dumps(document))) == q


def test_shipped_schema_is_draft_2020_12_and_lists_every_method() -> None:
    schema = qualification_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    methods = schema["$defs"]["criterion"]["properties"]["methods"]["items"]["enum"]
    assert methods == [method.value for method in AssessmentMethod]
    assert schema["additionalProperties"] is False
    assert all(
        d.get("additionalProperties") is False
        for d in schema["$defs"].values()
        if d.get("type") == "object"
    )


# --- bad files name the file and the field -------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = _steps(path)
        node: Any = doc
        for step in parents:
            node = node[step]
        node[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = _steps(path)
        node: Any = doc
        for step in parents:
            node = node[step]
        del node[last]

    return mutate


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.replace("[", ".").replace("]", "").split("."):
        steps.append(int(part) if part.isdigit() else part)
    return steps


CRITERION = "units[0].modules[0].learning_outcomes[0].criteria[0]"

BAD_DOCUMENTS: list[tuple[str, Mutation, str, str]] = [
    ("missing field", _delete("title"), "title", "missing required field"),
    (
        "missing nested field",
        _delete("units[1].modules[0].id"),
        "units[1].modules[0].id",
        "missing required field",
    ),
    ("wrong type", _set("eqf_level", "4"), "eqf_level", "expected integer or null, got string"),
    ("float for integer", _set("credits", 5.0), "credits", "got number"),
    (
        "bool for integer",
        _set("units[0].modules[0].hours", True),
        "units[0].modules[0].hours",
        "got boolean",
    ),
    ("list for string", _set("title", ["Demo"]), "title", "expected string, got array"),
    ("unknown key", _set("titel", "Demo"), "titel", "unknown field 'titel'"),
    (
        "unknown nested key",
        _set(f"{CRITERION}.method", "observation"),
        f"{CRITERION}.method",
        "unknown field 'method'",
    ),
    (
        "unknown key needing quotes",
        _set("units[0].my key", 1),
        'units[0]["my key"]',
        "unknown field",
    ),
    (
        "duplicate id across levels",
        _set("units[1].modules[0].id", "A"),
        "units[1].modules[0].id",
        "duplicate id 'A' (first used at units[0].id)",
    ),
    (
        "duplicate criterion id",
        _set("units[1].modules[0].learning_outcomes[0].criteria[0].id", "A1.AC1.1"),
        "units[1].modules[0].learning_outcomes[0].criteria[0].id",
        "duplicate id 'A1.AC1.1'",
    ),
    (
        "unknown prerequisite",
        _set("units[1].prerequisites", ["Z"]),
        "units[1].prerequisites[0]",
        "prerequisite 'Z' of unit 'B' is not a unit",
    ),
    (
        "self prerequisite",
        _set("units[1].prerequisites", ["B"]),
        "units[1].prerequisites[0]",
        "lists itself",
    ),
    (
        "prerequisite cycle",
        _set("units[0].prerequisites", ["B"]),
        "units[0].prerequisites",
        "prerequisite cycle: A -> B -> A",
    ),
    (
        "repeated prerequisite",
        _set("units[1].prerequisites", ["A", "A"]),
        "units[1].prerequisites",
        "same item twice",
    ),
    ("bad duration", _set("validity", "5 years"), "validity", "ISO 8601 duration"),
    ("lower-case duration", _set("validity", "p5y"), "validity", "ISO 8601 duration"),
    ("zero duration", _set("validity", "P0D"), "validity", "longer than zero"),
    ("absurd duration", _set("validity", "P101Y"), "validity", "over 100 years"),
    ("unit without modules", _set("units[0].modules", []), "units[0].modules", "must not be empty"),
    (
        "criterion without methods",
        _set(f"{CRITERION}.methods", []),
        f"{CRITERION}.methods",
        "must not be empty",
    ),
    (
        "unknown method",
        _set(f"{CRITERION}.methods", ["exam"]),
        f"{CRITERION}.methods[0]",
        "'exam' is not one of",
    ),
    ("bad subject kind", _set("subject_kind", "company"), "subject_kind", "is not one of"),
    ("bad id", _set("units[0].id", "unit A"), "units[0].id", "is not an id"),
    ("id with trailing newline", _set("units[0].id", "A\n"), "units[0].id", "is not an id"),
    ("blank title", _set("title", "   "), "title", "one line"),
    (
        "scheme ref with fragment",
        _set("scheme_ref", "https://x.example/s#v1"),
        "scheme_ref",
        "without a #fragment",
    ),
    ("eqf level out of range", _set("eqf_level", 9), "eqf_level", "above the maximum 8"),
    ("negative credits", _set("units[0].credits", -1), "units[0].credits", "below the minimum"),
    ("lone surrogate", _set("title", "Demo \ud800"), "title", "lone surrogate"),
    ("control character", _set("description", "bell\x07"), "description", "control character"),
]


@pytest.mark.parametrize(
    ("mutate", "field", "fragment"),
    [case[1:] for case in BAD_DOCUMENTS],
    ids=[c[0] for c in BAD_DOCUMENTS],
)
def test_bad_document_names_file_and_field(
    tmp_path: Path, mutate: Mutation, field: str, fragment: str
) -> None:
    document = minimal_dict()
    mutate(document)
    path = tmp_path / "scheme.json"
    path.write_text(json.dumps(document), "utf-8")
    with pytest.raises(QualificationError) as caught:
        load_qualification(path)
    error = caught.value
    assert error.source == str(path)
    assert error.field == field
    assert fragment in str(error)
    assert str(path) in str(error) and f"field {field}" in str(error)
    assert error.code == "qualification-invalid"


def test_several_problems_report_the_first_and_count_the_rest() -> None:
    document = minimal_dict()
    del document["title"]
    document["eqf_level"] = "high"
    with pytest.raises(QualificationError) as caught:
        qualification_from_dict(document, source="mem.json")
    assert caught.value.field == "eqf_level"  # paths sort alphabetically: eqf_level < title
    assert "(and 1 more problem)" in str(caught.value)


BAD_FILES: list[tuple[str, str, bytes, str, str]] = [
    ("not JSON", "q.json", b'{"id": "x",', "", "not valid JSON"),
    ("empty file", "q.json", b"", "", "not valid JSON"),
    ("binary junk", "q.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "", "not UTF-8"),
    ("latin-1", "q.json", '{"title": "Évaluation"}'.encode("latin-1"), "", "not UTF-8"),
    ("NaN", "q.json", b'{"credits": NaN}', "", "NaN is not a JSON number"),
    ("duplicate key", "q.json", b'{"id": "a", "id": "b"}', "", "duplicate key 'id'"),
    ("deep nesting", "q.json", b"[" * 100_000 + b"]" * 100_000, "", "not valid JSON"),
    ("top-level array", "q.json", b"[1, 2]", "(root)", "got array"),
    ("top-level string", "q.json", b'"ecomentor"', "(root)", "got string"),
    ("not TOML", "q.toml", b"id = = 'x'\n", "", "not valid TOML"),
    ("TOML junk", "q.toml", b"\x00\x01\x02garbage", "", "not valid TOML"),
    ("TOML date", "q.toml", b"validity = 2029-01-01\n", "validity", "not a JSON value: date"),
    ("unknown suffix", "q.yaml", b"id: x\n", "", "unsupported file type"),
]


@pytest.mark.parametrize(
    ("name", "content", "field", "fragment"),
    [case[1:] for case in BAD_FILES],
    ids=[c[0] for c in BAD_FILES],
)
def test_bad_file_is_a_qualification_error(
    tmp_path: Path, name: str, content: bytes, field: str, fragment: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(QualificationError) as caught:
        load_qualification(path)
    assert caught.value.source == str(path)
    assert caught.value.field == field
    assert fragment in str(caught.value)


def test_missing_file_and_directory_are_qualification_errors(tmp_path: Path) -> None:
    directory = tmp_path / "folder.json"
    directory.mkdir()
    for target in (tmp_path / "absent.json", directory):
        with pytest.raises(QualificationError, match="cannot read the file") as caught:
            load_qualification(target)
        assert caught.value.source == str(target)


def test_utf8_bom_and_toml_uppercase_suffix_are_accepted(tmp_path: Path) -> None:
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + (DATA / "minimal.json").read_bytes())
    upper = tmp_path / "UPPER.TOML"
    upper.write_bytes((DATA / "minimal.toml").read_bytes())
    assert load_qualification(bom) == load_qualification(upper)


def test_from_dict_rejects_values_json_cannot_hold() -> None:
    document = minimal_dict()
    document["units"][0]["credits"] = {1: "one"}
    with pytest.raises(QualificationError, match="keys must be strings") as caught:
        qualification_from_dict(document)
    assert caught.value.field == "units[0].credits"
    assert caught.value.source == "<dict>"
    document = minimal_dict()
    document["prerequisites"] = ("Two years of relevant experience",)  # tuples are arrays
    assert qualification_from_dict(document).prerequisites == ("Two years of relevant experience",)
    document["credits"] = float("inf")
    with pytest.raises(QualificationError, match="finite"):
        qualification_from_dict(document)


def test_direct_construction_is_checked_too(minimal: Qualification) -> None:
    unit_a = minimal.unit("A")
    with pytest.raises(QualificationError, match="duplicate id 'A'") as caught:
        dataclasses.replace(minimal, units=(unit_a, unit_a))
    assert caught.value.field == "units[1].id"
    with pytest.raises(QualificationError, match="longer than zero"):
        dataclasses.replace(minimal, validity="PT0S")
    with pytest.raises(QualificationError, match="no modules"):
        dataclasses.replace(minimal, units=(dataclasses.replace(unit_a, modules=()),))
    with pytest.raises(QualificationError, match="no unit 'Z'") as unknown:
        minimal.unit("Z")
    assert unknown.value.field == "units"


# --- awards ---------------------------------------------------------------------------


def test_full_and_unit_awards(ecomentor: Qualification) -> None:
    full = Award(Holder("Ana Novak"), ecomentor, awarded=AWARDED)
    assert full.is_full
    assert full.awarded_units == ecomentor.units
    assert full.expiry == datetime(2031, 3, 2, 9, 30, tzinfo=UTC)
    assert full.effective_scope.startswith("EcoMentor Qualification, full certification (U1 ")
    as_list: Any = ["U3", "U1"]  # callers may pass a list; it is kept as a tuple, in order
    partial = Award(Holder("Ivan Jurić"), ecomentor, awarded=AWARDED, units=as_list)
    assert partial.units == ("U3", "U1")
    assert not partial.is_full
    assert [u.id for u in partial.awarded_units] == ["U3", "U1"]
    assert partial.effective_scope == (
        "EcoMentor Qualification, unit credential "
        "(U3 Evaluating the mentoring activities; U1 Planning the mentoring activities)"
    )
    scoped = Award(
        Holder("Ana Novak"),
        ecomentor,
        awarded=AWARDED,
        scope="  Waste management  ",
        expires=AWARDED + timedelta(days=30),
        limitations=("Renewable energy only",),
    )
    assert scoped.effective_scope == "Waste management"
    assert scoped.expiry == AWARDED + timedelta(days=30)
    assert scoped.limitations == ("Renewable energy only",)


def test_award_datetimes_are_kept_in_utc(ecomentor: Qualification) -> None:
    zagreb = timezone(timedelta(hours=1))
    award = Award(
        Holder("Ana Novak"), ecomentor, awarded=datetime(2026, 3, 2, 10, 30, tzinfo=zagreb)
    )
    assert award.awarded == AWARDED and award.awarded.tzinfo is UTC
    assert award.expiry.tzinfo is UTC


def _award_kwargs(q: Qualification, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"holder": Holder("Ana Novak"), "qualification": q, "awarded": AWARDED}
    base.update(changes)
    return base


BAD_AWARDS: list[tuple[str, dict[str, Any], str]] = [
    ("naive awarded", {"awarded": datetime(2026, 3, 2)}, "timezone-aware"),
    ("awarded not a datetime", {"awarded": "2026-03-02"}, "must be a datetime"),
    ("naive expires", {"expires": datetime(2030, 1, 1)}, "timezone-aware"),
    ("expires before awarded", {"expires": AWARDED - timedelta(days=1)}, "is not after"),
    ("expires equals awarded", {"expires": AWARDED}, "is not after"),
    ("unknown unit", {"units": ("U9",)}, "has no unit 'U9'"),
    ("duplicate unit", {"units": ("U1", "U1")}, "listed twice"),
    ("empty units", {"units": ()}, "at least one unit"),
    ("units as a string", {"units": "U1"}, "must be a tuple"),
    ("empty result", {"result": " "}, "result must not be empty"),
    ("blank limitation", {"limitations": ("",)}, "limitation"),
    ("evidence not EvidenceRef", {"evidence": ("https://x.example/e",)}, "EvidenceRef"),
    ("previous credential not an id", {"previous_credential": "last year"}, "credential id"),
    (
        "organisation holder for a person scheme",
        {"holder": Holder("Acme", kind="organisation")},
        "certifies a person",
    ),
]


@pytest.mark.parametrize(
    ("changes", "fragment"), [c[1:] for c in BAD_AWARDS], ids=[c[0] for c in BAD_AWARDS]
)
def test_award_validation(ecomentor: Qualification, changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(CredentialError, match=fragment):
        Award(**_award_kwargs(ecomentor, **changes))


def test_person_holder_for_organisation_scheme_is_refused() -> None:
    with pytest.raises(
        CredentialError, match="certifies an organisation, but the holder is a person"
    ):
        Award(Holder("Ana Novak"), load_qualification(KCS[1]), awarded=AWARDED)


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: Holder(""), "holder name"),
        (lambda: Holder("   "), "holder name"),
        (lambda: Holder("Ana", id="not a did"), "DID or URI"),
        (lambda: Holder("Ana", kind="company"), "holder kind"),  # type: ignore[arg-type]
        (lambda: EvidenceRef("evidence-1", "Portfolio"), "URL or URN"),
        (lambda: EvidenceRef("urn:example:evidence:1", ""), "evidence name"),
    ],
)
def test_holder_and_evidence_validation(make: Callable[[], object], fragment: str) -> None:
    with pytest.raises(CredentialError, match=fragment):
        make()


def test_valid_holder_and_evidence(ecomentor: Qualification) -> None:
    holder = Holder("Ana Novak", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
    evidence = (EvidenceRef("urn:example:evidence:portfolio-17", "Portfolio", "Assessor record"),)
    award = Award(
        holder,
        ecomentor,
        awarded=AWARDED,
        evidence=evidence,
        previous_credential="urn:uuid:00000000-0000-4000-8000-000000000000",
    )
    assert award.evidence == evidence and award.holder.id is not None


# --- durations and expiry -------------------------------------------------------------


@pytest.mark.parametrize(
    ("awarded", "validity", "expected"),
    [
        (datetime(2024, 2, 29, 12, tzinfo=UTC), "P1Y", datetime(2025, 2, 28, 12, tzinfo=UTC)),
        (datetime(2024, 2, 29, 12, tzinfo=UTC), "P4Y", datetime(2028, 2, 29, 12, tzinfo=UTC)),
        (datetime(2024, 2, 29, 12, tzinfo=UTC), "P5Y", datetime(2029, 2, 28, 12, tzinfo=UTC)),
        (datetime(2024, 2, 29, 12, tzinfo=UTC), "P12M", datetime(2025, 2, 28, 12, tzinfo=UTC)),
        (datetime(2024, 1, 31, tzinfo=UTC), "P1M", datetime(2024, 2, 29, tzinfo=UTC)),
        (datetime(2023, 1, 31, tzinfo=UTC), "P1M", datetime(2023, 2, 28, tzinfo=UTC)),
        (datetime(2024, 3, 31, tzinfo=UTC), "P1M", datetime(2024, 4, 30, tzinfo=UTC)),
        (datetime(2024, 12, 31, tzinfo=UTC), "P1M", datetime(2025, 1, 31, tzinfo=UTC)),
        (datetime(2024, 8, 31, tzinfo=UTC), "P1Y6M", datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2024, 2, 28, tzinfo=UTC), "P1D", datetime(2024, 2, 29, tzinfo=UTC)),
        (datetime(2024, 2, 1, tzinfo=UTC), "P2W", datetime(2024, 2, 15, tzinfo=UTC)),
        (datetime(2024, 2, 28, 18, tzinfo=UTC), "PT36H", datetime(2024, 3, 1, 6, tzinfo=UTC)),
        (datetime(2024, 1, 1, tzinfo=UTC), "P1DT1H1M1S", datetime(2024, 1, 2, 1, 1, 1, tzinfo=UTC)),
        # Calendar arithmetic happens in UTC: 1 March 00:30 in UTC+2 is 29 February in UTC.
        (
            datetime(2024, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))),
            "P1Y",
            datetime(2025, 2, 28, 22, 30, tzinfo=UTC),
        ),
    ],
)
def test_expiry_arithmetic(
    minimal: Qualification, awarded: datetime, validity: str, expected: datetime
) -> None:
    q = dataclasses.replace(minimal, validity=validity)
    assert q.expiry_for(awarded) == expected
    assert Award(Holder("Ana"), q, awarded=awarded).expiry == expected


def test_expiry_out_of_range_and_naive(minimal: Qualification) -> None:
    with pytest.raises(CredentialError, match="out of range"):
        minimal.expiry_for(datetime(9998, 12, 1, tzinfo=UTC))
    with pytest.raises(CredentialError, match="out of range"):
        Award(Holder("Ana"), minimal, awarded=datetime(9999, 1, 1, tzinfo=UTC))
    with pytest.raises(CredentialError, match="timezone-aware"):
        minimal.expiry_for(datetime(2024, 1, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P5Y", Duration(years=5)),
        ("P3Y", Duration(years=3)),
        ("P1Y2M3DT4H5M6S", Duration(1, 2, 0, 3, 4, 5, 6)),
        ("P2W", Duration(weeks=2)),
        ("PT0S", Duration()),
        ("P0D", Duration()),
        ("P18M", Duration(months=18)),
        ("PT1M", Duration(minutes=1)),
        ("P1M", Duration(months=1)),
    ],
)
def test_parse_duration(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "P",
        "PT",
        "P1YT",
        "5Y",
        "p5y",
        "P5y",
        "-P1Y",
        "P-1Y",
        "P1.5Y",
        "P1,5Y",
        "P1W2D",
        " P5Y",
        "P5Y ",
        "P5Y\n",
        "P\u0663Y",
        "P1234567890Y",
        "PY",
        "P1S",
        "P1H",
        "T1H",
        "P1D1Y",
        "P5 Y",
        "five years",
    ],
)
def test_parse_duration_refuses_junk(text: str) -> None:
    with pytest.raises(QualificationError, match="ISO 8601 duration"):
        parse_duration(text)


def test_parse_duration_refuses_non_strings() -> None:
    with pytest.raises(QualificationError, match="must be a string"):
        parse_duration(5)  # type: ignore[arg-type]


components = st.integers(min_value=0, max_value=400)


@given(
    st.builds(
        Duration,
        years=components,
        months=components,
        days=components,
        hours=components,
        minutes=components,
        seconds=components,
    )
)
def test_duration_text_round_trips(duration: Duration) -> None:
    assert parse_duration(str(duration)) == duration


@given(st.integers(min_value=1, max_value=10_000))
def test_week_durations_round_trip(weeks: int) -> None:
    assert parse_duration(str(Duration(weeks=weeks))) == Duration(weeks=weeks)


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 1), max_value=datetime(2500, 12, 31), timezones=st.just(UTC)
    ),
    st.integers(min_value=0, max_value=50),
    st.integers(min_value=0, max_value=11),
)
def test_calendar_addition_properties(moment: datetime, years: int, months: int) -> None:
    result = Duration(years=years, months=months).add_to(moment)
    total = (result.year - moment.year) * 12 + result.month - moment.month
    assert total == years * 12 + months
    assert result.time() == moment.time() and result.tzinfo is moment.tzinfo
    assert result.day == moment.day or result.day < moment.day  # clamped to the month end
    if result.day < moment.day:
        next_day = result + timedelta(days=1)
        assert next_day.month != result.month


# --- robustness: nothing but QualificationError ---------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            "P5Y",
            "P0D",
            "A",
            "A1",
            "U1",
            "observation",
            "person",
            "organisation",
            "urn:x:y",
            "",
            "  ",
            "P200Y",
            "B",
            "A1.LO1",
        ]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _locations(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _locations(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _locations(value, (*path, index))
    return found


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    document = minimal_dict()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        locations = _locations(document)
        path = draw(st.sampled_from(locations))
        if not path:
            continue
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
        if action == "replace":
            parent[key] = draw(json_values)
        elif action == "delete":
            del parent[key]
        elif action == "add" and isinstance(parent[key], dict):
            parent[key][draw(st.text(max_size=10))] = draw(json_values)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        else:
            parent[key] = draw(json_values)
    return document


@settings(max_examples=400, deadline=None)
@given(mutated_documents())
def test_mutated_documents_load_or_raise_qualification_error(document: dict[str, Any]) -> None:
    try:
        q = qualification_from_dict(document, source="fuzz.json")
    except QualificationError as error:
        event("QualificationError")
        assert error.source == "fuzz.json"
        assert error.field, "every document problem names a field"
    else:
        event("loads")
        assert isinstance(q, Qualification)
        assert qualification_from_dict(qualification_to_dict(q)) == q


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=200), st.sampled_from([".json", ".toml"]))
def test_random_bytes_raise_qualification_error(
    tmp_path: Path, content: bytes, suffix: str
) -> None:
    path = tmp_path / f"junk{suffix}"
    path.write_bytes(content)
    with pytest.raises(QualificationError) as caught:
        load_qualification(path)
    assert caught.value.source == str(path)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutated_documents(), st.sampled_from(["json", "toml-ish"]))
def test_mutated_files_load_or_raise_qualification_error(
    tmp_path: Path, document: dict[str, Any], form: str
) -> None:
    path = tmp_path / "fuzz.json"
    try:
        text = json.dumps(document, allow_nan=True)
    except ValueError:
        assume(False)
    if form == "toml-ish":  # JSON text is rarely valid TOML: exercise the TOML error path
        path = tmp_path / "fuzz.toml"
    path.write_text(text, "utf-8", errors="surrogatepass")
    try:
        load_qualification(path)
    except QualificationError as error:
        assert error.source == str(path)
