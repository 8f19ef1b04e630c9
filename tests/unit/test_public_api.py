"""The public API is a contract: ``vcissue.__all__`` is pinned (as httpx pins its own), and
every name in it resolves to what its module defines."""

from __future__ import annotations

import subprocess
import sys

import vcissue

EXPECTED = [
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


def test_all_is_pinned() -> None:
    assert sorted(vcissue.__all__) == EXPECTED


def test_all_lists_exactly_the_lazily_loaded_names() -> None:
    assert sorted(vcissue.__all__) == sorted(["__version__", *vcissue._PUBLIC])


def test_every_public_name_resolves_to_its_definition() -> None:
    for name in vcissue.__all__:
        value = getattr(vcissue, name)
        if name != "__version__":
            assert getattr(value, "__name__", name) == name
            assert value.__module__.startswith("vcissue.")


def test_import_vcissue_is_cheap() -> None:
    probe = "import sys, vcissue; print('pyld' in sys.modules, 'cryptography' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
