"""The qualification model: what a certification body certifies, and what it awarded.

A certification scheme is a tree::

    Qualification (scheme)
    +-- Unit                    the smallest thing a unit credential can carry (seed 001, 4.3)
        +-- Module
            +-- LearningOutcome
                +-- AssessmentCriterion   with its suggested assessment methods

An :class:`Award` is one decision of the body: a :class:`Holder` has achieved the whole
qualification, or some complete units of it, on a date, with an expiry derived from the
scheme's validity period unless given.

Qualifications are read from JSON or TOML files (:func:`load_qualification`) and checked
against the JSON Schema shipped as ``vcissue/schemas/qualification.schema.json`` (draft
2020-12), then against the rules a schema cannot express: ids unique across the whole
tree, unit prerequisites that exist and do not form a cycle, a positive validity period.
Every problem is a :class:`~vcissue.errors.QualificationError` naming the file
(``source``) and the JSON path of the field (``field``, e.g. ``units[1].modules[0].id``);
nothing else escapes, whatever the bytes.

This module is part of the pure core: no clock, no randomness, and no I/O except reading
the one file :func:`load_qualification` is asked to read.
"""

from __future__ import annotations

import calendar
import json
import math
import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast, get_args

import jsonschema

from .errors import CredentialError, QualificationError

__all__ = [
    "AssessmentCriterion",
    "AssessmentMethod",
    "Award",
    "Duration",
    "EvidenceRef",
    "Holder",
    "LearningOutcome",
    "Module",
    "Qualification",
    "SubjectKind",
    "Unit",
    "load_qualification",
    "parse_duration",
    "qualification_from_dict",
    "qualification_schema",
    "qualification_to_dict",
]

SubjectKind = Literal["person", "organisation"]
SUBJECT_KINDS: tuple[str, ...] = get_args(SubjectKind)

#: Largest qualification file read (bytes). The EcoMentor scheme is about 60 KB.
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Deepest nesting accepted in a qualification document (the schema needs 8).
MAX_DEPTH = 32
#: A validity period longer than this is taken for a typing mistake.
MAX_VALIDITY_YEARS = 100

ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", re.ASCII)
URI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", re.ASCII)
SCHEME_REF_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s#]+", re.ASCII)
_DURATION_RE = re.compile(
    r"P(?:(?P<weeks>[0-9]{1,9})W"
    r"|(?=[0-9]|T[0-9])(?:(?P<years>[0-9]{1,9})Y)?(?:(?P<months>[0-9]{1,9})M)?"
    r"(?:(?P<days>[0-9]{1,9})D)?"
    r"(?:T(?=[0-9])(?:(?P<hours>[0-9]{1,9})H)?(?:(?P<minutes>[0-9]{1,9})M)?"
    r"(?:(?P<seconds>[0-9]{1,9})S)?)?)",
    re.ASCII,
)
_SIMPLE_KEY_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*", re.ASCII)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class AssessmentMethod(StrEnum):
    """How an assessment criterion may be assessed.

    The first three are the columns of the module tables in seed 001 (section 2.1), the
    next five the further methods it describes in 3.7.1 (an assessor "may choose to use an
    alternative assessment method"); the last four are how seed 002 (Keeping Children
    Safe) assesses an organisation.
    """

    WRITTEN_ASSIGNMENT = "written-assignment"
    OBSERVATION = "observation"
    EVIDENCE_FROM_WORK = "evidence-from-work"  # "Evidence from Work (Product Evidence)"
    QUESTIONING = "questioning"
    PROFESSIONAL_DISCUSSION = "professional-discussion"
    PERSONAL_STATEMENT = "personal-statement"  # "Personal statements (or 'reflective accounts')"
    WITNESS_TESTIMONY = "witness-testimony"
    SIMULATION = "simulation"
    SELF_ASSESSMENT = "self-assessment"
    INTERVIEW = "interview"
    DOCUMENT_REVIEW = "document-review"
    SITE_VISIT = "site-visit"


# --- durations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Duration:
    """An ISO 8601 duration with whole-number components (``P5Y``, ``P1Y6M``, ``P2W``)."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0

    @property
    def is_zero(self) -> bool:
        return (
            not any((self.years, self.months, self.weeks, self.days, self.hours, self.minutes))
            and not self.seconds
        )

    def add_to(self, moment: datetime) -> datetime:
        """``moment`` plus this duration, calendar-correct.

        Years and months move the calendar date and clamp the day to the end of the
        month (31 January + P1M = 28/29 February; 29 February + P1Y = 28 February); weeks,
        days and time are then added as exact spans. Raises ``OverflowError`` past year
        9999.
        """
        total_months = self.years * 12 + self.months
        year_shift, month_index = divmod(moment.month - 1 + total_months, 12)
        year = moment.year + year_shift
        if not 1 <= year <= 9999:
            raise OverflowError(f"year {year} is out of range")
        month = month_index + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        span = timedelta(
            weeks=self.weeks,
            days=self.days,
            hours=self.hours,
            minutes=self.minutes,
            seconds=self.seconds,
        )
        return moment.replace(year=year, month=month, day=day) + span

    def __str__(self) -> str:
        if self.weeks and not any(
            (self.years, self.months, self.days, self.hours, self.minutes, self.seconds)
        ):
            return f"P{self.weeks}W"
        date = "".join(
            f"{value}{unit}"
            for value, unit in (
                (self.years, "Y"),
                (self.months, "M"),
                (self.days + 7 * self.weeks, "D"),
            )
            if value
        )
        time = "".join(
            f"{value}{unit}"
            for value, unit in ((self.hours, "H"), (self.minutes, "M"), (self.seconds, "S"))
            if value
        )
        if not date and not time:
            return "P0D"
        return f"P{date}" + (f"T{time}" if time else "")


def _duration_or_problem(text: object) -> Duration | str:
    if not isinstance(text, str):
        return f"a duration must be a string, got {_json_type(text)}"
    match = _DURATION_RE.fullmatch(text)
    if match is None:
        return (
            f"{_short(text)} is not an ISO 8601 duration "
            "(PnYnMnDTnHnMnS or PnW with whole numbers, e.g. P5Y)"
        )
    parts = {name: int(value) for name, value in match.groupdict().items() if value is not None}
    return Duration(**parts)


def parse_duration(text: str) -> Duration:
    """Parse an ISO 8601 duration: ``PnYnMnDTnHnMnS`` (any part may be left out) or ``PnW``.

    Components are whole numbers of up to nine digits; signs, fractions, lower-case
    designators and surrounding spaces are refused with a ``QualificationError``.
    """
    parsed = _duration_or_problem(text)
    if isinstance(parsed, str):
        raise QualificationError(parsed)
    return parsed


# --- the qualification tree ----------------------------------------------------------


@dataclass(frozen=True)
class AssessmentCriterion:
    id: str
    text: str
    methods: tuple[AssessmentMethod, ...]


@dataclass(frozen=True)
class LearningOutcome:
    id: str
    text: str
    criteria: tuple[AssessmentCriterion, ...]


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    description: str
    learning_outcomes: tuple[LearningOutcome, ...]
    credits: int | None
    hours: int | None


@dataclass(frozen=True)
class Unit:
    """A unit of the scheme; ``prerequisites`` are ids of other units of the same scheme.

    ``knowledge``, ``skills`` and ``social_competence`` are the unit-level learning
    outcomes a scheme may state besides its criteria (seed 001, section 3.10).
    """

    id: str
    title: str
    description: str
    modules: tuple[Module, ...]
    credits: int | None
    prerequisites: tuple[str, ...]
    knowledge: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    social_competence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Qualification:
    """A certification scheme; constructing one checks the rules the schema cannot."""

    id: str
    title: str
    description: str
    scheme_ref: str
    scheme_version: str
    eqf_level: int | None
    credits: int | None
    validity: str
    subject_kind: SubjectKind
    prerequisites: tuple[str, ...]
    units: tuple[Unit, ...]
    awarding_body: str | None
    criteria_narrative: str

    def __post_init__(self) -> None:
        problem = next(_semantic_problems(self), None)
        if problem is not None:
            raise QualificationError(problem[1], field=_format_path(problem[0]))

    @property
    def validity_duration(self) -> Duration:
        return parse_duration(self.validity)

    @property
    def modules(self) -> tuple[Module, ...]:
        """Every module of every unit, in order."""
        return tuple(module for unit in self.units for module in unit.modules)

    @property
    def unit_ids(self) -> tuple[str, ...]:
        return tuple(unit.id for unit in self.units)

    def unit(self, unit_id: str) -> Unit:
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        raise QualificationError(
            f"qualification {self.id!r} has no unit {unit_id!r} "
            f"(units: {', '.join(self.unit_ids)})",
            field="units",
        )

    def expiry_for(self, awarded: datetime) -> datetime:
        """``awarded`` (taken in UTC) plus the validity period; see :meth:`Duration.add_to`."""
        moment = _utc(awarded, "awarded")
        try:
            return self.validity_duration.add_to(moment)
        except OverflowError:
            raise CredentialError(
                f"expiry of an award on {moment.isoformat()} plus {self.validity} is out of range"
            ) from None


# --- awards --------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """Who is certified: a person or an organisation; ``id`` is an optional DID or URN."""

    name: str
    id: str | None = None
    kind: SubjectKind = "person"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise CredentialError("holder name must not be empty")
        if self.id is not None and (not isinstance(self.id, str) or not URI_RE.fullmatch(self.id)):
            raise CredentialError(f"holder id must be a DID or URI, got {self.id!r}")
        if self.kind not in SUBJECT_KINDS:
            raise CredentialError(
                f"holder kind must be one of {', '.join(SUBJECT_KINDS)}, got {self.kind!r}"
            )


@dataclass(frozen=True)
class EvidenceRef:
    """A pointer to assessment evidence (``id`` is a URL or URN); never its content."""

    id: str
    name: str
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not URI_RE.fullmatch(self.id):
            raise CredentialError(f"evidence id must be a URL or URN, got {self.id!r}")
        if not isinstance(self.name, str) or not self.name.strip():
            raise CredentialError("evidence name must not be empty")
        if not isinstance(self.description, str):
            raise CredentialError("evidence description must be a string")


@dataclass(frozen=True)
class Award:
    """One certification decision: the full qualification, or some complete units of it.

    Datetimes must be timezone-aware and are kept in UTC. Any rule broken raises
    ``CredentialError``.
    """

    holder: Holder
    qualification: Qualification
    awarded: datetime
    units: tuple[str, ...] | None = None
    result: str = "pass"
    expires: datetime | None = None
    scope: str = ""
    limitations: tuple[str, ...] = ()
    evidence: tuple[EvidenceRef, ...] = ()
    previous_credential: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.holder, Holder):
            raise CredentialError("holder must be a Holder")
        if not isinstance(self.qualification, Qualification):
            raise CredentialError("qualification must be a Qualification")
        qualification = self.qualification
        if self.holder.kind != qualification.subject_kind:
            raise CredentialError(
                f"qualification {qualification.id!r} certifies {_a(qualification.subject_kind)}, "
                f"but the holder is {_a(self.holder.kind)}"
            )
        object.__setattr__(self, "awarded", _utc(self.awarded, "awarded"))
        if self.units is not None:
            object.__setattr__(self, "units", self._checked_units(self.units))
        if not isinstance(self.result, str) or not self.result.strip():
            raise CredentialError("result must not be empty")
        if not isinstance(self.scope, str):
            raise CredentialError("scope must be a string")
        if self.expires is not None:
            object.__setattr__(self, "expires", _utc(self.expires, "expires"))
        if self.expiry <= self.awarded:
            raise CredentialError(
                f"expiry {self.expiry.isoformat()} is not after the award "
                f"{self.awarded.isoformat()}"
            )
        limitations = _as_tuple(self.limitations, "limitations")
        if not all(isinstance(item, str) and item.strip() for item in limitations):
            raise CredentialError("each limitation must be a non-empty string")
        object.__setattr__(self, "limitations", limitations)
        evidence = _as_tuple(self.evidence, "evidence")
        if not all(isinstance(item, EvidenceRef) for item in evidence):
            raise CredentialError("evidence must be EvidenceRef items")
        object.__setattr__(self, "evidence", evidence)
        previous = self.previous_credential
        if previous is not None and (
            not isinstance(previous, str) or not URI_RE.fullmatch(previous)
        ):
            raise CredentialError(f"previous credential must be a credential id, got {previous!r}")

    def _checked_units(self, units: object) -> tuple[str, ...]:
        chosen = _as_tuple(units, "units")
        if not chosen:
            raise CredentialError(
                "a unit award needs at least one unit (None means the full award)"
            )
        known = self.qualification.unit_ids
        seen: set[object] = set()
        for unit_id in chosen:
            if not isinstance(unit_id, str) or unit_id not in known:
                raise CredentialError(
                    f"qualification {self.qualification.id!r} has no unit {unit_id!r} "
                    f"(units: {', '.join(known)})"
                )
            if unit_id in seen:
                raise CredentialError(f"unit {unit_id!r} is listed twice")
            seen.add(unit_id)
        return cast(tuple[str, ...], chosen)

    @property
    def is_full(self) -> bool:
        return self.units is None

    @property
    def expiry(self) -> datetime:
        if self.expires is not None:
            return self.expires
        return self.qualification.expiry_for(self.awarded)

    @property
    def awarded_units(self) -> tuple[Unit, ...]:
        if self.units is None:
            return self.qualification.units
        return tuple(self.qualification.unit(unit_id) for unit_id in self.units)

    @property
    def effective_scope(self) -> str:
        if self.scope.strip():
            return self.scope.strip()
        units = "; ".join(f"{unit.id} {unit.title}" for unit in self.awarded_units)
        if self.is_full:
            return f"{self.qualification.title}, full certification ({units})"
        return f"{self.qualification.title}, unit credential ({units})"


def _a(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def _utc(moment: object, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise CredentialError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CredentialError(f"{name} must be timezone-aware")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise CredentialError(f"{name} is out of range") from None


def _as_tuple(value: object, name: str) -> tuple[object, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise CredentialError(f"{name} must be a tuple, got {type(value).__name__}")
    return tuple(value)


# --- semantic rules -------------------------------------------------------------------

Path_ = tuple[str | int, ...]


def _semantic_problems(q: Qualification) -> Iterator[tuple[Path_, str]]:
    """(path, message) for each rule broken; the schema covers types and shapes of files."""
    yield from _id_problems(q)
    if not isinstance(q.scheme_ref, str) or not SCHEME_REF_RE.fullmatch(q.scheme_ref):
        yield ("scheme_ref",), "the scheme reference must be an absolute URL or URN without #"
    parsed = _duration_or_problem(q.validity)
    if isinstance(parsed, str):
        yield ("validity",), parsed
    elif parsed.is_zero:
        yield ("validity",), "the validity period must be longer than zero"
    else:
        reference = datetime(2000, 1, 1, tzinfo=UTC)
        if parsed.add_to(reference) > reference.replace(year=2000 + MAX_VALIDITY_YEARS):
            yield ("validity",), f"a validity period over {MAX_VALIDITY_YEARS} years ({q.validity})"
    if q.subject_kind not in SUBJECT_KINDS:
        yield ("subject_kind",), f"must be one of {', '.join(SUBJECT_KINDS)}"
    if q.eqf_level is not None and not (isinstance(q.eqf_level, int) and 1 <= q.eqf_level <= 8):
        yield ("eqf_level",), "the EQF level is 1 to 8"
    if not q.units:
        yield ("units",), "a qualification needs at least one unit"
    for u, unit in enumerate(q.units):
        if not unit.modules:
            yield ("units", u, "modules"), f"unit {unit.id!r} has no modules"
        for m, module in enumerate(unit.modules):
            if not module.learning_outcomes:
                yield (
                    ("units", u, "modules", m, "learning_outcomes"),
                    f"module {module.id!r} has no learning outcomes",
                )
            for o, outcome in enumerate(module.learning_outcomes):
                where: Path_ = ("units", u, "modules", m, "learning_outcomes", o)
                if not outcome.criteria:
                    yield (*where, "criteria"), f"learning outcome {outcome.id!r} has no criteria"
                for c, criterion in enumerate(outcome.criteria):
                    if not criterion.methods:
                        yield (
                            (*where, "criteria", c, "methods"),
                            f"criterion {criterion.id!r} names no assessment method",
                        )
    yield from _prerequisite_problems(q)


def _tree_ids(q: Qualification) -> Iterator[tuple[Path_, str]]:
    yield ("id",), q.id
    for u, unit in enumerate(q.units):
        yield ("units", u, "id"), unit.id
        for m, module in enumerate(unit.modules):
            yield ("units", u, "modules", m, "id"), module.id
            for o, outcome in enumerate(module.learning_outcomes):
                where: Path_ = ("units", u, "modules", m, "learning_outcomes", o)
                yield (*where, "id"), outcome.id
                for c, criterion in enumerate(outcome.criteria):
                    yield (*where, "criteria", c, "id"), criterion.id


def _id_problems(q: Qualification) -> Iterator[tuple[Path_, str]]:
    first_seen: dict[str, Path_] = {}
    for path, value in _tree_ids(q):
        if not isinstance(value, str) or not ID_RE.fullmatch(value):
            yield path, f"{_short(value)} is not a valid id (letters, digits, '.', '_', '-')"
            continue
        if value in first_seen:
            yield path, f"duplicate id {value!r} (first used at {_format_path(first_seen[value])})"
        else:
            first_seen[value] = path


def _prerequisite_problems(q: Qualification) -> Iterator[tuple[Path_, str]]:
    known = {unit.id for unit in q.units}
    for u, unit in enumerate(q.units):
        for p, prerequisite in enumerate(unit.prerequisites):
            path: Path_ = ("units", u, "prerequisites", p)
            if prerequisite == unit.id:
                yield path, f"unit {unit.id!r} lists itself as a prerequisite"
            elif prerequisite not in known:
                yield path, f"prerequisite {prerequisite!r} of unit {unit.id!r} is not a unit"
    graph = {
        unit.id: [p for p in unit.prerequisites if p in known and p != unit.id] for unit in q.units
    }
    index = {unit.id: u for u, unit in enumerate(q.units)}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                return [*trail[trail.index(nxt) :], nxt]
            if nxt not in state:
                cycle = visit(nxt, [*trail, nxt])
                if cycle:
                    return cycle
        state[node] = 2
        return None

    for unit in q.units:
        if unit.id not in state:
            cycle = visit(unit.id, [unit.id])
            if cycle:
                yield (
                    ("units", index[cycle[0]], "prerequisites"),
                    "prerequisite cycle: " + " -> ".join(cycle),
                )
                return


# --- reading and writing --------------------------------------------------------------


def load_qualification(path: str | os.PathLike[str]) -> Qualification:
    """Read a qualification from a ``.json`` or ``.toml`` file and check it."""
    file = Path(os.fspath(path))
    source = str(file)
    suffix = file.suffix.lower()
    if suffix not in (".json", ".toml"):
        raise QualificationError(
            "unsupported file type: a qualification is a .json or .toml file", source=source
        )
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise QualificationError(
            f"cannot read the file: {exc.strerror or exc}", source=source
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise QualificationError(f"file is larger than {MAX_FILE_BYTES} bytes", source=source)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QualificationError(
            f"not UTF-8 text (invalid byte at offset {exc.start})", source=source
        ) from None
    text = text.removeprefix("\ufeff")
    data = _parse_json(text, source) if suffix == ".json" else _parse_toml(text, source)
    return qualification_from_dict(data, source=source)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r} in a JSON object")
        result[key] = value
    return result


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise QualificationError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", source=source
        ) from None
    except (ValueError, RecursionError) as exc:
        raise QualificationError(
            f"not valid JSON: {_short(str(exc), 120)}", source=source
        ) from None


def _parse_toml(text: str, source: str) -> Any:
    try:
        return tomllib.loads(text)
    except (ValueError, RecursionError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise QualificationError(
            f"not valid TOML: {_short(str(exc), 160)}", source=source
        ) from None


def qualification_from_dict(data: Mapping[str, Any], *, source: str = "<dict>") -> Qualification:
    """Check ``data`` against the schema and the semantic rules and build the tree."""
    plain = _plain(data, (), source)
    if not isinstance(plain, dict):
        raise QualificationError(
            f"a qualification is a JSON object (TOML table), got {_json_type(plain)}",
            source=source,
            field=_format_path(()),
        )
    _schema_check(plain, source)
    units = tuple(_unit(item) for item in plain["units"])
    fields = {
        "id": plain["id"],
        "title": plain["title"],
        "description": plain["description"],
        "scheme_ref": plain["scheme_ref"],
        "scheme_version": plain["scheme_version"],
        "eqf_level": plain.get("eqf_level"),
        "credits": plain.get("credits"),
        "validity": plain["validity"],
        "subject_kind": plain["subject_kind"],
        "prerequisites": tuple(plain.get("prerequisites", ())),
        "units": units,
        "awarding_body": plain.get("awarding_body"),
        "criteria_narrative": plain["criteria_narrative"],
    }
    try:
        return Qualification(**fields)
    except QualificationError as exc:
        raise QualificationError(_bare_message(exc), source=source, field=exc.field) from None


def _bare_message(exc: QualificationError) -> str:
    text = str(exc)
    prefix = f"field {exc.field}: " if exc.field else ""
    return text.removeprefix(prefix)


def _unit(data: dict[str, Any]) -> Unit:
    return Unit(
        id=data["id"],
        title=data["title"],
        description=data.get("description", ""),
        modules=tuple(_module(item) for item in data["modules"]),
        credits=data.get("credits"),
        prerequisites=tuple(data.get("prerequisites", ())),
        knowledge=tuple(data.get("knowledge", ())),
        skills=tuple(data.get("skills", ())),
        social_competence=tuple(data.get("social_competence", ())),
    )


def _module(data: dict[str, Any]) -> Module:
    return Module(
        id=data["id"],
        title=data["title"],
        description=data.get("description", ""),
        learning_outcomes=tuple(
            LearningOutcome(
                id=outcome["id"],
                text=outcome["text"],
                criteria=tuple(
                    AssessmentCriterion(
                        id=criterion["id"],
                        text=criterion["text"],
                        methods=tuple(AssessmentMethod(m) for m in criterion["methods"]),
                    )
                    for criterion in outcome["criteria"]
                ),
            )
            for outcome in data["learning_outcomes"]
        ),
        credits=data.get("credits"),
        hours=data.get("hours"),
    )


def qualification_to_dict(q: Qualification) -> dict[str, Any]:
    """The document form of ``q`` (JSON-ready); ``qualification_from_dict`` reads it back."""
    return {
        "id": q.id,
        "title": q.title,
        "description": q.description,
        "scheme_ref": q.scheme_ref,
        "scheme_version": q.scheme_version,
        "eqf_level": q.eqf_level,
        "credits": q.credits,
        "validity": q.validity,
        "subject_kind": q.subject_kind,
        "prerequisites": list(q.prerequisites),
        "awarding_body": q.awarding_body,
        "criteria_narrative": q.criteria_narrative,
        "units": [
            {
                "id": unit.id,
                "title": unit.title,
                "description": unit.description,
                "credits": unit.credits,
                "prerequisites": list(unit.prerequisites),
                "knowledge": list(unit.knowledge),
                "skills": list(unit.skills),
                "social_competence": list(unit.social_competence),
                "modules": [
                    {
                        "id": module.id,
                        "title": module.title,
                        "description": module.description,
                        "credits": module.credits,
                        "hours": module.hours,
                        "learning_outcomes": [
                            {
                                "id": outcome.id,
                                "text": outcome.text,
                                "criteria": [
                                    {
                                        "id": criterion.id,
                                        "text": criterion.text,
                                        "methods": [method.value for method in criterion.methods],
                                    }
                                    for criterion in outcome.criteria
                                ],
                            }
                            for outcome in module.learning_outcomes
                        ],
                    }
                    for module in unit.modules
                ],
            }
            for unit in q.units
        ],
    }


# --- the schema and its error messages -----------------------------------------------


@cache
def qualification_schema() -> dict[str, Any]:
    """The shipped JSON Schema (draft 2020-12) for qualification documents."""
    text = (resources.files("vcissue") / "schemas" / "qualification.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _strict_integer(_checker: object, instance: object) -> bool:
    # JSON Schema counts 5.0 as an integer; a credit count of 5.0 is a typing mistake here.
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def _validator() -> jsonschema.protocols.Validator:
    base = jsonschema.Draft202012Validator
    extend = cast(Any, jsonschema.validators.extend)  # untyped in types-jsonschema
    strict = extend(base, type_checker=base.TYPE_CHECKER.redefine("integer", _strict_integer))
    validator: jsonschema.protocols.Validator = strict(qualification_schema())
    return validator


def _schema_check(document: dict[str, Any], source: str) -> None:
    problems = sorted(
        (_describe(error) for error in _validator().iter_errors(document)),
        key=lambda problem: (_path_key(problem[0]), problem[1]),
    )
    if problems:
        path, message = problems[0]
        if len(problems) > 1:
            others = len(problems) - 1
            message += f" (and {others} more problem{'s' if others > 1 else ''})"
        raise QualificationError(message, source=source, field=_format_path(path))


def _describe(error: jsonschema.ValidationError) -> tuple[Path_, str]:
    path: Path_ = tuple(error.absolute_path)
    instance = error.instance
    kind = error.validator
    value: Any = error.validator_value
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    if kind == "required" and isinstance(instance, dict):
        missing = [name for name in value if name not in instance]
        name = next((n for n in missing if error.message.startswith(repr(n))), missing[0])
        return (*path, name), "missing required field"
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = schema.get("properties", {})
        unknown = sorted(key for key in instance if key not in allowed)
        known = ", ".join(sorted(allowed))
        return (*path, unknown[0]), f"unknown field {unknown[0]!r} (allowed here: {known})"
    if kind == "type":
        expected = " or ".join(value) if isinstance(value, list) else str(value)
        return path, f"expected {expected}, got {_json_type(instance)}"
    if kind == "enum":
        return path, f"{_short(instance)} is not one of {', '.join(map(repr, value))}"
    if kind == "pattern":
        what = schema.get("description") or f"in the expected form ({value})"
        return path, f"{_short(instance)} is not {what}"
    if kind == "minItems":
        return path, "must not be empty" if value == 1 else f"needs at least {value} items"
    if kind == "maxItems":
        return path, f"has more than {value} items"
    if kind == "uniqueItems":
        return path, "contains the same item twice"
    if kind == "minLength":
        return path, "must not be empty"
    if kind == "maxLength":
        return path, f"is longer than {value} characters"
    if kind == "minimum":
        return path, f"{_short(instance)} is below the minimum {value}"
    if kind == "maximum":
        return path, f"{_short(instance)} is above the maximum {value}"
    return path, _short(error.message, 200)


# --- helpers -------------------------------------------------------------------------


def _plain(value: object, path: Path_, source: str) -> Any:
    """A copy of ``value`` made only of dict/list/str/int/float/bool/None, or an error."""
    if len(path) > MAX_DEPTH:
        raise QualificationError(
            f"nested deeper than {MAX_DEPTH} levels", source=source, field=_format_path(path)
        )
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QualificationError("not a finite number", source=source, field=_format_path(path))
        return value
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise QualificationError(
                "text is not valid Unicode (lone surrogate)",
                source=source,
                field=_format_path(path),
            ) from None
        if _CONTROL_RE.search(value):
            raise QualificationError(
                "text contains a control character", source=source, field=_format_path(path)
            )
        return value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise QualificationError(
                    f"object keys must be strings, got {type(key).__name__} {_short(key)}",
                    source=source,
                    field=_format_path(path),
                )
            result[key] = _plain(item, (*path, key), source)
        return result
    if isinstance(value, list | tuple):
        return [_plain(item, (*path, index), source) for index, item in enumerate(value)]
    raise QualificationError(
        f"not a JSON value: {type(value).__name__}", source=source, field=_format_path(path)
    )


def _format_path(path: Iterable[str | int]) -> str:
    """``units[1].modules[0].id``; ``(root)`` for the document itself."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _SIMPLE_KEY_RE.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out or "(root)"


def _path_key(path: Path_) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, part) for part in path)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
