"""Interoperability with Digital Bazaar's JavaScript stack (@digitalbazaar/vc, eddsa-rdfc-2022).

Both directions: the JS verifier accepts vcissue's credentials (and rejects a tampered one),
and vcissue verifies a credential the JS stack signed. Offline: interop/js/lib.mjs serves
only the bundled contexts and the DID documents we pass.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.factories import AWARDED, Body, kcs
from vcissue.keys import SigningKey
from vcissue.system import system_random
from vcissue.verify import TrustedIssuer, TrustList, verify_credential

pytestmark = pytest.mark.interop
JS = Path(__file__).resolve().parents[2] / "interop" / "js"


@pytest.fixture(scope="module", autouse=True)
def js_stack() -> None:
    if shutil.which("node") is None or not (JS / "node_modules").exists():
        if os.environ.get("VCISSUE_REQUIRE_INTEROP") == "1":
            pytest.fail("node or interop/js/node_modules missing (scripts/test runs npm ci)")
        pytest.skip("node or interop/js/node_modules not available")


def node(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", *args], cwd=JS, capture_output=True, text=True, timeout=120, check=False
    )


def js_verify(vc: dict[str, Any], body: Body, tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "vc.json").write_text(json.dumps(vc))
    (tmp_path / "dids.json").write_text(json.dumps({body.did: body.did_document}))
    out = node(
        "verify.mjs", str(tmp_path / "vc.json"), "--did-documents", str(tmp_path / "dids.json")
    )
    assert out.returncode in (0, 1), out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result


@pytest.mark.parametrize("units", [None, ("U1",)], ids=["certificate", "unit-credential"])
def test_js_verifies_our_credentials(tmp_path: Path, units: tuple[str, ...] | None) -> None:
    body = Body()
    vc = body.issue("Lea Kovač", units=units)
    result = js_verify(vc, body, tmp_path)
    assert (result["verified"], result["error"]) == (True, None)
    vc["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    assert js_verify(vc, body, tmp_path)["verified"] is False


def test_we_verify_js_signed_credentials(tmp_path: Path) -> None:
    key = SigningKey.generate(rng=system_random)
    body = Body(did=key.controller)  # a did:key issuer, resolvable by both stacks
    unsigned = body.unsigned("Marko Horvat")
    (tmp_path / "unsigned.json").write_text(json.dumps(unsigned))
    (tmp_path / "key.json").write_text(
        json.dumps(
            {
                "publicKeyMultibase": key.public.multibase,
                "secretKeyMultibase": key.private_multibase,
                "id": key.verification_method,
                "controller": key.controller,
            }
        )
    )
    out = node(
        "sign.mjs",
        str(tmp_path / "unsigned.json"),
        str(tmp_path / "key.json"),
        "--created",
        "2026-03-02T09:30:00Z",
    )
    assert out.returncode == 0, out.stderr
    signed = json.loads(out.stdout)
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    trust = TrustList.of(TrustedIssuer(key.controller))
    result = verify_credential(signed, trust=trust, now=AWARDED)
    assert result.verified, result.to_json()
    # Ed25519 is deterministic: our signature over the same document and options is identical.
    from vcissue import proofs

    ours = proofs.sign(unsigned, key, created=AWARDED, suite="eddsa-rdfc-2022")
    assert ours["proof"]["proofValue"] == signed["proof"]["proofValue"]


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_js_verifies_an_organisation_certificate(tmp_path: Path, suite: str) -> None:
    """An organisation subject typed as an OB Profile: the JS stack's safe mode keeps
    every term (nothing dropped), and a renamed organisation fails."""
    body = Body()
    vc = body.issue("Children First", suite=suite, qualification=kcs(1), kind="organisation")
    assert vc["credentialSubject"]["type"] == ["AchievementSubject", "Profile"]
    result = js_verify(vc, body, tmp_path)
    assert (result["verified"], result["error"]) == (True, None)
    vc["credentialSubject"]["name"] = "Mallory Ltd"
    assert js_verify(vc, body, tmp_path)["verified"] is False
