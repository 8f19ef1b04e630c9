"""The holder's side: a Verifiable Presentation of credentials, signed by the holder's key.

A verifier sends a ``challenge`` (a fresh random value) and names its ``domain``; the
holder signs both into the presentation's proof (VC Data Integrity 1.0, 2.1: proof
options), with ``proofPurpose`` ``authentication``, so a copy cannot be replayed to
another verifier or a second time to the same one. Pure: the time and key come in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from . import proofs
from .errors import ProofError
from .jsonld import VC_V2, ContextSet
from .keys import SigningKey

__all__ = ["PRESENTATION_TYPE", "create_presentation"]

PRESENTATION_TYPE = "VerifiablePresentation"


def create_presentation(
    credentials: Sequence[Mapping[str, Any]],
    key: SigningKey,
    *,
    challenge: str,
    domain: str,
    created: datetime,
    suite: str = proofs.DEFAULT_SUITE,
    presentation_id: str | None = None,
    contexts: ContextSet | None = None,
) -> dict[str, Any]:
    """A presentation of ``credentials`` (none: a DID authentication) by ``key``'s DID."""
    if not isinstance(challenge, str) or not challenge:
        raise ProofError("a presentation needs the verifier's challenge")
    if not isinstance(domain, str) or not domain:
        raise ProofError("a presentation needs the verifier's domain")
    presentation: dict[str, Any] = {"@context": [VC_V2], "type": [PRESENTATION_TYPE]}
    if presentation_id is not None:
        presentation["id"] = presentation_id
    presentation["holder"] = key.controller
    if credentials:
        presentation["verifiableCredential"] = [dict(credential) for credential in credentials]
    return proofs.sign(
        presentation,
        key,
        created=created,
        suite=suite,
        contexts=contexts,
        proof_purpose=proofs.AUTHENTICATION,
        options={"challenge": challenge, "domain": domain},
    )
