"""Evidence an award names: a pointer to a document (never its content) and, when the body
has the document, its SHA-256 digest, so anyone holding a copy can prove it is the one the
certification decision saw (CPD records, assessment reports, RPL portfolios).

The digest is written as VC Data Model 2.0's ``digestMultibase`` (defined by the VC v2
context, so JSON-LD keeps it): a multibase (``u``: base64url, no padding) multihash
(``0x12 0x20``: SHA-256, 32 bytes). People and files give it as 64 hexadecimal digits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import CredentialError
from .scheme import URI_RE
from .text import check_text

__all__ = ["RPL_GENRE", "EvidenceRef", "digest_from_hex", "sha256_digest"]

_SHA256_MULTIHASH = b"\x12\x20"
_HEX64 = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
RPL_GENRE = "RecognitionOfPriorLearning"  # the evidence genre of an RPL marker


def _multibase(digest: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(_SHA256_MULTIHASH + digest).decode().rstrip("=")


def sha256_digest(data: bytes) -> str:
    """The ``digestMultibase`` of ``data``'s SHA-256."""
    return _multibase(hashlib.sha256(data).digest())


def digest_from_hex(text: object) -> str:
    """The ``digestMultibase`` of a SHA-256 given as 64 hexadecimal digits; anything else
    is a CredentialError (a wrong digest must never be signed)."""
    if not isinstance(text, str) or not _HEX64.fullmatch(text.strip()):
        shown = str(text)[:80]
        raise CredentialError(f"an evidence SHA-256 must be 64 hexadecimal digits, not {shown!r}")
    return _multibase(bytes.fromhex(text.strip()))


def _check_multibase(value: str) -> None:
    problem = f"evidence digest {value[:80]!r} is not a SHA-256 digestMultibase (u + base64url)"
    if not value.startswith("u") or not re.fullmatch(r"[A-Za-z0-9_-]+", value[1:]):
        raise CredentialError(problem)
    try:
        raw = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
    except (binascii.Error, ValueError):
        raise CredentialError(problem) from None
    if len(raw) != 34 or not raw.startswith(_SHA256_MULTIHASH) or _multibase(raw[2:]) != value:
        raise CredentialError(problem)


@dataclass(frozen=True)
class EvidenceRef:
    """A pointer to assessment evidence (``id`` is a URL or URN); never its content.
    ``digest``: the ``digestMultibase`` of the document's SHA-256, when known."""

    id: str
    name: str
    description: str = ""
    genre: str = ""  # OB 3.0 evidence genre: "Prerequisite", ...
    digest: str = ""

    def __post_init__(self) -> None:
        check_text(self.genre, "evidence genre")
        check_text(self.id, "evidence id")
        check_text(self.name, "evidence name")
        check_text(self.description, "evidence description")
        if not isinstance(self.id, str) or not URI_RE.fullmatch(self.id):
            raise CredentialError(f"evidence id must be a URL or URN, got {self.id!r}")
        if not isinstance(self.name, str) or not self.name.strip():
            raise CredentialError("evidence name must not be empty")
        if not isinstance(self.description, str):
            raise CredentialError("evidence description must be a string")
        if not isinstance(self.genre, str) or not isinstance(self.digest, str):
            raise CredentialError("evidence genre and digest must be strings")
        if self.digest:
            _check_multibase(self.digest)

    @classmethod
    def of_document(
        cls, url: str, data: bytes, *, name: str = "", description: str = "", genre: str = ""
    ) -> EvidenceRef:
        """Evidence published at ``url`` whose content is ``data`` (its digest computed)."""
        return cls(url, name or _name_of(url), description, genre, sha256_digest(data))

    @classmethod
    def of_hex(
        cls, url: str, sha256: str = "", *, name: str = "", description: str = "", genre: str = ""
    ) -> EvidenceRef:
        """Evidence at ``url`` with its SHA-256 as hexadecimal digits (none: no digest)."""
        digest = digest_from_hex(sha256) if sha256 else ""
        return cls(url, name or _name_of(url), description, genre, digest)

    def to_json(self) -> dict[str, str]:
        """As kept with the record and in pending decisions (``from_json`` reads it)."""
        return {
            key: value
            for key, value in (
                ("id", self.id),
                ("name", self.name),
                ("description", self.description),
                ("genre", self.genre),
                ("digestMultibase", self.digest),
            )
            if value
        }

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> EvidenceRef:
        return cls(
            str(item.get("id", "")),
            str(item.get("name", "")),
            str(item.get("description", "")),
            str(item.get("genre", "")),
            str(item.get("digestMultibase", "")),
        )


def _name_of(url: str) -> str:
    """The last path segment of ``url`` (a file name, usually), else the URL itself."""
    if not isinstance(url, str):
        return ""
    tail = url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return tail if tail and ":" not in tail else url
