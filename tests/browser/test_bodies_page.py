"""Issue 12 section 3 on the offline verifier page (real Chromium): the bundle of a
deployment holding two awarding bodies trusts both; a KCS certificate issued by KCS (on
KCS's own list) and an EcoMentor one both verify VALID; a KCS certificate re-signed with
EcoMentor's key is FORGED (signed by a key its named issuer does not control)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.browser.page_driver import by_name, run_checked
from tests.browser.scenarios import offline_payload
from tests.integration.test_bodies import EM_DID, KCS_DID, PASS, Site
from tests.integration.test_scheme_rules import org
from vcissue import proofs
from vcissue.keystore import read_key_file
from vcissue.model import Award, Holder
from vcissue.store import open_store
from vcissue.webapp.bundle import write_bundle
from vcissue.wiring import deployment_trust

pytestmark = pytest.mark.usefixtures("browser_stack")


def test_the_page_verifies_each_bodys_certificate(artefacts: Path, tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}", create=True)
    try:
        site = Site(store, tmp_path, at=now - timedelta(hours=2))
        em_q, kcs_q = (site.issuer.qualification(q) for q in ("ecomentor", "kcs-level1"))
        awarded = site.clock.at
        em = site.issuer.issue(Award(Holder("Ana Novak"), em_q, awarded=awarded), by=site.alice)
        kcs = site.issuer.issue(Award(org("Children First"), kcs_q, awarded=awarded), by=site.alice)
        lists = [
            site.published(record.id)
            for record in site.issuer.status_lists()
            if record.published_json is not None
        ]
    finally:
        store.close()
    assert em.credential["issuer"]["id"] == EM_DID and kcs.credential["issuer"]["id"] == KCS_DID
    em_key = read_key_file(tmp_path / "keys" / "key-1.pem", PASS, f"{EM_DID}#key-1")
    unsigned = {k: v for k, v in kcs.credential.items() if k != "proof"}
    by_em = proofs.sign(unsigned, em_key, created=awarded)

    page = tmp_path / "verifier.html"
    write_bundle(
        page, deployment_trust(site.settings), lists, snapshot_time=now - timedelta(hours=1)
    )
    steps = [
        {"name": name, "action": "paste", "text": offline_payload(vc), "live": False}
        for name, vc in (("kcs", kcs.credential), ("em", em.credential), ("kcs-by-em", by_em))
    ]
    result = by_name(run_checked("bodies", page, steps, artefacts, tmp_path / "run"))
    assert result["kcs"]["verdict"] == "VALID", result["kcs"]
    assert result["em"]["verdict"] == "VALID", result["em"]
    # EcoMentor's key is trusted, but KCS does not control it: as in Python, FORGED
    resigned = result["kcs-by-em"]
    assert resigned["verdict"] == "FORGED", resigned
    assert any("not the issuer it names" in item for item in resigned["items"]), resigned
