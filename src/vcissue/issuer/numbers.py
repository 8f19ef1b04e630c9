"""Certificate numbers for credentials stored before numbers existed (store migration 5
added ``credentials.number`` empty for every earlier row).

``backfill_numbers`` gives each such credential a number, one transaction each: the
number its signed credential already carries (``credentialSubject.licenseNumber``), if
any and still free; else the next number of its qualification's pattern for the award's
year (the same allocation as issuing, skipping taken numbers). The signed credential is
not changed (its signature covers what was issued): the number is a lookup key in the
register, the CLI and the service from then on. Each number is audited (``number``, ids
and the number only). Idempotent: a credential with a number is left as it is, so a
second run, or one racing another, does nothing twice.

A command rather than a migration step: a pattern lives in the qualification files the
deployment loads, not in the database, and migrations run without them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..model.numbering import NUMBER_RE
from .core import IssuerCore, _Work

__all__ = ["ACTOR", "NumbersReport", "backfill_numbers"]

ACTOR = "system:numbers"


@dataclass
class NumbersReport:
    numbered: list[tuple[str, str]] = field(default_factory=list)  # (credential id, number)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (credential id, why)


def _signed_number(signed_json: str) -> str | None:
    try:
        subject = json.loads(signed_json).get("credentialSubject", {})
    except (ValueError, AttributeError):
        return None
    number = subject.get("licenseNumber") if isinstance(subject, dict) else None
    return number if isinstance(number, str) and NUMBER_RE.fullmatch(number) else None


def backfill_numbers(issuer: IssuerCore, *, batch: int = 500) -> NumbersReport:
    """Number every credential stored without one (see the module doc)."""
    report = NumbersReport()
    skipped: set[str] = set()
    while True:
        todo = [
            cid
            for cid in issuer.store.read(lambda tx: tx.unnumbered(limit=batch + len(skipped)))
            if cid not in skipped
        ]
        if not todo:
            return report
        for credential_id in todo:

            def one(work: _Work, credential_id: str = credential_id) -> tuple[str, str]:
                record = work.tx.get_credential(credential_id, for_update=True)
                if record is None or record.number is not None:
                    return "", ""  # numbered meanwhile (another run): nothing to do
                qualification = issuer.qualifications.get(record.qualification_id)
                if qualification is None:
                    return "skip", f"qualification {record.qualification_id!r} is not loaded"
                number = _signed_number(record.signed_json)
                source = "credential"
                if number is None or work.tx.get_by_number(number) is not None:
                    number = issuer._number_of(work, qualification, record.awarded.year)
                    source = "pattern"
                work.tx.set_number(record.id, number)
                issuer._audit(work, ACTOR, "number", record.id, number=number, source=source)
                return "done", number

            outcome, value = issuer._change(one)
            if outcome == "done":
                report.numbered.append((credential_id, value))
            elif outcome == "skip":
                report.skipped.append((credential_id, value))
                skipped.add(credential_id)
