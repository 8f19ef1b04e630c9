"""The core of the issuing desk: a store, the body's key and lists; transactions, issuing,
status bits, the effects of decisions, and the reads the faces need.

Decisions (who may make them, how many approve) are the next layer (``decisions.py``);
complaints and appeals the one after (``cases.py``). The effects here (``_suspend``,
``_finalise``, ``_reduce_scope``, ...) run inside a transaction a decision opened, on a
locked credential, and each writes its audit entry; nothing calls them from outside.

Every operation is one store transaction holding the credential change, the status bits,
the re-signed status list credential and the audit entry, so a crash leaves either all
of it or none (``Store.run`` re-runs the transaction when a concurrent writer got in the
way, so the transaction functions here have no effect outside it). Each transaction
returns the list changes it made; after the commit the ``ListPublisher`` makes them public
(``DirectoryPublisher`` writes files atomically); ``publish()`` republishes every list
from the store, so a crash between commit and publication is repaired by the next change
or by ``vcissue lifecycle run``. Time, randomness and publication are injected.

States (ISO/IEC 17024 9.5; seed 001 sections 4.46, 4.63-4.64)::

    active --suspend--> suspended --reinstate--> active   (a deadline may be extended)
    active|suspended --revoke|withdraw--> revoked|withdrawn   (final: the revocation bit)
    suspended --deadline passed (run_lifecycle)--> withdrawn   (final, revocation bit)
    active|suspended --reduce_scope--> withdrawn + a new active credential (fewer units)
    active --expand_scope--> superseded + a new active credential (more units)
    active --recertify--> superseded + a new active credential (new dates)
    revoked|withdrawn --appeal upheld--> a new active credential that restores it

"superseded" sets no bit: the old certificate was true for its period and stays valid
until its own ``validUntil``; the new one references it (``previous_credential``).
Expiry needs no state: ``validUntil`` is in the signed credential and checked by every
verifier; reports and ``public_status`` compare it with the clock.

Status lists: every credential gets one index in the open revocation list and one in
the open suspension list, drawn uniformly at random among the never-used indices (herd
privacy), reserved in a short transaction before the credential is signed (``_prepare``;
a batch reserves a chunk at a time) or, for a decision that issues inside a larger
transaction, in that transaction. A full list is closed and
a new one opened (roll-over). List URLs are ``{status_base_url}/{purpose}-{n}``; the
file in ``publish_dir`` is named ``{purpose}-{n}``.

Awarding bodies: a deployment may hold several (``Body``: a DID, a name, its key). A
qualification names its body; its credentials are built with that body as ``issuer``, signed
by that body's key, and get their indices in that body's own lists (a verifier accepts a
list only from the credential's issuer), named ``{body}-{purpose}-{n}`` for a body other
than the deployment's own (``default``, whose lists keep their names). The audit log is
one, and its checkpoints are signed by the deployment's own body.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from .. import proofs
from ..checkpoint import CHECKPOINT_NAME, Checkpoint, log_extends
from ..coalesce import Coalesced
from ..credential import IssuerProfile, bind_subject, build, new_credential_id
from ..csvrows import RowError
from ..errors import (
    ConflictError,
    CredentialError,
    DuplicateError,
    KeyMaterialError,
    PolicyError,
    StoreError,
    UnknownCredentialError,
    VcissueError,
)
from ..governance.policies import Policies
from ..keys import SigningKey
from ..model import (
    Accreditation,
    Award,
    EvidenceRef,
    Qualification,
    check_text,
    parse_duration,
    text_problem,
)
from ..model.scheme import DEFAULT_BODY
from ..notify import events
from ..ports import Clock, ListPublisher, RandomSource, StatusListSource
from ..status import (
    MIN_BITS,
    PROBES,
    Bitstring,
    StatusList,
    StatusPurpose,
    allocate_index,
    read_status_list_credential,
    status_entry,
    status_list_credential,
)
from ..store.audit import verify_audit_chain
from ..store.records import (
    AuditEntry,
    CredentialRecord,
    CredentialSummary,
    ImportedRecord,
    StatusListRecord,
    Store,
    Tx,
)
from ..verify import TrustList
from ..verify.structure import issuer_id
from .replay import compare, digest_hex, fold, replay, state_digest

__all__ = [
    "AuditCheck",
    "BatchReport",
    "IssuedCredential",
    "IssuerCore",
    "IssuerSettings",
    "PublicStatus",
    "ResignReport",
    "StateCounts",
]

Changes = dict[str, str]  # status list URL -> its newly signed credential (JSON text)
REVOCATION = StatusPurpose.REVOCATION.value
SUSPENSION = StatusPurpose.SUSPENSION.value
_CHANGEABLE = ("active", "suspended")
_SUCCESSION_HOPS = 50  # recertifications followed by a name check (a loop is a bug)
_FOLD_AT_MOST = 2_000  # entries a checkpoint folds its state digest over, else a full replay
_RECORD_STATE_EVERY = 256  # entries between the state digests recorded in the store
_NUMBER_ATTEMPTS = 10_000  # taken numbers skipped before giving up (imports fill ranges)


DEFAULT_LIST_VALIDITY = timedelta(days=30)
"""How long a signed status list credential is valid (its ``validUntil``): a copy of a list
can be replayed for at most this long after a revocation. Thirty days, because the offline
verifier page must be able to use the snapshot it carries for as long as the bundle's
maximum snapshot age (``[verifier] max_snapshot_age_days``, 30): a shorter validity would
make every offline check STATUS UNKNOWN after it. Live verifiers always read the current
list. Every change re-signs the list, and ``Issuer.publish`` / ``run_lifecycle`` (and the
service, when it serves a list) renew each list once less than half of it is left."""


@dataclass(frozen=True)
class IssuerSettings:
    status_base_url: str  # lists live at {status_base_url}/{purpose}-{n}
    list_size: int = MIN_BITS
    suite: str = proofs.DEFAULT_SUITE
    policies: Policies = field(default_factory=Policies)
    list_validity: timedelta = DEFAULT_LIST_VALIDITY

    def __post_init__(self) -> None:
        base = self.status_base_url
        if not isinstance(base, str) or not base.startswith(("https://", "http://")):
            raise PolicyError(f"status_base_url must be an http(s) URL, not {base!r}")
        if base.endswith("/") or "#" in base or "?" in base:
            raise PolicyError("status_base_url must not end in '/' or carry a query or fragment")
        if self.list_size < MIN_BITS or self.list_size % 8:
            raise PolicyError(f"list_size must be a multiple of 8 and at least {MIN_BITS}")
        if not isinstance(self.list_validity, timedelta) or self.list_validity < timedelta(
            minutes=10
        ):
            raise PolicyError("list_validity must be a duration of at least 10 minutes")
        proofs.suite_named(self.suite)


KeySource = SigningKey | Callable[[], SigningKey] | None


@dataclass(frozen=True)
class Body:
    """An awarding body of the deployment: its identity (DID, name) and its key (``None``:
    read-only; a function: the active key each time, ``KeyStore.signer``)."""

    profile: IssuerProfile
    key: KeySource = None


@dataclass(frozen=True)
class IssuedCredential:
    record: CredentialRecord
    created: bool  # False: the batch key had been issued before; nothing new was made

    @property
    def credential(self) -> dict[str, Any]:
        signed: dict[str, Any] = json.loads(self.record.signed_json)
        return signed


@dataclass(frozen=True)
class Prepared:
    """An award signed ahead of the transaction that stores it: the status indices were
    reserved for ``credential_id`` in a short transaction of their own (never reused, even
    if this award is never stored), so no lock is held while it is built and signed."""

    award: Award
    credential_id: str
    revocation: tuple[str, int]
    suspension: tuple[str, int]
    number: str
    created: datetime  # the proof's created (the reservation's time)
    signed_json: str = ""  # the signed credential as stored; empty until signed


@dataclass
class BatchReport:
    issued: list[tuple[int, str]] = field(default_factory=list)  # (line, credential id)
    already_issued: list[tuple[int, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


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
    replaced_by: str | None = None  # the credential that supersedes or restores this one
    number: str | None = None  # the certificate number
    replaced_by_number: str | None = None
    awarding_body: str = ""
    accreditation: Accreditation | None = None  # the qualification's, if accredited
    superseded: bool = False  # a newer certificate replaced this one (no reason given)
    holder_kind: str = "person"  # or "organisation": what the qualification certifies
    rpl_units: tuple[str, ...] = ()  # units recognised through prior learning (seed 001 4.3)

    def held_by(self, name: str) -> bool:
        """ "Is this person certified?": the certificate is current and its holder is
        ``name`` (compared as people type names: NFKC, case, spaces)."""
        return self.current and _name_key(name) == _name_key(self.holder_name)

    def to_json(self) -> dict[str, Any]:
        return {
            "credentialId": self.credential_id,
            **({"number": self.number} if self.number else {}),
            "holderName": self.holder_name,
            "holderKind": self.holder_kind,
            "qualification": {"id": self.qualification_id, "title": self.qualification_title},
            "units": list(self.units),
            **({"rplUnits": list(self.rpl_units)} if self.rpl_units else {}),
            "scope": self.scope,
            "awarded": proofs.format_datetime(self.awarded),
            "expires": proofs.format_datetime(self.expires),
            "current": self.current,
            **({"replacedBy": self.replaced_by} if self.replaced_by else {}),
            **({"replacedByNumber": self.replaced_by_number} if self.replaced_by_number else {}),
            "awardingBody": self.awarding_body,
            **(
                {"accreditation": dataclasses.asdict(self.accreditation)}
                if self.accreditation
                else {}
            ),
            "superseded": self.superseded,
            "statement": (
                "holds a current, valid certification for the scope shown"
                if self.current
                else "does not hold a current, valid certification under this credential"
            ),
        }


def _compact(document: Mapping[str, Any]) -> str:
    """A signed document as the store keeps it."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _holder_ref(did: str | None) -> str | None:
    """How the audit log names a holder's DID: ``sha256:<hex>`` of it. The log is
    append-only, so it keeps no personal data an erasure would have to remove; whoever
    holds the DID can still match a delivery to it."""
    return None if did is None else "sha256:" + _digest(did)


@dataclass(frozen=True)
class StateCounts:
    """Credentials by (qualification, state), and active ones past their expiry."""

    by_state: Mapping[tuple[str, str], int]
    expired: Mapping[str, int]


@dataclass(frozen=True)
class AuditCheck:
    entries: int
    head: str
    problems: tuple[str, ...]
    replayed_after: int = 0  # the checkpoint's entry it replayed from (0: the whole log)

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ResignReport:
    """What a re-signing replaced: credential ids and status list URLs."""

    credentials: tuple[str, ...]
    lists: tuple[str, ...]


class _Work:
    """One attempt of one transaction: the store's tx, its time, the lists it re-signed."""

    def __init__(self, tx: Tx, now: datetime) -> None:
        self.tx = tx
        self.now = now
        self.changes: Changes = {}
        # the open list of each (purpose, body) this transaction draws from: a chunk's
        # reservations read it once, not once per index
        self.open_lists: dict[tuple[str, str], tuple[str, int]] = {}  # (id, size)


class IssuerCore:
    """One certification body's issuing desk over ``store``.

    ``key`` None opens the desk read-only: queries work, anything that signs raises
    ``KeyMaterialError``. ``key`` may be a function giving the active key each time it
    signs (``KeyStore.signer``), so a long-running desk follows a rotation or a compromise.
    """

    def __init__(
        self,
        store: Store,
        key: KeySource,
        profile: IssuerProfile,
        qualifications: Iterable[Qualification],
        settings: IssuerSettings,
        *,
        clock: Clock,
        rng: RandomSource,
        publisher: ListPublisher,
        bodies: Mapping[str, Body] | None = None,
    ) -> None:
        self.store = store
        self._key = key
        self.profile = profile  # the deployment's own body (``default``)
        self.bodies: dict[str, Body] = {DEFAULT_BODY: Body(profile, key), **(bodies or {})}
        dids = Counter(body.profile.id for body in self.bodies.values())
        if any(count > 1 for count in dids.values()):
            raise PolicyError(f"two awarding bodies share a DID: {sorted(dids)}")
        self.settings = settings
        self.qualifications: dict[str, Qualification] = {}
        for qualification in qualifications:
            if qualification.id in self.qualifications:
                raise PolicyError(f"qualification {qualification.id!r} is configured twice")
            if qualification.body not in self.bodies:
                raise PolicyError(
                    f"qualification {qualification.id!r} names the awarding body "
                    f"{qualification.body!r}, which this deployment does not hold"
                )
            self.qualifications[qualification.id] = qualification
        self._clock = clock
        self._rng = rng
        self.publisher = publisher
        self._state: tuple[int, int] | None = None  # (seq, state digest) last signed
        self._checkpoints = Coalesced()

    @property
    def signs(self) -> bool:
        """Whether this desk has its key (else it is read-only)."""
        return self._key is not None

    @property
    def key(self) -> SigningKey:
        if self._key is None:
            raise KeyMaterialError("this issuer was opened without its key (read-only)")
        return self._key if isinstance(self._key, SigningKey) else self._key()

    def body(self, body_id: str) -> Body:
        found = self.bodies.get(body_id)
        if found is None:
            raise KeyMaterialError(f"this deployment holds no awarding body {body_id!r}")
        return found

    def body_key(self, body_id: str) -> SigningKey:
        """The active key of the body ``body_id``."""
        key = self.body(body_id).key
        if key is None:
            raise KeyMaterialError("this issuer was opened without its keys (read-only)")
        return key if isinstance(key, SigningKey) else key()

    def body_of_issuer(self, did: object) -> str:
        """The id of the body whose DID is ``did`` (the ``issuer`` of a stored credential)."""
        for body_id, body in self.bodies.items():
            if body.profile.id == did:
                return body_id
        raise KeyMaterialError(f"{did!r} is none of this deployment's awarding bodies")

    # --- queries ----------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock().astimezone(UTC).replace(microsecond=0)

    def qualification(self, qualification_id: str) -> Qualification:
        try:
            return self.qualifications[qualification_id]
        except KeyError:
            raise CredentialError(f"unknown qualification {qualification_id!r}") from None

    def get(self, credential_id: str) -> CredentialRecord:
        """The credential with this id (``urn:uuid:...``) or certificate number."""
        if not isinstance(credential_id, str) or text_problem(credential_id) is not None:
            raise UnknownCredentialError(f"no credential {credential_id!r}")
        record = self.store.read(
            lambda tx: tx.get_credential(credential_id) or tx.get_by_number(credential_id)
        )
        if record is None:
            raise UnknownCredentialError(f"no credential {credential_id!r}")
        return record

    def credential_id(self, key: str) -> str:
        """The credential id of ``key``, a credential id or a certificate number; a key
        that names nothing is returned as given (the caller reports it unknown)."""
        if not storable(key) or key.startswith("urn:"):
            return key
        record = self.store.read(lambda tx: tx.get_by_number(key))
        return record.id if record is not None else key

    def public_status(self, credential_id: str) -> PublicStatus:
        try:
            record = self.get(credential_id)
        except UnknownCredentialError:
            imported = self._imported(credential_id)
            if imported is None:
                raise
            return self._imported_status(imported)
        qualification = self.qualifications.get(record.qualification_id)
        successor = next(iter(self.store.read(lambda tx: tx.successors(record.id))), None)
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
            replaced_by=successor.id if successor else None,
            number=record.number,
            replaced_by_number=successor.number if successor else None,
            awarding_body=self._awarding_body(qualification),
            accreditation=qualification.accreditation if qualification else None,
            superseded=record.state == "superseded",
            holder_kind=qualification.subject_kind if qualification else "person",
            rpl_units=tuple(record.terms.get("rpl", ())),
        )

    def _awarding_body(self, qualification: Qualification | None) -> str:
        """The name the register shows: the scheme's awarding body, else its issuing body's."""
        body = self.bodies.get(qualification.body if qualification else DEFAULT_BODY)
        named = qualification.awarding_body if qualification else None
        return named or (body or self.bodies[DEFAULT_BODY]).profile.name

    def _imported(self, number: str) -> ImportedRecord | None:
        if not storable(number) or number.startswith("urn:"):
            return None
        found: ImportedRecord | None = self.store.read(lambda tx: tx.get_import(number))
        return found

    def _imported_status(self, imported: ImportedRecord) -> PublicStatus:
        """The register's answer for a certificate issued before vcissue (no credential
        yet: its number stands for its id); only ``current`` ones before expiry are."""
        qualification = self.qualifications.get(imported.qualification_id)
        return PublicStatus(
            credential_id=imported.number,
            holder_name=imported.holder_name,
            qualification_id=imported.qualification_id,
            qualification_title=qualification.title if qualification else "",
            units=(),
            scope="",
            awarded=imported.awarded,
            expires=imported.expires,
            current=imported.state == "current" and self.now() < imported.expires,
            number=imported.number,
            awarding_body=self._awarding_body(qualification),
            accreditation=qualification.accreditation if qualification else None,
            holder_kind=qualification.subject_kind if qualification else "person",
        )

    def confirms(self, key: str, name: str) -> bool:
        """ "Is this person certified?" for a certificate id or number and a name: yes when
        the certificate, or the one that superseded or restored it, is current and held
        by ``name``. Unknown numbers are a plain no."""
        try:
            answer = self.public_status(key)
        except UnknownCredentialError:
            return False
        for _ in range(_SUCCESSION_HOPS):
            if answer.held_by(name) or answer.replaced_by is None:
                return answer.held_by(name)
            answer = self.public_status(answer.replaced_by)
        return False

    def counts(self) -> StateCounts:
        now = self.now()
        tally = self.store.read(lambda tx: tx.count_credentials(now=now))
        by_state: Counter[tuple[str, str]] = Counter()
        expired: Counter[str] = Counter()
        for (qualification_id, _, state), count in tally.items():
            if state == "expired":  # active, past its validUntil
                expired[qualification_id] += count
                state = "active"
            by_state[(qualification_id, state)] += count
        return StateCounts(dict(by_state), dict(expired))

    def expiring(self, within: timedelta) -> list[CredentialSummary]:
        """Active credentials expiring between now and ``now + within``, soonest first."""
        now = self.now()
        return self.store.read(lambda tx: tx.expiring_between(now, now + within))

    def audit_check(
        self,
        *,
        trust: TrustList | None = None,
        published: StatusListSource | None = None,
        checkpoint: Checkpoint | None = None,
        full: bool = False,
    ) -> AuditCheck:
        """The chain intact; the log, replayed, equal to the store's credential states and
        status bits and to the signed lists (the store's copies, and ``published``'s: the
        publish directory); and, given a ``checkpoint`` a third party kept, the log still
        extends it. ``trust`` (the body's DID document) checks the signatures of the lists
        and of the checkpoint. Every difference names the credential.

        Given a checkpoint with a state digest (and ``trust``), only the entries after it
        are read, hashed and replayed, onto the state it signs, and the result set against
        the store (``_incremental_check``); whatever that finds wrong is then named by the
        full replay, which ``full`` asks for outright. The entries before the checkpoint
        are vouched for by its signature (its head and its state digest): an entry before
        it edited in place, which changes no state the store is held to, is found by
        ``full`` only."""
        incremental: list[str] = []
        if checkpoint is not None and checkpoint.state is not None and trust and not full:
            found = self._incremental_check(checkpoint, trust, published)
            if found.intact:
                return found
            incremental = list(found.problems)
        seq, head, problems = self._full_check(trust, published, checkpoint)
        return AuditCheck(seq, head, tuple(incremental + [p for p in problems
                                                          if p not in incremental]))  # fmt: skip

    def _full_check(
        self,
        trust: TrustList | None,
        published: StatusListSource | None,
        checkpoint: Checkpoint | None,
    ) -> tuple[int, str, list[str]]:
        def read(tx: Tx) -> tuple[int, str, list[AuditEntry], Any, Any]:
            seq, head = tx.audit_head()
            return seq, head, tx.audit_entries(), tx.list_credentials(), tx.lists()

        seq, head, entries, records, lists = self.store.read(read)
        problems = verify_audit_chain(entries, head=(seq, head))  # (the log read once)
        expected, odd = replay(entries)
        problems += odd
        problems += compare(expected, records, lists, partial(self._signed, trust, published))
        if checkpoint is not None:
            wrong = self._checkpoint_problems(checkpoint, trust)
            wrong = wrong or log_extends([(e.seq, e.hash) for e in entries], checkpoint)
            if not wrong and checkpoint.state is not None:
                before, _ = replay(entries[: checkpoint.seq])
                if digest_hex(state_digest(before)) != checkpoint.state:
                    wrong.append(
                        f"the checkpoint of {proofs.format_datetime(checkpoint.time)} commits "
                        f"to a state the log does not replay to at entry {checkpoint.seq}"
                    )
            problems += wrong
        return seq, head, problems

    def _signed(
        self, trust: TrustList | None, published: StatusListSource | None, item: StatusListRecord
    ) -> dict[str, StatusList | str]:
        """The signed copies of a list: the store's, and ``published``'s."""
        places: dict[str, StatusList | str] = {}
        if item.published_json is not None:
            places["the store's copy"] = self._read_list(item, item.published_json, trust)
        if published is not None:
            try:
                document = published(item.id)
            except (VcissueError, OSError) as error:
                places["as published"] = f"cannot be read: {error}"
            else:
                places["as published"] = self._read_list(item, document, trust)
        return places

    def _incremental_check(
        self, checkpoint: Checkpoint, trust: TrustList, published: StatusListSource | None
    ) -> AuditCheck:
        """From a signed checkpoint that carries a state digest: its signature; the log's
        entry at its ``seq`` is intact and has its head (the log extends it); the entries
        after it chain from there to the head row; replayed onto the state it signs (the
        history of each credential they name is read by index), they give the sum of the
        store's credential rows and list bits, which the store computes (``Tx.state_sum``:
        in SQL on PostgreSQL; no record is loaded); and every signed list equals the
        store's bits. Nothing before the checkpoint is read but the histories of the
        credentials changed after it. Problems here only say that something differs; the
        full check names it."""
        when = proofs.format_datetime(checkpoint.time)
        problems = self._checkpoint_problems(checkpoint, trust)
        if problems:
            return AuditCheck(0, "", tuple(problems), checkpoint.seq)
        start = checkpoint.seq

        def read(tx: Tx) -> tuple[int, str, list[AuditEntry], Any, Any, int]:
            seq, head = tx.audit_head()
            entries = tx.audit_entries(after=max(0, start - 1))
            touched = {e.credential_id for e in entries if e.seq > start and e.credential_id}
            history = {
                credential_id: [e for e in tx.audit_for(credential_id) if e.seq <= seq]
                for credential_id in touched
            }
            return seq, head, entries, history, tx.lists(), tx.state_sum()

        seq, head, entries, history, lists, stored = self.store.read(read)
        if start > 0:  # the checkpoint's own entry: intact, and the one it signed
            if not entries or (entries[0].seq, entries[0].hash) != (start, checkpoint.head):
                problems.append(f"the log does not extend the checkpoint of {when} (entry {start})")
            else:
                problems += verify_audit_chain(entries[:1], start=(start - 1, entries[0].prev_hash))
        after = [entry for entry in entries if entry.seq > start]
        problems += verify_audit_chain(after, head=(seq, head), start=(start, checkpoint.head))
        expected, odd = fold(int(checkpoint.state or "0", 16), start, seq, history)
        problems += odd
        if expected != stored:
            problems.append(
                f"the store's credentials differ from the state the checkpoint of {when} "
                f"signs, with the {len(after)} entries after it replayed"
            )
        for item in lists:
            want = Bitstring.from_bytes(item.bits, min_bits=1).to_bytes()
            for where, found in self._signed(trust, published, item).items():
                if isinstance(found, str) or found.bitstring.to_bytes() != want:
                    problems.append(f"signed list {item.id} ({where}) differs from the store's")
        return AuditCheck(seq, head, tuple(problems), start)

    def _read_list(
        self, item: StatusListRecord, document: object, trust: TrustList | None
    ) -> StatusList | str:
        """A signed list as its body's own, or why it is not."""
        try:
            body = self.body(item.body).profile.id
            parsed = json.loads(document) if isinstance(document, str) else document
            if not isinstance(parsed, dict):
                raise CredentialError("not a JSON object")
            if trust is not None:
                checks = proofs.verify_proofs(parsed, trust.resolve_key)
                trust.check_windows(checks)
                if body not in {check.controller for check in checks}:
                    raise CredentialError(f"not signed by its body {item.body!r}")
            return read_status_list_credential(parsed)
        except (VcissueError, ValueError) as error:
            return f"not a list signed by this body: {error}"

    def _checkpoint_problems(self, checkpoint: Checkpoint, trust: TrustList | None) -> list[str]:
        """Why ``checkpoint`` is not a checkpoint of this body's log it signed."""
        when = proofs.format_datetime(checkpoint.time)
        if checkpoint.log != self.profile.id:
            return [f"the checkpoint of {when} is of {checkpoint.log}'s log, not this body's"]
        if trust is None:
            return ["the checkpoint's signature cannot be checked without the body's keys"]
        try:
            checkpoint.verify(trust)
        except VcissueError as error:
            return [f"the checkpoint of {when} is not the body's: {error}"]
        return []

    def audit_entries(self) -> list[AuditEntry]:
        return self.store.read(lambda tx: tx.audit_entries())

    def status_list(self, list_id: str) -> StatusListRecord | None:
        """The stored list (its signed credential in ``published_json``), if there is one."""
        if not isinstance(list_id, str) or text_problem(list_id) is not None:
            return None  # no list has such a URL (and PostgreSQL cannot even look it up)
        return self.store.read(lambda tx: tx.get_list(list_id))

    def status_lists(self) -> list[StatusListRecord]:
        """Every stored list (the verifier page the service serves snapshots them)."""
        return self.store.read(lambda tx: tx.lists())

    # --- issuing ----------------------------------------------------------------------

    def _new_credential_id(self) -> str:
        return new_credential_id(self._rng.randbytes(16))

    def _prepare(self, award: Award, *, number: str | None = None) -> Prepared:
        """Reserve the status indices and number of a new credential (one short
        transaction), then build and sign it outside any transaction.
        ``number``: the certificate's number already (an imported certificate's)."""
        return self._sign_reserved(self._reserve_all([(award, number)])[0])

    def _reserve_all(self, awards: Sequence[tuple[Award, str | None]]) -> list[Prepared]:
        """One reservation transaction for all ``awards`` (a batch's chunk): their status
        indices and numbers. A reservation appends nothing to the log, so it publishes no
        checkpoint."""
        ids = [self._new_credential_id() for _ in awards]

        def reserve(work: _Work) -> list[Prepared]:
            return [
                self._reserve(work, award, credential_id, number)
                for (award, number), credential_id in zip(awards, ids, strict=True)
            ]

        reserved: list[Prepared] = self._change(reserve, checkpoint=False)
        return reserved

    def _sign_reserved(self, reserved: Prepared) -> Prepared:
        """``reserved`` built and signed (no store: batch workers run this too)."""
        signed = self._sign_award(
            reserved.award, reserved.credential_id, reserved.revocation, reserved.suspension,
            reserved.number, reserved.created,
        )  # fmt: skip
        return dataclasses.replace(reserved, signed_json=_compact(signed))

    def _reserve(
        self, work: _Work, award: Award, credential_id: str, number: str | None
    ) -> Prepared:
        ready = award
        if ready.previous_credential is None:  # a new award, not a replacement
            ready = self._with_prerequisites(work, ready)
        body = ready.qualification.body
        return Prepared(
            ready,
            credential_id,
            self._allocate(work, REVOCATION, credential_id, body),
            self._allocate(work, SUSPENSION, credential_id, body),
            number or self._number(work, ready),
            work.now,
        )

    def _sign_award(
        self,
        award: Award,
        credential_id: str,
        revocation: tuple[str, int],
        suspension: tuple[str, int],
        number: str,
        now: datetime,
    ) -> dict[str, Any]:
        body = award.qualification.body
        unsigned = build(
            award,
            self.body(body).profile,
            credential_id=credential_id,
            status=[
                status_entry(revocation[0], revocation[1], REVOCATION),
                status_entry(suspension[0], suspension[1], SUSPENSION),
            ],
            number=number,
        )
        return proofs.sign(unsigned, self.body_key(body), created=now, suite=self.settings.suite)

    def _issue_tx(
        self,
        work: _Work,
        award: Award,
        credential_id: str,
        actor: str,
        batch_key: str | None,
        *,
        previous: CredentialRecord | None = None,
        decided: Mapping[str, Any] | None = None,
        prepared: Prepared | None = None,
    ) -> IssuedCredential:
        """Allocate, build, sign, store and audit one credential (or store and audit one
        ``prepared`` ahead). ``decided`` records who decided it (the decision case, its
        approvers, the assessors) in the record."""
        tx, now = work.tx, work.now
        # An award ``prepared`` ahead comes from ``Decisions._decision``, which looked its
        # key up in this transaction already (the store's unique key stays the backstop).
        if batch_key is not None and prepared is None:
            existing = tx.get_by_batch_key(batch_key)
            if existing is not None:
                return IssuedCredential(existing, created=False)
        if prepared is None:  # reserved, built and signed inside this transaction
            prepared = self._sign_reserved(self._reserve(work, award, credential_id, None))
        award, credential_id = prepared.award, prepared.credential_id
        revocation, suspension = prepared.revocation, prepared.suspension
        number, signed_json = prepared.number, prepared.signed_json
        record = CredentialRecord(
            id=credential_id,
            holder_name=award.holder.name,
            holder_id=award.holder.id,
            holder_email=award.holder.email,
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
                **({"language": award.holder.language} if award.holder.language else {}),
                **({"decision": dict(decided)} if decided else {}),
                **_evidence_terms(award),
            },
            number=number,
        )
        tx.insert_credential(record)
        self._audit(
            work,
            actor,
            "issue",
            credential_id,
            notify=previous is None,  # a replacement's notice is the replacing change's
            record=record,
            qualification=record.qualification_id,
            units=list(record.units),
            revocation=[revocation[0], revocation[1]],
            suspension=[suspension[0], suspension[1]],
            sha256=_digest(signed_json),
            batchKey=batch_key,
            previous=record.previous_id,
            decision=dict(decided) if decided else None,
            number=number,
        )
        return IssuedCredential(record, created=True)

    def _number(self, work: _Work, award: Award) -> str:
        """The next certificate number of the award's pattern, skipping any number already
        taken (imported, or made by another pattern): unique per body."""
        return self._number_of(work, award.qualification, award.awarded.year)

    def _number_of(self, work: _Work, found: Qualification, year: int) -> str:
        pattern = found.numbers
        qualification = found.id
        scope = pattern.scope(qualification=qualification, year=year)
        for _ in range(_NUMBER_ATTEMPTS):
            seq = work.tx.next_in_sequence(scope)
            number = pattern.number(seq, qualification=qualification, year=year)
            if not work.tx.number_taken(number):  # the counter row is locked until commit
                return number
        raise StoreError(f"no free certificate number in {scope!r} after {_NUMBER_ATTEMPTS} tries")

    def _with_prerequisites(self, work: _Work, award: Award) -> Award:
        """The award with a reference to each current certificate its qualification
        requires of the same holder (same DID, else the same name, NFKC case-folded);
        ``PolicyError`` when one is missing (KCS: Level 2 only after a current Level 1)."""
        qualification = award.qualification
        if not qualification.requires:
            return award
        found = []
        for required in qualification.requires:
            held = [
                record
                for record in work.tx.list_credentials(state="active", qualification_id=required)
                if record.expires > work.now and _same_holder(record, award)
            ]
            if not held:
                raise PolicyError(
                    f"{qualification.id} requires a current {required} certificate of "
                    f"{award.holder.name!r}; none is held"
                )
            latest = max(held, key=lambda record: record.awarded)
            title = (
                self.qualifications[required].title if required in self.qualifications else required
            )
            found.append(EvidenceRef(latest.id, f"Prerequisite: {title}", genre="Prerequisite"))
        return replace(award, evidence=(*award.evidence, *found))

    def _allocate(
        self, work: _Work, purpose: str, credential_id: str, body: str
    ) -> tuple[str, int]:
        """An unused index of ``body``'s open list of ``purpose``, rolling over when full.

        The list's row is not locked: the allocations' unique key decides between issuers
        drawing at once, closing a full list is a versioned save (a concurrent change of
        the list makes it a ``ConflictError``, and the reservation is re-run), and a second
        open list cannot be created. A lock here made every issuer of every instance queue
        behind the one reserving, for its whole transaction."""
        tx = work.tx
        for _ in range(2):
            # the list's id and size: its bits and signed form are not read to allocate
            current = work.open_lists.get((purpose, body)) or tx.open_list_ref(purpose, body=body)
            if current is None:
                created = self._create_list(work, purpose, body)
                current = created.id, created.size
            work.open_lists[(purpose, body)] = current
            list_id, size = current
            index = self._draw(tx, list_id, size, credential_id)
            if index is not None:
                return list_id, index
            del work.open_lists[(purpose, body)]
            full = tx.get_list(list_id)
            if full is None:
                raise StoreError(f"status list {list_id} is gone")
            tx.save_list(  # full: close it; the loop opens the next one
                list_id,
                bits=full.bits,
                version=full.version + 1,
                full=True,
                published_json=full.published_json,
                published_at=full.published_at,
            )
        raise StoreError(f"could not allocate a {purpose} index in a fresh list")

    def _draw(self, tx: Tx, list_id: str, size: int, credential_id: str) -> int | None:
        # Uniform random probes; the store's unique key decides collisions. When the
        # list is nearly full, one uniform draw over the loaded allocation map.
        for _ in range(PROBES):
            index = self._rng.randrange(0, size)
            if tx.allocate_index(list_id, index, credential_id):
                return index
        used = set(tx.allocated_indices(list_id))
        drawn = allocate_index(size, used, self._rng)
        if drawn is not None and not tx.allocate_index(list_id, drawn, credential_id):
            # another issuer took it since the map was read: draw again in a fresh transaction
            raise ConflictError(f"index {drawn} of {list_id} was taken during allocation")
        return drawn

    def _create_list(self, work: _Work, purpose: str, body: str) -> StatusListRecord:
        tx, now = work.tx, work.now
        number = 1 + sum(1 for e in tx.lists() if e.purpose == purpose and e.body == body)
        prefix = "" if body == DEFAULT_BODY else f"{body}-"
        list_id = f"{self.settings.status_base_url}/{prefix}{purpose}-{number}"
        bits = Bitstring(self.settings.list_size)
        signed = self._sign_list(list_id, purpose, bits, now, body)
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
            body=body,
        )
        try:
            tx.create_list(record)
        except DuplicateError:
            # another writer opened this list first (PostgreSQL lets both look): start over
            raise ConflictError(f"status list {list_id} was created concurrently") from None
        work.changes[list_id] = signed
        return record

    def _sign_list(
        self, list_id: str, purpose: str, bits: Bitstring, now: datetime, body: str
    ) -> str:
        """The list credential of ``body``: its DID as issuer, signed by its key."""
        unsigned = status_list_credential(
            list_id,
            purpose,
            bits,
            issuer=self.body(body).profile.id,
            valid_from=now,
            valid_until=now + self.settings.list_validity,
        )
        key = self.body_key(body)
        signed = proofs.sign(unsigned, key, created=now, suite=self.settings.suite)
        return json.dumps(signed, ensure_ascii=False, separators=(",", ":"))

    def _set_bit(self, work: _Work, list_id: str, index: int, value: bool) -> None:
        """Flip one bit of a locked list and re-sign it (same transaction)."""
        tx = work.tx
        current = tx.get_list(list_id, for_update=True)
        if current is None:
            raise StoreError(f"status list {list_id!r} is missing")
        bits = Bitstring.from_bytes(current.bits, min_bits=1)
        if bits.get(index) == value:
            return
        bits.set(index, value)
        signed = self._sign_list(list_id, current.purpose, bits, work.now, current.body)
        tx.save_list(
            list_id,
            bits=bits.to_bytes(),
            version=current.version + 1,
            full=current.full,
            published_json=signed,
            published_at=work.now,
        )
        work.changes[list_id] = signed

    # --- effects of decisions (inside a transaction, on a locked credential) -----------

    def _locked(self, tx: Tx, credential_id: str) -> CredentialRecord:
        record = tx.get_credential(credential_id, for_update=True)
        if record is None:
            raise UnknownCredentialError(f"no credential {credential_id!r}")
        return record

    def _change(self, fn: Callable[[_Work], Any], *, checkpoint: bool = True) -> Any:
        """Run ``fn`` as one transaction; publish the lists it re-signed once committed,
        and (``checkpoint``: it may have appended to the log) a checkpoint of the log."""

        def attempt(tx: Tx) -> tuple[Any, Changes]:
            work = _Work(tx, self.now())  # fresh per attempt: Store.run may retry
            return fn(work), work.changes

        result, changes = self.store.run(attempt)
        # the lists, then a signed checkpoint of the log they came with
        if changes:
            self.publisher.publish(changes)
        if checkpoint and self._key is not None:
            # one checkpoint read after this commit, shared with the changes committed
            # while another thread's was being made
            self._checkpoints.run(lambda: self.publisher.publish(self._checkpoint_change()))
        return result

    def checkpoint(self) -> Checkpoint:
        """A signed checkpoint of the audit log as it is now (``vcissue.checkpoint``), with
        the digest of the state the log replays to (``replay.state_digest``)."""
        key = self.key
        seq, head, digest, recorded = self.store.read(self._log_state)
        self._state = (seq, digest)
        if seq - recorded >= _RECORD_STATE_EVERY:  # where the next process resumes
            self.store.run(lambda tx: tx.save_audit_state(seq, digest_hex(digest)))
        return Checkpoint.sign(
            log=self.profile.id,
            seq=seq,
            head=head,
            time=self.now(),
            key=key,
            state=digest_hex(digest),
        )

    def _log_state(self, tx: Tx) -> tuple[int, str, int, int]:
        """``(seq, head, state digest, seq of the recorded digest)`` of the log in ``tx``:
        folded on from the digest this desk last signed or the store recorded, whichever
        is later (one indexed read per credential the entries since then name), or
        replayed whole when that is too far back (a store from before state digests)."""
        seq, head = tx.audit_head()
        recorded, text = tx.audit_state()
        start, digest = recorded, int(text or "0", 16)
        mine = self._state
        if mine is not None and start < mine[0] <= seq:
            start, digest = mine
        if start > seq or seq - start > _FOLD_AT_MOST:
            expected, _ = replay(e for e in tx.audit_entries() if e.seq <= seq)
            return seq, head, state_digest(expected), recorded if start <= seq else 0
        named = {e.credential_id for e in tx.audit_entries(after=start) if e.seq <= seq}
        history = {
            credential_id: [e for e in tx.audit_for(credential_id) if e.seq <= seq]
            for credential_id in named
            if credential_id
        }
        return seq, head, fold(digest, start, seq, history)[0], recorded

    def checkpoint_url(self) -> str:
        return f"{self.settings.status_base_url}/{CHECKPOINT_NAME}"

    def _checkpoint_change(self) -> Changes:
        if self._key is None:
            return {}
        text = json.dumps(self.checkpoint().to_json(), separators=(",", ":"))
        return {self.checkpoint_url(): text}

    def _audit(
        self,
        work: _Work,
        actor: str,
        action: str,
        credential_id: str | None,
        *,
        notify: bool = True,
        record: CredentialRecord | None = None,
        **details: Any,
    ) -> None:
        """Append the audit entry and, for a state change, its outbox event (one each,
        in the change's transaction: ``vcissue.notify.events``). ``record``: the
        credential as this transaction left it, when the caller holds it."""
        entry = work.tx.append_audit(
            actor=actor,
            action=action,
            credential_id=credential_id,
            details={k: v for k, v in details.items() if v is not None},
            at=work.now,
        )
        if notify and credential_id is not None and events.kind_of(action) is not None:
            if record is None:
                record = work.tx.get_credential(credential_id)
            event = None if record is None else events.from_audit(entry, record)
            if event is not None:
                work.tx.add_event(event)

    def _suspend(
        self,
        work: _Work,
        record: CredentialRecord,
        *,
        reason: str,
        until: datetime,
        actor: str,
        case: str | None,
    ) -> CredentialRecord:
        """Set the suspension bit until ``until``; past it, ``run_lifecycle`` withdraws."""
        _reason(reason)
        if record.state != "active":
            raise PolicyError(f"only an active credential can be suspended ({record.state})")
        if until.tzinfo is None or until <= work.now:
            raise PolicyError("the suspension deadline must be a future, timezone-aware time")
        self._set_bit(work, record.suspension_list, record.suspension_index, True)
        work.tx.update_credential(
            record.id, state="suspended", state_reason=reason, suspended_until=until
        )
        self._audit(
            work,
            actor,
            "suspend",
            record.id,
            reason=reason,
            until=proofs.format_datetime(until),
            case=case,
        )
        return self._locked(work.tx, record.id)

    def _extend_suspension(
        self,
        work: _Work,
        record: CredentialRecord,
        *,
        reason: str,
        until: datetime,
        actor: str,
        case: str | None,
    ) -> CredentialRecord:
        _reason(reason)
        if record.state != "suspended" or record.suspended_until is None:
            raise PolicyError(f"only a suspension can be extended; this one is {record.state}")
        if until.tzinfo is None or until <= record.suspended_until:
            raise PolicyError("an extended deadline must be later than the current one")
        work.tx.update_credential(
            record.id,
            state="suspended",
            state_reason=record.state_reason,
            suspended_until=until,
        )
        self._audit(
            work,
            actor,
            "extend-suspension",
            record.id,
            reason=reason,
            was=proofs.format_datetime(record.suspended_until),
            until=proofs.format_datetime(until),
            case=case,
        )
        return self._locked(work.tx, record.id)

    def _reinstate(
        self, work: _Work, record: CredentialRecord, *, reason: str, actor: str, case: str | None
    ) -> CredentialRecord:
        if record.state != "suspended":
            raise PolicyError(
                f"only a suspended credential can be reinstated; this one is {record.state}"
            )
        self._set_bit(work, record.suspension_list, record.suspension_index, False)
        work.tx.update_credential(record.id, state="active")
        self._audit(work, actor, "reinstate", record.id, reason=reason, case=case)
        return self._locked(work.tx, record.id)

    def _finalise(
        self,
        work: _Work,
        record: CredentialRecord,
        *,
        state: str,
        reason: str,
        actor: str,
        case: str | None,
        action: str | None = None,
        **details: Any,
    ) -> CredentialRecord:
        """Revoked or withdrawn: the revocation bit is set for good."""
        _reason(reason)
        if record.state not in _CHANGEABLE:
            raise PolicyError(f"credential is {record.state}; it cannot be {state}")
        self._set_bit(work, record.revocation_list, record.revocation_index, True)
        work.tx.update_credential(record.id, state=state, state_reason=reason)
        verb = action or {"revoked": "revoke", "withdrawn": "withdraw"}[state]
        self._audit(work, actor, verb, record.id, reason=reason, case=case, **details)
        return self._locked(work.tx, record.id)

    def _reduce_scope(
        self,
        work: _Work,
        record: CredentialRecord,
        *,
        units: Sequence[str],
        reason: str,
        actor: str,
        case: str | None,
    ) -> IssuedCredential:
        """Withdraw the credential and issue one for ``units`` only (ISO/IEC 17024 8.3.e)."""
        qualification = self.qualification(record.qualification_id)
        held = record.units or qualification.unit_ids
        kept = tuple(units)
        if not kept or not set(kept) < set(held):
            raise PolicyError(
                f"the reduced scope must be a non-empty proper subset of {list(held)}"
            )
        new_id = self._new_credential_id()
        award = self._award_from(
            record, qualification, units=kept, awarded=record.awarded, relation="scope-reduction"
        )
        self._finalise(
            work,
            record,
            state="withdrawn",
            reason=reason,
            actor=actor,
            case=case,
            action="reduce-scope",
            kept=list(kept),
            replacement=new_id,
        )
        return self._issue_tx(work, award, new_id, actor, None, previous=record)

    def _expand_scope(
        self,
        work: _Work,
        record: CredentialRecord,
        *,
        units: Sequence[str],
        reason: str,
        actor: str,
        case: str | None,
    ) -> IssuedCredential:
        """Supersede the credential with one for more units (same award date and expiry)."""
        _reason(reason)
        if record.state != "active":
            raise PolicyError(f"only an active credential's scope can grow ({record.state})")
        qualification = self.qualification(record.qualification_id)
        held = set(record.units or qualification.unit_ids)
        wanted = tuple(units)
        if not held < set(wanted) or not set(wanted) <= set(qualification.unit_ids):
            raise PolicyError(
                f"the expanded scope must hold {sorted(held)} and more units of {qualification.id}"
            )
        full = set(wanted) == set(qualification.unit_ids)
        new_id = self._new_credential_id()
        award = self._award_from(
            record,
            qualification,
            units=None if full else wanted,
            awarded=record.awarded,
            relation="scope-expansion",
            expires=record.expires,
        )
        work.tx.update_credential(
            record.id, state="superseded", state_reason=f"scope expanded as {new_id}"
        )
        self._audit(
            work,
            actor,
            "expand-scope",
            record.id,
            reason=reason,
            units=list(wanted),
            replacement=new_id,
            case=case,
        )
        return self._issue_tx(work, award, new_id, actor, None, previous=record)

    def _recertify(
        self,
        work: _Work,
        record: CredentialRecord,
        *,
        actor: str,
        case: str | None,
        evidence: Sequence[EvidenceRef] = (),
    ) -> IssuedCredential:
        """A new credential with new dates referencing the old one, which is superseded;
        ``evidence``: what this recertification was decided on (CPD records, ...)."""
        if record.state != "active":
            raise PolicyError(f"only an active credential can be recertified ({record.state})")
        qualification = self.qualification(record.qualification_id)
        _recertification_open(qualification, record.expires, work.now)
        new_id = self._new_credential_id()
        award = self._award_from(
            record, qualification, units=record.units or None, awarded=work.now
        )
        award = replace(award, evidence=tuple(evidence), rpl=())  # a new assessment
        work.tx.update_credential(
            record.id, state="superseded", state_reason=f"recertified as {new_id}"
        )
        self._audit(work, actor, "recertify", record.id, replacement=new_id, case=case)
        return self._issue_tx(work, award, new_id, actor, None, previous=record)

    def _rename(
        self, work: _Work, record: CredentialRecord, *, name: str, actor: str, case: str | None
    ) -> IssuedCredential:
        """The same certificate under the holder's new name: same terms, award date and
        expiry, a new number; the old one is superseded (no status bit: it was true). The
        audit entry names ids only, never the names."""
        if record.state != "active":
            raise PolicyError(f"only an active credential is reissued for a name ({record.state})")
        qualification = self.qualification(record.qualification_id)
        new_id = self._new_credential_id()
        award = self._award_from(
            record,
            qualification,
            units=record.units or None,
            awarded=record.awarded,
            relation="name-change",
            expires=record.expires,
            holder_name=name,
        )
        if award.holder.name == record.holder_name:
            raise PolicyError("the new name is the name the certificate already carries")
        work.tx.update_credential(
            record.id, state="superseded", state_reason=f"reissued for a name change as {new_id}"
        )
        self._audit(work, actor, "rename", record.id, replacement=new_id, case=case)
        return self._issue_tx(work, award, new_id, actor, None, previous=record)

    def _restore(
        self, work: _Work, record: CredentialRecord, *, reason: str, actor: str, case: str | None
    ) -> IssuedCredential:
        """An upheld appeal against a revocation or withdrawal: a new credential with the
        same terms that names the one it restores. The old one's revocation bit stays set
        (the Bitstring Status List spec makes revocation final); the register shows the
        restored certification."""
        if record.state not in ("revoked", "withdrawn"):
            raise PolicyError(
                f"only a revoked or withdrawn credential is restored ({record.state})"
            )
        qualification = self.qualification(record.qualification_id)
        new_id = self._new_credential_id()
        award = self._award_from(
            record,
            qualification,
            units=record.units or None,
            awarded=record.awarded,
            relation="restoration",
            expires=record.expires,
        )
        self._audit(work, actor, "restore", record.id, reason=reason, replacement=new_id, case=case)
        return self._issue_tx(work, award, new_id, actor, None, previous=record)

    def _withdraw_overdue(self, work: _Work, actor: str) -> list[str]:
        """Withdraw every suspension whose deadline has passed (ISO/IEC 17024 9.5.2)."""
        due = work.tx.list_credentials(state="suspended", suspended_before=work.now)
        for record in due:
            deadline = record.suspended_until or work.now
            self._finalise(
                work,
                record,
                state="withdrawn",
                reason="suspension deadline passed without reinstatement",
                actor=actor,
                case=None,
                suspendedUntil=proofs.format_datetime(deadline),
            )
        return [record.id for record in due]

    def _award_from(
        self,
        record: CredentialRecord,
        qualification: Qualification,
        *,
        units: tuple[str, ...] | None,
        awarded: datetime,
        relation: str = "recertification",
        expires: datetime | None = None,
        holder_name: str | None = None,
    ) -> Award:
        terms = record.terms
        return Award.from_request(
            qualification,
            holder_name=record.holder_name if holder_name is None else holder_name,
            holder_id=record.holder_id,
            holder_email=record.holder_email,
            holder_language=terms.get("language"),
            awarded=awarded,
            units=units,
            expires=expires,
            # a custom scope statement described the old units; a reduced scope is derived
            scope=str(terms.get("customScope", "")) if tuple(units or ()) == record.units else "",
            limitations=tuple(terms.get("limitations", ())),
            result=str(terms.get("result", "pass")),
            previous_credential=record.id,
            previous_relation=relation,
            # the same award under new terms keeps its evidence and the RPL of kept units
            evidence=tuple(EvidenceRef.from_json(item) for item in terms.get("evidence", ())),
            rpl=[
                unit for unit in terms.get("rpl", ()) if unit in (units or qualification.unit_ids)
            ],
        )

    # --- delivery to the holder's wallet ------------------------------------------------

    def deliver(
        self,
        credential_id: str,
        holder_did: str,
        *,
        actor: str,
        via: str,
        also: Callable[[Tx, datetime], Mapping[str, Any]] | None = None,
    ) -> CredentialRecord:
        """Bind the credential to the DID its holder's wallet proved it controls: the same
        credential (id, dates, status entries) with ``credentialSubject.id`` = ``holder_did``,
        signed now by the body's key, stored in place of the old copy, audited. ``also``
        runs first in the same transaction (the wallet protocol's own single-use checks) and
        returns details for the audit entry. One credential record, not a second award."""
        _texts(actor=actor, via=via)

        def fn(work: _Work) -> CredentialRecord:
            details = dict(also(work.tx, work.now)) if also is not None else {}
            record = self._locked(work.tx, credential_id)
            if record.state not in _CHANGEABLE:
                raise PolicyError(f"a {record.state} credential is not delivered to a wallet")
            if "proof" not in json.loads(record.signed_json):  # erased: nothing to deliver
                raise PolicyError("the holder's data was erased: the credential is not delivered")
            unsigned = bind_subject(json.loads(record.signed_json), holder_did)
            key = self.body_key(self.body_of_issuer(issuer_id(unsigned)))
            signed = proofs.sign(unsigned, key, created=work.now, suite=self.settings.suite)
            signed_json = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
            work.tx.bind_holder(record.id, holder_id=holder_did, signed_json=signed_json)
            self._audit(
                work,
                actor,
                "deliver",
                record.id,
                # the holder's DID is personal data and the log cannot forget: a digest
                holder=_holder_ref(holder_did),
                via=via,
                previousHolder=_holder_ref(record.holder_id)
                if record.holder_id not in (None, holder_did)
                else None,
                sha256=_digest(signed_json),
                **details,
            )
            return self._locked(work.tx, record.id)

        record: CredentialRecord = self._change(fn)
        return record

    # --- keys -------------------------------------------------------------------------

    def resign(self, verification_method: str, *, actor: str, reason: str) -> ResignReport:
        """Re-sign, with the active key of the body that controls ``verification_method``
        (a compromised key), every stored credential and status list whose proof is by it:
        same content, a new proof. One transaction; each credential gets a ``re-sign``
        audit entry naming both digests.
        """
        _reason(reason)
        _texts(actor=actor, verification_method=verification_method)
        key = self.body_key(self.body_of_issuer(verification_method.split("#", 1)[0]))
        if verification_method == key.verification_method:
            raise KeyMaterialError("re-signing needs a key other than the one being replaced")

        def fn(work: _Work) -> ResignReport:
            credentials = []
            for record in work.tx.list_credentials():
                document = json.loads(record.signed_json)
                proof = document.pop("proof", None)
                if not isinstance(proof, dict) or proof.get("verificationMethod") != (
                    verification_method
                ):
                    continue
                suite = str(proof.get("cryptosuite", self.settings.suite))
                signed = proofs.sign(document, key, created=work.now, suite=suite)
                signed_json = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
                work.tx.replace_signed(record.id, signed_json)
                self._audit(
                    work,
                    actor,
                    "re-sign",
                    record.id,
                    reason=reason,
                    key=verification_method,
                    by=key.verification_method,
                    was=_digest(record.signed_json),
                    sha256=_digest(signed_json),
                )
                credentials.append(record.id)
            lists = []
            for item in work.tx.lists():
                published = json.loads(item.published_json) if item.published_json else {}
                if published.get("proof", {}).get("verificationMethod") != verification_method:
                    continue
                bits = Bitstring.from_bytes(item.bits, min_bits=1)
                signed_list = self._sign_list(item.id, item.purpose, bits, work.now, item.body)
                work.tx.save_list(
                    item.id,
                    bits=item.bits,
                    version=item.version + 1,
                    full=item.full,
                    published_json=signed_list,
                    published_at=work.now,
                )
                work.changes[item.id] = signed_list
                lists.append(item.id)
            self._audit(
                work,
                actor,
                "key-compromise",
                None,
                reason=reason,
                key=verification_method,
                by=key.verification_method,
                credentials=len(credentials),
                lists=lists,
            )
            return ResignReport(tuple(credentials), tuple(lists))

        report: ResignReport = self._change(fn)
        return report

    # --- publishing -------------------------------------------------------------------

    def publish(self) -> int:
        """Renew the lists that need it (when this desk has its key), then republish every
        list's signed credential from the store; returns how many were published."""
        if self._key is not None:
            self.renew_lists()
        lists = self.store.read(lambda tx: tx.lists())
        changes = {item.id: item.published_json for item in lists if item.published_json}
        self.publisher.publish({**changes, **self._checkpoint_change()})
        return len(changes)

    def renew_lists(self, list_ids: Iterable[str] | None = None) -> list[str]:
        """Re-sign (bits unchanged, a new ``validFrom``/``validUntil``) every list, or those
        of ``list_ids``, with less than half of its validity left; one transaction. The
        publisher gets the renewed lists after commit. Returns the renewed list URLs."""
        wanted = None if list_ids is None else set(list_ids)
        now = self.now()
        due = self.store.read(
            lambda tx: [
                r.id
                for r in tx.lists()
                if (wanted is None or r.id in wanted) and self.needs_renewal(r, now)
            ]
        )
        if not due:
            return []  # the common case: no write transaction at all

        def fn(work: _Work) -> list[str]:
            renewed = []
            for record in work.tx.lists():
                if wanted is not None and record.id not in wanted:
                    continue
                if not self.needs_renewal(record, work.now):
                    continue
                current = work.tx.get_list(record.id, for_update=True)
                if current is None or not self.needs_renewal(current, work.now):
                    continue  # another writer renewed it meanwhile
                bits = Bitstring.from_bytes(current.bits, min_bits=1)
                signed = self._sign_list(current.id, current.purpose, bits, work.now, current.body)
                work.tx.save_list(
                    current.id,
                    bits=current.bits,
                    version=current.version + 1,
                    full=current.full,
                    published_json=signed,
                    published_at=work.now,
                )
                work.changes[current.id] = signed
                renewed.append(current.id)
            return renewed

        result: list[str] = self._change(fn)
        return result

    def needs_renewal(self, record: StatusListRecord, now: datetime) -> bool:
        """Whether the list's signed credential has less than half its validity left."""
        if record.published_json is None:
            return True
        try:
            until = json.loads(record.published_json).get("validUntil")
            expires = proofs.parse_datetime(until)
        except (ValueError, AttributeError, VcissueError):
            return True  # no (readable) validUntil: a list signed before lists had one
        return expires - now < self.settings.list_validity / 2


def _evidence_terms(award: Award) -> dict[str, Any]:
    """The evidence given with the award (not the prerequisites the issuer found) and its
    RPL units, kept with the record so a reissue of the same award carries them."""
    given = [item.to_json() for item in award.evidence if item.genre != "Prerequisite"]
    return {
        **({"evidence": given} if given else {}),
        **({"rpl": list(award.rpl)} if award.rpl else {}),
    }


def _same_holder(record: CredentialRecord, award: Award) -> bool:
    if award.holder.id and record.holder_id:
        return award.holder.id == record.holder_id
    return _name_key(record.holder_name) == _name_key(award.holder.name)


def _name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _recertification_open(qualification: Qualification, expires: datetime, now: datetime) -> None:
    """The scheme's recertification rules: open ``window`` before expiry, accepted until
    ``grace`` after it; past that the certification has lapsed (a new award is needed)."""
    window, grace = qualification.recertification_window, qualification.recertification_grace
    if window is not None and parse_duration(window).add_to(now) < expires:
        raise PolicyError(
            f"recertification of {qualification.id} opens {window} before expiry "
            f"({proofs.format_datetime(expires)}); not yet"
        )
    if grace is not None and now > parse_duration(grace).add_to(expires):
        raise PolicyError(
            f"the certification lapsed: it expired {proofs.format_datetime(expires)} and the "
            f"grace period of {grace} is over; a new award is needed, not recertification"
        )


def _reason(reason: object) -> None:
    if not isinstance(reason, str) or not reason.strip():
        raise PolicyError("a reason is required")
    check_text(reason, "reason")


def storable(value: object) -> bool:
    """Whether ``value`` can be an id in the store (text without refused characters): an
    id that cannot is unknown, and PostgreSQL could not even look it up."""
    return isinstance(value, str) and text_problem(value) is None


def _texts(**values: str | None) -> None:
    """Stored text (actors, reasons, references, ids) without refused characters
    (``vcissue.model.text``): the same CredentialError in front of every store."""
    for name, value in values.items():
        check_text(value, name.replace("_", " "))
