"""Delivery to a holder's wallet (issue 11): the credential re-signed bound to the holder's
DID (same record, id and status entries; audited), then presented with a challenge and the
presentation verified -- on SQLite and PostgreSQL, status read from the published lists."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_issuer import Desk
from vcissue.dids import did_jwk
from vcissue.errors import CredentialError, PolicyError, UnknownCredentialError
from vcissue.holder import create_presentation
from vcissue.jose import b64url_encode
from vcissue.keys import SigningKey
from vcissue.store import Store
from vcissue.verify import Verdict, VerificationResult
from vcissue.verify.presentation import verify_presentation

CHALLENGE, DOMAIN = "c-7f3a9e", "verifier.example"


@pytest.fixture
def desk(store: Store, tmp_path: Path) -> Desk:
    return Desk(store, tmp_path)


def _present(desk: Desk, vp: dict[str, Any], **options: Any) -> VerificationResult:
    desk.issuer.publish()
    options.setdefault("challenge", CHALLENGE)
    options.setdefault("domain", DOMAIN)
    options.setdefault("now", desk.clock.at)
    return verify_presentation(vp, trust=desk.body.trust, status_lists=desk.source, **options)


def test_delivery_binds_the_same_credential_to_the_holder(desk: Desk) -> None:
    issued = desk.issuer.issue(desk.award(), by=desk.alice).credential
    holder = SigningKey(bytes(range(1, 33)))
    desk.clock.at += timedelta(hours=1)
    record = desk.issuer.deliver(issued["id"], holder.controller, actor="wallet", via="test")
    delivered = json.loads(record.signed_json)
    assert delivered["credentialSubject"]["id"] == holder.controller
    assert record.holder_id == holder.controller
    for kept in ("id", "credentialStatus", "validFrom", "validUntil", "issuer"):
        assert delivered[kept] == issued[kept]
    assert {k: v for k, v in delivered["credentialSubject"].items() if k != "id"} == issued[
        "credentialSubject"
    ]
    assert delivered["proof"]["created"] != issued["proof"]["created"]
    result = desk.verify(delivered)
    assert result.verdict is Verdict.VALID, result.reasons
    assert [e.action for e in desk.log()] == ["issue", "deliver"]
    entry = desk.log()[-1]
    digest = hashlib.sha256(holder.controller.encode()).hexdigest()  # the DID stays out
    assert entry.details["holder"] == f"sha256:{digest}" and entry.details["via"] == "test"
    assert entry.credential_id == issued["id"]
    # one record: the register still has one credential, now bound
    assert desk.issuer.get(issued["id"]).signed_json == record.signed_json


def test_a_delivered_credential_is_presented_and_verified(desk: Desk) -> None:
    issued = desk.issuer.issue(desk.award(), by=desk.alice).credential
    holder = SigningKey(bytes(range(2, 34)))
    delivered = json.loads(
        desk.issuer.deliver(issued["id"], holder.controller, actor="w", via="t").signed_json
    )
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        vp = create_presentation(
            [delivered],
            holder,
            challenge=CHALLENGE,
            domain=DOMAIN,
            created=desk.clock.at,
            suite=suite,
        )
        result = _present(desk, vp)
        assert result.verdict is Verdict.VALID, result.reasons
        assert result.check("credentials[0].status.revocation").outcome.value == "passed"
        assert result.check("holder.binding").outcome.value == "passed"

    vp = create_presentation(
        [delivered], holder, challenge=CHALLENGE, domain=DOMAIN, created=desk.clock.at
    )
    # another verifier, another request, too late: each refused by its own check
    assert _present(desk, vp, challenge="other").check("presentation.challenge").verdict
    assert _present(desk, vp, domain="evil.example").verdict is Verdict.FORGED
    late = _present(desk, vp, now=desk.clock.at + timedelta(minutes=30))
    assert late.verdict is Verdict.EXPIRED
    assert late.check("presentation.freshness").outcome.value == "failed"

    # the holder's credential presented by someone else's key: signer is not the subject
    thief = SigningKey(bytes(range(3, 35)))
    stolen = create_presentation(
        [delivered], thief, challenge=CHALLENGE, domain=DOMAIN, created=desk.clock.at
    )
    result = _present(desk, stolen)
    assert result.verdict is Verdict.FORGED
    assert "not the signer" in result.check("holder.binding").message

    # a revoked credential presented: the presentation holds, the verdict is REVOKED
    desk.issuer.revoke(issued["id"], reason="fraud", by=desk.op)
    assert _present(desk, vp).verdict is Verdict.REVOKED


def test_a_did_jwk_holder(desk: Desk) -> None:
    holder_seed = bytes(range(4, 36))
    key = SigningKey(holder_seed)
    did = did_jwk({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(key.public.raw)})
    holder = key.with_verification_method(f"{did}#0")
    issued = desk.issuer.issue(desk.award(), by=desk.alice).credential
    delivered = json.loads(desk.issuer.deliver(issued["id"], did, actor="w", via="t").signed_json)
    vp = create_presentation(
        [delivered], holder, challenge=CHALLENGE, domain=DOMAIN, created=desk.clock.at
    )
    assert _present(desk, vp).verdict is Verdict.VALID


def test_delivery_refusals_are_typed(desk: Desk) -> None:
    issued = desk.issuer.issue(desk.award(), by=desk.alice).credential
    with pytest.raises(CredentialError):
        desk.issuer.deliver(issued["id"], "not-a-did", actor="w", via="t")
    with pytest.raises(UnknownCredentialError):
        desk.issuer.deliver("urn:uuid:nope", "did:key:z6Mk", actor="w", via="t")
    desk.issuer.revoke(issued["id"], reason="fraud", by=desk.op)
    with pytest.raises(PolicyError):
        desk.issuer.deliver(issued["id"], SigningKey(bytes(32)).controller, actor="w", via="t")
    assert [e.action for e in desk.log()] == ["issue", "revoke"]
