"""Translations of what people read: the printed certificate, the verifier page (built by
``verifier_web/build.mjs`` from the same files) and, later, the register pages.

gettext-style catalogues: ``<language>.json`` beside this module maps each message id, the
English text itself, to its translation; ``{name}`` placeholders are filled by
``Translator.__call__``. A message without a translation shows in English, never blank.
English (``en``) and Croatian (``hr``) to start; a new language is one more file.

Dates are spelt out per language (``2 March 2026``, ``2. ožujka 2026.``), the form the page
gets from ``Intl.DateTimeFormat`` for the same language. Pure: reads only packaged files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Translator", "long_date", "translator"]

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "hr")

_MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    # Croatian dates use the genitive: "2. ožujka 2026."
    "hr": (
        "siječnja", "veljače", "ožujka", "travnja", "svibnja", "lipnja",
        "srpnja", "kolovoza", "rujna", "listopada", "studenoga", "prosinca",
    ),
}  # fmt: skip


@cache
def _catalogue(language: str) -> Mapping[str, str]:
    text = (resources.files(__package__) / f"{language}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    messages: dict[str, str] = data["messages"]
    return messages


@dataclass(frozen=True)
class Translator:
    """``_(msgid, **values)``: the translation of ``msgid`` in ``language``, filled in."""

    language: str

    def __call__(self, msgid: str, **values: object) -> str:
        text = _catalogue(self.language).get(msgid, msgid)
        for name, value in values.items():
            text = text.replace("{" + name + "}", str(value))
        return text

    def date(self, day: date) -> str:
        return long_date(day, self.language)


def translator(language: str | None) -> Translator:
    """The translator for ``language`` (``hr``, ``hr-HR``, ``en``...); ValueError if none."""
    code = (language or DEFAULT_LANGUAGE).lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise ValueError(f"no catalogue for language {language!r} (known: {', '.join(LANGUAGES)})")
    return Translator(code)


def long_date(day: date, language: str = DEFAULT_LANGUAGE) -> str:
    """``2 March 2026`` (en), ``2. ožujka 2026.`` (hr): unambiguous, unlike 02/03/2026."""
    month = _MONTHS[language][day.month - 1]
    if language == "hr":
        return f"{day.day}. {month} {day.year}."
    return f"{day.day} {month} {day.year}"
