"""The test-only VC-API routes the W3C suites drive (routes/vcapi.py), over real HTTP.

Off by default (404); on with ``unsafe_conformance_routes``: issue with either
cryptosuite under a throwaway did:key, refuse what it cannot check (400 problems), verify
with VC-API's 200/400, status entries in its own lists, set and cleared by
``/conformance/credentials/status``.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Backend
from tests.service.conftest import Service, running_service
from tests.vectors import TEST_CONTEXTS
from vcissue.errors import SettingsError
from vcissue.holder import create_presentation
from vcissue.keys import SigningKey
from vcissue.settings import load_settings
from vcissue.system import system_random

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
VC_V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture(scope="module")
def conformance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("vcapi")
    backend = Backend("sqlite", f"sqlite:///{tmp / 'store.db'}", path=tmp / "store.db")
    with running_service(backend, tmp, unsafe_conformance_routes=True) as running:
        yield running
    backend.close_all()


def credential(issuer: str, **extra: Any) -> dict[str, Any]:
    return {
        "@context": [VC_V2, EXAMPLES],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "name": "Alice"},
        **extra,
    }


def did_of(service: Service) -> str:
    reply = service.call("GET", "/conformance/issuer")
    assert reply.status == 200
    did: str = reply.json()["id"]
    return did


def issue(service: Service, body: dict[str, Any]) -> dict[str, Any]:
    reply = service.call("POST", "/conformance/credentials/issue", body)
    assert reply.status == 201, reply.body
    vc: dict[str, Any] = reply.json()["verifiableCredential"]
    return vc


def verify(service: Service, vc: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    reply = service.call("POST", "/conformance/credentials/verify", {"verifiableCredential": vc})
    return reply.status, reply.json()


def test_off_by_default(service: Service) -> None:
    assert service.call("GET", "/conformance/issuer").status == 404
    body = {"credential": credential("did:key:z6Mk")}
    assert service.call("POST", "/conformance/credentials/issue", body).status == 404
    assert (
        "/conformance/credentials/issue" not in service.call("GET", "/openapi.json").json()["paths"]
    )


def test_setting_is_a_boolean(tmp_path: Path) -> None:
    config = tmp_path / "vcissue.toml"
    config.write_text("[testing]\nunsafe_conformance_routes = true\n")
    assert load_settings(config, env={}).unsafe_conformance_routes is True
    config.write_text("")
    assert load_settings(config, env={}).unsafe_conformance_routes is False
    config.write_text('[testing]\nunsafe_conformance_routes = "yes"\n')
    with pytest.raises(SettingsError, match="true or false"):
        load_settings(config, env={})


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_issue_and_verify(conformance: Service, suite: str) -> None:
    did = did_of(conformance)
    assert did.startswith("did:key:z6Mk")
    vc = issue(conformance, {"credential": credential(did), "options": {"cryptosuite": suite}})
    assert vc["proof"]["cryptosuite"] == suite
    assert vc["proof"]["verificationMethod"].startswith(did + "#")
    status, answer = verify(conformance, vc)
    assert (status, answer["verified"], answer["errors"]) == (200, True, [])
    assert {"proof", "issuer.binding", "context", "structure"} <= set(answer["checks"])

    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["name"] = "Mallory"
    status, answer = verify(conformance, tampered)
    assert (status, answer["verified"], answer["verdict"]) == (400, False, "FORGED")
    assert [error["type"] for error in answer["errors"]] == ["proof"]


def test_issuer_object_form(conformance: Service) -> None:
    did = did_of(conformance)
    vc = issue(conformance, {"credential": credential({"id": did, "name": "Test"})})  # type: ignore[arg-type]
    assert verify(conformance, vc)[0] == 200


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"issuer": "did:key:z6MkhTNL7i2etLerDK8Acz5t528giE5KA4p75T6ka1E1D74r"}, "issuer must"),
        ({"@context": [VC_V2, "https://example.com/unknown/v1"]}, "not bundled"),
        ({"@context": ["https://example.com/unknown/v1", VC_V2]}, "context"),
        ({"type": ["ExampleDegreeCredential"]}, "VerifiableCredential"),
        ({"credentialSubject": {}}, "credentialSubject"),
        ({"validFrom": "yesterday"}, "validFrom"),
        ({"proof": {"type": "DataIntegrityProof"}}, "already has a proof"),
        ({"undefinedTerm": 1, "@context": [VC_V2]}, "context"),
    ],
)
def test_issue_refuses_what_it_cannot_check(
    conformance: Service, change: dict[str, Any], detail: str
) -> None:
    body = {"credential": {**credential(did_of(conformance)), **change}}
    reply = conformance.call("POST", "/conformance/credentials/issue", body)
    assert reply.status == 400, reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["type"].endswith("invalid-credential")
    assert detail in problem["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"credential": "not an object"},
        {"credential": {}, "options": {"cryptosuite": "ecdsa-rdfc-2019"}},
        {"credential": {}, "options": {"unknownOption": True}},
        {"verifiableCredential": {}},
    ],
)
def test_malformed_issue_requests_are_problems(conformance: Service, body: Any) -> None:
    reply = conformance.call("POST", "/conformance/credentials/issue", body)
    assert reply.status == 422
    assert reply.headers["content-type"] == "application/problem+json"


def test_malformed_verify_requests_are_problems(conformance: Service) -> None:
    for body in ({"credential": {}}, {"verifiableCredential": [1]}):
        reply = conformance.call("POST", "/conformance/credentials/verify", body)
        assert reply.status == 422
        assert reply.headers["content-type"] == "application/problem+json"
    raw = b'{"verifiableCredential": {"a": 1, "a": 2}}'
    reply = conformance.call("POST", "/conformance/credentials/verify", raw=raw)
    assert reply.status == 422
    assert reply.json()["type"].endswith("malformed-input")


def test_unknown_issuer_key_is_not_valid(conformance: Service) -> None:
    """A did:web issuer nobody vouches for cannot be resolved offline: not VALID."""
    vc = issue(conformance, {"credential": credential(did_of(conformance))})
    vc["issuer"] = "did:web:elsewhere.example"
    status, answer = verify(conformance, vc)
    assert status == 400
    assert answer["verdict"] in ("FORGED", "NOT_TRUSTED")


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_status_entry_set_and_cleared(conformance: Service, purpose: str) -> None:
    did = did_of(conformance)
    option = {"type": "BitstringStatusListEntry", "statusPurpose": purpose}
    vc = issue(
        conformance, {"credential": credential(did), "options": {"credentialStatus": option}}
    )
    entry = vc["credentialStatus"]
    assert entry["statusPurpose"] == purpose
    assert entry["statusListCredential"] == f"{conformance.base}/conformance/status-lists/{purpose}"
    listed = conformance.call("GET", f"/conformance/status-lists/{purpose}")
    assert listed.status == 200
    assert listed.json()["credentialSubject"]["statusPurpose"] == purpose
    assert verify(conformance, listed.json())[0] == 200
    status, answer = verify(conformance, vc)
    assert (status, answer["verdict"]) == (200, "VALID")
    assert f"status.{purpose}" in answer["checks"]

    update = {"credentialId": vc["id"], "credentialStatus": option}
    assert conformance.call("POST", "/conformance/credentials/status", update).status == 200
    status, answer = verify(conformance, vc)
    assert (status, answer["verdict"]) == (
        400,
        "REVOKED" if purpose == "revocation" else "SUSPENDED",
    )
    assert [error["type"] for error in answer["errors"]] == [f"status.{purpose}"]

    cleared = {**update, "status": False}
    assert conformance.call("POST", "/conformance/credentials/status", cleared).status == 200
    assert verify(conformance, vc)[0] == 200
    publish = conformance.call("POST", f"/conformance/status-lists/{purpose}/publish", {})
    assert publish.status == 204


def test_both_status_purposes_by_default(conformance: Service) -> None:
    option = {"type": "BitstringStatusListEntry"}
    body = {"credential": credential(did_of(conformance)), "options": {"credentialStatus": option}}
    vc = issue(conformance, body)
    assert [e["statusPurpose"] for e in vc["credentialStatus"]] == ["revocation", "suspension"]
    assert verify(conformance, vc)[0] == 200


def test_status_refusals(conformance: Service) -> None:
    option = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}
    unknown = {"credentialId": "urn:uuid:never-issued", "credentialStatus": option}
    reply = conformance.call("POST", "/conformance/credentials/status", unknown)
    assert reply.status == 404
    assert reply.headers["content-type"] == "application/problem+json"
    assert conformance.call("GET", "/conformance/status-lists/refresh").status == 404
    no_id = credential(did_of(conformance))
    del no_id["id"]
    reply = conformance.call(
        "POST",
        "/conformance/credentials/issue",
        {"credential": no_id, "options": {"credentialStatus": option}},
    )
    assert reply.status == 201  # the issuer names it, so that its status can be updated
    named = reply.json()["verifiableCredential"]["id"]
    assert named.startswith("urn:uuid:")
    update = {"credentialId": named, "credentialStatus": option}
    assert conformance.call("POST", "/conformance/credentials/status", update).status == 200
    again = {"credential": {**no_id, "id": named}, "options": {"credentialStatus": option}}
    reply = conformance.call("POST", "/conformance/credentials/issue", again)
    assert reply.status == 400
    assert "issued already" in reply.json()["detail"]


def test_list_of_another_service_is_could_not_check(conformance: Service) -> None:
    did = did_of(conformance)
    foreign = {
        "id": "https://status.example/lists/1#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://status.example/lists/1",
    }
    reply = conformance.call(
        "POST",
        "/conformance/credentials/issue",
        {"credential": credential(did, credentialStatus=foreign)},
    )
    assert reply.status == 201  # the entry is well formed; its list is not checked when issuing
    status, answer = verify(conformance, reply.json()["verifiableCredential"])
    assert (status, answer["verdict"]) == (400, "STATUS_UNKNOWN")


def test_presentation_verify(conformance: Service) -> None:
    """A holder's presentation of a credential these routes issued (about the holder)."""
    holder = SigningKey.generate(rng=system_random)
    body = {
        "credential": {
            **credential(did_of(conformance)),
            "credentialSubject": {"id": holder.controller, "name": "Alice"},
        }
    }
    vc = issue(conformance, body)
    vp = create_presentation(
        [vc],
        holder,
        challenge="c-1",
        domain="verifier.example",
        created=datetime.now(UTC),
        contexts=TEST_CONTEXTS,
    )
    path = "/conformance/presentations/verify"
    options = {"challenge": "c-1", "domain": "verifier.example"}
    reply = conformance.call("POST", path, {"verifiablePresentation": vp, "options": options})
    assert reply.status == 200, reply.body
    assert reply.json()["errors"] == []
    assert "presentation.proof" in reply.json()["checks"]

    wrong = {"challenge": "c-2", "domain": "verifier.example"}
    reply = conformance.call("POST", path, {"verifiablePresentation": vp, "options": wrong})
    assert reply.status == 400
    assert [e["type"] for e in reply.json()["errors"]] == ["presentation.challenge"]

    reply = conformance.call("POST", path, {"verifiablePresentation": vp})
    assert reply.status == 422
    assert reply.headers["content-type"] == "application/problem+json"
