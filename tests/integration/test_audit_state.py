"""Issue 12 section 5 over a real store (SQLite, and PostgreSQL when configured): the audit
log proves state. Replayed, it must equal the store's credential states, the status bits
and the signed lists; a signed checkpoint a third party kept must still be extended by it.
Each tamper below is what someone with write access to the database can do, and each is
reported with the credential id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.integration.conftest import Backend
from tests.integration.test_issuer import BASE, Desk
from vcissue.checkpoint import CHECKPOINT_NAME, Checkpoint
from vcissue.issuer import AuditCheck
from vcissue.status import Bitstring
from vcissue.status_sources import DirectorySource
from vcissue.store import Store
from vcissue.store.audit import GENESIS_HASH


def check(desk: Desk, checkpoint: Checkpoint | None = None) -> AuditCheck:
    return desk.issuer.audit_check(
        trust=desk.body.trust,
        published=DirectorySource(desk.publish_dir, BASE),
        checkpoint=checkpoint,
    )


def revoked_one(desk: Desk) -> tuple[dict[str, Any], dict[str, Any]]:
    kept = desk.issuer.issue(desk.award("Ana Novak"), by=desk.alice).credential
    gone = desk.issuer.issue(desk.award("Ivo Horvat"), by=desk.alice).credential
    desk.issuer.revoke(gone["id"], reason="fraud", by=desk.director_1)
    return kept, gone


def test_a_credential_flipped_in_the_database_is_named(
    store: Store, backend: Backend, tmp_path: Path
) -> None:
    desk = Desk(store, tmp_path)
    _, gone = revoked_one(desk)
    assert check(desk).intact, check(desk).problems
    backend.raw("UPDATE credentials SET state = 'active' WHERE id = ?", (gone["id"],))
    assert desk.issuer.public_status(gone["id"]).current  # the register is fooled
    found = check(desk)
    assert not found.intact
    assert f"credential {gone['id']}: the store says active, the log says revoked" in (
        found.problems
    )


def test_a_status_bit_cleared_in_the_store_or_the_published_list_is_named(
    store: Store, tmp_path: Path
) -> None:
    desk = Desk(store, tmp_path)
    kept = desk.issuer.issue(desk.award("Ana Novak"), by=desk.alice).credential
    gone = desk.issuer.issue(desk.award("Ivo Horvat"), by=desk.alice).credential
    record = desk.issuer.get(gone["id"])
    list_file = desk.publish_dir / record.revocation_list.removeprefix(BASE + "/")
    before_revocation = list_file.read_text()
    desk.issuer.revoke(gone["id"], reason="fraud", by=desk.director_1)
    assert check(desk).intact

    list_file.write_text(before_revocation)  # a genuine, older signed list: bit clear
    found = check(desk)
    assert any(
        problem.startswith(f"credential {gone['id']}: the signed revocation list")
        and "(as published)" in problem
        for problem in found.problems
    ), found.problems
    desk.issuer.publish()
    assert check(desk).intact

    def clear(tx: Any) -> None:
        current = tx.get_list(record.revocation_list, for_update=True)
        bits = Bitstring.from_bytes(current.bits, min_bits=1)
        bits.set(record.revocation_index, False)
        tx.save_list(
            current.id,
            bits=bits.to_bytes(),
            version=current.version + 1,
            full=current.full,
            published_json=current.published_json,
            published_at=current.published_at,
        )

    store.run(clear)
    found = check(desk)
    assert found.problems == (
        f"credential {gone['id']}: revocation bit {record.revocation_index} of "
        f"{record.revocation_list} in the store is not set as the log says",
    )
    assert kept["id"] not in " ".join(found.problems)


def test_a_rewritten_or_deleted_log_no_longer_extends_a_kept_checkpoint(
    store: Store, backend: Backend, tmp_path: Path
) -> None:
    desk = Desk(store, tmp_path)
    _, gone = revoked_one(desk)
    published = json.loads((desk.publish_dir / CHECKPOINT_NAME).read_text())
    kept = Checkpoint.from_json(published)  # what a third party fetched and kept
    seq, head = store.read(lambda tx: tx.audit_head())
    assert (kept.seq, kept.head) == (seq, head)
    assert check(desk, kept).intact
    desk.issuer.issue(desk.award("Lea Kovač"), by=desk.alice)
    assert check(desk, kept).intact  # the log grew: it still extends the checkpoint

    # A consistent rewrite: the whole log again, without the revocation, and the
    # credential active again. The chain alone says intact.
    entries = store.read(lambda tx: tx.audit_entries())
    backend.drop_append_only_guards()
    backend.raw("DELETE FROM audit_log")
    backend.raw("UPDATE audit_head SET seq = 0, hash = ?", (GENESIS_HASH,))
    deleted = check(desk, kept).problems  # replay misses every credential; so does the log
    assert deleted[-1].startswith("the log ends at entry 0"), deleted
    assert f"credential {gone['id']}: in the store, but the log never issued it" in deleted

    def rewrite(tx: Any) -> None:
        for entry in entries:
            if entry.action != "revoke":
                tx.append_audit(
                    actor=entry.actor,
                    action=entry.action,
                    credential_id=entry.credential_id,
                    details=entry.details,
                    at=entry.at,
                )

    store.run(rewrite)
    backend.raw("UPDATE credentials SET state = 'active' WHERE id = ?", (gone["id"],))
    assert store.read(lambda tx: tx.verify_audit()) == []  # the chain is consistent
    found = check(desk, kept)
    assert any("the log was rewritten" in problem for problem in found.problems)
    # and the signed lists, which need the body's key, still say revoked
    assert any(
        problem.startswith(f"credential {gone['id']}: the signed revocation list")
        for problem in found.problems
    ), found.problems
    forged = Checkpoint(kept.log, kept.seq, "0" * 64, kept.time, kept.key, kept.signature)
    assert "not the body's" in check(desk, forged).problems[-1]
