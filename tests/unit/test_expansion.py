"""The compiled walk (src/vcissue/expansion.py) against pyld's reference path.

The walk is only allowed to be fast: on every document it accepts, its dataset must be
pyld's (compared up to blank-node labels through RDFC-1.0, which labels isomorphic
datasets alike and others differently), and on everything else it must step aside so
that the reference path accepts or refuses. Properties over random credentials (the
shapes issuers write, plus the odd value the walk must leave alone), the named corpus
of JSON-LD shapes, and one case per shape the walk must never take.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.credential_documents import credential_document
from tests.factories import Body
from tests.jsonld_documents import random_document
from vcissue import jsonld
from vcissue.errors import VcissueError, WorkLimitError
from vcissue.rdfc import UNBOUNDED, Limits, Quad, canonicalize, canonicalize_rows, rows_to_quads

CORPUS = Path(__file__).resolve().parents[1] / "vectors" / "jsonld-shapes" / "corpus.json"
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def walk(document: dict[str, Any], limits: Limits = jsonld.DEFAULT_LIMITS) -> list[Quad] | None:
    rows = jsonld._compiled_quads(document, jsonld.ContextSet.bundled(), limits)
    if rows is None:
        return None
    quads = rows_to_quads(rows)
    # canonize joins the walk's own serialised rows; they must give what its Quads give
    assert canonicalize_rows(rows, UNBOUNDED) == canonicalize(quads, UNBOUNDED)
    return quads


def dataset(quads: list[Quad]) -> tuple[int, str]:
    return len(quads), canonicalize(quads, UNBOUNDED)


def reference(document: dict[str, Any]) -> tuple[int, str] | type[VcissueError]:
    try:
        return dataset(jsonld.to_quads(document, cached=False))
    except VcissueError as error:
        return type(error)


def check(document: dict[str, Any]) -> bool:
    """Assert the walk agrees with the reference; True if the walk took the document."""
    original = copy.deepcopy(document)
    mine = walk(document)
    assert document == original  # the walk never changes its input
    expected = reference(document)
    if mine is None:
        return False
    assert dataset(mine) == expected
    return True


@SETTINGS
@given(st.randoms(use_true_random=False), st.sampled_from([0.0, 0.01, 0.05]))
def test_walk_equals_reference_on_random_credentials(rng: random.Random, odd: float) -> None:
    check(credential_document(rng, odd=odd))


@SETTINGS
@given(st.randoms(use_true_random=False))
def test_walk_equals_reference_on_random_jsonld(rng: random.Random) -> None:
    check(random_document(rng))


def test_the_property_is_not_vacuous() -> None:
    """Most random credentials take the walk; some fall back and pass, some are refused."""
    taken = fell_back_accepted = refused = 0
    for seed in range(300):
        document = credential_document(random.Random(seed), odd=0.01)
        if check(document):
            taken += 1
        elif isinstance(reference(document), tuple):
            fell_back_accepted += 1
        else:
            refused += 1
    assert taken > 150
    assert fell_back_accepted > 10
    assert refused > 10


def test_the_certificates_vcissue_issues_take_the_walk() -> None:
    from tests.unit.test_bounds import learning_outcomes_credential

    body = Body()
    signed = body.issue()
    for document in (
        body.unsigned(),
        learning_outcomes_credential(body, 80),
        learning_outcomes_credential(body, 80, with_results=True),
        signed,  # its proof is an embedded graph
        {key: value for key, value in signed["proof"].items() if key != "proofValue"}
        | {"@context": signed["@context"]},  # the proof configuration
    ):
        assert check(document)


def test_the_named_shapes_corpus() -> None:
    cases = json.loads(CORPUS.read_text(encoding="utf-8"))["cases"]
    taken = [case["name"] for case in cases if check(case["document"])]
    assert "plain OB credential" in taken


def _subject(document: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = document["credentialSubject"]
    return node


LEFT_TO_PYLD = {
    "a blank-node-named graph (the forgery)": lambda d: _subject(d).update(
        {"@graph": [{"id": "urn:example:x", "name": "INJECTED"}]}
    ),
    "@list": lambda d: d.update({"https://example.org/p": {"@list": ["a"]}}),
    "@json": lambda d: d.update({"name": {"@value": {"a": 1}, "@type": "@json"}}),
    "a language": lambda d: d.update({"name": {"@value": "a", "@language": "en"}}),
    "a direction": lambda d: d.update({"name": {"@value": "a", "@direction": "rtl"}}),
    "a typed value": lambda d: d.update({"name": {"@value": "a", "@type": "urn:t"}}),
    "a float": lambda d: d.update({"name": 1.5}),
    "an integral float": lambda d: d.update({"name": [1, 1.0]}),
    "an integer past 2**53": lambda d: d.update({"name": 2**53 + 1}),
    "null": lambda d: d.update({"name": None}),
    "an empty array": lambda d: d.update({"name": []}),
    "nested arrays": lambda d: d.update({"name": [["a"]]}),
    "a relative id": lambda d: d.update({"id": "relative"}),
    "an id with a space": lambda d: d.update({"id": "https://a b"}),
    "an empty blank-node label": lambda d: d.update({"id": "_:"}),
    "a keyword-like id": lambda d: d.update({"id": "@foo"}),
    "a blank-node type": lambda d: d.update({"type": ["VerifiableCredential", "_:t"]}),
    "an undefined type": lambda d: d.update({"type": ["VerifiableCredential", "Undefined"]}),
    "an undefined term": lambda d: d.update({"undefinedTerm": "x"}),
    "an absolute IRI key": lambda d: d.update({"https://example.org/p": "x"}),
    "a blank-node key": lambda d: d.update({"_:p": "x"}),
    "a term of another type": lambda d: d.update({"targetName": "x"}),
    "a nested context": lambda d: _subject(d).update({"@context": jsonld.VC_V2}),
    "an inline context": lambda d: d.update({"@context": [jsonld.VC_V2, {"ex": "urn:ex:"}]}),
    "an unknown context": lambda d: d.update({"@context": [jsonld.VC_V2, "https://e.org/c"]}),
    "@nest": lambda d: _subject(d).update({"@nest": {"name": "x"}}),
    "@included": lambda d: d.update({"@included": [{"id": "urn:x", "name": "x"}]}),
    "@reverse": lambda d: d.update({"@reverse": {"https://example.org/p": {"id": "urn:x"}}}),
    "@index": lambda d: _subject(d).update({"@index": "x"}),
    "@id and id together": lambda d: d.update({"@id": "urn:example:other"}),
    "@type and type together": lambda d: d.update({"@type": "OpenBadgeCredential"}),
    "an empty node": lambda d: d.update({"evidence": {}}),
    "a string in a graph container": lambda d: d.update({"proof": "urn:example:p"}),
    "a reference alone in a graph": lambda d: d.update({"proof": {"id": "urn:example:p"}}),
}


@pytest.mark.parametrize("shape", sorted(LEFT_TO_PYLD))
def test_the_walk_leaves_to_pyld(shape: str) -> None:
    document = Body().unsigned()
    LEFT_TO_PYLD[shape](document)
    assert walk(document) is None
    # ... and canonize answers as the reference path does
    got: str | type[VcissueError]
    try:
        got = jsonld.canonize(document)
    except VcissueError as error:
        got = type(error)
    expected = reference(document)
    assert got == (expected[1] if isinstance(expected, tuple) else expected)


def test_merged_nodes_past_the_bound_are_left_to_the_reference_path() -> None:
    """One id in many places merges into one node; the reference path counts its values."""
    document = Body().unsigned()
    document["evidence"] = [
        {"id": "urn:example:e", "type": ["Evidence"], "name": f"n{i}"} for i in range(30)
    ]
    limits = Limits(max_values_per_property=20)
    assert walk(document, limits) is None
    with pytest.raises(WorkLimitError) as refused:
        jsonld.to_quads(document, limits=limits)
    assert refused.value.limit == "max_values_per_property"
    assert walk(document) is not None  # under the default bound it takes the walk


def test_shared_ids_merge_and_duplicates_drop() -> None:
    document = Body().unsigned()
    node = {"id": "_:shared", "type": ["Evidence"], "name": "same"}
    document["evidence"] = [node, dict(node), {"id": "_:shared", "type": "Evidence"}]
    assert check(document)
    quads = walk(document)
    assert quads is not None
    evidence = [q for q in quads if q.predicate.value.endswith("#evidence")]
    assert len(evidence) == 1  # three references to one blank node: one quad


@pytest.mark.parametrize(
    "document",
    [
        Body().unsigned(),
        {
            **Body().unsigned(),
            "evidence": [{"type": ["Evidence"], "name": f"e{i}"} for i in range(9)],
        },
    ],
    ids=["EcoMentor", "nine evidence nodes"],
)
def test_the_walk_counts_the_json_bounds_as_check_json_bounds_does(
    document: dict[str, Any],
) -> None:
    """The walk replaces check_json_bounds' pass: at a bound it takes the document, one
    past it the document gets check_json_bounds' refusal (through the reference path)."""
    usage: dict[str, int] = {}
    jsonld.check_json_bounds(document, UNBOUNDED, usage=usage)
    for limit in ("max_json_values", "max_values_per_property", "max_contexts"):
        at = Limits(**{limit: usage[limit]})
        assert walk(document, at) is not None
        jsonld.canonize(document, limits=at)
        past = Limits(**{limit: usage[limit] - 1})
        with pytest.raises(WorkLimitError) as refused:
            jsonld.canonize(document, limits=past)
        assert refused.value.limit == limit
        with pytest.raises(WorkLimitError) as refused:
            jsonld.to_quads(document, limits=past)
        assert refused.value.limit == limit


def test_plans_are_kept_per_context_never_across_context_sets() -> None:
    """The walk keeps a node's plan (its contexts and what each key means) by the active
    context object, shape and types. A context set whose OB context means otherwise must
    get its own meaning, before and after the bundled set walked the same shapes."""
    document = Body().unsigned()
    bundled = jsonld.canonize(document)
    ob = copy.deepcopy(jsonld.ContextSet.bundled().documents[jsonld.OB_V3])
    ob["@context"]["Achievement"]["@context"]["humanCode"] = "urn:example:another-code"
    ob["@context"]["Alignment"]["@context"]["targetCode"] = "urn:example:another-target"
    other = jsonld.ContextSet.bundled().with_extra({jsonld.OB_V3: ob})
    mine = jsonld.canonize(document, other)
    assert "<urn:example:another-code>" in mine and "<urn:example:another-target>" in mine
    assert "urn:example:another" not in bundled
    assert mine == canonicalize(jsonld.to_quads(document, other, cached=False))
    assert jsonld.canonize(document) == bundled  # and the bundled set is unaffected


def test_one_shape_with_other_types_gets_other_plans() -> None:
    """Nodes with the same keys and different types (so different type-scoped contexts)
    in one document: each is expanded under its own types."""
    document = Body().unsigned()
    subject = _subject(document)
    subject["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": "a", "targetUrl": "https://example.org/a"},
        {"type": ["Evidence"], "targetName": "b", "targetUrl": "https://example.org/b"},
    ]
    assert walk(document) is None  # targetName is not an Evidence term: left to pyld
    subject["achievement"]["alignment"][1]["type"] = ["Alignment"]
    assert check(document)


def _outcome(call: Any) -> type[Exception] | None:
    try:
        call()
    except VcissueError as error:
        return type(error)
    return None


@SETTINGS
@given(st.randoms(use_true_random=False), st.sampled_from([0.0, 0.05]))
def test_check_expandable_answers_as_expand(rng: random.Random, odd: float) -> None:
    """The context check of non-RDFC proofs asks the walk first: same verdict as pyld."""
    for document in (credential_document(rng, odd=odd), random_document(rng)):
        expected = _outcome(lambda d=document: jsonld.expand(d))
        assert _outcome(lambda d=document: jsonld.check_expandable(d)) == expected
