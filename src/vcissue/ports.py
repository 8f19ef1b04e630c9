"""The small interfaces the core and the application depend on; adapters implement them.

Time and randomness are parameters (no core module reads a clock or draws randomness
itself), status lists come from a source the caller chooses, and signed lists reach the
public through a publisher the deployment chooses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

__all__ = [
    "Clock",
    "ListPublisher",
    "RandomSource",
    "StatusListCopy",
    "StatusListSource",
]


class Clock(Protocol):
    """The current time, timezone-aware."""

    def __call__(self) -> datetime: ...


class RandomSource(Protocol):
    """Uniform integers in ``[start, stop)`` and random bytes (``secrets.SystemRandom`` fits)."""

    def randrange(self, start: int, stop: int, /) -> int: ...

    def randbytes(self, n: int, /) -> bytes: ...


@dataclass(frozen=True)
class StatusListCopy:
    """A status list credential kept from an earlier fetch (e.g. by a cache).

    A source returns one instead of the bare credential so that the report can say how
    old the list was: the age is ``now - fetched_at``. ``refresh_error`` says why no
    fresher copy could be had (an offline verifier). The proof is checked all the same.
    """

    document: Mapping[str, Any]
    fetched_at: datetime
    refresh_error: str = ""


StatusListSource = Callable[[str], Mapping[str, Any] | StatusListCopy]
"""status list URL -> the status list credential (a file, an HTTP fetcher, a cache).

It raises a VcissueError (or OSError) when it cannot deliver; verification then reports
"could not check", never "not revoked". A ``StatusListCopy`` puts its age in the report
(and one older than the verifier's maximum age is "could not check" too). A source with a
true ``takes_timeout`` attribute is called as ``source(url, timeout=seconds)`` with the time
left of the verification's total status deadline; any other is called as ``source(url)``.
"""


class ListPublisher(Protocol):
    """Makes signed status list credentials public after the transaction that changed them.

    ``changes`` maps a list URL to its signed credential (JSON text). Called after commit,
    so a crash in between leaves the store right and the published copy stale until the
    next publish (``Issuer.publish`` rewrites every list).
    """

    def publish(self, changes: Mapping[str, str]) -> None: ...
