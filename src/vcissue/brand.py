"""The certification body's brand: what makes a certificate look like one it would frame,
and the verifier page's header. Pure values; ``settings.Settings.brand`` reads the
``[brand]`` section and its image files.

Texts a person reads may be given per language (``{"en": ..., "hr": ...}``); a language
without its own text falls back to English, then to any text given.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import VcissueError

__all__ = ["BRAND_KEYS", "Brand", "Image"]

# The [brand] section's keys; images are file names, texts a person reads may be a table
# {en = "...", hr = "..."}; labels is {en = {ecomentor = "..."}, hr = {...}}.
BRAND_KEYS = (
    "name", "colour", "accent", "logo", "signatory_name", "signatory_title", "signature",
    "accreditation_mark", "accreditation_number", "accreditation_statement", "labels",
)  # fmt: skip
_IMAGES = ("logo", "signature", "accreditation_mark")
_LOCALISED = ("signatory_title", "accreditation_statement")

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class Image:
    """A PNG or JPEG image (what both fpdf2 and every browser show)."""

    data: bytes
    media_type: str

    @classmethod
    def from_bytes(cls, data: bytes, what: str = "image") -> Image:
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return cls(data, "image/png")
        if data.startswith(b"\xff\xd8\xff"):
            return cls(data, "image/jpeg")
        raise VcissueError(f"{what} must be a PNG or JPEG image")

    def data_uri(self) -> str:
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"


def _string(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise VcissueError(f"brand {key} must be a string")
    return value


def _texts(value: object, key: str) -> dict[str, str]:
    if isinstance(value, str):
        return {"en": value}
    if isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values()):
        return {str(k): v for k, v in value.items()}
    raise VcissueError(f"brand {key} must be a string or a table of strings")


def _localised(value: Mapping[str, str], language: str) -> str:
    return value.get(language) or value.get("en") or next(iter(value.values()), "")


@dataclass(frozen=True)
class Brand:
    """Everything is optional: an empty Brand prints the issuer's name in the house style."""

    name: str = ""
    colour: str = "#1d3557"  # headings, rules, the frame; dark enough for white text
    accent: str = "#9a7b3f"  # the inner frame line and ornaments
    logo: Image | None = None
    signatory_name: str = ""
    signatory_title: Mapping[str, str] = field(default_factory=dict)
    signature: Image | None = None
    accreditation_mark: Image | None = None
    accreditation_number: str = ""
    accreditation_statement: Mapping[str, str] = field(default_factory=dict)
    # language -> qualification code (humanCode, e.g. "ecomentor") -> the label printed
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("colour", "accent"):
            if not _COLOUR.fullmatch(getattr(self, name)):
                raise VcissueError(f"brand {name} must be #rrggbb, not {getattr(self, name)!r}")

    def title(self, language: str) -> str:
        return _localised(self.signatory_title, language) if self.signatory_title else ""

    def statement(self, language: str) -> str:
        if not self.accreditation_statement:
            return ""
        return _localised(self.accreditation_statement, language)

    def label(self, qualification_code: str, language: str) -> str:
        """The body's own label for a qualification, or "" (print the credential's name)."""
        code = qualification_code.split("/", 1)[0]
        for candidate in (language, "en"):
            label = self.labels.get(candidate, {}).get(code)
            if label:
                return label
        return ""

    @classmethod
    def from_table(cls, table: Mapping[str, Any], read: Callable[[str], bytes]) -> Brand:
        """A Brand from a settings table; ``read(name)`` gives an image file's bytes."""
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in BRAND_KEYS:
                raise VcissueError(f"unknown brand key {key!r}")
            if key in _IMAGES:
                values[key] = Image.from_bytes(read(_string(value, key)), f"brand {key}")
            elif key in _LOCALISED:
                values[key] = _texts(value, key)
            elif key == "labels":
                if not isinstance(value, Mapping):
                    raise VcissueError("brand labels must be a table of languages")
                values[key] = {str(lang): _texts(labels, f"labels.{lang}")
                               for lang, labels in value.items()}  # fmt: skip
            else:
                values[key] = _string(value, key)
        return cls(**values)

    def rgb(self, name: str = "colour") -> tuple[int, int, int]:
        value = getattr(self, name)
        return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)

    def page_json(self, fallback_name: str = "") -> dict[str, Any]:
        """The verifier page's header: the body's name, colour and logo."""
        data: dict[str, Any] = {"name": self.name or fallback_name, "colour": self.colour}
        if self.logo is not None:
            data["logo"] = self.logo.data_uri()
        return data
