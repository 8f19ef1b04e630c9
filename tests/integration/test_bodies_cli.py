"""Issue 12 section 3 from the command line, on SQLite and PostgreSQL: ``vcissue init
--body kcs=...`` makes a deployment of two awarding bodies; a KCS and an EcoMentor
certificate are issued by their own bodies, verify against the deployment's trust list,
and revoking the KCS one flips a bit in the KCS list only; keys are per body."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli import staff_key, vcissue
from tests.factories import EXAMPLES
from tests.integration.conftest import Backend
from tests.integration.test_bodies import kcs_file
from vcissue.status import read_status_list_credential

STATUS = "https://certs.example/status-lists"
KCS_DID = "did:web:certs.example:bodies:kcs"


def bits(root: Path, name: str) -> bytes:
    document = json.loads((root / "public" / "status-lists" / name).read_text())
    return read_status_list_credential(document).bitstring.to_bytes()


def test_two_bodies_over_the_cli(backend: Backend, tmp_path: Path) -> None:
    url = backend.url if backend.pg_schema is None else f"{backend.url}?schema={backend.pg_schema}"
    root = tmp_path / "site"
    made = vcissue(
        "init",
        "--dir",
        str(root),
        "--name",
        "EcoMentor Certification Body",
        "--did",
        "did:web:certs.example",
        "--status-base-url",
        STATUS,
        "--store-url",
        url,
        "--qualification",
        str(EXAMPLES / "ecomentor" / "qualification.json"),
        "--qualification",
        str(kcs_file(tmp_path)),
        "--body",
        "kcs=Keeping Children Safe",
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    assert f"awarding body kcs ({KCS_DID})" in made.stdout
    staff = {
        name: staff_key(root, name, role)
        for name, role in [("registrar", "issuer"), ("d1", "approver"), ("d2", "approver")]
    }

    def run(*args: str, key: str | None = None) -> tuple[int, str, str]:
        out = vcissue(*args, cwd=root, env={"VCISSUE_API_KEY": key})
        return out.returncode, out.stdout, out.stderr

    for qualification, holder, out in (
        ("ecomentor", "Ana Novak", "em.json"),
        ("kcs-level1", "Children First", "kcs.json"),
    ):
        code, _, err = run(
            "issue",
            "--qualification",
            qualification,
            "--holder-name",
            holder,
            "-o",
            out,
            key=staff["registrar"],
        )
        assert code == 0, err
    em = json.loads((root / "em.json").read_text())
    kcs = json.loads((root / "kcs.json").read_text())
    assert em["issuer"] == {
        **em["issuer"],
        "id": "did:web:certs.example",
        "name": "EcoMentor Certification Body",
    }
    assert kcs["issuer"]["id"] == KCS_DID and kcs["issuer"]["name"] == "Keeping Children Safe"
    assert kcs["proof"]["verificationMethod"] == f"{KCS_DID}#key-1"
    for name, did in (("kcs-revocation-1", KCS_DID), ("revocation-1", "did:web:certs.example")):
        listed = json.loads((root / "public" / "status-lists" / name).read_text())
        assert listed["issuer"] == did and listed["proof"]["verificationMethod"] == f"{did}#key-1"

    code, out, err = run("keys", "trust-list", "-o", "trust.json")
    assert code == 0 and KCS_DID in out, err
    assert {i["id"] for i in json.loads((root / "trust.json").read_text())["issuers"]} == {
        "did:web:certs.example",
        KCS_DID,
    }
    code, out, _ = run("keys", "did-document", "--body", "kcs")
    assert code == 0 and json.loads(out)["id"] == KCS_DID

    def verdict(file: str) -> str:
        out = vcissue(
            "verify",
            file,
            "--trust",
            "trust.json",
            "--status-dir",
            "public/status-lists",
            "--status-base",
            STATUS,
            cwd=root,
        )
        return out.stdout.splitlines()[-1]

    assert verdict("em.json") == verdict("kcs.json") == "VALID"

    # printed: the KCS certificate names KCS, not the deployment's own [brand]
    with (root / "vcissue.toml").open("a", encoding="utf-8") as config:
        config.write('\n[brand]\nname = "EcoMentor Certification Body"\n')
    for credential in ("kcs", "em"):
        code, _, err = run(
            "render", f"{credential}.json", "-o", f"{credential}.html", "--config", "vcissue.toml"
        )
        assert code == 0, err
    kcs_page = (root / "kcs.html").read_text("utf-8")
    assert "KEEPING CHILDREN SAFE" in kcs_page and "EcoMentor" not in kcs_page
    assert "ECOMENTOR CERTIFICATION BODY" in (root / "em.html").read_text("utf-8")
    # trusting EcoMentor's key directory alone does not vouch for KCS
    alone = vcissue("verify", "kcs.json", "--trust-keys", "keys", cwd=root)
    assert alone.returncode == 1 and "NOT TRUSTED" in alone.stdout

    em_before = (bits(root, "revocation-1"), bits(root, "suspension-1"))
    kcs_before = bits(root, "kcs-revocation-1")
    for approver in ("d1", "d2"):
        code, _, err = run("revoke", kcs["id"], "--reason", "safeguarding", key=staff[approver])
        assert code == 0, err
    assert bits(root, "kcs-revocation-1") != kcs_before
    assert (bits(root, "revocation-1"), bits(root, "suspension-1")) == em_before
    assert verdict("kcs.json") == "REVOKED (NOT VALID)"
    assert verdict("em.json") == "VALID"

    # keys are per body: rotating KCS's leaves EcoMentor's; the next KCS award uses key-2
    code, out, err = run("keys", "rotate", "--body", "kcs")
    assert code == 0 and "key-2 is now active" in out, err
    assert sorted(p.name for p in (root / "keys").glob("*.pem")) == ["key-1.pem"]
    code, _, err = run(
        "issue",
        "--qualification",
        "kcs-level1",
        "--holder-name",
        "Safe Harbour",
        "-o",
        "kcs2.json",
        key=staff["registrar"],
    )
    assert code == 0, err
    assert json.loads((root / "kcs2.json").read_text())["proof"]["verificationMethod"] == (
        f"{KCS_DID}#key-2"
    )
    assert run("keys", "trust-list", "-o", "trust.json")[0] == 0
    assert verdict("kcs2.json") == "VALID"
    code, out, err = run("audit", "verify")
    assert code == 0 and "intact" in out, out + err
    code, _, err = run("keys", "rotate", "--body", "nobody")
    assert code != 0 and "no awarding body 'nobody'" in err
