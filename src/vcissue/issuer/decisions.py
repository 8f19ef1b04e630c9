"""Decisions under policies: dual control that one person cannot satisfy.

Every change to a certification is a decision of a kind (``governance.policies``): the
policy names the role that may make it and how many distinct principals must approve it.
A request by a principal of that role is its first approval; while approvals are short, the
decision is a pending case (``cases`` table) that other principals approve or reject and
that expires after the policy's time. When the last approval arrives, the effect happens in
the same transaction that records it, with the audit entries of every step.

A principal counts once however many API keys it holds (the store's primary key on
``(case, principal)``), approvals are recorded against principals, never free-text names,
and a principal without the policy's role cannot approve (operators approve only what a
policy gives operators). Award decisions also refuse an approver who assessed the
candidate (ISO/IEC 17024: certification decisions by persons not involved in the
assessment). Asking for the same kind of decision on the same credential while one is
pending approves the pending one: "vcissue revoke ID" by a second director completes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import proofs
from ..batch import BatchRow
from ..csvrows import RowError
from ..errors import (
    CredentialError,
    DuplicateError,
    NotPermitted,
    PolicyError,
    UnknownCredentialError,
)
from ..governance.policies import Policy
from ..governance.principals import SYSTEM, Principal, identity
from ..model import Award, EvidenceRef
from ..store.records import CaseRecord, CredentialRecord, Tx
from . import batching
from .batching import BATCH_CHUNK
from .core import BatchReport, IssuedCredential, IssuerCore, Prepared, _texts, _Work, storable
from .erasure import erase_imported, erase_person

__all__ = ["DecisionOutcome", "Decisions", "LifecycleReport"]


@dataclass(frozen=True)
class DecisionOutcome:
    """Where a decision stands. ``result`` is what it made once done (the changed
    credential record, or the issued credential)."""

    case_id: str
    kind: str
    subject: str | None
    state: str  # pending | done | rejected | expired
    approvals: tuple[str, ...]
    required: int
    requested_by: str
    reason: str
    result: Any = None

    @property
    def done(self) -> bool:
        return self.state == "done"

    def to_json(self) -> dict[str, Any]:
        return {
            "caseId": self.case_id,
            "kind": self.kind,
            "subject": self.subject,
            "state": self.state,
            "approvals": list(self.approvals),
            "required": self.required,
            "requestedBy": self.requested_by,
            "reason": self.reason,
        }


@dataclass
class LifecycleReport:
    withdrawn: list[str] = field(default_factory=list)
    expired_decisions: list[str] = field(default_factory=list)


def _award_data(award: Award, assessors: Sequence[str]) -> dict[str, Any]:
    return {
        "qualification": award.qualification.id,
        "holderName": award.holder.name,
        "holderId": award.holder.id,
        **({"holderEmail": award.holder.email} if award.holder.email else {}),
        "holderLanguage": award.holder.language,
        "awarded": proofs.format_datetime(award.awarded),
        "units": list(award.units) if award.units is not None else None,
        "result": award.result,
        "scope": award.scope,
        "limitations": list(award.limitations),
        "expires": proofs.format_datetime(award.expires) if award.expires else None,
        "evidence": [item.to_json() for item in award.evidence],
        "rpl": list(award.rpl),
        "assessors": sorted({identity(name) for name in assessors}),  # as principals count
    }


class Decisions(IssuerCore):
    """The issuing desk's decisions: request, approve, reject, expire; awards and batches."""

    # --- awards ---------------------------------------------------------------------------

    def issue(
        self,
        award: Award,
        *,
        by: Principal,
        batch_key: str | None = None,
        assessors: Sequence[str] = (),
        number: str | None = None,
    ) -> IssuedCredential:
        """Award at once, as the award policy's single approver ``by``.
        ``number``: the certificate's number already (an imported certificate's).

        A scheme whose award policy needs more approvers (a certification panel) takes
        ``request_award`` instead; so does a principal who assessed the candidate.
        With ``batch_key``, a second call with the same key returns the first credential.
        """
        params = self._award_at_once(award, by, batch_key, assessors)
        prepared = None
        if batch_key is None or self._issued_for(batch_key) is None:
            # Signed before the transaction that stores it: concurrent issuers (threads,
            # processes, instances on one PostgreSQL) lock the open lists only to reserve.
            prepared = self._prepare(award, number=number)
        outcome = self._decide(
            "award",
            None,
            by,
            "award",
            params,
            award.qualification.id,
            batch_key=batch_key,
            prepared=prepared,
        )
        issued: IssuedCredential = outcome.result
        return issued

    def _award_at_once(
        self, award: Award, by: Principal, batch_key: str | None, assessors: Sequence[str]
    ) -> dict[str, Any]:
        """The award decision's parameters, once ``by`` may make it alone (``issue``)."""
        qualification = self.qualification(award.qualification.id)
        policy = self.settings.policies.of("award", qualification.id)
        if policy.approvers > 1:
            raise PolicyError(
                f"awards of {qualification.id} need {policy.approvers} approvers: request "
                "the award (request_award / vcissue issue --request) and have it approved"
            )
        params = self._award_params(award, assessors)
        self._require_role(by, policy, "award")
        _texts(reference=batch_key)  # a refused key is typed before any store reads it
        return params

    def _issued_for(self, batch_key: str) -> CredentialRecord | None:
        return self.store.read(lambda tx: tx.get_by_batch_key(batch_key))

    def request_award(
        self, award: Award, *, by: Principal, assessors: Sequence[str] = (), reason: str = "award"
    ) -> DecisionOutcome:
        """An award decision under the scheme's award policy (done at once, or pending)."""
        qualification = self.qualification(award.qualification.id)
        return self._decide(
            "award",
            None,
            by,
            reason,
            self._award_params(award, assessors),
            qualification.id,
            queue=True,
        )

    def _award_params(self, award: Award, assessors: Sequence[str]) -> dict[str, Any]:
        self.qualification(award.qualification.id)  # only configured schemes are awarded
        self.key  # noqa: B018 - fail before the transaction when read-only
        return _award_data(award, assessors)

    def issue_batch(
        self,
        rows: Iterable[BatchRow | RowError],
        *,
        by: Principal,
        progress: Callable[[int, BatchRow | RowError], None] | None = None,
        chunk: int = BATCH_CHUNK,
        workers: int = 1,
    ) -> BatchReport:
        """Issue every good row; report bad rows by line and go on. Rows issued by an
        earlier run (their batch keys) are skipped. Rows are reserved, signed (by
        ``workers`` forked processes) and stored ``chunk`` at a time, so a crash keeps
        whole chunks (``issuer.batching``)."""
        return batching.issue_batch(
            self, rows, by=by, progress=progress, chunk=chunk, workers=workers
        )

    # --- lifecycle decisions --------------------------------------------------------------

    def suspend(
        self, credential_id: str, *, reason: str, until: datetime, by: Principal
    ) -> DecisionOutcome:
        return self._on(credential_id, "suspend", by, reason, until=until)

    def extend_suspension(
        self, credential_id: str, *, until: datetime, reason: str, by: Principal
    ) -> DecisionOutcome:
        return self._on(credential_id, "extend-suspension", by, reason, until=until)

    def reinstate(self, credential_id: str, *, reason: str, by: Principal) -> DecisionOutcome:
        return self._on(credential_id, "reinstate", by, reason)

    def revoke(self, credential_id: str, *, reason: str, by: Principal) -> DecisionOutcome:
        return self._on(credential_id, "revoke", by, reason)

    def withdraw(self, credential_id: str, *, reason: str, by: Principal) -> DecisionOutcome:
        return self._on(credential_id, "withdraw", by, reason)

    def reduce_scope(
        self, credential_id: str, *, units: Sequence[str], reason: str, by: Principal
    ) -> DecisionOutcome:
        return self._on(credential_id, "reduce-scope", by, reason, units=list(units))

    def expand_scope(
        self, credential_id: str, *, units: Sequence[str], reason: str, by: Principal
    ) -> DecisionOutcome:
        return self._on(credential_id, "expand-scope", by, reason, units=list(units))

    def recertify(
        self,
        credential_id: str,
        *,
        by: Principal,
        reason: str = "recertification",
        evidence: Sequence[EvidenceRef] = (),
    ) -> DecisionOutcome:
        """Recertify; ``evidence`` (CPD records, a new assessment) goes into the new credential."""
        if not all(isinstance(item, EvidenceRef) for item in evidence):
            raise CredentialError("evidence must be EvidenceRef items")
        return self._on(
            credential_id, "recertify", by, reason, evidence=[e.to_json() for e in evidence]
        )

    def rename(
        self, credential_id: str, *, name: str, by: Principal, reason: str = "name change"
    ) -> DecisionOutcome:
        """Reissue the certificate under the holder's new name (same terms and dates); the
        old one is superseded, not revoked: it was true when issued."""
        if not isinstance(name, str) or not name.strip():
            raise CredentialError("holder name must not be empty")
        _texts(holder_name=name)
        return self._on(credential_id, "rename", by, reason, name=" ".join(name.split()))

    def erase(
        self, credential_id: str, *, by: Principal, reason: str = "erasure request"
    ) -> DecisionOutcome:
        """Erase the personal data of the holder of ``credential_id`` (``issuer.erasure``):
        names, e-mail addresses and languages out of every record about them; ids, dates,
        status bits and the audit log kept. Two approvers by default: it cannot be undone.
        An imported certificate without a credential is erased by its number."""
        try:
            self.get(credential_id)
        except UnknownCredentialError:
            imported = self._imported(credential_id)
            if imported is None:
                raise
        else:
            return self._on(credential_id, "erase", by, reason)
        number = imported.number  # no credential: the case names the number in its data
        pending = self.store.read(
            lambda tx: [
                c.id
                for c in tx.cases(kind="decision", state="pending")
                if c.type == "erase" and c.data.get("imported") == number
            ]
        )
        if pending:  # a second principal asking for the same erasure approves it
            return self.approve(pending[0], by=by, note=reason)
        return self._decide(
            "erase", None, by, reason, {"imported": number}, imported.qualification_id
        )

    def _on(
        self,
        credential_id: str,
        kind: str,
        by: Principal,
        reason: str,
        *,
        queue: bool = False,
        **params: Any,
    ) -> DecisionOutcome:
        if not isinstance(reason, str) or not reason.strip():
            raise PolicyError("a reason is required")  # before the lookup: input first
        _texts(reason=reason, credential_id=credential_id)
        record = self.get(credential_id)
        encoded = {
            name: proofs.format_datetime(value) if isinstance(value, datetime) else value
            for name, value in params.items()
        }
        if "until" in params and params["until"].tzinfo is None:
            raise PolicyError("the deadline must be a timezone-aware time")
        return self._decide(  # record.id: the caller may have named it by its number
            kind, record.id, by, reason, encoded, record.qualification_id, queue=queue
        )

    # --- approving, rejecting, expiring -------------------------------------------------

    def approve(self, case_id: str, *, by: Principal, note: str = "") -> DecisionOutcome:
        """``by``'s approval of a pending decision; the effect happens with the last one."""
        _texts(note=note)
        outcome: DecisionOutcome = self._change(lambda work: self._vote(work, case_id, by, note))
        if outcome.state == "expired":
            raise PolicyError(f"decision {case_id} expired before it was approved")
        return outcome

    def reject(self, case_id: str, *, by: Principal, reason: str) -> DecisionOutcome:
        """Close a pending decision without effect (a refused award can be appealed)."""
        if not reason.strip():
            raise PolicyError("a rejection needs a reason")
        _texts(reason=reason)

        def fn(work: _Work) -> DecisionOutcome:
            case = self._pending(work, case_id)
            policy = self._policy(case)
            self._require_role(by, policy, case.type)
            data = {**case.data, "rejectedBy": by.id, "rejection": reason}
            work.tx.update_case(
                case.id, version=case.version, state="rejected", data=data, closed_at=work.now
            )
            self._audit(
                work,
                by.id,
                "decision-reject",
                case.subject,
                case=case.id,
                kind=case.type,
                reason=reason,
            )
            return self._outcome(work.tx, work.tx.get_case(case.id))  # type: ignore[arg-type]

        result: DecisionOutcome = self._change(fn)
        return result

    def decision(self, case_id: str) -> DecisionOutcome:
        def read(tx: Tx) -> DecisionOutcome:
            case = tx.get_case(case_id) if storable(case_id) else None
            if case is None or case.kind != "decision":
                raise UnknownCredentialError(f"no decision {case_id!r}")
            return self._outcome(tx, case)

        return self.store.read(read)

    def decisions(self, *, state: str | None = None) -> list[DecisionOutcome]:
        def read(tx: Tx) -> list[DecisionOutcome]:
            return [self._outcome(tx, c) for c in tx.cases(kind="decision", state=state)]

        return self.store.read(read)

    def run_lifecycle(self, *, by: Principal = SYSTEM) -> LifecycleReport:
        """Withdraw overdue suspensions (the rule decides; the audit log names the system),
        expire pending decisions past their time, and republish every list. Idempotent."""

        def fn(work: _Work) -> LifecycleReport:
            report = LifecycleReport(withdrawn=self._withdraw_overdue(work, by.id))
            for case in work.tx.cases(kind="decision", state="pending"):
                if case.due_at is not None and case.due_at <= work.now:
                    self._expire(work, case)
                    report.expired_decisions.append(case.id)
            return report

        report: LifecycleReport = self._change(fn)
        self.publish()
        return report

    # --- the machinery ----------------------------------------------------------------------

    def _policy(self, case: CaseRecord) -> Policy:
        return self.settings.policies.of(case.type, str(case.data.get("qualification", "")))

    @staticmethod
    def _require_role(by: Principal, policy: Policy, kind: str) -> None:
        if not by.has(policy.role):
            raise NotPermitted(
                f"{by.id!r} may not decide {kind}: the policy gives it to the {policy.role} role"
            )

    def _decide(
        self,
        kind: str,
        subject: str | None,
        by: Principal,
        reason: str,
        params: Mapping[str, Any],
        qualification_id: str,
        *,
        batch_key: str | None = None,
        queue: bool = False,
        prepared: Prepared | None = None,
    ) -> DecisionOutcome:
        """Request a decision as ``by``. With one approver needed and ``by`` entitled, it
        is made at once; otherwise it is a pending case with ``by``'s approval. ``queue``:
        always a case, which any staff member may propose; the request counts as an
        approval only when ``by`` is entitled to give one (an assessor's is not)."""
        outcome: DecisionOutcome = self._change(
            self._decision(
                kind,
                subject,
                by,
                reason,
                params,
                qualification_id,
                batch_key=batch_key,
                queue=queue,
                prepared=prepared,
            )
        )
        return outcome

    def _decision(
        self,
        kind: str,
        subject: str | None,
        by: Principal,
        reason: str,
        params: Mapping[str, Any],
        qualification_id: str,
        *,
        batch_key: str | None = None,
        queue: bool = False,
        prepared: Prepared | None = None,
    ) -> Callable[[_Work], DecisionOutcome]:
        """``_decide``'s checks, then its transaction function (a batch runs many in one)."""
        if not isinstance(reason, str) or not reason.strip():
            raise PolicyError("a reason is required")
        _texts(reason=reason, credential_id=subject, reference=batch_key)
        policy = self.settings.policies.of(kind, qualification_id)
        if not queue:
            self._require_role(by, policy, kind)
        elif not by.roles - {"auditor"}:
            raise NotPermitted(f"{by.id!r} may not propose decisions (auditors only read)")
        case_id = str(uuid.UUID(bytes=self._rng.randbytes(16), version=4))

        def fn(work: _Work) -> DecisionOutcome:
            if batch_key is not None:
                existing = work.tx.get_by_batch_key(batch_key)
                if existing is not None:
                    return self._already(existing, kind, by, reason)
            if subject is not None:
                record = self._locked(work.tx, subject)
                pending = [
                    c
                    for c in work.tx.cases(kind="decision", state="pending", subject=subject)
                    if c.type == kind
                ]
                if pending:  # a second principal asking for the same decision approves it
                    return self._vote(work, pending[0].id, by, reason)
                self._check(work, kind, record, params)
            data = {
                **params,
                "qualification": qualification_id,
                "requestedBy": by.id,
                "reason": reason,
                **({"batchKey": batch_key} if batch_key else {}),
            }
            if policy.approvers == 1 and not queue:
                # One approver, and it is the requester: the decision is made now. No case
                # is kept; the effect's audit entry names who decided (decidedBy).
                self._refuse_assessor(by, kind, data)
                case = CaseRecord("", "decision", kind, subject, "pending", work.now, data)
                result = self._effect(work, case, by, [by.id], prepared=prepared)
                return DecisionOutcome(
                    "", kind, subject, "done", (by.id,), 1, by.id, reason, result
                )
            case = CaseRecord(
                case_id,
                "decision",
                kind,
                subject,
                "pending",
                work.now,
                data,
                due_at=work.now + self.settings.policies.expires_after,
            )
            work.tx.insert_case(case)
            self._audit(
                work,
                by.id,
                "decision-request",
                subject,
                case=case_id,
                kind=kind,
                reason=reason,
                required=policy.approvers,
            )
            if queue and (not by.has(policy.role) or by.id in data.get("assessors", ())):
                return self._outcome(work.tx, case)  # proposed; the entitled decide
            return self._vote(work, case_id, by, reason, first=True)

        return fn

    def _already(self, existing: Any, kind: str, by: Principal, reason: str) -> DecisionOutcome:
        return DecisionOutcome(
            "",
            kind,
            None,
            "done",
            (by.id,),
            1,
            by.id,
            reason,
            IssuedCredential(existing, created=False),
        )

    def _pending(self, work: _Work, case_id: str) -> CaseRecord:
        case = work.tx.get_case(case_id, for_update=True) if storable(case_id) else None
        if case is None or case.kind != "decision":
            raise UnknownCredentialError(f"no decision {case_id!r}")
        if case.state != "pending":
            raise PolicyError(f"decision {case_id} is {case.state}, not pending")
        return case

    def _vote(
        self, work: _Work, case_id: str, by: Principal, note: str, *, first: bool = False
    ) -> DecisionOutcome:
        case = self._pending(work, case_id)
        if case.due_at is not None and case.due_at <= work.now:
            self._expire(work, case)
            return self._outcome(work.tx, work.tx.get_case(case_id))  # type: ignore[arg-type]
        policy = self._policy(case)
        self._require_role(by, policy, case.type)
        self._refuse_assessor(by, case.type, case.data)
        try:
            work.tx.add_vote(case.id, by.id, work.now, note)
        except DuplicateError:
            raise PolicyError(f"{by.id!r} has already approved decision {case.id}") from None
        votes = work.tx.votes(case.id)
        if not first:
            self._audit(
                work,
                by.id,
                "decision-approve",
                case.subject,
                case=case.id,
                kind=case.type,
                approvals=len(votes),
                required=policy.approvers,
            )
        if len(votes) < policy.approvers:
            return self._outcome(work.tx, case)
        deciders = [v.principal_id for v in votes]
        result = self._effect(work, case, by, deciders)
        data = {**case.data, "decidedBy": deciders}
        if isinstance(result, IssuedCredential):
            data["credential"] = result.record.id
        work.tx.update_case(
            case.id, version=case.version, state="done", data=data, closed_at=work.now
        )
        done = work.tx.get_case(case.id)
        assert done is not None
        return self._outcome(work.tx, done, result)

    @staticmethod
    def _refuse_assessor(by: Principal, kind: str, data: Mapping[str, Any]) -> None:
        if kind == "award" and by.id in data.get("assessors", ()):
            raise NotPermitted(
                f"{by.id!r} assessed this candidate and may not decide the award "
                "(ISO/IEC 17024: decisions by persons not involved in the assessment)"
            )

    def _expire(self, work: _Work, case: CaseRecord) -> None:
        work.tx.update_case(
            case.id, version=case.version, state="expired", data=case.data, closed_at=work.now
        )
        self._audit(work, SYSTEM.id, "decision-expire", case.subject, case=case.id, kind=case.type)

    def _outcome(self, tx: Tx, case: CaseRecord, result: Any = None) -> DecisionOutcome:
        return DecisionOutcome(
            case.id,
            case.type,
            case.subject,
            case.state,
            tuple(v.principal_id for v in tx.votes(case.id)),
            self._policy(case).approvers,
            str(case.data.get("requestedBy", "")),
            str(case.data.get("reason", "")),
            result,
        )

    def _check(self, work: _Work, kind: str, record: Any, params: Mapping[str, Any]) -> None:
        """Refuse at once a decision that could not take effect now (state, deadlines)."""
        state = record.state
        ok = {
            "suspend": state == "active",
            "extend-suspension": state == "suspended",
            "reinstate": state == "suspended",
            "revoke": state in ("active", "suspended"),
            "withdraw": state in ("active", "suspended"),
            "reduce-scope": state in ("active", "suspended"),
            "expand-scope": state == "active",
            "recertify": state == "active",
            "rename": state == "active",
            "erase": True,  # whatever the state: the person's data goes, the bits stay
        }[kind]
        if not ok:
            raise PolicyError(f"credential is {state}: {kind} does not apply")
        if "until" in params and proofs.parse_datetime(params["until"]) <= work.now:
            raise PolicyError("the deadline must be in the future")

    def _effect(
        self,
        work: _Work,
        case: CaseRecord,
        by: Principal,
        deciders: Sequence[str],
        *,
        prepared: Prepared | None = None,
    ) -> Any:
        """Make the decision's effect, as ``by`` (the last approver); ``deciders`` are
        everyone who approved it (recorded in the audit entry and the credential). An award
        ``prepared`` ahead is stored as it was signed."""
        data, actor, ref = case.data, by.id, case.id or None
        if case.type == "award":
            decided: dict[str, Any] = {"decidedBy": list(deciders)}
            if data.get("assessors"):
                decided["assessors"] = list(data["assessors"])
            if ref:
                decided["case"] = ref
            return self._issue_tx(
                work,
                prepared.award if prepared else self._award_of(data),
                self._new_credential_id(),
                actor,
                data.get("batchKey"),
                decided=decided,
                prepared=prepared,
            )
        if case.type == "erase" and case.subject is None:
            return erase_imported(self, work, str(data["imported"]), actor=actor, case=ref)
        assert case.subject is not None
        record = self._locked(work.tx, case.subject)
        reason = str(data.get("reason", ""))
        kind = case.type
        if kind == "suspend":
            until = proofs.parse_datetime(data["until"])
            return self._suspend(work, record, reason=reason, until=until, actor=actor, case=ref)
        if kind == "extend-suspension":
            until = proofs.parse_datetime(data["until"])
            return self._extend_suspension(
                work, record, reason=reason, until=until, actor=actor, case=ref
            )
        if kind == "reinstate":
            return self._reinstate(work, record, reason=reason, actor=actor, case=ref)
        if kind in ("revoke", "withdraw"):
            state = "revoked" if kind == "revoke" else "withdrawn"
            approvers = list(deciders)
            return self._finalise(
                work,
                record,
                state=state,
                reason=reason,
                actor=actor,
                case=ref,
                approvers=approvers,
            )
        if kind == "reduce-scope":
            return self._reduce_scope(
                work, record, units=data["units"], reason=reason, actor=actor, case=ref
            )
        if kind == "expand-scope":
            return self._expand_scope(
                work, record, units=data["units"], reason=reason, actor=actor, case=ref
            )
        if kind == "recertify":
            evidence = tuple(EvidenceRef.from_json(item) for item in data.get("evidence", ()))
            return self._recertify(work, record, actor=actor, case=ref, evidence=evidence)
        if kind == "rename":
            return self._rename(work, record, name=str(data["name"]), actor=actor, case=ref)
        if kind == "erase":
            return erase_person(self, work, record, actor=actor, case=ref)
        raise PolicyError(f"no effect for decision kind {kind!r}")

    def _award_of(self, data: Mapping[str, Any]) -> Award:
        qualification = self.qualification(str(data["qualification"]))
        expires = data.get("expires")
        return Award.from_request(
            qualification,
            holder_name=str(data["holderName"]),
            holder_id=data.get("holderId"),
            holder_email=data.get("holderEmail"),
            holder_language=data.get("holderLanguage"),
            awarded=proofs.parse_datetime(data["awarded"]),
            units=data.get("units"),
            result=data.get("result"),
            scope=data.get("scope"),
            limitations=data.get("limitations", ()),
            expires=proofs.parse_datetime(expires) if expires else None,
            evidence=tuple(EvidenceRef.from_json(item) for item in data.get("evidence", ())),
            rpl=tuple(data.get("rpl", ())),
        )
