"""One place that loads the W3C test vectors (see tests/vectors/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vcissue.jsonld import ContextSet

ROOT = Path(__file__).parent / "vectors"
EDDSA = ROOT / "vc-di-eddsa"
EXAMPLES_CONTEXT_URL = "https://www.w3.org/ns/credentials/examples/v2"

# The W3C vectors use the examples context; only tests may load it.
TEST_CONTEXTS = ContextSet.bundled().with_extra(
    {EXAMPLES_CONTEXT_URL: json.loads((ROOT / "credentials-examples-v2.json").read_text())}
)

SUITE_FILES = {
    "eddsa-rdfc-2022": ("eddsa-rdfc-2022", "DataInt"),
    "eddsa-jcs-2022": ("eddsa-jcs-2022", "JCS"),
}


def key_pair() -> dict[str, str]:
    data: dict[str, str] = json.loads((EDDSA / "keyPair.json").read_text())
    return data


def unsigned() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EDDSA / "unsigned.json").read_text())
    return data


def suite_vector(suite: str, name: str) -> Any:
    """A file of one suite's vectors by its short name, e.g. ("eddsa-jcs-2022", "docHash")."""
    folder, suffix = SUITE_FILES[suite]
    stem = f"{name}{suffix}"
    for extension in (".json", ".txt"):
        path = EDDSA / folder / f"{stem}{extension}"
        if path.exists():
            text = path.read_text()
            return json.loads(text) if extension == ".json" else text
    raise FileNotFoundError(stem)
