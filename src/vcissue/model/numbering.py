"""Certificate numbers: the human number a body prints on a certificate, from a pattern
per qualification such as ``EM-{year}-{seq:06}``.

Placeholders: ``{seq}`` (required, exactly once; ``{seq:06}`` pads to 6 digits),
``{year}`` (the award's year, UTC) and ``{qualification}`` (the qualification id). The
rest is literal text of letters, digits and ``. _ / -``, so a number is easy to read out,
type and put in a URL path. A qualification that names no pattern uses
``DEFAULT_PATTERN``.

Sequences count per *counter scope*: the pattern with everything but ``{seq}`` filled in
(``EM-2026-{seq}``), so each year starts at 1 and two qualifications sharing a pattern
share a counter. The store allocates ``seq`` in the issuing transaction and skips any
number already taken (an imported one, or one another pattern produced), so numbers are
unique per body whatever the patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import QualificationError

__all__ = [
    "DEFAULT_PATTERN",
    "MAX_NUMBER_LENGTH",
    "NUMBER_RE",
    "NumberPattern",
    "pattern_problem",
]

DEFAULT_PATTERN = "{qualification}-{year}-{seq:06}"
MAX_NUMBER_LENGTH = 64
#: What any certificate number looks like (imported ones too).
NUMBER_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,62}[A-Za-z0-9])?", re.ASCII)

_PLACEHOLDER = re.compile(r"\{(seq|year|qualification)(?::0([1-9]))?\}")
_LITERAL = re.compile(r"[A-Za-z0-9._/-]*", re.ASCII)


@dataclass(frozen=True)
class NumberPattern:
    """A checked pattern; ``QualificationError`` (field ``number_pattern``) if malformed."""

    text: str

    def __post_init__(self) -> None:
        problem = _problem(self.text)
        if problem is not None:
            raise QualificationError(problem, field="number_pattern")

    def scope(self, *, qualification: str, year: int) -> str:
        """The counter this pattern draws from for ``qualification`` in ``year``."""
        return self._fill(qualification, year, None)

    def number(self, seq: int, *, qualification: str, year: int) -> str:
        if seq < 1:
            raise ValueError("sequence numbers start at 1")
        return self._fill(qualification, year, seq)

    def _fill(self, qualification: str, year: int, seq: int | None) -> str:
        def replace(match: re.Match[str]) -> str:
            name, width = match.group(1), int(match.group(2) or 0)
            if name == "seq":
                return match.group(0) if seq is None else str(seq).zfill(width)
            if name == "year":
                return f"{year:04d}"
            return qualification

        return _PLACEHOLDER.sub(replace, self.text)


def _problem(text: object) -> str | None:
    if not isinstance(text, str) or not text:
        return "a number pattern is non-empty text"
    names = [match.group(1) for match in _PLACEHOLDER.finditer(text)]
    if names.count("seq") != 1:
        return "a number pattern holds {seq} (or {seq:0N}) exactly once"
    literal = _PLACEHOLDER.sub("", text)
    if not _LITERAL.fullmatch(literal):
        bad = sorted({c for c in literal if not _LITERAL.fullmatch(c)})
        return (
            f"a number pattern may hold {{seq}}, {{year}}, {{qualification}} and letters, "
            f"digits, '.', '_', '/', '-' only (not {''.join(bad)!r})"
        )
    return None


def pattern_problem(text: object, qualification: str) -> str | None:
    """Why ``text`` is no number pattern for ``qualification`` (None: it is one): its
    syntax, and whether the numbers it gives (a nine-digit sequence) are numbers."""
    problem = _problem(text)
    if problem is not None:
        return problem
    widest = NumberPattern(str(text)).number(999_999_999, qualification=qualification, year=2026)
    if len(widest) > MAX_NUMBER_LENGTH or not NUMBER_RE.fullmatch(widest):
        return (
            f"the pattern gives numbers like {widest!r}: at most {MAX_NUMBER_LENGTH} "
            "characters, starting and ending with a letter or digit"
        )
    return None
