"""Scheme packs: the preset DEFLATE dictionaries that make a certificate's QR code small.

A certificate's JSON is mostly text that every certificate of the same scheme and body
repeats: the contexts, the scheme's description and criteria, the unit titles, the issuer,
the status list URLs, the key names. A *scheme pack* holds that text once, as a DEFLATE
preset dictionary (RFC 1950 s. 2.2): template credentials built by ``credential.build``
itself (so keys come in the same order as in a real credential), one per unit and the full
certificate last. Compressed against it, only what differs from the template is left:
holder, dates, ids, indices and the signature.

A pack is identified by the first 4 bytes of the SHA-256 of its dictionary (``pack_id``);
the QR payload names it, the verifier bundle ships it, and a reader without it says which
pack it lacks. Packs are versioned by that digest: a changed scheme text gives a new pack,
and a deployment keeps every pack it has printed with (old certificates name the old one).

Pure: no I/O, no clock (the templates carry a fixed placeholder date).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .credential import IssuerProfile, build, new_credential_id
from .errors import QrPayloadError
from .model import Award, Holder, Qualification
from .status import status_entry

__all__ = [
    "DIGEST_BYTES",
    "MAX_DICTIONARY_BYTES",
    "NO_PACK_ID",
    "PACK_FORMAT",
    "PackSet",
    "SchemePack",
    "build_pack",
    "compact_json",
]

PACK_FORMAT = "vcissue-qr-pack/1"
# DEFLATE reaches 32 KiB back; a longer dictionary's head could never be used.
MAX_DICTIONARY_BYTES = 32 * 1024
DIGEST_BYTES = 4
NO_PACK_ID = bytes(DIGEST_BYTES)  # a payload compressed without a dictionary
_TEMPLATE_DAY = datetime(2000, 1, 1, tzinfo=UTC)


def compact_json(value: Any) -> bytes:
    """The bytes a payload compresses: compact JSON, UTF-8, non-ASCII as itself."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


@dataclass(frozen=True)
class SchemePack:
    """One preset dictionary, with what it was built for (for people; not checked)."""

    name: str
    issuer: str
    scheme: str
    dictionary: bytes

    def __post_init__(self) -> None:
        if not self.dictionary or len(self.dictionary) > MAX_DICTIONARY_BYTES:
            raise QrPayloadError(
                f"a scheme pack dictionary must hold 1 to {MAX_DICTIONARY_BYTES} bytes"
            )

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.dictionary).digest()[:DIGEST_BYTES]

    @property
    def pack_id(self) -> str:
        return self.digest.hex()

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PACK_FORMAT,
            "id": self.pack_id,
            "name": self.name,
            "issuer": self.issuer,
            "scheme": self.scheme,
            "dictionary": base64.b64encode(self.dictionary).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SchemePack:
        """A pack file's JSON; QrPayloadError if it is damaged (the id must match)."""
        if not isinstance(data, Mapping) or data.get("format") != PACK_FORMAT:
            raise QrPayloadError(f"not a {PACK_FORMAT} scheme pack")
        fields = {name: data.get(name) for name in ("id", "name", "issuer", "scheme")}
        if not all(isinstance(value, str) for value in fields.values()):
            raise QrPayloadError("a scheme pack needs string id, name, issuer and scheme")
        encoded = data.get("dictionary")
        try:
            dictionary = base64.b64decode(str(encoded).encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            raise QrPayloadError("a scheme pack's dictionary must be base64") from None
        pack = cls(str(fields["name"]), str(fields["issuer"]), str(fields["scheme"]), dictionary)
        if pack.pack_id != fields["id"]:
            raise QrPayloadError(
                f"scheme pack {fields['id']!r} is damaged: its dictionary's digest is "
                f"{pack.pack_id}"
            )
        return pack


class PackSet:
    """The packs a reader knows, by digest."""

    def __init__(self, packs: Iterable[SchemePack] = ()) -> None:
        self._packs: dict[bytes, SchemePack] = {}
        for pack in packs:
            known = self._packs.get(pack.digest)
            if known is not None and known.dictionary != pack.dictionary:
                raise QrPayloadError(f"two different scheme packs share the id {pack.pack_id}")
            self._packs[pack.digest] = pack

    def __iter__(self) -> Any:
        return iter(sorted(self._packs.values(), key=lambda pack: pack.pack_id))

    def __len__(self) -> int:
        return len(self._packs)

    def get(self, digest: bytes) -> SchemePack | None:
        return self._packs.get(digest)

    def to_json(self) -> list[dict[str, Any]]:
        return [pack.to_json() for pack in self]

    @classmethod
    def from_json(cls, data: object) -> PackSet:
        if not isinstance(data, list):
            raise QrPayloadError("scheme packs must be a list")
        return cls(SchemePack.from_json(item) for item in data)


def _template(
    qualification: Qualification,
    issuer: IssuerProfile,
    units: tuple[str, ...] | None,
    *,
    status_base_url: str,
    suite: str,
    verification_method: str,
) -> bytes:
    holder = Holder("Holder Name", kind=qualification.subject_kind)
    award = Award(holder, qualification, awarded=_TEMPLATE_DAY, units=units)
    entries = [
        status_entry(f"{status_base_url}/{purpose}-1", 0, purpose)
        for purpose in ("revocation", "suspension")
    ]
    credential = build(award, issuer, credential_id=new_credential_id(bytes(16)), status=entries)
    credential["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": suite,
        "created": "2000-01-01T00:00:00Z",
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
        "proofValue": "z",
    }
    return compact_json(credential)


def build_pack(
    qualification: Qualification,
    issuer: IssuerProfile,
    *,
    status_base_url: str,
    suite: str = "eddsa-rdfc-2022",
    verification_method: str | None = None,
) -> SchemePack:
    """The pack for certificates of ``qualification`` issued by ``issuer``.

    The dictionary is the template unit credentials (while they fit) followed by the full
    certificate's template, last because DEFLATE codes near distances in fewer bits.
    """
    method = verification_method or f"{issuer.id}#key-1"
    options = {"status_base_url": status_base_url, "suite": suite, "verification_method": method}
    full = _template(qualification, issuer, None, **options)
    parts = [full]
    used = len(full)
    for unit in reversed(qualification.units):
        part = _template(qualification, issuer, (unit.id,), **options)
        if used + len(part) > MAX_DICTIONARY_BYTES:
            break
        parts.insert(0, part)
        used += len(part)
    dictionary = b"".join(parts)[-MAX_DICTIONARY_BYTES:]
    name = f"{qualification.id} {qualification.scheme_version}"
    return SchemePack(name, issuer.id, qualification.scheme_ref, dictionary)
