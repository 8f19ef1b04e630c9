"""ISO 8601 durations (a scheme's validity period) and timezone-aware UTC moments."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..errors import CredentialError, QualificationError
from .paths import json_type, short

__all__ = ["Duration", "aware_utc", "duration_or_problem", "parse_duration"]

_DURATION_RE = re.compile(
    r"P(?:(?P<weeks>[0-9]{1,9})W"
    r"|(?=[0-9]|T[0-9])(?:(?P<years>[0-9]{1,9})Y)?(?:(?P<months>[0-9]{1,9})M)?"
    r"(?:(?P<days>[0-9]{1,9})D)?"
    r"(?:T(?=[0-9])(?:(?P<hours>[0-9]{1,9})H)?(?:(?P<minutes>[0-9]{1,9})M)?"
    r"(?:(?P<seconds>[0-9]{1,9})S)?)?)",
    re.ASCII,
)


@dataclass(frozen=True)
class Duration:
    """An ISO 8601 duration with whole-number components (``P5Y``, ``P1Y6M``, ``P2W``)."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0

    @property
    def is_zero(self) -> bool:
        return (
            not any((self.years, self.months, self.weeks, self.days, self.hours, self.minutes))
            and not self.seconds
        )

    def add_to(self, moment: datetime) -> datetime:
        """``moment`` plus this duration, calendar-correct.

        Years and months move the calendar date and clamp the day to the end of the
        month (31 January + P1M = 28/29 February; 29 February + P1Y = 28 February); weeks,
        days and time are then added as exact spans. Raises ``OverflowError`` past year
        9999.
        """
        total_months = self.years * 12 + self.months
        year_shift, month_index = divmod(moment.month - 1 + total_months, 12)
        year = moment.year + year_shift
        if not 1 <= year <= 9999:
            raise OverflowError(f"year {year} is out of range")
        month = month_index + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        span = timedelta(
            weeks=self.weeks,
            days=self.days,
            hours=self.hours,
            minutes=self.minutes,
            seconds=self.seconds,
        )
        return moment.replace(year=year, month=month, day=day) + span

    def __str__(self) -> str:
        if self.weeks and not any(
            (self.years, self.months, self.days, self.hours, self.minutes, self.seconds)
        ):
            return f"P{self.weeks}W"
        date = "".join(
            f"{value}{unit}"
            for value, unit in (
                (self.years, "Y"),
                (self.months, "M"),
                (self.days + 7 * self.weeks, "D"),
            )
            if value
        )
        time = "".join(
            f"{value}{unit}"
            for value, unit in ((self.hours, "H"), (self.minutes, "M"), (self.seconds, "S"))
            if value
        )
        if not date and not time:
            return "P0D"
        return f"P{date}" + (f"T{time}" if time else "")


def duration_or_problem(text: object) -> Duration | str:
    if not isinstance(text, str):
        return f"a duration must be a string, got {json_type(text)}"
    match = _DURATION_RE.fullmatch(text)
    if match is None:
        return (
            f"{short(text)} is not an ISO 8601 duration "
            "(PnYnMnDTnHnMnS or PnW with whole numbers, e.g. P5Y)"
        )
    parts = {name: int(value) for name, value in match.groupdict().items() if value is not None}
    return Duration(**parts)


def parse_duration(text: str) -> Duration:
    """Parse an ISO 8601 duration: ``PnYnMnDTnHnMnS`` (any part may be left out) or ``PnW``.

    Components are whole numbers of up to nine digits; signs, fractions, lower-case
    designators and surrounding spaces are refused with a ``QualificationError``.
    """
    parsed = duration_or_problem(text)
    if isinstance(parsed, str):
        raise QualificationError(parsed)
    return parsed


def aware_utc(moment: object, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise CredentialError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CredentialError(f"{name} must be timezone-aware")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise CredentialError(f"{name} is out of range") from None
