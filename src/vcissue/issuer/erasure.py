"""Erasure of a person's personal data (GDPR art. 17), as the effect of an ``erase``
decision (two approvers by default: it cannot be undone).

The person is the holder of the certificate named (by holder id, else by name as people
type it, as ``holders.holder_export`` finds them), with every credential that replaced or
was replaced by one of theirs (a name change keeps the person) and their imported
certificates (by name). A certificate delivered to a wallet under another DID is another
identity to the store: erase it by its own number too. In one transaction:

- credential rows: the name becomes ``ERASED``; holder id, e-mail, batch key and the
  language cleared; the stored credential keeps its ids, dates, qualification and status
  entries but loses its subject's name, identifier and id, and its proof (it no longer
  says what was signed). One ``erase`` audit entry each, with the digest of the new stored
  form, so the replayed log still matches the store. Status bits are untouched: the
  holder's own copy verifies as before, and the register says current or not as before,
  without a name;
- imported certificates: the name becomes ``ERASED``, the e-mail cleared;
- governance cases about those credentials, their vote notes, outbox events and the
  ``last_error`` of their deliveries: every occurrence of the name, e-mail or holder id
  in their text replaced by ``ERASED``.

The audit log is not touched and need not be: its entries name credential ids, case ids,
numbers, principals, reasons as staff typed them, and digests of signed forms, never a
holder's name or address (``tests/integration/test_erasure.py`` searches every table for
them after an erasure). A batch row's key is a digest of the row, name included; the log
keeps it (a digest, not the name), the credential row does not.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ..store.records import CredentialRecord, Tx
from .core import IssuerCore, _Work
from .holders import _name_key, _same_person

__all__ = ["ERASED", "erase_imported", "erase_person", "scrub"]

ERASED = "[erased]"


def _pattern(needles: Iterable[str]) -> re.Pattern[str] | None:
    parts = sorted(
        {r"\s+".join(map(re.escape, n.split())) for n in needles if n and n.strip()},
        key=len,
        reverse=True,
    )
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def scrub(value: Any, pattern: re.Pattern[str] | None) -> Any:
    """``value`` (JSON) with every match of ``pattern`` in its strings replaced."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [scrub(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: scrub(item, pattern) for key, item in value.items()}
    return value


def _person(tx: Tx, anchor: CredentialRecord) -> list[CredentialRecord]:
    """The anchor's person: same holder, and every credential linked to one of theirs
    by replacement (a name change, a recertification)."""
    records = tx.list_credentials()
    by_id = {r.id: r for r in records}
    found = {r.id for r in records if _same_person(anchor, r)}  # erased: the anchor only
    links: dict[str, set[str]] = {r.id: set() for r in records}
    for r in records:
        if r.previous_id in links:
            links[r.id].add(r.previous_id)
            links[r.previous_id].add(r.id)
    todo = list(found)
    while todo:
        for other in links.get(todo.pop(), ()):
            if other not in found:
                found.add(other)
                todo.append(other)
    return [by_id[i] for i in sorted(found)]


def _stored_form(signed_json: str, pattern: re.Pattern[str] | None) -> str:
    document = json.loads(signed_json)
    document.pop("proof", None)
    subject = document.get("credentialSubject")
    if isinstance(subject, dict):
        for key in ("id", "name", "identifier"):
            subject.pop(key, None)
    return json.dumps(scrub(document, pattern), ensure_ascii=False, separators=(",", ":"))


def erase_person(
    core: IssuerCore, work: _Work, anchor: CredentialRecord, *, actor: str, case: str | None
) -> list[str]:
    """Erase the personal data of ``anchor``'s holder (see the module doc); returns the
    ids of the credentials erased."""
    tx = work.tx
    records = _person(tx, anchor)
    ids = {r.id for r in records}
    names = {r.holder_name for r in records if r.holder_name != ERASED}
    needles = names | {r.holder_email or "" for r in records} | {r.holder_id or "" for r in records}
    imported = [
        i for i in tx.imports() if _name_key(i.holder_name) in {_name_key(n) for n in names}
    ]
    needles |= {i.holder_email or "" for i in imported}
    pattern = _pattern(needles)
    for record in records:
        stored = _stored_form(record.signed_json, pattern)
        terms = {k: v for k, v in scrub(dict(record.terms), pattern).items() if k != "language"}
        tx.erase_credential(record.id, holder_name=ERASED, signed_json=stored, terms=terms)
        digest = hashlib.sha256(stored.encode("utf-8")).hexdigest()
        core._audit(work, actor, "erase", record.id, sha256=digest, case=case)
    for item in imported:
        tx.erase_import(item.number, holder_name=ERASED)
    for found in tx.cases():
        if found.id == case:
            continue  # the erasure decision itself: ids and a reason only
        data = scrub(dict(found.data), pattern)
        if data != dict(found.data):
            tx.update_case(
                found.id, version=found.version, state=found.state, data=data,
                closed_at=found.closed_at,
            )  # fmt: skip
        for vote in tx.votes(found.id):
            note = scrub(vote.note, pattern)
            if note != vote.note:
                tx.set_vote_note(found.id, vote.principal_id, note)
    for event in tx.events():
        data = scrub(dict(event.data), pattern)
        if event.credential_id in ids or data != dict(event.data):
            if data != dict(event.data):
                tx.set_event_data(event.id, data)
            for delivery in tx.deliveries(event_id=event.id):
                error = scrub(delivery.last_error, pattern)
                if error != delivery.last_error:
                    tx.update_delivery(
                        replace(delivery, last_error=error), attempts_was=delivery.attempts
                    )
    return sorted(ids)


def erase_imported(
    core: IssuerCore, work: _Work, number: str, *, actor: str, case: str | None
) -> list[str]:
    """Erase an imported certificate's holder who has no credential: the name and e-mail
    of every import under their name; one ``erase`` audit entry naming the number."""
    found = work.tx.get_import(number)
    if found is None or found.holder_name == ERASED:
        return []
    key = _name_key(found.holder_name)
    numbers = [i.number for i in work.tx.imports() if _name_key(i.holder_name) == key]
    for each in numbers:
        work.tx.erase_import(each, holder_name=ERASED)
    core._audit(work, actor, "erase", None, numbers=numbers, case=case)
    return numbers
