"""Export of everything held about a person (GDPR access), over a real store and the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.factories import ecomentor
from tests.integration.test_cli_lifecycle import deployment, run, staff  # noqa: F401
from tests.integration.test_issuer import START, Desk
from vcissue.issuer.holders import holder_export
from vcissue.model import Award
from vcissue.store import Store


def test_the_export_holds_every_credential_case_and_audit_entry_of_the_person(
    store: Store, tmp_path: Path
) -> None:
    desk = Desk(store, tmp_path)
    ana = Award.from_request(
        ecomentor(), holder_name="Ana Novak", awarded=START, holder_email="ana@example.org"
    )
    first = desk.issuer.issue(ana, by=desk.alice).record
    renewed = desk.issuer.recertify(first.number or "", by=desk.alice).result.record
    other_spelling = desk.issuer.issue(desk.award("  ana   NOVAK"), by=desk.alice).record
    stranger = desk.issuer.issue(desk.award("Ivo Ban"), by=desk.alice).record
    complaint = desk.issuer.open_complaint(
        about="late", complainant="employer", subject=renewed.id, by=desk.op,
        interim_suspension_until=START + timedelta(days=5),
    )  # fmt: skip
    exported = holder_export(desk.issuer, renewed.number or "")
    assert exported["format"] == "vcissue-holder-export/1"
    ids = [c["credentialId"] for c in exported["credentials"]]
    assert ids == [first.id, renewed.id, other_spelling.id] and stranger.id not in ids
    assert exported["credentials"][0]["state"] == "superseded"
    assert exported["credentials"][0]["holderEmail"] == "ana@example.org"  # notices go there
    assert exported["credentials"][1]["verifiableCredential"]["id"] == renewed.id
    assert [c["caseId"] for c in exported["cases"]] == [complaint.id]
    actions = [(e["action"], e["credentialId"]) for e in exported["audit"]]
    assert ("issue", stranger.id) not in actions
    assert ("issue", first.id) in actions and ("suspend", renewed.id) in actions
    assert json.loads(json.dumps(exported)) == exported


def test_holder_export_from_the_cli(deployment: Path, staff: dict[str, str]) -> None:  # noqa: F811
    code, out, err = run(
        deployment, "issue", "--qualification", "ecomentor", "--holder-name", "Ana Novak",
        key=staff["registrar"],
    )  # fmt: skip
    assert code == 0, err
    number = out.split()[3]
    code, out, err = run(deployment, "holder", "export", number, "-o", "ana.json")
    assert code == 0, err
    assert "1 credentials, 0 cases, 1 audit entries" in out
    document = json.loads((deployment / "ana.json").read_text())
    assert document["credentials"][0]["number"] == number
    code, out, _ = run(deployment, "status", number, "--name", "  ana NOVAK")
    assert (code, out) == (0, "yes\n")
    code, out, _ = run(deployment, "status", number, "--name", "Ivo Ban")
    assert (code, out) == (1, "no\n")
    code, _, err = run(deployment, "holder", "export", "EM-1999-000001")
    assert code == 3 and "[credential-unknown]" in err
