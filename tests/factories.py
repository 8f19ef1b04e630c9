"""Shared builders for tests: the EcoMentor example, a body's keys, signed credentials."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from vcissue import proofs
from vcissue.credential import IssuerProfile, build, new_credential_id
from vcissue.dids import did_web_document
from vcissue.keys import KeyRecord, SigningKey
from vcissue.model import Award, Holder, Qualification, load_qualification
from vcissue.system import system_random
from vcissue.verify import TrustedIssuer, TrustList

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
AWARDED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
BODY_DID = "did:web:certification.example"


@cache
def ecomentor() -> Qualification:
    return load_qualification(EXAMPLES / "ecomentor" / "qualification.json")


def kcs(level: int) -> Qualification:
    """Keeping Children Safe (seed 002): it certifies organisations."""
    return load_qualification(EXAMPLES / "kcs" / f"level{level}.json")


class Body:
    """A certification body with a did:web identity and one Ed25519 key."""

    def __init__(self, did: str = BODY_DID, name: str = "EcoMentor Certification Body") -> None:
        self.did = did
        self.name = name
        self.key = SigningKey.generate(f"{did}#key-1", rng=system_random)
        self.records = [KeyRecord("key-1", self.key.public.multibase, AWARDED)]

    @property
    def profile(self) -> IssuerProfile:
        return IssuerProfile(self.did, self.name)

    @property
    def did_document(self) -> dict[str, Any]:
        return did_web_document(self.did, self.records)

    @property
    def trust(self) -> TrustList:
        return TrustList.of(TrustedIssuer(self.did, self.name, self.did_document))

    def unsigned(self, holder: str = "Ana Novak", **award: Any) -> dict[str, Any]:
        award.setdefault("awarded", AWARDED)
        return build(
            Award(
                Holder(holder, kind=award.pop("kind", "person")),
                award.pop("qualification", ecomentor()),
                **award,
            ),
            self.profile,
            credential_id=new_credential_id(bytes(range(16))),
        )

    def issue(
        self, holder: str = "Ana Novak", *, suite: str = "eddsa-rdfc-2022", **award: Any
    ) -> dict[str, Any]:
        return proofs.sign(self.unsigned(holder, **award), self.key, created=AWARDED, suite=suite)
