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


def page_msgids() -> set[str]:
    found: set[str] = set()
    for source in PAGE_SOURCES:
        for call in _CALL.finditer(source.read_text("utf-8")):
            found.add("".join(_literal(part) for part in re.findall(_LITERAL, call.group(1))))
    # The outcome of each check is shown through t(check.outcome).
    return (found | {"passed", "failed", "skipped"}) - _UNTRANSLATED


def test_the_extractor_sees_the_check_messages() -> None:
    msgids = page_msgids()
    assert "the issuer controls the signing key" in msgids
    assert "revoked by the certification body: {source}" in msgids
    assert "{count} days" in msgids and "Connect to refresh" in msgids


def test_every_page_message_has_a_croatian_translation() -> None:
    catalogue = json.loads((ROOT / "src/vcissue/i18n/hr.json").read_text("utf-8"))["messages"]
    missing = sorted(page_msgids() - catalogue.keys())
    assert missing == [], missing
