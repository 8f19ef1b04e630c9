"""What a printed certificate shows, read from the signed credential JSON itself.

Rendering works on any credential file: every field comes from the credential (never from
the qualification file), so the paper says exactly what the signature covers. A field the
credential lacks is left out; a credential without a holder name, an id, an issuer or an
award date is not a certificate and is refused.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..credential import subject_kind
from ..errors import MalformedInput, ProofError
from ..model.evidence import RPL_GENRE
from ..proofs import parse_datetime
from ..qr import encode_payload, verifier_link
from ..qrpack import SchemePack

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# The description credential.py writes: "Scope: ... [Limitations: a; b.] Valid from ...".
_SCOPE_STATEMENT = re.compile(
    r"Scope: (?P<scope>.+?)\.(?: Limitations: (?P<limitations>.+?)\.)?"
    r"(?: (?P<conditions>Valid from .+))?$",
    re.DOTALL,
)
_UNIT_SUFFIX = " - unit credential: "


@dataclass(frozen=True)
class Unit:
    code: str
    title: str


@dataclass(frozen=True)
class CertificateView:
    kind: str  # "Certificate" or "Unit credential"
    holder_name: str
    title: str  # the qualification
    scheme: str  # code and version, e.g. "ecomentor, version 1.0"
    scheme_id: str
    units: tuple[Unit, ...]
    scope: str
    limitations: tuple[str, ...]
    conditions: str
    awarded: date
    expires: date | None
    credential_id: str
    issuer_name: str
    issuer_id: str
    signature: str  # "eddsa-rdfc-2022 by did:web:...#key-1 on 2026-03-02"
    qr_payload: str  # the verifier link HTTPS://HOST/V#VC2:..., or VC2 text without a URL
    scheme_code: str = ""  # humanCode, e.g. "ecomentor" or "ecomentor/U1"
    scheme_version: str = ""
    verifier_url: str = ""  # as people type it, e.g. https://certification.example/V
    number: str = ""  # the certificate number (credentialSubject.licenseNumber)
    holder_kind: str = "person"  # or "organisation": a subject typed as an OB Profile
    rpl: str = ""  # the units recognised through prior learning (the RPL evidence entry)

    @property
    def is_full(self) -> bool:
        return self.kind == "Certificate"


def long_date(day: date) -> str:
    """``2 March 2026``: unambiguous in every country, unlike 02/03/2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def certificate_view(
    vc: Mapping[str, Any], *, pack: SchemePack | None = None, verifier_url: str | None = None
) -> CertificateView:
    """The printable facts of ``vc``; MalformedInput if it is not a certificate.

    The QR payload is compressed against ``pack`` (the scheme's pack: a small symbol) and,
    given ``verifier_url``, printed as the link a phone camera opens."""
    subject = _object(vc.get("credentialSubject"), "credentialSubject")
    achievement = _object(subject.get("achievement"), "credentialSubject.achievement")
    issuer = vc.get("issuer")
    issuer_name, issuer_id = (
        (_text(issuer.get("name")), _text(issuer.get("id")))
        if isinstance(issuer, Mapping)
        else ("", _text(issuer))
    )
    if not (issuer_name or issuer_id):
        raise MalformedInput("credential has no issuer to print")
    credential_id = _text(vc.get("id"))
    if not credential_id:
        raise MalformedInput("credential has no id to print")

    name = _text(achievement.get("name")) or _text(vc.get("name"))
    full = achievement.get("achievementType") == "Certification"
    title = name.split(_UNIT_SUFFIX, 1)[0] if not full else name
    code, version = _text(achievement.get("humanCode")), _text(achievement.get("version"))
    scheme = ", ".join(part for part in (code, f"version {version}" if version else "") if part)
    scope, limitations, conditions = _scope(_text(vc.get("description")))
    return CertificateView(
        kind="Certificate" if full else "Unit credential",
        holder_name=_holder_name(subject),
        title=title or "(untitled)",
        scheme=scheme,
        scheme_id=_text(achievement.get("id")),
        units=_units(achievement.get("alignment")),
        scope=scope,
        limitations=limitations,
        conditions=conditions,
        awarded=_date(vc.get("awardedDate") or vc.get("validFrom"), "award date"),
        expires=_date(vc["validUntil"], "validUntil") if "validUntil" in vc else None,
        credential_id=credential_id,
        issuer_name=issuer_name,
        issuer_id=issuer_id,
        signature=_signature(vc.get("proof")),
        qr_payload=(
            verifier_link(verifier_url, encode_payload(dict(vc), pack))
            if verifier_url
            else encode_payload(dict(vc), pack)
        ),
        scheme_code=code,
        scheme_version=version,
        verifier_url=verifier_url or "",
        number=_text(subject.get("licenseNumber")),
        holder_kind=subject_kind(subject),
        rpl=_rpl(vc.get("evidence")),
    )


def _object(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise MalformedInput(f"credential has no {where} object")
    return value


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _holder_name(subject: Mapping[str, Any]) -> str:
    identifiers = subject.get("identifier")
    for identity in identifiers if isinstance(identifiers, list) else ():
        if (
            isinstance(identity, Mapping)
            and identity.get("identityType") == "name"
            and identity.get("hashed") is False
            and _text(identity.get("identityHash"))
        ):
            return _text(identity["identityHash"])
    raise MalformedInput("credential names no holder (an unhashed identifier of type 'name')")


def _rpl(evidence: object) -> str:
    """What the RPL marker (an evidence entry of genre RecognitionOfPriorLearning) says."""
    for item in evidence if isinstance(evidence, list) else [evidence]:
        if isinstance(item, Mapping) and item.get("genre") == RPL_GENRE:
            return _text(item.get("description")) or _text(item.get("name"))
    return ""


def _units(alignment: object) -> tuple[Unit, ...]:
    units = []
    for item in alignment if isinstance(alignment, list) else ():
        if isinstance(item, Mapping) and (item.get("targetCode") or item.get("targetName")):
            units.append(Unit(_text(item.get("targetCode")), _text(item.get("targetName"))))
    return tuple(units)


def _scope(description: str) -> tuple[str, tuple[str, ...], str]:
    statement = _SCOPE_STATEMENT.match(description)
    if not statement:  # another issuer's wording: print it whole as the scope
        return description, (), ""
    limitations = statement.group("limitations") or ""
    return (
        statement.group("scope"),
        tuple(item.strip() for item in limitations.split(";") if item.strip()),
        statement.group("conditions") or "",
    )


def _date(value: object, what: str) -> date:
    try:
        return parse_datetime(value).date()
    except ProofError:
        raise MalformedInput(f"credential {what} is not a dateTime: {value!r}") from None


def _signature(proof: object) -> str:
    if not isinstance(proof, Mapping):
        return "not signed"
    parts = [_text(proof.get("cryptosuite")) or _text(proof.get("type"))]
    if _text(proof.get("verificationMethod")):
        parts.append(f"by {_text(proof.get('verificationMethod'))}")
    with contextlib.suppress(ProofError):  # an undated proof still names its key
        parts.append(f"on {parse_datetime(proof.get('created')).date().isoformat()}")
    return " ".join(part for part in parts if part)
