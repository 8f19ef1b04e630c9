"""The offline page and ``vcissue verify --bundle`` judge a certificate the same way.

Both read the same bundle: its trust list, its status snapshots and its maximum snapshot
age. For every kind of certificate and every kind of snapshot (fresh, 10 days old, 40 days
old against a 30-day maximum, a list past its own ``validUntil``), the page in real
Chromium (network blocked) and the Python verifier must give the same verdict; a
difference fails, whichever side is wrong.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.page_driver import by_name, run_checked
from tests.browser.scenarios import (
    INDEX,
    REVOCATION_URL,
    REVOKED,
    SUSPENDED,
    SUSPENSION_URL,
    World,
)
from tests.browser.test_verifier_page import verdict_cases
from tests.cli import vcissue
from tests.factories import AWARDED
from vcissue import proofs
from vcissue.keys import KeyRecord, SigningKey
from vcissue.status import Bitstring, status_list_credential
from vcissue.system import system_random
from vcissue.webapp.bundle import write_bundle

pytestmark = pytest.mark.usefixtures("browser_stack")


def expired_lists(world: World) -> list[dict[str, Any]]:
    """Both lists signed with a validUntil an hour ago (their publisher stopped renewing)."""
    lists = []
    for url, purpose, bits_set in (
        (REVOCATION_URL, "revocation", REVOKED),
        (SUSPENSION_URL, "suspension", SUSPENDED),
    ):
        bits = Bitstring()
        for index in bits_set:
            bits.set(index, True)
        unsigned = status_list_credential(
            url,
            purpose,
            bits,
            issuer=world.body.did,
            valid_from=world.now - timedelta(days=3),
            valid_until=world.now - timedelta(hours=1),
        )
        lists.append(proofs.sign(unsigned, world.body.key, created=world.now - timedelta(days=3)))
    return lists


def snapshots(world: World) -> dict[str, tuple[timedelta, list[dict[str, Any]]]]:
    """name -> (snapshot age, lists) for the bundles compared."""
    return {
        "fresh": (timedelta(hours=1), world.status_lists()),
        "ten-days": (timedelta(days=10), world.status_lists()),
        "forty-days": (timedelta(days=40), world.status_lists()),
        "list-expired": (timedelta(hours=2), expired_lists(world)),
    }


def cases(world: World) -> dict[str, dict[str, Any]]:
    found = {name: vc for name, (_, vc) in verdict_cases(world).items()}
    found["unknown-list"] = world.certificate_with_unknown_list()
    found["not-yet-valid"] = world.certificate_not_yet_valid()
    found["revoked-and-suspended"] = world.certificate("revoked_and_suspended")
    assert INDEX["revoked_and_suspended"] in REVOKED
    return found


def python_verdict(credential: Path, page: Path) -> str:
    ran = vcissue("verify", str(credential), "--bundle", str(page), "--json", cwd=page.parent)
    assert ran.returncode in (0, 1, 4), ran.stderr
    verdict: str = json.loads(ran.stdout)["verdict"]
    return verdict


@pytest.mark.parametrize("snapshot", ["fresh", "ten-days", "forty-days", "list-expired"])
def test_page_and_python_agree_on_every_certificate(
    snapshot: str, world: World, artefacts: Path, tmp_path: Path
) -> None:
    age, lists = snapshots(world)[snapshot]
    page = tmp_path / "verifier.html"
    write_bundle(
        page, world.body.trust, lists, snapshot_time=world.now - age, max_snapshot_age_days=30
    )
    certificates = cases(world)
    steps = [
        {"name": name, "action": "paste", "text": json.dumps(vc)}
        for name, vc in certificates.items()
    ]
    result = by_name(
        run_checked(f"parity-{snapshot}", page, steps, artefacts, tmp_path / "job", offline=True)
    )
    verdicts = {}
    for name, vc in certificates.items():
        credential = tmp_path / f"{name}.json"
        credential.write_text(json.dumps(vc), "utf-8")
        verdicts[name] = (result[name]["verdict"], python_verdict(credential, page))
    disagreements = {name: pair for name, pair in verdicts.items() if pair[0] != pair[1]}
    assert disagreements == {}, disagreements
    # and the snapshot's age decided what it should (the comparison alone could pass if
    # both sides ignored the age)
    expected_valid = "STATUS_UNKNOWN" if snapshot in ("forty-days", "list-expired") else "VALID"
    assert verdicts["valid-rdfc"][0] == expected_valid
    assert verdicts["forged-rdfc"][0] == "FORGED"


def test_page_and_python_agree_on_retired_and_compromised_keys(
    world: World, artefacts: Path, tmp_path: Path
) -> None:
    """Key windows in the trust list's DID document: key-1 retired (``expires``), key-2
    active, key-3 revoked as compromised. A proof by key-1 inside its window stays VALID,
    one made after it is NOT TRUSTED, anything by key-3 is NOT TRUSTED; both sides agree."""
    retired_at = world.now - timedelta(days=20)
    did = world.body.did
    keys = {n: SigningKey.generate(f"{did}#key-{n}", rng=system_random) for n in (1, 2, 3)}
    world.body.key = keys[2]  # the status lists are signed by the active key
    world.body.records = [
        KeyRecord("key-1", keys[1].public.multibase, AWARDED - timedelta(days=400), retired_at),
        KeyRecord("key-2", keys[2].public.multibase, retired_at),
        KeyRecord(
            "key-3", keys[3].public.multibase, AWARDED, revoked_at=world.now - timedelta(days=5)
        ),
    ]
    document = world.body.did_document
    assert any("expires" in m for m in document["verificationMethod"])
    assert any("revoked" in m for m in document["verificationMethod"])

    def signed_by(n: int, created: datetime) -> dict[str, Any]:
        vc = world.certificate("valid")
        del vc["proof"]
        return proofs.sign(vc, keys[n], created=created)

    certificates = {
        "retired-key-inside-its-window": signed_by(1, retired_at - timedelta(days=30)),
        "retired-key-after-retirement": signed_by(1, retired_at + timedelta(days=1)),
        "active-key": signed_by(2, retired_at + timedelta(days=1)),
        "compromised-key": signed_by(3, world.now - timedelta(days=30)),
    }
    page = tmp_path / "verifier.html"
    write_bundle(page, world.body.trust, world.status_lists(),
                 snapshot_time=world.now - timedelta(hours=1))  # fmt: skip
    steps = [
        {"name": name, "action": "paste", "text": json.dumps(vc)}
        for name, vc in certificates.items()
    ]
    result = by_name(run_checked("parity-keys", page, steps, artefacts, tmp_path / "job",
                                 offline=True))  # fmt: skip
    verdicts = {}
    for name, vc in certificates.items():
        credential = tmp_path / f"{name}.json"
        credential.write_text(json.dumps(vc), "utf-8")
        verdicts[name] = (result[name]["verdict"], python_verdict(credential, page))
    assert verdicts == {
        "retired-key-inside-its-window": ("VALID", "VALID"),
        "retired-key-after-retirement": ("NOT_TRUSTED", "NOT_TRUSTED"),
        "active-key": ("VALID", "VALID"),
        "compromised-key": ("NOT_TRUSTED", "NOT_TRUSTED"),
    }
    assert "after its retirement" in result["retired-key-after-retirement"]["items"][0]
    assert "revoked as compromised" in result["compromised-key"]["items"][0]
