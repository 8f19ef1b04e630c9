"""Issue 11, done means: a holder's wallet library receives an EcoMentor certificate bound
to its DID and presents it, from an outside process over real HTTPS (self-signed
certificate on 127.0.0.1), on SQLite and PostgreSQL.

The wallet is the OpenWallet Foundation's OpenID4VCI client (``@openid4vc/openid4vci``,
pinned in interop/wallet/package-lock.json) and Digital Bazaar's ``@digitalbazaar/vc`` for
the presentation; the issuer's refusals are read as that client reports them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Backend
from tests.interop import jsstack, walletstack
from tests.service.conftest import Service, running_service
from tests.service.tls import self_signed
from vcissue.verify import TrustList, Verdict, verify_credential

pytestmark = pytest.mark.interop
AWARD = {"qualification": "ecomentor", "holder": {"name": "Ana Novak"}}


@pytest.fixture
def tls(tmp_path: Path) -> tuple[Path, Path]:
    walletstack.require()
    if not jsstack.installed():
        if os.environ.get("VCISSUE_REQUIRE_INTEROP") == "1":
            pytest.fail("interop/js/node_modules missing (scripts/test runs npm ci)")
        pytest.skip("the JS reference stack (interop/js) is not installed")
    return self_signed(tmp_path)


@pytest.fixture
def https(backend: Backend, tmp_path: Path, tls: tuple[Path, Path]) -> Iterator[Service]:
    with running_service(backend, tmp_path, tls=tls) as running:
        yield running


def _offer(service: Service) -> tuple[str, dict[str, Any]]:
    reply = service.call("POST", "/credentials/issue", AWARD, key="issuer")
    assert reply.status == 201, reply.body
    credential_id = reply.json()["verifiableCredential"]["id"]
    reply = service.call("POST", f"/credentials/{credential_id}/offers", key="operator")
    assert reply.status == 201, reply.body
    return credential_id, reply.json()


def _trust(service: Service) -> TrustList:
    document = service.call("GET", "/.well-known/did.json").json()
    return TrustList.from_json({"issuers": [{"id": document["id"], "didDocument": document}]})


def _lists(service: Service) -> Callable[[str], Any]:
    def source(url: str) -> Any:  # the status lists, over the same HTTPS
        assert url.startswith(service.base + "/status-lists/")
        return service.call("GET", url[len(service.base) :]).json()

    return source


def _js_with_status(service: Service, credential: dict[str, Any]) -> dict[str, Any]:
    """Digital Bazaar's verifier on ``credential`` with the status lists the service serves
    now (checked by @digitalbazaar/vc-bitstring-status-list)."""
    did_document = service.call("GET", "/.well-known/did.json").json()
    source = _lists(service)
    lists = {e["statusListCredential"]: source(e["statusListCredential"])
             for e in credential["credentialStatus"]}  # fmt: skip
    return jsstack.js_verify(
        credential, did_documents={did_document["id"]: did_document}, status_lists=lists
    )


def test_a_wallet_library_receives_and_presents_over_https(
    https: Service, tls: tuple[Path, Path]
) -> None:
    credential_id, offer = _offer(https)
    assert offer["credential_offer_uri"].startswith(https.base + "/oid4vci/offers/")
    got = walletstack.run(
        "oid4vci.mjs",
        ca_file=tls[0],
        offer=offer["offer_deep_link"],
        tx_code=offer["tx_code"],
        challenge="c-42",
        domain="hr.example",
    )
    assert "error" not in got, got
    assert got["version"] == "V1"  # the client read the metadata as OpenID4VCI 1.0
    credential = got["credential"]
    assert credential["id"] == credential_id
    assert credential["credentialSubject"]["id"] == got["holder"]

    source = _lists(https)
    result = verify_credential(
        credential, trust=_trust(https), now=datetime.now(UTC), status_lists=source
    )
    assert result.verdict is Verdict.VALID, result.reasons
    # Digital Bazaar's reference verifier accepts the bound credential too, with status:
    # @digitalbazaar/vc-bitstring-status-list checks the lists the service serves (their
    # proofs, purposes, issuer) and reads the bits.
    js = _js_with_status(https, credential)
    assert (js["verified"], js["error"]) == (True, None)
    assert sorted((s["purpose"], s["set"]) for s in js["status"]) == [
        ("revocation", False),
        ("suspension", False),
    ]
    body = {
        "verifiablePresentation": got["presentation"],
        "options": {"challenge": "c-42", "domain": "hr.example"},
    }
    report = https.call("POST", "/presentations/verify", body).json()
    assert report["verdict"] == "VALID", report

    # suspended through the service: both verifiers read the new bit from the served list
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    suspend = {"credentialId": credential_id, "action": "suspend", "reason": "r", "until": until}
    assert https.call("POST", "/credentials/status", suspend, key="operator").status == 200
    js = _js_with_status(https, credential)
    assert js["verified"] is False and "status bit set: suspension" in js["error"], js
    result = verify_credential(
        credential, trust=_trust(https), now=datetime.now(UTC), status_lists=source
    )
    assert result.verdict is Verdict.SUSPENDED, result.reasons

    # the same offer again: the code was used (the client reports the spec's error)
    again = walletstack.run(
        "oid4vci.mjs", ca_file=tls[0], offer=offer["offer_deep_link"], tx_code=offer["tx_code"]
    )
    assert again["step"] in ("offer", "token"), again


def test_the_wallet_library_sees_each_refusal(https: Service, tls: tuple[Path, Path]) -> None:
    _, offer = _offer(https)
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    for _ in range(3):
        refused = walletstack.run(
            "oid4vci.mjs", ca_file=tls[0], offer=offer["offer_deep_link"], tx_code=wrong
        )
        assert refused["step"] == "token" and refused["error"]["error"] == "invalid_grant"
    locked = walletstack.run(
        "oid4vci.mjs", ca_file=tls[0], offer=offer["offer_deep_link"], tx_code=offer["tx_code"]
    )
    assert locked["step"] in ("offer", "token"), locked  # dead: the right code is too late

    for option, expected in (
        ({"proof_key": "other"}, "invalid_proof"),
        ({"aud": "https://evil.example"}, "invalid_proof"),
    ):
        _, offer = _offer(https)
        refused = walletstack.run(
            "oid4vci.mjs",
            ca_file=tls[0],
            offer=offer["offer_deep_link"],
            tx_code=offer["tx_code"],
            **option,
        )
        assert refused["step"] == "credential", refused
        assert refused["error"]["error"] == expected, refused


@pytest.mark.parametrize("proof_type", ["DataIntegrityProof", "Ed25519Signature2020"])
def test_a_vc_api_exchange_with_digital_bazaars_vc(
    https: Service, tls: tuple[Path, Path], proof_type: str
) -> None:
    """The Learner Credential Wallet's flow: DID authentication signed by @digitalbazaar/vc
    (both proof types it may send), the credential bound to that DID, presented, verified;
    the same DID authentication replayed is refused (the challenge was used)."""
    reply = https.call("POST", "/credentials/issue", AWARD, key="issuer")
    credential_id = reply.json()["verifiableCredential"]["id"]
    made = https.call(
        "POST", f"/credentials/{credential_id}/offers", {"protocol": "vcapi"}, key="operator"
    ).json()
    assert made["deep_link"].startswith("https://lcw.app/request.html?request=")
    got = walletstack.run(
        "vcapi.mjs",
        ca_file=tls[0],
        exchange=made["exchange_url"],
        proof_type=proof_type,
        challenge="c-7",
        domain="hr.example",
        replay="1",
    )
    assert "step" not in got, got
    assert got["didAuth"]["proof"]["type"] == proof_type
    assert got["request"]["query"][0]["type"] == "DIDAuthentication"
    credential = got["credential"]
    assert credential["id"] == credential_id
    assert credential["credentialSubject"]["id"] == got["holder"]
    assert got["replay"]["status"] == 409
    assert got["replay"]["body"]["type"].endswith("/exchange-complete")
    js = _js_with_status(https, credential)  # the JS reference, with status
    assert (js["verified"], js["error"], len(js["status"])) == (True, None, 2), js

    body = {
        "verifiablePresentation": got["presentation"],
        "options": {"challenge": "c-7", "domain": "hr.example"},
    }
    report = https.call("POST", "/presentations/verify", body).json()
    assert report["verdict"] == "VALID", report
    entries = https.call("GET", "/audit", key="auditor").json()["entries"]
    delivered = [e for e in entries if e.get("action") == "deliver"]
    assert delivered and delivered[-1]["details"]["via"] == "vcapi"
