"""Every text the verifier page shows has a Croatian translation.

The page's check messages are catalogue entries (``message('...')`` in ``core/``) and its
fixed texts go through ``t('...')``; both are gettext-style msgids (the English text) that
must appear in ``src/vcissue/i18n/hr.json``, or a Croatian reader would see English.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE_SOURCES = [
    ROOT / "verifier_web/src/app.js",
    *sorted((ROOT / "verifier_web/src/core").glob("*.js")),
]
_LITERAL = r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
# message('a' + 'b', ...) or t('a' + 'b', ...): a msgid written as concatenated literals.
_CALL = re.compile(rf"\b(?:message|t)\(\s*((?:{_LITERAL}\s*\+\s*)*{_LITERAL})\s*[,)]")
# Placeholders only: the value itself is technical detail, shown as it is.
_UNTRANSLATED = {"{reason}"}


def _literal(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


# The labels of the certificate's details (``detailRows``: ``['Label', value]`` rows and
# the holder's labels in ``HOLDER_TERMS``), translated through t(term).
_ROW_LABEL = re.compile(rf"^\s*\[({_LITERAL}),", re.MULTILINE)
_HOLDER_TERMS = re.compile(r"const HOLDER_TERMS = \{([^}]*)\}")


def page_msgids() -> set[str]:
    found: set[str] = set()
    for source in PAGE_SOURCES:
        text = source.read_text("utf-8")
        for call in _CALL.finditer(text):
            found.add("".join(_literal(part) for part in re.findall(_LITERAL, call.group(1))))
        rows = text.partition("function detailRows(")[2].partition("return rows")[0]
        found |= {_literal(label) for label in _ROW_LABEL.findall(rows)}
        for terms in _HOLDER_TERMS.findall(text):
            found |= {_literal(label) for label in re.findall(_LITERAL, terms)}
    # The outcome of each check is shown through t(check.outcome).
    return (found | {"passed", "failed", "skipped"}) - _UNTRANSLATED


def test_the_extractor_sees_the_check_messages() -> None:
    msgids = page_msgids()
    assert "the issuer controls the signing key" in msgids
    assert "revoked by the certification body: {source}" in msgids
    assert "{count} days" in msgids and "Connect to refresh" in msgids
    assert {"Holder", "Certified organisation", "Scope and conditions"} <= msgids


def test_every_page_message_has_a_croatian_translation() -> None:
    catalogue = json.loads((ROOT / "src/vcissue/i18n/hr.json").read_text("utf-8"))["messages"]
    missing = sorted(page_msgids() - catalogue.keys())
    assert missing == [], missing
