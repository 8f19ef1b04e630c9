"""Certificates issued before vcissue, from a CSV, so a body moves its register over
(``vcissue import``), with line-numbered errors. Pure: it reads text the caller supplies.

Columns (header row required, names exact, order free; unknown columns are refused):

=============  ========  ====================================================
column         required  meaning
=============  ========  ====================================================
number         yes       the certificate number as printed (letters, digits, ``. _ / -``)
holder_name    yes       the holder's name
holder_email   no        where the holder's notices go
qualification  yes       the qualification id (one this deployment loads)
awarded        yes       the award date (ISO 8601 date or date-time; UTC if no zone)
expires        yes       the expiry, after the award
state          yes       current, suspended, withdrawn, revoked or expired
=============  ========  ====================================================

``vcissue.issuer.imports`` stores each row by its number: importing the same file again
changes nothing (a row already there is counted as such), so a stopped import resumes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from .csvrows import RowError, read_rows
from .errors import VcissueError
from .model import Qualification
from .model.award import check_email
from .model.numbering import NUMBER_RE
from .model.text import check_text

__all__ = ["STATES", "ImportRow", "parse_import_csv"]

STATES = ("current", "suspended", "withdrawn", "revoked", "expired")
REQUIRED = ("number", "holder_name", "qualification", "awarded", "expires", "state")
OPTIONAL = ("holder_email",)


@dataclass(frozen=True)
class ImportRow:
    line: int
    number: str
    holder_name: str
    holder_email: str | None
    qualification: str
    awarded: datetime
    expires: datetime
    state: str


def parse_import_csv(
    text: str, qualifications: Mapping[str, Qualification]
) -> Iterator[ImportRow | RowError]:
    """One ``ImportRow`` or ``RowError`` per data row, in file order; a bad header is a
    ``MalformedInput``."""
    seen: dict[str, int] = {}
    for read in read_rows(text, what="import file", required=REQUIRED, optional=OPTIONAL):
        if isinstance(read, RowError):
            yield read
            continue
        line, row = read
        found = _row(line, row, qualifications)
        if isinstance(found, RowError):
            yield found
            continue
        if found.number in seen:
            yield RowError(line, f"number {found.number} is on line {seen[found.number]} too")
            continue
        seen[found.number] = line
        yield found


def _row(
    line: int, row: Mapping[str, str], qualifications: Mapping[str, Qualification]
) -> ImportRow | RowError:
    number = row["number"]
    if not NUMBER_RE.fullmatch(number):
        return RowError(
            line,
            f"number {number!r} is not a certificate number (1-64 letters, digits, "
            "'.', '_', '/', '-', starting and ending with a letter or digit)",
        )
    if row["qualification"] not in qualifications:
        known = ", ".join(sorted(qualifications)) or "none"
        return RowError(line, f"qualification {row['qualification']!r} is unknown ({known})")
    if row["state"] not in STATES:
        return RowError(line, f"state {row['state']!r} is not one of {', '.join(STATES)}")
    if not row["holder_name"]:
        return RowError(line, "no holder_name")
    email = row.get("holder_email") or None
    try:
        check_text(row["holder_name"], "holder name")
        if email is not None:
            check_email(email)
    except VcissueError as error:
        return RowError(line, str(error))
    awarded, expires = _moment(row["awarded"], "awarded"), _moment(row["expires"], "expires")
    for value in (awarded, expires):
        if isinstance(value, str):
            return RowError(line, value)
    assert isinstance(awarded, datetime) and isinstance(expires, datetime)
    if expires <= awarded:
        return RowError(line, f"expires {row['expires']} is not after awarded {row['awarded']}")
    return ImportRow(
        line, number, " ".join(row["holder_name"].split()), email, row["qualification"],
        awarded, expires, row["state"],
    )  # fmt: skip


def _moment(value: str, column: str) -> datetime | str:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return f"{column} {value!r} is not an ISO 8601 date or date-time"
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
