"""RDF Dataset Canonicalization (RDFC-1.0), bounded, byte-identical with rdf-canonize.

Pure core: quads in, canonical N-Quads out. Written to match Digital Bazaar's
``rdf-canonize`` 5.x (the library every JavaScript Data Integrity verifier and
our offline page run) byte for byte, and the W3C spec where they agree:

* N-Quads escaping as RDFC-1.0 / RDF 1.2 canonical form: in literals U+0000-U+001F,
  U+007F, ``"`` and ``\\`` are escaped (``\\b \\t \\n \\f \\r`` as ECHAR, the rest as
  ``\\uXXXX``); in IRIs U+0000-U+0020 and ``<>"{}|^`\\`` as ``\\uXXXX``. (pyld escapes
  only tab, newline, carriage return, quote and backslash, so its bytes differ.)
* A quad is related once to a blank node, however often the node occurs in it.
* Deep iterations (Hash N-Degree Quads calls) are limited as rdf-canonize's default
  ``maxWorkFactor`` 1 does: at most as many as there are blank nodes with non-unique
  first-degree hashes. The JS stack refuses beyond that; so do we.

On top, a real work budget (the spec's "mitigating poison graphs" note): every
first-degree serialisation, every hash of a related blank node, every Hash N-Degree
Quads call and every permutation step (weighted by its length and its issuer copy)
costs work; past ``Limits.max_work`` canonicalisation stops with :class:`WorkLimitError`,
as it does past ``Limits.max_recursion`` levels of recursion. Limits on quads and blank
nodes are checked before any hashing.

Where implementations order strings differently (JavaScript sorts by UTF-16 code
unit, the spec and Python by code point; the two differ only when astral characters
meet U+E000-U+FFFF at the deciding position) the result would depend on who
computes it: we refuse such a dataset rather than pick one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from itertools import chain

from .errors import CanonicalizationError, WorkLimitError

RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True, slots=True)
class Term:
    """An RDF term. ``kind`` is "iri", "blank" (``value`` without ``_:``) or "literal"."""

    kind: str
    value: str
    datatype: str = XSD_STRING
    language: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Quad:
    """A quad; ``graph`` None is the default graph. Compared by identity, as rdf-canonize."""

    subject: Term
    predicate: Term
    object: Term
    graph: Term | None = None


@dataclass(frozen=True)
class Limits:
    """Bounds on turning one JSON-LD document into canonical N-Quads (docs/bounds.md).

    Each is checked before or while doing the work it protects, and each refusal is a
    :class:`WorkLimitError` whose ``limit`` is the field's name:

    * on the JSON, before pyld expands it (:func:`vcissue.jsonld.check_json_bounds`):
      ``max_json_values`` (objects, arrays and scalars), ``max_values_per_property``
      (one key's array, nested arrays flattened; checked again in the node map, where
      objects with one ``@id`` merge) and ``max_contexts`` (``@context`` entries in the
      whole document);
    * while expanding: ``max_context_work``, the term definitions of every context
      processing the memo cannot answer (a distinct run of type-scoped contexts is one);
    * on the dataset, before any hashing (here): ``max_quads``, ``max_blank_nodes``;
    * while hashing: ``max_work``, in units of about one hash (a quad serialised for a
      first-degree hash, a related hash, a Hash N-Degree Quads call, a permutation step,
      plus a unit per four elements of the permutation and per 32 identifiers the step's
      issuer copy holds), ``max_recursion`` (how deep Hash N-Degree Quads recurses: a
      chain of indistinguishable blank nodes would otherwise exhaust the Python stack),
      and rdf-canonize's deep-iteration limit, which is not a field: it is the number of
      blank nodes whose first-degree hashes are shared, as the JavaScript stack counts it.

    The defaults keep verifying any input of up to 1 MB of JSON under a second of CPU on
    the reference machine (2 cores) with room for a loaded machine: at 8,000 JSON values
    the worst shape (8,000 nested blank nodes) took 0.64-1.08 s, so 6,500 (about 0.53 s
    measured by bench/bench_hostile.py), and leave a credential with 80 learning
    outcomes and results three times the room it uses on every bound.
    """

    max_json_values: int = 6_500
    max_values_per_property: int = 2_000
    max_contexts: int = 32
    max_context_work: int = 50_000
    max_quads: int = 20_000
    max_blank_nodes: int = 10_000
    max_work: int = 40_000
    max_recursion: int = 256


DEFAULT_LIMITS = Limits()
UNBOUNDED = Limits(*(2**62 for _ in range(len(fields(Limits)))))
"""No bound at all: for measuring what a document uses (``jsonld.bounds_usage``), never
for untrusted input."""

_LITERAL_ESCAPES = {n: f"\\u{n:04X}" for n in [*range(0x20), 0x7F]} | {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}
_IRI_ESCAPES = {n: f"\\u{n:04X}" for n in [*range(0x21), *map(ord, '<>"{}|^`\\')]}
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# str.translate looks up every character; most strings need no escape at all
_LITERAL_NEEDS = re.compile('[\x00-\x1f\x7f"\\\\]')
_IRI_NEEDS = re.compile('[\x00-\x20<>"{}|^`\\\\]')


def escape_literal(value: str) -> str:
    return value.translate(_LITERAL_ESCAPES) if _LITERAL_NEEDS.search(value) else value


def escape_iri(value: str) -> str:
    return value.translate(_IRI_ESCAPES) if _IRI_NEEDS.search(value) else value


def _component(term: Term, label: str | None = None) -> str:
    if term.kind == "iri":
        return f"<{escape_iri(term.value)}>"
    if term.kind == "blank":
        return f"_:{term.value if label is None else label}"
    text = f'"{escape_literal(term.value)}"'
    if term.datatype == RDF_LANGSTRING:
        return f"{text}@{term.language}" if term.language else text
    if term.datatype != XSD_STRING:
        return f"{text}^^<{escape_iri(term.datatype)}>"
    return text


def serialize_quad(
    quad: Quad,
    subject: str | None = None,
    obj: str | None = None,
    graph: str | None = None,
) -> str:
    """One canonical N-Quads line; the optional labels replace blank-node labels."""
    line = f"{_component(quad.subject, subject)} <{escape_iri(quad.predicate.value)}> "
    line += _component(quad.object, obj)
    if quad.graph is not None:
        line += " " + _component(quad.graph, graph)
    return line + " .\n"


# A row: a quad with its components serialised once - (subject, predicate, object, graph,
# predicate IRI), each the N-Quads text of its term, or a blank node's label as a _Blank,
# and "" for the default graph - so that lines are joined from these strings instead of
# being serialised again for every first-degree hash and for the output. The compiled
# JSON-LD walk (expansion.py) writes rows directly.
class _Blank(str):
    __slots__ = ()


Blank = _Blank
Row = tuple[str, str, str, str, str]


def iri_text(iri: str) -> str:
    """An IRI as N-Quads writes it."""
    return f"<{escape_iri(iri)}>"


def datatype_suffix(datatype: str) -> str:
    """What follows a literal's quoted value: nothing for xsd:string."""
    return "" if datatype == XSD_STRING else f"^^<{escape_iri(datatype)}>"


def _part(term: Term) -> str:
    return _Blank(term.value) if term.kind == "blank" else _component(term)


def _quad_row(quad: Quad) -> Row:
    graph = quad.graph
    predicate = quad.predicate.value
    return (
        _part(quad.subject),
        f"<{escape_iri(predicate)}>",
        _part(quad.object),
        "" if graph is None else _part(graph),
        predicate,
    )


_UNESCAPE = re.compile(r'\\(?:u([0-9A-F]{4})|([btnfr"\\]))')
_ECHARS = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _UNESCAPE.sub(
        lambda m: chr(int(m.group(1), 16)) if m.group(1) else _ECHARS[m.group(2)], text
    )


def _term_of(part: str) -> Term:
    if type(part) is _Blank:
        return Term("blank", str(part))
    if part.startswith("<"):
        return Term("iri", _unescape(part[1:-1]))
    # a literal: escaped quotes are \", so the value ends at the last plain quote
    end = part.rindex('"')
    suffix = part[end + 1 :]
    datatype = _unescape(suffix[3:-1]) if suffix else XSD_STRING
    return Term("literal", _unescape(part[1:end]), datatype)


def rows_to_quads(rows: Sequence[Row]) -> list[Quad]:
    """Rows (the walk's output) as :class:`Quad` values, equal terms shared."""
    terms: dict[str, Term] = {}

    def term(part: str) -> Term:
        key = ("_:" + part) if type(part) is _Blank else part
        found = terms.get(key)
        if found is None:
            found = terms[key] = _term_of(part)
        return found

    return [Quad(term(s), term(p), term(o), term(g) if g else None) for s, p, o, g, _ in rows]


def _line(row: Row, labels: dict[str, str]) -> str:
    """One N-Quads line; a blank node's label is looked up in ``labels``."""
    subject, predicate, obj, graph, _ = row
    if type(subject) is _Blank:
        subject = "_:" + labels[subject]
    if type(obj) is _Blank:
        obj = "_:" + labels[obj]
    if not graph:
        return f"{subject} {predicate} {obj} .\n"
    if type(graph) is _Blank:
        graph = "_:" + labels[graph]
    return f"{subject} {predicate} {obj} {graph} .\n"


class _FirstDegree(dict[str, str]):
    """Labels for Hash First Degree Quads: ``a`` for the node, ``z`` for any other."""

    __slots__ = ("node",)

    def __init__(self, node: str) -> None:
        super().__init__()
        self.node = node

    def __missing__(self, label: str) -> str:
        return "a" if label == self.node else "z"


class _Issuer:
    """An identifier issuer: old label -> prefix + counter, in issue order."""

    __slots__ = ("issued", "prefix")

    def __init__(self, prefix: str, issued: dict[str, str] | None = None) -> None:
        self.prefix = prefix
        self.issued: dict[str, str] = {} if issued is None else issued

    def get(self, old: str) -> str:
        found = self.issued.get(old)
        if found is None:
            found = self.issued[old] = f"{self.prefix}{len(self.issued)}"
        return found

    def copy(self) -> _Issuer:
        return _Issuer(self.prefix, dict(self.issued))


def _permutations(items: list[str]) -> Iterator[list[str]]:
    """Steinhaus-Johnson-Trotter from the sorted list, in rdf-canonize's Permuter order."""
    current = sorted(items)
    left = dict.fromkeys(current, True)
    length = len(current)
    while True:
        yield current[:]
        mobile: str | None = None
        position = 0
        for i, element in enumerate(current):
            looks_left = left[element]
            if (mobile is None or element > mobile) and (
                (looks_left and i > 0 and element > current[i - 1])
                or (not looks_left and i < length - 1 and element > current[i + 1])
            ):
                mobile, position = element, i
        if mobile is None:
            return
        swap = position - 1 if left[mobile] else position + 1
        current[position], current[swap] = current[swap], mobile
        for element in current:
            if element > mobile:
                left[element] = not left[element]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Canonicaliser:
    def __init__(self, rows: Sequence[Row], limits: Limits, check_order: bool) -> None:
        self.rows = rows
        self.limits = limits
        self.work_left = limits.max_work
        self.deep_left = 0
        self.deep_max = 0
        self.canonical = _Issuer("c14n")
        # blank node -> the rows it occurs in (each once), in first-seen order
        self.node_rows: dict[str, list[Row]] = {}
        self.first_degree: dict[str, str] = {}
        # Where implementations order strings differently (see the module docstring)
        self.check_order = check_order
        self.deepest = 0  # the deepest Hash N-Degree Quads recursion so far

    def spend(self, units: int) -> None:
        self.work_left -= units
        if self.work_left < 0:
            raise WorkLimitError(
                "max_work",
                f"canonicalisation work budget of {self.limits.max_work} exceeded "
                "(a poisoned blank-node graph?)",
            )

    def sort_lines(self, lines: list[str]) -> None:
        lines.sort()
        if self.check_order and lines != sorted(lines, key=lambda s: s.encode("utf-16-be")):
            raise CanonicalizationError(
                "these strings sort differently by code point and by UTF-16 code unit, "
                "so implementations would disagree on the canonical form"
            )

    def run(self) -> str:
        if len(self.rows) > self.limits.max_quads:
            raise WorkLimitError(
                "max_quads", f"{len(self.rows)} quads exceed the limit of {self.limits.max_quads}"
            )
        node_rows = self.node_rows
        for row in self.rows:
            for part in (row[0], row[2], row[3]):
                if type(part) is _Blank:
                    related = node_rows.get(part)
                    if related is None:
                        node_rows[part] = [row]
                    elif related[-1] is not row:  # a quad is related once to a node
                        related.append(row)
        if len(node_rows) > self.limits.max_blank_nodes:
            raise WorkLimitError(
                "max_blank_nodes",
                f"{len(node_rows)} blank nodes exceed the limit of {self.limits.max_blank_nodes}",
            )

        by_hash: dict[str, list[str]] = {}
        for node in self.node_rows:
            by_hash.setdefault(self.hash_first_degree(node), []).append(node)
        non_unique: list[list[str]] = []
        for digest in sorted(by_hash):
            nodes = by_hash[digest]
            if len(nodes) > 1:
                non_unique.append(nodes)
            else:
                self.canonical.get(nodes[0])
        self.deep_max = self.deep_left = sum(len(nodes) for nodes in non_unique)
        for nodes in non_unique:
            results: list[tuple[str, _Issuer]] = []
            for node in nodes:
                if node in self.canonical.issued:
                    continue
                issuer = _Issuer("b")
                issuer.get(node)
                results.append(self.hash_n_degree(node, issuer, 1))
            results.sort(key=lambda result: result[0])  # stable, as Array.prototype.sort
            for _, issuer in results:
                for old in issuer.issued:
                    self.canonical.get(old)

        label = self.canonical.issued
        lines = [_line(row, label) for row in self.rows]
        self.sort_lines(lines)
        return "".join(lines)

    def hash_first_degree(self, node: str) -> str:
        related = self.node_rows[node]
        self.spend(len(related))
        marks = _FirstDegree(node)
        lines = [_line(row, marks) for row in related]
        self.sort_lines(lines)
        digest = self.first_degree[node] = _sha256("".join(lines))
        return digest

    def hash_related(self, related: str, row: Row, issuer: _Issuer, position: str) -> str:
        self.spend(1)
        if related in self.canonical.issued:
            name = "_:" + self.canonical.issued[related]
        elif related in issuer.issued:
            name = "_:" + issuer.issued[related]
        else:
            name = self.first_degree[related]
        predicate = "" if position == "g" else f"<{row[4]}>"  # unescaped, as rdf-canonize
        return _sha256(position + predicate + name)

    def hash_n_degree(self, node: str, issuer: _Issuer, depth: int) -> tuple[str, _Issuer]:
        if self.deep_left == 0:
            raise WorkLimitError(
                "max_deep_iterations",
                f"maximum deep iterations exceeded ({self.deep_max}), as rdf-canonize's "
                "default work factor would",
            )
        if depth > self.limits.max_recursion:
            raise WorkLimitError(
                "max_recursion",
                f"Hash N-Degree Quads recursed deeper than {self.limits.max_recursion} "
                "(a long chain of indistinguishable blank nodes)",
            )
        self.deep_left -= 1
        self.deepest = max(self.deepest, depth)
        self.spend(1)
        related_by_hash: dict[str, list[str]] = {}
        for row in self.node_rows[node]:
            for part, position in ((row[0], "s"), (row[2], "o"), (row[3], "g")):
                if type(part) is _Blank and part != node:
                    label = str(part)
                    digest = self.hash_related(label, row, issuer, position)
                    related_by_hash.setdefault(digest, []).append(label)

        data = hashlib.sha256()
        for digest in sorted(related_by_hash):
            data.update(digest.encode())
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in _permutations(related_by_hash[digest]):
                # a step, its path (a few string operations per element) and the copy
                # of the issuer (a dict copy: cheap per entry)
                self.spend(1 + len(permutation) // 4 + len(issuer.issued) // 32)
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    if related in self.canonical.issued:
                        path += "_:" + self.canonical.issued[related]
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += "_:" + issuer_copy.get(related)
                    if chosen_path and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, result_issuer = self.hash_n_degree(related, issuer_copy, depth + 1)
                    path += "_:" + issuer_copy.get(related) + f"<{result_hash}>"
                    issuer_copy = result_issuer
                    if chosen_path and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path, chosen_issuer = path, issuer_copy
            data.update(chosen_path.encode("utf-8"))
            assert chosen_issuer is not None  # the first permutation is never skipped
            issuer = chosen_issuer
        return data.hexdigest(), issuer


def canonicalize(
    quads: Sequence[Quad],
    limits: Limits = DEFAULT_LIMITS,
    *,
    usage: dict[str, int] | None = None,
) -> str:
    """Canonical N-Quads of ``quads`` (RDFC-1.0, SHA-256), or a typed error.

    ``usage``, if given, receives how much of each bound the run took.
    """
    return canonicalize_rows([_quad_row(quad) for quad in quads], limits, usage=usage)


def canonicalize_rows(
    rows: Sequence[Row],
    limits: Limits = DEFAULT_LIMITS,
    *,
    usage: dict[str, int] | None = None,
) -> str:
    """``canonicalize`` of rows, as the compiled JSON-LD walk writes them."""
    # escaping changes ASCII only, so the rows hold an astral character where the terms do
    text = "".join(chain.from_iterable(rows))
    astral = not text.isascii() and _ASTRAL.search(text) is not None
    return _run(_Canonicaliser(rows, limits, astral), usage)


def _run(canonicaliser: _Canonicaliser, usage: dict[str, int] | None) -> str:
    limits = canonicaliser.limits
    try:
        return canonicaliser.run()
    except UnicodeEncodeError:
        raise CanonicalizationError("a string holds a lone surrogate (not Unicode text)") from None
    except RecursionError:  # max_recursion is below any sane stack; a caller's may be deep
        raise WorkLimitError(
            "max_recursion", "Hash N-Degree Quads recursion ran out of Python stack"
        ) from None
    finally:
        if usage is not None:
            usage.update(
                max_quads=len(canonicaliser.rows),
                max_blank_nodes=len(canonicaliser.node_rows),
                max_work=limits.max_work - canonicaliser.work_left,
                max_recursion=canonicaliser.deepest,
                deep_iterations=canonicaliser.deep_max - canonicaliser.deep_left,
            )
