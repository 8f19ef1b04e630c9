"""Text that vcissue stores and signs: Unicode text without control characters.

Refused in every text field of an award, a request or an audit entry (holder name and id,
scope, limitations, result, evidence, reasons, actors, batch references, ids looked up):

* NUL (U+0000): PostgreSQL text cannot hold it (a NUL that SQLite stored would be a 503 on
  PostgreSQL), and C strings, terminals and log lines end at it;
* the other C0 controls except TAB, LF and CR (U+0001-U+0008, U+000B, U+000C,
  U+000E-U+001F), DEL (U+007F) and the C1 controls (U+0080-U+009F): invisible on a printed
  certificate, rendered differently by every viewer, and a way to make two names that look
  the same differ;
* lone surrogates (U+D800-U+DFFF on their own): not Unicode text at all; they cannot be
  encoded as UTF-8 and would crash whoever writes them later (a command-line argument with
  bytes that are not UTF-8 arrives this way).

TAB, LF and CR stay allowed: a scope statement may have lines. The check is the same in
front of every store, so both answer with the same typed error.
"""

from __future__ import annotations

import re

from ..errors import CredentialError

__all__ = ["REFUSED_CHARACTERS", "check_text", "text_problem"]

REFUSED_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored (the first refused character), or None."""
    found = REFUSED_CHARACTERS.search(value)
    if found is None:
        return None
    char = found.group()
    kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    return f"{kind} (U+{ord(char):04X}) at position {found.start()}"


def check_text(value: object, what: str) -> None:
    """``CredentialError`` naming ``what`` if ``value`` is a string holding a refused
    character; anything else (the caller checks types) passes."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem is not None:
            raise CredentialError(f"{what} holds {problem}, which is refused in stored text")
