"""JSON-LD processing: the offline document loader and RDFC-1.0 canonicalisation.

pyld lives here alone. It always gets the frozen offline loader, ``base=None``
and the URDNA2015 (= RDFC-1.0) algorithm, plus two guards pyld lacks:

* **safe mode** - if expansion would drop a term or leave a relative IRI, fail,
  as the JavaScript reference does (signing such a document anyway yields a
  credential no one else can verify);
* **a work limit** on canonicalisation - crafted blank-node graphs make
  RDFC-1.0 take factorial time (w3c/rdf-canon#120); we fail closed instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015

from .errors import CanonicalizationError, ContextError

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"

# RFC 3986 scheme: an absolute IRI starts with one.
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

DocumentLoader = Callable[[str, Any], dict[str, Any]]


def _bundled_contexts() -> dict[str, Any]:
    root = resources.files("vcissue") / "contexts"
    index = json.loads((root / "index.json").read_text("utf-8"))
    return {url: json.loads((root / name).read_text("utf-8")) for url, name in index.items()}


@dataclass(frozen=True)
class ContextSet:
    """An immutable map of context URL -> context document; nothing else loads.

    ``ContextSet.bundled()`` holds the official contexts shipped with vcissue.
    Tests add the W3C examples context with ``with_extra``; production code
    never does.
    """

    documents: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def bundled(cls) -> ContextSet:
        return _BUNDLED

    def with_extra(self, extra: Mapping[str, Any]) -> ContextSet:
        return ContextSet({**self.documents, **extra})

    def __contains__(self, url: object) -> bool:
        return url in self.documents

    def load(self, url: str, options: Any = None) -> dict[str, Any]:
        """pyld document-loader signature. Unknown URL -> ContextError, never a fetch."""
        try:
            document = self.documents[url]
        except (KeyError, TypeError):
            raise ContextError(f"context not bundled (refusing to fetch): {url!r}") from None
        return {"contextUrl": None, "documentUrl": url, "document": document}


_BUNDLED = ContextSet(_bundled_contexts())


def check_contexts(contexts: object, allowed: ContextSet) -> list[str]:
    """Return the ``@context`` list if every entry is a bundled URL, else raise ContextError.

    Inline context objects are refused: they can redefine any term.
    """
    if isinstance(contexts, str):
        contexts = [contexts]
    if not isinstance(contexts, list) or not contexts:
        raise ContextError("@context must be a non-empty string or list of strings")
    urls: list[str] = []
    for entry in contexts:
        if not isinstance(entry, str):
            raise ContextError("inline @context objects are not accepted; use bundled URLs")
        if entry not in allowed:
            raise ContextError(f"unknown @context {entry!r}")
        urls.append(entry)
    return urls


def _unwrap(error: BaseException) -> BaseException:
    """pyld wraps loader errors in JsonLdError; find our own typed error if any."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ContextError):
            return seen
        seen = seen.__cause__ or getattr(seen, "cause", None)
    return error


class _SafeModeViolation(Exception):
    pass


def _raise_dropped(term: str | None) -> None:
    raise _SafeModeViolation(f"term {term!r} is not defined by any @context")


def expand(document: Mapping[str, Any], contexts: ContextSet | None = None) -> list[Any]:
    """Expand ``document`` in safe mode with the offline loader."""
    loader = (contexts or _BUNDLED).load
    try:
        expanded = jsonld.expand(
            dict(document),
            {"documentLoader": loader, "base": None, "processingMode": "json-ld-1.1"},
            on_property_dropped=_raise_dropped,
        )
    except _SafeModeViolation as error:
        raise ContextError(str(error)) from None
    except jsonld.JsonLdError as error:
        cause = _unwrap(error)
        if isinstance(cause, ContextError):
            raise ContextError(str(cause)) from None
        raise CanonicalizationError(f"invalid JSON-LD: {error}") from None
    except RecursionError:
        raise CanonicalizationError("document nested too deeply") from None
    _check_absolute_iris(expanded)
    return list(expanded)


def _check_absolute_iris(node: Any) -> None:
    """Every @id and @type must be an absolute IRI or a blank node (JS safe mode)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "@id" and isinstance(value, str):
                    _require_absolute(value, "@id")
                elif key == "@type" and "@value" not in item:
                    for type_iri in value if isinstance(value, list) else [value]:
                        if isinstance(type_iri, str):
                            _require_absolute(type_iri, "@type")
                elif key != "@value":
                    stack.append(value)


def _require_absolute(iri: str, what: str) -> None:
    if not (iri.startswith("_:") or _ABSOLUTE_IRI.match(iri)):
        raise ContextError(f"{what} {iri!r} is not an absolute IRI (undefined term?)")


class _BoundedURDNA2015(URDNA2015):  # type: ignore[misc]
    """URDNA2015 that gives up after ``max_deep_iterations`` N-degree hashes."""

    def __init__(self, max_deep_iterations: int) -> None:
        super().__init__()
        self._budget = max_deep_iterations

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self._budget -= 1
        if self._budget < 0:
            raise CanonicalizationError(
                "canonicalisation work limit exceeded (poisoned blank-node graph?)"
            )
        return super().hash_n_degree_quads(id_, issuer)


MAX_BLANK_NODES = 4096
MAX_DEEP_ITERATIONS = 1000


def canonize(
    document: Mapping[str, Any],
    contexts: ContextSet | None = None,
    *,
    max_deep_iterations: int = MAX_DEEP_ITERATIONS,
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (safe mode, offline, bounded)."""
    expanded = expand(document, contexts)
    try:
        dataset = jsonld.to_rdf(
            expanded,
            {
                "documentLoader": (contexts or _BUNDLED).load,
                "base": None,
                "produceGeneralizedRdf": False,
            },
        )
    except jsonld.JsonLdError as error:
        raise CanonicalizationError(f"cannot convert to RDF: {error}") from None
    _check_blank_node_count(dataset.values())
    try:
        canonical: str = _BoundedURDNA2015(max_deep_iterations).main(
            dataset, {"format": "application/n-quads"}
        )
    except RecursionError:
        raise CanonicalizationError("blank-node graph too deep to canonicalise") from None
    return canonical


def _check_blank_node_count(graphs: Iterable[list[dict[str, Any]]]) -> None:
    blank_nodes: set[str] = set()
    for triples in graphs:
        for triple in triples:
            for position in ("subject", "object"):
                term = triple[position]
                if term["type"] == "blank node":
                    blank_nodes.add(term["value"])
    if len(blank_nodes) > MAX_BLANK_NODES:
        raise CanonicalizationError(
            f"{len(blank_nodes)} blank nodes exceeds the limit of {MAX_BLANK_NODES}"
        )
