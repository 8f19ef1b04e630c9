"""Issue 12 section 4, the key-compromise drill over a real store (SQLite, and PostgreSQL
when configured): after ``KeyStore.compromise`` and ``Issuer.resign``

1. every credential the store recorded as signed by the key verifies again in its
   re-signed form (same content, a new proof by the active key), status lists included;
2. the old copies of those credentials fail as untrusted;
3. anything else signed with the key, which the store never recorded, fails as untrusted.

A credential the retired key signs after a plain rotation fails too (its window)."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.factories import ecomentor
from tests.integration.test_issuer import BASE, START, Clock, policies, staff
from vcissue import proofs
from vcissue.credential import build, new_credential_id
from vcissue.files import DirectoryPublisher
from vcissue.issuer import Issuer, IssuerSettings
from vcissue.keystore import KeyStore, read_key_file
from vcissue.model import Award, Holder
from vcissue.notify.delivery import HOLDER_PAGE_KINDS
from vcissue.notify.events import event_id
from vcissue.notify.templates import render
from vcissue.store import Store
from vcissue.verify import TrustList, Verdict, verify_credential

DID = "did:web:certification.example"
PASS = b"drill"


class Deployment:
    def __init__(self, store: Store, tmp: Path) -> None:
        self.store = store
        self.keys = KeyStore(tmp / "keys")
        self.keys.generate(PASS, now=START, name="EcoMentor Certification Body", did=DID)
        self.clock = Clock()
        self.publish_dir = tmp / "published"
        self.issuer = self.desk()
        self.alice, self.op, _, _ = staff(store)

    def desk(self) -> Issuer:
        return Issuer(
            self.store,
            self.keys.signing_key(PASS, now=self.clock.at),
            self.keys.issuer_profile(),
            [ecomentor()],
            IssuerSettings(BASE, policies=policies()),
            clock=self.clock,
            rng=random.Random(self.clock.at.timestamp()),  # a new desk, new ids
            publisher=DirectoryPublisher(self.publish_dir, BASE),
        )

    def source(self, url: str) -> Any:
        return json.loads((self.publish_dir / url[len(BASE) + 1 :]).read_text())

    def verdict(self, credential: dict[str, Any]) -> tuple[Verdict, str]:
        result = verify_credential(
            credential,
            trust=TrustList.of(self.keys.trusted_issuer()),
            now=self.clock.at,
            status_lists=self.source,
        )
        return result.verdict, result.check("proof").message


def test_the_compromise_drill(store: Store, tmp_path: Path) -> None:
    site = Deployment(store, tmp_path)
    issued = [
        site.issuer.issue(Award(Holder(name), ecomentor(), awarded=START), by=site.alice)
        for name in ("Ana Novak", "Ivo Horvat")
    ]
    copies = [i.credential for i in issued]
    site.issuer.suspend(
        copies[1]["id"], reason="complaint", until=START + timedelta(days=30), by=site.op
    )
    stolen = read_key_file(tmp_path / "keys" / "key-1.pem", PASS, f"{DID}#key-1")
    unrecorded = proofs.sign(
        build(
            Award(Holder("Mallory"), ecomentor(), awarded=START),
            site.keys.issuer_profile(),
            credential_id=new_credential_id(bytes(16)),
        ),
        stolen,
        created=START,
    )
    assert site.verdict(copies[0])[0] is Verdict.VALID
    assert site.verdict(unrecorded)[0] is Verdict.VALID  # before the drill: the threat

    site.clock.at = START + timedelta(days=2)
    revoked, active = site.keys.compromise(
        "key-1", PASS, since=START + timedelta(days=1), now=site.clock.at
    )
    assert (revoked.fragment, active.fragment) == ("key-1", "key-2")
    assert site.keys.private_key_files() == ["key-2.pem"]
    report = site.desk().resign(f"{DID}#key-1", actor=site.op.id, reason="laptop stolen")
    assert sorted(report.credentials) == sorted(c["id"] for c in copies)
    assert sorted(report.lists) == [f"{BASE}/revocation-1", f"{BASE}/suspension-1"]

    # 1. the store's copies are re-signed: same content, a proof by key-2; status intact
    for old in copies:
        new = json.loads(site.issuer.get(old["id"]).signed_json)
        assert {k: v for k, v in new.items() if k != "proof"} == {
            k: v for k, v in old.items() if k != "proof"
        }
        assert new["proof"]["verificationMethod"] == f"{DID}#key-2"
    fresh = [json.loads(site.issuer.get(c["id"]).signed_json) for c in copies]
    assert site.verdict(fresh[0])[0] is Verdict.VALID
    assert site.verdict(fresh[1])[0] is Verdict.SUSPENDED
    # 2. old copies fail as untrusted, and say why
    for old in copies:
        verdict, message = site.verdict(old)
        assert verdict is Verdict.NOT_TRUSTED and "revoked as compromised" in message
    # 3. what the store never recorded fails as untrusted
    verdict, message = site.verdict(unrecorded)
    assert verdict is Verdict.NOT_TRUSTED and "revoked as compromised" in message
    actions = [e.action for e in site.issuer.audit_entries()]
    assert actions.count("re-sign") == 2 and actions[-1] == "key-compromise"
    resigned = [e for e in site.issuer.audit_entries() if e.action == "re-sign"]
    assert {e.details["key"] for e in resigned} == {f"{DID}#key-1"}
    # 4. each holder is told, by an outbox event written with its re-sign audit entry
    notices = [e for e in site.store.read(lambda tx: tx.events()) if e.kind == "re-signed"]
    assert sorted(e.credential_id for e in notices) == sorted(c["id"] for c in copies)
    assert {e.id for e in notices} == {event_id(f"audit:{e.hash}") for e in resigned}
    message = render("re-signed", notices[0].data, body_name="EMCB", language="hr", link=None)
    assert "ponovno je potpisan" in message.subject and "preuzmite novu kopiju" in message.text
    assert "re-signed" in HOLDER_PAGE_KINDS  # the holder's e-mail links to the new copy


def test_a_retired_key_used_after_rotation_is_refused(store: Store, tmp_path: Path) -> None:
    site = Deployment(store, tmp_path)
    before = site.issuer.issue(
        Award(Holder("Ana Novak"), ecomentor(), awarded=START), by=site.alice
    ).credential
    old_key = read_key_file(tmp_path / "keys" / "key-1.pem", PASS, f"{DID}#key-1")
    site.clock.at = START + timedelta(days=1)
    site.keys.rotate(PASS, now=site.clock.at)
    assert site.keys.private_key_files() == ["key-2.pem"]
    late = proofs.sign(
        build(
            Award(Holder("Mallory"), ecomentor(), awarded=site.clock.at),
            site.keys.issuer_profile(),
            credential_id=new_credential_id(bytes(16)),
        ),
        old_key,
        created=site.clock.at + timedelta(hours=1),
    )
    assert site.verdict(before)[0] is Verdict.VALID  # signed inside its window
    verdict, message = site.verdict(late)
    assert verdict is Verdict.NOT_TRUSTED and "after its retirement" in message
    after = (
        site.desk()
        .issue(Award(Holder("Ivo Horvat"), ecomentor(), awarded=site.clock.at), by=site.alice)
        .credential
    )
    assert site.verdict(after)[0] is Verdict.VALID


def test_the_holder_is_mailed_a_link_to_the_re_signed_copy(store: Store, tmp_path: Path) -> None:
    """After the drill the holder's e-mail says the certificate was signed again and links
    to the holder page, which serves the re-signed copy (SMTP on loopback)."""
    from tests.receivers import smtp_server
    from vcissue.notify.config import NotifySettings, Smtp
    from vcissue.notify.delivery import Deliverer
    from vcissue.wallet.holder_page import HOLDER_PATH, HolderLinks
    from vcissue.wallet.sessions import WalletSettings

    site = Deployment(store, tmp_path)
    holder = Holder("Ana Novak", email="ana@example.org", language="hr")
    old = site.issuer.issue(Award(holder, ecomentor(), awarded=START), by=site.alice).credential
    site.clock.at = START + timedelta(days=2)
    site.keys.compromise("key-1", PASS, since=START + timedelta(days=1), now=site.clock.at)
    desk = site.desk()
    desk.resign(f"{DID}#key-1", actor=site.op.id, reason="laptop stolen")
    links = HolderLinks(desk, WalletSettings("https://certs.example"), rng=random.Random(7))
    with smtp_server() as box:
        sender = Deliverer(
            store,
            NotifySettings(smtp=Smtp("127.0.0.1", box.port, timeout=10)),
            clock=site.clock,
            body_name="EcoMentor",
            holder_page=lambda credential: links.create(credential, actor="system:notify").url,
        )
        assert sender.run_once().sent == 2  # issued, then re-signed
        (_, mail) = box.messages[-1]
    assert mail["To"] == "ana@example.org"
    assert "ponovno je potpisan" in mail["Subject"]
    text = mail.get_content()
    link = next(word for word in text.split() if word.startswith("https://"))
    record = links.resolve(link.removeprefix(f"https://certs.example{HOLDER_PATH}/"))
    fresh = json.loads(record.signed_json)
    assert fresh["id"] == old["id"] and fresh["proof"] != old["proof"]
    assert fresh["proof"]["verificationMethod"] == f"{DID}#key-2"
    assert site.verdict(fresh)[0] is Verdict.VALID
