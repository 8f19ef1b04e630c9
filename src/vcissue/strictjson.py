"""The one parser for untrusted JSON: bytes or text in, a plain JSON value out, or
``MalformedInput`` saying why not.

Refused: more than ``max_bytes``, text that is not UTF-8, duplicate keys (two parsers
could pick different values: a classic signature confusion), NaN and Infinity, integers
past Python's digit limit, nesting deeper than ``max_depth``, and lone surrogates
(``"\\ud800"`` is valid JSON syntax but not Unicode text; it would crash whoever encodes
it later). Every route that takes untrusted JSON -- ``vcissue verify``, the service, the
QR decoder, status list fetches -- goes through here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import MalformedInput

__all__ = ["MAX_BYTES", "MAX_DEPTH", "check_tree", "parse_json", "parse_object"]

MAX_BYTES = 1_000_000
MAX_DEPTH = 48
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise MalformedInput(f"duplicate key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise MalformedInput(f"{name} is not JSON")


def parse_json(
    data: bytes | str,
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    what: str = "input",
) -> Any:
    """Untrusted JSON text -> a checked JSON value."""
    if len(data) > max_bytes:
        raise MalformedInput(f"{what} larger than {max_bytes} bytes")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedInput(f"{what} is not UTF-8") from None
    try:
        parsed = json.loads(
            data, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except ValueError as error:  # JSONDecodeError, and ints past Python's digit limit
        raise MalformedInput(f"{what} is not JSON: {error}") from None
    except RecursionError:
        raise MalformedInput(f"{what} nested deeper than {max_depth} levels") from None
    check_tree(parsed, max_depth)
    return parsed


def parse_object(
    data: bytes | str | Mapping[str, Any],
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    what: str = "credential",
) -> dict[str, Any]:
    """Untrusted input (JSON text or an already parsed mapping) -> a checked JSON object."""
    if isinstance(data, bytes | str):
        parsed = parse_json(data, max_bytes=max_bytes, max_depth=max_depth, what=what)
    elif isinstance(data, Mapping):
        parsed = data
        check_tree(parsed, max_depth)
    else:
        raise MalformedInput(f"expected JSON text or an object, got {type(data).__name__}")
    if not isinstance(parsed, Mapping):
        raise MalformedInput(f"a {what} must be a JSON object")
    return dict(parsed)


def check_tree(root: Any, max_depth: int = MAX_DEPTH) -> None:
    """Every value a JSON value (keys strings, numbers finite, text Unicode), depth capped."""
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise MalformedInput(f"nested deeper than {max_depth} levels")
        kind = type(node)  # the plain JSON types first; subclasses take the general tests
        if kind is str or isinstance(node, str):
            # a lone surrogate is not ASCII: most strings need no search
            if not node.isascii() and _LONE_SURROGATE.search(node):
                raise MalformedInput("a string holds a lone surrogate (not Unicode text)")
        elif kind is int or kind is bool or node is None:
            continue
        elif kind is dict or isinstance(node, Mapping):
            for key, value in node.items():
                if not isinstance(key, str):
                    raise MalformedInput("object keys must be strings")
                if not key.isascii() and _LONE_SURROGATE.search(key):
                    raise MalformedInput("a key holds a lone surrogate (not Unicode text)")
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, float) and not math.isfinite(node):
            raise MalformedInput("NaN and Infinity are not JSON")
        elif not isinstance(node, int | float | bool | type(None)):
            raise MalformedInput(f"{type(node).__name__} is not a JSON value")
