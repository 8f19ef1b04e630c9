"""Every text vcissue's Python code translates has a Croatian entry.

Certificates (``render/``), the public register page and notices translate gettext-style
msgids (the English text) through ``_("...")`` or tables of msgids; each must be in
``src/vcissue/i18n/hr.json``, or a Croatian reader would see English.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from vcissue.notify import templates

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "vcissue"


def python_msgids() -> set[str]:
    """The string literals passed first to ``_`` anywhere in the package."""
    found: set[str] = set()
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    for subject, opening in templates._TEXTS.values():  # notices: msgids in a table
        found |= {subject, opening}
    return found


def test_the_extractor_sees_the_certificate_and_register_texts() -> None:
    msgids = python_msgids()
    assert {"This is to certify that", "This is to certify that the organisation"} <= msgids
    assert {"Holder", "Certified organisation", "Awarding body"} <= msgids


def test_every_python_msgid_has_a_croatian_translation() -> None:
    catalogue = json.loads((SOURCE / "i18n" / "hr.json").read_text("utf-8"))["messages"]
    missing = sorted(python_msgids() - catalogue.keys())
    assert missing == [], missing
