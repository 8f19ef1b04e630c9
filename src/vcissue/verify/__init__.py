"""Verification: untrusted bytes -> one ``VerificationResult`` with one verdict.

``checks`` (the pipeline, ``verify_credential``), ``result`` (Check, Outcome, Verdict,
VerificationResult), ``trust`` (TrustList), ``lists`` (accepting a status list).
"""

from ..errors import VerificationFailed
from ..ports import StatusListCopy, StatusListSource
from ..strictjson import MAX_DEPTH
from .checks import (
    ALL_CHECKS,
    DEFAULT_CLOCK_SKEW,
    DEFAULT_MAX_STATUS_AGE,
    DEFAULT_STATUS_DEADLINE,
    MAX_CREDENTIAL_BYTES,
    parse_credential,
    verify_credential,
)
from .lists import describe_age
from .result import Check, Outcome, Verdict, VerificationResult
from .trust import TrustedIssuer, TrustList

__all__ = [
    "ALL_CHECKS",
    "DEFAULT_CLOCK_SKEW",
    "DEFAULT_MAX_STATUS_AGE",
    "DEFAULT_STATUS_DEADLINE",
    "MAX_CREDENTIAL_BYTES",
    "MAX_DEPTH",
    "Check",
    "Outcome",
    "StatusListCopy",
    "StatusListSource",
    "TrustList",
    "TrustedIssuer",
    "Verdict",
    "VerificationFailed",
    "VerificationResult",
    "describe_age",
    "parse_credential",
    "verify_credential",
]
