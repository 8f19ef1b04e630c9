"""Certificates issued before vcissue over HTTP: ``POST /imports`` with the CSV of
``vcissue import`` (``vcissue.imports``) as a ``text/csv`` body, and ``POST
/imports/{number}/credential``: the signed credential for a current one, on the holder's
request (``vcissue.issuer.imports``). Both need the award policy's role.

As with bulk decisions, a file with malformed rows is refused whole first (422
problem+json, every line in ``errors``); a row refused when stored (a number taken, the
caller's role) is reported in the answer's ``errors`` and the other rows stand.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict

from ...csvrows import RowError
from ...governance.principals import Principal
from ...imports import parse_import_csv
from ...issuer.imports import import_certificates, issue_imported
from ..auth import role
from ..problems import documented
from ..schemas import Issued
from . import AUTH, BODY, STORE, Desk, StrictJsonRoute
from .bulk import BulkLine, CsvBody, csv_text, rows_refused

__all__ = ["router"]

router = APIRouter(route_class=StrictJsonRoute)


class ImportReportOut(BaseModel):
    """Lines stored now, stored by an earlier request, refused (``message``)."""

    model_config = ConfigDict(extra="forbid")

    imported: list[BulkLine]
    already: list[BulkLine]
    errors: list[BulkLine]


@router.post(
    "/imports",
    operation_id="importCertificates",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    responses=documented(*AUTH, *BODY, *STORE),
)
def import_file(
    body: CsvBody, issuer: Desk, who: Annotated[Principal, Depends(role("issuer"))]
) -> ImportReportOut:
    rows = list(parse_import_csv(csv_text(body, "import file"), issuer.qualifications))
    refused = [row for row in rows if isinstance(row, RowError)]
    if refused:
        raise rows_refused(refused)
    report = import_certificates(issuer, rows, by=who)
    return ImportReportOut(
        imported=[BulkLine(line=line, number=number) for line, number in report.imported],
        already=[BulkLine(line=line, number=number) for line, number in report.already],
        errors=[BulkLine(line=e.line, message=e.message) for e in report.errors],
    )


@router.post(
    "/imports/{number}/credential",
    status_code=201,
    operation_id="issueImported",
    responses={
        200: {"description": "issued before: the same credential"},
        **documented(*AUTH, 404, 409, *STORE),
    },
)
def credential_for(
    number: str,
    response: Response,
    issuer: Desk,
    who: Annotated[Principal, Depends(role("issuer"))],
) -> Issued:
    issued = issue_imported(issuer, number, by=who)
    if not issued.created:
        response.status_code = 200
    return Issued(verifiableCredential=issued.credential, created=issued.created)
