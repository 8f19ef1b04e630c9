"""did:key, did:web and did:jwk: DID documents and verification-method resolution.

Resolution is pure: did:key documents are derived from the DID itself; did:web
documents come from the caller (a trust list, or a fetcher adapter at the
edge). Nothing here opens a connection.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from .errors import DidError, KeyMaterialError, MalformedInput, VcissueError
from .jose import b64url_decode, b64url_encode, public_jwk
from .jsonld import DID_V1, MULTIKEY_V1
from .keys import KeyRecord, PublicKey
from .proofs import format_datetime, parse_datetime
from .strictjson import parse_object

MAX_DID_LENGTH = 2048

_DID_WEB = re.compile(r"^did:web:([A-Za-z0-9.\-]+(?:%3[Aa][0-9]+)?)((?::[A-Za-z0-9._~\-]+)*)$")


@dataclass(frozen=True)
class VerificationMethod:
    id: str
    controller: str
    public_key: PublicKey
    assertion: bool  # listed under assertionMethod, i.e. may sign credentials
    expires: datetime | None = None  # retired: proofs created after it are refused
    revoked: datetime | None = None  # compromised: no proof by it is accepted


def did_key_document(did: str) -> dict[str, Any]:
    if not did.startswith("did:key:z6Mk"):
        raise DidError(f"not an Ed25519 did:key: {did!r}")
    multibase = did.removeprefix("did:key:")
    try:
        PublicKey.from_multibase(multibase)
    except KeyMaterialError as error:
        raise DidError(f"invalid did:key {did!r}: {error}") from None
    vm_id = f"{did}#{multibase}"
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
    }


def did_jwk(jwk: Mapping[str, Any]) -> str:
    """did:jwk of a public JWK (its public members, compact JSON, base64url)."""
    public = public_jwk(jwk)
    return "did:jwk:" + b64url_encode(json.dumps(public, separators=(",", ":")).encode())


def jwk_of_did(did: str) -> dict[str, str]:
    """The public JWK a did:jwk names (did:jwk method, section 3)."""
    if not isinstance(did, str) or not did.startswith("did:jwk:") or len(did) > MAX_DID_LENGTH:
        raise DidError(f"not a did:jwk: {str(did)[:80]!r}")
    try:
        return public_jwk(parse_object(b64url_decode(did[8:], "did:jwk"), what="did:jwk JWK"))
    except MalformedInput as error:
        raise DidError(f"invalid did:jwk: {error}") from None


def did_web_url(did: str) -> str:
    """The https URL where a did:web document lives (did:web method spec, section 3.2)."""
    match = _DID_WEB.match(did)
    if not match:
        raise DidError(f"not a did:web DID: {did!r}")
    host = unquote(match.group(1))
    path = match.group(2)
    if not path:
        return f"https://{host}/.well-known/did.json"
    return f"https://{host}/{'/'.join(path[1:].split(':'))}/did.json"


def did_web_document(did: str, keys: Sequence[KeyRecord]) -> dict[str, Any]:
    """The body's did:web document: every key it ever signed with, current and past.

    Each key carries its window (Controlled Identifiers 1.0, 2.2, terms of the Multikey
    context). A retired key stays under assertionMethod so what it signed keeps verifying
    (did-method-web#85), with ``expires`` = its retirement: vcissue's verifier refuses its
    proofs created after it. A compromised key keeps its entry, so verifiers can say
    why they refuse it, with ``revoked`` = the start of the compromise, and leaves
    assertionMethod: no proof by it is accepted (the JavaScript reference refuses any
    method with ``revoked`` too).
    """
    did_web_url(did)  # validates the DID
    if not keys:
        raise DidError("a did:web document needs at least one key")
    methods = [
        {
            "id": f"{did}#{key.fragment}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_multibase,
            **({"expires": format_datetime(key.retired_at)} if key.retired_at else {}),
            **({"revoked": format_datetime(key.revoked_at)} if key.revoked_at else {}),
        }
        for key in keys
    ]
    ids = [method["id"] for method in methods if "revoked" not in method]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "authentication": ids,
        "assertionMethod": ids,
    }


def resolve_verification_method(
    vm_id: str, did_documents: Mapping[str, Mapping[str, Any]] | None = None
) -> VerificationMethod:
    """Find the key behind a verification-method URL.

    did:key is self-resolving; any other DID must be in ``did_documents``.
    """
    if not isinstance(vm_id, str) or "#" not in vm_id:
        raise DidError(f"verificationMethod must be a DID URL with a fragment: {vm_id!r}")
    did = vm_id.split("#", 1)[0]
    if did.startswith("did:jwk:"):
        jwk = jwk_of_did(did)
        if vm_id != f"{did}#0":
            raise DidError(f"a did:jwk has one verification method, {did}#0")
        if jwk["kty"] != "OKP":
            raise DidError(f"{vm_id} is a {jwk['crv']} key: Data Integrity here is Ed25519 only")
        raw = b64url_decode(jwk["x"])
        return VerificationMethod(vm_id, did, PublicKey(raw), True)
    if did.startswith("did:key:"):
        return _did_key_method(vm_id) if type(vm_id) is str else _did_key_method.__wrapped__(vm_id)
    document = (did_documents or {}).get(did)
    if document is None:
        raise DidError(f"no DID document known for {did!r} (not in the trust list)")
    if document.get("id") != did:
        raise DidError(f"DID document id {document.get('id')!r} does not match {did!r}")
    return _method_from_document(vm_id, did, document)


@lru_cache(maxsize=1024)
def _did_key_method(vm_id: str) -> VerificationMethod:
    """A did:key method is a function of its id alone (and VerificationMethod is frozen):
    kept by that exact string, refusals not kept."""
    did = vm_id.split("#", 1)[0]
    return _method_from_document(vm_id, did, did_key_document(did))


def _method_from_document(vm_id: str, did: str, document: Mapping[str, Any]) -> VerificationMethod:
    methods = document.get("verificationMethod")
    if not isinstance(methods, list):
        raise DidError(f"DID document of {did} has no verificationMethod list")
    for method in methods:
        if isinstance(method, Mapping) and _absolute(method.get("id"), did) == vm_id:
            if method.get("type") != "Multikey":
                raise DidError(f"{vm_id} is a {method.get('type')!r}, not a Multikey")
            controller = method.get("controller")
            if not isinstance(controller, str):
                raise DidError(f"{vm_id} has no controller")
            try:
                public_key = PublicKey.from_multibase(method.get("publicKeyMultibase", ""))
            except KeyMaterialError as error:
                raise DidError(f"{vm_id}: {error}") from None
            assertion = document.get("assertionMethod", [])
            listed = isinstance(assertion, list) and any(
                _absolute(ref if isinstance(ref, str) else ref.get("id"), did) == vm_id
                for ref in assertion
                if isinstance(ref, str | Mapping)
            )
            return VerificationMethod(
                vm_id,
                controller,
                public_key,
                listed,
                _moment(method, "expires", vm_id),
                _moment(method, "revoked", vm_id),
            )
    raise DidError(f"{vm_id} is not listed in the DID document of {did}")


def _moment(method: Mapping[str, Any], name: str, vm_id: str) -> datetime | None:
    if name not in method:
        return None
    try:
        return parse_datetime(method[name])
    except VcissueError:
        raise DidError(f"{vm_id}: {name} is not an XSD dateTime") from None


def _absolute(ref: object, did: str) -> str | None:
    if not isinstance(ref, str):
        return None
    return f"{did}{ref}" if ref.startswith("#") else ref
