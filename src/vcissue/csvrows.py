"""The CSV files staff hand in (batch awards, bulk decisions, imports of older
certificates): a header row of exact column names in any order, then data rows. Pure: it
reads text the caller supplies.

``read_rows`` checks what every such file shares (the header, blank lines, the row and
field limits, the field count) and yields each row as a mapping of stripped values with
the line it ends on, or a ``RowError`` naming that line; the rows after a bad one are
still read. Each file's own module gives the rows their meaning.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .errors import MalformedInput

__all__ = ["MAX_FIELD", "MAX_ROWS", "RowError", "read_rows"]

MAX_ROWS = 100_000
MAX_FIELD = 4_096


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


def read_rows(
    text: str, *, what: str, required: Sequence[str], optional: Sequence[str] = ()
) -> Iterator[tuple[int, dict[str, str]] | RowError]:
    """``(line, row)`` or ``RowError`` per data row of ``text`` (``what`` names the file in
    messages); a bad header is a ``MalformedInput``: nothing else can be read."""
    if not isinstance(text, str):
        raise MalformedInput(f"the {what} must be text")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise MalformedInput(f"the {what} is empty") from None
    except csv.Error as error:
        raise MalformedInput(f"line 1: {error}") from None
    names = [name.strip() for name in header]
    unknown = sorted(set(names) - set(required) - set(optional))
    missing = [name for name in required if name not in names]
    if unknown or missing or len(set(names)) != len(names):
        raise MalformedInput(
            "line 1: bad header"
            + (f"; unknown columns {unknown}" if unknown else "")
            + (f"; missing columns {missing}" if missing else "")
            + ("; repeated columns" if len(set(names)) != len(names) else "")
        )
    rows = 0
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RowError(line, f"unreadable CSV: {error}")
            continue
        line = reader.line_num  # the last physical line of this record
        if not any(value.strip() for value in values):
            continue  # blank lines are allowed
        rows += 1
        if rows > MAX_ROWS:
            yield RowError(line, f"more than {MAX_ROWS} rows; split the {what}")
            return
        if len(values) != len(names):
            yield RowError(line, f"{len(values)} fields, the header has {len(names)}")
            continue
        if any(len(value) > MAX_FIELD for value in values):
            yield RowError(line, f"a field is longer than {MAX_FIELD} characters")
            continue
        yield line, {name: value.strip() for name, value in zip(names, values, strict=True)}
