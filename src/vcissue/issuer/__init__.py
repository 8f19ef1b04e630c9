"""The issuing desk of a certification body: the lifecycle of its certificates over a store.

Three layers, one module each: ``core`` (transactions, issuing, status lists, the effects
of decisions, reads), ``decisions`` (every change is a decision under a policy: roles,
distinct approvers, expiry), ``cases`` (complaints and appeals). ``Issuer`` is all three;
``wiring.build_issuer`` builds one from a deployment's settings.
"""

from .cases import APPEALABLE, Appeal, Cases, Complaint
from .core import (
    DEFAULT_LIST_VALIDITY,
    AuditCheck,
    BatchReport,
    IssuedCredential,
    IssuerSettings,
    PublicStatus,
    ResignReport,
    StateCounts,
)
from .decisions import DecisionOutcome, LifecycleReport

__all__ = [
    "APPEALABLE",
    "DEFAULT_LIST_VALIDITY",
    "Appeal",
    "AuditCheck",
    "BatchReport",
    "Complaint",
    "DecisionOutcome",
    "IssuedCredential",
    "Issuer",
    "IssuerSettings",
    "LifecycleReport",
    "PublicStatus",
    "ResignReport",
    "StateCounts",
]


class Issuer(Cases):
    """One certification body's issuing desk (see the module docstring)."""
