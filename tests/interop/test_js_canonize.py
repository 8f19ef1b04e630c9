"""Canonicalisation against the JavaScript stack (jsonld.js + rdf-canonize): a third party.

Three corpora: the named JSON-LD shapes in tests/vectors/jsonld-shapes/corpus.json (each with
what must happen), 1,500 seeded random documents over the bundled contexts, and 500 random
credentials of the shapes issuers write (three parties there: the compiled walk, pyld's
reference path and the JS stack). vcissue and
the JS stack must give byte-identical canonical N-Quads, or both refuse; vcissue refuses
alone only where the corpus says so, and says why.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from tests.credential_documents import credential_document
from tests.interop.jsstack import installed, js_canonize, node_available
from tests.jsonld_documents import random_document
from vcissue.errors import VcissueError
from vcissue.jsonld import DEFAULT_LIMITS, ContextSet, _compiled_quads, canonize, to_quads
from vcissue.rdfc import canonicalize, canonicalize_rows

pytestmark = pytest.mark.interop
CORPUS = Path(__file__).resolve().parents[1] / "vectors" / "jsonld-shapes" / "corpus.json"


@pytest.fixture(scope="module", autouse=True)
def js_stack() -> None:
    if not (node_available() and installed()):
        if os.environ.get("VCISSUE_REQUIRE_INTEROP") == "1":
            pytest.fail("node or interop/js/node_modules missing (scripts/test runs npm ci)")
        pytest.skip("node or interop/js/node_modules not available")


def js_canonize_in_batches(documents: list[Any], size: int = 100) -> list[dict[str, Any]]:
    # one node process per batch: each stays well inside jsstack's timeout on a busy machine
    results: list[dict[str, Any]] = []
    for start in range(0, len(documents), size):
        results += js_canonize(documents[start : start + size])
    return results


def ours(document: Any) -> str | None:
    try:
        return canonize(document)
    except VcissueError:
        return None


def outcome(mine: str | None, theirs: dict[str, Any]) -> str:
    js = theirs.get("nquads")
    if mine is not None and js is not None:
        return "identical" if mine == js else "different"
    if mine is None and js is None:
        return "refused"
    return "refused-by-vcissue" if mine is None else "refused-by-js"


def test_every_named_shape_behaves_as_the_corpus_says() -> None:
    cases = json.loads(CORPUS.read_text(encoding="utf-8"))["cases"]
    results = js_canonize([case["document"] for case in cases])
    got = {
        case["name"]: outcome(ours(case["document"]), js)
        for case, js in zip(cases, results, strict=True)
    }
    assert got == {case["name"]: case["expect"] for case in cases}
    # the corpus covers both sides: shapes both accept and shapes both refuse
    assert {"identical", "refused", "refused-by-vcissue"} <= set(got.values())


def test_random_documents_are_byte_identical_or_refused_by_both() -> None:
    documents = [
        random_document(random.Random(seed), interoperable_only=True) for seed in range(1500)
    ]
    results = js_canonize_in_batches(documents)
    outcomes = [
        outcome(ours(document), js) for document, js in zip(documents, results, strict=True)
    ]
    mismatched = [seed for seed, got in enumerate(outcomes) if got not in ("identical", "refused")]
    assert mismatched == [], f"seeds where vcissue and the JS stack disagree: {mismatched[:10]}"
    # not a vacuous pass: hundreds of documents were canonicalised by both
    assert outcomes.count("identical") > 400


def test_random_credentials_walk_pyld_and_js_agree() -> None:
    """The compiled walk, pyld's reference path and the JS stack: one canonical form."""
    documents = [credential_document(random.Random(seed), odd=0.0) for seed in range(500)]
    results = js_canonize_in_batches(documents)
    taken = 0
    for seed, (document, js) in enumerate(zip(documents, results, strict=True)):
        raw = _compiled_quads(document, ContextSet.bundled(), DEFAULT_LIMITS)
        if raw is not None:
            taken += 1
            reference = canonicalize(to_quads(document, cached=False))
            assert canonicalize_rows(raw) == reference == js.get("nquads"), f"seed {seed}"
        assert outcome(ours(document), js) in ("identical", "refused"), f"seed {seed}"
    assert taken > 400  # the walk, not the fallback, is what was compared
