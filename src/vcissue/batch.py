"""Batch issuance from a CSV of holders: rows to awards, with line-numbered errors.

Pure: it reads text the caller supplies. Columns (header row required, names exact,
order free; unknown columns are refused so a typo cannot silently drop data):

=================  ========  =====================================================
column             required  meaning
=================  ========  =====================================================
holder_name        yes       the certified person's or organisation's name
qualification      yes       a configured qualification id (e.g. ``ECOMENTOR``)
holder_id          no        DID or URI of the holder
holder_email       no        where the holder's notices go (kept, not in the credential)
units              no        unit ids separated by ``;`` for a unit credential
awarded            no        ISO 8601 date or date-time (default: the batch time)
result             no        default ``pass``
scope              no        scope statement (default: derived from the units)
limitations        no        limitations separated by ``;``
reference          no        the body's own id for this award (e.g. applicant file)
language           no        the holder's language for certificates (``en``, ``hr``)
evidence_url       no        evidence documents' URLs separated by ``;``
evidence_sha256    no        their SHA-256s (64 hex digits), in the same order
rpl                no        units recognised through prior learning (``;``), or ``all``
=================  ========  =====================================================

Each row gets a batch key, so re-running the same CSV issues nothing twice:
``ref:<reference>`` when the row has a reference, else ``row:`` + SHA-256 of the
row's normalised content (so an identical row, wherever it sits, is the same award).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from .csvrows import RowError, read_rows
from .errors import CredentialError, VcissueError
from .model import Award, EvidenceRef, Qualification

__all__ = ["BatchRow", "parse_batch_csv"]

REQUIRED = ("holder_name", "qualification")
OPTIONAL = (
    "holder_id",
    "holder_email",
    "units",
    "awarded",
    "result",
    "scope",
    "limitations",
    "reference",
    "language",
    "evidence_url",
    "evidence_sha256",
    "rpl",
)
# columns added later: in a row's key only when filled, so older rows keep their keys
_LATER = ("evidence_url", "evidence_sha256", "rpl")


@dataclass(frozen=True)
class BatchRow:
    line: int  # 1-based line number in the file (the header is line 1)
    award: Award
    batch_key: str


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(";") if part.strip())


def _moment(value: str, default: datetime) -> datetime:
    if not value:
        return default
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CredentialError(f"awarded {value!r} is not an ISO 8601 date or date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _evidence(row: Mapping[str, str]) -> tuple[EvidenceRef, ...]:
    """One evidence reference per URL, each with the SHA-256 in the same place (if any)."""
    urls, digests = _split(row.get("evidence_url", "")), _split(row.get("evidence_sha256", ""))
    if digests and len(digests) != len(urls):
        raise CredentialError(
            f"evidence_sha256 lists {len(digests)} digests for {len(urls)} evidence URLs"
        )
    return tuple(
        EvidenceRef.of_hex(url, digests[n] if digests else "") for n, url in enumerate(urls)
    )


def _batch_key(row: Mapping[str, str]) -> str:
    if row.get("reference"):
        return "ref:" + row["reference"]
    normalised = json.dumps(
        # the e-mail address is contact data, not the award: keys stay what they were
        {
            name: row.get(name, "")
            for name in (*REQUIRED, *OPTIONAL)
            if name != "holder_email" and (name not in _LATER or row.get(name))
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return "row:" + hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def parse_batch_csv(
    text: str, qualifications: Mapping[str, Qualification], *, now: datetime
) -> Iterator[BatchRow | RowError]:
    """Yield one ``BatchRow`` or ``RowError`` per data row, in file order.

    A bad header is a ``MalformedInput`` (nothing can be read); a bad row is a
    ``RowError`` naming its line, and the rows after it are still read.
    """
    seen: dict[str, int] = {}
    for read in read_rows(text, what="batch file", required=REQUIRED, optional=OPTIONAL):
        if isinstance(read, RowError):
            yield read
            continue
        line, row = read
        key = _batch_key(row)
        if key in seen:
            yield RowError(line, f"same award as line {seen[key]} (skipped)")
            continue
        seen[key] = line
        try:
            qualification = qualifications.get(row["qualification"])
            if qualification is None:
                raise CredentialError(f"unknown qualification {row['qualification']!r}")
            award = Award.from_request(
                qualification,
                holder_name=row["holder_name"],
                holder_id=row.get("holder_id"),
                holder_email=row.get("holder_email"),
                awarded=_moment(row.get("awarded", ""), now),
                units=_split(row.get("units", "")),
                result=row.get("result"),
                scope=row.get("scope"),
                limitations=_split(row.get("limitations", "")),
                holder_language=row.get("language"),
                evidence=_evidence(row),
                rpl="all" if row.get("rpl") == "all" else _split(row.get("rpl", "")),
            )
        except VcissueError as error:
            yield RowError(line, str(error))
            continue
        yield BatchRow(line, award, key)
