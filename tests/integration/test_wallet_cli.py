"""``vcissue verify-presentation``: a holder's presentation of a certificate bound to its
DID, verified from the command line against the challenge and domain asked for."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.cli import staff_key, vcissue
from tests.integration.test_cli import init
from tests.qrscan import scan_file
from vcissue.holder import create_presentation
from vcissue.keys import SigningKey

HOLDER = SigningKey(bytes(range(7, 39)))


def test_verify_presentation_exit_codes(tmp_path: Path) -> None:
    init(tmp_path)
    key = staff_key(tmp_path, "registrar", "issuer")
    issued = vcissue(
        "issue",
        "--qualification",
        "ecomentor",
        "--holder-name",
        "Ana",
        "--holder-id",
        HOLDER.controller,
        "-o",
        "ana.json",
        cwd=tmp_path,
        env={"VCISSUE_API_KEY": key},
    )
    assert issued.returncode == 0, issued.stderr
    assert (
        vcissue("keys", "trust-list", "--dir", "keys", "-o", "trust.json", cwd=tmp_path).returncode
        == 0
    )
    credential = json.loads((tmp_path / "ana.json").read_text())
    vp = create_presentation(
        [credential], HOLDER, challenge="c-1", domain="hr.example", created=datetime.now(UTC)
    )
    (tmp_path / "vp.json").write_text(json.dumps(vp))
    base = ("verify-presentation", "vp.json", "--trust", "trust.json", "--domain", "hr.example")
    # genuine, bound and fresh; status not checked -> 4 (STATUS UNKNOWN), as `verify`
    out = vcissue(*base, "--challenge", "c-1", "--no-status", cwd=tmp_path)
    assert out.returncode == 4, out.stdout + out.stderr
    assert "[ok  ] holder.binding" in out.stdout and "STATUS UNKNOWN" in out.stdout
    out = vcissue(*base, "--challenge", "c-2", "--no-status", "--json", cwd=tmp_path)
    assert out.returncode == 1
    report = json.loads(out.stdout)
    assert report["verdict"] == "FORGED"
    failed = [c["id"] for c in report["checks"] if c["outcome"] == "failed"]
    assert failed == ["presentation.challenge"]


def test_offer_prints_the_link_the_code_and_writes_the_qr(tmp_path: Path) -> None:
    init(tmp_path)
    key = staff_key(tmp_path, "registrar", "issuer")
    env = {"VCISSUE_API_KEY": key}
    issued = vcissue(
        "issue", "--qualification", "ecomentor", "--holder-name", "Ana", "-o", "ana.json",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    credential_id = json.loads((tmp_path / "ana.json").read_text())["id"]
    out = vcissue("offer", credential_id, "--json", "-o", "offer.png", cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    offer = json.loads(out.stdout)
    assert sorted(offer) == ["credential_offer_uri", "expires_at", "offer_deep_link", "tx_code"]
    assert offer["offer_deep_link"].startswith("openid-credential-offer://?credential_offer_uri=")
    assert offer["credential_offer_uri"].startswith("https://")
    assert scan_file(tmp_path / "offer.png") == [offer["offer_deep_link"]]
    out = vcissue("offer", credential_id, "--protocol", "vcapi", "--json", cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    exchange = json.loads(out.stdout)
    assert sorted(exchange) == ["deep_link", "exchange_url"]
    assert (
        exchange["exchange_url"].startswith("https://")
        and "/exchanges/" in exchange["exchange_url"]
    )
    assert exchange["deep_link"].startswith("https://lcw.app/request.html?request=")
    # an auditor may look, not offer
    auditor = staff_key(tmp_path, "reader", "auditor")
    out = vcissue("offer", credential_id, cwd=tmp_path, env={"VCISSUE_API_KEY": auditor})
    assert out.returncode == 3 and "[not-permitted]" in out.stderr
