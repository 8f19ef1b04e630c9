"""Award -> unsigned VC Data Model 2.0 / Open Badges 3.0 AchievementCredential.

Nothing else in vcissue builds credential JSON. Where ISO/IEC 17024 9.4.8
(seed 001, 4.31) items land in the credential:

=====================================  ==============================================
name of the certified person           credentialSubject.identifier (identityType name);
                                       an organisation is also typed Profile, with name
unique identification                  id (urn:uuid); the body's certificate number in
                                       credentialSubject.licenseNumber (OB 3.0's "license
                                       number that was issued with this credential")
name of the certification body         issuer.name (issuer.id is its DID)
reference to the scheme and version    credentialSubject.achievement.id / .version
scope, validity conditions, limits     description; achievement.alignment (one per unit)
dates of award and expiry              validFrom (= awardedDate) and validUntil
signature of the authorised issuer     proof (added by ``proofs.sign``)
=====================================  ==============================================

Every term used is defined by the VC v2 or OB 3.0.3 context, so the JSON-LD
safe-mode check passes and other stacks read the same meaning.
"""

from __future__ import annotations

import calendar
import copy
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import jsonschema_rs

from .errors import CredentialError
from .jsonld import OB_V3, VC_V2
from .model import Award, EvidenceRef, Unit
from .model.evidence import RPL_GENRE
from .proofs import format_datetime

CONTEXT = [VC_V2, OB_V3]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
OB_SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_achievementcredential-jsonschema1.json"
)


@dataclass(frozen=True)
class IssuerProfile:
    """The certification body as it appears in every credential it issues."""

    id: str  # its DID
    name: str
    url: str | None = None

    def __post_init__(self) -> None:
        if not self.id.startswith("did:"):
            raise CredentialError(f"issuer id must be a DID, got {self.id!r}")
        if not self.name.strip():
            raise CredentialError("issuer name must not be empty")

    def to_json(self) -> dict[str, Any]:
        profile: dict[str, Any] = {"id": self.id, "type": ["Profile"], "name": self.name}
        if self.url:
            profile["url"] = self.url
        return profile


# The subject's types by the kind of holder. An organisation is also an OB 3.0 Profile
# (the class OB describes organisations with, as it does the issuer), named by schema:name;
# the OB 3.0.3 context defines no nested subject profile term, so none is invented.
SUBJECT_TYPES = {
    "person": ("AchievementSubject",),
    "organisation": ("AchievementSubject", "Profile"),
}


def subject_kind(subject: Mapping[str, Any]) -> str:
    """``organisation`` when a credential subject is typed as an OB Profile, else ``person``."""
    types = subject.get("type")
    return "organisation" if isinstance(types, list) and "Profile" in types else "person"


RPL_EVIDENCE_NAME = "Recognition of prior learning (RPL)"

# The evidence entry naming the previous credential, by how the new one relates to it.
PREVIOUS_EVIDENCE = {
    "recertification": ("Previous certificate (recertification)", "Recertification"),
    "scope-reduction": ("Certificate whose scope this one reduces", "ScopeReduction"),
    "scope-expansion": ("Certificate whose scope this one expands", "ScopeExpansion"),
    "restoration": ("Certificate this one restores after an upheld appeal", "Restoration"),
    "name-change": ("Certificate this one reissues under the holder's new name", "NameChange"),
}


def new_credential_id(random_bytes: bytes) -> str:
    """A urn:uuid (version 4) from 16 caller-supplied random bytes."""
    if len(random_bytes) != 16:
        raise CredentialError("a credential id needs 16 random bytes")
    return uuid.UUID(bytes=random_bytes, version=4).urn


def unit_iri(scheme_ref: str, unit_id: str) -> str:
    return f"{scheme_ref}#{unit_id}"


def build(
    award: Award,
    issuer: IssuerProfile,
    *,
    credential_id: str,
    status: Sequence[Mapping[str, Any]] = (),
    number: str | None = None,
) -> dict[str, Any]:
    """The unsigned credential for ``award``; ``status`` holds credentialStatus entries,
    ``number`` the certificate number the body allocated (``model.numbering``)."""
    if not credential_id.startswith("urn:uuid:"):
        raise CredentialError(f"credential id must be a urn:uuid, got {credential_id!r}")
    qualification = award.qualification
    units = award.awarded_units
    if award.is_full:
        name = qualification.title
        achievement_id = qualification.scheme_ref
        achievement_type = "Certification"
        human_code = qualification.id
        credits = qualification.credits
    else:
        titles = ", ".join(f"{unit.id} {unit.title}" for unit in units)
        name = f"{qualification.title} - unit credential: {titles}"
        achievement_id = unit_iri(qualification.scheme_ref, "+".join(u.id for u in units))
        achievement_type = "Competency"
        human_code = f"{qualification.id}/{'+'.join(u.id for u in units)}"
        credits = _sum_credits(units)

    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": achievement_type,
        "name": name,
        "description": qualification.description,
        "criteria": {"narrative": qualification.criteria_narrative},
        "humanCode": human_code,
        "version": qualification.scheme_version,
        "alignment": [_alignment(qualification.scheme_ref, unit) for unit in units],
    }
    if credits is not None:
        achievement["creditsAvailable"] = credits

    subject: dict[str, Any] = {
        "type": list(SUBJECT_TYPES[award.holder.kind]),
        "identifier": [
            {
                "type": "IdentityObject",
                "hashed": False,
                "identityHash": award.holder.name,
                "identityType": "name",
            }
        ],
        "achievement": achievement,
        "result": [{"type": ["Result"], "status": "Completed", "value": award.result}],
    }
    if award.holder.kind == "organisation":
        subject["name"] = award.holder.name  # schema:name, as the issuer Profile's
    if number is not None:
        subject["licenseNumber"] = number
    if award.holder.id:
        subject = {"id": award.holder.id, **subject}
    earned = _sum_credits(units)
    if earned is not None:
        subject["creditsEarned"] = earned

    credential: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": credential_id,
        "type": list(CREDENTIAL_TYPE),
        "name": name,
        "description": _scope_statement(award),
        "issuer": issuer.to_json(),
        "validFrom": format_datetime(award.awarded),
        "validUntil": format_datetime(award.expiry),
        "awardedDate": format_datetime(award.awarded),
        "credentialSubject": subject,
        "credentialSchema": [{"id": OB_SCHEMA_ID, "type": "JsonSchema"}],
    }
    evidence = [_evidence(item) for item in award.evidence]
    if award.rpl:  # the RPL marker (seed 001 4.3): which units prior learning gave
        recognised = [unit for unit in units if unit.id in award.rpl]
        evidence.append(
            {
                "type": ["Evidence"],
                "name": RPL_EVIDENCE_NAME,
                "description": "; ".join(f"{unit.id} {unit.title}" for unit in recognised),
                "genre": RPL_GENRE,
            }
        )
    if award.previous_credential:
        name, genre = PREVIOUS_EVIDENCE[award.previous_relation]
        evidence.append(
            {"id": award.previous_credential, "type": ["Evidence"], "name": name, "genre": genre}
        )
    if evidence:
        credential["evidence"] = evidence
    if status:
        entries = [dict(entry) for entry in status]
        credential["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    problems = schema_errors(credential)
    if problems:  # a bug in this module, not bad user input: fail loudly
        raise CredentialError("built credential violates the OB 3.0 schema: " + "; ".join(problems))
    return credential


def bind_subject(credential: Mapping[str, Any], holder_id: str) -> dict[str, Any]:
    """The unsigned copy of a signed credential with ``credentialSubject.id`` = ``holder_id``
    (the DID a wallet proved it controls); everything else, id and status included, kept."""
    if not isinstance(holder_id, str) or not holder_id.startswith("did:") or len(holder_id) > 2048:
        raise CredentialError(f"a holder id must be a DID, not {str(holder_id)[:80]!r}")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise CredentialError("the credential has no single credentialSubject to bind")
    unsigned = {key: value for key, value in credential.items() if key != "proof"}
    rest = {key: value for key, value in subject.items() if key != "id"}
    unsigned["credentialSubject"] = {"id": holder_id, **rest}
    problems = schema_errors(unsigned)
    if problems:
        raise CredentialError("bound credential breaks the OB 3.0 schema: " + "; ".join(problems))
    return unsigned


def _sum_credits(units: Sequence[Unit]) -> int | None:
    if not units or any(unit.credits is None for unit in units):
        return None
    return sum(unit.credits or 0 for unit in units)


def _alignment(scheme_ref: str, unit: Unit) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetName": unit.title,
        "targetUrl": unit_iri(scheme_ref, unit.id),
        "targetCode": unit.id,
    }


def _evidence(evidence: EvidenceRef) -> dict[str, Any]:
    item: dict[str, Any] = {"id": evidence.id, "type": ["Evidence"], "name": evidence.name}
    if evidence.description:
        item["description"] = evidence.description
    if evidence.genre:
        item["genre"] = evidence.genre
    if evidence.digest:  # VC 2.0 "integrity of related resources": the document's SHA-256
        item["digestMultibase"] = evidence.digest
    return item


def _scope_statement(award: Award) -> str:
    parts = [f"Scope: {award.effective_scope}."]
    if award.limitations:
        parts.append("Limitations: " + "; ".join(award.limitations) + ".")
    parts.append(
        f"Valid from {award.awarded.date().isoformat()} until {award.expiry.date().isoformat()}"
        " while not suspended or withdrawn; renewal by recertification."
    )
    return " ".join(parts)


@cache
def _schema() -> dict[str, Any]:
    text = resources.files("vcissue") / "schemas" / "ob_v3p0_achievementcredential.json"
    schema: dict[str, Any] = copy.deepcopy(json.loads(text.read_text("utf-8")))
    # The 1EdTech schema types credentialStatus as one object; VC 2.0 allows a list,
    # and a certificate that can be suspended and revoked needs two entries.
    status_ref = schema["properties"]["credentialStatus"]
    schema["properties"]["credentialStatus"] = {
        "oneOf": [status_ref, {"type": "array", "minItems": 1, "items": status_ref}]
    }
    return schema


@cache
def _validator() -> jsonschema.protocols.Validator:
    """The reference validator (python-jsonschema): it decides, and names every problem."""
    schema = _schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator: jsonschema.protocols.Validator = validator_class(
        schema, format_checker=FORMAT_CHECKER
    )
    return validator


@cache
def _fast_validator() -> Any:
    """jsonschema-rs on the same schema with the same format checks: a hundred times faster.

    It only ever clears a credential: whatever it does not find valid (or cannot read:
    lone surrogates, integers past 64 bits) goes to the reference validator, which
    decides. tests/unit/test_schema_fast.py holds the two to the same verdicts.
    """
    return jsonschema_rs.validator_for(
        _schema(),
        formats={"date-time": _is_date_time, "date": _is_date},
        validate_formats=True,
    )


# The formats the schema uses, checked by vcissue itself. jsonschema's own checkers depend
# on which optional packages happen to be installed (``date-time`` is silently not checked
# without rfc3339-validator), so the verdict would too. Any other format is not asserted.
_RFC3339_DATE = r"(\d{4})-(\d{2})-(\d{2})"
_RFC3339_DATE_TIME = re.compile(
    _RFC3339_DATE + r"[Tt]([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60)(\.\d+)?"
    r"([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)",
    re.ASCII,
)
_RFC3339_FULL_DATE = re.compile(_RFC3339_DATE, re.ASCII)
FORMAT_CHECKER = jsonschema.FormatChecker(formats=())


def _real_date(match: re.Match[str]) -> bool:
    year, month, day = (int(match.group(n)) for n in (1, 2, 3))
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


@FORMAT_CHECKER.checks("date-time")
def _is_date_time(value: object) -> bool:
    """RFC 3339 section 5.6 ``date-time`` (what JSON Schema's format means)."""
    if not isinstance(value, str):
        return True  # formats apply to strings only
    match = _RFC3339_DATE_TIME.fullmatch(value)
    return match is not None and _real_date(match)


@FORMAT_CHECKER.checks("date")
def _is_date(value: object) -> bool:
    """RFC 3339 ``full-date``."""
    if not isinstance(value, str):
        return True
    match = _RFC3339_FULL_DATE.fullmatch(value)
    return match is not None and _real_date(match)


def _cleared(document: Mapping[str, Any]) -> bool:
    """True if jsonschema-rs finds ``document`` valid; False if not, or if it cannot say."""
    try:
        return bool(_fast_validator().is_valid(document))
    except Exception:  # what it cannot read (lone surrogates, huge integers): the reference
        return False


def schema_errors(credential: Mapping[str, Any]) -> list[str]:
    """OB 3.0 AchievementCredential schema violations (status relaxed to object-or-list)."""
    # The proof is checked by the proof check; this 1EdTech revision types it as a
    # list while a single Data Integrity proof is an object.
    unsecured = {key: value for key, value in credential.items() if key != "proof"}
    if _cleared(unsecured):
        return []
    errors = sorted(_validator().iter_errors(unsecured), key=lambda e: list(e.absolute_path))
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in errors[:10]
    ]
