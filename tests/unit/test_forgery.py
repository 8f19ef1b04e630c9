"""No unsigned byte is accepted: content injected into a signed credential never verifies.

Regression for the forgery where a blank-node-named graph (``"@graph"`` inside any blank
node) was dropped from the signed quads, so injected claims verified as VALID. One test per
JSON-LD shape that can carry content, for both cryptosuites, and a property over random
injections of fresh content at random places.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import AWARDED, Body
from vcissue import proofs
from vcissue.status import Bitstring, StatusPurpose, status_entry, status_list_credential
from vcissue.verify import Outcome, Verdict, verify_credential

XSD = "http://www.w3.org/2001/XMLSchema#"
Injection = Callable[[dict[str, Any]], None]
ENDORSEMENT = {
    "id": "urn:example:endorsement",
    "type": ["VerifiableCredential", "EndorsementCredential"],
    "issuer": {"id": "did:example:mallory", "type": ["Profile"]},
    "validFrom": "2026-01-01T00:00:00Z",
    "credentialSubject": {"id": "urn:example:a", "type": ["EndorsementSubject"]},
    "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
        "verificationMethod": "did:example:mallory#k",
        "proofValue": "zINJECTED",
    },
}


def subject(vc: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = vc["credentialSubject"]
    return node


def achievement(vc: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = vc["credentialSubject"]["achievement"]
    return node


SHAPES: dict[str, Injection] = {
    "blank-node graph": lambda vc: subject(vc).update(
        {"@graph": [{"id": "urn:example:x", "name": "INJECTED"}]}
    ),
    "blank-node graph, object form": lambda vc: subject(vc).update(
        {"@graph": {"name": "INJECTED"}}
    ),
    "IRI-named graph": lambda vc: achievement(vc).update(
        {"@graph": [{"id": "urn:example:x", "name": "INJECTED"}]}
    ),
    "graph inside a graph": lambda vc: subject(vc).update(
        {"@graph": [{"id": "urn:example:x", "@graph": [{"id": "urn:y", "name": "INJECTED"}]}]}
    ),
    "@list": lambda vc: achievement(vc).update({"https://example.org/p": {"@list": ["INJECTED"]}}),
    "list of lists": lambda vc: achievement(vc).update(
        {"https://example.org/p": {"@list": [["INJECTED"], []]}}
    ),
    "@json literal": lambda vc: subject(vc).update(
        {"description": {"@value": {"claim": "INJECTED"}, "@type": "@json"}}
    ),
    "@reverse": lambda vc: subject(vc).update(
        {"@reverse": {"https://schema.org/knows": {"id": "urn:example:x", "name": "INJECTED"}}}
    ),
    "@included": lambda vc: subject(vc).update(
        {"@included": [{"id": "urn:example:x", "name": "INJECTED"}]}
    ),
    "@nest": lambda vc: subject(vc).update({"@nest": {"description": "INJECTED"}}),
    "language-tagged value": lambda vc: subject(vc).update(
        {"description": {"@value": "INJECTED", "@language": "hr"}}
    ),
    "base direction on an existing value": lambda vc: achievement(vc).update(
        {"name": {"@value": achievement(vc)["name"], "@direction": "rtl"}}
    ),
    "the same value again with another direction": lambda vc: achievement(vc).update(
        {
            "name": [
                achievement(vc)["name"],
                {"@value": achievement(vc)["name"], "@direction": "rtl"},
            ]
        }
    ),
    "@type on a value": lambda vc: subject(vc).update(
        {"description": {"@value": "INJECTED", "@type": XSD + "token"}}
    ),
    "embedded credential with its own proof": lambda vc: achievement(vc).update(
        {"endorsement": [copy.deepcopy(ENDORSEMENT)]}
    ),
    "blank-node predicate": lambda vc: subject(vc).update({"_:claim": "INJECTED"}),
    "node whose IRI holds a space": lambda vc: subject(vc).update(
        {"@included": [{"id": "https://example.org/a b", "name": "INJECTED"}]}
    ),
    "value whose IRI is relative": lambda vc: subject(vc).update(
        {"https://example.org/p": {"@id": "INJECTED"}}
    ),
    "@index": lambda vc: subject(vc).update({"@index": "INJECTED"}),
    "inline context defining a term": lambda vc: subject(vc).update(
        {"@context": {"claim": "https://example.org/claim"}, "claim": "INJECTED"}
    ),
    "free-floating value in a graph": lambda vc: subject(vc).update({"@graph": ["INJECTED"]}),
}


@pytest.fixture(scope="module")
def body() -> Body:
    return Body()


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_injected_content_in_every_shape_fails(body: Body, shape: str, suite: str) -> None:
    vc = body.issue(suite=suite)
    assert verify_credential(vc, trust=body.trust, now=AWARDED).verified  # the control
    SHAPES[shape](vc)
    result = verify_credential(vc, trust=body.trust, now=AWARDED)
    assert not result.verified
    outcomes = {check.id: check.outcome for check in result.checks}
    assert Outcome.FAILED in (outcomes["context"], outcomes["proof"]), outcomes


# -- random injections --------------------------------------------------------------------
KEYS = [
    "name",
    "description",
    "https://example.org/p",
    "_:p",
    "@graph",
    "@included",
    "@reverse",
    "@nest",
    "@index",
    "@list-value",
    "@json-value",
]


def _content(rng: random.Random, marker: str, depth: int = 0) -> Any:
    """Fresh content: every variant carries ``marker`` in a data position."""
    roll = rng.randint(0, 5 if depth < 2 else 1)
    if roll == 0:
        return marker
    if roll == 1:
        return {"@value": marker, "@language": rng.choice(["en", "hr"])}
    if roll == 2:
        return {
            "id": rng.choice(["urn:example:i", "_:b9"]),
            "name": _content(rng, marker, depth + 1),
        }
    if roll == 3:
        return [_content(rng, marker, depth + 1)]
    if roll == 4:
        return {"@list": [_content(rng, marker, depth + 1)]}
    return {"description": _content(rng, marker, depth + 1)}


def _inject(vc: dict[str, Any], rng: random.Random) -> None:
    nodes = [vc, *_nodes(vc["credentialSubject"])]
    node = rng.choice(nodes)
    marker = f"INJECTED-{rng.randrange(10**9)}"
    key = rng.choice(KEYS)
    if key in ("@graph", "@included"):
        node[key] = [{"id": "urn:example:g", "name": _content(rng, marker)}]
    elif key == "@reverse":
        node[key] = {"https://schema.org/knows": {"name": _content(rng, marker)}}
    elif key == "@nest":
        node[key] = {"description": _content(rng, marker)}
    elif key == "@list-value":
        node["https://example.org/list"] = {"@list": [_content(rng, marker)]}
    elif key == "@json-value":
        node["description"] = {"@value": {"claim": marker}, "@type": "@json"}
    else:
        node[key] = _content(rng, marker)


def _nodes(value: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict) and "@value" not in item:
            found.append(item)
            stack.extend(v for k, v in item.items() if k != "type")
        elif isinstance(item, list):
            stack.extend(item)
    return found


@cache
def signed(suite: str) -> tuple[Body, dict[str, Any]]:
    body = Body()
    return body, body.issue(suite=suite)


@settings(max_examples=120, deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from(["eddsa-rdfc-2022", "eddsa-jcs-2022"]))
def test_fresh_content_injected_anywhere_never_verifies(rng: random.Random, suite: str) -> None:
    body, original = signed(suite)
    vc = copy.deepcopy(original)
    _inject(vc, rng)
    assert not verify_credential(vc, trust=body.trust, now=AWARDED).verified


# -- signed statements moved where a reader does not look --------------------------------
# The same quads, so eddsa-rdfc-2022's signature still holds, but the checks (and the page,
# and an employer) read `credentialStatus`, `validUntil` and a proof's `expires` by their
# terms: a revoked, expired credential rewritten so once verified as VALID.
CRED = "https://www.w3.org/2018/credentials#"
STATUS_URL = "https://certification.example/status/r1"
Move = Callable[[dict[str, Any], str], None]


def _by_iri(iri: str) -> Move:
    def move(node: dict[str, Any], key: str) -> None:
        value = node.pop(key)
        if key in ("validFrom", "validUntil", "expires"):  # typed as xsd:dateTime by the term
            value = {"@value": value, "@type": XSD + "dateTime"}
        node[iri + key if iri.endswith("#") else iri] = value

    return move


def _nested(node: dict[str, Any], key: str) -> None:
    node["@nest"] = {key: node.pop(key)}


def _included(node: dict[str, Any], key: str) -> None:
    node["@included"] = [{"id": node["id"], key: node.pop(key)}]


def _reversed(node: dict[str, Any], key: str) -> None:
    entries = node.pop(key)
    node["@included"] = [
        {**entry, "@reverse": {CRED + key: {"id": node["id"]}}}
        for entry in (entries if isinstance(entries, list) else [entries])
    ]


def _typed_twice(node: dict[str, Any], key: str) -> None:
    types = node["type"]
    node["type"], node["@type"] = types[:1], types[1:]  # JSON-LD merges them


MOVES: dict[str, Move] = {
    "by its IRI": _by_iri(CRED),
    "inside @nest": _nested,
    "on the same node through @included": _included,
    "through @reverse from an included node": _reversed,
}


def _expiring_with_status(body: Body, suite: str) -> dict[str, Any]:
    unsigned = body.unsigned(expires=AWARDED + timedelta(days=30))
    unsigned["credentialStatus"] = [status_entry(STATUS_URL, 42, "revocation")]
    return proofs.sign(unsigned, body.key, created=AWARDED, suite=suite)


def _status_list(body: Body, *, revoked: bool) -> dict[str, Any]:
    bits = Bitstring()
    bits.set(42, revoked)
    listed = status_list_credential(
        STATUS_URL, StatusPurpose.REVOCATION, bits, issuer=body.did, valid_from=AWARDED
    )
    return proofs.sign(listed, body.key, created=AWARDED)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
@pytest.mark.parametrize("move", sorted(MOVES))
@pytest.mark.parametrize(
    ("key", "revoked", "days", "verdict"),
    [("credentialStatus", True, 10, Verdict.REVOKED), ("validUntil", False, 60, Verdict.EXPIRED)],
)
def test_a_signed_property_moved_out_of_sight_is_refused(
    body: Body, suite: str, move: str, key: str, revoked: bool, days: int, verdict: Verdict
) -> None:
    """Only ``key`` stands between this credential and VALID; moving it must not hide it."""
    if key == "validUntil" and move == "through @reverse from an included node":
        pytest.skip("a literal has no node to point back from")
    vc = _expiring_with_status(body, suite)
    lists = {STATUS_URL: _status_list(body, revoked=revoked)}
    now = AWARDED + timedelta(days=days)
    control = verify_credential(vc, trust=body.trust, now=now, status_lists=lists.__getitem__)
    assert control.verdict is verdict, control.reasons
    MOVES[move](vc, key)
    result = verify_credential(vc, trust=body.trust, now=now, status_lists=lists.__getitem__)
    assert result.verdict is Verdict.FORGED, result.reasons
    assert result.check("context").outcome is Outcome.FAILED


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_an_expiring_proof_with_expires_moved_out_of_sight_is_refused(
    body: Body, suite: str
) -> None:
    vc = proofs.sign(
        body.unsigned(), body.key, created=AWARDED, suite=suite,
        options={"expires": "2026-03-03T00:00:00Z"},
    )  # fmt: skip
    later = AWARDED + timedelta(days=10)
    assert verify_credential(vc, trust=body.trust, now=later).verdict is Verdict.EXPIRED
    for move in (_by_iri("https://w3id.org/security#expiration"), _nested):
        moved = copy.deepcopy(vc)
        move(moved["proof"], "expires")
        assert verify_credential(moved, trust=body.trust, now=later).verdict is Verdict.FORGED


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_two_keys_of_one_meaning_are_refused(body: Body, suite: str) -> None:
    vc = body.issue(suite=suite)
    _typed_twice(vc, "type")  # the OB types out of `type`: no schema check would run
    result = verify_credential(vc, trust=body.trust, now=AWARDED)
    assert result.check("context").outcome is Outcome.FAILED, result.reasons


SIGNED_KEYS = st.sampled_from(
    ["credentialStatus", "validUntil", "validFrom", "credentialSubject", "issuer", "name"]
)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["eddsa-rdfc-2022", "eddsa-jcs-2022"]),
    SIGNED_KEYS,
    st.sampled_from([*sorted(MOVES), "twice"]),
    st.randoms(use_true_random=False),
)
def test_any_signed_property_moved_anywhere_never_verifies(
    suite: str, key: str, move: str, rng: random.Random
) -> None:
    """A signed top-level property, or one of a node under it, moved into any of the forms."""
    body, original = signed_with_status(suite)
    vc = copy.deepcopy(original)
    nodes = [n for n in [vc, *_nodes(vc["credentialSubject"])] if "id" in n] or [vc]
    node = rng.choice(nodes)
    keys = [k for k in node if not k.startswith("@") and k not in ("id", "type")]
    key = key if key in node else rng.choice(keys)
    if move == "twice":
        node[CRED + key] = node[key]  # the same value under both names: the same quads
    elif move == "through @reverse from an included node" and not isinstance(
        node[key], dict | list
    ):
        _nested(node, key)
    else:
        MOVES[move](node, key)
    fetched: list[str] = []

    def source(url: str) -> dict[str, Any]:
        fetched.append(url)
        raise AssertionError("a credential that does not verify made the verifier fetch")

    assert not verify_credential(vc, trust=body.trust, now=AWARDED, status_lists=source).verified
    assert fetched == []  # its status URLs are never asked for


@cache
def signed_with_status(suite: str) -> tuple[Body, dict[str, Any]]:
    body = Body()
    return body, _expiring_with_status(body, suite)
