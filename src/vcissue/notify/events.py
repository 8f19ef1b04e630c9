"""The notices a state change makes: their kinds, their ids, what they carry (pure).

The issuer writes one outbox event in the transaction that writes the change's audit
entry (``IssuerCore._audit``), so a change and its notice commit together or not at all
(a transactional outbox). The event id is derived from that audit entry's hash (reminders:
from the credential and the window), so it is stable: receivers use it as the idempotency
key of an at-least-once delivery.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..errors import NotifyError
from ..proofs import format_datetime
from ..store.records import AuditEntry, CredentialRecord, EventRecord

__all__ = [
    "HOLDER_KINDS",
    "KINDS",
    "REMOVED_KINDS",
    "event_id",
    "from_audit",
    "reminder",
]

# audit action -> event kind; other actions (decision requests, complaints...) notify no one
_FROM_AUDIT = {
    "issue": "issued",
    "suspend": "suspended",
    "extend-suspension": "suspension-extended",
    "reinstate": "reinstated",
    "withdraw": "withdrawn",
    "revoke": "revoked",
    "restore": "restored",
    "reduce-scope": "scope-changed",
    "expand-scope": "scope-changed",
    "recertify": "recertified",
    "re-sign": "re-signed",  # after a key compromise: the holder takes the replacement
}
REMINDER_KINDS = ("expiring", "recertification-window-open")
KINDS = (*dict.fromkeys(_FROM_AUDIT.values()), *REMINDER_KINDS)
HOLDER_KINDS = KINDS  # a holder hears of every change to their certification
REMOVED_KINDS = ("suspended", "withdrawn", "revoked", "scope-changed")  # seed 003 j
# what an event copies from the audit details (never who decided: that stays internal)
_DETAILS = ("reason", "until", "was", "replacement", "kept", "units")
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:vcissue:notify:event")


def event_id(seed: str) -> str:
    """A stable event id (``urn:uuid:``, a name-based UUID) from what makes it unique."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, seed)}"


def kind_of(action: str) -> str | None:
    return _FROM_AUDIT.get(action)


def _credential(record: CredentialRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "holderName": record.holder_name,
        "qualification": record.qualification_id,
        "units": list(record.units),
        "state": record.state,
        "awarded": format_datetime(record.awarded),
        "expires": format_datetime(record.expires),
        **({"number": record.number} if record.number else {}),
    }


def from_audit(entry: AuditEntry, record: CredentialRecord) -> EventRecord | None:
    """The event for an audit entry about ``record`` (as the change left it), if any."""
    kind = kind_of(entry.action)
    if kind is None:
        return None
    details = {name: entry.details[name] for name in _DETAILS if name in entry.details}
    return EventRecord(
        id=event_id(f"audit:{entry.hash}"),
        kind=kind,
        credential_id=record.id,
        at=entry.at,
        data={"credential": _credential(record), **details},
    )


def reminder(
    kind: str, record: CredentialRecord, days: int, at: datetime, **extra: Any
) -> EventRecord:
    """A reminder of ``record`` for the window of ``days`` days: one id per credential,
    kind and window, so however often the scheduler runs it is written once."""
    if kind not in REMINDER_KINDS:
        raise NotifyError(f"not a reminder kind: {kind!r}")
    data: Mapping[str, Any] = {"credential": _credential(record), "days": days, **extra}
    return EventRecord(
        id=event_id(f"{kind}:{record.id}:{days}"),
        kind=kind,
        credential_id=record.id,
        at=at,
        data=data,
    )
