"""Store-backed commands as an operator runs them: a deployment made by ``vcissue init``,
its SQLite store, the published lists a verifier reads, exit codes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli import staff_key, vcissue
from tests.integration.test_cli import STATUS, init


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    init(tmp_path)
    assert (
        vcissue("keys", "trust-list", "--dir", "keys", "-o", "trust.json", cwd=tmp_path).returncode
        == 0
    )
    return tmp_path


def run(deployment: Path, *args: str, key: str | None = None) -> tuple[int, str, str]:
    out = vcissue(
        *args,
        "--config",
        str(deployment / "vcissue.toml"),
        cwd=deployment,
        env={"VCISSUE_API_KEY": key},
    )
    return out.returncode, out.stdout, out.stderr


@pytest.fixture
def staff(deployment: Path) -> dict[str, str]:
    """API keys of the body's staff: who they are is what the audit log records."""
    return {
        name: staff_key(deployment, name, role)
        for name, role in [
            ("registrar", "issuer"),
            ("op", "operator"),
            ("d1", "approver"),
            ("d2", "approver"),
            ("chair", "approver"),
        ]
    }


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


def issue(deployment: Path, key: str, holder: str = "Ana Novak", out: str = "ana.json") -> str:
    code, printed, err = run(
        deployment,
        "issue",
        "--qualification",
        "ecomentor",
        "--holder-name",
        holder,
        "-o",
        out,
        key=key,
    )
    assert code == 0, err
    return printed.split()[1]


def test_issue_suspend_status_reinstate_revoke(deployment: Path, staff: dict[str, str]) -> None:
    code, out, err = run(
        deployment,
        "issue",
        "--qualification",
        "ecomentor",
        "--holder-name",
        "Ana Novak",
        "-o",
        "ana.json",
        key=staff["registrar"],
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
        key=staff["op"],
    )
    assert code == 0, err
    code, out, _ = run(deployment, "status", credential_id, "--json")
    answer = json.loads(out)
    assert code == 1 and answer["current"] is False and "complaint" not in out
    # every status change republishes: a verifier reading the directory sees it at once
    assert verdict(deployment, "ana.json") == (1, "SUSPENDED (NOT VALID)")
    code, out, err = run(
        deployment,
        "extend-suspension",
        credential_id,
        "--days",
        "10",
        "--reason",
        "hearing",
        key=staff["op"],
    )
    assert code == 0 and "extend-suspension done (approved by op)" in out, err

    assert (
        run(deployment, "reinstate", credential_id, "--reason", "cleared", key=staff["op"])[0] == 0
    )
    assert verdict(deployment, "ana.json") == (0, "VALID")

    # revocation needs two distinct approvers by default; an operator is not one
    code, _, err = run(deployment, "revoke", credential_id, "--reason", "fraud", key=staff["op"])
    assert code == 3 and "[not-permitted]" in err and "approver" in err
    code, out, _ = run(deployment, "revoke", credential_id, "--reason", "fraud", key=staff["d1"])
    assert code == 0 and "pending: 1 of 2 approvals (d1)" in out
    assert verdict(deployment, "ana.json") == (0, "VALID")
    code, _, err = run(deployment, "revoke", credential_id, "--reason", "fraud", key=staff["d1"])
    assert code == 3 and "already" in err  # the same principal counts once
    code, out, _ = run(deployment, "revoke", credential_id, "--reason", "fraud", key=staff["d2"])
    assert code == 0 and "revoke done (approved by d1, d2)" in out
    assert verdict(deployment, "ana.json") == (1, "REVOKED (NOT VALID)")
    code, _, err = run(deployment, "reinstate", credential_id, "--reason", "x", key=staff["op"])
    assert code == 3 and "policy-violation" in err

    code, out, _ = run(deployment, "audit", "verify")
    # 5 principals, 5 keys; issue, suspend, extend, reinstate, revoke request + approval
    # + effect
    assert code == 0 and "intact: 17 entries" in out


def test_no_key_no_change(deployment: Path, staff: dict[str, str]) -> None:
    code, _, err = run(deployment, "issue", "--qualification", "ecomentor", "--holder-name", "A")
    assert code == 3 and "[not-permitted]" in err and "who is acting?" in err
    code, _, err = run(
        deployment,
        "issue",
        "--qualification",
        "ecomentor",
        "--holder-name",
        "A",
        key=staff["registrar"][:-1] + ("y" if staff["registrar"].endswith("x") else "x"),
    )
    assert code == 3 and "unknown, revoked or expired" in err
    code, _, err = run(
        deployment, "issue", "--qualification", "ecomentor", "--holder-name", "A", key=staff["op"]
    )
    assert code == 3 and "[not-permitted]" in err  # an operator does not award


def test_pending_decisions_are_listed_rejected_and_approved_by_case(
    deployment: Path, staff: dict[str, str]
) -> None:
    credential_id = issue(deployment, staff["registrar"])
    code, out, _ = run(deployment, "revoke", credential_id, "--reason", "fraud", key=staff["d1"])
    case = out.split()[-1]
    code, out, _ = run(deployment, "decisions", "list", "--json")
    [pending] = [json.loads(line) for line in out.splitlines()]
    assert pending["caseId"] == case and pending["state"] == "pending"
    assert pending["kind"] == "revoke" and pending["approvals"] == ["d1"]
    code, out, _ = run(deployment, "decisions", "reject", case, "--reason", "no", key=staff["d2"])
    assert code == 0 and "revoke rejected" in out
    code, _, err = run(deployment, "decisions", "approve", case, key=staff["chair"])
    assert code == 3 and "rejected" in err  # a closed decision stays closed
    assert verdict(deployment, "ana.json") == (0, "VALID")

    code, out, _ = run(deployment, "revoke", credential_id, "--reason", "fraud", key=staff["d1"])
    case = out.split()[-1]
    code, out, _ = run(deployment, "decisions", "approve", case, key=staff["chair"])
    assert code == 0 and "revoke done" in out
    assert verdict(deployment, "ana.json") == (1, "REVOKED (NOT VALID)")
    code, out, _ = run(deployment, "decisions", "list", "--state", "done")
    assert case in out


def test_complaint_with_interim_suspension_then_an_appeal(
    deployment: Path, staff: dict[str, str]
) -> None:
    credential_id = issue(deployment, staff["registrar"])
    code, out, err = run(
        deployment,
        "complaint",
        "open",
        "--about",
        "mentoring without supervision",
        "--complainant",
        "an employer",
        "--credential",
        credential_id,
        "--interim-suspension-until",
        "2099-01-01",
        key=staff["op"],
    )
    assert code == 0 and "interim suspension" in out, err
    complaint = out.split()[1]
    assert verdict(deployment, "ana.json") == (1, "SUSPENDED (NOT VALID)")
    code, out, _ = run(deployment, "complaint", "list")
    assert complaint in out and "open" in out
    code, out, err = run(
        deployment, "complaint", "close", complaint, "--outcome", "upheld", key=staff["op"]
    )
    assert code == 0 and "follow-up decision" in out, err
    sanction = out.split()[-1]  # withdrawal is an approver's decision: it waits for one
    assert verdict(deployment, "ana.json") == (1, "SUSPENDED (NOT VALID)")
    code, out, err = run(deployment, "decisions", "approve", sanction, key=staff["d1"])
    assert code == 0 and "withdraw done (approved by d1)" in out, err
    assert verdict(deployment, "ana.json") == (1, "REVOKED (NOT VALID)")

    # Ana appeals; d1, who decided the withdrawal, may not decide the appeal
    code, out, err = run(
        deployment,
        "appeal",
        "lodge",
        "--against",
        "withdrawal",
        "--subject",
        credential_id,
        "--appellant",
        "Ana Novak",
        "--grounds",
        "the mentee was supervised",
        key=staff["op"],
    )
    assert code == 0 and "may not be decided by d1, op" in out, err
    appeal = out.split()[1]
    for barred in ("d1", "op"):  # op requested it; an operator is no approver either
        code, _, err = run(
            deployment, "appeal", "decide", appeal, "--outcome", "upheld", key=staff[barred]
        )
        assert code == 3 and "[not-permitted]" in err
    code, out, err = run(
        deployment, "appeal", "decide", appeal, "--outcome", "upheld", key=staff["chair"]
    )
    assert code == 0 and "restored as urn:uuid:" in out, err
    restored = out.split()[-1]
    assert verdict(deployment, "ana.json") == (1, "REVOKED (NOT VALID)")  # the bit is final
    code, out, _ = run(deployment, "status", restored, "--json")
    assert code == 0 and json.loads(out)["current"] is True
    code, out, _ = run(deployment, "status", credential_id, "--json")
    assert json.loads(out)["replacedBy"] == restored
    code, out, _ = run(deployment, "appeal", "list", "--json")
    [decided] = [json.loads(line) for line in out.splitlines()]
    assert decided["state"] == "closed" and decided["restoredAs"] == restored
    code, out, _ = run(deployment, "audit", "verify")
    assert code == 0 and "intact" in out


def test_batch_report_and_audit_tamper(deployment: Path, staff: dict[str, str]) -> None:
    csv = deployment / "holders.csv"
    csv.write_text(
        "holder_name,qualification,reference,awarded\n"
        "Ana Novak,ecomentor,R1,\n"
        "Bad Row,nope,R2,\n"
        "Marko Horvat,ecomentor,R3,2022-01-10\n"
    )
    code, out, err = run(deployment, "batch", str(csv), key=staff["registrar"])
    assert code == 1  # some rows were skipped
    assert "2 issued, 0 already issued earlier, 1 skipped" in out
    assert "holders.csv:3: skipped: unknown qualification 'nope'" in err
    code, out, _ = run(deployment, "batch", str(csv), key=staff["registrar"])
    assert "0 issued, 2 already issued earlier" in out

    code, out, _ = run(deployment, "report", "expiring", "--days", "120")
    assert code == 0 and "Marko Horvat" in out and "Ana Novak" not in out  # 2022 + 5 y
    code, out, _ = run(deployment, "report", "counts")
    assert code == 0 and out.splitlines()[1].split() == ["ecomentor", "full", "yes", "active", "2"]
    code, out, _ = run(deployment, "report", "issued", "--from", "2022-01-01", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "qualification,month,accredited,issued"
    assert "ecomentor,2022-01,yes,1" in out.splitlines()
    code, out, _ = run(deployment, "report", "expiring", "--days", "120", "--format", "json")
    assert code == 0 and [r["holder_name"] for r in json.loads(out)["rows"]] == ["Marko Horvat"]

    conn = sqlite3.connect(deployment / "vcissue.db")
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 11")
    conn.commit()
    conn.close()
    # entry 11 is before the last signed checkpoint, which vouches for it: the default
    # check (from that checkpoint) does not read it, the full one re-hashes it
    code, out, _ = run(deployment, "audit", "verify")
    assert code == 0 and "after the signed checkpoint" in out, out
    code, out, _ = run(deployment, "audit", "verify", "--full")
    assert code == 1 and "entry 11: hash mismatch" in out


def test_batch_csv_in_utf16_with_a_bom_is_read(deployment: Path, staff: dict[str, str]) -> None:
    csv = deployment / "holders.csv"
    csv.write_bytes("holder_name,qualification\nŽana Ćorić,ecomentor\n".encode("utf-16"))
    code, out, err = run(deployment, "batch", str(csv), key=staff["registrar"])
    assert code == 0 and "1 issued" in out, err


def test_principals_keys_and_identity(deployment: Path) -> None:
    code, out, err = run(
        deployment, "apikey", "create", "--principal", "Ops Desk ", "--role", "operator"
    )
    assert code == 0 and out.startswith("vci_"), err
    key_id = out.split("_")[1]
    code, out, err = run(
        deployment,
        "apikey",
        "create",
        "--principal",
        "\uff4f\uff50\uff53  desk",
        "--expires-days",
        "7",
    )
    assert code == 0 and "expires" in err  # the same principal: full-width, spaced, cased
    code, _, err = run(deployment, "apikey", "create", "--principal", "nobody")
    assert code == 3 and "has no role" in err
    code, out, _ = run(deployment, "principal", "list")
    assert out.splitlines() == [f"{'ops desk':30} active   operator"]
    code, out, _ = run(deployment, "apikey", "list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 and all("active" in line for line in lines[1:])
    assert run(deployment, "apikey", "revoke", key_id)[0] == 0
    code, out, _ = run(deployment, "apikey", "list")
    assert any(line.split()[:2] == [key_id, "revoked"] for line in out.splitlines())
    code, _, err = run(deployment, "apikey", "revoke", key_id)
    assert code == 3 and "[store-not-found]" in err
    code, out, err = run(deployment, "apikey", "create", "--principal", "ops desk")
    assert code == 0, err
    assert run(deployment, "status", "urn:uuid:0", key=out.split()[-1])[0] in (1, 3)
    assert run(deployment, "principal", "disable", "OPS DESK")[0] == 0
    code, _, err = run(deployment, "reinstate", "urn:uuid:0", "--reason", "x", key=out.split()[-1])
    assert code == 3 and "unknown, revoked or expired" in err  # a disabled principal's key
    code, out, _ = run(deployment, "principal", "list")
    assert "disabled" in out
    code, out, _ = run(deployment, "audit", "verify")
    # principal-add, 3 x apikey-create, apikey-revoke, principal-disable
    assert code == 0 and "intact: 6 entries" in out


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
    deployment: Path, staff: dict[str, str], holder: str, message: str
) -> None:
    """Issue 9 section 3: never a traceback; the same refusal as the service's 422."""
    args = ("issue", "--qualification", "ecomentor", "--holder-name", holder)
    code, out, err = run(deployment, *args, key=staff["registrar"])
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


def test_keys_compromise_drill(deployment: Path, staff: dict[str, str]) -> None:
    """Issue 12 section 4 from the command line: re-signed copies verify, old copies and
    what the store never recorded fail as untrusted; the retired key file is gone."""
    import shutil

    from vcissue import proofs
    from vcissue.keystore import read_key_file

    issue(deployment, staff["registrar"])
    stolen = read_key_file(
        deployment / "keys" / "key-1.pem", b"s3cret", "did:web:certs.example#key-1"
    )
    forged = json.loads((deployment / "ana.json").read_text())
    del forged["proof"]
    forged["credentialSubject"]["name"] = "Mallory"
    forged = proofs.sign(forged, stolen, created=proofs.parse_datetime(forged["validFrom"]))
    (deployment / "unrecorded.json").write_text(json.dumps(forged))
    assert verdict(deployment, "unrecorded.json") == (0, "VALID")  # the threat
    shutil.copy(deployment / "ana.json", deployment / "ana-old.json")

    code, out, err = run(
        deployment, "keys", "compromise", "key-1", "--since", "2020-01-01", key=staff["registrar"]
    )
    assert code == 3 and "[not-permitted]" in err  # an issuer may not revoke keys
    code, out, err = run(
        deployment,
        "keys",
        "compromise",
        "key-1",
        "--since",
        "2020-01-01",
        "--output-dir",
        "resigned",
        key=staff["op"],
    )
    assert code == 0, err
    assert "re-signed 1 credentials and 2 status lists with key-2" in out
    assert sorted(p.name for p in (deployment / "keys").glob("*.pem")) == ["key-2.pem"]
    assert vcissue("keys", "trust-list", "-o", "trust.json", cwd=deployment).returncode == 0
    (resigned,) = (deployment / "resigned").iterdir()
    assert json.loads(resigned.read_text())["proof"]["verificationMethod"].endswith("#key-2")
    assert verdict(deployment, str(resigned)) == (0, "VALID")
    assert verdict(deployment, "ana-old.json") == (1, "NOT TRUSTED (NOT VALID)")
    assert verdict(deployment, "unrecorded.json") == (1, "NOT TRUSTED (NOT VALID)")


def test_audit_verify_replays_the_log_and_checks_a_kept_checkpoint(
    deployment: Path, staff: dict[str, str]
) -> None:
    """Issue 12 section 5: a state flipped in the database, and a log that no longer
    extends a checkpoint a third party kept, fail `audit verify` (exit 1), naming what."""
    import shutil

    credential_id = issue(deployment, staff["registrar"])
    published = deployment / "public" / "status-lists" / "audit-checkpoint"
    shutil.copy(published, deployment / "kept-checkpoint.json")  # a third party's copy
    code, out, _ = run(deployment, "audit", "verify", "--checkpoint", "kept-checkpoint.json")
    assert code == 0 and "it extends the checkpoint of entry" in out, out
    issue(deployment, staff["registrar"])  # issue 15: only the entries after it are replayed
    code, out, _ = run(deployment, "audit", "verify", "--checkpoint", "kept-checkpoint.json")
    assert code == 0 and "entries after the signed checkpoint of entry" in out, out
    code, out, _ = run(deployment, "audit", "verify", "--full")
    assert code == 0 and "replayed from the first entry" in out, out
    with sqlite3.connect(deployment / "vcissue.db") as db:
        db.execute("UPDATE credentials SET state = 'revoked' WHERE id = ?", (credential_id,))
    code, out, _ = run(deployment, "audit", "verify")
    assert code == 1
    assert f"credential {credential_id}: the store says revoked, the log says active" in out
    with sqlite3.connect(deployment / "vcissue.db") as db:
        db.execute("UPDATE credentials SET state = 'active' WHERE id = ?", (credential_id,))
        db.execute("DROP TRIGGER audit_log_no_delete")
        db.execute("DELETE FROM audit_log")
        db.execute("UPDATE audit_head SET seq = 0, hash = ?", ("0" * 64,))
    code, out, _ = run(deployment, "audit", "verify", "--checkpoint", "kept-checkpoint.json")
    assert code == 1 and "the log ends at entry 0" in out, out


def _sha256_multibase(data: bytes) -> str:
    import base64
    import hashlib

    raw = b"\x12\x20" + hashlib.sha256(data).digest()
    return "u" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_issue_and_recertify_with_evidence_files_and_rpl(
    deployment: Path, staff: dict[str, str]
) -> None:
    """Issue 12 §3 from the command line: --evidence FILE (its SHA-256 computed from the
    file) at --evidence-url, --rpl; recertification takes CPD evidence the same way."""
    (deployment / "portfolio.pdf").write_bytes(b"%PDF-1.7 portfolio of Ana Novak")
    (deployment / "cpd-2030.pdf").write_bytes(b"%PDF-1.7 CPD record 2026-2030")
    code, out, err = run(
        deployment,
        "issue", "--qualification", "ecomentor", "--holder-name", "Ana Novak",
        "--units", "U1,U2", "--rpl", "U2",
        "--evidence", "portfolio.pdf", "--evidence-url", "https://files.example/ana/portfolio.pdf",
        "-o", "ana.json",
        key=staff["registrar"],
    )  # fmt: skip
    assert code == 0, err
    vc = json.loads((deployment / "ana.json").read_text())
    portfolio, rpl = vc["evidence"]
    assert portfolio["id"] == "https://files.example/ana/portfolio.pdf"
    assert portfolio["name"] == "portfolio.pdf"
    assert portfolio["digestMultibase"] == _sha256_multibase(
        (deployment / "portfolio.pdf").read_bytes()
    )
    assert (rpl["genre"], rpl["description"]) == (
        "RecognitionOfPriorLearning",
        "U2 Conducting the mentoring activities",
    )
    assert verdict(deployment, "ana.json") == (0, "VALID")
    code, out, _ = run(deployment, "status", vc["id"], "--json")
    assert code == 0 and json.loads(out)["rplUnits"] == ["U2"]

    code, out, err = run(  # all awarded units, by --rpl alone
        deployment,
        "issue", "--qualification", "ecomentor", "--holder-name", "Ivo Horvat", "--rpl",
        "-o", "ivo.json",
        key=staff["registrar"],
    )  # fmt: skip
    assert code == 0, err
    (marker,) = json.loads((deployment / "ivo.json").read_text())["evidence"]
    assert marker["description"].startswith("U1 ") and "; U3 " in marker["description"]

    code, out, err = run(
        deployment,
        "recertify", vc["id"],
        "--evidence", "cpd-2030.pdf", "--evidence-url", "https://files.example/ana/cpd.pdf",
        "-o", "renewed.json",
        key=staff["registrar"],
    )  # fmt: skip
    assert code == 0, err
    renewed = json.loads((deployment / "renewed.json").read_text())
    cpd, previous = renewed["evidence"]
    assert cpd["digestMultibase"] == _sha256_multibase((deployment / "cpd-2030.pdf").read_bytes())
    assert (previous["id"], previous["genre"]) == (vc["id"], "Recertification")
    assert verdict(deployment, "renewed.json") == (0, "VALID")

    code, _, err = run(  # a file without its URL: a typed error, nothing issued
        deployment,
        "issue", "--qualification", "ecomentor", "--holder-name", "Lea Kovač",
        "--evidence", "portfolio.pdf",
        key=staff["registrar"],
    )  # fmt: skip
    assert code == 3 and "[credential-invalid]" in err and "--evidence-url" in err, err
    code, _, err = run(
        deployment,
        "issue", "--qualification", "ecomentor", "--holder-name", "Lea Kovač",
        "--evidence", "missing.pdf", "--evidence-url", "https://files.example/x.pdf",
        key=staff["registrar"],
    )  # fmt: skip
    assert code == 3 and "missing.pdf" in err, err
    code, _, err = run(
        deployment,
        "issue", "--qualification", "ecomentor", "--holder-name", "Lea Kovač",
        "--units", "U1", "--rpl", "U3",
        key=staff["registrar"],
    )  # fmt: skip
    assert code == 3 and "RPL unit 'U3' is not an awarded unit" in err, err


def test_batch_evidence_digests_and_rpl_with_line_numbered_errors(
    deployment: Path, staff: dict[str, str]
) -> None:
    digest = "ab" * 32
    (deployment / "batch.csv").write_text(
        "holder_name,qualification,units,evidence_url,evidence_sha256,rpl\n"
        f"Ana Novak,ecomentor,U1;U2,https://files.example/a.pdf,{digest},U1\n"
        "Ivo Horvat,ecomentor,,https://files.example/i.pdf,not-a-digest,\n"
        f"Lea Kovač,ecomentor,,https://files.example/l.pdf;https://files.example/m.pdf,{digest},\n"
        "Sara Babić,ecomentor,U1,,,U3\n"
        "Marko Horvat,ecomentor,,,,all\n",
        "utf-8",
    )
    code, out, err = run(
        deployment, "batch", "batch.csv", "--output-dir", "out", key=staff["registrar"]
    )
    assert code == 1, err
    assert "2 issued" in out and "3 skipped" in out, out
    assert "batch.csv:3: skipped: an evidence SHA-256 must be 64 hexadecimal digits" in err
    assert "batch.csv:4: skipped: evidence_sha256 lists 1 digests for 2 evidence URLs" in err
    assert "batch.csv:5: skipped: RPL unit 'U3' is not an awarded unit" in err
    issued = {
        vc["credentialSubject"]["identifier"][0]["identityHash"]: vc
        for vc in (json.loads(p.read_text()) for p in (deployment / "out").iterdir())
    }
    ana = issued["Ana Novak"]
    assert ana["evidence"][0]["digestMultibase"] == (
        "u" + __import__("base64").urlsafe_b64encode(b"\x12\x20" + bytes.fromhex(digest))
        .decode().rstrip("=")
    )  # fmt: skip
    assert ana["evidence"][1]["description"] == "U1 Planning the mentoring activities"
    assert len(issued["Marko Horvat"]["evidence"][0]["description"].split("; ")) == 3


def test_recertification_window_lapse_and_scope_expansion_from_the_cli(
    deployment: Path, staff: dict[str, str]
) -> None:
    """Issue 12 §3 from the command line: recertify is refused before the scheme's window
    and after its grace period (lapse); expand-scope supersedes with a replacement that
    names itself; both typed errors change nothing."""
    import re
    from datetime import UTC, datetime, timedelta

    rules = json.loads(
        (Path(__file__).parents[2] / "examples/ecomentor/qualification.json").read_text()
    )
    rules["recertification"] = {"window": "P6M", "grace": "P3M"}
    (deployment / "ecomentor.json").write_text(json.dumps(rules))
    toml = deployment / "vcissue.toml"
    toml.write_text(re.sub(r"(?m)^files = \[.*\]$", 'files = ["ecomentor.json"]', toml.read_text()))
    five_years = timedelta(days=5 * 365 + 1)
    now = datetime.now(UTC)

    def issued(name: str, ago: timedelta, *more: str) -> str:
        code, out, err = run(
            deployment,
            "issue", "--qualification", "ecomentor", "--holder-name", name,
            "--awarded", (now - ago).isoformat(), *more,
            key=staff["registrar"],
        )  # fmt: skip
        assert code == 0, err
        return out.split()[1]

    fresh = issued("Ana Novak", timedelta(0))
    lapsed = issued("Ivo Horvat", five_years + timedelta(days=200))
    due = issued("Lea Kovač", five_years - timedelta(days=30))
    code, _, err = run(deployment, "recertify", fresh, key=staff["registrar"])
    assert code == 3 and "[policy-violation]" in err and "opens P6M before expiry" in err, err
    code, _, err = run(deployment, "recertify", lapsed, key=staff["registrar"])
    assert code == 3 and "[policy-violation]" in err and "lapsed" in err, err
    code, out, err = run(deployment, "recertify", due, "-o", "due.json", key=staff["registrar"])
    assert code == 0, err
    assert json.loads((deployment / "due.json").read_text())["evidence"][-1]["id"] == due
    code, out, _ = run(deployment, "status", lapsed, "--json")
    assert "replacedBy" not in json.loads(out)  # the refused recertification changed nothing

    partial = issued("Sara Babić", timedelta(0), "--units", "U1")
    code, out, err = run(
        deployment, "expand-scope", partial, "--units", "U1,U2", "--reason", "U2 passed",
        "-o", "wider.json", key=staff["d1"],
    )  # fmt: skip
    assert code == 0, err
    wider = json.loads((deployment / "wider.json").read_text())
    assert (
        wider["evidence"][-1]["genre"] == "ScopeExpansion"
        and wider["evidence"][-1]["id"] == partial
    )
    assert [a["targetCode"] for a in wider["credentialSubject"]["achievement"]["alignment"]] == [
        "U1",
        "U2",
    ]
    assert verdict(deployment, "wider.json") == (0, "VALID")
    code, out, _ = run(deployment, "status", partial, "--json")
    assert json.loads(out)["current"] is False and json.loads(out)["replacedBy"] == wider["id"]
    code, _, err = run(
        deployment, "expand-scope", wider["id"], "--units", "U1", "--reason", "r", key=staff["d1"]
    )
    assert code == 3 and "[policy-violation]" in err, err
