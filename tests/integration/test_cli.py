"""The command line as a user runs it: a subprocess, real files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUALIFICATION = ROOT / "examples" / "ecomentor" / "qualification.json"


def vcissue(*args: str, cwd: Path, passphrase: str = "s3cret") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VCISSUE_KEY_PASSPHRASE": passphrase}
    return subprocess.run(
        [sys.executable, "-m", "vcissue.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    out = vcissue("demo", "--dir", str(tmp_path / "demo"), cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "demo succeeded" in out.stdout
    for expected in (
        "Marko Horvat suspended: SUSPENDED; reinstated: VALID",
        "after 1 approval pending (VALID); after 2 REVOKED; reinstating it: refused",
        "tampered copy of Marko's certificate: FORGED",
        "re-run issued 0 more",
        "intact",
    ):
        assert expected in out.stdout
    assert (tmp_path / "demo" / "vcissue.db").exists()  # the main job runs on SQLite
    assert vcissue("demo", "--dir", str(tmp_path / "demo"), cwd=ROOT).returncode == 3  # not fresh


def test_keys_issue_verify(tmp_path: Path) -> None:
    assert (
        vcissue(
            "keys",
            "generate",
            "--dir",
            "keys",
            "--name",
            "Body",
            "--did",
            "did:web:body.example",
            cwd=tmp_path,
        ).returncode
        == 0
    )
    assert (
        vcissue("keys", "trust-list", "--dir", "keys", "-o", "trust.json", cwd=tmp_path).returncode
        == 0
    )
    issued = vcissue(
        "issue",
        "--qualification",
        str(QUALIFICATION),
        "--holder-name",
        "Ana Novak",
        "--units",
        "U1",
        "--suite",
        "eddsa-jcs-2022",
        "-o",
        "ana.json",
        cwd=tmp_path,
    )
    assert issued.returncode == 0, issued.stderr
    ok = vcissue("verify", "ana.json", "--trust", "trust.json", "--json", cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout
    assert json.loads(ok.stdout)["verified"] is True

    vc = json.loads((tmp_path / "ana.json").read_text())
    vc["validUntil"] = "2099-01-01T00:00:00Z"
    (tmp_path / "forged.json").write_text(json.dumps(vc))
    bad = vcissue("verify", "forged.json", "--trust", "trust.json", cwd=tmp_path)
    assert bad.returncode == 1 and "FAIL] proof" in bad.stdout and "NOT VALID" in bad.stdout

    # claims injected in a blank-node graph are not signed, so they do not verify
    vc = json.loads((tmp_path / "ana.json").read_text())
    vc["credentialSubject"]["@graph"] = [{"id": "urn:example:x", "name": "INJECTED"}]
    (tmp_path / "injected.json").write_text(json.dumps(vc))
    injected = vcissue("verify", "injected.json", "--trust", "trust.json", cwd=tmp_path)
    assert injected.returncode == 1 and "NOT VALID" in injected.stdout

    untrusted = vcissue("verify", "ana.json", cwd=tmp_path)
    assert untrusted.returncode == 1 and "not on the trust list" in untrusted.stdout

    wrong = vcissue(
        "issue",
        "--qualification",
        str(QUALIFICATION),
        "--holder-name",
        "X",
        "-o",
        "x.json",
        cwd=tmp_path,
        passphrase="wrong",
    )
    assert wrong.returncode == 3 and "[key-material]" in wrong.stderr

    (tmp_path / "junk.json").write_bytes(b"\x00\xff not json")
    junk = vcissue("verify", "junk.json", "--trust", "trust.json", cwd=tmp_path)
    assert junk.returncode == 1 and "FAIL] parse" in junk.stdout
