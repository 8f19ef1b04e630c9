"""Random credentials over the bundled contexts, as issuers write them, for differential tests.

``random_document`` (tests/jsonld_documents.py) grafts JSON-LD keywords everywhere, so
most of its documents take pyld's reference path. ``credential_document(rng)`` builds
what the compiled walk (src/vcissue/expansion.py) is for: OB 3.0 / VC 2.0 credentials
whose terms sit where the type-scoped contexts define them, with random shapes and
values - nested and repeated nodes (one ``id`` in several places, so nodes merge), shared
blank-node ids, embedded endorsements with their proofs (``@graph`` containers), strings
with every kind of escape, integers up to 2**53, booleans, IRIs and ids of each form -
and, now and then, one thing the walk must leave to pyld (a float, a null, ``@list``,
a language, a term in the wrong place, a relative IRI, ...). Both kinds must come out
as pyld's reference path makes them.
"""

from __future__ import annotations

import random
from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
XSD = "http://www.w3.org/2001/XMLSchema#"

TEXT = 'aZ 0é中\t\n"\\\u0001\u007f\u2028\U0001f331<>{}'
IRIS = [
    "urn:example:n1",
    "urn:example:n2",
    "https://example.org/x",
    "did:example:issuer",
    "did:key:z6Mk#z6Mk",
    "https://example.org/a%20b?q=1#f",
    "urn:example:\u00e9\U0001f331",
]
BLANKS = ["_:b1", "_:b2", "_:x"]
# one thing at a time that the walk leaves to the reference path (or refuses to take)
ODD_VALUES: list[Any] = [
    1.5,
    None,
    [],
    [["nested"]],
    {"@value": "v", "@language": "en"},
    {"@value": "v", "@type": XSD + "token"},
    {"@list": ["a", "b"]},
    {"@value": {"k": 1}, "@type": "@json"},
    {"@id": "relative"},
    {"@id": "_:"},
    2**53 + 1,
    "https://a b",
]


def _text(rng: random.Random, minimum: int = 1) -> str:
    return "".join(rng.choice(TEXT) for _ in range(rng.randint(minimum, 8)))


def _id(rng: random.Random) -> str:
    return rng.choice(IRIS + BLANKS)


class _Builder:
    def __init__(self, rng: random.Random, odd: float) -> None:
        self.rng = rng
        self.odd = odd  # chance of one thing the walk must leave to pyld, per value

    def scalar(self) -> Any:
        rng = self.rng
        if rng.random() < self.odd:
            return rng.choice(ODD_VALUES)
        roll = rng.random()
        if roll < 0.7:
            return _text(rng)
        if roll < 0.85:
            return rng.choice([0, 1, -7, 42, 2**53, -(2**53), 10**15])
        return rng.random() < 0.5

    def some(self, make: Any, low: int = 1, high: int = 3) -> Any:
        items = [make() for _ in range(self.rng.randint(low, high))]
        return items[0] if len(items) == 1 and self.rng.random() < 0.5 else items

    def node(self, types: list[str], fields: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        node: dict[str, Any] = {}
        if rng.random() < 0.5:
            node["id"] = _id(rng)
        if types and rng.random() >= self.odd:  # untyped: its terms are undefined
            node["type"] = types if len(types) > 1 or rng.random() < 0.5 else types[0]
        for name, make in fields.items():
            if rng.random() < 0.6:
                node[name] = make()
        if not node or set(node) == {"id"}:
            node["name"] = _text(rng)
        if rng.random() < self.odd:  # a term defined only for another type, or none
            node[rng.choice(["targetName", "hashed", "undefinedTerm", "@index"])] = "x"
        return node

    def alignment(self) -> dict[str, Any]:
        return self.node(
            ["Alignment"],
            {
                "targetName": self.scalar,
                "targetUrl": lambda: self.rng.choice(IRIS),
                "targetCode": self.scalar,
                "targetType": lambda: self.rng.choice(["CFItem", "ext:Custom", "Skill"]),
                "targetDescription": self.scalar,
            },
        )

    def profile(self) -> Any:
        if self.rng.random() < 0.3:
            return self.rng.choice(IRIS)
        return self.node(
            ["Profile"],
            {
                "name": self.scalar,
                "url": lambda: self.rng.choice(IRIS),
                "email": self.scalar,
                "image": lambda: {"id": self.rng.choice(IRIS), "type": "Image"},
                "parentOrg": lambda: self.rng.choice(IRIS),
                "address": lambda: self.node(["Address"], {"addressCountry": self.scalar}),
            },
        )

    def result_description(self) -> dict[str, Any]:
        return self.node(
            ["ResultDescription"],
            {
                "name": self.scalar,
                "resultType": lambda: self.rng.choice(["Status", "ext:Other"]),
                "requiredLevel": lambda: self.rng.choice(IRIS),
                "alignment": lambda: self.some(self.alignment),
                "valueMax": self.scalar,
            },
        )

    def achievement(self) -> dict[str, Any]:
        return self.node(
            ["Achievement"],
            {
                "name": self.scalar,
                "description": self.scalar,
                "criteria": lambda: self.rng.choice(
                    [{"narrative": _text(self.rng)}, self.rng.choice(IRIS)]
                ),
                "alignment": lambda: self.some(self.alignment, 0, 4),
                "achievementType": lambda: self.rng.choice(["Certificate", "ext:Thing"]),
                "creator": self.profile,
                "resultDescription": lambda: self.some(self.result_description),
                "tag": lambda: self.some(lambda: _text(self.rng)),
                "version": self.scalar,
                "humanCode": self.scalar,
                "image": lambda: self.rng.choice(IRIS),
            },
        )

    def subject(self) -> dict[str, Any]:
        return self.node(
            ["AchievementSubject"],
            {
                "achievement": self.achievement,
                "identifier": lambda: self.some(
                    lambda: self.node(
                        ["IdentityObject"],
                        {
                            "hashed": lambda: self.rng.random() < 0.5,
                            "identityHash": self.scalar,
                            "identityType": lambda: self.rng.choice(["name", "emailAddress"]),
                            "salt": self.scalar,
                        },
                    )
                ),
                "result": lambda: self.some(
                    lambda: self.node(
                        ["Result"],
                        {
                            "resultDescription": lambda: self.rng.choice(IRIS),
                            "status": lambda: self.rng.choice(["Completed", "Enrolled"]),
                            "value": self.scalar,
                            "alignment": lambda: self.some(self.alignment),
                        },
                    )
                ),
                "activityStartDate": lambda: "2026-03-02",
                "licenseNumber": self.scalar,
                "role": self.scalar,
                "source": self.profile,
            },
        )

    def proof(self) -> dict[str, Any]:
        proof: dict[str, Any] = {
            "type": "DataIntegrityProof",
            "cryptosuite": self.rng.choice(["eddsa-rdfc-2022", "eddsa-jcs-2022"]),
            "created": "2026-03-02T09:30:00Z",
            "verificationMethod": self.rng.choice(IRIS),
            "proofPurpose": self.rng.choice(["assertionMethod", "authentication"]),
            "proofValue": "z" + _text(self.rng),
        }
        if self.rng.random() < 0.3:
            proof["id"] = self.rng.choice(IRIS[:3] + BLANKS)
        if self.rng.random() < 0.2:
            proof["expires"] = "2027-03-02T09:30:00Z"
        return proof

    def endorsement(self) -> dict[str, Any]:
        endorsement: dict[str, Any] = {
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "issuer": self.profile(),
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": self.node(
                ["EndorsementSubject"], {"endorsementComment": self.scalar}
            ),
        }
        if self.rng.random() < 0.5:
            endorsement["id"] = self.rng.choice(IRIS)
        if self.rng.random() < 0.8:
            endorsement["proof"] = self.some(self.proof, 1, 2)
        return endorsement

    def credential(self) -> dict[str, Any]:
        rng = self.rng
        contexts = [VC_V2, OB_V3]
        if rng.random() < 0.2:
            contexts.append(DATA_INTEGRITY_V2)
        document: dict[str, Any] = {
            "@context": contexts if rng.random() < 0.95 else VC_V2,
            "type": [
                "VerifiableCredential",
                rng.choice(["OpenBadgeCredential", "AchievementCredential"]),
            ],
            "issuer": self.profile(),
            "validFrom": "2026-03-02T09:30:00Z",
            "credentialSubject": self.some(self.subject, 1, 2),
        }
        optional = {
            "id": lambda: rng.choice(IRIS + BLANKS),
            "name": self.scalar,
            "description": self.scalar,
            "validUntil": lambda: "2031-03-02T09:30:00Z",
            "credentialStatus": lambda: self.some(
                lambda: {
                    "id": rng.choice(IRIS) + "#s",
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": rng.choice(["revocation", "suspension"]),
                    "statusListIndex": str(rng.randint(0, 10**6)),
                    "statusListCredential": rng.choice(IRIS),
                }
            ),
            "credentialSchema": lambda: {"id": rng.choice(IRIS), "type": "JsonSchema"},
            "evidence": lambda: self.some(
                lambda: self.node(["Evidence"], {"narrative": self.scalar, "genre": self.scalar})
            ),
            "endorsement": lambda: self.some(self.endorsement),
            "proof": lambda: self.some(self.proof, 1, 2),
        }
        for name, make in optional.items():
            if rng.random() < 0.4:
                document[name] = make()
        return document


def credential_document(rng: random.Random, *, odd: float = 0.01) -> dict[str, Any]:
    """A random credential; ``odd`` is the chance per value of something the walk leaves."""
    return _Builder(rng, odd).credential()
