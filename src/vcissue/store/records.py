"""What the store keeps (records) and the protocols every back end implements (Store, Tx).

The application runs every change as one write transaction::

    def issue(tx: Tx) -> CredentialRecord:
        rev = tx.open_list("revocation")          # FOR UPDATE: locked until commit
        ...
        tx.allocate_index(rev.id, index, credential_id)
        tx.insert_credential(record)
        tx.save_list(rev.id, bits=..., version=rev.version + 1, ...)
        tx.append_audit(actor=..., action="issue", credential_id=..., details={...}, at=now)
        return record

    record = store.run(issue)

``run`` commits when ``fn`` returns, rolls back when it raises, and re-runs ``fn`` in a
fresh transaction (bounded attempts, jittered back-off) when a ``ConflictError`` says
another writer got in the way. So ``fn`` must have no effects outside ``tx`` (or only
idempotent ones): it may run more than once. ``store.read(fn)`` does the same with a
read-only transaction (a consistent snapshot).

Errors (``vcissue.errors``): every failure is a ``StoreError``. ``DuplicateError`` (a
unique key taken) and ``ConflictError`` (a concurrent writer won; retry) leave the
transaction usable; after any other ``StoreError`` the transaction must be abandoned.

Datetimes must be timezone-aware; they come back in UTC with microseconds kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

__all__ = [
    "CREDENTIAL_STATES",
    "LIST_PURPOSES",
    "AuditEntry",
    "CredentialRecord",
    "CredentialSummary",
    "DeliveryRecord",
    "EventRecord",
    "ImportedRecord",
    "PrincipalRecord",
    "StatusListRecord",
    "Store",
    "Tx",
    "WalletSessionRecord",
]

T = TypeVar("T")

CREDENTIAL_STATES = frozenset({"active", "suspended", "revoked", "withdrawn", "superseded"})
LIST_PURPOSES = frozenset({"revocation", "suspension"})


@dataclass(frozen=True)
class CredentialRecord:
    id: str
    holder_name: str
    holder_id: str | None
    qualification_id: str
    units: tuple[str, ...]  # () = the full certificate
    awarded: datetime
    expires: datetime
    state: str  # one of CREDENTIAL_STATES
    revocation_list: str
    revocation_index: int
    suspension_list: str
    suspension_index: int
    previous_id: str | None
    batch_key: str | None  # unique when not None
    signed_json: str
    created_at: datetime
    suspended_until: datetime | None = None
    state_reason: str | None = None
    terms: Mapping[str, Any] = field(default_factory=dict)  # scope, limitations, result
    number: str | None = None  # the certificate number (unique; None: issued before numbers)
    holder_email: str | None = None  # where the holder's notices go; not in the credential


IMPORTED_STATES = ("current", "suspended", "withdrawn", "revoked", "expired")


@dataclass(frozen=True)
class ImportedRecord:
    """A certificate issued before vcissue, as the body's old register held it."""

    number: str
    holder_name: str
    holder_email: str | None
    qualification_id: str
    awarded: datetime
    expires: datetime
    state: str  # one of IMPORTED_STATES
    imported_at: datetime
    credential_id: str | None = None  # the credential issued for it on request


@dataclass(frozen=True)
class CredentialSummary:
    """A credential without its signed form or terms: what a read over many needs."""

    id: str
    number: str | None
    holder_name: str
    qualification_id: str
    units: tuple[str, ...]
    awarded: datetime
    expires: datetime
    state: str


@dataclass(frozen=True)
class StatusListRecord:
    id: str  # the list URL
    purpose: str  # "revocation" | "suspension"
    size: int  # in bits
    bits: bytes  # ceil(size / 8) bytes
    version: int
    full: bool
    published_json: str | None
    published_at: datetime | None
    created_at: datetime
    body: str = "default"  # the awarding body that signs it (model.scheme.DEFAULT_BODY)


@dataclass(frozen=True)
class PrincipalRecord:
    """A person or system that acts: a normalised identity, a display name, roles."""

    id: str  # NFKC, case-folded, trimmed (governance.principals.identity)
    display_name: str
    roles: frozenset[str]
    created_at: datetime
    disabled_at: datetime | None = None


@dataclass(frozen=True)
class ApiKeyRecord:
    """An API key of a principal: only a hash of its secret is kept."""

    key_id: str
    principal_id: str
    key_hash: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class CaseRecord:
    """A governance case: a decision awaiting approval, a complaint or an appeal.

    ``data`` is the case's JSON object (what governance needs to act on it); ``version``
    increases by one on every update (optimistic check).
    """

    id: str
    kind: str  # "decision" | "complaint" | "appeal"
    type: str  # decision kind (revoke, suspend, ...), complaint or appeal type
    subject: str | None  # the credential it is about, if any
    state: str
    opened_at: datetime
    data: Mapping[str, Any]
    due_at: datetime | None = None  # a decision's expiry, a complaint's target date
    closed_at: datetime | None = None
    version: int = 0


@dataclass(frozen=True)
class Vote:
    principal_id: str
    at: datetime
    note: str


@dataclass(frozen=True)
class WalletSessionRecord:
    """A delivery to a holder in progress: an OpenID4VCI offer, a VC-API exchange, or a
    holder page link. ``data`` is its JSON object (hashes of its secrets, attempts, the
    challenge); ``version`` increases by one on every update (optimistic check)."""

    id: str
    kind: str  # "oid4vci" | "vcapi" | "holder-page"
    credential_id: str
    state: str
    created_at: datetime
    expires_at: datetime
    data: Mapping[str, Any]
    version: int = 0


@dataclass(frozen=True)
class EventRecord:
    """One notice in the outbox (``vcissue.notify.events``): written in the transaction of
    the change it tells of; ``id`` is the receivers' idempotency key."""

    id: str
    kind: str
    credential_id: str | None
    at: datetime
    data: Mapping[str, Any]
    dispatched_at: datetime | None = None


DELIVERY_STATES = frozenset({"pending", "sent", "dead"})


@dataclass(frozen=True)
class DeliveryRecord:
    """One event to one recipient (``webhook:NAME``, ``email:holder``, ``email:ADDRESS``)."""

    event_id: str
    recipient: str
    state: str  # one of DELIVERY_STATES
    attempts: int
    next_at: datetime
    last_error: str | None = None
    done_at: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    credential_id: str | None
    details: dict[str, Any]
    prev_hash: str  # hex sha256
    hash: str  # hex sha256, see audit.py


# ----------------------------------------------------------------------------- protocols


class Tx(Protocol):
    """One open transaction. Valid only inside its ``with`` block / ``run`` callback."""

    # credentials
    def insert_credential(self, record: CredentialRecord) -> None: ...
    def get_credential(
        self, credential_id: str, *, for_update: bool = False
    ) -> CredentialRecord | None: ...
    def get_by_batch_key(self, batch_key: str) -> CredentialRecord | None: ...
    def get_by_number(self, number: str) -> CredentialRecord | None: ...
    def number_taken(self, number: str) -> bool: ...
    def next_in_sequence(self, scope: str) -> int: ...
    def update_credential(
        self,
        credential_id: str,
        *,
        state: str,
        state_reason: str | None = None,
        suspended_until: datetime | None = None,
    ) -> None: ...
    def replace_signed(self, credential_id: str, signed_json: str) -> None: ...
    def unnumbered(self, *, limit: int = 500) -> list[str]: ...
    def insert_import(self, record: ImportedRecord) -> None: ...
    def get_import(self, number: str) -> ImportedRecord | None: ...
    def set_import_credential(self, number: str, credential_id: str) -> None: ...
    def set_number(self, credential_id: str, number: str) -> bool: ...
    def erase_credential(
        self, credential_id: str, *, holder_name: str, signed_json: str, terms: Mapping[str, Any]
    ) -> None: ...
    def imports(self) -> list[ImportedRecord]: ...
    def erase_import(self, number: str, *, holder_name: str) -> None: ...
    def set_event_data(self, event_id: str, data: Mapping[str, Any]) -> None: ...
    def set_vote_note(self, case_id: str, principal_id: str, note: str) -> None: ...
    def list_credentials(
        self,
        *,
        state: str | None = None,
        qualification_id: str | None = None,
        expiring_before: datetime | None = None,
        suspended_before: datetime | None = None,
    ) -> list[CredentialRecord]: ...
    def successors(self, credential_id: str) -> list[CredentialRecord]: ...
    def count_by_qualification_and_state(self) -> dict[tuple[str, str], int]: ...
    def count_credentials(
        self, *, now: datetime, since: datetime | None = None, until: datetime | None = None
    ) -> dict[tuple[str, bool, str], int]: ...
    def count_awarded_by_month(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> dict[tuple[str, str], int]: ...
    def expiring_between(self, start: datetime, end: datetime) -> list[CredentialSummary]: ...

    # status lists and index allocation
    def open_list(
        self, purpose: str, *, body: str = "default", for_update: bool = True
    ) -> StatusListRecord | None: ...
    def open_list_ref(self, purpose: str, *, body: str = "default") -> tuple[str, int] | None: ...
    def create_list(self, record: StatusListRecord) -> None: ...
    def get_list(self, list_id: str, *, for_update: bool = False) -> StatusListRecord | None: ...
    def lists(self) -> list[StatusListRecord]: ...
    def save_list(
        self,
        list_id: str,
        *,
        bits: bytes,
        version: int,
        full: bool,
        published_json: str | None,
        published_at: datetime | None,
    ) -> None: ...
    def allocate_index(self, list_id: str, index: int, credential_id: str) -> bool: ...
    def allocated_count(self, list_id: str) -> int: ...
    def allocated_indices(self, list_id: str) -> list[int]: ...
    def is_allocated(self, list_id: str, index: int) -> bool: ...

    # principals and their API keys
    def put_principal(self, record: PrincipalRecord) -> None: ...
    def get_principal(self, principal_id: str) -> PrincipalRecord | None: ...
    def principals(self) -> list[PrincipalRecord]: ...
    def add_api_key(self, record: ApiKeyRecord) -> None: ...
    def get_api_key(self, key_id: str) -> ApiKeyRecord | None: ...
    def api_keys(self) -> list[ApiKeyRecord]: ...
    def revoke_api_key(self, key_id: str, at: datetime) -> None: ...

    # governance cases (decisions, complaints, appeals) and their votes
    def insert_case(self, record: CaseRecord) -> None: ...
    def get_case(self, case_id: str, *, for_update: bool = False) -> CaseRecord | None: ...
    def update_case(
        self,
        case_id: str,
        *,
        version: int,
        state: str,
        data: Mapping[str, Any],
        closed_at: datetime | None = None,
    ) -> None: ...
    def cases(
        self, *, kind: str | None = None, state: str | None = None, subject: str | None = None
    ) -> list[CaseRecord]: ...
    def add_vote(self, case_id: str, principal_id: str, at: datetime, note: str) -> None: ...
    def votes(self, case_id: str) -> list[Vote]: ...

    # holder binding and wallet delivery
    def bind_holder(self, credential_id: str, *, holder_id: str, signed_json: str) -> None: ...
    def insert_wallet_session(self, record: WalletSessionRecord) -> None: ...
    def get_wallet_session(
        self, session_id: str, *, for_update: bool = False
    ) -> WalletSessionRecord | None: ...
    def update_wallet_session(
        self, session_id: str, *, version: int, state: str, data: Mapping[str, Any]
    ) -> None: ...
    def wallet_sessions(self, credential_id: str) -> list[WalletSessionRecord]: ...
    def add_nonce(self, nonce: str, expires_at: datetime) -> None: ...
    def use_nonce(self, nonce: str, now: datetime) -> bool: ...

    # notices: the outbox and its deliveries
    def add_event(self, record: EventRecord) -> bool: ...
    def get_event(self, event_id: str) -> EventRecord | None: ...
    def events(
        self, *, credential_id: str | None = None, undispatched: bool = False, limit: int = 0
    ) -> list[EventRecord]: ...
    def mark_dispatched(self, event_id: str, at: datetime) -> None: ...
    def add_delivery(self, record: DeliveryRecord) -> bool: ...
    def deliveries(
        self,
        *,
        event_id: str | None = None,
        state: str | None = None,
        due_before: datetime | None = None,
        limit: int = 0,
    ) -> list[DeliveryRecord]: ...
    def update_delivery(self, record: DeliveryRecord, *, attempts_was: int) -> None: ...

    # audit log
    def append_audit(
        self,
        *,
        actor: str,
        action: str,
        credential_id: str | None,
        details: dict[str, Any],
        at: datetime,
    ) -> AuditEntry: ...
    def audit_entries(self, *, after: int = 0) -> list[AuditEntry]: ...
    def audit_for(self, credential_id: str) -> list[AuditEntry]: ...
    def audit_head(self) -> tuple[int, str]: ...
    def verify_audit(self) -> list[str]: ...
    def audit_state(self) -> tuple[int, str]: ...
    def save_audit_state(self, seq: int, digest: str) -> None: ...
    def state_sum(self) -> int: ...


class Store(Protocol):
    backend: str  # "sqlite" | "postgresql"

    def transaction(self) -> AbstractContextManager[Tx]: ...
    def read(self, fn: Callable[[Tx], T]) -> T: ...
    def run(self, fn: Callable[[Tx], T], *, attempts: int | None = None) -> T: ...
    def schema_version(self) -> int: ...
    def close(self) -> None: ...
    def __enter__(self) -> Store: ...
    def __exit__(self, *exc: object) -> None: ...
