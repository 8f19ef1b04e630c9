"""The append-only, hash-chained audit log: canonical form, hashing and verification.

Pure: no I/O. Both back ends compute hashes with ``entry_hash`` and check chains with
``verify_audit_chain``, so a log written by one verifies the same way everywhere.

Canonical form of an entry (what is hashed)
    The UTF-8 bytes of ``json.dumps(obj, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False, allow_nan=False)`` where ``obj`` is the JSON object::

        {"seq": <int>, "at": <text>, "actor": <text>, "action": <text>,
         "credential_id": <text or null>, "details": <object>, "prev_hash": <64 hex>}

    ``at`` is ISO 8601 in UTC with exactly six fractional digits and a ``Z``
    (``2025-01-31T09:30:00.000000Z``, see ``iso_utc``); both back ends store
    microseconds, so the text is reproducible from the stored value. ``hash`` is the
    lower-case hex SHA-256 of those bytes. The first entry has ``seq`` 1 and
    ``prev_hash`` ``GENESIS_HASH`` (64 zeros); every later entry has ``seq`` one more
    than its predecessor and ``prev_hash`` equal to its predecessor's ``hash``.

What verification detects
    * an edited entry (any field): its recomputed hash differs from the stored one;
    * a deleted entry in the middle: a ``seq`` gap and a ``prev_hash`` that does not
      match the preceding entry;
    * a deleted tail: the last entry disagrees with the head (``seq`` and ``hash`` of
      the last append) that each store keeps in its ``audit_head`` row.
    Someone with write access to the database who rewrites the tail *and* the head
    consistently is not detectable from inside the database: the issuer publishes signed
    checkpoints of the head (``vcissue.checkpoint``) that third parties keep, and
    ``Issuer.audit_check`` replays the log against the store and the signed lists.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ..errors import StoreError
from .records import AuditEntry

__all__ = [
    "GENESIS_HASH",
    "STATE_BITS",
    "canonical_details",
    "canonical_entry",
    "entry_hash",
    "iso_utc",
    "parse_iso_utc",
    "state_element",
    "verify_audit_chain",
]

GENESIS_HASH = "0" * 64
STATE_BITS = 2048  # of a state element, and of the state digest (their sum mod 2**STATE_BITS)
_BIT = {True: "1", False: "0", None: "-"}


def iso_utc(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC: fixed width, so text order is time order."""
    if not isinstance(moment, datetime):
        raise StoreError(f"expected a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise StoreError("datetimes must be timezone-aware")
    plain = moment.astimezone(UTC).replace(tzinfo=None)
    return plain.isoformat(timespec="microseconds") + "Z"


def parse_iso_utc(text: str) -> datetime:
    """The inverse of ``iso_utc``."""
    if not isinstance(text, str) or not text.endswith("Z"):
        raise StoreError(f"stored datetime is not ISO 8601 UTC: {text!r}")
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError:
        raise StoreError(f"stored datetime is not ISO 8601 UTC: {text!r}") from None


def _dumps(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _check_json(value: Any, path: str) -> None:
    """Only values that survive a JSON round trip unchanged (so a re-hash is stable)."""
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise StoreError(f"audit details {path}: non-finite number")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise StoreError(f"audit details {path}: keys must be strings, not {key!r}")
            _check_json(item, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        for position, item in enumerate(value):
            _check_json(item, f"{path}[{position}]")
        return
    raise StoreError(f"audit details {path}: {type(value).__name__} is not JSON")


_PLAIN = (str, int, bool, type(None))  # exact types: a subclass takes the full check


def _plain_json(value: Any) -> bool:
    """The common case of ``_check_json`` without building paths: dicts and lists of
    strings, integers, booleans and null (every issuance writes two such objects)."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            if not all(type(key) is str for key in item):
                return False
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind not in _PLAIN:
            return False
    return True


def canonical_details(details: Mapping[str, Any]) -> str:
    """``details`` as canonical JSON text (what the stores keep); refuses non-JSON values."""
    if not isinstance(details, Mapping):
        raise StoreError("audit details must be a JSON object")
    if not _plain_json(details):
        _check_json(details, "$")  # floats, tuples, mappings, or a problem to name
    return _dumps(details)


def canonical_entry(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    credential_id: str | None,
    details: Mapping[str, Any],
    prev_hash: str,
) -> bytes:
    """The exact bytes that are hashed (see the module docstring)."""
    if not _plain_json(details):
        _check_json(details, "$")
    obj = {
        "seq": seq,
        "at": iso_utc(at),
        "actor": actor,
        "action": action,
        "credential_id": credential_id,
        "details": details,
        "prev_hash": prev_hash,
    }
    return _dumps(obj).encode("utf-8")


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    credential_id: str | None,
    details: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """Lower-case hex SHA-256 of ``canonical_entry``."""
    data = canonical_entry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        credential_id=credential_id,
        details=details,
        prev_hash=prev_hash,
    )
    return hashlib.sha256(data).hexdigest()


def verify_audit_chain(
    entries: Iterable[AuditEntry],
    *,
    head: tuple[int, str] | None = None,
    start: tuple[int, str] = (0, GENESIS_HASH),
) -> list[str]:
    """Every problem found in ``entries`` (in ``seq`` order); ``[]`` means the chain is intact.

    ``head`` is ``(seq, hash)`` of the last append as the store recorded it; with it a
    deleted tail is detected too. ``start`` is ``(seq, hash)`` of the entry the first of
    ``entries`` follows (a checkpoint's, to check only the entries after it). One edited
    entry yields one problem: the chain goes on from each entry's *stored* hash, so the
    damage is reported where it is.
    """
    problems: list[str] = []
    expected_seq = start[0] + 1
    prev_hash = start[1]
    last: AuditEntry | None = None
    for entry in entries:
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                missing = (
                    f"{expected_seq}"
                    if entry.seq == expected_seq + 1
                    else f"{expected_seq}..{entry.seq - 1}"
                )
                problems.append(f"seq gap: entry {missing} missing before entry {entry.seq}")
            else:
                problems.append(f"seq out of order: entry {entry.seq} after {expected_seq - 1}")
        if entry.prev_hash != prev_hash:
            problems.append(
                f"entry {entry.seq}: prev_hash does not match the hash of the entry before it"
            )
        try:
            recomputed = entry_hash(
                seq=entry.seq,
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                credential_id=entry.credential_id,
                details=entry.details,
                prev_hash=entry.prev_hash,
            )
        except StoreError as exc:
            problems.append(f"entry {entry.seq}: cannot be canonicalised ({exc})")
        else:
            if recomputed != entry.hash:
                problems.append(f"entry {entry.seq}: hash mismatch (entry was altered)")
        prev_hash = entry.hash
        expected_seq = entry.seq + 1
        last = entry
    if head is not None:
        head_seq, head_hash = head
        last_seq = last.seq if last is not None else start[0]
        last_hash = last.hash if last is not None else start[1]
        if last_seq != head_seq:
            problems.append(
                f"chain ends at entry {last_seq} but the head records entry {head_seq}"
                + (" (entries deleted from the tail)" if last_seq < head_seq else "")
            )
        elif last_hash != head_hash:
            problems.append(f"entry {last_seq}: hash differs from the hash the head records")
    return problems


def state_element(
    credential_id: str,
    state: str,
    revocation: tuple[str, int],
    revoked: bool | None,
    suspension: tuple[str, int],
    suspended: bool | None,
    sha256: str | None,
) -> int:
    """One credential's term of the state digest (``issuer.replay.state_digest``): the
    2048 bits ``SHA-512(i || SHA-512(data))`` for ``i`` = 0..3 (one byte each), as a
    big-endian number, where ``data`` is the UTF-8 of the tuple written as ``len:text``
    for texts (length in characters), ``index,`` for numbers and ``1``, ``0`` or ``-``
    (no such bit) for bits. Here, and not in the issuer, because PostgreSQL computes the
    same element for every stored row in SQL (``PostgresTx.state_sum``); SHA-512, not an
    XOF, because core PostgreSQL has it."""
    (rl, ri), (sl, si), sha = revocation, suspension, sha256 or ""
    data = (
        f"{len(credential_id)}:{credential_id}{len(state)}:{state}{len(rl)}:{rl}{ri},"
        f"{_BIT[revoked]}{len(sl)}:{sl}{si},{_BIT[suspended]}{len(sha)}:{sha}"
    ).encode()
    inner = hashlib.sha512(data).digest()
    blocks = b"".join(hashlib.sha512(bytes((i,)) + inner).digest() for i in range(4))
    return int.from_bytes(blocks, "big")
