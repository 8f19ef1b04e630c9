"""An award: one certification decision of the body, and the one way to build it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from ..errors import CredentialError
from ..i18n import LANGUAGES
from .duration import aware_utc
from .evidence import EvidenceRef  # re-exported: it lived here before
from .scheme import SUBJECT_KINDS, URI_RE, Qualification, SubjectKind, Unit
from .text import check_text

__all__ = ["PREVIOUS_RELATIONS", "Award", "EvidenceRef", "Holder", "check_email"]

# An address a mail server takes as it is (RFC 5321 sizes; no spaces, quotes or controls,
# so nothing can reach a mail header but the address itself).
_EMAIL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@"
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)


def check_email(value: object, what: str = "holder e-mail") -> str:
    """``value`` if it is a plain e-mail address (local@domain.tld), else CredentialError."""
    if not isinstance(value, str) or not _EMAIL_RE.fullmatch(value):
        raise CredentialError(f"{what} must be an address like name@example.org, not {value!r}")
    local = value.partition("@")[0]
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise CredentialError(f"{what} {value!r} has a misplaced dot")
    return value


# How a credential relates to the one it names as previous (its OB evidence genre).
PREVIOUS_RELATIONS = (
    "recertification",
    "scope-reduction",
    "scope-expansion",
    "restoration",
    "name-change",
)


@dataclass(frozen=True)
class Holder:
    """Who is certified: a person or an organisation; ``id`` is an optional DID or URN;
    ``email`` where their notices go (kept with the record, never put in the credential)."""

    name: str
    id: str | None = None
    kind: SubjectKind = "person"
    email: str | None = None
    language: str | None = None  # the holder's language for certificates (en, hr); None: en

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise CredentialError("holder name must not be empty")
        check_text(self.name, "holder name")
        check_text(self.id, "holder id")
        if self.id is not None and (not isinstance(self.id, str) or not URI_RE.fullmatch(self.id)):
            raise CredentialError(f"holder id must be a DID or URI, got {self.id!r}")
        if self.language is not None and self.language not in LANGUAGES:
            raise CredentialError(
                f"holder language must be one of {', '.join(LANGUAGES)}, got {self.language!r}"
            )
        if self.kind not in SUBJECT_KINDS:
            raise CredentialError(
                f"holder kind must be one of {', '.join(SUBJECT_KINDS)}, got {self.kind!r}"
            )
        if self.email is not None:
            check_email(self.email)


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
    previous_relation: str = "recertification"  # how it relates to previous_credential
    rpl: tuple[str, ...] = ()  # awarded units recognised through prior learning (seed 001 4.3)

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
        object.__setattr__(self, "awarded", aware_utc(self.awarded, "awarded"))
        if self.units is not None:
            object.__setattr__(self, "units", self._checked_units(self.units))
        if not isinstance(self.result, str) or not self.result.strip():
            raise CredentialError("result must not be empty")
        if not isinstance(self.scope, str):
            raise CredentialError("scope must be a string")
        check_text(self.result, "result")
        check_text(self.scope, "scope")
        if self.expires is not None:
            object.__setattr__(self, "expires", aware_utc(self.expires, "expires"))
        if self.expiry <= self.awarded:
            raise CredentialError(
                f"expiry {self.expiry.isoformat()} is not after the award "
                f"{self.awarded.isoformat()}"
            )
        limitations = _as_tuple(self.limitations, "limitations")
        if not all(isinstance(item, str) and item.strip() for item in limitations):
            raise CredentialError("each limitation must be a non-empty string")
        for item in limitations:
            check_text(item, "a limitation")
        object.__setattr__(self, "limitations", limitations)
        evidence = _as_tuple(self.evidence, "evidence")
        if not all(isinstance(item, EvidenceRef) for item in evidence):
            raise CredentialError("evidence must be EvidenceRef items")
        object.__setattr__(self, "evidence", evidence)
        if self.previous_relation not in PREVIOUS_RELATIONS:
            raise CredentialError(
                f"previous_relation must be one of {', '.join(PREVIOUS_RELATIONS)}, "
                f"not {self.previous_relation!r}"
            )
        rpl = _as_tuple(self.rpl, "rpl")
        awarded_ids = [unit.id for unit in self.awarded_units]
        for unit_id in rpl:
            if unit_id not in awarded_ids:
                raise CredentialError(
                    f"RPL unit {unit_id!r} is not an awarded unit ({', '.join(awarded_ids)})"
                )
        if len(set(rpl)) != len(rpl):
            raise CredentialError("an RPL unit is listed twice")
        object.__setattr__(self, "rpl", tuple(u for u in awarded_ids if u in rpl))
        previous = self.previous_credential
        check_text(previous, "previous credential")
        if previous is not None and (
            not isinstance(previous, str) or not URI_RE.fullmatch(previous)
        ):
            raise CredentialError(f"previous credential must be a credential id, got {previous!r}")

    @classmethod
    def from_request(
        cls,
        qualification: Qualification,
        *,
        holder_name: str,
        awarded: datetime,
        holder_id: str | None = None,
        holder_email: str | None = None,
        units: Sequence[str] | None = None,
        result: str | None = None,
        scope: str | None = None,
        limitations: Sequence[str] = (),
        evidence: Sequence[EvidenceRef] = (),
        expires: datetime | None = None,
        previous_credential: str | None = None,
        previous_relation: str = "recertification",
        holder_language: str | None = None,
        rpl: Sequence[str] | str = (),
    ) -> Award:
        """The award a request asks for (CLI, service, batch row, lifecycle replacement).

        The holder is of the kind the qualification certifies; no units (``None`` or
        empty) is the full qualification; an empty result is a pass; blank strings are
        no value. Every rule of :class:`Award` applies. ``rpl`` names the units recognised
        through prior learning, or is ``"all"``: every awarded unit.
        """
        chosen = tuple(units) if units else None
        if rpl == "all":
            rpl = chosen if chosen is not None else qualification.unit_ids
        elif isinstance(rpl, str):
            raise CredentialError(f"rpl must be unit ids or 'all', not {rpl!r}")
        return cls(
            holder=Holder(
                holder_name,
                holder_id or None,
                qualification.subject_kind,
                email=(holder_email or "").strip() or None,
                language=(holder_language or "").strip().lower() or None,
            ),
            qualification=qualification,
            awarded=awarded,
            units=chosen,
            result=(result or "").strip() or "pass",
            expires=expires,
            scope=(scope or "").strip(),
            limitations=tuple(limitations),
            evidence=tuple(evidence),
            previous_credential=previous_credential or None,
            previous_relation=previous_relation,
            rpl=tuple(rpl),
        )

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


def _as_tuple(value: object, name: str) -> tuple[object, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise CredentialError(f"{name} must be a tuple, got {type(value).__name__}")
    return tuple(value)
