"""A name change reissues the certificate (issue 13 §5): the old one is superseded, not
revoked; the new one carries the new name, the same terms and dates, and a new number;
the audit log names ids, never the names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.test_cli_lifecycle import deployment, run, staff  # noqa: F401
from tests.integration.test_issuer import Desk
from vcissue.errors import CredentialError, NotPermitted, PolicyError
from vcissue.store import Store


def test_a_name_change_supersedes_and_reissues(store: Store, tmp_path: Path) -> None:
    desk = Desk(store, tmp_path)
    old = desk.issuer.issue(desk.award("Ana Novak", units=("U1",)), by=desk.alice).record
    outcome = desk.issuer.rename(old.number or "", name="Ana  Horvat", by=desk.alice)
    new = outcome.result.record
    assert new.holder_name == "Ana Horvat" and new.previous_id == old.id
    assert (new.awarded, new.expires, new.units) == (old.awarded, old.expires, old.units)
    assert new.number != old.number
    assert desk.issuer.get(old.id).state == "superseded"
    old_vc = json.loads(old.signed_json)
    assert desk.verify(old_vc).verdict.label == "VALID"  # true when issued: no bit set
    new_vc = outcome.result.credential
    assert desk.verify(new_vc).verdict.label == "VALID"
    assert new_vc["evidence"][-1]["genre"] == "NameChange"
    answer = desk.issuer.public_status(old.number or "")
    assert answer.superseded and answer.replaced_by_number == new.number
    assert desk.issuer.confirms(old.number or "", "Ana Horvat")  # the current holder's name
    entries = [e for e in desk.log() if e.action == "rename"]
    assert len(entries) == 1 and "Horvat" not in json.dumps(entries[0].details)
    assert "Novak" not in json.dumps([e.details for e in desk.log()])


def test_bad_name_changes_are_typed_errors(store: Store, tmp_path: Path) -> None:
    desk = Desk(store, tmp_path)
    record = desk.issuer.issue(desk.award("Ana Novak"), by=desk.alice).record
    with pytest.raises(CredentialError, match="must not be empty"):
        desk.issuer.rename(record.id, name="  ", by=desk.alice)
    with pytest.raises(CredentialError):
        desk.issuer.rename(record.id, name="Ana\x00", by=desk.alice)
    with pytest.raises(PolicyError, match="already carries"):
        desk.issuer.rename(record.id, name="Ana Novak", by=desk.alice)
    with pytest.raises(NotPermitted):
        desk.issuer.rename(record.id, name="Ana Horvat", by=desk.director_1)  # not an issuer
    desk.issuer.rename(record.id, name="Ana Horvat", by=desk.alice)
    with pytest.raises(PolicyError, match="superseded"):
        desk.issuer.rename(record.id, name="Ana Kovač", by=desk.alice)


def test_rename_from_the_cli(deployment: Path, staff: dict[str, str]) -> None:  # noqa: F811
    code, out, err = run(
        deployment, "issue", "--qualification", "ecomentor", "--holder-name", "Ana Novak",
        key=staff["registrar"],
    )  # fmt: skip
    assert code == 0, err
    number = out.split()[3]
    code, out, err = run(
        deployment, "rename", number, "--name", "Ana Horvat", "-o", "new.json",
        key=staff["registrar"],
    )  # fmt: skip
    assert code == 0, err
    assert "new credential" in out
    assert (
        json.loads((deployment / "new.json").read_text())["credentialSubject"]["identifier"][0][
            "identityHash"
        ]
        == "Ana Horvat"
    )
    code, out, _ = run(deployment, "status", number)
    assert "superseded by" in out
