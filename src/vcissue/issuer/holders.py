"""Everything the body holds about a person (GDPR art. 15 access), as one JSON document.

A person is found by a certificate of theirs (number or id), and is every credential
with that certificate's holder id, or (without one) the same name as people type it
(NFKC, case, spaces). The export holds each credential record (state, dates, terms,
the signed credential), the governance cases about those credentials (complaints,
appeals, decisions, with their data) and the audit entries about them. Certificates
imported from before vcissue under the same name are listed too. The audit log holds
ids, not names, so its entries are listed as they are.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from ..proofs import format_datetime
from ..store.records import CaseRecord, CredentialRecord, Tx
from .core import IssuerCore

__all__ = ["holder_export"]

FORMAT = "vcissue-holder-export/1"


def _name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _same_person(anchor: CredentialRecord, other: CredentialRecord) -> bool:
    if anchor.holder_name == "[erased]":  # erasure.ERASED: no name left to match by
        return other.id == anchor.id
    if anchor.holder_id:
        return other.holder_id == anchor.holder_id
    return other.holder_id is None and _name_key(other.holder_name) == _name_key(anchor.holder_name)


def holder_export(issuer: IssuerCore, key: str) -> dict[str, Any]:
    """The export for the holder of the certificate ``key`` (a number or an id)."""
    anchor = issuer.get(key)
    now = issuer.now()

    def read(tx: Tx) -> dict[str, Any]:
        records = [r for r in tx.list_credentials() if _same_person(anchor, r)]
        ids = {r.id for r in records}
        cases = [c for c in tx.cases() if c.subject in ids]
        audit = [e for r in records for e in tx.audit_for(r.id)]
        names = {_name_key(r.holder_name) for r in records if r.holder_name != "[erased]"}
        imported = [i for i in tx.imports() if _name_key(i.holder_name) in names]
        return {
            "format": FORMAT,
            "exportedAt": format_datetime(now),
            "holder": {"name": anchor.holder_name, "id": anchor.holder_id},
            "credentials": [_credential(r) for r in records],
            "cases": [_case(c) for c in cases],
            "imported": [  # certificates issued before vcissue, by the same name
                {
                    "number": i.number,
                    "holderName": i.holder_name,
                    "holderEmail": i.holder_email,
                    "qualification": i.qualification_id,
                    "awarded": format_datetime(i.awarded),
                    "expires": format_datetime(i.expires),
                    "state": i.state,
                    "credentialId": i.credential_id,
                }
                for i in imported
            ],
            "audit": [
                {
                    "seq": e.seq,
                    "at": format_datetime(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "credentialId": e.credential_id,
                    "details": e.details,
                }
                for e in sorted(audit, key=lambda e: e.seq)
            ],
        }

    return issuer.store.read(read)


def _credential(record: CredentialRecord) -> dict[str, Any]:
    return {
        "credentialId": record.id,
        "number": record.number,
        "holderName": record.holder_name,
        "holderId": record.holder_id,
        "holderEmail": record.holder_email,
        "qualification": record.qualification_id,
        "units": list(record.units),
        "state": record.state,
        "stateReason": record.state_reason,
        "awarded": format_datetime(record.awarded),
        "expires": format_datetime(record.expires),
        "suspendedUntil": format_datetime(record.suspended_until)
        if record.suspended_until
        else None,
        "previous": record.previous_id,
        "terms": dict(record.terms),
        "issuedAt": format_datetime(record.created_at),
        "verifiableCredential": json.loads(record.signed_json),
    }


def _case(case: CaseRecord) -> dict[str, Any]:
    return {
        "caseId": case.id,
        "kind": case.kind,
        "type": case.type,
        "subject": case.subject,
        "state": case.state,
        "openedAt": format_datetime(case.opened_at),
        "closedAt": format_datetime(case.closed_at) if case.closed_at else None,
        "data": dict(case.data),
    }
