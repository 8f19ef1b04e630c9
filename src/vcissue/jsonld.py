"""JSON-LD processing: the offline document loader, safe-mode expansion, quads.

pyld lives here alone. It always gets the frozen offline loader, ``base=None`` and
JSON-LD 1.1, plus what pyld lacks:

* **safe mode as jsonld.js has it** - whatever expansion or RDF conversion would drop
  (an undefined term, a free-floating value, a relative IRI, a blank-node predicate,
  ``@index``) is an error, never a silent loss: dropped JSON is JSON nobody signed;
* **one conversion path** - the fast path (contexts processed once, expansion done
  once) runs pyld's own ``to_rdf`` code; tests compare it quad for quad with pyld's
  uncached path and with the JavaScript stack;
* **canonicalisation** by :mod:`vcissue.rdfc` (bounded RDFC-1.0, byte-identical with
  rdf-canonize), never pyld's URDNA2015 (different escaping, no work budget).
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

from cachetools import LRUCache
from frozendict import frozendict
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from .errors import CanonicalizationError, ContextError, WorkLimitError
from .expansion import LONE_SURROGATE as _LONE_SURROGATE
from .expansion import SCHEME as _SCHEME
from .expansion import SPACE as _SPACE
from .expansion import Unsupported, compacted_to_rows
from .rdfc import (
    DEFAULT_LIMITS,
    UNBOUNDED,
    Limits,
    Quad,
    Row,
    Term,
    canonicalize,
    canonicalize_rows,
    rows_to_quads,
)

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
ED25519_2020_V1 = "https://w3id.org/security/suites/ed25519-2020/v1"

DocumentLoader = Callable[[str, Any], dict[str, Any]]


def _bundled_contexts() -> dict[str, Any]:
    root = resources.files("vcissue") / "contexts"
    index = json.loads((root / "index.json").read_text("utf-8"))
    return {url: json.loads((root / name).read_text("utf-8")) for url, name in index.items()}


class _LockedLRUCache(LRUCache[str, Any]):
    """cachetools' LRUCache is not thread-safe (a read reorders it, a write may evict) and
    the service resolves contexts on several threads at once."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self._lock = threading.RLock()

    def __getitem__(self, key: str) -> Any:
        with self._lock:
            return super().__getitem__(key)

    def __setitem__(self, key: str, value: Any) -> None:
        with self._lock:
            super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        with self._lock:
            super().__delitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return super().get(key, default)


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
        default_factory=lambda: _LockedLRUCache(maxsize=256), compare=False, repr=False
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

    def _processor(self, *, cached: bool, limits: Limits = DEFAULT_LIMITS) -> _SafeProcessor:
        return _SafeProcessor(self._active if cached else None, limits)

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


class _SafeProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld with the safe mode of jsonld.js, so both sign and refuse the same documents.

    jsonld.js (the JS reference, and our offline page) refuses in safe mode whatever
    expansion would silently drop: an undefined term, a free-floating value, an empty
    object, a null ``@value``, an object with only ``@language``... pyld drops them
    quietly. Dropped JSON is JSON nobody signed, so every drop is an error here.
    ``memo`` shares processed contexts between calls (the fast path); without it
    every context is processed afresh, as pyld does by default (the reference path).

    Processing a context costs a few microseconds per term of the active context it
    makes (pyld clones and freezes the whole context), and a caller picks how many get
    processed: every distinct combination of types with scoped contexts on a node is
    one more. Each processing the memo does not answer is charged its term count
    against ``limits.max_context_work``.
    """

    def __init__(
        self, memo: _ActiveContextMemo | None = None, limits: Limits = DEFAULT_LIMITS
    ) -> None:
        super().__init__(on_property_dropped=_raise_dropped)
        self._memo = memo
        self._limits = limits
        self._context_work = 0

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
        cacheable = self._memo is not None and isinstance(active_ctx, frozendict) and not cycles
        if cacheable:
            found = self._memo.get(active_ctx, local_ctx, flags)  # type: ignore[union-attr]
            if found is not None:
                return found
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        entries = len(local_ctx) if isinstance(local_ctx, list) else 1
        self._context_work += entries * (1 + len(result.get("mappings", ())))
        if self._context_work > self._limits.max_context_work:
            raise WorkLimitError(
                "max_context_work",
                f"processing this document's contexts costs more than "
                f"{self._limits.max_context_work} term definitions",
            )
        if cacheable and isinstance(result, frozendict):
            self._memo.put(active_ctx, local_ctx, flags, result)  # type: ignore[union-attr]
        return result

    def _expand_object(
        self, active_ctx: Any, active_property: Any, expanded_active_property: Any,
        element: Any, *args: Any, **kwargs: Any,
    ) -> Any:  # fmt: skip
        _check_compacted(self, active_ctx, element)
        return super()._expand_object(
            active_ctx, active_property, expanded_active_property, element, *args, **kwargs
        )

    def _prepare_nested_context(self, active_ctx: Any, element: Any, options: Any) -> Any:
        if "@context" in element:
            _require_context_urls(element["@context"])
        return super()._prepare_nested_context(active_ctx, element, options)

    def _expand(
        self,
        active_ctx: Any,
        active_property: Any,
        element: Any,
        options: Any,
        inside_list: bool = False,
        inside_index: bool = False,
        type_scoped_ctx: Any = None,
    ) -> Any:
        if inside_list and isinstance(element, list):
            _check_list_depth(element)
        expanded = super()._expand(
            active_ctx,
            active_property,
            element,
            options,
            inside_list=inside_list,
            inside_index=inside_index,
            type_scoped_ctx=type_scoped_ctx,
        )
        if expanded is None and element is not None:
            raise _SafeModeViolation(f"{_describe(element)} would be dropped, unsigned")
        return expanded

    def _object_to_rdf(self, item: Any, issuer: Any, triples: Any, options: Any) -> Any:
        # A base direction becomes an i18n datatype, as the eddsa-rdfc-2022 suite asks
        # (rdfDirection "i18n-datatype"); jsonld.js lower-cases the language in it.
        if isinstance(item, dict) and "@direction" in item and isinstance(item["@value"], str):
            language = str(item.get("@language", "")).lower()
            return {
                "type": "literal",
                "value": item["@value"],
                "datatype": f"https://www.w3.org/ns/i18n#{language}_{item['@direction']}",
            }
        return super()._object_to_rdf(item, issuer, triples, options)


class _PreExpanded(_SafeProcessor):
    """pyld's own ``to_rdf`` over an already expanded document: ``expand`` is the identity.

    The fast path skips only the second expansion; graph selection and quad generation
    stay pyld's code. (A hand-written tail once kept only IRI-named graphs and dropped
    blank-node graphs: injected claims that still verified.) The node map is pyld's
    algorithm with one change: pyld drops a duplicate value by comparing it with every
    value the property already has (``has_value``, quadratic: canonicalising 10,800
    values of one property took 55 s), here by a set of keys that are equal exactly when
    pyld's ``compare_values`` says the values are. The differential tests hold it to
    pyld's own node map, quad for quad.
    """

    def __init__(self, memo: _ActiveContextMemo | None, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(memo, limits)
        self._widest = 0  # the most values one node has of one property
        # (id of a node-map node, property) -> keys of its values; the nodes outlive to_rdf
        self._seen: dict[tuple[int, str], set[Any]] = {}

    def expand(self, input_: Any, options: Any) -> Any:
        return input_

    def _add_value(self, node: dict[str, Any], prop: str, value: Any, *, unique: bool) -> None:
        """pyld's ``add_value(node, prop, value, propertyIsArray=True, allowDuplicate=...)``."""
        values = node.setdefault(prop, [])
        key = _value_key(value) if unique else None
        if key is not None:
            seen = self._seen.setdefault((id(node), prop), set())
            if key in seen:
                return
            seen.add(key)
        values.append(value)
        self._widest = max(self._widest, len(values))
        if len(values) > self._limits.max_values_per_property:
            raise WorkLimitError(
                "max_values_per_property",
                f"a node has more than {self._limits.max_values_per_property} values of "
                f"{_describe(prop)}",
            )

    def _create_node_map(  # pyld's algorithm, kept in its shape
        self,
        input_: Any,
        graph_map: dict[str, Any],
        active_graph: str,
        issuer: Any,
        active_subject: Any = None,
        active_property: Any = None,
        list_: Any = None,
    ) -> None:
        # pyld 3.3's JsonLdProcessor._create_node_map, allowDuplicate=False by _add_value
        if isinstance(input_, list):
            for element in input_:
                self._create_node_map(
                    element, graph_map, active_graph, issuer, active_subject, active_property, list_
                )
            return
        subject_node = (
            graph_map.setdefault(active_graph, {}).get(active_subject)
            if isinstance(active_subject, str)
            else None
        )
        if "@type" in input_:  # the spec labels @type blank nodes first
            for type_ in input_["@type"]:
                if type_.startswith("_:"):
                    issuer.get_id(type_)
        if "@value" in input_:
            if "@type" in input_ and input_["@type"].startswith("_:"):
                input_["@type"] = issuer.get_id(input_["@type"])
            if list_:
                list_["@list"].append(input_)
            elif subject_node:
                self._add_value(subject_node, active_property, input_, unique=True)
            return
        if "@list" in input_:
            inner: dict[str, Any] = {"@list": []}
            self._create_node_map(
                input_["@list"],
                graph_map,
                active_graph,
                issuer,
                active_subject,
                active_property,
                inner,
            )
            if list_:
                list_["@list"].append(inner)
            elif subject_node:
                self._add_value(subject_node, active_property, inner, unique=False)
            return
        id_ = input_.get("@id")
        if _pyld_is_bnode(input_):
            id_ = issuer.get_id(id_)
        node = graph_map.setdefault(active_graph, {}).setdefault(id_, {"@id": id_})
        if isinstance(active_subject, Mapping):  # a reverse property
            self._add_value(node, active_property, active_subject, unique=True)
        elif active_property:
            reference = {"@id": id_}
            if list_:
                list_["@list"].append(reference)
            elif subject_node:
                self._add_value(subject_node, active_property, reference, unique=True)
        for prop, objects in sorted(input_.items()):
            if prop == "@id":
                continue
            if prop == "@reverse":
                referenced_node = {"@id": id_}
                for reverse_property, items in input_["@reverse"].items():
                    for item in items:
                        self._create_node_map(
                            item,
                            graph_map,
                            active_graph,
                            issuer,
                            referenced_node,
                            reverse_property,
                        )
                continue
            if prop == "@graph":
                graph_map.setdefault(id_, {})
                graph = active_graph if active_graph == "@merged" else id_
                self._create_node_map(objects, graph_map, graph, issuer)
                continue
            if prop == "@included":
                self._create_node_map(objects, graph_map, active_graph, issuer)
                continue
            if prop != "@type" and prop in _PYLD_KEYWORDS:
                # @index and the like: refused by _check_expanded before any node map
                raise ContextError(f"{prop} carries data that no signed quad covers")
            if prop.startswith("_:"):
                prop = issuer.get_id(prop)
            if len(objects) == 0:
                node.setdefault(prop, [])
                continue
            for item in objects:
                if prop == "@type":
                    type_ = issuer.get_id(item) if item.startswith("_:") else item
                    self._add_value(node, prop, type_, unique=True)
                else:
                    self._create_node_map(item, graph_map, active_graph, issuer, id_, prop)


_PYLD_KEYWORDS = frozenset(jsonld.KEYWORDS)
_pyld_is_bnode = jsonld._is_bnode


def _frozen(value: Any) -> Any:
    """A hashable form of a JSON value; two are equal exactly when Python's == says so."""
    if isinstance(value, Mapping):
        return frozenset((key, _frozen(inner)) for key, inner in value.items())
    if isinstance(value, list):
        return tuple(_frozen(inner) for inner in value)
    return value


def _value_key(value: Any) -> Any:
    """The key under which pyld's ``compare_values`` finds ``value`` equal, or None if never.

    Strings (``@type`` IRIs) by value; value objects by ``@type``, ``@language``, ``@index``
    and ``@value`` (a boolean never equals a number, ``1`` equals ``1.0``, JSON literals
    compare by ==); node references by ``@id``; anything else (a list object) equals
    nothing but itself.
    """
    if isinstance(value, str):
        return ("string", value)
    if "@value" in value:
        inner = value["@value"]
        key = ("bool", inner) if isinstance(inner, bool) else ("json", _frozen(inner))
        return ("value", value.get("@type"), value.get("@language"), value.get("@index"), key)
    if value.get("@id") is not None:
        return ("id", value["@id"])
    return None


def _describe(element: Any) -> str:
    text = json.dumps(element, ensure_ascii=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


# A reader of a credential (this verifier's checks, the page, an employer) finds a property
# under its term: ``validUntil``, ``credentialStatus``, a proof's ``expires``. eddsa-rdfc-2022
# signs quads, and JSON-LD can state the same quad where that reader does not look: under
# the property's IRI or a compact IRI, under a second key of the same meaning, inside
# ``@nest``, or about another node through ``@reverse`` or ``@included``. A signed
# credential rewritten so would verify with its expiry or its status hidden. VC Data Model
# 2.0 documents are in compacted form, where none of these occurs: refuse them all.
_HIDING_KEYWORDS = frozenset({"@nest", "@included", "@reverse"})


def _check_compacted(processor: Any, active_ctx: Any, element: Mapping[str, Any]) -> None:
    mappings = active_ctx.get("mappings", {})
    meanings: dict[str, str] = {}
    for key in element:
        if key == "@context":
            continue
        expanded = processor._expand_iri(active_ctx, key, vocab=True)
        if not isinstance(expanded, str):
            continue  # undefined: safe mode refuses it
        if expanded in _HIDING_KEYWORDS:
            raise ContextError(
                f"{key!r} ({expanded}) states properties where a reader does not look for "
                "them; credentials are accepted in compacted form only"
            )
        if expanded in meanings:
            raise ContextError(f"{meanings[expanded]!r} and {key!r} both mean {expanded}")
        meanings[expanded] = key
        if key.startswith("@") or key in mappings:
            continue
        term = _term_for(processor, active_ctx, expanded)
        if term is not None:
            raise ContextError(
                f"{key!r} is stated by its IRI where the contexts name it {term!r}; "
                "credentials are accepted in compacted form only"
            )


def _term_for(processor: Any, active_ctx: Any, iri: str) -> str | None:
    """A term of ``active_ctx`` that means ``iri`` (built once per context and call)."""
    memo: dict[int, tuple[Any, dict[str, str]]] = processor.__dict__.setdefault("_terms", {})
    entry = memo.get(id(active_ctx))
    if entry is None or entry[0] is not active_ctx:
        terms: dict[str, str] = {}
        for term, definition in active_ctx.get("mappings", {}).items():
            if isinstance(definition, Mapping) and not definition.get("reverse"):
                target = definition.get("@id")
                if isinstance(target, str):
                    terms.setdefault(target, term)
        entry = memo[id(active_ctx)] = (active_ctx, terms)
    return entry[1].get(iri)


def _check_list_depth(items: list[Any]) -> None:
    # pyld makes a list of every array at any depth inside a list; jsonld.js only of the
    # arrays directly in it (deeper ones are flattened). Refuse where they would differ.
    for item in items:
        if isinstance(item, list) and any(isinstance(inner, list) for inner in item):
            raise ContextError("arrays nested three deep in a list are read differently")


def _require_context_urls(contexts: Any) -> None:
    for entry in contexts if isinstance(contexts, list) else [contexts]:
        if not isinstance(entry, str):
            raise ContextError(
                f"@context {_describe(entry)} is not a bundled context URL "
                "(inline and null contexts are refused at every level)"
            )


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
    """pyld wraps loader and hook errors in JsonLdError; find our own typed error if any."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ContextError | _SafeModeViolation | WorkLimitError):
            return seen
        seen = seen.__cause__ or getattr(seen, "cause", None)
    return error


class _SafeModeViolation(Exception):
    pass


def _raise_dropped(term: str | None) -> None:
    raise _SafeModeViolation(f"term {term!r} is not defined by any @context")


def _pyld_call(call: Callable[[], Any], what: str) -> Any:
    """Run a pyld call; every failure becomes ContextError or CanonicalizationError."""
    try:
        return call()
    except _SafeModeViolation as error:
        raise ContextError(str(error)) from None
    except jsonld.JsonLdError as error:
        cause = _unwrap(error)
        if isinstance(cause, WorkLimitError):
            raise cause from None
        if isinstance(cause, ContextError | _SafeModeViolation):
            raise ContextError(str(cause)) from None
        raise CanonicalizationError(f"{what}: {error}") from None
    except RecursionError:
        raise CanonicalizationError("document nested too deeply") from None


def expand(
    document: Mapping[str, Any],
    contexts: ContextSet | None = None,
    *,
    cached: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Any]:
    """Expand ``document`` in safe mode with the offline loader.

    Refuses (ContextError) whatever would reach no signed quad or would be read
    differently by another implementation: see ``_check_expanded``; and (WorkLimitError)
    a document past the JSON bounds of ``limits``, before pyld sees it.
    """
    check_json_bounds(document, limits)
    context_set = contexts or _BUNDLED
    options = context_set._options(cached=cached)
    processor = context_set._processor(cached=cached, limits=limits)
    expanded = _pyld_call(lambda: processor.expand(dict(document), options), "invalid JSON-LD")
    _check_expanded(expanded)
    return list(expanded)


def check_expandable(
    document: Mapping[str, Any],
    contexts: ContextSet | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    """Raise what ``expand`` would raise for ``document``, without its result.

    A document the compiled walk takes is one the reference path accepts (the differential
    tests hold the walk to that), so expansion runs only for the others.
    """
    context_set = contexts or _BUNDLED
    if _compiled_quads(document, context_set, limits) is None:
        expand(document, context_set, limits=limits)


def to_quads(
    document: Mapping[str, Any],
    contexts: ContextSet | None = None,
    *,
    cached: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Quad]:
    """The RDF dataset of ``document``, as the eddsa-rdfc-2022 suite converts it.

    ``cached=False`` is pyld's own path from the compacted document with every context
    processed afresh: the reference the fast path is tested against, quad for quad.
    """
    context_set = contexts or _BUNDLED
    if cached:
        rows = _compiled_quads(document, context_set, limits)
        if rows is not None:
            return rows_to_quads(rows)
    return _reference_quads(document, context_set, cached=cached, limits=limits)


def _reference_quads(
    document: Mapping[str, Any], context_set: ContextSet, *, cached: bool, limits: Limits
) -> list[Quad]:
    """pyld's path: expansion, then pyld's to_rdf (over the expanded form when cached)."""
    expanded = expand(document, context_set, cached=cached, limits=limits)
    options = {**context_set._options(cached=cached), "produceGeneralizedRdf": False}
    if cached:
        processor: _SafeProcessor = _PreExpanded(context_set._active, limits)
        source: Any = expanded
    else:
        processor = _SafeProcessor(None, limits)
        source = dict(document)
    dataset = _pyld_call(lambda: processor.to_rdf(source, options), "cannot convert to RDF")
    return _as_quads(dataset)


class _PyldContexts:
    """Context processing for the compiled walk: pyld's, with the memo and the work limit.

    Any failure but a work limit sends the document to the reference path, which
    refuses it with its own typed error.
    """

    __slots__ = ("_options", "_processor")

    def __init__(self, processor: _SafeProcessor, options: dict[str, Any]) -> None:
        self._processor = processor
        self._options = options

    @property
    def scope(self) -> object | None:
        # the context set's memo: one per set, so what its URLs mean
        return self._processor._memo

    def process(
        self, active: Any, local: Any, *, override_protected: bool = False, propagate: bool = True
    ) -> Any:
        try:
            return self._processor._process_context(
                active, local, self._options, override_protected, propagate
            )
        except WorkLimitError:
            raise
        except Exception as error:
            cause = _unwrap(error)
            if isinstance(cause, WorkLimitError):
                raise cause from None
            raise Unsupported from None


def _compiled_quads(
    document: Mapping[str, Any], context_set: ContextSet, limits: Limits
) -> list[Row] | None:
    """The quads of the compiled walk (expansion.py), or None where it leaves them to pyld.

    Only documents whose ``@context`` names bundled contexts alone; the differential tests
    hold the walk to the reference path, quad for quad. The walk counts the JSON bounds
    as it goes (``check_json_bounds``'s counts): a document it returns is within them, and
    one past them is left to the reference path, whose check refuses it.
    """
    urls = document.get("@context")
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not urls or len(urls) > limits.max_contexts:
        return None
    if not all(isinstance(url, str) and url in context_set for url in urls):
        return None
    options = context_set._options(cached=True)
    processor = context_set._processor(cached=True, limits=limits)
    try:
        return compacted_to_rows(
            document,
            processor._get_initial_context(options),
            _PyldContexts(processor, options),
            max_values=limits.max_json_values,
            max_per_property=limits.max_values_per_property,
        )
    except Unsupported:
        return None


def canonize(
    document: Mapping[str, Any],
    contexts: ContextSet | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    cached: bool = True,
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (safe mode, offline, bounded).

    Byte-identical with the JavaScript reference stack (jsonld.js + rdf-canonize) on
    every document both accept; refused (typed error) where they would disagree.
    """
    context_set = contexts or _BUNDLED
    if cached:
        rows = _compiled_quads(document, context_set, limits)
        if rows is not None:
            return canonicalize_rows(rows, limits)
    return canonicalize(
        _reference_quads(document, context_set, cached=cached, limits=limits), limits
    )


def check_json_bounds(
    document: Any, limits: Limits = DEFAULT_LIMITS, *, usage: dict[str, int] | None = None
) -> None:
    """Refuse (WorkLimitError) a JSON document past the JSON bounds of ``limits``.

    One pass over the JSON, a fraction of a microsecond a value, in front of pyld's
    expansion (tens of microseconds a value, milliseconds a context entry) and of
    everything after it: the number of values bounds the quads and blank nodes that
    expansion can make (a JSON value yields at most two quads and one blank node).
    ``usage``, if given, receives the counts.
    """
    max_values, max_per_property = limits.max_json_values, limits.max_values_per_property
    values = contexts = widest = 0
    stack: list[Any] = [document]
    while stack:
        item = stack.pop()
        values += 1
        if values > max_values:
            raise WorkLimitError(
                "max_json_values", f"the document holds more than {max_values} JSON values"
            )
        kind = type(item)  # plain JSON types first: the Mapping check is slow
        if kind is str or kind is int or kind is bool or kind is float or item is None:
            continue
        if isinstance(item, str | int | float):
            continue
        if kind is dict or isinstance(item, Mapping):
            for key, inner in item.items():
                if key == "@context":
                    contexts += len(inner) if isinstance(inner, list) else 1
                elif isinstance(inner, list):
                    length = _flat_length(inner)
                    if length > max_per_property:
                        raise WorkLimitError(
                            "max_values_per_property",
                            f"{_describe(key)} has more than {max_per_property} values",
                        )
                    widest = max(widest, length)
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
    if contexts > limits.max_contexts:
        raise WorkLimitError(
            "max_contexts",
            f"the document names {contexts} @context entries, more than {limits.max_contexts}",
        )
    if usage is not None:
        usage.update(max_json_values=values, max_values_per_property=widest, max_contexts=contexts)


def bounds_usage(document: Mapping[str, Any], contexts: ContextSet | None = None) -> dict[str, int]:
    """How much of each bound of :class:`Limits` canonicalising ``document`` takes.

    Keys are the names of the ``Limits`` fields (plus ``deep_iterations``: rdf-canonize's
    count, whose limit is the number of blank nodes with shared first-degree hashes).
    Contexts are processed with an empty memo, as for a caller who evicted it (pyld's own
    cache of the bundled context documents stays warm).
    Raises as ``canonize`` would for a document it refuses for another reason.
    """
    context_set = contexts or _BUNDLED
    usage: dict[str, int] = {}
    check_json_bounds(document, UNBOUNDED, usage=usage)
    processor = _SafeProcessor(_ActiveContextMemo(), UNBOUNDED)
    options = context_set._options(cached=True)
    expanded = _pyld_call(lambda: processor.expand(dict(document), options), "invalid JSON-LD")
    _check_expanded(expanded)
    usage["max_context_work"] = processor._context_work
    to_rdf = _PreExpanded(_ActiveContextMemo(), UNBOUNDED)
    options = {**options, "produceGeneralizedRdf": False}
    dataset = _pyld_call(lambda: to_rdf.to_rdf(expanded, options), "cannot convert to RDF")
    usage["max_values_per_property"] = max(usage["max_values_per_property"], to_rdf._widest)
    canonicalize(_as_quads(dataset), UNBOUNDED, usage=usage)
    return usage


def _flat_length(items: list[Any]) -> int:
    """How many values an array gives its property: JSON-LD flattens nested arrays."""
    count = 0
    stack = [items]
    while stack:
        for item in stack.pop():
            if isinstance(item, list):
                stack.append(item)
            else:
                count += 1
    return count


def _term(term: Mapping[str, Any]) -> Term:
    kind = term["type"]
    if kind == "IRI":
        return Term("iri", term["value"])
    if kind == "blank node":
        return Term("blank", term["value"][2:])
    return Term("literal", term["value"], term["datatype"], term.get("language"))


def _as_quads(dataset: Mapping[str, list[dict[str, Any]]]) -> list[Quad]:
    quads: list[Quad] = []
    for graph_name, triples in dataset.items():
        graph = None
        if graph_name != "@default":
            graph = (
                Term("blank", graph_name[2:])
                if graph_name.startswith("_:")
                else Term("iri", graph_name)
            )
        for triple in triples:
            quads.append(
                Quad(
                    _term(triple["subject"]),
                    _term(triple["predicate"]),
                    _term(triple["object"]),
                    graph,
                )
            )
    return quads


# -- what expansion must not let through -------------------------------------------------
# (_SCHEME, _SPACE: what an absolute IRI is, shared with the compiled walk in expansion.py)
_LANGUAGE_TAG = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*", re.ASCII)  # jsonld.js BCP47
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
_MAX_EXACT_INTEGER = 2**53  # I-JSON: beyond it JavaScript rounds integers
_NODE_KEYWORDS = {"@id", "@type", "@graph", "@included", "@reverse"}
_VALUE_KEYWORDS = {"@value", "@type", "@language", "@direction"}


def _check_text(text: str, what: str) -> None:
    if _LONE_SURROGATE.search(text):
        raise ContextError(f"{what} holds a lone surrogate: not Unicode text")


def _check_iri(iri: Any, what: str, *, blank_allowed: bool = True) -> None:
    if not isinstance(iri, str):
        raise ContextError(f"{what} {_describe(iri)} is not a string")
    _check_text(iri, what)
    if iri.startswith("_:"):
        if blank_allowed:
            return
        raise ContextError(f"{what} {iri!r} is a blank node: it would not be signed")
    if not _SCHEME.match(iri) or _SPACE.search(iri):
        raise ContextError(
            f"{what} {iri!r} is not an absolute IRI (undefined term, or space in it)"
        )


def check_number(value: float, what: str = "number") -> None:
    """Refuse a JSON number whose canonical form depends on the implementation.

    JavaScript rounds integers past 2**53, writes 1e-7 as the integer "0" (jsonld.js
    tests for a "." in String(value)) and breaks 16-digit rounding ties away from zero
    where C and Python round half to even. Such numbers are refused, not guessed at.
    """
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > _MAX_EXACT_INTEGER:
            raise ContextError(f"{what} {value} is beyond 2**53: implementations round it")
        return
    if not math.isfinite(value):
        raise ContextError(f"{what} {value} is not a finite number")
    if not value.is_integer() and "." not in repr(value):
        raise ContextError(f"{what} {value!r}: implementations disagree on its canonical form")
    digits = Decimal(value).as_tuple().digits
    if len(digits) > 16 and digits[16] == 5 and not any(digits[17:]) and digits[15] % 2 == 0:
        raise ContextError(f"{what} {value!r} is a rounding tie: implementations disagree")


def _check_json_literal(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item, "a JSON literal")
        elif isinstance(item, dict):
            for key, inner in item.items():
                _check_text(key, "a JSON literal key")
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, int | float):
            check_number(item, "a number in a JSON literal")


def _check_value(item: Mapping[str, Any]) -> None:
    unknown = set(item) - _VALUE_KEYWORDS
    if unknown:
        raise ContextError(f"{sorted(unknown)[0]} in a value is not signed")
    value, datatype = item["@value"], item.get("@type")
    if datatype == "@json":
        _check_json_literal(value)
        return
    if datatype is not None:
        _check_iri(datatype, "value @type", blank_allowed=False)
    if "@language" in item and not _LANGUAGE_TAG.fullmatch(str(item["@language"])):
        raise ContextError(f"@language {item['@language']!r} is not a well-formed language tag")
    if isinstance(value, str):
        _check_text(value, "a string")
        if datatype == XSD_DOUBLE:
            if not _DECIMAL.fullmatch(value):
                raise ContextError(f"xsd:double value {value!r} is not a decimal number")
            check_number(float(value), "xsd:double value")
    elif isinstance(value, int | float):
        check_number(value)


def _check_directions(values: Any) -> None:
    """Two values that differ only in ``@direction`` are one value to pyld and jsonld.js
    (their node maps compare @value, @type, @language): the second would be dropped from
    the signed quads while the JSON still shows it."""
    seen: dict[tuple[str, str, str], Any] = {}
    for item in values if isinstance(values, list) else [values]:
        if isinstance(item, dict) and "@value" in item:
            key = (repr(item["@value"]), str(item.get("@type")), str(item.get("@language")))
            direction = item.get("@direction")
            if key in seen and seen[key] != direction:
                raise ContextError("two values differ only in @direction: one would be unsigned")
            seen.setdefault(key, direction)


def _check_expanded(expanded: Any) -> None:
    """Refuse what no signed quad would carry, or what implementations read differently.

    Relative or spaced IRIs and blank-node predicates would be dropped from the RDF;
    ``@index`` never reaches RDF at all (jsonld.js accepts it; we do not sign or verify
    bytes no quad covers); an object inside a graph with nothing but an ``@id`` or a
    value is dropped by jsonld.js; numbers and language tags must read the same in
    Python and JavaScript.
    """
    stack: list[tuple[Any, bool]] = [(expanded, False)]
    while stack:
        item, in_graph = stack.pop()
        if isinstance(item, list):
            stack.extend((entry, in_graph) for entry in item)
            continue
        if not isinstance(item, dict):
            continue
        if in_graph and (not item or "@value" in item or "@list" in item or set(item) == {"@id"}):
            raise ContextError(f"{_describe(item)} inside a graph would be dropped, unsigned")
        if "@value" in item:
            _check_value(item)
            continue
        for key, value in item.items():
            if key == "@id":
                _check_iri(value, "@id")
            elif key == "@type":
                for type_iri in value if isinstance(value, list) else [value]:
                    _check_iri(type_iri, "@type")
            elif key == "@graph":
                stack.append((value, True))
            elif key in ("@list", "@included"):
                stack.append((value, False))
            elif key == "@reverse":
                for prop, values in value.items():
                    _check_iri(prop, "@reverse property", blank_allowed=False)
                    stack.append((values, False))
            elif key.startswith("@"):
                raise ContextError(f"{key} carries data that no signed quad covers")
            elif value != []:  # a property without values makes no quad (jsonld.js agrees)
                _check_iri(key, "property", blank_allowed=False)
                _check_directions(value)
                stack.append((value, False))
