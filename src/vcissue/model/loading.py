"""Reading and writing qualification documents (JSON or TOML) against the shipped schema.

Qualifications are read from JSON or TOML files (:func:`load_qualification`) and checked
against the JSON Schema shipped as ``vcissue/schemas/qualification.schema.json`` (draft
2020-12), then against the rules of :mod:`vcissue.model.scheme`. Every problem is a
:class:`~vcissue.errors.QualificationError` naming the file (``source``) and the JSON path
of the field (``field``, e.g. ``units[1].modules[0].id``); nothing else escapes, whatever
the bytes. Reading the one file asked for is the only I/O.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

import jsonschema

from ..errors import QualificationError
from .paths import Path_, format_path, json_type, path_key, short
from .scheme import (
    DEFAULT_BODY,
    Accreditation,
    AssessmentCriterion,
    AssessmentMethod,
    LearningOutcome,
    Module,
    Qualification,
    Unit,
)

__all__ = [
    "load_qualification",
    "qualification_from_dict",
    "qualification_schema",
    "qualification_to_dict",
]

#: Largest qualification file read (bytes). The EcoMentor scheme is about 60 KB.
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Deepest nesting accepted in a qualification document (the schema needs 8).
MAX_DEPTH = 32
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
        raise QualificationError(f"not valid JSON: {short(str(exc), 120)}", source=source) from None


def _parse_toml(text: str, source: str) -> Any:
    try:
        return tomllib.loads(text)
    except (ValueError, RecursionError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise QualificationError(f"not valid TOML: {short(str(exc), 160)}", source=source) from None


def qualification_from_dict(data: Mapping[str, Any], *, source: str = "<dict>") -> Qualification:
    """Check ``data`` against the schema and the semantic rules and build the tree."""
    plain = _plain(data, (), source)
    if not isinstance(plain, dict):
        raise QualificationError(
            f"a qualification is a JSON object (TOML table), got {json_type(plain)}",
            source=source,
            field=format_path(()),
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
        "number_pattern": plain.get("number_pattern"),
        "requires": tuple(plain.get("requires", ())),
        "recertification_window": plain.get("recertification", {}).get("window"),
        "recertification_grace": plain.get("recertification", {}).get("grace"),
        "accreditation": _accreditation(plain.get("accreditation")),
        "body": plain.get("body", DEFAULT_BODY),
    }
    try:
        return Qualification(**fields)
    except QualificationError as exc:
        raise QualificationError(_bare_message(exc), source=source, field=exc.field) from None


def _bare_message(exc: QualificationError) -> str:
    text = str(exc)
    prefix = f"field {exc.field}: " if exc.field else ""
    return text.removeprefix(prefix)


def _accreditation(data: dict[str, Any] | None) -> Accreditation | None:
    if data is None:
        return None
    return Accreditation(data["body"], data["number"], data.get("statement", ""))


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
        **({"body": q.body} if q.body != DEFAULT_BODY else {}),
        "criteria_narrative": q.criteria_narrative,
        **({"number_pattern": q.number_pattern} if q.number_pattern else {}),
        **({"requires": list(q.requires)} if q.requires else {}),
        **(
            {
                "recertification": {
                    k: v
                    for k, v in (
                        ("window", q.recertification_window),
                        ("grace", q.recertification_grace),
                    )
                    if v is not None
                }
            }
            if q.recertification_window or q.recertification_grace
            else {}
        ),
        **(
            {"accreditation": dataclasses.asdict(q.accreditation)}
            if q.accreditation is not None
            else {}
        ),
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
        key=lambda problem: (path_key(problem[0]), problem[1]),
    )
    if problems:
        path, message = problems[0]
        if len(problems) > 1:
            others = len(problems) - 1
            message += f" (and {others} more problem{'s' if others > 1 else ''})"
        raise QualificationError(message, source=source, field=format_path(path))


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
        return path, f"expected {expected}, got {json_type(instance)}"
    if kind == "enum":
        return path, f"{short(instance)} is not one of {', '.join(map(repr, value))}"
    if kind == "pattern":
        what = schema.get("description") or f"in the expected form ({value})"
        return path, f"{short(instance)} is not {what}"
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
        return path, f"{short(instance)} is below the minimum {value}"
    if kind == "maximum":
        return path, f"{short(instance)} is above the maximum {value}"
    return path, short(error.message, 200)


def _plain(value: object, path: Path_, source: str) -> Any:
    """A copy of ``value`` made only of dict/list/str/int/float/bool/None, or an error."""
    if len(path) > MAX_DEPTH:
        raise QualificationError(
            f"nested deeper than {MAX_DEPTH} levels", source=source, field=format_path(path)
        )
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QualificationError("not a finite number", source=source, field=format_path(path))
        return value
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise QualificationError(
                "text is not valid Unicode (lone surrogate)",
                source=source,
                field=format_path(path),
            ) from None
        if _CONTROL_RE.search(value):
            raise QualificationError(
                "text contains a control character", source=source, field=format_path(path)
            )
        return value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise QualificationError(
                    f"object keys must be strings, got {type(key).__name__} {short(key)}",
                    source=source,
                    field=format_path(path),
                )
            result[key] = _plain(item, (*path, key), source)
        return result
    if isinstance(value, list | tuple):
        return [_plain(item, (*path, index), source) for index, item in enumerate(value)]
    raise QualificationError(
        f"not a JSON value: {type(value).__name__}", source=source, field=format_path(path)
    )
