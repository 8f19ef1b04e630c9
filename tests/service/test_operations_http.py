"""The CLI's housekeeping over real HTTP on 127.0.0.1 (SQLite and PostgreSQL): bulk
decisions from a CSV body (the same policies as single decisions, resumable, line-numbered
problems), the holder export, and a name change that supersedes."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import Reply, Service

CSV = {"Content-Type": "text/csv"}


def issue(service: Service, name: str, **holder: Any) -> dict[str, Any]:
    award = {"qualification": "ecomentor", "holder": {"name": name, **holder}}
    reply = service.call("POST", "/credentials/issue", award, key="issuer")
    assert reply.status == 201, reply.body
    vc: dict[str, Any] = reply.json()["verifiableCredential"]
    return vc


def number(vc: dict[str, Any]) -> str:
    return str(vc["credentialSubject"]["licenseNumber"])


def state(service: Service, vc: dict[str, Any]) -> str:
    return str(service.call("GET", f"/credentials/{vc['id']}", key="auditor").json()["state"])


def bulk(service: Service, text: str, key: str) -> Reply:
    return service.call("POST", "/decisions/bulk", raw=text.encode(), headers=CSV, key=key)


def test_bulk_decisions_under_the_same_policies_and_resumable(service: Service) -> None:
    ana, ivo, eva = (issue(service, name) for name in ("Ana Novak", "Ivo Ban", "Eva Kos"))
    text = (
        "credential,action,reason,until\n"
        f"{number(ana)},suspend,audit,2099-01-01T00:00:00Z\n"
        f"{ivo['id']},suspend,audit,2099-01-01T00:00:00Z\n"
        f"{number(eva)},revoke,fraud,\n"
    )
    first = bulk(service, text, "operator")
    assert first.status == 200, first.body
    report = first.json()
    assert [(d["line"], d["credentialId"]) for d in report["done"]] == [
        (2, ana["id"]), (3, ivo["id"])
    ]  # fmt: skip
    # revocation is the approvers' (two of them): the operator's row is refused, others stand
    [refused] = report["errors"]
    assert refused["line"] == 4 and "[not-permitted]" in refused["message"]
    assert (state(service, ana), state(service, ivo), state(service, eva)) == (
        "suspended", "suspended", "active"
    )  # fmt: skip
    again = bulk(service, text, "approver-1").json()  # the first approver: pending
    assert [d["line"] for d in again["already"]] == [2, 3]
    [pending] = again["pending"]
    assert pending["line"] == 4 and state(service, eva) == "active"
    assert bulk(service, text, "approver-1").json()["pending"] == [pending]  # not twice
    second = bulk(service, text, "approver-2").json()
    assert [d["credentialId"] for d in second["done"]] == [eva["id"]]
    assert state(service, eva) == "revoked"
    assert bulk(service, text, "auditor").status == 403
    assert bulk(service, text, "issuer").status == 403


def test_a_bad_bulk_file_is_refused_whole_with_every_line_named(service: Service) -> None:
    ana = issue(service, "Ana Novak")
    text = (
        "credential,action,reason,until\n"
        f"{number(ana)},suspend,audit,2099-01-01T00:00:00Z\n"
        f"{number(ana)},explode,why,\n"
        "EM-1999-000001,reinstate,ok,\n"
        f"{number(ana)},suspend,,2099-01-01T00:00:00Z\n"
    )
    reply = bulk(service, text, "operator")
    assert reply.status == 422 and reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["type"].endswith("/invalid-rows")
    assert [e["location"] for e in problem["errors"]] == ["line 3", "line 4", "line 5"]
    assert "credential-unknown" in problem["errors"][1]["message"]
    assert state(service, ana) == "active"  # nothing was decided
    for raw, match in [
        (b"credential,action\n", "reason"),
        (b"", "required"),
        ("credential,action,reason\nx,revoke,\xe9\n".encode("cp1250"), "UTF-8"),
        (b"who,action,reason\n", "who"),
    ]:
        bad = service.call("POST", "/decisions/bulk", raw=raw, headers=CSV, key="operator")
        assert bad.status == 422, (raw, bad.body)
        assert match in bad.json()["detail"], bad.json()


def test_the_operator_exports_everything_held_about_a_holder(service: Service) -> None:
    ana = issue(service, "Ana Novak", email="ana@example.org", language="hr")
    issue(service, "ana  NOVAK")  # the same person as people type the name
    issue(service, "Ivo Ban")
    reply = service.call("GET", f"/holders/{number(ana)}/export", key="operator")
    assert reply.status == 200, reply.body
    document = reply.json()
    assert document["format"] == "vcissue-holder-export/1"
    assert document["holder"]["name"] == "Ana Novak"
    assert len(document["credentials"]) == 2
    assert "ana@example.org" in reply.body.decode()
    assert document["audit"] and all("Ivo" not in str(e) for e in document["audit"])
    assert service.call("GET", f"/holders/{number(ana)}/export", key="auditor").status == 403
    assert service.call("GET", f"/holders/{number(ana)}/export").status == 401
    unknown = service.call("GET", "/holders/EM-1999-000001/export", key="operator")
    assert unknown.status == 404 and unknown.json()["type"].endswith("/credential-unknown")


def test_a_name_change_supersedes_the_old_certificate(service: Service) -> None:
    ana = issue(service, "Ana Novak")
    path = f"/credentials/{number(ana)}/rename"
    assert service.call("POST", path, {"name": "Ana Horvat"}, key="auditor").status == 403
    assert service.call("POST", path, {"name": "Ana Horvat"}, key="operator").status == 403
    assert service.call("POST", path, {"name": " "}, key="issuer").status == 422
    reply = service.call("POST", path, {"name": "Ana Horvat"}, key="issuer")
    assert reply.status == 200, reply.body
    changed = reply.json()
    assert changed["credentialId"] == ana["id"] and changed["decisionState"] == "done"
    assert changed["state"] == "superseded"
    new = service.call("GET", f"/credentials/{changed['newCredentialId']}", key="auditor").json()
    assert "Ana Horvat" in str(new["verifiableCredential"]["credentialSubject"])
    old = service.call(
        "GET", f"/register/{number(ana)}", headers={"Accept": "application/json"}
    ).json()
    new_number = new["verifiableCredential"]["credentialSubject"]["licenseNumber"]
    assert old["current"] is False and old["replacedByNumber"] == new_number
    unknown = service.call("POST", "/credentials/EM-1999-1/rename", {"name": "X"}, key="issuer")
    assert unknown.status == 404


def test_erasure_under_two_approvers(service: Service) -> None:
    ana = issue(service, "Ana Novak", email="ana@example.org")
    path = f"/holders/{number(ana)}/erase"
    assert service.call("POST", path, {}, key="operator").status == 403  # the policy's
    assert service.call("POST", path, {}, key="auditor").status == 403
    first = service.call("POST", path, {"reason": "GDPR art. 17 request"}, key="approver-1")
    assert first.status == 202 and first.json()["decisionState"] == "pending", first.body
    second = service.call("POST", path, {}, key="approver-2")
    assert second.status == 200 and second.json()["decisionState"] == "done", second.body
    answer = service.call(
        "GET", f"/register/{number(ana)}", headers={"Accept": "application/json"}
    ).json()
    assert answer["holderName"] == "[erased]" and answer["current"] is True
    export = service.call("GET", f"/holders/{number(ana)}/export", key="operator")
    assert "Ana" not in export.body.decode() and "ana@example.org" not in export.body.decode()
    audit = service.call("GET", "/audit", key="auditor").json()
    assert audit["intact"] is True, audit
    unknown = service.call("POST", "/holders/EM-1999-1/erase", {}, key="approver-1")
    assert unknown.status == 404
    imported = (
        "number,holder_name,holder_email,qualification,awarded,expires,state\n"
        "EM-2019-000001,Eva Kos,eva@example.org,ecomentor,2019-01-01,2029-01-01,current\n"
    )
    stored = service.call("POST", "/imports", raw=imported.encode(), headers=CSV, key="issuer")
    assert stored.status == 200, stored.body
    path = "/holders/EM-2019-000001/erase"
    assert service.call("POST", path, {}, key="approver-1").status == 202
    erased = service.call("POST", path, {}, key="approver-2")
    assert erased.status == 200 and erased.json()["state"] == "imported", erased.body
    page = service.call("GET", "/register/EM-2019-000001", headers={"Accept": "application/json"})
    assert page.json()["holderName"] == "[erased]"


def test_a_register_moves_over_and_its_certificates_get_credentials(service: Service) -> None:
    text = (
        "number,holder_name,holder_email,qualification,awarded,expires,state\n"
        "EM-2024-000007,Ana Novak,ana@example.org,ecomentor,2024-05-01,2029-05-01,current\n"
        "EM-2023-000002,Ivo Ban,,ecomentor,2023-01-10,2028-01-10,revoked\n"
    )

    def send(body: str, key: str) -> Reply:
        return service.call("POST", "/imports", raw=body.encode(), headers=CSV, key=key)

    assert send(text, "operator").status == 403  # the award policy's role
    first = send(text, "issuer")
    assert first.status == 200, first.body
    assert [(d["line"], d["number"]) for d in first.json()["imported"]] == [
        (2, "EM-2024-000007"), (3, "EM-2023-000002")
    ]  # fmt: skip
    assert [d["line"] for d in send(text, "issuer").json()["already"]] == [2, 3]
    bad = send(text + "EM-9,X,,nonesuch,2024-05-01,2029-05-01,current\n", "issuer")
    assert bad.status == 422 and [e["location"] for e in bad.json()["errors"]] == ["line 4"]

    page = service.call("GET", "/register?number=EM-2024-000007", headers={"Accept": "text/html"})
    assert page.status == 200 and "Ana Novak" in page.body.decode()
    check = service.call(
        "GET", "/register?number=EM-2023-000002&name=Ivo+Ban",
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert check.status == 200 and check.json()["certified"] is False, check.body
    yes = service.call(
        "GET", "/register?number=EM-2024-000007&name=ana+novak",
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert yes.json()["certified"] is True

    made = service.call("POST", "/imports/EM-2024-000007/credential", key="issuer")
    assert made.status == 201, made.body
    vc = made.json()["verifiableCredential"]
    assert vc["credentialSubject"]["licenseNumber"] == "EM-2024-000007"
    again = service.call("POST", "/imports/EM-2024-000007/credential", key="issuer")
    assert again.status == 200 and again.json()["verifiableCredential"]["id"] == vc["id"]
    refused = service.call("POST", "/imports/EM-2023-000002/credential", key="issuer")
    assert refused.status == 409 and "revoked" in refused.json()["detail"]
    assert service.call("POST", "/imports/EM-1/credential", key="issuer").status == 404


def test_numbers_backfill_over_http_numbers_old_rows_once(service: Service) -> None:
    ana, ivo = issue(service, "Ana Novak"), issue(service, "Ivo Ban")
    # rows as a store migrated from before numbers holds them: no number in the record
    service.backend.raw("UPDATE credentials SET number = NULL WHERE id = ?", (ana["id"],))
    assert service.call("GET", f"/register/{number(ana)}").status == 404
    assert service.call("POST", "/numbers/backfill", key="auditor").status == 403
    reply = service.call("POST", "/numbers/backfill", key="operator")
    assert reply.status == 200, reply.body
    # the number its signed credential carries, not a new one
    assert reply.json() == {
        "numbered": [{"credentialId": ana["id"], "number": number(ana)}],
        "skipped": [],
    }
    assert service.call("GET", f"/register/{number(ana)}").json()["current"] is True
    again = service.call("POST", "/numbers/backfill", key="operator").json()
    assert again == {"numbered": [], "skipped": []}  # idempotent
    assert number(ivo) != number(ana)
