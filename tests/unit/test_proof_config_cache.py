"""eddsa-rdfc-2022 keeps the canonical form of proof configurations that repeat.

The cache may only ever return what canonicalising afresh returns: keyed by the exact
JSON and by the context set (by identity), never keeping a refusal.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from vcissue.errors import ContextError, VcissueError
from vcissue.jsonld import OB_V3, VC_V2, ContextSet, canonize
from vcissue.proofs.eddsa_rdfc_2022 import EddsaRdfc2022

CONFIG: dict[str, Any] = {
    "@context": [VC_V2, OB_V3],
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": "2026-03-02T09:30:00Z",
    "verificationMethod": "did:key:z6MkExample#z6MkExample",
    "proofPurpose": "assertionMethod",
}


def test_a_repeated_configuration_gives_the_canonical_form_of_each() -> None:
    suite = EddsaRdfc2022()
    bundled = ContextSet.bundled()
    for created in ("2026-03-02T09:30:00Z", "2026-03-02T09:30:01Z", "2026-03-02T09:30:00Z"):
        config = {**CONFIG, "created": created}
        expected = canonize(config, bundled, cached=False).encode()
        assert suite.canonicalize_config(config, bundled) == expected
        assert suite.canonicalize_config(copy.deepcopy(config), bundled) == expected
    assert len(suite._configs) == 2


def test_another_context_set_is_not_served_from_the_cache() -> None:
    suite = EddsaRdfc2022()
    bundled = ContextSet.bundled()
    first = suite.canonicalize_config(CONFIG, bundled)
    # the same URL meaning something else: cryptosuite no longer a cryptosuiteString
    vc = copy.deepcopy(bundled.documents[VC_V2])
    scoped = vc["@context"]["DataIntegrityProof"]["@context"]
    scoped["cryptosuite"] = {"@id": "https://w3id.org/security#cryptosuite"}
    other = bundled.with_extra({VC_V2: vc})
    second = suite.canonicalize_config(CONFIG, other)
    assert second != first
    assert second == canonize(CONFIG, other, cached=False).encode()
    assert suite.canonicalize_config(CONFIG, bundled) == first


def test_refusals_are_not_kept() -> None:
    suite = EddsaRdfc2022()
    config = {**CONFIG, "undefinedTerm": "x"}
    for _ in range(2):
        with pytest.raises(ContextError):
            suite.canonicalize_config(config, ContextSet.bundled())
    assert len(suite._configs) == 0


@pytest.mark.parametrize(
    "variant",
    [
        {"created": ["2026-03-02T09:30:00Z"]},  # a list of one string is not the string
        {"@context": VC_V2},  # one URL, not a list of one
        {"expires": 1},  # not strings: keyed by its JSON
        {"expires": 1.0},
        {"expires": True},
    ],
)
def test_configurations_that_differ_only_in_shape_are_kept_apart(variant: dict[str, Any]) -> None:
    suite = EddsaRdfc2022()
    bundled = ContextSet.bundled()
    suite.canonicalize_config(CONFIG, bundled)
    config = {**CONFIG, **variant}
    try:
        expected: bytes | type[Exception] = canonize(config, bundled, cached=False).encode()
    except VcissueError as error:  # whichever refusal, the cache must give it too
        expected = type(error)
    try:
        got: bytes | type[Exception] = suite.canonicalize_config(config, bundled)
    except VcissueError as error:
        got = type(error)
    assert got == expected
    assert suite.canonicalize_config(CONFIG, bundled) == canonize(CONFIG, bundled).encode()
