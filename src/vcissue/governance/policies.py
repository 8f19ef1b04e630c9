"""Decision policies: which role may make each kind of decision, and how many distinct
principals must approve it before it takes effect.

Defaults follow the seeds: a revocation needs two approvers (seed 003: two directors); the
other decisions one principal of the named role. Operators approve only what a policy gives
to operators. A pending decision expires after ``expires_after`` (default 14 days).
Per-qualification policies override the defaults (KCS's certification panel: awards by two
approvers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from ..errors import PolicyError

__all__ = ["DECISIONS", "DEFAULT_POLICIES", "ROLES", "Policies", "Policy"]

ROLES = ("issuer", "operator", "approver", "auditor")
"""issuer: awards; operator: suspends, reinstates, handles complaints; approver: the
decisions a policy gives two people (revocation: seed 003's directors), appeals; auditor:
reads the audit log. A policy names the role each decision needs (governance.policies)."""

DECISIONS = (
    "award",  # issue a certificate or unit credential
    "suspend",
    "extend-suspension",
    "reinstate",
    "revoke",
    "withdraw",
    "reduce-scope",
    "expand-scope",
    "recertify",
    "rename",  # reissue under the holder's new name (the old one is superseded)
    "erase",  # the holder's personal data out of every record (cannot be undone)
)


@dataclass(frozen=True)
class Policy:
    role: str
    approvers: int = 1

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise PolicyError(f"unknown role {self.role!r}; roles are {', '.join(ROLES)}")
        if not isinstance(self.approvers, int) or isinstance(self.approvers, bool):
            raise PolicyError(f"approvers must be a whole number, not {self.approvers!r}")
        if self.approvers < 1:
            raise PolicyError(f"a decision needs at least one approver, not {self.approvers}")


DEFAULT_POLICIES: Mapping[str, Policy] = {
    "award": Policy("issuer"),
    "suspend": Policy("operator"),
    "extend-suspension": Policy("operator"),
    "reinstate": Policy("operator"),
    "revoke": Policy("approver", 2),
    "withdraw": Policy("approver"),
    "reduce-scope": Policy("approver"),
    "expand-scope": Policy("approver"),
    "recertify": Policy("issuer"),
    "rename": Policy("issuer"),
    "erase": Policy("approver", 2),
}


@dataclass(frozen=True)
class Policies:
    """The policy of each decision kind, per qualification where one says otherwise."""

    decisions: Mapping[str, Policy] = field(default_factory=lambda: dict(DEFAULT_POLICIES))
    per_qualification: Mapping[str, Mapping[str, Policy]] = field(default_factory=dict)
    expires_after: timedelta = timedelta(days=14)

    def __post_init__(self) -> None:
        for kinds in (self.decisions, *self.per_qualification.values()):
            unknown = set(kinds) - set(DECISIONS)
            if unknown:
                raise PolicyError(f"unknown decision kinds {sorted(unknown)}")
        if self.expires_after <= timedelta(0):
            raise PolicyError("pending decisions must expire after a positive time")

    def of(self, kind: str, qualification_id: str | None = None) -> Policy:
        if kind not in DECISIONS:
            raise PolicyError(f"unknown decision kind {kind!r}")
        special = self.per_qualification.get(qualification_id or "", {})
        return special.get(kind) or self.decisions.get(kind) or DEFAULT_POLICIES[kind]
