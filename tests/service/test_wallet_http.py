"""Wallet routes over real HTTP on 127.0.0.1 (SQLite and PostgreSQL): presentations
verified by ``POST /presentations/verify`` with status read from the service's lists."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from tests.integration.test_render import _need, _run
from tests.service.conftest import Service
from vcissue.holder import create_presentation
from vcissue.keys import SigningKey

HOLDER = SigningKey(bytes(range(9, 41)))
AWARD_BASE = {"qualification": "ecomentor", "holder": {"name": "Ana"}}
GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def test_presentations_verify(service: Service) -> None:
    award = {"qualification": "ecomentor", "holder": {"name": "Ana", "id": HOLDER.controller}}
    reply = service.call("POST", "/credentials/issue", award, key="issuer")
    assert reply.status == 201, reply.body
    vc = reply.json()["verifiableCredential"]
    vp = create_presentation(
        [vc], HOLDER, challenge="c-9", domain="hr.example", created=datetime.now(UTC)
    )
    options = {"challenge": "c-9", "domain": "hr.example"}
    body = {"verifiablePresentation": vp, "options": options}
    report = service.call("POST", "/presentations/verify", body).json()
    assert report["verdict"] == "VALID", report
    ids = {check["id"]: check["outcome"] for check in report["checks"]}
    assert ids["holder.binding"] == ids["credentials[0].status.revocation"] == "passed"

    replay = {"verifiablePresentation": vp, "options": {**options, "challenge": "c-10"}}
    report = service.call("POST", "/presentations/verify", replay).json()
    assert report["verdict"] == "FORGED" and report["verified"] is False

    thief = SigningKey(bytes(range(10, 42)))
    stolen = create_presentation(
        [vc], thief, challenge="c-9", domain="hr.example", created=datetime.now(UTC)
    )
    body = {"verifiablePresentation": stolen, "options": options}
    report = service.call("POST", "/presentations/verify", body).json()
    failed = [c["id"] for c in report["checks"] if c["outcome"] == "failed"]
    assert failed == ["holder.binding"]

    missing = service.call("POST", "/presentations/verify", {"verifiablePresentation": vp})
    assert missing.status == 422
    assert missing.headers["content-type"] == "application/problem+json"


def test_oid4vci_routes_answer_in_the_protocol_shape(service: Service) -> None:
    metadata = service.call("GET", "/.well-known/openid-credential-issuer").json()
    assert metadata["credential_issuer"] == service.base
    assert metadata["nonce_endpoint"] == service.base + "/oid4vci/nonce"
    server = service.call("GET", "/.well-known/oauth-authorization-server").json()
    assert server["token_endpoint"] == service.base + "/oid4vci/token"

    reply = service.call("POST", "/credentials/issue", {**AWARD_BASE}, key="issuer")
    credential_id = reply.json()["verifiableCredential"]["id"]
    assert service.call("POST", f"/credentials/{credential_id}/offers", key="auditor").status == 403
    offer = service.call("POST", f"/credentials/{credential_id}/offers", key="operator").json()
    code = offer["credential_offer"]["grants"][GRANT]["pre-authorized_code"]

    form = f"grant_type={quote(GRANT)}&pre-authorized_code={code}&tx_code=x".encode()
    refused = service.call(
        "POST",
        "/oid4vci/token",
        raw=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert refused.status == 400 and refused.headers["cache-control"] == "no-store"
    assert refused.json()["error"] == "invalid_grant"
    assert set(refused.json()) == {"error", "error_description"}
    wrong_grant = service.call("POST", "/oid4vci/token", raw=b"grant_type=password")
    assert wrong_grant.json()["error"] == "unsupported_grant_type"

    nonce = service.call("POST", "/oid4vci/nonce")
    assert nonce.status == 200 and nonce.headers["cache-control"] == "no-store"
    assert len(nonce.json()["c_nonce"]) >= 40
    anonymous = service.call("POST", "/oid4vci/credential", {"credential_configuration_id": "x"})
    assert anonymous.status == 401 and anonymous.json()["error"] == "invalid_token"
    assert anonymous.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    gone = service.call("GET", "/oid4vci/offers/not.known")
    assert gone.status == 404 and gone.json()["error"] == "invalid_request"


def test_the_holder_page_behind_its_capability_link(service: Service, tmp_path: Path) -> None:
    reply = service.call("POST", "/credentials/issue", AWARD_BASE, key="issuer")
    vc = reply.json()["verifiableCredential"]
    path = f"/credentials/{vc['id']}/holder-links"
    assert service.call("POST", path, key="auditor").status == 403
    made = service.call("POST", path, key="operator")
    assert made.status == 201, made.body
    link = made.json()["url"]
    assert link.startswith(service.base + "/holder/")
    page_path = link[len(service.base) :]
    page = service.call("GET", page_path)
    assert page.status == 200 and "Download the certificate (PDF)" in page.body.decode()
    assert page.headers["referrer-policy"] == "no-referrer"
    assert service.call("GET", page_path + "/credential.json").json() == vc
    pdf = service.call("GET", page_path + "/certificate.pdf")
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF")
    (tmp_path / "certificate.pdf").write_bytes(pdf.body)
    printed = " ".join(_run(_need("pdftotext"), str(tmp_path / "certificate.pdf"), "-").split())
    assert "accreditation no. HAA-Cert-0001 (example)" in printed  # the qualification's
    offer = service.call("POST", page_path + "/offers/oid4vci").body.decode()
    assert "openid-credential-offer://?credential_offer_uri=" in offer
    assert "Transaction code" in offer and "data:image/png;base64," in offer
    exchange = service.call("POST", page_path + "/offers/vcapi").body.decode()
    assert "https://lcw.app/request.html?request=" in exchange

    # a guessed link, then the real one revoked: both are unknown
    assert service.call("GET", page_path[:-3] + "abc").status == 404
    revoked = service.call("POST", path + "/revoke", key="operator").json()
    assert revoked == {"revoked": 1}
    gone = service.call("GET", page_path)
    assert gone.status == 404 and gone.headers["content-type"] == "application/problem+json"
    actions = [e["action"] for e in service.call("GET", "/audit", key="auditor").json()["entries"]]
    assert "holder-link" in actions and "holder-link-revoke" in actions
