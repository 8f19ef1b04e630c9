"""Self-check of the JavaScript interop harness (interop/js and tests/interop/jsstack.py).

Before the JS stack can judge vcissue, it must be shown to do the right thing itself:
it reproduces the W3C vc-di-eddsa test vectors byte for byte, verifies what it signs,
rejects tampering, resolves did:web only from the documents we give it, fetches nothing,
and refuses undefined terms (JSON-LD safe mode) the way the interop facts say.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.interop.jsstack import (
    JS_DIR,
    JsStackError,
    ensure_installed,
    js_sign,
    js_verify,
    node_available,
)

pytestmark = pytest.mark.interop

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "vc-di-eddsa"
SIGNED_VECTORS = {
    "eddsa-rdfc-2022": VECTORS / "eddsa-rdfc-2022" / "signedDataInt.json",
    "eddsa-jcs-2022": VECTORS / "eddsa-jcs-2022" / "signedJCS.json",
}
VECTOR_CREATED = "2023-02-24T23:36:38Z"
SUITES = list(SIGNED_VECTORS)


@pytest.fixture(scope="module", autouse=True)
def js_stack() -> None:
    if not node_available():
        if os.environ.get("VCISSUE_REQUIRE_INTEROP") == "1":
            pytest.fail("node is not on PATH but VCISSUE_REQUIRE_INTEROP=1")
        pytest.skip("node is not on PATH")
    ensure_installed()


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def key_pair() -> dict[str, str]:
    # W3C name "privateKeyMultibase": header 0x8026 + 32-byte seed, which is exactly what
    # Ed25519Multikey reads as "secretKeyMultibase".
    return load(VECTORS / "keyPair.json")


def did_key(key_pair: dict[str, str]) -> str:
    return f"did:key:{key_pair['publicKeyMultibase']}"


def own_credential(issuer: str) -> dict[str, Any]:
    """A VC 2.0 credential using only terms the VC 2.0 context defines (no @vocab there)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0b5c1f0e-6a1d-4c55-9a57-3f1f7b0c2d11",
        "type": ["VerifiableCredential"],
        "name": "Harness self-check",
        "description": "A credential signed and verified by the JS reference stack.",
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:123", "name": "Ana Novak"},
    }


def sign_own(
    key_pair: dict[str, str], suite: str, credential: dict[str, Any] | None = None, **kw: Any
) -> dict[str, Any]:
    return js_sign(
        credential or own_credential(kw.get("controller") or did_key(key_pair)),
        public_key_multibase=key_pair["publicKeyMultibase"],
        secret_key_multibase=key_pair["privateKeyMultibase"],
        suite=suite,
        created="2025-01-01T00:00:00Z",
        **kw,
    )


# (1) The W3C vectors, reproduced byte for byte (Ed25519 signatures are deterministic).


@pytest.mark.parametrize("suite", SUITES)
def test_js_reproduces_w3c_vector(suite: str, key_pair: dict[str, str]) -> None:
    expected = load(SIGNED_VECTORS[suite])
    signed = js_sign(
        load(VECTORS / "unsigned.json"),
        public_key_multibase=key_pair["publicKeyMultibase"],
        secret_key_multibase=key_pair["privateKeyMultibase"],
        suite=suite,
        created=VECTOR_CREATED,
        allow_test_contexts=True,
    )
    assert signed["proof"]["proofValue"] == expected["proof"]["proofValue"]
    assert signed == expected  # the whole proof too, incl. the JCS proof "@context"


@pytest.mark.parametrize("suite", SUITES)
def test_w3c_vector_signature_valid_but_issuer_not_bound(suite: str) -> None:
    # The signature is checked before the proof purpose, so this error means the signature
    # verified and only the issuer/controller binding failed, as the vectors' issuer is not
    # the key's controller.
    result = js_verify(load(SIGNED_VECTORS[suite]), allow_test_contexts=True)
    assert result["verified"] is False
    assert result["suite"] == suite
    assert "issuer must match the verification method controller" in result["error"]


def test_test_context_needs_flag() -> None:
    result = js_verify(load(SIGNED_VECTORS["eddsa-rdfc-2022"]))
    assert result["verified"] is False
    assert "https://www.w3.org/ns/credentials/examples/v2" in result["error"]
    assert "--allow-test-contexts" in result["error"]


# (2) A credential of our own, issuer = the did:key controller: it verifies.


@pytest.mark.parametrize("suite", SUITES)
def test_js_verifies_what_it_signs(suite: str, key_pair: dict[str, str]) -> None:
    signed = sign_own(key_pair, suite)
    proof = signed["proof"]
    assert proof["cryptosuite"] == suite
    assert proof["created"] == "2025-01-01T00:00:00Z"
    vm = f"{did_key(key_pair)}#{key_pair['publicKeyMultibase']}"
    assert proof["verificationMethod"] == vm
    assert ("@context" in proof) is (suite == "eddsa-jcs-2022")
    assert js_verify(signed) == {"verified": True, "error": None, "suite": suite}


@pytest.mark.parametrize("suite", SUITES)
def test_did_web_resolves_only_from_given_documents(suite: str, key_pair: dict[str, str]) -> None:
    did = "did:web:issuer.example"
    signed = sign_own(key_pair, suite, controller=did, key_id=f"{did}#key-1")
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#key-1",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key_pair["publicKeyMultibase"],
            }
        ],
        "assertionMethod": [f"{did}#key-1"],
    }
    assert js_verify(signed, did_documents={did: document})["verified"] is True

    missing = js_verify(signed)
    assert missing["verified"] is False
    assert "not in --did-documents" in missing["error"]

    # A key listed but not authorised for assertionMethod fails the controller check.
    unauthorised = {**document, "assertionMethod": []}
    result = js_verify(signed, did_documents={did: unauthorised})
    assert result["verified"] is False
    assert "not authorized by controller" in result["error"]


# (3) One changed field: JS verification fails.


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize(
    "path, value",
    [
        (("credentialSubject", "name"), "Mallory"),
        (("validFrom",), "2024-01-01T00:00:00Z"),
        (("proof", "created"), "2025-01-02T00:00:00Z"),
    ],
    ids=["subject", "validFrom", "proof-created"],
)
def test_one_changed_field_fails(
    suite: str, path: tuple[str, ...], value: str, key_pair: dict[str, str]
) -> None:
    signed = sign_own(key_pair, suite)
    tampered = copy.deepcopy(signed)
    target = tampered
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    result = js_verify(tampered)
    assert result == {"verified": False, "error": result["error"], "suite": suite}
    assert "Invalid signature" in result["error"]


def test_issuer_must_be_key_controller(key_pair: dict[str, str]) -> None:
    credential = own_credential("did:example:someone-else")
    signed = sign_own(key_pair, "eddsa-rdfc-2022", credential)
    result = js_verify(signed)
    assert result["verified"] is False
    assert "issuer must match the verification method controller" in result["error"]


# Offline and safe-mode behaviour.


def test_unknown_context_is_refused_not_fetched(key_pair: dict[str, str]) -> None:
    credential = own_credential(did_key(key_pair))
    credential["@context"].append("https://example.org/not-bundled/v1")
    with pytest.raises(JsStackError, match=r"refuses https://example\.org/not-bundled/v1"):
        sign_own(key_pair, "eddsa-rdfc-2022", credential)


def test_rdfc_refuses_undefined_term(key_pair: dict[str, str]) -> None:
    credential = own_credential(did_key(key_pair))
    credential["credentialSubject"]["alumniOf"] = "The School of Examples"
    with pytest.raises(JsStackError, match=r"Safe mode validation error.*alumniOf"):
        sign_own(key_pair, "eddsa-rdfc-2022", credential)


def test_status_needs_skip_flag(key_pair: dict[str, str]) -> None:
    credential = own_credential(did_key(key_pair))
    credential["credentialStatus"] = {
        "id": "https://status.example/lists/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://status.example/lists/1",
    }
    signed = sign_own(key_pair, "eddsa-rdfc-2022", credential)
    refused = js_verify(signed)
    assert refused["verified"] is False
    assert "checkStatus" in refused["error"]
    assert js_verify(signed, skip_status=True)["verified"] is True


def test_mismatched_secret_key_is_refused(key_pair: dict[str, str]) -> None:
    other_public = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    with pytest.raises(JsStackError, match="does not belong"):
        js_sign(
            own_credential(f"did:key:{other_public}"),
            public_key_multibase=other_public,
            secret_key_multibase=key_pair["privateKeyMultibase"],
            suite="eddsa-rdfc-2022",
        )


def test_cli_stdin_and_usage_errors(key_pair: dict[str, str]) -> None:
    signed = sign_own(key_pair, "eddsa-jcs-2022")
    out = subprocess.run(
        ["node", "verify.mjs", "-"],
        cwd=JS_DIR,
        input=json.dumps(signed),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"verified": True, "error": None, "suite": "eddsa-jcs-2022"}
    for args in (["verify.mjs"], ["verify.mjs", "x.json", "--bogus"], ["sign.mjs", "-"]):
        out = subprocess.run(
            ["node", *args], cwd=JS_DIR, capture_output=True, text=True, timeout=60, check=False
        )
        assert out.returncode == 2, (args, out.stderr)
        assert "usage error" in out.stderr
