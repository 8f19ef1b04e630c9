"""Issue 12 section 3, awarding bodies, over a real store (SQLite, and PostgreSQL when
configured): one deployment holds its own body (EcoMentor) and KCS ([bodies.kcs]); each
qualification's credentials are issued under its body's did:web identity, signed by its
body's key, on its body's own status lists, and verify against a trust list of both."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.factories import EXAMPLES, ecomentor
from tests.integration.conftest import Backend
from tests.integration.test_issuer import START, Clock, staff
from tests.integration.test_scheme_rules import org
from tests.receivers import smtp_server
from vcissue import proofs
from vcissue.credential import IssuerProfile
from vcissue.errors import PolicyError, SettingsError
from vcissue.issuer import Issuer
from vcissue.keys import SigningKey
from vcissue.keystore import KeyStore, read_key_file
from vcissue.model import Award, Holder, load_qualification, qualification_to_dict
from vcissue.notify.config import NotifySettings, Smtp
from vcissue.settings import Settings, load_settings
from vcissue.status import Bitstring, read_status_list_credential
from vcissue.store import Store
from vcissue.store.migrations import POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS
from vcissue.store.records import StatusListRecord
from vcissue.verify import TrustList, Verdict, verify_credential
from vcissue.wiring import build_issuer, build_worker, deployment_trust

PASS = b"bodies"
BASE = "https://certs.example/status-lists"
EM_DID = "did:web:certs.example"
KCS_DID = "did:web:certs.example:bodies:kcs"


def kcs_file(directory: Path, body: str = "kcs") -> Path:
    """The shipped KCS Level 1 scheme, awarded by the body ``body``."""
    data = qualification_to_dict(load_qualification(EXAMPLES / "kcs" / "level1.json"))
    path = directory / f"kcs-level1-{body}.json"
    path.write_text(json.dumps({**data, "body": body}), "utf-8")
    return path


class Site:
    """A deployment of two bodies over ``store``, built as every face builds one."""

    def __init__(self, store: Store, tmp: Path, at: datetime = START) -> None:
        self.tmp = tmp
        KeyStore(tmp / "keys").generate(
            PASS, now=START, name="EcoMentor Certification Body", did=EM_DID
        )
        KeyStore(tmp / "keys-kcs").generate(
            PASS, now=START, name="Keeping Children Safe", did=KCS_DID
        )
        self.settings = Settings(
            keys_dir=tmp / "keys",
            bodies={"kcs": tmp / "keys-kcs"},
            status_base_url=BASE,
            publish_dir=tmp / "public",
            qualification_files=(EXAMPLES / "ecomentor" / "qualification.json", kcs_file(tmp)),
            revocation_approvers=1,
        )
        self.clock = Clock(at)
        self.issuer: Issuer = build_issuer(
            self.settings, PASS, clock=self.clock, rng=random.Random(7), store=store
        )
        self.alice, self.op, _, _ = staff(store)

    def published(self, url: str) -> Any:
        return json.loads((self.tmp / "public" / url.removeprefix(BASE + "/")).read_text())

    def verdict(self, vc: dict[str, Any], trust: TrustList | None = None) -> Verdict:
        return verify_credential(
            vc,
            trust=trust or deployment_trust(self.settings),
            now=self.clock.at,
            status_lists=self.published,
        ).verdict

    def bits(self, url: str) -> Bitstring:
        return read_status_list_credential(self.published(url)).bitstring


def test_each_qualification_is_issued_by_its_own_body(store: Store, tmp_path: Path) -> None:
    site = Site(store, tmp_path)
    em = site.issuer.issue(Award(Holder("Ana Novak"), ecomentor(), awarded=START), by=site.alice)
    kcs_q = site.issuer.qualification("kcs-level1")
    kcs = site.issuer.issue(Award(org("Children First"), kcs_q, awarded=START), by=site.alice)
    em_vc, kcs_vc = em.credential, kcs.credential

    assert em_vc["issuer"]["id"] == EM_DID and kcs_vc["issuer"]["id"] == KCS_DID
    assert em_vc["issuer"]["name"] == "EcoMentor Certification Body"
    assert kcs_vc["issuer"]["name"] == "Keeping Children Safe"
    assert em_vc["proof"]["verificationMethod"] == f"{EM_DID}#key-1"
    assert kcs_vc["proof"]["verificationMethod"] == f"{KCS_DID}#key-1"
    em_lists = {entry["statusListCredential"] for entry in em_vc["credentialStatus"]}
    kcs_lists = {entry["statusListCredential"] for entry in kcs_vc["credentialStatus"]}
    assert em_lists == {f"{BASE}/revocation-1", f"{BASE}/suspension-1"}
    assert kcs_lists == {f"{BASE}/kcs-revocation-1", f"{BASE}/kcs-suspension-1"}
    # each list is signed by its own body, as published and as stored
    for url, did in [*((u, EM_DID) for u in em_lists), *((u, KCS_DID) for u in kcs_lists)]:
        document = site.published(url)
        assert document["issuer"] == did
        assert document["proof"]["verificationMethod"] == f"{did}#key-1"
    assert {(r.id.removeprefix(BASE + "/"), r.body) for r in site.issuer.status_lists()} == {
        ("revocation-1", "default"),
        ("suspension-1", "default"),
        ("kcs-revocation-1", "kcs"),
        ("kcs-suspension-1", "kcs"),
    }
    assert site.verdict(em_vc) is Verdict.VALID
    assert site.verdict(kcs_vc) is Verdict.VALID
    assert site.issuer.public_status(kcs.record.id).awarding_body == "Keeping Children Safe"

    # a trust list of EcoMentor alone does not vouch for KCS
    only_em = TrustList.of(KeyStore(tmp_path / "keys").trusted_issuer())
    assert site.verdict(kcs_vc, only_em) is Verdict.NOT_TRUSTED
    # a KCS credential signed with EcoMentor's key: KCS does not control that key
    em_key = read_key_file(tmp_path / "keys" / "key-1.pem", PASS, f"{EM_DID}#key-1")
    unsigned = {k: v for k, v in kcs_vc.items() if k != "proof"}
    by_em = proofs.sign(unsigned, em_key, created=START)
    result = verify_credential(by_em, trust=deployment_trust(site.settings), now=site.clock.at)
    # trusted key, wrong body: the verifier calls a key its named issuer does not control
    # FORGED (issuer.binding), as the page does
    assert result.verdict is Verdict.FORGED
    assert "is not the controller" in result.check("issuer.binding").message

    # revoking the KCS credential flips a bit in the KCS list only
    index = int(
        next(e for e in kcs_vc["credentialStatus"] if e["statusPurpose"] == "revocation")[
            "statusListIndex"
        ]
    )
    before = {url: site.bits(url).to_bytes() for url in em_lists}
    site.clock.at = START + timedelta(hours=1)
    site.issuer.revoke(kcs.record.id, reason="safeguarding failure", by=site.op)
    assert site.bits(f"{BASE}/kcs-revocation-1").get(index) is True
    assert {url: site.bits(url).to_bytes() for url in em_lists} == before
    assert site.published(f"{BASE}/kcs-revocation-1")["issuer"] == KCS_DID
    assert site.verdict(kcs_vc) is Verdict.REVOKED
    assert site.verdict(em_vc) is Verdict.VALID

    # the audit log is one, its checkpoint signed by the deployment's own body; every
    # list checks out as its body's
    check = site.issuer.audit_check(trust=deployment_trust(site.settings))
    assert check.intact, check.problems
    assert site.issuer.checkpoint().log == EM_DID


def test_a_list_signed_by_the_wrong_body_is_an_audit_problem(store: Store, tmp_path: Path) -> None:
    site = Site(store, tmp_path)
    kcs_q = site.issuer.qualification("kcs-level1")
    site.issuer.issue(Award(org("Children First"), kcs_q, awarded=START), by=site.alice)
    url = f"{BASE}/kcs-revocation-1"
    record = site.issuer.status_list(url)
    assert record is not None
    forged = site.issuer._sign_list(
        url, "revocation", Bitstring.from_bytes(record.bits, min_bits=1), START, "default"
    )
    (tmp_path / "public" / "kcs-revocation-1").write_text(forged)
    check = site.issuer.audit_check(
        trust=deployment_trust(site.settings),
        published=lambda u: site.published(u),
    )
    assert any("not signed by its body 'kcs'" in p for p in check.problems), check.problems


def test_a_rotation_of_one_body_leaves_the_other_alone(store: Store, tmp_path: Path) -> None:
    site = Site(store, tmp_path)
    kcs_keys = KeyStore(tmp_path / "keys-kcs")
    kcs_keys.rotate(PASS, now=START + timedelta(minutes=5))
    site.clock.at = START + timedelta(minutes=10)
    kcs_q = site.issuer.qualification("kcs-level1")
    kcs = site.issuer.issue(Award(org("Children First"), kcs_q, awarded=START), by=site.alice)
    em = site.issuer.issue(Award(Holder("Ana Novak"), ecomentor(), awarded=START), by=site.alice)
    assert kcs.credential["proof"]["verificationMethod"] == f"{KCS_DID}#key-2"
    assert em.credential["proof"]["verificationMethod"] == f"{EM_DID}#key-1"
    assert site.verdict(kcs.credential) is Verdict.VALID


def test_an_unknown_body_is_refused_when_the_qualifications_load(tmp_path: Path) -> None:
    settings = Settings(qualification_files=(kcs_file(tmp_path, "nobody"),))
    with pytest.raises(SettingsError, match=r"awarding body .nobody.*\[bodies.nobody\]"):
        settings.qualifications()
    with pytest.raises(PolicyError, match="does not hold"):
        Issuer(
            None,  # type: ignore[arg-type]  # refused before the store is used
            None,
            IssuerProfile(EM_DID, "EM"),
            [load_qualification(kcs_file(tmp_path, "nobody"))],
            Settings().issuer_settings(),
            clock=Clock(),
            rng=random.Random(1),
            publisher=None,  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[bodies.kcs]\ndir = "keys-kcs"\ncolour = "red"\n', "unknown keys in \\[bodies.kcs\\]"),
        ("[bodies.kcs]\n", "needs dir"),
        ('[bodies.default]\ndir = "k"\n', "the body of \\[keys\\]"),
        ('[bodies.KCS]\ndir = "k"\n', "a body id is"),
        ('[bodies]\nkcs = "k"\n', "is a table"),
    ],
)
def test_bodies_settings_are_checked(tmp_path: Path, table: str, message: str) -> None:
    config = tmp_path / "vcissue.toml"
    config.write_text(table, "utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(config, env={})


def test_bodies_settings_are_read(tmp_path: Path) -> None:
    config = tmp_path / "vcissue.toml"
    config.write_text('[keys]\ndir = "keys"\n[bodies.kcs]\ndir = "keys-kcs"\n', "utf-8")
    settings = load_settings(config, env={})
    assert settings.body_key_dirs() == {"default": tmp_path / "keys", "kcs": tmp_path / "keys-kcs"}


def test_existing_lists_belong_to_the_deployments_own_body(backend: Backend) -> None:
    """The awarding-bodies migration on a store that already holds a list: the row gets
    body 'default', and each body then has its own open list of a purpose."""
    known = SQLITE_MIGRATIONS if backend.name == "sqlite" else POSTGRES_MIGRATIONS
    bodies = next(i for i, m in enumerate(known) if m.name.startswith("awarding bodies"))
    old = backend.open_with(known[:bodies])  # the schema before the body column
    backend.raw(
        "INSERT INTO status_lists (id, purpose, size, bits, version, is_full, created_at) "
        "VALUES ('https://x/revocation-1', 'revocation', 8, ?, 0, ?, ?)",
        (b"\x00", False if backend.name != "sqlite" else 0, START.strftime("%Y-%m-%dT%H:%M:%SZ")),
    )
    old.close()
    store = backend.open()
    rows = store.read(lambda tx: tx.lists())
    assert [(r.id, r.body) for r in rows] == [("https://x/revocation-1", "default")]
    kcs_list = StatusListRecord(
        "https://x/kcs-revocation-1", "revocation", 8, b"\x00", 0, False, None, None, START, "kcs"
    )
    store.run(lambda tx: tx.create_list(kcs_list))
    opened = store.read(
        lambda tx: (
            tx.open_list("revocation", for_update=False),
            tx.open_list("revocation", body="kcs", for_update=False),
        )
    )
    assert [r.id if r else None for r in opened] == [
        "https://x/revocation-1",
        "https://x/kcs-revocation-1",
    ]


def test_a_compromise_of_one_body_re_signs_with_that_bodys_key(
    store: Store, tmp_path: Path
) -> None:
    site = Site(store, tmp_path)
    kcs_q = site.issuer.qualification("kcs-level1")
    kcs = site.issuer.issue(Award(org("Children First"), kcs_q, awarded=START), by=site.alice)
    em = site.issuer.issue(Award(Holder("Ana Novak"), ecomentor(), awarded=START), by=site.alice)
    site.clock.at = START + timedelta(days=2)
    KeyStore(tmp_path / "keys-kcs").compromise(
        "key-1", PASS, since=START + timedelta(days=1), now=site.clock.at
    )
    report = site.issuer.resign(f"{KCS_DID}#key-1", actor=site.op.id, reason="KCS laptop stolen")
    assert report.credentials == (kcs.record.id,)
    assert sorted(report.lists) == [f"{BASE}/kcs-revocation-1", f"{BASE}/kcs-suspension-1"]
    fresh = json.loads(site.issuer.get(kcs.record.id).signed_json)
    assert fresh["proof"]["verificationMethod"] == f"{KCS_DID}#key-2"
    assert site.published(f"{BASE}/kcs-revocation-1")["proof"]["verificationMethod"] == (
        f"{KCS_DID}#key-2"
    )
    assert site.issuer.get(em.record.id).signed_json == em.record.signed_json  # untouched
    assert site.verdict(fresh) is Verdict.VALID
    assert site.verdict(kcs.credential) is Verdict.NOT_TRUSTED  # the old copy
    assert site.verdict(em.credential) is Verdict.VALID


def test_notices_are_signed_off_by_the_awarding_body(store: Store, tmp_path: Path) -> None:
    """The e-mail about a KCS certificate comes from KCS, not from the deployment's own
    body (the worker as `vcissue worker` builds it, a real SMTP server on loopback)."""
    site = Site(store, tmp_path)
    kcs_q = site.issuer.qualification("kcs-level1")
    holder = Holder("Children First", kind="organisation", email="office@children.example")
    site.issuer.issue(Award(holder, kcs_q, awarded=START), by=site.alice)
    em_holder = Holder("Ana Novak", email="ana@example.org")
    site.issuer.issue(Award(em_holder, ecomentor(), awarded=START), by=site.alice)
    with smtp_server() as box:
        notify = NotifySettings(
            sender="Certificates <certificates@certs.example>",
            smtp=Smtp("127.0.0.1", box.port, timeout=10),
        )
        worker = build_worker(
            replace(site.settings, notify=notify),
            site.issuer,
            clock=site.clock,
            rng=random.Random(3),
        )
        assert worker.run_once().delivery.sent == 2
    signed_off = {
        to[0]: message.get_content().rstrip().splitlines()[-1] for to, message in box.messages
    }
    assert signed_off == {
        "office@children.example": "Keeping Children Safe",
        "ana@example.org": "EcoMentor Certification Body",
    }


def test_delivery_and_renewal_keep_each_body_s_identity(store: Store, tmp_path: Path) -> None:
    """A KCS credential bound to a wallet's DID is re-signed by KCS; renewing lists re-signs
    each with its own body's key."""
    site = Site(store, tmp_path)
    kcs_q = site.issuer.qualification("kcs-level1")
    kcs = site.issuer.issue(Award(org("Children First"), kcs_q, awarded=START), by=site.alice)
    site.issuer.issue(Award(Holder("Ana Novak"), ecomentor(), awarded=START), by=site.alice)
    wallet = SigningKey.generate(rng=random.Random(5))
    bound = json.loads(
        site.issuer.deliver(
            kcs.record.id, wallet.controller, actor="wallet", via="test"
        ).signed_json
    )
    assert bound["credentialSubject"]["id"] == wallet.controller
    assert bound["issuer"]["id"] == KCS_DID
    assert bound["proof"]["verificationMethod"] == f"{KCS_DID}#key-1"
    assert site.verdict(bound) is Verdict.VALID

    site.clock.at = START + timedelta(days=20)  # past half of the lists' 30 days
    assert site.issuer.publish() == 4
    for name, did in (("kcs-revocation-1", KCS_DID), ("suspension-1", EM_DID)):
        renewed = site.published(f"{BASE}/{name}")
        assert renewed["validFrom"].startswith("2026-03-22")
        assert renewed["issuer"] == did and renewed["proof"]["verificationMethod"] == f"{did}#key-1"
    assert site.verdict(bound) is Verdict.VALID
