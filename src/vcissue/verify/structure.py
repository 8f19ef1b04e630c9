"""VC Data Model 2.0 structure: what the data model requires beyond what JSON-LD checks.

``structure_problems(vc)`` lists, in words, every requirement a credential breaks (empty:
none). Cited from VC Data Model 2.0 (W3C Recommendation): §4.5 types (the ``type`` of
``credentialStatus``, ``credentialSchema``, ``refreshService``, ``termsOfUse`` and
``evidence`` objects is required), §4.4 identifiers (an ``id`` is a URL), §4.8 credential
subject (each subject object carries one or more claims), §4.9 validity period, §4.11
data schemas (each ``credentialSchema`` has an ``id``), §5.3 integrity of related
resources (``id`` required and unique, ``digestSRI`` or ``digestMultibase``).

The offline page checks the same rules (``verifier_web/src/core/verify.js``,
``structureProblems``), word for word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .. import proofs
from ..errors import ProofError

__all__ = ["TYPED_PROPERTIES", "issuer_id", "structure_problems"]

TYPED_PROPERTIES = (
    "credentialStatus",
    "credentialSchema",
    "refreshService",
    "termsOfUse",
    "evidence",
)
"""Properties whose every object must have a ``type`` (§4.5)."""

# An absolute URL: a scheme, a colon, then no space or control character (a space makes
# it a relative IRI). The class is spelled out so that the page's regex is the same one.
_URL = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*:"
    r"[^\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
)


def issuer_id(vc: Mapping[str, Any]) -> str | None:
    """The issuer's DID (``issuer`` or ``issuer.id``), or None when it is not a DID."""
    issuer = vc.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer.startswith("did:") else None


def _is_url(value: object) -> bool:
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def _has_type(value: object) -> bool:
    if isinstance(value, str):
        return bool(value)
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, str) and item for item in value)
    )


def _objects(vc: Mapping[str, Any], name: str, problems: list[str]) -> list[tuple[str, Any]]:
    """``name``'s objects with where each is, or a problem if it is not one or more objects."""
    value = vc[name]
    if isinstance(value, Mapping):
        return [(name, value)]
    if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
        return [(f"{name}[{index}]", item) for index, item in enumerate(value)]
    problems.append(f"{name} must be an object or a non-empty list of objects")
    return []


def structure_problems(vc: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    types = vc.get("type")
    if not (isinstance(types, list) and "VerifiableCredential" in types):
        problems.append("type must be a list containing VerifiableCredential")
    if "id" in vc and not isinstance(vc["id"], str):
        problems.append("id must be a string")
    if issuer_id(vc) is None:
        problems.append("issuer must be a DID or an object with a DID id")
    if "credentialSubject" not in vc:
        problems.append("credentialSubject must be a non-empty object")
    else:
        for where, subject in _objects(vc, "credentialSubject", problems):
            if not subject:
                problems.append(f"{where} must make one or more claims (it is empty)")
    for name in ("validFrom", "validUntil"):
        if name in vc:
            try:
                proofs.parse_datetime(vc[name])
            except ProofError:
                problems.append(f"{name} must be an XSD dateTime")
    if "issuanceDate" in vc or "expirationDate" in vc:
        problems.append("VC 1.1 dates (issuanceDate/expirationDate) are not VC 2.0")
    for name in TYPED_PROPERTIES:
        if name not in vc:
            continue
        for where, item in _objects(vc, name, problems):
            if not _has_type(item.get("type")):
                problems.append(f"{where} must have a type")
            if "id" in item and not _is_url(item["id"]):
                problems.append(f"{where}.id must be a URL")
            elif name == "credentialSchema" and "id" not in item:
                problems.append(f"{where} must have an id (the schema's URL)")
    if "relatedResource" in vc:
        seen: set[str] = set()
        for where, item in _objects(vc, "relatedResource", problems):
            resource = item.get("id")
            if not _is_url(resource):
                problems.append(f"{where}.id must be a URL")
            elif resource in seen:
                problems.append(f"{where}.id {resource} is listed twice")
            else:
                seen.add(resource)
            if not any(isinstance(item.get(k), str) for k in ("digestSRI", "digestMultibase")):
                problems.append(f"{where} must have a digestSRI or a digestMultibase")
    return problems
