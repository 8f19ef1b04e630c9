"""A status list served from a cache: the report carries its age, measured from ``now``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.factories import AWARDED, Body
from vcissue import proofs
from vcissue.status import Bitstring, StatusPurpose, status_entry, status_list_credential
from vcissue.verify import Outcome, StatusListCopy, describe_age, verify_credential

NOW = AWARDED + timedelta(days=10)
LIST = "https://certification.example/status/r1"


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (timedelta(0), "0 s"),
        (timedelta(seconds=59.9), "59 s"),
        (timedelta(seconds=60), "1 min"),
        (timedelta(minutes=59, seconds=59), "59 min"),
        (timedelta(hours=3, minutes=12, seconds=40), "3 h 12 min"),
        (timedelta(days=2, hours=5, minutes=30), "2 d 5 h"),
        (timedelta(seconds=-5), "0 s"),
    ],
)
def test_describe_age(age: timedelta, text: str) -> None:
    assert describe_age(age) == text


def _case(body: Body, revoked: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    bits = Bitstring()
    bits.set(42, revoked)
    unsigned = status_list_credential(
        LIST, StatusPurpose.REVOCATION, bits, issuer=body.did, valid_from=AWARDED
    )
    status_list = proofs.sign(unsigned, body.key, created=AWARDED)
    credential = proofs.sign(
        {**body.unsigned(), "credentialStatus": status_entry(LIST, 42, "revocation")},
        body.key,
        created=AWARDED,
    )
    return credential, status_list


@pytest.mark.parametrize("revoked", [False, True])
def test_the_age_of_a_copy_is_in_the_status_message(revoked: bool) -> None:
    body = Body()
    credential, status_list = _case(body, revoked)
    copy = StatusListCopy(status_list, NOW - timedelta(hours=3, minutes=12), "offline")
    result = verify_credential(credential, trust=body.trust, now=NOW, status_lists=lambda u: copy)
    check = result.check("status.revocation")
    expected = "revoked (list {}, index 42, " if revoked else "not revoked (list {}, "
    assert check.message == (
        expected.format(LIST) + "cached copy fetched 3 h 12 min ago; refresh failed: offline)"
    )
    assert check.outcome is (Outcome.FAILED if revoked else Outcome.PASSED)


def test_a_copy_without_a_time_zone_cannot_be_dated() -> None:
    body = Body()
    credential, status_list = _case(body, False)
    copy = StatusListCopy(status_list, datetime(2026, 3, 1))  # naive
    result = verify_credential(credential, trust=body.trust, now=NOW, status_lists=lambda u: copy)
    assert result.check("status.revocation").outcome is Outcome.FAILED
    assert "could not check" in result.check("status.revocation").message


def test_a_forged_copy_is_refused_whatever_its_age() -> None:
    body = Body()
    credential, status_list = _case(body, False)
    forged = {**status_list, "validFrom": "2020-01-01T00:00:00Z"}  # proof no longer matches
    copy = StatusListCopy(forged, NOW - timedelta(minutes=1))
    result = verify_credential(credential, trust=body.trust, now=NOW, status_lists=lambda u: copy)
    assert "could not check" in result.check("status.revocation").message
