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

from cachetools import LRUCache
from frozendict import frozendict
from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer

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
    # Processed contexts, reused across calls: without this pyld re-processes the
    # type-scoped VC v2 and OB contexts on every call (three quarters of its time).
    # Per ContextSet, so two sets can never see each other's definitions.
    _processed: LRUCache[str, Any] = field(
        default_factory=lambda: LRUCache(maxsize=256), compare=False, repr=False
    )
    _active: _ActiveContextMemo = field(
        default_factory=lambda: _ActiveContextMemo(), compare=False, repr=False
    )

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
        # tag "static": pyld may keep the processed context for the life of this set.
        return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}

    def load_uncached(self, url: str, options: Any = None) -> dict[str, Any]:
        """The same documents without the static tag: the reference path caching must match."""
        loaded = self.load(url, options)
        del loaded["tag"]
        return loaded

    def _processor(self, *, cached: bool) -> jsonld.JsonLdProcessor:
        if cached:
            return _MemoisingProcessor(self._active)
        return jsonld.JsonLdProcessor(on_property_dropped=_raise_dropped)

    def _options(self, *, cached: bool) -> dict[str, Any]:
        loader = self.load if cached else self.load_uncached
        cache = self._processed if cached else LRUCache(maxsize=256)
        return {
            "documentLoader": loader,
            "contextResolver": ContextResolver(cache, loader),
            "base": None,
            "processingMode": "json-ld-1.1",
        }


class _ActiveContextMemo:
    """(active context, local context, flags) -> processed active context.

    pyld caches a processed context per active-context uuid, but every
    non-propagating type-scoped context (all of OB 3.0's) starts from a fresh
    clone with a fresh uuid, so it never hits. Processed contexts are frozen
    and deterministic in their inputs; returning the same object for the same
    inputs keeps every derived context identical too, so keys by identity hold.
    """

    MAX_ENTRIES = 4096

    def __init__(self) -> None:
        self._entries: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}

    @staticmethod
    def _key(active_ctx: Any, local_ctx: Any, flags: tuple[Any, ...]) -> tuple[Any, ...]:
        if isinstance(local_ctx, str):
            local_key: Any = local_ctx
        elif isinstance(local_ctx, list) and all(isinstance(c, str) for c in local_ctx):
            local_key = tuple(local_ctx)
        else:
            local_key = ("id", id(local_ctx))
        return (id(active_ctx), local_key, flags)

    def get(self, active_ctx: Any, local_ctx: Any, flags: tuple[Any, ...]) -> Any:
        entry = self._entries.get(self._key(active_ctx, local_ctx, flags))
        # Identity checks: the stored references keep ids from being reused.
        if entry is None or entry[0] is not active_ctx:
            return None
        if not isinstance(local_ctx, str | list) and entry[1] is not local_ctx:
            return None
        return entry[2]

    def put(self, active_ctx: Any, local_ctx: Any, flags: tuple[Any, ...], result: Any) -> None:
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[self._key(active_ctx, local_ctx, flags)] = (active_ctx, local_ctx, result)


class _MemoisingProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    def __init__(self, memo: _ActiveContextMemo) -> None:
        super().__init__(on_property_dropped=_raise_dropped)
        self._memo = memo

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        flags = (override_protected, propagate, validate_scoped)
        # Only frozen (immutable) contexts may be shared between calls.
        cacheable = isinstance(active_ctx, frozendict) and cycles is None
        if cacheable:
            found = self._memo.get(active_ctx, local_ctx, flags)
            if found is not None:
                return found
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if cacheable and isinstance(result, frozendict):
            self._memo.put(active_ctx, local_ctx, flags, result)
        return result

    def dataset_from_expanded(self, expanded: list[Any], options: Any) -> dict[str, Any]:
        """The tail of pyld's ``to_rdf`` without expanding a second time."""
        issuer = IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        self._create_node_map(expanded, node_map, "@default", issuer)
        return {
            graph_name: self._graph_to_rdf(graph, issuer, options)
            for graph_name, graph in sorted(node_map.items())
            if graph_name == "@default" or _ABSOLUTE_IRI.match(graph_name)
        }


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


def expand(
    document: Mapping[str, Any], contexts: ContextSet | None = None, *, cached: bool = True
) -> list[Any]:
    """Expand ``document`` in safe mode with the offline loader."""
    context_set = contexts or _BUNDLED
    options = context_set._options(cached=cached)
    try:
        expanded = context_set._processor(cached=cached).expand(dict(document), options)
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
    cached: bool = True,
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (safe mode, offline, bounded).

    ``cached=False`` re-processes every context, as pyld does by default; tests
    use it to show the cache changes no output byte.
    """
    context_set = contexts or _BUNDLED
    expanded = expand(document, context_set, cached=cached)
    options = {**context_set._options(cached=cached), "produceGeneralizedRdf": False}
    try:
        if cached:
            dataset = _MemoisingProcessor(context_set._active).dataset_from_expanded(
                expanded, options
            )
        else:  # pyld's own path, expanding again: the reference for the fast path
            dataset = jsonld.to_rdf(expanded, options)
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
