"""Compacted JSON-LD straight to quads, for the documents this walk fully understands.

pyld expands a document, builds a node map and only then writes quads: three passes,
each general enough for all of JSON-LD 1.1. Credentials use a small part of it: node
objects, ``id`` and ``type``, strings, integers and booleans under terms of the bundled
contexts (with their type coercions), nested nodes, and embedded proofs (a ``@graph``
container). :func:`compacted_to_rows` walks such a document once and writes its quads, already
serialised as canonical N-Quads terms (``rdfc.Row``), while counting the JSON bounds.

The walk is held to pyld's reference path, not to a reading of the spec: context
processing is pyld's own (the caller's :class:`Contexts`, so scoped contexts, protected
terms and non-propagated type-scoped contexts are pyld's), and it re-does pyld's
``_expand`` steps that pick the active context in the same order. Whatever else it meets
- any other keyword (``@value``, ``@list``, ``@graph``, ``@nest``, ``@included``,
``@reverse``, ``@index``, ``@json``...), a nested ``@context``, a term the contexts do not
define, a compact IRI key, a container other than ``@set``/``@graph``, a language or
direction, a float, a null, a relative IRI, a blank-node type - raises
:class:`Unsupported`, and the caller runs the reference path, which either accepts the
document (with the same quads) or refuses it with its own typed error. So the walk
never refuses anything itself and never decides what safe mode allows; it only has to
be exact on what it accepts (``tests/unit/test_jsonld_differential.py``).

Blank-node labels are fresh (``_:b0``, ``_:b1``... in walk order, a document's own
labels mapped to fresh ones): RDFC-1.0 relabels them, so only the graph shape counts.
Quads come out in no particular order and without duplicates (pyld's node map merges
nodes with one ``@id`` and drops values equal to one already there; on the values this
walk accepts that is exactly "the same quad").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any, Protocol

from .rdfc import Blank, Row, datatype_suffix, escape_literal, iri_text

XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MAX_EXACT_INTEGER = 2**53  # I-JSON: beyond it JavaScript rounds integers

# jsonld.js calls an IRI absolute by /^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$/ (the class
# "+-." is a range: + , - .). JavaScript's \s and Python's differ (U+001C-U+001F and U+0085
# are space only to Python, U+FEFF only to JavaScript), so an IRI holding any of them would
# be kept by one implementation and dropped by the other: refuse all of them.
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+,.-]*:")
SPACE = re.compile(
    "[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
)
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Unsupported(Exception):
    """The walk met something it does not handle exactly: use the reference path."""


class Contexts(Protocol):
    """pyld's context processing, as the reference path runs it (with its memo)."""

    @property
    def scope(self) -> object | None:
        """What a context URL means depends on (a context set's memo); None: not kept."""
        ...

    def process(
        self, active: Any, local: Any, *, override_protected: bool = False, propagate: bool = True
    ) -> Any: ...


_NOT_IN_IRI = re.compile(f"{SPACE.pattern[:-1]}{LONE_SURROGATE.pattern[1:]}")  # one scan


def _absolute(iri: str) -> bool:
    # the test the reference path's safe-mode check applies to every IRI it keeps
    return SCHEME.match(iri) is not None and _NOT_IN_IRI.search(iri) is None


# A compiled term: its IRI (or "@id"/"@type"), what a string value becomes, whether its
# values are wrapped in graphs, its scoped context, its IRI as N-Quads writes it, and what
# follows a literal's quoted value under it (None: the value's own datatype). None: a term
# the walk leaves to pyld.
_ID, _VOCAB, _PLAIN = "@id", "@vocab", ""
_Compiled = tuple[str, str, bool, Any, str, "str | None"]


def _compile(ctx: Mapping[str, Any], term: str) -> _Compiled | None:
    """What the reference path does with ``term`` under ``ctx``, if the walk can do it too."""
    if term.startswith("@"):
        return (term, _PLAIN, False, None, term, None) if term in ("@id", "@type") else None
    mappings = ctx["mappings"]
    if term not in mappings:
        return None  # undefined (safe mode refuses), an IRI or a compact IRI key
    mapping = mappings[term]
    if mapping is None or mapping.get("reverse") or "@nest" in mapping or "@index" in mapping:
        return None
    iri = mapping.get("@id")
    if iri in ("@id", "@type"):
        return (iri, _PLAIN, False, None, iri, None)
    if not isinstance(iri, str) or iri.startswith("_:") or not _absolute(iri):
        return None
    container = mapping.get("@container") or []
    if container not in ([], ["@set"], ["@graph"], ["@graph", "@set"], ["@set", "@graph"]):
        return None
    # get_context_value(ctx, term, "@language" / "@direction"): the term's, else the default
    language = mapping["@language"] if "@language" in mapping else ctx.get("@language")
    direction = mapping["@direction"] if "@direction" in mapping else ctx.get("@direction")
    coercion = mapping.get("@type")
    if coercion is None or coercion == "@none":
        if language is not None or direction is not None:
            return None
        coercion = _PLAIN
    elif coercion not in (_ID, _VOCAB):
        # a datatype: must be one the safe-mode check keeps, and not one pyld rewrites
        if not isinstance(coercion, str) or coercion.startswith(("@", "_:")):
            return None
        if coercion == XSD_DOUBLE or not _absolute(coercion):
            return None
    suffix = None if coercion in (_PLAIN, _ID, _VOCAB) else datatype_suffix(coercion)
    return (iri, coercion, "@graph" in container, mapping.get("@context"), iri_text(iri), suffix)


class _Tables:
    """Compiled terms per active context. Contexts are frozen and memoised by the caller,
    so the same objects come back; a table is kept with its context (identity checked)."""

    MAX_CONTEXTS = 1024

    def __init__(self) -> None:
        self._tables: dict[int, tuple[Any, _Table]] = {}

    def of(self, ctx: Any) -> _Table:
        entry = self._tables.get(id(ctx))
        if entry is None or entry[0] is not ctx:
            if len(self._tables) >= self.MAX_CONTEXTS:
                self._tables.clear()
            entry = self._tables[id(ctx)] = (ctx, _Table(ctx))
        return entry[1]

    def __call__(self, ctx: Any) -> _Table:
        """``of``, inlined where the walk asks for tables most."""
        entry = self._tables.get(id(ctx))
        return entry[1] if entry is not None and entry[0] is ctx else self.of(ctx)


class _Table(dict[str, "_Compiled | None"]):
    """term -> its compiled form under one context, compiled when first asked for."""

    __slots__ = ("ctx",)

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx

    def __missing__(self, key: str) -> _Compiled | None:
        compiled = self[key] = _compile(self.ctx, key)
        return compiled


_TABLES = _Tables()


# Inside the walk a term is its N-Quads text (an IRI "<...>", a literal '"..."' with its
# datatype), or a blank node's label as a rdfc.Blank; a quad is an rdfc.Row, so RDFC-1.0
# joins lines from these strings without serialising anything again. The default graph
# is "". Serialisation is injective, so equal rows are equal quads (duplicates drop).
XSD_BOOLEAN_SUFFIX = datatype_suffix(XSD_BOOLEAN)
XSD_INTEGER_SUFFIX = datatype_suffix(XSD_INTEGER)
RDF_TYPE_TEXT = iri_text(RDF_TYPE)


class _Walk:
    __slots__ = ("blank", "contexts", "labels", "max_per_property", "max_values", "rows", "values")

    def __init__(self, contexts: Contexts, max_values: int, max_per_property: int) -> None:
        self.contexts = contexts
        self.rows: dict[Row, None] = {}
        self.labels: dict[str, str] = {}
        self.blank = 0
        # the JSON bounds (jsonld.check_json_bounds) counted on the way: past one, the walk
        # steps aside and the reference path's check refuses the document
        self.values = 1
        self.max_values = max_values
        self.max_per_property = max_per_property

    def fresh(self) -> str:
        self.blank += 1
        return Blank(f"b{self.blank}")

    def node_id(self, ctx: Any, value: Any) -> str:
        """An ``@id`` or an ``@id``-coerced string: document-relative expansion, base None."""
        if not isinstance(value, str) or value.startswith("@"):
            raise Unsupported
        colon = value.find(":")
        if colon > 0:
            prefix, suffix = value[:colon], value[colon + 1 :]
            if prefix == "_":
                if not suffix:
                    raise Unsupported
                label = self.labels.get(value)
                if label is None:
                    label = self.labels[value] = self.fresh()
                return label
            if not suffix.startswith("//"):
                mapping = ctx["mappings"].get(prefix)
                if mapping and mapping["_prefix"]:
                    raise Unsupported  # a compact IRI: leave it to pyld
        if not _absolute(value):
            raise Unsupported
        return iri_text(value)

    def vocab_iri(self, ctx: Any, value: Any) -> str:
        """A type or an ``@vocab``-coerced string: expanded as a term, else an IRI."""
        if not isinstance(value, str):
            raise Unsupported
        compiled = _TABLES(ctx)[value]
        if compiled is not None and not compiled[0].startswith("@"):
            return compiled[4]
        if value in ctx["mappings"] or "@vocab" in ctx or value.startswith(("@", "_:")):
            raise Unsupported
        colon = value.find(":")
        if colon > 0 and not value[colon + 1 :].startswith("//"):
            mapping = ctx["mappings"].get(value[:colon])
            if mapping and mapping["_prefix"]:
                raise Unsupported
        if not _absolute(value):
            raise Unsupported
        return iri_text(value)

    @staticmethod
    def literal(value: Any, suffix: str | None) -> str:
        """A literal's N-Quads text; ``suffix`` None: the datatype of the JSON value."""
        if isinstance(value, str):
            if not value.isascii() and LONE_SURROGATE.search(value):
                raise Unsupported
            return f'"{escape_literal(value)}"' + ("" if suffix is None else suffix)
        if isinstance(value, bool):
            text = '"true"' if value else '"false"'
            return text + (XSD_BOOLEAN_SUFFIX if suffix is None else suffix)
        if isinstance(value, int) and abs(value) <= MAX_EXACT_INTEGER:
            return f'"{value}"' + (XSD_INTEGER_SUFFIX if suffix is None else suffix)
        raise Unsupported  # floats, nulls, big integers: pyld's rules and safe mode's

    def node(
        self,
        ctx: Any,
        active_property: str | None,
        element: Mapping[str, Any],
        graph: str,
        *,
        in_graph: bool = False,
    ) -> str:
        """pyld's ``_expand`` of a node object (its context steps in its order, see
        ``_plan``), then the node's quads; returns the node's subject."""
        type_scoped, node_ctx, id_key, keys = self.plan(ctx, active_property, element)
        subject = self.fresh() if id_key is None else self.node_id(node_ctx, element[id_key])
        rows = self.rows
        properties = False
        for key, iri, coercion, wrap, predicate, suffix, term_ctx in keys:
            value = element[key]
            # the JSON bounds: every value counts, an array's items too
            if isinstance(value, list):
                if len(value) > self.max_per_property:
                    raise Unsupported
                self.values += 1 + len(value)
            else:
                self.values += 1
            if self.values > self.max_values:
                raise Unsupported
            if not iri:
                continue  # @context, the @id key
            if iri == "@type":
                # types expand in the context from before the type-scoped ones (pyld)
                for type_ in value if isinstance(value, list) else [value]:
                    row = (
                        subject,
                        RDF_TYPE_TEXT,
                        self.vocab_iri(type_scoped, type_),
                        graph,
                        RDF_TYPE,
                    )
                    rows[row] = None
                properties = True
                continue
            if isinstance(value, list) and not value:
                raise Unsupported  # an empty array: left to the reference path
            for item in value if isinstance(value, list) else [value]:
                if type(item) is str and not coercion and not wrap:  # most values
                    if not item.isascii() and LONE_SURROGATE.search(item):
                        raise Unsupported
                    obj = f'"{escape_literal(item)}"'  # an uncoerced string: xsd:string
                elif isinstance(item, str | int | float) or item is None:  # a scalar
                    if wrap:
                        raise Unsupported  # a value in a graph
                    if coercion == _ID and isinstance(item, str):
                        obj = self.node_id(term_ctx, item)
                    elif coercion == _VOCAB and isinstance(item, str):
                        obj = self.vocab_iri(term_ctx, item)
                    else:
                        obj = self.literal(item, suffix)
                elif isinstance(item, Mapping):
                    if wrap:
                        inner = self.fresh()
                        self.node(term_ctx, key, item, inner, in_graph=True)
                        rows[(subject, predicate, inner, graph, iri)] = None
                        continue
                    obj = self.node(term_ctx, key, item, graph)
                else:
                    raise Unsupported  # nested arrays, or not JSON at all
                rows[(subject, predicate, obj, graph, iri)] = None
            properties = True
        if not properties and (in_graph or active_property is None):
            raise Unsupported  # dropped by pyld, refused by safe mode: the reference decides
        if not properties and id_key is None:
            raise Unsupported  # an empty object
        return subject

    def plan(self, ctx: Any, active_property: str | None, element: Mapping[str, Any]) -> _Plan:
        """``_plan``, kept for nodes of one shape: it depends only on the context, the
        property, the keys in their order and the types (``type``/``@type`` values), and
        for the top node on its ``@context`` URLs and what they mean (``Contexts.scope``:
        the initial context is every context set's)."""
        cache_key: tuple[Any, ...] | None = None
        scope = None
        types = _type_signature(element)
        if types is not None:
            if "@context" not in element:
                cache_key = (id(ctx), active_property, tuple(element), types)
            elif active_property is None:
                urls = _urls(element["@context"])
                scope = self.contexts.scope
                if scope is not None and urls is not None:
                    cache_key = (id(ctx), None, tuple(element), types, urls, id(scope))
            if cache_key is not None:
                found = _PLANS.get(cache_key)
                if found is not None and found[0] is ctx and found[1] is scope:
                    return found[2]
        plan, type_key = self._plan(ctx, active_property, element)
        # another alias of @type would make the types of the signature the wrong ones
        if cache_key is not None and type_key in (None, "type", "@type"):
            if len(_PLANS) >= MAX_PLANS:
                _PLANS.clear()
            _PLANS[cache_key] = (ctx, scope, plan)
        return plan

    def _plan(
        self, ctx: Any, active_property: str | None, element: Mapping[str, Any]
    ) -> tuple[_Plan, str | None]:
        """The contexts pyld's ``_expand`` applies to a node, in its order, and what each
        key of the node is under them; with the key that holds the types."""
        process = self.contexts.process
        table = _TABLES(ctx)
        property_scoped = None
        if active_property is not None:
            compiled = table[active_property]
            if compiled is None:
                raise Unsupported
            property_scoped = compiled[3]
        # revert a non-propagated type-scoped context unless the element is a reference
        previous = ctx.get("previousContext")
        if previous is not None:
            must_revert = True
            if len(element) <= 2 and "@context" not in element:
                for key in sorted(element):
                    compiled = table[key]
                    if compiled is None:
                        if key.startswith("@") or key in ctx["mappings"]:
                            raise Unsupported  # maybe @value: the reference path decides
                        continue
                    if compiled[0] == "@id" and len(element) == 1:
                        must_revert = False
                        break
            if must_revert:
                ctx = previous
        if property_scoped is not None:
            ctx = process(ctx, property_scoped, override_protected=True)
        if "@context" in element:
            if active_property is not None:
                raise Unsupported  # nested contexts: the reference path checks them
            ctx = process(ctx, element["@context"])
        # type-scoped contexts, looked up in the context before any of them applies
        type_scoped = ctx
        table = _TABLES(ctx)
        type_key: str | None = None
        types: list[str] = []
        for key in element:
            compiled = table[key]
            if compiled is not None and compiled[0] == "@type":
                if type_key is not None:
                    raise Unsupported  # two keys for @type: pyld merges them, we do not
                type_key = key
                value = element[key]
                values = value if isinstance(value, list) else [value]
                if not values or not all(isinstance(t, str) for t in values):
                    raise Unsupported
                types.extend(values)
        if types:
            mappings = ctx["mappings"]
            for type_ in sorted(types):
                mapping = mappings.get(type_)
                scoped = mapping.get("@context") if mapping else None
                if scoped is not None and scoped is not False:
                    ctx = process(ctx, scoped, propagate=False)
            table = _TABLES(ctx)
        id_key: str | None = None
        for key in element:
            compiled = table[key]
            if compiled is not None and compiled[0] == "@id":
                if id_key is not None:
                    raise Unsupported  # colliding keywords: pyld's error
                id_key = key
        keys: list[_KeyPlan] = []
        for key in element:
            compiled = table[key]
            if compiled is None:
                if key == "@context":
                    keys.append((key, "", "", False, "", None, None))
                    continue
                raise Unsupported
            iri, coercion, wrap, scoped, predicate, suffix = compiled
            # a type-scoped context could make another key @id or @type, or unmake one
            if (iri == "@id") != (key == id_key) or (iri == "@type") != (key == type_key):
                raise Unsupported
            if iri == "@id":
                keys.append((key, "", "", False, "", None, None))
                continue
            term_ctx = ctx
            if scoped is not None and iri != "@type":
                term_ctx = process(ctx, scoped, override_protected=True)
                compiled = _TABLES(term_ctx)[key]  # the term as its own scope defines it
                if compiled is None or compiled[0] != iri or compiled[2] != wrap:
                    raise Unsupported
                coercion, suffix = compiled[1], compiled[5]
            keys.append((key, iri, coercion, wrap, predicate, suffix, term_ctx))
        return (type_scoped, ctx, id_key, tuple(keys)), type_key


# What a node's key is: (key, IRI or "@type" or "" to skip, coercion, graph container,
# predicate text, literal suffix, the context its values expand in); a node's plan: (the
# context its types expand in, its own context, its @id key, its keys' plans).
_KeyPlan = tuple[str, str, str, bool, str, "str | None", Any]
_Plan = tuple[Any, Any, "str | None", tuple[_KeyPlan, ...]]
_PLANS: dict[tuple[Any, ...], tuple[Any, object | None, _Plan]] = {}
MAX_PLANS = 1024  # as many as _Tables: each keeps its contexts alive


def _urls(local: Any) -> tuple[str, ...] | None:
    """A local context of URLs as a key; None for anything else (never kept)."""
    if type(local) is str:
        return (local,)
    if type(local) is list and all(type(url) is str for url in local):
        return tuple(local)
    return None


def _type_signature(element: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The values of ``type`` and ``@type`` as a key, or None if they are not strings."""
    signature: list[Any] = []
    for name in ("type", "@type"):
        value = element.get(name)
        if value is None or type(value) is str:
            signature.append(value)
        elif type(value) is list and all(type(t) is str for t in value):
            signature.append(tuple(value))
        else:
            return None
    return tuple(signature)


def compacted_to_rows(
    document: Mapping[str, Any],
    initial: Any,
    contexts: Contexts,
    *,
    max_values: int,
    max_per_property: int,
) -> list[Row]:
    """The quads of ``document`` as pyld's reference path makes them, or Unsupported.

    ``initial`` is pyld's initial active context; ``contexts`` processes contexts exactly as
    the reference path does. The document's JSON is held to the bounds of
    ``jsonld.check_json_bounds`` (more than ``max_values`` values, an array of more than
    ``max_per_property``: Unsupported, and the reference path's check refuses it), the
    caller checks its ``@context`` entries. A node with more than ``max_per_property``
    values of one property (nodes with one ``@id`` merge) is Unsupported too: the
    reference path refuses it.
    """
    walk = _Walk(contexts, max_values, max_per_property)
    try:
        walk.node(initial, None, document, "")
    except RecursionError:
        raise Unsupported from None
    rows = list(walk.rows)
    # nodes with one @id merge, so a property can hold more values than one array did
    if len(rows) > max_per_property:
        counts = Counter((s, p, g) for s, p, _, g, _ in rows)
        if max(counts.values()) > max_per_property:
            raise Unsupported
    return rows
