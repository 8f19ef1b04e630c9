"""Issue 12 section 5 over real HTTP (SQLite and PostgreSQL): the service publishes a
signed checkpoint of the audit log beside the status lists, and its /audit answer replays
the log against the store, naming a credential whose state was changed in the database."""

from __future__ import annotations

from tests.service.conftest import Service
from tests.service.test_governance_http import issued
from vcissue.checkpoint import Checkpoint
from vcissue.verify import TrustedIssuer, TrustList


def test_checkpoint_published_and_a_flipped_state_named(service: Service) -> None:
    vc = issued(service)
    reply = service.call("GET", "/status-lists/audit-checkpoint")
    assert reply.status == 200 and reply.headers["cache-control"] == "no-store"
    kept = Checkpoint.from_json(reply.json())
    document = service.call("GET", "/.well-known/did.json").json()
    kept.verify(TrustList.of(TrustedIssuer(document["id"], "", document)))
    log = service.call("GET", "/audit", key="auditor").json()
    assert log["intact"] and kept.seq == len(log["entries"])
    assert kept.head == log["entries"][-1]["hash"]

    service.backend.raw("UPDATE credentials SET state = 'revoked' WHERE id = ?", (vc["id"],))
    log = service.call("GET", "/audit", key="auditor").json()
    assert log["intact"] is False
    assert (
        f"credential {vc['id']}: the store says revoked, the log says active" in (log["problems"])
    )
