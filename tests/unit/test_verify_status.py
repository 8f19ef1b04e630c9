"""Status checking in verify_credential against signed Bitstring Status List credentials."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.factories import AWARDED, Body, ecomentor
from vcissue import proofs
from vcissue.credential import build, new_credential_id
from vcissue.errors import StatusListError
from vcissue.keys import SigningKey
from vcissue.model import Award, Holder
from vcissue.status import Bitstring, StatusPurpose, status_entry, status_list_credential
from vcissue.system import system_random
from vcissue.verify import Outcome, Verdict, verify_credential

NOW = AWARDED + timedelta(days=10)
REVOCATION = "https://certification.example/status/r1"
SUSPENSION = "https://certification.example/status/s1"


def signed_list(
    body: Body, url: str, purpose: StatusPurpose, set_bits: set[int], key: SigningKey | None = None
) -> dict[str, Any]:
    bits = Bitstring()
    for index in set_bits:
        bits.set(index, True)
    unsigned = status_list_credential(url, purpose, bits, issuer=body.did, valid_from=AWARDED)
    return proofs.sign(unsigned, key or body.key, created=AWARDED)


def credential(body: Body) -> dict[str, Any]:
    unsigned = build(
        Award(Holder("Ana Novak"), ecomentor(), awarded=AWARDED),
        body.profile,
        credential_id=new_credential_id(bytes(range(16))),
        status=[
            status_entry(REVOCATION, 42, "revocation"),
            status_entry(SUSPENSION, 7, "suspension"),
        ],
    )
    return proofs.sign(unsigned, body.key, created=AWARDED)


@pytest.mark.parametrize(
    ("revoked", "suspended", "failed"),
    [
        (set(), set(), set()),
        ({42}, set(), {"status.revocation"}),
        (set(), {7}, {"status.suspension"}),
        ({41, 43}, {6, 8}, set()),
    ],
)
def test_status_bits(revoked: set[int], suspended: set[int], failed: set[str]) -> None:
    body = Body()
    lists = {
        REVOCATION: signed_list(body, REVOCATION, StatusPurpose.REVOCATION, revoked),
        SUSPENSION: signed_list(body, SUSPENSION, StatusPurpose.SUSPENSION, suspended),
    }
    result = verify_credential(
        credential(body), trust=body.trust, now=NOW, status_lists=lists.__getitem__
    )
    assert {c.id for c in result.failures} == failed
    assert result.verified is (not failed)
    assert result.check("status.revocation").outcome in (Outcome.PASSED, Outcome.FAILED)


def test_unreachable_list_is_could_not_check_never_not_revoked() -> None:
    body = Body()

    def unreachable(url: str) -> dict[str, Any]:
        raise StatusListError(f"cannot fetch {url}")

    result = verify_credential(
        credential(body), trust=body.trust, now=NOW, status_lists=unreachable
    )
    assert not result.verified
    assert "could not check" in result.check("status.revocation").message


def test_list_signed_by_someone_else_is_refused() -> None:
    body = Body()
    forger = SigningKey.generate(rng=system_random)
    lists = {
        REVOCATION: signed_list(body, REVOCATION, StatusPurpose.REVOCATION, set(), forger),
        SUSPENSION: signed_list(body, SUSPENSION, StatusPurpose.SUSPENSION, set()),
    }
    result = verify_credential(
        credential(body), trust=body.trust, now=NOW, status_lists=lists.__getitem__
    )
    assert result.check("status.revocation").outcome is Outcome.FAILED
    assert result.check("status.suspension").outcome is Outcome.PASSED


def test_without_a_source_status_is_not_checked() -> None:
    body = Body()
    result = verify_credential(credential(body), trust=body.trust, now=NOW)
    assert result.verified
    assert result.check("status").outcome is Outcome.SKIPPED


def test_status_is_not_run_for_a_forged_or_untrusted_credential() -> None:
    """A forged credential must not make the verifier fetch the URLs it names."""
    body = Body()
    fetched: list[str] = []

    def source(url: str) -> dict[str, Any]:
        fetched.append(url)
        raise StatusListError("no network here")

    vc = credential(body)
    forged = dict(vc, validUntil="2099-01-01T00:00:00Z")
    result = verify_credential(forged, trust=body.trust, now=NOW, status_lists=source)
    assert result.verdict is Verdict.FORGED
    assert result.check("status").outcome is Outcome.SKIPPED
    other = Body(did="did:web:other.example")
    untrusted = verify_credential(vc, trust=other.trust, now=NOW, status_lists=source)
    assert untrusted.verdict is Verdict.NOT_TRUSTED
    assert fetched == []
    genuine = verify_credential(vc, trust=body.trust, now=NOW, status_lists=source)
    assert genuine.verdict is Verdict.STATUS_UNKNOWN  # could not check is never VALID
    assert sorted(fetched) == [REVOCATION, SUSPENSION]


@pytest.mark.parametrize(
    ("revoked", "suspended", "now", "verdict"),
    [
        (set(), set(), NOW, Verdict.VALID),
        ({42}, {7}, NOW, Verdict.REVOKED),
        (set(), {7}, NOW, Verdict.SUSPENDED),
        ({42}, set(), NOW + timedelta(days=6 * 365), Verdict.REVOKED),
        (set(), set(), NOW + timedelta(days=6 * 365), Verdict.EXPIRED),
        (set(), set(), AWARDED - timedelta(days=1), Verdict.NOT_YET_VALID),
    ],
)
def test_one_verdict_with_the_page_precedence(
    revoked: set[int], suspended: set[int], now: Any, verdict: Verdict
) -> None:
    body = Body()
    lists = {
        REVOCATION: signed_list(body, REVOCATION, StatusPurpose.REVOCATION, revoked),
        SUSPENSION: signed_list(body, SUSPENSION, StatusPurpose.SUSPENSION, suspended),
    }
    result = verify_credential(credential(body), trust=body.trust, now=now, status_lists=lists.get)
    assert result.verdict is verdict
    assert result.to_json()["verdict"] == verdict.value


def test_status_not_checked_is_status_unknown_not_valid() -> None:
    body = Body()
    result = verify_credential(credential(body), trust=body.trust, now=NOW)
    assert result.verified  # nothing failed...
    assert result.verdict is Verdict.STATUS_UNKNOWN  # ...but it is not an unqualified VALID
