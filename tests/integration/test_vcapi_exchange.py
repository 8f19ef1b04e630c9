"""VC-API exchanges over a real store (SQLite and PostgreSQL) with a controlled clock: the
DID authentication gets the credential bound to its signer, once; each refusal is typed."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest

from tests.integration.test_issuer import Desk
from vcissue.errors import WalletError
from vcissue.holder import create_presentation
from vcissue.keys import SigningKey
from vcissue.store import Store
from vcissue.verify import Verdict
from vcissue.wallet import WalletSettings
from vcissue.wallet.holder_page import HolderLinks
from vcissue.wallet.vcapi import Exchanges


@pytest.fixture
def desk(store: Store, tmp_path: Path) -> Desk:
    return Desk(store, tmp_path)


def _error(call: object) -> tuple[str, int]:
    with pytest.raises(WalletError) as caught:
        call()  # type: ignore[operator]
    return caught.value.error, caught.value.status


def test_exchange_binds_once_and_refuses_the_rest(desk: Desk) -> None:
    exchanges = Exchanges(
        desk.issuer, WalletSettings("https://certs.example"), rng=random.Random(3)
    )
    issued = desk.issuer.issue(desk.award(), by=desk.alice).credential
    made = exchanges.create(issued["id"], actor="op")
    exchange_id = made.exchange_url.rsplit("/", 1)[1]
    request = exchanges.step(exchange_id, {})["verifiablePresentationRequest"]
    assert request["domain"] == "https://certs.example"
    holder = SigningKey(bytes(range(5, 37)))
    did_auth = create_presentation(
        [], holder, challenge=request["challenge"], domain=request["domain"],
        created=desk.clock.at,
    )  # fmt: skip

    # a presentation for another exchange (its challenge) is refused
    other = exchanges.create(issued["id"], actor="op").exchange_url.rsplit("/", 1)[1]
    assert _error(lambda: exchanges.step(other, {"verifiablePresentation": did_auth})) == (
        "invalid-presentation",
        400,
    )
    # a tampered one too
    forged = {**did_auth, "holder": SigningKey(bytes(32)).controller}
    assert _error(lambda: exchanges.step(exchange_id, {"verifiablePresentation": forged}))[0] == (
        "invalid-presentation"
    )

    answer = exchanges.step(exchange_id, {"verifiablePresentation": did_auth})
    vc = answer["verifiablePresentation"]["verifiableCredential"][0]
    assert vc["id"] == issued["id"] and vc["credentialSubject"]["id"] == holder.controller
    assert desk.verify(vc).verdict is Verdict.VALID
    # the challenge is spent: the same DID authentication again is refused
    assert _error(lambda: exchanges.step(exchange_id, {"verifiablePresentation": did_auth})) == (
        "exchange-complete",
        409,
    )
    assert _error(lambda: exchanges.step("unknown", {})) == ("unknown-exchange", 404)
    desk.clock.at += timedelta(minutes=16)
    assert _error(lambda: exchanges.step(other, {}))[0] == "exchange-expired"
    assert desk.actions().count("deliver") == 1


def test_holder_links_expire_and_revoke(desk: Desk) -> None:
    links = HolderLinks(desk.issuer, WalletSettings("https://certs.example"), rng=random.Random(5))
    issued = desk.issuer.issue(desk.award(), by=desk.alice).credential
    first = links.create(issued["id"], actor="op")
    token = first.url.rsplit("/", 1)[1]
    assert links.resolve(token).id == issued["id"]
    assert _error(lambda: links.resolve(token[:-2] + ("yy" if token.endswith("xx") else "xx"))) == (
        "unknown-link",
        404,
    )
    desk.clock.at += timedelta(days=91)
    assert _error(lambda: links.resolve(token)) == ("unknown-link", 404)
    second = links.create(issued["id"], actor="op").url.rsplit("/", 1)[1]
    assert links.revoke(issued["id"], actor="op") == 1  # the expired one is not counted
    assert _error(lambda: links.resolve(second)) == ("unknown-link", 404)
    assert desk.actions().count("holder-link") == 2
