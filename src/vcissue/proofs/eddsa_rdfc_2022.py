"""eddsa-rdfc-2022: RDF Dataset Canonicalization (RDFC-1.0) of the JSON-LD."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..jsonld import ContextSet, canonize


class EddsaRdfc2022:
    name = "eddsa-rdfc-2022"
    proof_carries_context = False

    def canonicalize(self, document: Mapping[str, Any], contexts: ContextSet) -> bytes:
        return canonize(document, contexts).encode("utf-8")
