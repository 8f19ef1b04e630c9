"""Store-backed commands as an operator runs them: a settings file, a SQLite store,
subprocesses, exit codes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.integration.test_cli import QUALIFICATION, vcissue

STATUS = "https://certs.example/status-lists"


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    out = vcissue(
        "keys",
        "generate",
        "--dir",
        str(tmp_path / "keys"),
        "--name",
        "Body",
        "--did",
        "did:web:certs.example",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    (tmp_path / "vcissue.toml").write_text(
        '[store]\nurl = "sqlite:///store.db"\n[keys]\ndir = "keys"\n'
        f'[status]\nbase_url = "{STATUS}"\npublish_dir = "public"\n'
        f"[qualifications]\nfiles = [{json.dumps(str(QUALIFICATION))}]\n"
    )
    return tmp_path


def run(deployment: Path, *args: str) -> tuple[int, str, str]:
    out = vcissue(*args, "--config", str(deployment / "vcissue.toml"), cwd=deployment)
    return out.returncode, out.stdout, out.stderr


def test_award_suspend_status_reinstate_revoke(deployment: Path) -> None:
    code, out, err = run(
        deployment,
        "award",
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

    # A verifier reading the published directory sees the suspension.
    vcissue("keys", "trust-list", "--dir", "keys", "-o", "trust.json", cwd=deployment)
    verify = vcissue(
        "verify",
        "ana.json",
        "--trust",
        "trust.json",
        "--status-dir",
        "public",
        "--status-base",
        STATUS,
        cwd=deployment,
    )
    assert verify.returncode == 1 and "suspended" in verify.stdout

    assert run(deployment, "reinstate", credential_id, "--actor", "op")[0] == 0
    verify = vcissue(
        "verify",
        "ana.json",
        "--trust",
        "trust.json",
        "--status-dir",
        "public",
        "--status-base",
        STATUS,
        cwd=deployment,
    )
    assert verify.returncode == 0, verify.stdout

    assert run(deployment, "revoke", credential_id, "--reason", "fraud", "--actor", "d1")[0] == 0
    code, _, err = run(deployment, "reinstate", credential_id, "--actor", "op")
    assert code == 3 and "policy-violation" in err

    code, out, _ = run(deployment, "audit", "verify")
    assert code == 0 and "intact: 4 entries" in out


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

    conn = sqlite3.connect(deployment / "store.db")
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1")
    conn.commit()
    conn.close()
    code, out, _ = run(deployment, "audit", "verify")
    assert code == 1 and "entry 1: hash mismatch" in out


def test_missing_settings_are_reported_not_crashed(tmp_path: Path) -> None:
    out = vcissue("report", "counts", "--config", str(tmp_path / "absent.toml"), cwd=tmp_path)
    assert out.returncode == 3 and "cannot read" in out.stderr
    out = vcissue(
        "suspend",
        "urn:uuid:x",
        "--reason",
        "r",
        "--days",
        "1",
        "--actor",
        "a",
        "--config",
        str(tmp_path / "absent.toml"),
        cwd=tmp_path,
    )
    assert out.returncode == 3 and "Traceback" not in out.stderr
