"""Bulk decisions over HTTP: ``POST /decisions/bulk`` with the CSV of ``vcissue bulk``
(``vcissue.bulk``) as a ``text/csv`` body, decided as the caller under the same policies
as single decisions (``vcissue.issuer.bulk``: resumable; a second approver sending the
same file completes the decisions that need two).

The file is checked whole first: malformed rows and certificates this body does not hold
refuse it (422 problem+json, every line in ``errors``) before any decision. A row refused
when decided (the caller's role, the credential's state) is reported in the answer's
``errors`` and the other rows stand, as the CLI does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, ConfigDict

from ...bulk import DecisionRow, parse_decisions_csv
from ...csvrows import RowError
from ...errors import MalformedInput, UnknownCredentialError
from ...governance.principals import Principal
from ...issuer.bulk import run_decisions
from ..auth import role
from ..problems import Refused, documented
from . import AUTH, BODY, STORE, Desk, StrictJsonRoute

__all__ = ["BulkLine", "BulkReportOut", "CsvBody", "csv_text", "router", "rows_refused"]

router = APIRouter(route_class=StrictJsonRoute)

CsvBody = Annotated[bytes, Body(media_type="text/csv", description="the CSV (UTF-8, a header row)")]


class BulkLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line: int
    number: str | None = None
    credentialId: str | None = None
    decision: str | None = None  # the pending decision case
    message: str | None = None


class BulkReportOut(BaseModel):
    """Lines decided now, pending further approval, done by an earlier run, refused."""

    model_config = ConfigDict(extra="forbid")

    done: list[BulkLine]
    pending: list[BulkLine]
    already: list[BulkLine]
    errors: list[BulkLine]


def csv_text(data: bytes, what: str) -> str:
    """An uploaded CSV as text: UTF-8 (a BOM is fine), else a ``MalformedInput``."""
    if not isinstance(data, bytes):
        raise MalformedInput(f"send the {what} as a text/csv body")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise MalformedInput(
            f"the {what} is not UTF-8 text (byte {data[error.start]:#04x} at offset "
            f"{error.start}); save it as UTF-8"
        ) from None


def rows_refused(errors: list[RowError]) -> Refused:
    """A 422 problem naming every bad line (``errors[].location`` is ``line N``)."""
    errors = sorted(errors, key=lambda e: e.line)
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return Refused(
        422,
        f"line {errors[0].line}: {errors[0].message}{more}",
        kind="invalid-rows",
        errors=[{"location": f"line {e.line}", "message": e.message} for e in errors],
    )


@router.post(
    "/decisions/bulk",
    operation_id="bulkDecisions",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    responses=documented(*AUTH, *BODY, *STORE),
)
def bulk_decisions(
    body: CsvBody,
    issuer: Desk,
    who: Annotated[Principal, Depends(role("operator", "approver"))],
) -> BulkReportOut:
    rows = list(parse_decisions_csv(csv_text(body, "decisions file")))
    refused = [row for row in rows if isinstance(row, RowError)]
    for row in rows:
        if isinstance(row, DecisionRow):
            try:
                issuer.get(row.credential)
            except UnknownCredentialError as error:
                refused.append(RowError(row.line, f"[{error.code}] {error}"))
    if refused:
        raise rows_refused(refused)
    report = run_decisions(issuer, rows, by=who)
    return BulkReportOut(
        done=[BulkLine(line=line, credentialId=cid) for line, cid in report.done],
        pending=[BulkLine(line=line, decision=case) for line, case in report.pending],
        already=[BulkLine(line=line, credentialId=cid) for line, cid in report.already],
        errors=[BulkLine(line=e.line, message=e.message) for e in report.errors],
    )
