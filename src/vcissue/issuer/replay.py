"""The audit log proves state, not only order: replay it and compare.

``replay`` folds the log's entries into what each credential must be now (its state, its
two status bits, the digest of its signed form); ``compare`` sets that against the
store's credential rows, the store's status list bits and the signed lists as published.
A credential flipped from revoked to active in the database, a bit cleared in a list, a
published list that says otherwise, a credential the log never issued: each is reported
with the credential id. Pure: the caller reads the store and the published lists.

Every action that changes a credential's state or bits is listed here (``_EFFECTS``); an
action the issuer learns later must be added, or replay reports the difference it makes.

State digests (incremental verification): ``state_digest`` sums, modulo 2**2048, one
2048-bit SHA-512 element per credential over what the log says it is (id, state, both
status indices and bits, the digest of its signed form; ``store.audit.state_element``). A
sum can be updated per credential (subtract its old element, add its new one), so the
issuer keeps the digest current as the log grows and signs it into each checkpoint, and a
verifier replays only the entries after a checkpoint; the same sum over the store's rows
(``Tx.state_sum``, computed by PostgreSQL itself) must come out equal.
Finding two different states with one digest is the generalised birthday (k-sum) problem
over 2048 bits (Wagner), out of reach for any number of credentials a body holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..status import Bitstring, StatusList
from ..store.audit import STATE_BITS, state_element
from ..store.records import AuditEntry, CredentialRecord, StatusListRecord

__all__ = [
    "STATE_BITS",
    "Expected",
    "compare",
    "digest_hex",
    "element",
    "fold",
    "replay",
    "state_digest",
]


@dataclass(frozen=True)
class Expected:
    """What the log says a credential is."""

    state: str
    revocation: tuple[str, int]
    suspension: tuple[str, int]
    revoked: bool  # its revocation bit
    suspended: bool  # its suspension bit
    sha256: str | None  # of its signed form, as last issued or re-signed


# action -> (new state or None, revocation bit or None, suspension bit or None)
_EFFECTS: Mapping[str, tuple[str | None, bool | None, bool | None]] = {
    "suspend": ("suspended", None, True),
    "reinstate": ("active", None, False),
    "revoke": ("revoked", True, None),
    "withdraw": ("withdrawn", True, None),
    "reduce-scope": ("withdrawn", True, None),
    "expand-scope": ("superseded", None, None),
    "recertify": ("superseded", None, None),
    "supersede": ("superseded", None, None),
    "rename": ("superseded", None, None),  # a name change: the old one superseded
}


# actions that store a new signed form of the same credential (its digest in ``sha256``)
_RESIGNED = ("re-sign", "deliver", "erase")  # erase: the stored form without personal data


def _pair(value: object) -> tuple[str, int] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
    ):
        return value[0], value[1]
    return None


def replay(entries: Iterable[AuditEntry]) -> tuple[dict[str, Expected], list[str]]:
    """Each credential the log issued, as the log says it is now; and the entries that
    make no sense (a change to a credential the log never issued)."""
    found: dict[str, Expected] = {}
    problems: list[str] = []
    for entry in entries:
        subject = entry.credential_id
        if subject is None:
            continue
        if entry.action == "issue":
            revocation = _pair(entry.details.get("revocation"))
            suspension = _pair(entry.details.get("suspension"))
            if revocation is None or suspension is None:
                problems.append(f"entry {entry.seq}: issue of {subject} names no status indices")
                continue
            digest = entry.details.get("sha256")
            found[subject] = Expected(
                "active",
                revocation,
                suspension,
                False,
                False,
                digest if isinstance(digest, str) else None,
            )
            continue
        effect = _EFFECTS.get(entry.action)
        if effect is None and entry.action not in _RESIGNED:
            continue  # no effect on the credential (a decision vote, a complaint, ...)
        current = found.get(subject)
        if current is None:
            problems.append(
                f"credential {subject}: entry {entry.seq} ({entry.action}) changes a "
                "credential the log never issued"
            )
            continue
        if entry.action in _RESIGNED:
            digest = entry.details.get("sha256")
            found[subject] = replace(current, sha256=digest if isinstance(digest, str) else None)
            continue
        assert effect is not None
        state, revoked, suspended = effect
        found[subject] = replace(
            current,
            state=state or current.state,
            revoked=current.revoked if revoked is None else revoked,
            suspended=current.suspended if suspended is None else suspended,
        )
    return found, problems


def compare(
    expected: Mapping[str, Expected],
    records: Iterable[CredentialRecord],
    lists: Iterable[StatusListRecord],
    published: Callable[[StatusListRecord], Mapping[str, StatusList | str]],
) -> list[str]:
    """Every difference between the replayed log and the store (credential rows, list
    bits) and the published lists; ``published(list)`` gives, per place it is published
    (the store's signed copy the service serves, the publish directory), the signed list
    found there or a text saying why it cannot be relied on."""
    problems: list[str] = []
    stored = {record.id: record for record in records}
    for credential_id in sorted(set(stored) - set(expected)):
        problems.append(f"credential {credential_id}: in the store, but the log never issued it")
    for credential_id in sorted(set(expected) - set(stored)):
        problems.append(f"credential {credential_id}: issued in the log, missing from the store")
    bits: dict[str, Bitstring] = {}
    signed: dict[str, Mapping[str, StatusList | str]] = {}
    for item in lists:
        bits[item.id] = Bitstring.from_bytes(item.bits, min_bits=1)
        signed[item.id] = published(item)
    for credential_id, want in sorted(expected.items()):
        record = stored.get(credential_id)
        if record is None:
            continue
        if record.state != want.state:
            problems.append(
                f"credential {credential_id}: the store says {record.state}, "
                f"the log says {want.state}"
            )
        if want.sha256 is not None:
            digest = hashlib.sha256(record.signed_json.encode("utf-8")).hexdigest()
            if digest != want.sha256:
                problems.append(
                    f"credential {credential_id}: its signed form differs from the one the log "
                    "recorded"
                )
        stored_at = (
            (record.revocation_list, record.revocation_index),
            (record.suspension_list, record.suspension_index),
        )
        if stored_at != (want.revocation, want.suspension):
            problems.append(f"credential {credential_id}: its status indices differ from the log's")
        for purpose, (list_id, index), bit in (
            ("revocation", want.revocation, want.revoked),
            ("suspension", want.suspension, want.suspended),
        ):
            word = "set" if bit else "clear"
            if list_id not in bits:
                problems.append(f"credential {credential_id}: its {purpose} list {list_id} is gone")
                continue
            if bits[list_id].get(index) != bit:
                problems.append(
                    f"credential {credential_id}: {purpose} bit {index} of {list_id} in the "
                    f"store is not {word} as the log says"
                )
            for where, found in signed[list_id].items():
                if isinstance(found, str):
                    continue  # reported once per list below
                if found.bitstring.get(index) != bit:
                    problems.append(
                        f"credential {credential_id}: the signed {purpose} list {list_id} "
                        f"({where}) has bit {index} {'clear' if bit else 'set'}; the log "
                        f"says {word}"
                    )
    for list_id, places in sorted(signed.items()):
        for where, found in places.items():
            if isinstance(found, str):
                problems.append(f"signed list {list_id} ({where}): {found}")
    return problems


# ----------------------------------------------------------------------------- state digests

_MODULUS = 1 << STATE_BITS


def element(credential_id: str, want: Expected) -> int:
    """One credential's term of the state digest, as the log says it is."""
    return state_element(
        credential_id, want.state, want.revocation, want.revoked, want.suspension,
        want.suspended, want.sha256,
    )  # fmt: skip


def state_digest(expected: Mapping[str, Expected]) -> int:
    """The digest of a whole state (``replay``'s first result)."""
    return sum(element(credential_id, want) for credential_id, want in expected.items()) % _MODULUS


def fold(
    digest: int, start: int, end: int, history: Mapping[str, Sequence[AuditEntry]]
) -> tuple[int, list[str]]:
    """The digest after entry ``end`` from the digest after entry ``start``, given the
    whole history (every entry up to ``end``) of each credential an entry in
    ``(start, end]`` names; and what replay finds odd in those entries."""
    problems: list[str] = []
    for credential_id, entries in history.items():
        before, odd_before = replay(entry for entry in entries if entry.seq <= start)
        after, odd = replay(entry for entry in entries if entry.seq <= end)
        problems += odd[len(odd_before) :]  # those of the entries after ``start``
        if credential_id in before:
            digest -= element(credential_id, before[credential_id])
        if credential_id in after:
            digest += element(credential_id, after[credential_id])
    return digest % _MODULUS, problems


def digest_hex(digest: int) -> str:
    return f"{digest % _MODULUS:0{STATE_BITS // 4}x}"
