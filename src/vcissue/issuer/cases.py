"""Complaints and appeals (seed 001 4.37-4.41, seed 002, seed 003).

A complaint is registered with its received date, its subject (a credential, or the body
itself), a handling principal and a target date (default eight weeks after receipt, seed
003). It may put the certification under an interim suspension, which is a suspension
decision linked to the complaint (under the suspension policy). Its outcome closes it:
dismissed lifts the interim suspension; upheld proposes the scheme's sanction (a decision
under that sanction's policy, withdrawal by default, which the handler approves only if the
policy entitles them: an operator's upheld complaint waits for an approver).

An appeal is lodged against an adverse decision -- a refused award, a suspension, a
withdrawal, a revocation, a scope reduction -- and decided by an approver who took no part
in the decision appealed against. Upheld, it reinstates a suspension, and restores a
withdrawn or revoked certification by issuing a new credential that references the one it
restores (revocation bits stay final, as the Bitstring Status List spec requires); a
refused award is awarded; a scope reduction is undone by a credential for the former units.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .. import proofs
from ..errors import NotPermitted, PolicyError, UnknownCredentialError
from ..governance.principals import SYSTEM, Principal, identity
from ..store.records import CaseRecord, CredentialRecord, Tx
from .core import IssuedCredential, _texts, _Work, storable
from .decisions import DecisionOutcome, Decisions

__all__ = ["APPEALABLE", "Appeal", "Cases", "Complaint"]

# What an appeal may be against, and the decision kinds that made it.
APPEALABLE: Mapping[str, tuple[str, ...]] = {
    "refused-award": ("award",),
    "suspension": ("suspend", "extend-suspension"),
    "withdrawal": ("withdraw",),
    "revocation": ("revoke",),
    "scope-reduction": ("reduce-scope",),
}
COMPLAINT_TARGET = timedelta(weeks=8)  # seed 003: complaints answered within eight weeks
SANCTIONS = ("withdraw", "revoke", "suspend")


@dataclass(frozen=True)
class Complaint:
    id: str
    subject: str | None
    state: str  # open | closed
    received: datetime
    target: datetime
    data: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "complaintId": self.id,
            "subject": self.subject,
            "state": self.state,
            "received": proofs.format_datetime(self.received),
            "target": proofs.format_datetime(self.target),
            **{k: v for k, v in self.data.items() if v is not None},
        }


@dataclass(frozen=True)
class Appeal:
    id: str
    against: str
    subject: str
    state: str  # open | closed
    received: datetime
    data: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "appealId": self.id,
            "against": self.against,
            "subject": self.subject,
            "state": self.state,
            "received": proofs.format_datetime(self.received),
            **{k: v for k, v in self.data.items() if v is not None},
        }


def _complaint(case: CaseRecord) -> Complaint:
    assert case.due_at is not None
    return Complaint(case.id, case.subject, case.state, case.opened_at, case.due_at, case.data)


def _appeal(case: CaseRecord) -> Appeal:
    return Appeal(case.id, case.type, str(case.subject), case.state, case.opened_at, case.data)


class Cases(Decisions):
    """Complaints and appeals on top of decisions."""

    def _case_id(self) -> str:
        return str(uuid.UUID(bytes=self._rng.randbytes(16), version=4))

    def _case(self, tx: Tx, case_id: str, kind: str, *, for_update: bool = False) -> CaseRecord:
        case = tx.get_case(case_id, for_update=for_update) if storable(case_id) else None
        if case is None or case.kind != kind:
            raise UnknownCredentialError(f"no {kind} {case_id!r}")
        return case

    # --- complaints ---------------------------------------------------------------------

    def open_complaint(
        self,
        *,
        about: str,
        complainant: str,
        by: Principal,
        handler: str | None = None,
        subject: str | None = None,
        received: datetime | None = None,
        interim_suspension_until: datetime | None = None,
    ) -> Complaint:
        """Register a complaint; with ``interim_suspension_until`` also request the interim
        suspension of ``subject`` (a suspension decision linked to the complaint)."""
        if not about.strip() or not complainant.strip():
            raise PolicyError("a complaint needs what it is about and who made it")
        _texts(about=about, complainant=complainant, credential_id=subject)
        if not by.has("operator"):
            raise NotPermitted(f"{by.id!r} may not register complaints (operator role)")
        subject = None if subject is None else self.credential_id(subject)
        if interim_suspension_until is not None and subject is None:
            raise PolicyError("an interim suspension needs the credential the complaint is about")
        case_id = self._case_id()

        def fn(work: _Work) -> CaseRecord:
            if subject is not None:
                self._locked(work.tx, subject)
            handled_by = by.id
            if handler is not None:
                found = work.tx.get_principal(identity(handler))
                if found is None or found.disabled_at is not None:
                    raise PolicyError(f"no principal {identity(handler)!r} to handle it")
                handled_by = found.id
            when = received or work.now
            data = {
                "about": about,
                "complainant": complainant,
                "handler": handled_by,
                "openedBy": by.id,
            }
            case = CaseRecord(
                case_id,
                "complaint",
                "complaint",
                subject,
                "open",
                when,
                data,
                due_at=when + COMPLAINT_TARGET,
            )
            work.tx.insert_case(case)
            self._audit(
                work,
                by.id,
                "complaint-open",
                subject,
                case=case_id,
                target=proofs.format_datetime(when + COMPLAINT_TARGET),
            )
            return case

        self._change(fn)
        if interim_suspension_until is not None and subject is not None:
            decision = self.suspend(
                subject,
                reason=f"interim suspension while complaint {case_id} is handled",
                until=interim_suspension_until,
                by=by,
            )
            self._annotate(
                case_id,
                "complaint",
                interimSuspension={
                    "until": proofs.format_datetime(interim_suspension_until),
                    "decision": decision.case_id or None,
                    "state": decision.state,
                },
            )
        return self.complaint(case_id)

    def close_complaint(
        self, case_id: str, *, outcome: str, by: Principal, note: str = ""
    ) -> Complaint:
        """Dismissed: lift the interim suspension. Upheld: apply the scheme's sanction (a
        decision under its policy; ``sanction`` in the complaint's data names it)."""
        if outcome not in ("dismissed", "upheld"):
            raise PolicyError("a complaint is dismissed or upheld")
        _texts(note=note)
        complaint = self.complaint(case_id)
        if complaint.state != "open":
            raise PolicyError(f"complaint {case_id} is {complaint.state}")
        if not by.has("operator") and by.id != complaint.data.get("handler"):
            raise NotPermitted(f"{by.id!r} may not close this complaint")
        follow_up: DecisionOutcome | None = None
        subject = complaint.subject
        if subject is not None:
            record = self.get(subject)
            if (
                outcome == "dismissed"
                and record.state == "suspended"
                and complaint.data.get("interimSuspension")
            ):
                follow_up = self.reinstate(subject, reason=f"complaint {case_id} dismissed", by=by)
            elif outcome == "upheld" and record.state in ("active", "suspended"):
                sanction = str(complaint.data.get("sanction") or "withdraw")
                if sanction not in SANCTIONS:
                    raise PolicyError(f"unknown sanction {sanction!r}")
                follow_up = self._on(
                    subject,
                    sanction,
                    by,
                    f"complaint {case_id} upheld",
                    queue=True,
                    **(
                        {"until": proofs.format_datetime(self.now() + timedelta(days=30))}
                        if sanction == "suspend"
                        else {}
                    ),
                )

        def fn(work: _Work) -> None:
            case = self._case(work.tx, case_id, "complaint", for_update=True)
            data = {
                **case.data,
                "outcome": outcome,
                "closedBy": by.id,
                "note": note or None,
                **({"followUp": follow_up.case_id} if follow_up else {}),
            }
            work.tx.update_case(
                case.id, version=case.version, state="closed", data=data, closed_at=work.now
            )
            self._audit(
                work,
                by.id,
                "complaint-close",
                case.subject,
                case=case.id,
                outcome=outcome,
                followUp=follow_up.case_id if follow_up else None,
            )

        self._change(fn)
        return self.complaint(case_id)

    def complaint(self, case_id: str) -> Complaint:
        return _complaint(self.store.read(lambda tx: self._case(tx, case_id, "complaint")))

    def complaints(self, *, state: str | None = None) -> list[Complaint]:
        cases = self.store.read(lambda tx: tx.cases(kind="complaint", state=state))
        return [_complaint(case) for case in cases]

    def _annotate(self, case_id: str, kind: str, **extra: Any) -> None:
        def fn(work: _Work) -> None:
            case = self._case(work.tx, case_id, kind, for_update=True)
            work.tx.update_case(
                case.id, version=case.version, state=case.state, data={**case.data, **extra}
            )

        self._change(fn)

    # --- appeals --------------------------------------------------------------------------

    def lodge_appeal(
        self,
        *,
        against: str,
        subject: str,
        appellant: str,
        grounds: str,
        by: Principal,
        received: datetime | None = None,
    ) -> Appeal:
        """Register an appeal against the decision that made ``subject`` what it is (a
        credential id; for a refused award, the award decision's case id)."""
        if against not in APPEALABLE:
            raise PolicyError(f"an appeal is against one of {', '.join(APPEALABLE)}")
        if not grounds.strip() or not appellant.strip():
            raise PolicyError("an appeal needs its grounds and who lodges it")
        _texts(grounds=grounds, appellant=appellant, subject=subject)
        if against != "refused-award":
            subject = self.credential_id(subject)
        case_id = self._case_id()

        def fn(work: _Work) -> None:
            decision, deciders = self._appealed_decision(work.tx, against, subject)
            data = {
                "appellant": appellant,
                "grounds": grounds,
                "decision": decision,
                "originalDeciders": deciders,
                "lodgedBy": by.id,
            }
            work.tx.insert_case(
                CaseRecord(case_id, "appeal", against, subject, "open", received or work.now, data)
            )
            self._audit(
                work,
                by.id,
                "appeal-lodge",
                None if against == "refused-award" else subject,
                case=case_id,
                against=against,
                decision=decision,
            )

        self._change(fn)
        return self.appeal(case_id)

    def _appealed_decision(self, tx: Tx, against: str, subject: str) -> tuple[str, list[str]]:
        """The decision appealed against (a case id, or the audit entry's seq) and every
        principal who took part in it."""
        if against == "refused-award":
            case = self._case(tx, subject, "decision")
            if case.type != "award" or case.state != "rejected":
                raise PolicyError(f"decision {subject} is not a refused award")
            took_part = {str(case.data.get("requestedBy", "")), str(case.data["rejectedBy"])}
            took_part |= {v.principal_id for v in tx.votes(case.id)}
            return case.id, sorted(took_part - {""})
        record = tx.get_credential(subject)
        if record is None:
            raise UnknownCredentialError(f"no credential {subject!r}")
        expected = {
            "suspension": "suspended",
            "withdrawal": "withdrawn",
            "revocation": "revoked",
            "scope-reduction": "withdrawn",
        }[against]
        if record.state != expected:
            raise PolicyError(f"credential {subject} is {record.state}, not {expected}")
        actions = {
            "suspension": ("suspend", "extend-suspension"),
            "withdrawal": ("withdraw",),
            "revocation": ("revoke",),
            "scope-reduction": ("reduce-scope",),
        }[against]
        entries = tx.audit_for(subject)
        made = [e for e in entries if e.action in actions]
        if against == "withdrawal" and made and made[-1].actor == SYSTEM.id:
            # withdrawn because its suspension lapsed: the suspension is the decision
            made = [e for e in entries if e.action in ("suspend", "extend-suspension")]
        if not made:
            raise PolicyError(f"no decision on record made {subject} {expected}")
        entry = made[-1]
        took_part = {entry.actor, *entry.details.get("approvers", ())}
        if entry.details.get("case"):
            case_id = str(entry.details["case"])
            took_part |= {v.principal_id for v in tx.votes(case_id)}
            found = tx.get_case(case_id)
            if found is not None:
                took_part.add(str(found.data.get("requestedBy", "")))
        return str(entry.details.get("case") or f"audit:{entry.seq}"), sorted(took_part - {""})

    def decide_appeal(self, case_id: str, *, outcome: str, by: Principal, note: str = "") -> Appeal:
        """Decide an appeal; the decider must hold the approver role and have taken no part
        in the decision appealed against."""
        if outcome not in ("upheld", "dismissed"):
            raise PolicyError("an appeal is upheld or dismissed")
        _texts(note=note)
        if not by.has("approver"):
            raise NotPermitted(f"{by.id!r} may not decide appeals (approver role)")

        def fn(work: _Work) -> Any:
            case = self._case(work.tx, case_id, "appeal", for_update=True)
            if case.state != "open":
                raise PolicyError(f"appeal {case_id} is {case.state}")
            if by.id in case.data.get("originalDeciders", ()):
                raise NotPermitted(
                    f"{by.id!r} took part in the decision appealed against and may not "
                    "decide the appeal"
                )
            result: Any = None
            if outcome == "upheld":
                result = self._uphold(work, case, by)
            data: dict[str, Any] = {
                **case.data,
                "outcome": outcome,
                "decidedBy": by.id,
                "note": note or None,
            }
            if isinstance(result, IssuedCredential):
                data["restoredAs"] = result.record.id
            work.tx.update_case(
                case.id, version=case.version, state="closed", data=data, closed_at=work.now
            )
            self._audit(
                work,
                by.id,
                "appeal-decide",
                None if case.type == "refused-award" else case.subject,
                case=case.id,
                outcome=outcome,
                restoredAs=data.get("restoredAs"),
            )
            return result

        self._change(fn)
        return self.appeal(case_id)

    def _uphold(self, work: _Work, case: CaseRecord, by: Principal) -> Any:
        reason = f"appeal {case.id} upheld"
        if case.type == "refused-award":
            award_case = self._case(work.tx, str(case.subject), "decision")
            if by.id in award_case.data.get("assessors", ()):
                raise NotPermitted(f"{by.id!r} assessed this candidate")
            return self._issue_tx(
                work,
                self._award_of(award_case.data),
                self._new_credential_id(),
                by.id,
                None,
                decided={
                    "decidedBy": [by.id],
                    "appeal": case.id,
                    "assessors": list(award_case.data.get("assessors", ())),
                },
            )
        record: CredentialRecord = self._locked(work.tx, str(case.subject))
        if case.type == "suspension":
            return self._reinstate(work, record, reason=reason, actor=by.id, case=case.id)
        if case.type in ("withdrawal", "revocation"):
            return self._restore(work, record, reason=reason, actor=by.id, case=case.id)
        # scope reduction: a credential for the former units; the reduced one is superseded
        reduced = work.tx.successors(record.id)
        restored = self._restore(work, record, reason=reason, actor=by.id, case=case.id)
        for replacement in reduced:
            if replacement.state in ("active", "suspended"):
                work.tx.update_credential(
                    replacement.id,
                    state="superseded",
                    state_reason=f"scope restored as {restored.record.id}",
                )
                self._audit(
                    work,
                    by.id,
                    "supersede",
                    replacement.id,
                    reason=reason,
                    replacement=restored.record.id,
                    case=case.id,
                )
        return restored

    def appeal(self, case_id: str) -> Appeal:
        return _appeal(self.store.read(lambda tx: self._case(tx, case_id, "appeal")))

    def appeals(self, *, state: str | None = None) -> list[Appeal]:
        cases = self.store.read(lambda tx: tx.cases(kind="appeal", state=state))
        return [_appeal(case) for case in cases]
