"""Whom a verifier trusts: issuers (DIDs) and the DID documents of did:web issuers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..dids import resolve_verification_method
from ..errors import KeyWindowError, MalformedInput
from ..keys import PublicKey
from ..proofs import ProofCheck, format_datetime

__all__ = ["TrustList", "TrustedIssuer"]


@dataclass(frozen=True)
class TrustedIssuer:
    id: str  # DID
    name: str = ""
    did_document: Mapping[str, Any] | None = None  # required for did:web


@dataclass(frozen=True)
class TrustList:
    """The issuers a verifier accepts, with the DID documents of did:web issuers.

    JSON form: ``{"issuers": [{"id": DID, "name": ..., "didDocument": {...}}]}``.
    """

    issuers: Mapping[str, TrustedIssuer] = field(default_factory=dict)

    @classmethod
    def of(cls, *issuers: TrustedIssuer) -> TrustList:
        return cls({issuer.id: issuer for issuer in issuers})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrustList:
        entries = data.get("issuers") if isinstance(data, Mapping) else None
        if not isinstance(entries, list):
            raise MalformedInput("trust list must be an object with an 'issuers' list")
        issuers = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
                raise MalformedInput(f"trust list issuers[{index}] needs a string 'id'")
            document = entry.get("didDocument")
            if document is not None and not isinstance(document, Mapping):
                raise MalformedInput(f"trust list issuers[{index}].didDocument must be an object")
            if entry["id"].startswith("did:web:") and document is None:
                raise MalformedInput(f"trust list issuers[{index}]: did:web needs its didDocument")
            issuers.append(TrustedIssuer(entry["id"], str(entry.get("name", "")), document))
        return cls.of(*issuers)

    def to_json(self) -> dict[str, Any]:
        return {
            "issuers": [
                {
                    "id": issuer.id,
                    **({"name": issuer.name} if issuer.name else {}),
                    **({"didDocument": dict(issuer.did_document)} if issuer.did_document else {}),
                }
                for issuer in self.issuers.values()
            ]
        }

    @property
    def did_documents(self) -> dict[str, Mapping[str, Any]]:
        return {i.id: i.did_document for i in self.issuers.values() if i.did_document}

    def resolve_key(self, vm_id: str) -> tuple[PublicKey, str, bool]:
        """The key behind ``vm_id``; a revoked (compromised) key is refused outright."""
        method = resolve_verification_method(vm_id, self.did_documents)
        if method.revoked is not None:
            raise KeyWindowError(
                f"{vm_id} was revoked as compromised (since {format_datetime(method.revoked)}):"
                " the issuer does not stand behind anything it signed"
            )
        return method.public_key, method.controller, method.assertion

    def check_windows(self, checks: tuple[ProofCheck, ...]) -> None:
        """Refuse a proof made by a retired key after its retirement (``expires`` in the
        DID document): the signature is genuine, the key was no longer the issuer's to
        use. A proof without ``created`` cannot show it was made in time."""
        for check in checks:
            method = resolve_verification_method(check.verification_method, self.did_documents)
            if method.expires is None:
                continue
            retired = format_datetime(method.expires)
            if check.created is None:
                raise KeyWindowError(
                    f"{check.verification_method} was retired at {retired} and this proof "
                    "has no created time to show it was made before"
                )
            # timestamps are whole seconds: the retirement's own second is still the key's
            if check.created > method.expires:
                raise KeyWindowError(
                    f"{check.verification_method} was retired at {retired}; this proof was "
                    f"created at {format_datetime(check.created)}, after its retirement"
                )
