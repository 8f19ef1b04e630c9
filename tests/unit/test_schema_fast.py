"""The OB 3.0 schema check's fast validator (jsonschema-rs) against the reference one.

``credential.schema_errors`` lets jsonschema-rs clear a credential and asks
python-jsonschema about everything else, so the one thing that must never happen is
the fast validator clearing what the reference refuses. Hypothesis mutates valid
credentials at random places (values replaced, keys dropped or added, dates bent,
lists and objects swapped) and both validators must give the same verdict.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import Body
from tests.unit.test_bounds import learning_outcomes_credential
from vcissue.credential import _cleared, _validator, schema_errors

BODY = Body()
VALID = [
    {k: v for k, v in BODY.issue().items() if k != "proof"},
    learning_outcomes_credential(BODY, 5, with_results=True),
]
ODD: list[Any] = [
    None,
    True,
    0,
    -1,
    1.0,
    1.5,
    2**70,
    "",
    "x",
    "Profile",
    "2026-02-30T09:30:00Z",
    "2026-03-02T09:30:00Z\n",
    "2026-03-02T24:00:00Z",
    "2026-03-02t09:30:00z",
    "2026-03-02T09:30:60+01:00",
    "2026-03-02",
    "2026-13-02",
    "en\n",
    "ext:Custom",
    "ext:",
    "\ud800",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.\u0663.3.json",
    [],
    {},
    ["x"],
    [{}],
    {"id": "urn:x"},
    {"type": "IdentityObject"},
]


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def mutate(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    document = copy.deepcopy(document)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(paths(document)[1:])
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        roll = rng.random()
        if roll < 0.5:
            parent[last] = copy.deepcopy(rng.choice(ODD))
        elif roll < 0.7 and isinstance(parent, dict):
            del parent[last]
        elif roll < 0.85 and isinstance(parent, dict):
            parent[rng.choice(["extra", "type", "id", "name", "@context"])] = rng.choice(ODD)
        elif isinstance(parent[last], list) and parent[last]:
            parent[last] = parent[last][0]  # a list to its first item
        else:
            parent[last] = [parent[last]]  # an item to a list of it
    return document


def reference_valid(document: dict[str, Any]) -> bool:
    return not any(True for _ in _validator().iter_errors(document))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.sampled_from(range(len(VALID))))
def test_the_fast_validator_gives_the_reference_verdict(rng: random.Random, which: int) -> None:
    document = mutate(VALID[which], rng)
    assert _cleared(document) == reference_valid(document)


def test_the_property_sees_both_verdicts() -> None:
    verdicts = [
        reference_valid(mutate(VALID[seed % 2], random.Random(seed))) for seed in range(300)
    ]
    assert 20 < verdicts.count(True) < 280


def test_valid_credentials_are_cleared_and_invalid_ones_named() -> None:
    for document in VALID:
        assert _cleared(document)
        assert schema_errors(document) == []
    broken = copy.deepcopy(VALID[0])
    broken["validFrom"] = "2026-02-30T09:30:00Z"
    assert not _cleared(broken)
    assert schema_errors(broken) == ["validFrom: '2026-02-30T09:30:00Z' is not a 'date-time'"]


def test_values_rust_holds_differently_get_the_reference_verdict() -> None:
    for name in ("\ud800", 2**70, -(2**64), 1e308):  # a lone surrogate, integers past 64 bits
        document = copy.deepcopy(VALID[0])
        document["name"] = name
        document["credentialSubject"]["identifier"][0]["identityHash"] = name
        assert _cleared(document) == reference_valid(document), name
