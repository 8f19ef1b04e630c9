"""eddsa-jcs-2022: JSON Canonicalization Scheme (RFC 8785) of the JSON itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import rfc8785

from ..errors import CanonicalizationError
from ..jsonld import ContextSet, check_contexts


class EddsaJcs2022:
    name = "eddsa-jcs-2022"
    proof_carries_context = True

    def canonicalize(self, document: Mapping[str, Any], contexts: ContextSet) -> bytes:
        # JCS signs bytes, not meaning, but the @context still has to be one we know:
        # a verifier that reads the document as JSON-LD must get the same meaning.
        if "@context" in document:
            check_contexts(document["@context"], contexts)
        try:
            return bytes(rfc8785.dumps(document))
        except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as error:
            raise CanonicalizationError(f"cannot canonicalise as JCS: {error}") from None

    def canonicalize_config(self, config: Mapping[str, Any], contexts: ContextSet) -> bytes:
        return self.canonicalize(config, contexts)
