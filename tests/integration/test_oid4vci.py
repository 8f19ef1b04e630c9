"""OpenID4VCI 1.0 pre-authorized code flow over a real store (SQLite and PostgreSQL), with
a controlled clock: the happy path delivers the credential bound to the proof's key, and
each refusal carries the spec's error code (issue 11 section 1)."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.integration.test_issuer import Desk
from vcissue.dids import did_jwk
from vcissue.errors import WalletError
from vcissue.jose import b64url_encode, sign_jws
from vcissue.keys import PublicKey, did_key_verification_method
from vcissue.store import Store
from vcissue.verify import Verdict
from vcissue.wallet import PRE_AUTHORIZED_GRANT, Openid4vci, WalletSettings

URL = "https://certs.example"


class Wallet:
    """A holder's key and the requests a wallet sends."""

    def __init__(self, seed: int = 1) -> None:
        self.key = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
        self.public = PublicKey(self.key.public_key().public_bytes_raw())
        self.kid = did_key_verification_method(self.public)
        self.did = self.kid.split("#")[0]

    def proof(self, nonce: str, iat: float, *, aud: str = URL, **header: Any) -> str:
        head = {"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "kid": self.kid, **header}
        return sign_jws(head, {"aud": aud, "iat": int(iat), "nonce": nonce}, self.key)


@pytest.fixture
def desk(store: Store, tmp_path: Path) -> Desk:
    return Desk(store, tmp_path)


@pytest.fixture
def oid(desk: Desk) -> Openid4vci:
    return Openid4vci(desk.issuer, WalletSettings(URL), rng=random.Random(7))


def _code(offer: Any) -> str:
    return str(offer.credential_offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"])


def _error(call: Any) -> tuple[str, int]:
    with pytest.raises(WalletError) as caught:
        call()
    return caught.value.error, caught.value.status


def _token(oid: Openid4vci, offer: Any, tx_code: str | None = None) -> str:
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": _code(offer)}
    form["tx_code"] = offer.tx_code if tx_code is None else tx_code
    return str(oid.token(form)["access_token"])


def _request(oid: Openid4vci, desk: Desk, wallet: Wallet, offer: Any, **kw: Any) -> dict[str, Any]:
    nonce = kw.pop("nonce", None) or oid.nonce()["c_nonce"]
    jwt = kw.pop("jwt", None) or wallet.proof(nonce, desk.clock.at.timestamp())
    configuration = offer.credential_offer["credential_configuration_ids"][0]
    return {"credential_configuration_id": configuration, "proofs": {"jwt": [jwt]}, **kw}


def test_the_pre_authorized_flow_delivers_a_bound_credential(desk: Desk, oid: Openid4vci) -> None:
    issued = desk.issuer.issue(desk.award(), by=desk.alice).credential
    offer = oid.offer(issued["id"], actor="op")
    assert offer.credential_offer["credential_configuration_ids"] == ["ecomentor-certificate"]
    assert offer.deep_link.startswith("openid-credential-offer://?credential_offer_uri=https")
    assert len(offer.tx_code) == 6 and offer.tx_code.isdigit()
    by_reference = oid.credential_offer(offer.credential_offer_uri.rsplit("/", 1)[1])
    assert _code(offer) == by_reference["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]

    wallet = Wallet()
    token = _token(oid, offer)
    answer = oid.credential(f"Bearer {token}", _request(oid, desk, wallet, offer))
    vc = answer["credentials"][0]["credential"]
    assert vc["id"] == issued["id"] and vc["credentialSubject"]["id"] == wallet.did
    assert vc["credentialStatus"] == issued["credentialStatus"]
    assert desk.verify(vc).verdict is Verdict.VALID
    assert desk.issuer.get(issued["id"]).holder_id == wallet.did
    actions = desk.actions()
    assert actions == ["issue", "wallet-offer", "deliver"]
    assert desk.log()[-1].details["via"] == "oid4vci"
    metadata = oid.metadata()
    configuration = metadata["credential_configurations_supported"]["ecomentor-certificate"]
    assert configuration["format"] == "ldp_vc" and "display" in configuration["credential_metadata"]
    assert set(metadata["credential_configurations_supported"]) == {
        "ecomentor-certificate",
        "ecomentor-unit-credential",
    }

    # replayed pre-authorized code, replayed access token
    assert _error(lambda: _token(oid, offer)) == ("invalid_grant", 400)
    assert _error(
        lambda: oid.credential(f"Bearer {token}", _request(oid, desk, wallet, offer))
    ) == ("invalid_token", 401)


def test_wrong_tx_codes_lock_the_offer(desk: Desk, oid: Openid4vci) -> None:
    issued = desk.issuer.issue(desk.award(), by=desk.alice).credential
    offer = oid.offer(issued["id"], actor="op")
    wrong = "000000" if offer.tx_code != "000000" else "111111"
    for _ in range(3):
        assert _error(lambda: _token(oid, offer, wrong)) == ("invalid_grant", 400)
    # the right code no longer helps: the offer is dead
    with pytest.raises(WalletError, match="already used \\(dead\\)"):
        _token(oid, offer)
    assert desk.actions().count("wallet-tx-code-refused") == 3


def test_an_expired_offer_and_an_expired_token(desk: Desk, oid: Openid4vci) -> None:
    issued = desk.issuer.issue(desk.award(), by=desk.alice).credential
    offer = oid.offer(issued["id"], actor="op")
    desk.clock.at += timedelta(minutes=16)
    with pytest.raises(WalletError, match="expired"):
        _token(oid, offer)
    offer = oid.offer(issued["id"], actor="op")
    token = _token(oid, offer)
    request = _request(oid, desk, Wallet(), offer)
    desk.clock.at += timedelta(minutes=6)
    assert _error(lambda: oid.credential(f"Bearer {token}", request)) == ("invalid_token", 401)


def test_key_proof_refusals(desk: Desk, oid: Openid4vci) -> None:
    issued = desk.issuer.issue(desk.award(), by=desk.alice).credential
    offer = oid.offer(issued["id"], actor="op")
    token = f"Bearer {_token(oid, offer)}"
    wallet, other = Wallet(1), Wallet(2)
    now = desk.clock.at.timestamp()

    def refused(**kw: Any) -> tuple[str, int]:
        return _error(lambda: oid.credential(token, _request(oid, desk, wallet, offer, **kw)))

    # signed by another key than its kid
    forged = sign_jws(
        {"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "kid": wallet.kid},
        {"aud": URL, "iat": int(now), "nonce": oid.nonce()["c_nonce"]},
        other.key,
    )
    assert refused(jwt=forged) == ("invalid_proof", 400)
    assert refused(jwt=wallet.proof(oid.nonce()["c_nonce"], now, aud="https://evil.example")) == (
        "invalid_proof",
        400,
    )
    assert refused(jwt=wallet.proof(oid.nonce()["c_nonce"], now, typ="JWT")) == (
        "invalid_proof",
        400,
    )
    assert refused(jwt=wallet.proof("never-issued", now)) == ("invalid_nonce", 400)
    assert refused(jwt=wallet.proof(oid.nonce()["c_nonce"], now - 3600)) == ("invalid_nonce", 400)
    assert refused(credential_configuration_id="ecomentor-unit-credential") == (
        "unknown_credential_configuration",
        400,
    )
    # a nonce is single use: the second request with it is refused, the first delivered
    nonce = oid.nonce()["c_nonce"]
    first = oid.credential(token, _request(oid, desk, wallet, offer, nonce=nonce))
    assert first["credentials"][0]["credential"]["credentialSubject"]["id"] == wallet.did
    second = oid.offer(issued["id"], actor="op")
    token = f"Bearer {_token(oid, second)}"
    assert refused(nonce=nonce) == ("invalid_nonce", 400)
    assert desk.actions().count("deliver") == 1


def test_a_jwk_proof_binds_a_did_jwk_es256_too(desk: Desk, oid: Openid4vci) -> None:
    issued = desk.issuer.issue(desk.award(), by=desk.alice).credential
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }
    offer = oid.offer(issued["id"], actor="op")
    token = _token(oid, offer)
    jwt = sign_jws(
        {"alg": "ES256", "typ": "openid4vci-proof+jwt", "jwk": jwk},
        {"aud": URL, "iat": int(desk.clock.at.timestamp()), "nonce": oid.nonce()["c_nonce"]},
        key,
    )
    answer = oid.credential(f"Bearer {token}", _request(oid, desk, Wallet(), offer, jwt=jwt))
    vc = answer["credentials"][0]["credential"]
    assert vc["credentialSubject"]["id"] == did_jwk(jwk)
    assert json.loads(desk.issuer.get(issued["id"]).signed_json) == vc
