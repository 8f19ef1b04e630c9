"""Certificates issued before vcissue (``vcissue.imports`` rows): stored by number so the
register answers for them, and issued as signed credentials on request.

``import_certificates`` stores each row in its own transaction with an ``import`` audit
entry (the number and state; no name), refusing a number an issued credential or another
import with other data holds; a row stored before with the same data is counted as done
earlier, so importing a file again resumes it. The person importing needs the role the
award policy names (they put certificates in the register).

``issue_imported`` signs a credential for a ``current`` imported certificate that has not
expired: the holder, qualification, award date and expiry as imported, and the imported
number (``credentialSubject.licenseNumber``); its batch key ``import:NUMBER`` makes a
second request return the same credential. From then on the credential answers in the
register for that number. Suspended, withdrawn, revoked and expired certificates stay as
imported: the register says they are not current, and none is signed for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from ..csvrows import RowError
from ..errors import NotPermitted, PolicyError, UnknownCredentialError, VcissueError
from ..governance.principals import Principal
from ..imports import ImportRow
from ..model import Award, Holder
from ..store.records import ImportedRecord
from .core import IssuedCredential, _Work
from .decisions import Decisions

__all__ = ["ImportReport", "import_certificates", "issue_imported"]


@dataclass
class ImportReport:
    imported: list[tuple[int, str]] = field(default_factory=list)  # (line, number)
    already: list[tuple[int, str]] = field(default_factory=list)  # stored by an earlier run
    errors: list[RowError] = field(default_factory=list)


def _same(record: ImportedRecord, row: ImportRow) -> bool:
    return (
        record.holder_name, record.holder_email, record.qualification_id,
        record.awarded, record.expires, record.state,
    ) == (
        row.holder_name, row.holder_email, row.qualification,
        row.awarded, row.expires, row.state,
    )  # fmt: skip


def _entitled(issuer: Decisions, by: Principal, qualification_id: str) -> None:
    role = issuer.settings.policies.of("award", qualification_id).role
    if not by.has(role):
        raise NotPermitted(
            f"{by.id!r} may not import certificates of {qualification_id}: the award "
            f"policy gives awards to the {role} role"
        )


def import_certificates(
    issuer: Decisions,
    rows: Iterable[ImportRow | RowError],
    *,
    by: Principal,
    progress: Callable[[int, ImportRow | RowError], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    for count, row in enumerate(rows, start=1):
        if isinstance(row, RowError):
            report.errors.append(row)
        else:
            try:
                _entitled(issuer, by, row.qualification)
                stored: bool = issuer._change(partial(_store, issuer, row=row, by=by))
            except VcissueError as error:
                report.errors.append(RowError(row.line, f"[{error.code}] {error}"))
            else:
                (report.imported if stored else report.already).append((row.line, row.number))
        if progress is not None:
            progress(count, row)
    return report


def _store(issuer: Decisions, work: _Work, *, row: ImportRow, by: Principal) -> bool:
    if work.tx.get_by_number(row.number) is not None:
        raise PolicyError(f"number {row.number} is an issued credential's already")
    existing = work.tx.get_import(row.number)
    if existing is not None:
        if _same(existing, row):
            return False
        raise PolicyError(f"number {row.number} was imported before with other data")
    work.tx.insert_import(
        ImportedRecord(
            row.number, row.holder_name, row.holder_email, row.qualification,
            row.awarded, row.expires, row.state, work.now,
        )
    )  # fmt: skip
    issuer._audit(work, by.id, "import", None, number=row.number, state=row.state)
    return True


def issue_imported(issuer: Decisions, number: str, *, by: Principal) -> IssuedCredential:
    """A signed credential for the imported certificate ``number`` (see the module doc)."""
    imported = issuer._imported(number)
    if imported is None:
        try:
            record = issuer.get(number)
        except UnknownCredentialError:
            raise UnknownCredentialError(f"no imported certificate {number!r}") from None
        return IssuedCredential(record, created=False)  # issued already: its credential
    if imported.credential_id is not None:
        return IssuedCredential(issuer.get(imported.credential_id), created=False)
    if imported.state != "current" or issuer.now() >= imported.expires:
        state = "expired" if imported.state == "current" else imported.state
        raise PolicyError(f"certificate {number} is {state}: only a current one gets a credential")
    award = Award(
        Holder(imported.holder_name, email=imported.holder_email),
        issuer.qualification(imported.qualification_id),
        awarded=imported.awarded,
        expires=imported.expires,
    )
    issued = issuer.issue(award, by=by, batch_key=f"import:{number}", number=number)
    issuer.store.run(lambda tx: tx.set_import_credential(number, issued.record.id))
    return issued
