"""Random JSON-LD documents over the bundled contexts, for differential tests.

``random_document(rng)`` builds an OB 3.0 credential and grafts random content onto
its nodes: defined terms, absolute IRIs, blank-node keys, the JSON-LD keywords
(``@graph``, ``@list``, ``@json``, ``@reverse``, ``@included``, ``@nest``), value objects
with ``@language``, ``@direction`` or ``@type``, embedded credentials with their own
proof. Many results are refused by safe mode; the differential tests want both kinds.
With ``interoperable_only`` it leaves out what vcissue refuses on purpose (``@index``,
inline contexts, ``@nest``, ``@included`` and ``@reverse``, numbers and IRIs implementations
read differently), so another
implementation must either agree byte for byte or refuse too.
"""

from __future__ import annotations

import random
from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
XSD = "http://www.w3.org/2001/XMLSchema#"

TERMS = [
    "name",
    "description",
    "narrative",
    "achievement",
    "criteria",
    "alignment",
    "result",
    "evidence",
    "identifier",
    "targetName",
    "targetUrl",
    "image",
    "proof",
    "endorsement",
    "undefinedTerm",
]
IRIS = ["https://example.org/p", "https://example.org/q", "urn:example:r", "_:blankKey"]
KEYWORDS = ["@graph", "@included", "@reverse", "@nest", "@type", "@id", "@foo"]
HIDING = ["@included", "@reverse", "@nest"]
TYPES = ["Achievement", "Result", "Alignment", "Evidence", "Profile", "Undefined"]
LANGUAGES = ["en", "hr", "EN-gb", "zh-Hant-TW", "x"]
TEXT = 'aZ 0\u00e9\u0161\u017e\u4e2d\t\n"\\\u0001\u007f\u2028\U0001f331'


def _text(rng: random.Random, minimum: int = 0) -> str:
    return "".join(rng.choice(TEXT) for _ in range(rng.randint(minimum, 6)))


def _number(rng: random.Random, interoperable_only: bool) -> Any:
    pool: list[Any] = [0, 1, -7, 2**53, 1.5, -0.25, 123456.789, 1e21, 2.5e-7, True, False]
    if not interoperable_only:
        pool += [2**60 + 1, 1e-7, 1234567890123456.5]
    return rng.choice(pool)


def _iri_id(rng: random.Random, interoperable_only: bool) -> str:
    pool = ["urn:example:n1", "urn:example:n2", "https://example.org/x", "_:b1", "_:b2"]
    if not interoperable_only:
        pool += ["relative", "https://a b", "https://a\u0085b"]
    return rng.choice(pool)


def _value(rng: random.Random, depth: int, interoperable_only: bool) -> Any:
    kind = rng.randint(0, 11 if depth < 3 else 4)
    if kind == 0:
        # jsonld.js silently drops "" as the value of an @id-typed term; vcissue refuses it
        return _text(rng, 1 if interoperable_only else 0)
    if kind == 1:
        return _number(rng, interoperable_only)
    if kind == 2:
        return None
    if kind == 3:
        value: dict[str, Any] = {"@value": _text(rng)}
        extra = rng.randint(0, 3)
        if extra == 1:
            value["@language"] = rng.choice(LANGUAGES)
        elif extra == 2:
            value["@direction"] = rng.choice(["ltr", "rtl"])
            if rng.random() < 0.5:
                value["@language"] = rng.choice(LANGUAGES)
        elif extra == 3:
            value["@type"] = rng.choice([XSD + "token", XSD + "double", "https://example.org/T"])
            if value["@type"] == XSD + "double":
                value["@value"] = rng.choice(["5", "-1.25e3", ".5"])
        return value
    if kind == 4:
        return {"@id": _iri_id(rng, interoperable_only)}
    if kind == 5:
        return [_value(rng, depth + 1, interoperable_only) for _ in range(rng.randint(0, 3))]
    if kind == 6 and interoperable_only:  # arrays three deep in a list: vcissue refuses
        return {"@list": [_value(rng, 3, interoperable_only) for _ in range(rng.randint(0, 3))]}
    if kind == 6:
        return {
            "@list": [_value(rng, depth + 1, interoperable_only) for _ in range(rng.randint(0, 3))]
        }
    if kind == 7:
        literal = {"k": _text(rng), "n": [_number(rng, True), None, True], "\U0001f331": {}}
        return {"@value": literal, "@type": "@json"}
    if kind == 8:
        return _node(rng, depth + 1, interoperable_only)
    if kind == 9:
        return {"@graph": [_node(rng, depth + 1, interoperable_only)]}
    if kind == 10:
        return _embedded_credential(rng, depth + 1, interoperable_only)
    return _node(rng, depth + 1, interoperable_only)


def _node(rng: random.Random, depth: int, interoperable_only: bool) -> dict[str, Any]:
    node: dict[str, Any] = {}
    if rng.random() < 0.5:
        node["id"] = _iri_id(rng, interoperable_only)
    if rng.random() < 0.5:
        node["type"] = [rng.choice(TYPES)]
    for _ in range(rng.randint(0 if node else 1, 3)):
        _graft(rng, node, depth, interoperable_only)
    return node


def _embedded_credential(rng: random.Random, depth: int, interoperable_only: bool) -> Any:
    credential = {
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": {"id": "did:example:endorser", "type": ["Profile"]},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:example:a", "type": ["EndorsementSubject"]},
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "proofPurpose": "assertionMethod",
            "verificationMethod": "did:example:endorser#k",
            "proofValue": "z" + _text(rng),
        },
    }
    if rng.random() < 0.5:
        _graft(rng, credential["credentialSubject"], depth, interoperable_only)
    return credential


def _key(rng: random.Random, interoperable_only: bool) -> str:
    # Most keys mean something anywhere (IRIs, VC v2's global terms) so that enough
    # documents pass safe mode; OB terms are type-scoped and often undefined where put.
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(IRIS[:3])
    if roll < 0.6:
        return rng.choice(["name", "description"])
    if roll < 0.78:
        return rng.choice(["@graph", "@type"])
    if roll < 0.8 and not interoperable_only:
        return rng.choice(HIDING)  # refused: the same quads where a reader does not look
    pool = TERMS + IRIS[3:] + KEYWORDS[5:]
    if not interoperable_only:
        # refused: a term's IRI as a key (the same quad, out of a reader's sight)
        pool += ["@index", "@context", "https://schema.org/name"]
    return rng.choice(pool)


def _graft(rng: random.Random, node: dict[str, Any], depth: int, interoperable_only: bool) -> None:
    key = _key(rng, interoperable_only)
    if key == "@type":
        node.pop("type", None)  # beside "type" it is refused: two keys of one meaning
        node[key] = rng.choice(TYPES)
    elif key == "@id":
        node[key] = _iri_id(rng, interoperable_only)
    elif key == "@index":
        node[key] = _text(rng)
    elif key == "@context":
        node[key] = rng.choice([{"ex": "https://example.org/"}, None, VC_V2])
    elif key == "@reverse":
        node[key] = {rng.choice(IRIS[:2]): _node(rng, depth + 1, interoperable_only)}
    elif key == "@nest":
        nested = _node(rng, depth + 1, interoperable_only)
        if interoperable_only:  # a type in @nest: pyld and jsonld.js disagree, vcissue refuses
            nested.pop("type", None)
            nested.pop("@type", None)
            nested = nested or {"name": _text(rng)}
        node[key] = nested
    elif key == "@included":
        node[key] = _node(rng, depth + 1, interoperable_only)
    elif key == "@graph":
        node[key] = [_node(rng, depth + 1, interoperable_only) for _ in range(rng.randint(1, 2))]
    else:
        node[key] = _value(rng, depth, interoperable_only)


def random_document(rng: random.Random, *, interoperable_only: bool = False) -> dict[str, Any]:
    """An OB 3.0 credential with 1-4 random grafts on random nodes."""
    document: dict[str, Any] = {
        "@context": [VC_V2, OB_V3],
        "id": "urn:uuid:2f0d3c1e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Body"},
        "validFrom": "2026-03-02T09:30:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:example:a",
                "type": ["Achievement"],
                "name": "A",
                "criteria": {"narrative": "n"},
            },
        },
    }
    nodes = [
        document,
        document["credentialSubject"],
        document["credentialSubject"]["achievement"],
        document["credentialSubject"]["achievement"]["criteria"],
    ]
    for _ in range(rng.randint(1, 4)):
        _graft(rng, rng.choice(nodes), 0, interoperable_only)
    return document
