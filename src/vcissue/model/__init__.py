"""The qualification model: what a certification body certifies, and what it awarded.

``scheme`` (the tree: Qualification > Unit > Module > LearningOutcome > AssessmentCriterion),
``duration`` (validity periods), ``award`` (Holder, Award: ``Award.from_request`` is the one
way to build an award from a request), ``loading`` (JSON/TOML documents and the schema).

Part of the pure core: no clock, no randomness, and no I/O except reading the one file
:func:`load_qualification` is asked to read.
"""

from .award import Award, Holder
from .duration import Duration, parse_duration
from .evidence import EvidenceRef
from .loading import (
    load_qualification,
    qualification_from_dict,
    qualification_schema,
    qualification_to_dict,
)
from .scheme import (
    Accreditation,
    AssessmentCriterion,
    AssessmentMethod,
    LearningOutcome,
    Module,
    Qualification,
    SubjectKind,
    Unit,
)
from .text import REFUSED_CHARACTERS, check_text, text_problem

__all__ = [
    "REFUSED_CHARACTERS",
    "Accreditation",
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
    "check_text",
    "load_qualification",
    "parse_duration",
    "qualification_from_dict",
    "qualification_schema",
    "qualification_to_dict",
    "text_problem",
]
