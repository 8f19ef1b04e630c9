"""The qualification tree: what a certification body certifies.

A certification scheme is a tree::

    Qualification (scheme)
    +-- Unit                    the smallest thing a unit credential can carry (seed 001, 4.3)
        +-- Module
            +-- LearningOutcome
                +-- AssessmentCriterion   with its suggested assessment methods

Constructing a :class:`Qualification` checks the rules a schema cannot express: ids unique
across the whole tree, unit prerequisites that exist and do not form a cycle, a positive
validity period. Every problem is a :class:`~vcissue.errors.QualificationError` naming the
JSON path of the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal, get_args

from ..errors import CredentialError, QualificationError
from .duration import Duration, aware_utc, duration_or_problem, parse_duration
from .numbering import DEFAULT_PATTERN, NumberPattern, pattern_problem
from .paths import Path_, format_path, short

__all__ = [
    "BODY_ID_RE",
    "DEFAULT_BODY",
    "ID_RE",
    "SUBJECT_KINDS",
    "URI_RE",
    "Accreditation",
    "AssessmentCriterion",
    "AssessmentMethod",
    "LearningOutcome",
    "Module",
    "Qualification",
    "SubjectKind",
    "Unit",
]

SubjectKind = Literal["person", "organisation"]
SUBJECT_KINDS: tuple[str, ...] = get_args(SubjectKind)

#: A validity period longer than this is taken for a typing mistake.
MAX_VALIDITY_YEARS = 100

ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", re.ASCII)
URI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", re.ASCII)
SCHEME_REF_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s#]+", re.ASCII)
#: An awarding body's id in the settings (``[bodies.ID]``), a qualification's ``body``, the
#: store's ``status_lists.body`` and the names of its lists (``ID-revocation-1``).
BODY_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)
#: The deployment's own body ([keys]): a qualification without ``body`` is awarded by it.
DEFAULT_BODY = "default"


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
class Accreditation:
    """Who accredits the body for a scheme (ISO/IEC 17011), as the register and the
    certificate show it: the accrediting body, the accreditation number, a statement."""

    body: str
    number: str
    statement: str = ""


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
    number_pattern: str | None = None  # certificate numbers (model.numbering); None: default
    requires: tuple[str, ...] = ()  # qualifications whose current certificate is needed first
    recertification_window: str | None = None  # recertification opens this long before expiry
    recertification_grace: str | None = None  # ... and closes this long after it (lapse)
    accreditation: Accreditation | None = None  # None: not accredited for this scheme
    body: str = DEFAULT_BODY  # the id of the awarding body whose identity issues it

    def __post_init__(self) -> None:
        problem = next(_semantic_problems(self), None)
        if problem is not None:
            raise QualificationError(problem[1], field=format_path(problem[0]))
        if not isinstance(self.body, str) or not BODY_ID_RE.fullmatch(self.body):
            raise QualificationError(
                "the awarding body is an id of lower-case letters, digits and inner '-'",
                field="body",
            )
        if self.id in self.requires:
            raise QualificationError(f"{self.id!r} cannot require itself", field="requires")
        for name in ("recertification_window", "recertification_grace"):
            value = getattr(self, name)
            if value is not None:
                parse_duration(value)

    @property
    def validity_duration(self) -> Duration:
        return parse_duration(self.validity)

    @property
    def numbers(self) -> NumberPattern:
        """The pattern of this qualification's certificate numbers."""
        return NumberPattern(self.number_pattern or DEFAULT_PATTERN)

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
        moment = aware_utc(awarded, "awarded")
        try:
            return self.validity_duration.add_to(moment)
        except OverflowError:
            raise CredentialError(
                f"expiry of an award on {moment.isoformat()} plus {self.validity} is out of range"
            ) from None


# --- the rules a schema cannot express -------------------------------------------------


def _semantic_problems(q: Qualification) -> Iterator[tuple[Path_, str]]:
    """(path, message) for each rule broken; the schema covers types and shapes of files."""
    yield from _id_problems(q)
    if not isinstance(q.scheme_ref, str) or not SCHEME_REF_RE.fullmatch(q.scheme_ref):
        yield ("scheme_ref",), "the scheme reference must be an absolute URL or URN without #"
    parsed = duration_or_problem(q.validity)
    if isinstance(parsed, str):
        yield ("validity",), parsed
    elif parsed.is_zero:
        yield ("validity",), "the validity period must be longer than zero"
    else:
        reference = datetime(2000, 1, 1, tzinfo=UTC)
        if parsed.add_to(reference) > reference.replace(year=2000 + MAX_VALIDITY_YEARS):
            yield ("validity",), f"a validity period over {MAX_VALIDITY_YEARS} years ({q.validity})"
    if q.number_pattern is not None:
        number_problem = pattern_problem(q.number_pattern, str(q.id))
        if number_problem is not None:
            yield ("number_pattern",), number_problem
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
            yield path, f"{short(value)} is not a valid id (letters, digits, '.', '_', '-')"
            continue
        if value in first_seen:
            yield path, f"duplicate id {value!r} (first used at {format_path(first_seen[value])})"
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
