"""The verification report: one entry per check, and one verdict.

Each check has a stable id (``proof``, ``status.suspension``), an outcome (passed, failed,
or skipped with the reason) and, when it failed, the verdict that failure implies. The
report's verdict is the strongest of them, with the offline page's precedence::

    FORGED > NOT_TRUSTED > REVOKED > SUSPENDED > EXPIRED = NOT_YET_VALID > STATUS_UNKNOWN > VALID

FORGED first: if the signature is wrong nothing else the document says can be believed.
STATUS_UNKNOWN also when the credential carries status entries that were not checked:
VALID is said only when everything was checked and held.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..errors import VerificationFailed

__all__ = ["Check", "Outcome", "Verdict", "VerificationResult"]


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"  # not run; the message says why


class Verdict(StrEnum):
    FORGED = "FORGED"
    NOT_TRUSTED = "NOT_TRUSTED"
    REVOKED = "REVOKED"
    SUSPENDED = "SUSPENDED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    STATUS_UNKNOWN = "STATUS_UNKNOWN"
    VALID = "VALID"

    @property
    def rank(self) -> int:
        return _PRECEDENCE.index(self)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


_PRECEDENCE = list(Verdict)


@dataclass(frozen=True)
class Check:
    """One check. ``verdict`` is what a failure (or a status left unchecked) implies."""

    id: str
    outcome: Outcome
    message: str
    fatal: bool = True
    verdict: Verdict | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "outcome": self.outcome.value,
            "message": self.message,
            "fatal": self.fatal,
            **({"verdict": self.verdict.value} if self.verdict else {}),
        }


@dataclass(frozen=True)
class VerificationResult:
    checks: tuple[Check, ...]
    credential: Mapping[str, Any] | None = None

    @property
    def verified(self) -> bool:
        """No fatal check failed (the status may still be unknown: see ``verdict``)."""
        has_failure = any(c.outcome is Outcome.FAILED and c.fatal for c in self.checks)
        return bool(self.checks) and not has_failure

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.outcome is Outcome.FAILED]

    @property
    def verdict(self) -> Verdict:
        found = [c.verdict for c in self.checks if c.verdict is not None]
        return min(found, key=lambda verdict: verdict.rank, default=Verdict.VALID)

    @property
    def reasons(self) -> list[str]:
        """The messages behind the verdict, strongest first."""
        ranked = sorted(
            (c for c in self.checks if c.verdict is not None),
            key=lambda c: c.verdict.rank,  # type: ignore[union-attr]
        )
        return [f"{c.id}: {c.message}" for c in ranked]

    def check(self, check_id: str) -> Check:
        for item in self.checks:
            if item.id == check_id:
                return item
        raise KeyError(check_id)

    def raise_for_failure(self) -> None:
        if not self.verified:
            raise VerificationFailed(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "verdict": self.verdict.value,
            "checks": [c.to_json() for c in self.checks],
        }


class Report:
    """Collects checks in order while a pipeline runs."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def passed(self, check_id: str, message: str) -> None:
        self.checks.append(Check(check_id, Outcome.PASSED, message))

    def failed(self, check_id: str, message: str, verdict: Verdict, *, fatal: bool = True) -> None:
        self.checks.append(Check(check_id, Outcome.FAILED, message, fatal, verdict))

    def skipped(self, check_id: str, message: str, verdict: Verdict | None = None) -> None:
        self.checks.append(Check(check_id, Outcome.SKIPPED, message, True, verdict))

    def outcome(self, check_id: str) -> Outcome | None:
        for check in self.checks:
            if check.id == check_id:
                return check.outcome
        return None

    def replace(self, check: Check) -> None:
        self.checks = [check if c.id == check.id else c for c in self.checks]

    def result(self, credential: Mapping[str, Any] | None = None) -> VerificationResult:
        return VerificationResult(tuple(self.checks), credential)
