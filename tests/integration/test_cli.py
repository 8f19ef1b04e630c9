"""The command line as a user runs it: real files, exit codes, in-process (``tests.cli``);
the console entry point and a bare install (no extras) as real subprocesses."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import staff_key, vcissue
from vcissue.errors import StoreError

ROOT = Path(__file__).resolve().parents[2]
QUALIFICATION = ROOT / "examples" / "ecomentor" / "qualification.json"
STATUS = "https://certs.example/status-lists"


def init(tmp_path: Path, *extra: str) -> Path:
    """``vcissue init`` a deployment awarding EcoMentor; returns its settings file."""
    out = vcissue(
        "init",
        "--dir",
        str(tmp_path),
        "--name",
        "Body",
        "--did",
        "did:web:certs.example",
        "--status-base-url",
        STATUS,
        "--qualification",
        str(QUALIFICATION),
        *extra,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    return tmp_path / "vcissue.toml"


def test_demo_runs_end_to_end_and_its_files_verify_as_it_says(tmp_path: Path) -> None:
    out = vcissue("demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "demo succeeded" in out.stdout
    for expected in (
        "with an interim suspension: SUSPENDED; complaint dismissed, suspension lifted: VALID",
        "pending (VALID); director-1 again: refused; approved by director-2: REVOKED",
        "upheld by appeals-chair: restored as a new certificate VALID",
        "tampered copy of Marko's certificate: FORGED",
        "a credential signed with a stolen key-1 verifies VALID",
        "Keeping Children Safe Level 1 certification for Children First Nursery issued by "
        "Keeping Children Safe (demo) (did:web:certification.example:bodies:kcs), signed by "
        "its own key, on its own status list kcs-revocation-1: VALID",
        "the re-signed unit credential VALID, its old copy NOT TRUSTED, the thief's NOT TRUSTED",
        "re-run issued 0 more",
        "intact",
        "got 4 signed notices, each verified (HMAC-SHA256 over timestamp and body): "
        "suspended, revoked, suspended, withdrawn; refused 0",
        "expires in 20 days'",
        "Run again: 0 sent",
    ):
        assert expected in out.stdout
    demo = tmp_path / "demo"
    assert (demo / "vcissue.db").exists()  # the main job runs on SQLite
    # The closing table is true now: vcissue verify gives exactly those verdicts.
    claimed = dict(re.findall(r"credentials/([\w-]+)\.json: ([A-Z ]+)\n", out.stdout))
    assert set(claimed.values()) == {"VALID", "REVOKED", "FORGED", "NOT TRUSTED"}
    assert claimed["signed-with-stolen-key"] == "NOT TRUSTED"
    assert sorted(p.name for p in (demo / "keys").glob("*.pem")) == ["key-2.pem"]
    assert claimed["ana"] == "REVOKED" and claimed["ana-restored"] == "VALID"
    kcs = json.loads((demo / "credentials" / "children-first-kcs.json").read_text())
    assert claimed["children-first-kcs"] == "VALID"  # the second body, on the trust list too
    assert kcs["issuer"]["id"] == "did:web:certification.example:bodies:kcs"
    command = re.search(r"vcissue verify \S+ (--trust .*)\n", out.stdout)
    assert command is not None
    options = command.group(1).split()
    for name, verdict in claimed.items():
        checked = vcissue(
            "verify", str(demo / "credentials" / f"{name}.json"), *options, cwd=tmp_path
        )
        assert checked.stdout.splitlines()[-1].startswith(verdict), (name, checked.stdout)
        assert checked.returncode == (0 if verdict == "VALID" else 1)
    again = vcissue("demo", "--dir", str(demo), cwd=tmp_path)
    assert again.returncode == 3 and "[settings]" in again.stderr  # not fresh


def test_a_failed_demo_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vcissue.cli import demo

    def fail_midway(*args: object) -> tuple[bool, str]:
        raise StoreError("the disk filled up")  # after keys, settings and store exist

    target = tmp_path / "demo"
    monkeypatch.setattr(demo, "_story", fail_midway)
    failed = vcissue("demo", "--dir", str(target), cwd=tmp_path)
    assert failed.returncode == 3 and "[store]" in failed.stderr
    assert list(tmp_path.iterdir()) == []  # neither the target nor a half-built directory
    monkeypatch.undo()
    assert vcissue("demo", "--dir", str(target), cwd=tmp_path).returncode == 0


def test_init_issue_verify(tmp_path: Path) -> None:
    config = init(tmp_path)
    text = config.read_text()
    assert "revocation_approvers = 2" in text and 'publish_dir = "public/status-lists"' in text
    issued = vcissue(
        "issue",
        "--qualification",
        "ecomentor",
        "--holder-name",
        "Ana Novak",
        "--units",
        "U1",
        "-o",
        "ana.json",
        cwd=tmp_path,  # ./vcissue.toml is found by the rule
        env={"VCISSUE_API_KEY": staff_key(tmp_path, "registrar", "issuer")},
    )
    assert issued.returncode == 0, issued.stderr
    assert (
        vcissue("keys", "trust-list", "--dir", "keys", "-o", "trust.json", cwd=tmp_path).returncode
        == 0
    )
    published = ["--status-dir", "public/status-lists", "--status-base", STATUS]
    ok = vcissue("verify", "ana.json", "--trust", "trust.json", *published, "--json", cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout
    assert json.loads(ok.stdout)["verdict"] == "VALID"

    unchecked = vcissue("verify", "ana.json", "--trust", "trust.json", "--no-status", cwd=tmp_path)
    assert unchecked.returncode == 4 and unchecked.stdout.splitlines()[-1].startswith(
        "STATUS UNKNOWN"
    )  # never an unqualified VALID

    vc = json.loads((tmp_path / "ana.json").read_text())
    vc["validUntil"] = "2099-01-01T00:00:00Z"
    (tmp_path / "forged.json").write_text(json.dumps(vc))
    bad = vcissue("verify", "forged.json", "--trust", "trust.json", *published, cwd=tmp_path)
    assert bad.returncode == 1 and "FAIL] proof" in bad.stdout and "FORGED" in bad.stdout

    # claims injected in a blank-node graph are not signed, so they do not verify
    vc = json.loads((tmp_path / "ana.json").read_text())
    vc["credentialSubject"]["@graph"] = [{"id": "urn:example:x", "name": "INJECTED"}]
    (tmp_path / "injected.json").write_text(json.dumps(vc))
    injected = vcissue("verify", "injected.json", "--trust", "trust.json", *published, cwd=tmp_path)
    assert injected.returncode == 1 and "FORGED" in injected.stdout

    untrusted = vcissue("verify", "ana.json", "--no-status", cwd=tmp_path)
    assert untrusted.returncode == 1 and "not on the trust list" in untrusted.stdout


def test_the_console_script_starts(tmp_path: Path) -> None:
    for argv in (["--version"], ["--help"], ["verify", "--help"]):
        out = subprocess.run(
            [sys.executable, "-m", "vcissue.cli", *argv],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert out.returncode == 0, out.stderr
    assert (
        "vcissue 0."
        in subprocess.run(
            [sys.executable, "-m", "vcissue.cli", "--version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


BARE = """
import sys
for name in ("fastapi", "uvicorn", "starlette", "psycopg", "pydantic"):
    sys.modules[name] = None  # as on a bare install: importing them fails
from vcissue.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_bare_install_runs_every_command_and_names_the_missing_extra(tmp_path: Path) -> None:
    def bare(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", BARE, *argv],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert bare("--help").returncode == 0
    assert bare("--version").returncode == 0
    config = init(tmp_path)
    serve = bare("serve", "--config", str(config))
    assert serve.returncode == 2, serve.stderr
    assert serve.stderr.strip().splitlines() == [
        "vcissue: `vcissue serve` needs the service extra: pip install 'vcissue[service]'"
    ]
    assert bare("apikey", "list", "--config", str(config)).returncode == 0
    demo = bare("demo", "--dir", str(tmp_path / "demo"))
    assert demo.returncode == 0, demo.stderr
