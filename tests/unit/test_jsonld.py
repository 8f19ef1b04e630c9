"""The offline loader, safe mode and the canonicalisation work limit."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests import vectors
from vcissue.errors import CanonicalizationError, ContextError, WorkLimitError
from vcissue.jsonld import VC_V2, ContextSet, canonize, check_contexts, expand
from vcissue.rdfc import Limits, Quad, Term, canonicalize


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, ...]]]:
    """Any attempt to open a socket or resolve a name fails the test loudly."""
    attempts: list[tuple[Any, ...]] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise AssertionError(f"network use attempted: {args}")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert attempts == []


def _credential(**extra: Any) -> dict[str, Any]:
    return {
        "@context": [VC_V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
        **extra,
    }


def test_canonize_works_with_network_disabled(no_network: list[Any]) -> None:
    nquads = canonize(vectors.unsigned(), vectors.TEST_CONTEXTS)
    assert "<did:example:abcdefgh>" in nquads


def test_unknown_context_is_a_typed_error_not_a_fetch(no_network: list[Any]) -> None:
    document = _credential()
    document["@context"] = [VC_V2, "https://evil.example/context.jsonld"]
    with pytest.raises(ContextError, match=r"evil\.example"):
        canonize(document)
    with pytest.raises(ContextError, match="unknown @context"):
        check_contexts(document["@context"], ContextSet.bundled())


def test_examples_context_is_not_bundled_for_production() -> None:
    assert vectors.EXAMPLES_CONTEXT_URL not in ContextSet.bundled()
    with pytest.raises(ContextError):
        canonize(vectors.unsigned())


def test_inline_contexts_are_refused_by_the_url_check() -> None:
    with pytest.raises(ContextError, match="inline"):
        check_contexts([VC_V2, {"@vocab": "https://example.org/"}], ContextSet.bundled())


def test_undefined_term_fails_like_js_safe_mode() -> None:
    document = _credential()
    document["credentialSubject"]["undefinedTerm"] = "x"
    with pytest.raises(ContextError, match="undefinedTerm"):
        canonize(document)


def test_undefined_type_becomes_no_relative_iri() -> None:
    # The trap from standards/README: an undefined credentialSchema type.
    document = _credential(
        credentialSchema={
            "id": "https://example.org/s.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    )
    with pytest.raises(ContextError, match="1EdTechJsonSchemaValidator2019"):
        expand(document)


def test_relative_id_is_refused() -> None:
    document = _credential()
    document["credentialSubject"]["id"] = "not-absolute"
    with pytest.raises(ContextError, match="not an absolute IRI"):
        canonize(document)


def _blank_node_clique(size: int) -> list[Quad]:
    """A complete graph of blank nodes: factorial RDFC-1.0 work unbounded (rdf-canon#120)."""
    knows = Term("iri", "http://example.org/p")
    nodes = [Term("blank", f"b{i}") for i in range(size)]
    return [Quad(a, knows, b) for a in nodes for b in nodes if a != b]


@pytest.mark.parametrize("size", [10, 60])
def test_poisoned_graph_fails_closed_with_the_limit_named(size: int) -> None:
    with pytest.raises(WorkLimitError) as refused:
        canonicalize(_blank_node_clique(size))
    assert refused.value.limit in ("max_deep_iterations", "max_work")
    assert refused.value.code == "work-limit"


def test_the_work_budget_stops_what_the_deep_iteration_limit_allows() -> None:
    # a generous deep-iteration allowance is not enough on its own: the work budget binds
    with pytest.raises(WorkLimitError) as refused:
        canonicalize(_blank_node_clique(40), Limits(max_work=2_000))
    assert refused.value.limit == "max_work"


def test_quad_and_blank_node_limits_are_checked_before_hashing() -> None:
    with pytest.raises(WorkLimitError, match="max_quads"):
        canonicalize(_blank_node_clique(10), Limits(max_quads=50))
    with pytest.raises(WorkLimitError, match="max_blank_nodes"):
        canonicalize(_blank_node_clique(10), Limits(max_blank_nodes=5))


def test_poisoned_json_ld_document_is_refused() -> None:
    # The same clique expressed as JSON-LD blank nodes.
    nodes: list[dict[str, Any]] = [{"@id": f"_:b{i}"} for i in range(8)]
    for i, node in enumerate(nodes):
        node["https://schema.org/knows"] = [{"@id": f"_:b{j}"} for j in range(8) if j != i]
    document = {"@context": {"@vocab": "https://schema.org/"}, "@graph": nodes}
    with pytest.raises((CanonicalizationError, ContextError)):
        canonize(document, ContextSet.bundled())


def test_context_cache_changes_no_output_byte() -> None:
    """The processed-context cache against pyld's own uncached path, over real credentials."""
    from tests.factories import AWARDED, EXAMPLES, Body, ecomentor
    from vcissue.credential import build, new_credential_id
    from vcissue.model import Award, Holder, load_qualification

    body = Body()
    kcs = load_qualification(EXAMPLES / "kcs" / "level2.json")
    organisation = Award(Holder("Safe Org Ltd", kind="organisation"), kcs, awarded=AWARDED)
    documents = [
        body.unsigned("Ana Novak"),
        body.unsigned("Ivan Jurić", units=(ecomentor().units[0].id,)),
        build(organisation, body.profile, credential_id=new_credential_id(bytes(16))),
        vectors.unsigned(),
    ]
    for document in documents:
        uncached = canonize(document, vectors.TEST_CONTEXTS, cached=False)
        assert canonize(document, vectors.TEST_CONTEXTS) == uncached
        assert canonize(document, vectors.TEST_CONTEXTS) == uncached  # served from the cache
