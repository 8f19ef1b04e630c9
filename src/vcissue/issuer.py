"""The certificate lifecycle over a store: issue, suspend, reinstate, revoke, withdraw,
reduce scope, recertify; status lists kept signed and published after every change.

Every operation is one store transaction holding the credential change, the status bits,
the re-signed status list credential and the audit entry, so a crash leaves either all
of it or none (``Store.run`` re-runs the transaction when a concurrent writer got in the
way, so the transaction functions here have no effect outside it). After the commit the
signed lists that changed are written to ``publish_dir`` (atomically: temporary file and
rename); ``publish()`` rewrites every list from the store, so a crash between commit and
file write is repaired by the next change or by ``vcissue lifecycle run``.

States (ISO/IEC 17024 9.5; seed 001 sections 4.46, 4.63-4.64)::

    active --suspend--> suspended --reinstate--> active
    active|suspended --revoke--> revoked            (final: the revocation bit is set)
    suspended --deadline passed (run_lifecycle)--> withdrawn   (final, revocation bit)
    active|suspended --reduce_scope--> withdrawn + a new active credential (fewer units)
    active|suspended --recertify--> superseded + a new active credential (new dates)

"superseded" sets no bit: the old certificate was true for its period and stays valid
until its own ``validUntil``; the new one references it (``previous_credential``).
Expiry needs no state: ``validUntil`` is in the signed credential and checked by every
verifier; reports and ``public_status`` compare it with the clock.

Status lists: every credential gets one index in the open revocation list and one in
the open suspension list, drawn uniformly at random among the never-used indices (herd
privacy) in the same transaction that stores the credential. A full list is closed and
a new one opened (roll-over). List URLs are ``{status_base_url}/{purpose}-{n}``; the
file in ``publish_dir`` is named ``{purpose}-{n}``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from . import proofs
from .batch import BatchRow, RowError
from .credential import IssuerProfile, build, new_credential_id
from .errors import (
    CredentialError,
    PolicyError,
    StoreError,
    UnknownCredentialError,
    VcissueError,
)
from .keys import SigningKey
from .model import Award, Holder, Qualification
from .status import (
    MIN_BITS,
    PROBES,
    Bitstring,
    StatusPurpose,
    allocate_index,
    status_entry,
    status_list_credential,
)
from .store import (
    ConflictError,
    CredentialRecord,
    DuplicateError,
    StatusListRecord,
    Store,
    Tx,
)

__all__ = [
    "BatchReport",
    "IssuedCredential",
    "Issuer",
    "IssuerSettings",
    "PublicStatus",
    "RevocationOutcome",
    "RevocationPolicy",
]

Clock = Callable[[], datetime]
REVOCATION = StatusPurpose.REVOCATION.value
SUSPENSION = StatusPurpose.SUSPENSION.value
_CHANGEABLE = ("active", "suspended")


@dataclass(frozen=True)
class RevocationPolicy:
    """How many distinct approvers a revocation needs (seed 003: two directors).

    ``per_qualification`` overrides ``approvers`` for the qualifications it names.
    """

    approvers: int = 1
    per_qualification: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for count in (self.approvers, *self.per_qualification.values()):
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                raise PolicyError(f"a revocation needs at least one approver, not {count!r}")

    def required(self, qualification_id: str) -> int:
        return self.per_qualification.get(qualification_id, self.approvers)


@dataclass(frozen=True)
class IssuerSettings:
    status_base_url: str  # lists live at {status_base_url}/{purpose}-{n}
    publish_dir: Path | None = None  # where signed lists are written (None: store only)
    list_size: int = MIN_BITS
    suite: str = proofs.DEFAULT_SUITE
    revocation: RevocationPolicy = field(default_factory=RevocationPolicy)

    def __post_init__(self) -> None:
        base = self.status_base_url
        if not isinstance(base, str) or not base.startswith(("https://", "http://")):
            raise PolicyError(f"status_base_url must be an http(s) URL, not {base!r}")
        if base.endswith("/") or "#" in base or "?" in base:
            raise PolicyError("status_base_url must not end in '/' or carry a query or fragment")
        if self.list_size < MIN_BITS or self.list_size % 8:
            raise PolicyError(f"list_size must be a multiple of 8 and at least {MIN_BITS}")
        proofs.suite_named(self.suite)


@dataclass(frozen=True)
class IssuedCredential:
    record: CredentialRecord
    created: bool  # False: the batch key had been issued before; nothing new was made

    @property
    def credential(self) -> dict[str, Any]:
        signed: dict[str, Any] = json.loads(self.record.signed_json)
        return signed


@dataclass
class BatchReport:
    issued: list[tuple[int, str]] = field(default_factory=list)  # (line, credential id)
    already_issued: list[tuple[int, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class RevocationOutcome:
    state: Literal["revoked", "pending"]
    approvals: tuple[str, ...]  # approvers so far
    required: int


@dataclass(frozen=True)
class PublicStatus:
    """The public answer (ISO/IEC 17024 7.2.1; seed 001 4.28-4.29): is this a current,
    valid certification, and for which scope? Reasons and history stay confidential:
    a suspended, revoked or withdrawn certificate is simply "not current"."""

    credential_id: str
    holder_name: str
    qualification_id: str
    qualification_title: str
    units: tuple[str, ...]  # () = the full qualification
    scope: str
    awarded: datetime
    expires: datetime
    current: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "credentialId": self.credential_id,
            "holderName": self.holder_name,
            "qualification": {"id": self.qualification_id, "title": self.qualification_title},
            "units": list(self.units),
            "scope": self.scope,
            "awarded": proofs.format_datetime(self.awarded),
            "expires": proofs.format_datetime(self.expires),
            "current": self.current,
            "statement": (
                "holds a current, valid certification for the scope shown"
                if self.current
                else "does not hold a current, valid certification under this credential"
            ),
        }


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Issuer:
    """One certification body's issuing desk over ``store``."""

    def __init__(
        self,
        store: Store,
        key: SigningKey,
        profile: IssuerProfile,
        qualifications: Iterable[Qualification],
        settings: IssuerSettings,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.key = key
        self.profile = profile
        self.settings = settings
        self.qualifications: dict[str, Qualification] = {}
        for qualification in qualifications:
            if qualification.id in self.qualifications:
                raise PolicyError(f"qualification {qualification.id!r} is configured twice")
            self.qualifications[qualification.id] = qualification
        self._clock = clock or (lambda: datetime.now(UTC))
        self._rng = secrets.SystemRandom()

    # --- queries ----------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock().astimezone(UTC).replace(microsecond=0)

    def qualification(self, qualification_id: str) -> Qualification:
        try:
            return self.qualifications[qualification_id]
        except KeyError:
            raise CredentialError(f"unknown qualification {qualification_id!r}") from None

    def get(self, credential_id: str) -> CredentialRecord:
        record = self.store.read(lambda tx: tx.get_credential(credential_id))
        if record is None:
            raise UnknownCredentialError(f"no credential {credential_id!r}")
        return record

    def public_status(self, credential_id: str) -> PublicStatus:
        record = self.get(credential_id)
        qualification = self.qualifications.get(record.qualification_id)
        return PublicStatus(
            credential_id=record.id,
            holder_name=record.holder_name,
            qualification_id=record.qualification_id,
            qualification_title=qualification.title if qualification else "",
            units=record.units,
            scope=str(record.terms.get("scope", "")),
            awarded=record.awarded,
            expires=record.expires,
            current=record.state == "active" and self.now() < record.expires,
        )

    # --- issuing ----------------------------------------------------------------------

    def issue(self, award: Award, *, actor: str, batch_key: str | None = None) -> IssuedCredential:
        """Sign and store ``award`` with fresh status indices; one transaction.

        With ``batch_key``, a second call with the same key returns the first credential
        (``created=False``) instead of issuing a duplicate.
        """
        self.qualification(award.qualification.id)  # only configured schemes are issued
        credential_id = new_credential_id(secrets.token_bytes(16))
        issued, published = self.store.run(
            lambda tx: self._issue_tx(tx, award, credential_id, actor, batch_key)
        )
        self._write(published)
        return issued

    def _issue_tx(
        self,
        tx: Tx,
        award: Award,
        credential_id: str,
        actor: str,
        batch_key: str | None,
        *,
        previous: CredentialRecord | None = None,
    ) -> tuple[IssuedCredential, dict[str, str]]:
        if batch_key is not None:
            existing = tx.get_by_batch_key(batch_key)
            if existing is not None:
                return IssuedCredential(existing, created=False), {}
        now = self.now()
        published: dict[str, str] = {}
        revocation = self._allocate(tx, REVOCATION, credential_id, now, published)
        suspension = self._allocate(tx, SUSPENSION, credential_id, now, published)
        unsigned = build(
            award,
            self.profile,
            credential_id=credential_id,
            status=[
                status_entry(revocation[0], revocation[1], REVOCATION),
                status_entry(suspension[0], suspension[1], SUSPENSION),
            ],
        )
        signed = proofs.sign(unsigned, self.key, created=now, suite=self.settings.suite)
        signed_json = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
        record = CredentialRecord(
            id=credential_id,
            holder_name=award.holder.name,
            holder_id=award.holder.id,
            qualification_id=award.qualification.id,
            units=tuple(award.units or ()),
            awarded=award.awarded,
            expires=award.expiry,
            state="active",
            revocation_list=revocation[0],
            revocation_index=revocation[1],
            suspension_list=suspension[0],
            suspension_index=suspension[1],
            previous_id=previous.id if previous else award.previous_credential,
            batch_key=batch_key,
            signed_json=signed_json,
            created_at=now,
            terms={
                "scope": award.effective_scope,
                "customScope": award.scope,
                "limitations": list(award.limitations),
                "result": award.result,
            },
        )
        tx.insert_credential(record)
        tx.append_audit(
            actor=actor,
            action="issue",
            credential_id=credential_id,
            details={
                "qualification": record.qualification_id,
                "units": list(record.units),
                "revocation": [revocation[0], revocation[1]],
                "suspension": [suspension[0], suspension[1]],
                "sha256": _digest(signed_json),
                **({"batchKey": batch_key} if batch_key else {}),
                **({"previous": record.previous_id} if record.previous_id else {}),
            },
            at=now,
        )
        return IssuedCredential(record, created=True), published

    def _allocate(
        self, tx: Tx, purpose: str, credential_id: str, now: datetime, published: dict[str, str]
    ) -> tuple[str, int]:
        """An unused index of the open list of ``purpose``, rolling over when it is full."""
        for _ in range(2):
            current = tx.open_list(purpose)  # locked until commit
            if current is None:
                current = self._create_list(tx, purpose, now, published)
            index = self._draw(tx, current, credential_id)
            if index is not None:
                return current.id, index
            tx.save_list(  # full: close it; the loop opens the next one
                current.id,
                bits=current.bits,
                version=current.version + 1,
                full=True,
                published_json=current.published_json,
                published_at=current.published_at,
            )
        raise StoreError(f"could not allocate a {purpose} index in a fresh list")

    def _draw(self, tx: Tx, current: StatusListRecord, credential_id: str) -> int | None:
        # Uniform random probes; the store's unique key decides collisions. When the
        # list is nearly full, one uniform draw over the loaded allocation map.
        for _ in range(PROBES):
            index = self._rng.randrange(0, current.size)
            if tx.allocate_index(current.id, index, credential_id):
                return index
        used = set(tx.allocated_indices(current.id))
        drawn = allocate_index(current.size, used, self._rng)
        if drawn is not None and not tx.allocate_index(current.id, drawn, credential_id):
            raise StoreError(f"index {drawn} of {current.id} was taken during allocation")
        return drawn

    def _create_list(
        self, tx: Tx, purpose: str, now: datetime, published: dict[str, str]
    ) -> StatusListRecord:
        number = 1 + sum(1 for existing in tx.lists() if existing.purpose == purpose)
        list_id = f"{self.settings.status_base_url}/{purpose}-{number}"
        bits = Bitstring(self.settings.list_size)
        signed = self._sign_list(list_id, purpose, bits, now)
        record = StatusListRecord(
            id=list_id,
            purpose=purpose,
            size=self.settings.list_size,
            bits=bits.to_bytes(),
            version=0,
            full=False,
            published_json=signed,
            published_at=now,
            created_at=now,
        )
        try:
            tx.create_list(record)
        except DuplicateError:
            # another writer opened this list first (PostgreSQL lets both look): start over
            raise ConflictError(f"status list {list_id} was created concurrently") from None
        published[list_id] = signed
        return record

    def _sign_list(self, list_id: str, purpose: str, bits: Bitstring, now: datetime) -> str:
        unsigned = status_list_credential(
            list_id, purpose, bits, issuer=self.profile.id, valid_from=now
        )
        signed = proofs.sign(unsigned, self.key, created=now, suite=self.settings.suite)
        return json.dumps(signed, ensure_ascii=False, separators=(",", ":"))

    def _set_bit(
        self,
        tx: Tx,
        list_id: str,
        index: int,
        value: bool,
        now: datetime,
        published: dict[str, str],
    ) -> None:
        """Flip one bit of a locked list and re-sign it (same transaction)."""
        current = tx.get_list(list_id, for_update=True)
        if current is None:
            raise StoreError(f"status list {list_id!r} is missing")
        bits = Bitstring.from_bytes(current.bits, min_bits=1)
        if bits.get(index) == value:
            return
        bits.set(index, value)
        signed = self._sign_list(list_id, current.purpose, bits, now)
        tx.save_list(
            list_id,
            bits=bits.to_bytes(),
            version=current.version + 1,
            full=current.full,
            published_json=signed,
            published_at=now,
        )
        published[list_id] = signed

    def issue_batch(
        self,
        rows: Iterable[BatchRow | RowError],
        *,
        actor: str,
        progress: Callable[[int, BatchRow | RowError], None] | None = None,
    ) -> BatchReport:
        """Issue every good row (one transaction each, so a crash keeps whole rows only);
        report bad rows by line and go on. Rows issued by an earlier run are skipped."""
        report = BatchReport()
        for done, row in enumerate(rows, start=1):
            if isinstance(row, RowError):
                report.errors.append(row)
            else:
                try:
                    issued = self.issue(row.award, actor=actor, batch_key=row.batch_key)
                except VcissueError as error:
                    report.errors.append(RowError(row.line, str(error)))
                else:
                    (report.issued if issued.created else report.already_issued).append(
                        (row.line, issued.record.id)
                    )
            if progress is not None:
                progress(done, row)
        return report

    # --- lifecycle --------------------------------------------------------------------

    def _locked(self, tx: Tx, credential_id: str) -> CredentialRecord:
        record = tx.get_credential(credential_id, for_update=True)
        if record is None:
            raise UnknownCredentialError(f"no credential {credential_id!r}")
        return record

    def _change(self, fn: Callable[[Tx, datetime, dict[str, str]], Any]) -> Any:
        def body(tx: Tx) -> tuple[Any, dict[str, str]]:
            published: dict[str, str] = {}
            return fn(tx, self.now(), published), published

        result, published = self.store.run(body)
        self._write(published)
        return result

    def suspend(
        self, credential_id: str, *, reason: str, until: datetime, actor: str
    ) -> CredentialRecord:
        """Set the suspension bit until ``until``; past it, ``run_lifecycle`` withdraws."""
        _reason(reason)

        def fn(tx: Tx, now: datetime, published: dict[str, str]) -> CredentialRecord:
            record = self._locked(tx, credential_id)
            if record.state != "active":
                raise PolicyError(f"only an active credential can be suspended ({record.state})")
            if until.tzinfo is None or until <= now:
                raise PolicyError("the suspension deadline must be a future, timezone-aware time")
            self._set_bit(tx, record.suspension_list, record.suspension_index, True, now, published)
            tx.update_credential(
                credential_id, state="suspended", state_reason=reason, suspended_until=until
            )
            tx.append_audit(
                actor=actor,
                action="suspend",
                credential_id=credential_id,
                details={"reason": reason, "until": proofs.format_datetime(until)},
                at=now,
            )
            return self._locked(tx, credential_id)

        result: CredentialRecord = self._change(fn)
        return result

    def reinstate(self, credential_id: str, *, actor: str, reason: str = "") -> CredentialRecord:
        def fn(tx: Tx, now: datetime, published: dict[str, str]) -> CredentialRecord:
            record = self._locked(tx, credential_id)
            if record.state != "suspended":
                raise PolicyError(
                    f"only a suspended credential can be reinstated; this one is {record.state}"
                )
            self._set_bit(
                tx, record.suspension_list, record.suspension_index, False, now, published
            )
            tx.update_credential(credential_id, state="active")
            tx.append_audit(
                actor=actor,
                action="reinstate",
                credential_id=credential_id,
                details={"reason": reason},
                at=now,
            )
            return self._locked(tx, credential_id)

        result: CredentialRecord = self._change(fn)
        return result

    def revoke(self, credential_id: str, *, reason: str, actor: str) -> RevocationOutcome:
        """Record ``actor``'s approval; revoke once the policy's count of distinct approvers
        is reached. The same approver twice is a ``PolicyError``."""
        _reason(reason)

        def fn(tx: Tx, now: datetime, published: dict[str, str]) -> RevocationOutcome:
            record = self._locked(tx, credential_id)
            if record.state not in _CHANGEABLE:
                raise PolicyError(f"credential is {record.state}; it cannot be revoked")
            approvers = [approver for approver, _, _ in tx.approvals(credential_id, "revoke")]
            if actor in approvers:
                raise PolicyError(f"{actor!r} has already approved this revocation")
            tx.add_approval(credential_id, "revoke", actor, reason, now)
            approvers.append(actor)
            required = self.settings.revocation.required(record.qualification_id)
            if len(approvers) < required:
                tx.append_audit(
                    actor=actor,
                    action="revoke-approval",
                    credential_id=credential_id,
                    details={"reason": reason, "approvals": len(approvers), "required": required},
                    at=now,
                )
                return RevocationOutcome("pending", tuple(approvers), required)
            self._finalise(tx, record, "revoked", reason, now, published)
            tx.clear_approvals(credential_id, "revoke")
            tx.append_audit(
                actor=actor,
                action="revoke",
                credential_id=credential_id,
                details={"reason": reason, "approvers": approvers},
                at=now,
            )
            return RevocationOutcome("revoked", tuple(approvers), required)

        result: RevocationOutcome = self._change(fn)
        return result

    def _finalise(
        self,
        tx: Tx,
        record: CredentialRecord,
        state: str,
        reason: str,
        now: datetime,
        published: dict[str, str],
    ) -> None:
        """Revoked or withdrawn: the revocation bit is set for good."""
        self._set_bit(tx, record.revocation_list, record.revocation_index, True, now, published)
        tx.update_credential(record.id, state=state, state_reason=reason)

    def run_lifecycle(self, *, actor: str = "lifecycle") -> list[str]:
        """Withdraw every suspension whose deadline has passed (ISO/IEC 17024 9.5.2), and
        republish every list. Idempotent: a second run finds nothing due."""

        def fn(tx: Tx, now: datetime, published: dict[str, str]) -> list[str]:
            due = tx.list_credentials(state="suspended", suspended_before=now)
            for record in due:
                reason = "suspension deadline passed without reinstatement"
                self._finalise(tx, record, "withdrawn", reason, now, published)
                tx.append_audit(
                    actor=actor,
                    action="withdraw",
                    credential_id=record.id,
                    details={
                        "reason": reason,
                        "suspendedUntil": proofs.format_datetime(record.suspended_until or now),
                    },
                    at=now,
                )
            return [record.id for record in due]

        withdrawn: list[str] = self._change(fn)
        self.publish()
        return withdrawn

    def reduce_scope(
        self, credential_id: str, *, units: Sequence[str], reason: str, actor: str
    ) -> IssuedCredential:
        """Withdraw the credential and issue one for ``units`` only (ISO/IEC 17024 8.3.e)."""
        _reason(reason)
        new_id = new_credential_id(secrets.token_bytes(16))

        def fn(tx: Tx, now: datetime, published: dict[str, str]) -> IssuedCredential:
            record = self._locked(tx, credential_id)
            if record.state not in _CHANGEABLE:
                raise PolicyError(f"credential is {record.state}; its scope cannot change")
            qualification = self.qualification(record.qualification_id)
            held = record.units or tuple(unit.id for unit in qualification.units)
            kept = tuple(units)
            if not kept or not set(kept) < set(held):
                raise PolicyError(
                    f"the reduced scope must be a non-empty proper subset of {list(held)}"
                )
            award = self._award_from(record, qualification, units=kept, awarded=record.awarded)
            self._finalise(tx, record, "withdrawn", reason, now, published)
            tx.append_audit(
                actor=actor,
                action="reduce-scope",
                credential_id=record.id,
                details={"reason": reason, "kept": list(kept), "replacement": new_id},
                at=now,
            )
            issued, more = self._issue_tx(tx, award, new_id, actor, None, previous=record)
            published.update(more)
            return issued

        result: IssuedCredential = self._change(fn)
        return result

    def recertify(self, credential_id: str, *, actor: str) -> IssuedCredential:
        """A new credential with new dates referencing the old one, which is superseded."""
        new_id = new_credential_id(secrets.token_bytes(16))

        def fn(tx: Tx, now: datetime, published: dict[str, str]) -> IssuedCredential:
            record = self._locked(tx, credential_id)
            if record.state != "active":
                raise PolicyError(f"only an active credential can be recertified ({record.state})")
            qualification = self.qualification(record.qualification_id)
            award = self._award_from(record, qualification, units=record.units or None, awarded=now)
            tx.update_credential(
                record.id, state="superseded", state_reason=f"recertified as {new_id}"
            )
            tx.append_audit(
                actor=actor,
                action="recertify",
                credential_id=record.id,
                details={"replacement": new_id},
                at=now,
            )
            issued, more = self._issue_tx(tx, award, new_id, actor, None, previous=record)
            published.update(more)
            return issued

        result: IssuedCredential = self._change(fn)
        return result

    def _award_from(
        self,
        record: CredentialRecord,
        qualification: Qualification,
        *,
        units: tuple[str, ...] | None,
        awarded: datetime,
    ) -> Award:
        terms = record.terms
        return Award(
            holder=Holder(record.holder_name, record.holder_id, qualification.subject_kind),
            qualification=qualification,
            awarded=awarded,
            units=units,
            # a custom scope statement described the old units; a reduced scope is derived
            scope=str(terms.get("customScope", "")) if tuple(units or ()) == record.units else "",
            limitations=tuple(terms.get("limitations", ())),
            result=str(terms.get("result", "pass")),
            previous_credential=record.id,
        )

    # --- publishing -------------------------------------------------------------------

    def publish(self) -> list[Path]:
        """Write every list's signed credential from the store to ``publish_dir``."""
        lists = self.store.read(lambda tx: tx.lists())
        return self._write({item.id: item.published_json for item in lists if item.published_json})

    def _write(self, published: Mapping[str, str]) -> list[Path]:
        directory = self.settings.publish_dir
        if directory is None or not published:
            return []
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        prefix = self.settings.status_base_url + "/"
        for list_id, signed in sorted(published.items()):
            if not list_id.startswith(prefix):
                continue  # a list made under another base URL is served from elsewhere
            target = directory / list_id[len(prefix) :]
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temporary.write_text(signed, encoding="utf-8")
            os.replace(temporary, target)  # readers see the old or the new file, never half
            written.append(target)
        return written


def _reason(reason: object) -> None:
    if not isinstance(reason, str) or not reason.strip():
        raise PolicyError("a reason is required")
