"""Store-backed commands as an operator runs them: a deployment made by ``vcissue init``,
its SQLite store, the published lists a verifier reads, exit codes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli import vcissue
from tests.integration.test_cli import STATUS, init


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    init(tmp_path)
    assert (
        vcissue("keys", "trust-list", "--dir", "keys", "-o", "trust.json", cwd=tmp_path).returncode
        == 0
    )
    return tmp_path


def run(deployment: Path, *args: str) -> tuple[int, str, str]:
    out = vcissue(*args, "--config", str(deployment / "vcissue.toml"), cwd=deployment)
    return out.returncode, out.stdout, out.stderr


def verdict(deployment: Path, credential: str) -> tuple[int, str]:
    out = vcissue(
        "verify",
        credential,
        "--trust",
        "trust.json",
        "--status-dir",
        "public/status-lists",
        "--status-base",
        STATUS,
        cwd=deployment,
    )
    return out.returncode, out.stdout.splitlines()[-1]


def test_issue_suspend_status_reinstate_revoke(deployment: Path) -> None:
    code, out, err = run(
        deployment,
        "issue",
        "--qualification",
        "ecomentor",
        "--holder-name",
        "Ana Novak",
        "--actor",
        "registrar",
        "-o",
        "ana.json",
    )
    assert code == 0, err
    credential_id = out.split()[1]
    assert json.loads((deployment / "ana.json").read_text())["id"] == credential_id
    assert verdict(deployment, "ana.json") == (0, "VALID")

    code, out, _ = run(deployment, "status", credential_id)
    assert code == 0 and "holds a current, valid certification" in out

    code, out, err = run(
        deployment,
        "suspend",
        credential_id,
        "--reason",
        "secret complaint",
        "--days",
        "30",
        "--actor",
        "op",
    )
    assert code == 0, err
    code, out, _ = run(deployment, "status", credential_id, "--json")
    answer = json.loads(out)
    assert code == 1 and answer["current"] is False and "complaint" not in out
    # every status change republishes: a verifier reading the directory sees it at once
    assert verdict(deployment, "ana.json") == (1, "SUSPENDED (NOT VALID)")

    assert run(deployment, "reinstate", credential_id, "--actor", "op")[0] == 0
    assert verdict(deployment, "ana.json") == (0, "VALID")

    # revocation needs two distinct approvers by default
    code, out, _ = run(deployment, "revoke", credential_id, "--reason", "fraud", "--actor", "d1")
    assert code == 0 and "pending: 1 of 2 approvals" in out
    assert verdict(deployment, "ana.json") == (0, "VALID")
    code, out, _ = run(deployment, "revoke", credential_id, "--reason", "fraud", "--actor", "d2")
    assert code == 0 and "revoked" in out
    assert verdict(deployment, "ana.json") == (1, "REVOKED (NOT VALID)")
    code, _, err = run(deployment, "reinstate", credential_id, "--actor", "op")
    assert code == 3 and "policy-violation" in err

    code, out, _ = run(deployment, "audit", "verify")
    assert code == 0 and "intact: 5 entries" in out  # issue, suspend, reinstate, 2 approvals


def test_batch_report_and_audit_tamper(deployment: Path) -> None:
    csv = deployment / "holders.csv"
    csv.write_text(
        "holder_name,qualification,reference,awarded\n"
        "Ana Novak,ecomentor,R1,\n"
        "Bad Row,nope,R2,\n"
        "Marko Horvat,ecomentor,R3,2022-01-10\n"
    )
    code, out, err = run(deployment, "batch", str(csv), "--actor", "registrar")
    assert code == 1  # some rows were skipped
    assert "2 issued, 0 already issued earlier, 1 skipped" in out
    assert "holders.csv:3: skipped: unknown qualification 'nope'" in err
    code, out, _ = run(deployment, "batch", str(csv), "--actor", "registrar")
    assert "0 issued, 2 already issued earlier" in out

    code, out, _ = run(deployment, "report", "expiring", "--days", "120")
    assert code == 0 and "Marko Horvat" in out and "Ana Novak" not in out  # 2022 + 5 y
    code, out, _ = run(deployment, "report", "counts")
    assert code == 0 and "ecomentor" in out and out.splitlines()[1].split()[1] == "2"

    conn = sqlite3.connect(deployment / "vcissue.db")
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1")
    conn.commit()
    conn.close()
    code, out, _ = run(deployment, "audit", "verify")
    assert code == 1 and "entry 1: hash mismatch" in out


def test_batch_csv_in_utf16_with_a_bom_is_read(deployment: Path) -> None:
    csv = deployment / "holders.csv"
    csv.write_bytes("holder_name,qualification\nŽana Ćorić,ecomentor\n".encode("utf-16"))
    code, out, err = run(deployment, "batch", str(csv), "--actor", "registrar")
    assert code == 0 and "1 issued" in out, err


def test_api_keys_are_listed_revoked_and_expire(deployment: Path) -> None:
    code, out, err = run(deployment, "apikey", "create", "--role", "operator", "--name", "ops desk")
    assert code == 0 and out.startswith("vci_"), err
    key_id = out.split("_")[1]
    code, out, err = run(
        deployment, "apikey", "create", "--role", "auditor", "--name", "temp", "--expires-days", "7"
    )
    assert code == 0 and "expires" in err
    code, out, _ = run(deployment, "apikey", "list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 and all("active" in line for line in lines[1:])
    assert run(deployment, "apikey", "revoke", key_id)[0] == 0
    code, out, _ = run(deployment, "apikey", "list")
    assert any(line.split()[:3] == [key_id, "operator", "revoked"] for line in out.splitlines())
    code, _, err = run(deployment, "apikey", "revoke", key_id)
    assert code == 3 and "[store-not-found]" in err
    code, out, _ = run(deployment, "audit", "verify")
    assert code == 0 and "intact: 3 entries" in out  # create, create, revoke


@pytest.mark.parametrize(
    ("holder", "message"),
    [
        ("Ana\udcffNovak", "holder name holds a lone surrogate (U+DCFF)"),  # argv, not UTF-8
        ("Ana\x00Novak", "holder name holds a control character (U+0000)"),
        ("Ana\x1bNovak", "holder name holds a control character (U+001B)"),
    ],
    ids=["surrogate", "nul", "escape"],
)
def test_odd_characters_in_arguments_are_one_typed_line(
    deployment: Path, holder: str, message: str
) -> None:
    """Issue 9 section 3: never a traceback; the same refusal as the service's 422."""
    args = ("issue", "--qualification", "ecomentor", "--holder-name", holder, "--actor", "r")
    code, out, err = run(deployment, *args)
    assert code == 3 and out == "", (out, err)
    assert err.startswith("vcissue: error [credential-invalid]: ") and message in err, err
    assert "internal error" not in err


def test_publish_renews_lists_and_needs_the_passphrase(deployment: Path) -> None:
    code, out, err = run(deployment, "publish")
    assert code == 0 and "republished" in out, err
    ran = vcissue(
        "publish", "--config", str(deployment / "vcissue.toml"), cwd=deployment, passphrase=None
    )
    assert ran.returncode == 3 and "[key-material]" in ran.stderr, ran.stderr
