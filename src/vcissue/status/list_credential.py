"""Status entries and status list credentials (W3C Bitstring Status List v1.0, sections 2-3).

``status_entry`` builds a ``BitstringStatusListEntry``, ``parse_status_entry`` /
``parse_status_entries`` read them back. ``status_list_credential`` builds the unsigned
``BitstringStatusListCredential`` (every term is defined by the VC 2.0 context, so it
signs under eddsa-rdfc-2022), ``read_status_list_credential`` checks its structure,
``status_of`` reads one entry's bit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ..errors import ProofError, StatusListError
from ..jsonld import VC_V2
from ..proofs import format_datetime, parse_datetime
from .bitstring import DEFAULT_MAX_BITS, MIN_BITS, Bitstring

__all__ = [
    "MAX_STATUS_ENTRIES",
    "StatusEntry",
    "StatusList",
    "StatusPurpose",
    "parse_status_entries",
    "parse_status_entry",
    "read_credential_status",
    "read_status_list_credential",
    "status_entry",
    "status_list_credential",
    "status_of",
]

MAX_STATUS_ENTRIES = 16
"""Most ``credentialStatus`` entries one credential may carry (each means a fetch)."""

ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
VC_TYPE = "VerifiableCredential"
_MAX_TTL_MS = 100 * 365 * 86_400_000  # longer is "forever" (and would overflow timedelta)
_INDEX = re.compile(r"[0-9]{1,20}")
_ABSOLUTE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


class StatusPurpose(StrEnum):
    """The status purposes vcissue issues and checks (spec 2.1)."""

    REVOCATION = "revocation"
    """Cancels the credential; final."""
    SUSPENSION = "suspension"
    """Temporarily prevents acceptance; reversible."""

    @property
    def reversible(self) -> bool:
        return self is StatusPurpose.SUSPENSION


_PURPOSE_VALUES = frozenset(purpose.value for purpose in StatusPurpose)


def _purpose(value: object) -> StatusPurpose:
    if isinstance(value, StatusPurpose):
        return value
    if not isinstance(value, str):
        raise StatusListError(f"statusPurpose must be a string, not {type(value).__name__}")
    try:
        return StatusPurpose(value)
    except ValueError:
        raise StatusListError(f"unsupported statusPurpose {value!r}") from None


def _url(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise StatusListError(f"{what} must be a string URL")
    if not _ABSOLUTE_URL.fullmatch(value):
        raise StatusListError(f"{what} must be an absolute URL, not {value!r}")
    return value


def _has_type(value: object, name: str) -> bool:
    if isinstance(value, str):
        return value == name
    if isinstance(value, list):
        return name in value and all(isinstance(item, str) for item in value)
    return False


@dataclass(frozen=True)
class StatusEntry:
    """One parsed ``BitstringStatusListEntry``."""

    list_url: str
    index: int
    purpose: StatusPurpose
    entry_id: str | None = None


def status_entry(list_url: str, index: int, purpose: StatusPurpose | str) -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` for the credential's ``credentialStatus``."""
    list_url = _url(list_url, "statusListCredential")
    if "#" in list_url:
        raise StatusListError("a status list URL must not have a fragment")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise StatusListError(f"statusListIndex must be an integer >= 0, not {index!r}")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": _purpose(purpose).value,
        # The spec types the index as a base-10 string.
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def parse_status_entry(obj: object) -> StatusEntry:
    """Read one ``BitstringStatusListEntry``; ``StatusListError`` says what is wrong."""
    if not isinstance(obj, Mapping):
        raise StatusListError("a credentialStatus entry must be an object")
    if "type" not in obj:
        raise StatusListError("credentialStatus entry has no type")
    if not _has_type(obj["type"], ENTRY_TYPE):
        raise StatusListError(f"credentialStatus type {obj['type']!r} is not {ENTRY_TYPE}")
    for name in ("statusPurpose", "statusListIndex", "statusListCredential"):
        if name not in obj:
            raise StatusListError(f"credentialStatus entry has no {name}")
    purpose = _purpose(obj["statusPurpose"])
    raw_index = obj["statusListIndex"]
    if not isinstance(raw_index, str):
        raise StatusListError("statusListIndex must be a string of a base-10 integer")
    if not _INDEX.fullmatch(raw_index):
        raise StatusListError(
            f"statusListIndex {raw_index[:40]!r} is not a base-10 integer >= 0 (max 20 digits)"
        )
    list_url = _url(obj["statusListCredential"], "statusListCredential")
    size = obj.get("statusSize", 1)
    if not isinstance(size, int) or isinstance(size, bool) or size != 1:
        raise StatusListError(f"statusSize {size!r} is not supported (only 1)")
    entry_id = obj.get("id")
    if entry_id is not None:
        if not isinstance(entry_id, str):
            raise StatusListError("credentialStatus id must be a string")
        if entry_id == list_url:
            raise StatusListError("credentialStatus id must not be the status list URL")
    return StatusEntry(list_url, int(raw_index), purpose, entry_id)


def _status_items(credential_status: object) -> list[object]:
    if isinstance(credential_status, Mapping):
        return [credential_status]
    if not isinstance(credential_status, list):
        raise StatusListError("credentialStatus must be an object or a list of objects")
    if not credential_status:
        raise StatusListError("credentialStatus must not be an empty list")
    if len(credential_status) > MAX_STATUS_ENTRIES:
        raise StatusListError(f"more than {MAX_STATUS_ENTRIES} credentialStatus entries")
    return list(credential_status)


def parse_status_entries(credential_status: object) -> list[StatusEntry]:
    """``credentialStatus`` (one entry or a list of them) as parsed entries."""
    return [parse_status_entry(entry) for entry in _status_items(credential_status)]


def read_credential_status(credential_status: object) -> tuple[list[StatusEntry], list[str]]:
    """The entries a verifier checks, and the other purposes it leaves alone.

    A ``BitstringStatusListEntry`` whose ``statusPurpose`` is neither revocation nor
    suspension (the spec's ``refresh`` and ``message``, or an extension's purpose) says
    nothing about whether the credential may be relied on: it is returned by purpose
    for the report, not checked and not an error. Anything else that is wrong with an
    entry raises ``StatusListError`` as ``parse_status_entry`` does.
    """
    entries: list[StatusEntry] = []
    others: list[str] = []
    for item in _status_items(credential_status):
        if isinstance(item, Mapping) and _has_type(item.get("type"), ENTRY_TYPE):
            purpose = item.get("statusPurpose")
            if isinstance(purpose, str) and purpose and purpose not in _PURPOSE_VALUES:
                others.append(purpose)
                continue
        entries.append(parse_status_entry(item))
    return entries, others


# ------------------------------------------------------------------ status list credential


def _issuer_id(issuer: object) -> str:
    if isinstance(issuer, str):
        return _url(issuer, "issuer")
    if isinstance(issuer, Mapping):
        return _url(issuer.get("id"), "issuer id")
    raise StatusListError("issuer must be a URL or an object with an id")


def _datetime_text(moment: object, what: str) -> str:
    if not isinstance(moment, datetime):
        raise StatusListError(f"{what} must be a datetime")
    try:
        return format_datetime(moment)
    except ProofError as error:
        raise StatusListError(f"{what}: {error}") from None


def status_list_credential(
    list_url: str,
    purpose: StatusPurpose | str,
    bitstring: Bitstring,
    *,
    issuer: dict[str, Any] | str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    credential_id: str | None = None,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` publishing ``bitstring`` at ``list_url``.

    Sign it with ``vcissue.proofs.sign``. The credential ``id`` is ``list_url`` (the
    URL the entries' ``statusListCredential`` names) unless ``credential_id`` says
    otherwise. Keep them equal: ``read_status_list_credential(fetched_from=...)``
    refuses a list whose ``id`` is not the URL it was fetched from, and ``status_of``
    a list whose URL is not the entry's (so a list cannot be served in place of another).
    """
    list_url = _url(list_url, "status list URL")
    if "#" in list_url:
        raise StatusListError("a status list URL must not have a fragment")
    if not isinstance(bitstring, Bitstring):
        raise StatusListError("bitstring must be a Bitstring")
    _issuer_id(issuer)
    credential: dict[str, Any] = {
        "@context": [VC_V2],
        "id": list_url if credential_id is None else _url(credential_id, "credential id"),
        "type": [VC_TYPE, LIST_CREDENTIAL_TYPE],
        "issuer": dict(issuer) if isinstance(issuer, Mapping) else issuer,
        "validFrom": _datetime_text(valid_from, "validFrom"),
    }
    if valid_until is not None:
        credential["validUntil"] = _datetime_text(valid_until, "validUntil")
        if valid_until <= valid_from:
            raise StatusListError("validUntil must be after validFrom")
    credential["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": LIST_TYPE,
        "statusPurpose": _purpose(purpose).value,
        "encodedList": bitstring.encode(),
    }
    return credential


@dataclass(frozen=True)
class StatusList:
    """A structurally valid status list credential (its proof is the caller's to check)."""

    list_url: str
    purposes: tuple[StatusPurpose, ...]
    bitstring: Bitstring
    valid_from: datetime | None
    valid_until: datetime | None
    issuer_id: str
    ttl: timedelta | None = None
    """The list's ``ttl`` (spec 2.2: milliseconds a copy may be cached), when it has one."""

    @property
    def purpose(self) -> StatusPurpose:
        """The (first) supported purpose; vcissue's own lists have exactly one."""
        return self.purposes[0]

    def valid_at(self, now: datetime) -> bool:
        """Whether ``now`` lies in the list's validity period (``validFrom``/``validUntil``)."""
        if not isinstance(now, datetime) or now.tzinfo is None:
            raise StatusListError("now must be a timezone-aware datetime")
        if self.valid_from is not None and now < self.valid_from:
            return False
        return self.valid_until is None or now <= self.valid_until


def _optional_datetime(vc: Mapping[str, Any], name: str) -> datetime | None:
    if name not in vc:
        return None
    try:
        return parse_datetime(vc[name])
    except ProofError:
        raise StatusListError(f"{name} is not an XSD dateTime") from None


def read_status_list_credential(
    vc: Mapping[str, Any],
    *,
    fetched_from: str | None = None,
    max_bits: int = DEFAULT_MAX_BITS,
    min_bits: int = MIN_BITS,
) -> StatusList:
    """Check the structure of a ``BitstringStatusListCredential`` and decode its list.

    ``fetched_from`` is the URL the caller dereferenced. The credential's ``id``, when
    present, must equal it (a list signed for one URL and served at another is
    refused); without an ``id`` the list takes ``fetched_from`` as its URL. Unknown
    purposes in a multi-purpose list are ignored; a list with no supported purpose is
    refused. Validity dates are parsed, not compared with any clock.
    """
    if not isinstance(vc, Mapping):
        raise StatusListError("a status list credential must be an object")
    context = vc.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    if first != VC_V2:
        raise StatusListError(f"status list credential @context must start with {VC_V2}")
    types = vc.get("type")
    if not (_has_type(types, VC_TYPE) and _has_type(types, LIST_CREDENTIAL_TYPE)):
        raise StatusListError(f"credential type {types!r} is not a {LIST_CREDENTIAL_TYPE}")
    list_url: str
    if "id" in vc:
        list_url = _url(vc["id"], "status list credential id")
        if fetched_from is not None and fetched_from != list_url:
            raise StatusListError(
                f"status list credential {list_url!r} was served at {fetched_from!r}"
            )
    elif fetched_from is not None:
        list_url = _url(fetched_from, "status list URL")
    else:
        raise StatusListError("status list credential has no id and no URL was given")
    if "issuer" not in vc:
        raise StatusListError("status list credential has no issuer")
    issuer_id = _issuer_id(vc["issuer"])
    valid_from = _optional_datetime(vc, "validFrom")
    valid_until = _optional_datetime(vc, "validUntil")
    subject: object = vc.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, Mapping):
        raise StatusListError("credentialSubject must be one object (the status list)")
    if not _has_type(subject.get("type"), LIST_TYPE):
        raise StatusListError(f"credentialSubject type {subject.get('type')!r} is not {LIST_TYPE}")
    if "statusPurpose" not in subject:
        raise StatusListError("the status list has no statusPurpose")
    purposes = _list_purposes(subject["statusPurpose"])
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise StatusListError("the status list has no encodedList string")
    bitstring = Bitstring.decode(encoded, max_bits=max_bits, min_bits=min_bits)
    ttl = subject.get("ttl")
    if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0):
        raise StatusListError(f"ttl must be a whole number of milliseconds >= 0, not {ttl!r}")
    return StatusList(
        list_url,
        purposes,
        bitstring,
        valid_from,
        valid_until,
        issuer_id,
        None if ttl is None else timedelta(milliseconds=min(ttl, _MAX_TTL_MS)),
    )


def _list_purposes(value: object) -> tuple[StatusPurpose, ...]:
    values: Sequence[object] = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(item, str) for item in values):
        raise StatusListError("statusPurpose must be one or more strings")
    known = tuple(StatusPurpose(v) for v in dict.fromkeys(values) if v in _PURPOSE_VALUES)
    if not known:
        raise StatusListError(f"status list has no supported statusPurpose ({value!r})")
    return known


def status_of(entry: StatusEntry, status_list: StatusList) -> bool:
    """The entry's bit in the list: True means revoked / suspended.

    Raises ``StatusListError`` when the list is not the one the entry names, does
    not serve the entry's purpose (STATUS_VERIFICATION_ERROR), or is too short for
    the index (RANGE_ERROR).
    """
    if entry.list_url != status_list.list_url:
        raise StatusListError(f"entry names list {entry.list_url!r}, not {status_list.list_url!r}")
    if entry.purpose not in status_list.purposes:
        raise StatusListError(
            f"entry purpose {entry.purpose.value!r} is not a purpose of the list "
            "(STATUS_VERIFICATION_ERROR)"
        )
    return status_list.bitstring.get(entry.index)
