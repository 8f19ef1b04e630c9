"""eddsa-jcs-2022: JSON Canonicalization Scheme (RFC 8785) of the JSON itself."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import rfc8785

from ..errors import CanonicalizationError
from ..jsonld import ContextSet, check_contexts

# RFC 8785 is ECMAScript's JSON.stringify with keys sorted by UTF-16 code unit. For JSON
# without floats, integers within +-(2**53 - 1) and keys without astral characters (where
# UTF-16 and code point order agree) that is exactly json.dumps sorted and compact, in C;
# the rfc8785 package (pure Python, ten times slower) takes everything else, refusals
# included. Tested against it (tests/unit/test_jcs.py).
_MAX_INTEGER = 2**53 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")
_ASTRAL_OR_SURROGATE = re.compile("[\ud800-\udfff\U00010000-\U0010ffff]")
_MAX_DEPTH = 512  # deeper (or cyclic) structures are left to the package, which refuses
# A cycle is not looked for: it ends in RecursionError, and the package refuses it.
_DUMPS = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False, check_circular=False
).encode


def _plain(document: Any, text: str | None = None) -> bool:
    """True if json.dumps writes ``document`` as RFC 8785 does. ``text``, json.dumps'
    output when there is one, answers the string checks for the whole document at once."""
    if type(document) is not dict and type(document) is not list:
        return _plain_scalar(document)
    if text is not None and (text.isascii() or not _ASTRAL_OR_SURROGATE.search(text)):
        plain = _plain_types(document)
        if plain is not None:
            return plain
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        container, depth = stack.pop()
        if depth > _MAX_DEPTH:
            return False
        if type(container) is dict:
            for key in container:
                if type(key) is not str or (not key.isascii() and _ASTRAL_OR_SURROGATE.search(key)):
                    return False
            values = container.values()
        else:
            values = container
        for value in values:  # scalars here, containers on the stack
            kind = type(value)
            if kind is str:
                if not value.isascii() and _SURROGATE.search(value):
                    return False
            elif kind is dict or kind is list:
                stack.append((value, depth + 1))
            elif not _plain_scalar(value):
                return False
    return True


def _plain_types(document: dict[Any, Any] | list[Any]) -> bool | None:
    """``_plain`` for a document with no surrogate and no astral character anywhere: only
    the types and the integers are left to check. None past _MAX_DEPTH containers (the
    depth is not tracked here; it is at most their number)."""
    stack: list[Any] = [document]
    budget = _MAX_DEPTH
    while stack:
        budget -= 1
        if budget < 0:
            return None
        container = stack.pop()
        values: Any = container
        if type(container) is dict:
            for key in container:
                if type(key) is not str:
                    return False
            values = container.values()
        for value in values:
            kind = type(value)
            if kind is str or kind is bool or value is None:
                continue
            if kind is dict or kind is list:
                stack.append(value)
            elif kind is not int or not -_MAX_INTEGER <= value <= _MAX_INTEGER:
                return False
    return True


def _plain_scalar(value: Any) -> bool:
    kind = type(value)
    if kind is str:
        return value.isascii() or not _SURROGATE.search(value)
    if kind is int:
        return bool(-_MAX_INTEGER <= value <= _MAX_INTEGER)
    return kind is bool or value is None  # floats, and anything that is not plain JSON


def jcs(document: Any) -> bytes:
    """RFC 8785 canonical JSON of ``document``, or CanonicalizationError."""
    try:
        text: str | None = _DUMPS(document)
    except (TypeError, ValueError, RecursionError):  # not JSON json.dumps can write
        text = None
    if text is not None and _plain(document, text):
        return text.encode("utf-8")
    try:
        return bytes(rfc8785.dumps(document))
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as error:
        raise CanonicalizationError(f"cannot canonicalise as JCS: {error}") from None


class EddsaJcs2022:
    name = "eddsa-jcs-2022"
    proof_carries_context = True

    def canonicalize(self, document: Mapping[str, Any], contexts: ContextSet) -> bytes:
        # JCS signs bytes, not meaning, but the @context still has to be one we know:
        # a verifier that reads the document as JSON-LD must get the same meaning.
        if "@context" in document:
            check_contexts(document["@context"], contexts)
        return jcs(document)

    def canonicalize_config(self, config: Mapping[str, Any], contexts: ContextSet) -> bytes:
        return self.canonicalize(config, contexts)
