"""vcissue: certificates as W3C Verifiable Credentials.

The public API is the names in ``__all__`` (pinned by ``tests/unit/test_public_api.py``);
everything else is reachable through its module and may change. Names load on first use,
so ``import vcissue`` (and the CLI's start) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

_PUBLIC = {
    "Award": "vcissue.model",
    "Holder": "vcissue.model",
    "Qualification": "vcissue.model",
    "load_qualification": "vcissue.model",
    "Issuer": "vcissue.issuer",
    "IssuerSettings": "vcissue.issuer",
    "Policies": "vcissue.governance.policies",
    "Principal": "vcissue.governance.principals",
    "Settings": "vcissue.settings",
    "load_settings": "vcissue.settings",
    "build_issuer": "vcissue.wiring",
    "open_store": "vcissue.store",
    "KeyStore": "vcissue.keystore",
    "SigningKey": "vcissue.keys",
    "sign": "vcissue.proofs",
    "verify_credential": "vcissue.verify",
    "VerificationResult": "vcissue.verify",
    "Verdict": "vcissue.verify",
    "TrustList": "vcissue.verify",
    "TrustedIssuer": "vcissue.verify",
    "VcissueError": "vcissue.errors",
}

__all__ = [
    "Award",
    "Holder",
    "Issuer",
    "IssuerSettings",
    "KeyStore",
    "Policies",
    "Principal",
    "Qualification",
    "Settings",
    "SigningKey",
    "TrustList",
    "TrustedIssuer",
    "VcissueError",
    "Verdict",
    "VerificationResult",
    "__version__",
    "build_issuer",
    "load_qualification",
    "load_settings",
    "open_store",
    "sign",
    "verify_credential",
]

if TYPE_CHECKING:
    from .errors import VcissueError
    from .governance.policies import Policies
    from .governance.principals import Principal
    from .issuer import Issuer, IssuerSettings
    from .keys import SigningKey
    from .keystore import KeyStore
    from .model import Award, Holder, Qualification, load_qualification
    from .proofs import sign
    from .settings import Settings, load_settings
    from .store import open_store
    from .verify import TrustedIssuer, TrustList, Verdict, VerificationResult, verify_credential
    from .wiring import build_issuer


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'vcissue' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
