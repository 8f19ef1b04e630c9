"""Issue 15 §3 over a real store (SQLite, and PostgreSQL when configured): `audit verify`
from the last signed checkpoint. A checkpoint signs the digest of the state the log replays
to (``replay.state_digest``); the check verifies its signature and that the log extends it,
replays only the entries after it onto that state and sets the result against every row of
the store. Tampering after the checkpoint is caught by that replay; tampering before it by
the extension (a consistent rewrite) or the chain check (an edited entry); a forged
checkpoint is refused."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.factories import Body
from tests.integration.conftest import Backend
from tests.integration.test_issuer import BASE, Desk
from vcissue.checkpoint import CHECKPOINT_NAME, Checkpoint
from vcissue.issuer import AuditCheck, core
from vcissue.issuer.replay import digest_hex, replay, state_digest
from vcissue.status import Bitstring
from vcissue.status_sources import DirectorySource
from vcissue.store import Store
from vcissue.store.audit import STATE_BITS, state_element
from vcissue.store.sql import SqlTx

DIFFERS = "the store's credentials differ from the state the checkpoint of"


def check(desk: Desk, checkpoint: Checkpoint | None, **options: Any) -> AuditCheck:
    return desk.issuer.audit_check(
        trust=desk.body.trust,
        published=DirectorySource(desk.publish_dir, BASE),
        checkpoint=checkpoint,
        **options,
    )


def published(desk: Desk) -> Checkpoint:
    """The checkpoint the body published last: what a third party fetches and keeps."""
    return Checkpoint.from_json(json.loads((desk.publish_dir / CHECKPOINT_NAME).read_text()))


def history(desk: Desk) -> tuple[Checkpoint, str, str]:
    """Three certificates, one revoked, then the checkpoint kept; then two more, one
    suspended and one revoked, after it. Returns (kept, revoked before, revoked after)."""
    issue = desk.issuer.issue
    ids = [issue(desk.award(name), by=desk.alice).record.id for name in ("Ana", "Ivo", "Lea")]
    desk.issuer.revoke(ids[1], reason="fraud", by=desk.director_1)
    kept = published(desk)
    later = [issue(desk.award(name), by=desk.alice).record.id for name in ("Mia", "Noa")]
    desk.issuer.suspend(later[0], reason="r", until=desk.clock.at + timedelta(days=9),
                        by=desk.op)  # fmt: skip
    desk.issuer.revoke(later[1], reason="fraud", by=desk.director_1)
    return kept, ids[1], later[1]


def rewrite_log(
    store: Store, backend: Backend, keep_up_to: int, *, drop: str, guards: bool = True
) -> None:
    """What someone with database access does: cut the log after entry ``keep_up_to`` and
    append the rest again without the entries about ``drop`` (a consistent chain)."""
    entries = store.read(lambda tx: tx.audit_entries())
    if guards:
        backend.drop_append_only_guards()
    backend.raw("DELETE FROM audit_log WHERE seq > ?", (keep_up_to,))
    head = [(e.seq, e.hash) for e in entries if e.seq == keep_up_to] or [(0, "0" * 64)]
    backend.raw("UPDATE audit_head SET seq = ?, hash = ?", head[0])

    def append(tx: Any) -> None:
        for entry in entries[keep_up_to:]:
            if not (entry.credential_id == drop and entry.action == "revoke"):
                tx.append_audit(actor=entry.actor, action=entry.action,
                                credential_id=entry.credential_id, details=entry.details,
                                at=entry.at)  # fmt: skip

    store.run(append)


def test_checkpoints_sign_the_state_the_log_replays_to(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # small limits so that folding on, recording in the store, resuming in a new process
    # and replaying whole all happen within a few changes
    monkeypatch.setattr(core, "_RECORD_STATE_EVERY", 2)
    monkeypatch.setattr(core, "_FOLD_AT_MOST", 5)
    desk = Desk(store, tmp_path)
    for n in range(9):
        record = desk.issuer.issue(desk.award(f"Holder {n}"), by=desk.alice).record
        if n % 3 == 1:
            desk.issuer.suspend(record.id, reason="r", until=desk.clock.at + timedelta(
                days=9), by=desk.op)  # fmt: skip
        if n % 4 == 2:
            desk.issuer._state = None  # as in a fresh process: no digest of its own yet
        kept = published(desk)
        entries = store.read(lambda tx: tx.audit_entries())
        assert kept.seq == len(entries)
        assert kept.state == digest_hex(state_digest(replay(entries)[0]))
    assert store.read(lambda tx: tx.audit_state())[0] > 0  # recorded for the next process


def test_verify_replays_only_the_entries_after_the_checkpoint(store: Store, tmp_path: Path) -> None:
    desk = Desk(store, tmp_path)
    kept, _, _ = history(desk)
    assert kept.state is not None and Checkpoint.from_json(kept.to_json()) == kept
    found = check(desk, kept)
    assert found.intact, found.problems
    assert found.replayed_after == kept.seq and found.entries == kept.seq + 4
    assert check(desk, published(desk)).intact  # the last one: nothing after it
    full = check(desk, kept, full=True)
    assert full.intact and full.replayed_after == 0


def test_tampering_after_the_checkpoint_is_caught_incrementally(
    store: Store, backend: Backend, tmp_path: Path
) -> None:
    desk = Desk(store, tmp_path)
    kept, before, after = history(desk)
    # a row no entry after the checkpoint touches, flipped in the database
    backend.raw("UPDATE credentials SET state = 'active' WHERE id = ?", (before,))
    found = check(desk, kept)
    assert found.problems[0].startswith(DIFFERS), found.problems
    assert f"credential {before}: the store says active, the log says revoked" in found.problems
    backend.raw("UPDATE credentials SET state = 'revoked' WHERE id = ?", (before,))
    assert check(desk, kept).intact

    # the revocation after the checkpoint cut from the log, the chain made consistent
    rewrite_log(store, backend, kept.seq, drop=after)
    assert store.read(lambda tx: tx.verify_audit()) == []
    found = check(desk, kept)
    assert found.problems[0].startswith(DIFFERS), found.problems
    assert f"credential {after}: the store says revoked, the log says active" in found.problems


def test_tampering_before_the_checkpoint_is_caught_by_the_extension_or_the_full_check(
    store: Store, backend: Backend, tmp_path: Path
) -> None:
    desk = Desk(store, tmp_path)
    kept, before, _ = history(desk)
    entries = store.read(lambda tx: tx.audit_entries())
    backend.drop_append_only_guards()
    # an entry before the checkpoint edited in place: the state the store is held to is
    # the one the checkpoint signs, so only the full check, re-hashing it, finds it
    backend.raw("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
    assert check(desk, kept).intact
    found = check(desk, kept, full=True)
    assert "entry 2: hash mismatch (entry was altered)" in found.problems
    # the checkpoint's own entry edited in place: read, and re-hashed, by default
    backend.raw("UPDATE audit_log SET actor = 'someone-else' WHERE seq = ?", (kept.seq,))
    found = check(desk, kept)
    assert f"entry {kept.seq}: hash mismatch (entry was altered)" in found.problems
    backend.raw("UPDATE audit_log SET actor = ? WHERE seq = ?", (entries[kept.seq - 1].actor,
                                                                  kept.seq))  # fmt: skip
    backend.raw("UPDATE audit_log SET actor = ? WHERE seq = 2", (entries[1].actor,))
    assert check(desk, kept).intact

    # the revocation before the checkpoint cut and the whole log rewritten consistently
    rewrite_log(store, backend, 0, drop=before, guards=False)
    backend.raw("UPDATE credentials SET state = 'active' WHERE id = ?", (before,))
    found = check(desk, kept)
    assert any("the log does not extend the checkpoint of" in p for p in found.problems), found
    assert any("the log was rewritten" in problem for problem in found.problems)


def test_a_forged_checkpoint_fails(store: Store, tmp_path: Path) -> None:
    desk = Desk(store, tmp_path)
    kept, _, _ = history(desk)
    assert kept.state is not None
    other = "f" * 512 if kept.state != "f" * 512 else "e" * 512
    for forged in (
        dataclasses.replace(kept, state=other),  # another state under the body's signature
        dataclasses.replace(kept, seq=kept.seq - 1),
        Checkpoint.sign(log=kept.log, seq=kept.seq, head=kept.head, time=kept.time,
                        key=Body().key, state=other),  # signed, by a key not the body's
    ):  # fmt: skip
        found = check(desk, forged)
        assert not found.intact
        assert "is not the body's" in found.problems[-1], found.problems
    # a checkpoint without a state (format 1, as published before) still verifies, whole
    legacy = Checkpoint.sign(log=kept.log, seq=kept.seq, head=kept.head, time=kept.time,
                             key=desk.body.key)  # fmt: skip
    assert legacy.to_json()["format"] == "vcissue-audit-checkpoint/1"
    found = check(desk, Checkpoint.from_json(legacy.to_json()))
    assert found.intact and found.replayed_after == 0


def _flip_bit(store: Store, list_id: str, index: int) -> None:
    """A status bit flipped in the store's list (its signed copies left as they were)."""

    def flip(tx: Any) -> None:
        current = tx.get_list(list_id, for_update=True)
        bits = Bitstring.from_bytes(current.bits, min_bits=1)
        bits.set(index, not bits.get(index))
        tx.save_list(current.id, bits=bits.to_bytes(), version=current.version + 1,
                     full=current.full, published_json=current.published_json,
                     published_at=current.published_at)  # fmt: skip

    store.run(flip)


TAMPERS = ("signed form before", "state after", "bit before", "bit after", "entry inserted",
           "entry deleted", "entry inserted before")  # fmt: skip


@pytest.mark.parametrize("tamper", TAMPERS)
def test_each_tamper_is_caught_from_the_checkpoint(
    store: Store, backend: Backend, tmp_path: Path, tamper: str
) -> None:
    """Rows and bits of credentials changed before the checkpoint and after it, entries
    after it inserted (a consistent chain) or deleted, an entry before it inserted: the
    default check, from the checkpoint, finds each; the full replay then names it."""
    desk = Desk(store, tmp_path)
    kept, before, after = history(desk)
    assert check(desk, kept).intact
    old, new = desk.issuer.get(before), desk.issuer.get(after)
    backend.drop_append_only_guards()
    if tamper == "signed form before":  # another credential's signed form, validly signed
        backend.raw("UPDATE credentials SET signed_json = ? WHERE id = ?",
                    (new.signed_json, before))  # fmt: skip
        named = f"credential {before}: its signed form differs"
    elif tamper == "state after":
        backend.raw("UPDATE credentials SET state = 'active' WHERE id = ?", (after,))
        named = f"credential {after}: the store says active, the log says revoked"
    elif tamper == "bit before":
        _flip_bit(store, old.revocation_list, old.revocation_index)
        named = f"credential {before}: revocation bit {old.revocation_index}"
    elif tamper == "bit after":
        _flip_bit(store, new.revocation_list, new.revocation_index)
        named = f"credential {after}: revocation bit {new.revocation_index}"
    elif tamper == "entry inserted":  # the revocation after the checkpoint undone in the log
        store.run(lambda tx: tx.append_audit(actor="x", action="reinstate", credential_id=after,
                                             details={}, at=desk.clock.at))  # fmt: skip
        named = f"credential {after}: the store says revoked, the log says active"
    elif tamper == "entry deleted":
        backend.raw("DELETE FROM audit_log WHERE seq = ?", (kept.seq + 2,))
        named = f"seq gap: entry {kept.seq + 2} missing before entry {kept.seq + 3}"
    else:  # the log rewritten with one more entry before the checkpoint
        entries = store.read(lambda tx: tx.audit_entries())
        backend.raw("DELETE FROM audit_log")
        backend.raw("UPDATE audit_head SET seq = 0, hash = ?", ("0" * 64,))

        def rewrite(tx: Any) -> None:
            tx.append_audit(actor="x", action="note", credential_id=None, details={},
                            at=desk.clock.at)  # fmt: skip
            for entry in entries:
                tx.append_audit(actor=entry.actor, action=entry.action,
                                credential_id=entry.credential_id, details=entry.details,
                                at=entry.at)  # fmt: skip

        store.run(rewrite)
        named = "the log was rewritten"
    found = desk.issuer._incremental_check(kept, desk.body.trust, None)
    assert found.problems, tamper  # the default check alone
    assert check(desk, kept).problems[: len(found.problems)] == found.problems
    assert any(named in problem for problem in check(desk, kept, full=True).problems), tamper


def test_the_store_sums_its_rows_as_the_log_does(
    store: Store, backend: Backend, tmp_path: Path
) -> None:
    """``Tx.state_sum`` (SQL on PostgreSQL, Python on SQLite, both checked against the
    Python definition row by row) equals the replayed log's digest, also for rows whose
    lists or indices the store does not have (the element's ``-`` bit) and texts beyond
    ASCII, where a character count and a byte count differ."""
    desk = Desk(store, tmp_path)
    history(desk)
    expected, _ = replay(store.read(lambda tx: tx.audit_entries()))
    assert store.read(lambda tx: tx.state_sum()) == state_digest(expected)
    first = desk.issuer.get(next(iter(expected)))
    if backend.name != "sqlite":  # (the raw SQLite connection enforces no foreign keys)
        backend.raw("ALTER TABLE credentials DROP CONSTRAINT "
                    "credentials_revocation_list_revocation_index_id_fkey")  # fmt: skip
    for change in (
        "UPDATE credentials SET revocation_index = 999999999 WHERE id = ?",  # beyond the list
        "UPDATE credentials SET revocation_list = 'https://gone.example/ć' WHERE id = ?",
        'UPDATE credentials SET signed_json = \'{"name": "Ćiril 𝄞"}\' WHERE id = ?',
    ):
        backend.raw(change, (first.id,))

        def both(tx: Any) -> tuple[int, int]:
            return tx.state_sum(), SqlTx.state_sum(tx)

        computed, reference = store.read(both)
        record = desk.issuer.get(first.id)
        lists = {item.id: item.bits for item in desk.issuer.status_lists()}

        def bit(list_id: str, index: int, lists: dict[str, bytes] = lists) -> bool | None:
            bits = lists.get(list_id)
            if bits is None or index >= len(bits) * 8:
                return None
            return Bitstring.from_bytes(bits, min_bits=1).get(index)

        by_hand = state_digest({k: v for k, v in expected.items() if k != first.id})
        by_hand += state_element(
            first.id, record.state, (record.revocation_list, record.revocation_index),
            bit(record.revocation_list, record.revocation_index),
            (record.suspension_list, record.suspension_index),
            bit(record.suspension_list, record.suspension_index),
            hashlib.sha256(record.signed_json.encode()).hexdigest(),
        )  # fmt: skip
        assert computed == reference == by_hand % (1 << STATE_BITS), change


def test_a_signed_form_digest_column_no_longer_generated_is_not_trusted(
    store: Store, backend: Backend, tmp_path: Path
) -> None:
    """PostgreSQL sums the digests of the signed forms from a column it generates
    (migration 12). Someone who drops its expression can write the column, to hide a
    changed signed form behind the digest the log recorded: the sum then hashes the signed
    forms themselves, and the change is still caught."""
    if backend.name == "sqlite":
        pytest.skip("the column is PostgreSQL's (SQLite has no SHA-256)")
    desk = Desk(store, tmp_path)
    kept, before, _ = history(desk)
    backend.raw("UPDATE credentials SET signed_json = signed_json || ' ' WHERE id = ?", (before,))
    assert not check(desk, kept).intact  # the generated column follows the change
    backend.raw("ALTER TABLE credentials ALTER COLUMN signed_sha256 DROP EXPRESSION")
    backend.raw(
        "UPDATE credentials SET signed_sha256 = sha256(convert_to(rtrim(signed_json), "
        "'UTF8')) WHERE id = ?",
        (before,),
    )
    found = desk.issuer._incremental_check(kept, desk.body.trust, None)
    assert found.problems and found.problems[0].startswith(DIFFERS), found.problems
    backend.raw("UPDATE credentials SET signed_json = rtrim(signed_json) WHERE id = ?", (before,))
    assert check(desk, kept).intact
