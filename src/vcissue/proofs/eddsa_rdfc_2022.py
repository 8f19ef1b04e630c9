"""eddsa-rdfc-2022: RDF Dataset Canonicalization (RDFC-1.0) of the JSON-LD."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from cachetools import LRUCache

from ..jsonld import ContextSet, canonize


class EddsaRdfc2022:
    name = "eddsa-rdfc-2022"
    proof_carries_context = False

    def __init__(self) -> None:
        # Proof configurations repeat (one key, one purpose, and a batch signed in one
        # second shares ``created``): their canonical form is kept, keyed by the exact
        # JSON (1, 1.0 and true stay apart) and by the context set it was made with.
        self._configs: LRUCache[Any, tuple[ContextSet, bytes]] = LRUCache(maxsize=256)
        self._lock = threading.Lock()  # LRUCache is not thread-safe; the service is threaded

    def canonicalize(self, document: Mapping[str, Any], contexts: ContextSet) -> bytes:
        return canonize(document, contexts).encode("utf-8")

    def canonicalize_config(self, config: Mapping[str, Any], contexts: ContextSet) -> bytes:
        key: Any = _strings_key(config)
        if key is None:
            try:
                key = json.dumps(config, sort_keys=True, ensure_ascii=False, allow_nan=False)
            except (TypeError, ValueError):
                return self.canonicalize(config, contexts)
        with self._lock:
            found = self._configs.get(key)
        if found is not None and found[0] is contexts:
            return found[1]
        canonical = self.canonicalize(config, contexts)  # refusals are never kept
        with self._lock:
            self._configs[key] = (contexts, canonical)
        return canonical


def _strings_key(config: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """An exact key for a configuration of strings and lists of strings (the usual one),
    cheaper than its JSON; None for any other (its JSON is the key then)."""
    items: list[tuple[str, Any]] = []
    for name, value in config.items():
        if type(value) is str:
            items.append((name, value))
        elif type(value) is list and all(type(item) is str for item in value):
            items.append((name, tuple(value)))
        else:
            return None
    items.sort()
    return tuple(items)
