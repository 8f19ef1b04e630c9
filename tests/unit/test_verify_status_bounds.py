"""Status checks are bounded (issue 9, section 4): every list URL is fetched once, all of them
concurrently, under one total deadline; a kept copy older than the maximum age, or a list
past its ``validUntil``, is "could not check", never VALID; other status purposes
(``refresh``, ``message``) are reported and ignored; a short list is STATUS_LIST_LENGTH_ERROR.

Sources here are plain callables that sleep or block: no network.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from tests.factories import AWARDED, Body, ecomentor
from vcissue import proofs
from vcissue.credential import build, new_credential_id
from vcissue.model import Award, Holder
from vcissue.status import Bitstring, StatusPurpose, status_entry, status_list_credential
from vcissue.verify import (
    DEFAULT_MAX_STATUS_AGE,
    DEFAULT_STATUS_DEADLINE,
    Outcome,
    StatusListCopy,
    Verdict,
    verify_credential,
)

NOW = AWARDED + timedelta(days=10)
BASE = "https://certification.example/status"


def signed_list(
    body: Body,
    url: str,
    purpose: StatusPurpose | list[str],
    *,
    set_bits: frozenset[int] = frozenset(),
    valid_until: Any = None,
    ttl: int | None = None,
    size: int | None = None,
) -> dict[str, Any]:
    bits = Bitstring() if size is None else Bitstring(size)
    for index in set_bits:
        bits.set(index, True)
    first = purpose[0] if isinstance(purpose, list) else purpose
    unsigned = status_list_credential(
        url, first, bits, issuer=body.did, valid_from=AWARDED, valid_until=valid_until
    )
    if isinstance(purpose, list):
        unsigned["credentialSubject"]["statusPurpose"] = purpose
    if ttl is not None:
        unsigned["credentialSubject"]["ttl"] = ttl
    return proofs.sign(unsigned, body.key, created=AWARDED)


def credential(body: Body, entries: list[dict[str, Any]]) -> dict[str, Any]:
    unsigned = build(
        Award(Holder("Ana Novak"), ecomentor(), awarded=AWARDED),
        body.profile,
        credential_id=new_credential_id(bytes(range(16))),
        status=entries,
    )
    return proofs.sign(unsigned, body.key, created=AWARDED)


def many_lists(body: Body, count: int) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A credential with ``count`` entries, each in its own list."""
    urls = [f"{BASE}/r{n}" for n in range(count)]
    vc = credential(body, [status_entry(url, 5, "revocation") for url in urls])
    return vc, {url: signed_list(body, url, StatusPurpose.REVOCATION) for url in urls}


def test_defaults_are_documented_values() -> None:
    assert timedelta(days=1) == DEFAULT_MAX_STATUS_AGE
    assert DEFAULT_STATUS_DEADLINE == 10.0


def test_slow_lists_are_fetched_concurrently_within_one_deadline() -> None:
    """16 lists that take 1 s each: sequentially 16 s, concurrently about 1 s."""
    body = Body()
    vc, lists = many_lists(body, 16)

    def slow(url: str) -> dict[str, Any]:
        time.sleep(1.0)
        return lists[url]

    started = time.monotonic()
    result = verify_credential(vc, trust=body.trust, now=NOW, status_lists=slow)
    took = time.monotonic() - started
    assert result.verdict is Verdict.VALID, result.reasons
    assert took < 6.0, f"16 lists of 1 s each took {took:.1f} s: not concurrent"


def test_one_total_deadline_whatever_the_number_of_lists() -> None:
    """Lists that never answer: the verification ends at the deadline, status unknown."""
    body = Body()
    vc, _ = many_lists(body, 16)
    release = threading.Event()

    def hangs(url: str) -> dict[str, Any]:
        release.wait(60)
        raise OSError("released")

    started = time.monotonic()
    try:
        result = verify_credential(
            vc, trust=body.trust, now=NOW, status_lists=hangs, status_deadline=1.0
        )
    finally:
        release.set()
    took = time.monotonic() - started
    assert 0.9 < took < 3.0, f"took {took:.2f} s with a 1 s total deadline"
    assert result.verdict is Verdict.STATUS_UNKNOWN
    failed = [c for c in result.checks if c.id.startswith("status.")]
    assert len(failed) == 16
    assert all("1 s total deadline" in c.message for c in failed), failed[0].message


def test_each_list_url_is_fetched_once_per_verification() -> None:
    """A revocation and a suspension entry in one two-purpose list: one fetch."""
    body = Body()
    url = f"{BASE}/both"
    vc = credential(body, [status_entry(url, 3, "revocation"), status_entry(url, 4, "suspension")])
    document = signed_list(body, url, ["revocation", "suspension"], set_bits=frozenset({4}))
    asked: Counter[str] = Counter()

    def source(u: str) -> dict[str, Any]:
        asked[u] += 1
        return document

    result = verify_credential(vc, trust=body.trust, now=NOW, status_lists=source)
    assert asked == {url: 1}
    assert result.check("status.revocation").outcome is Outcome.PASSED
    assert result.verdict is Verdict.SUSPENDED


def test_a_source_that_takes_a_timeout_gets_the_deadline() -> None:
    body = Body()
    vc, lists = many_lists(body, 2)

    class Timed:
        takes_timeout = True

        def __init__(self) -> None:
            self.timeouts: list[float | None] = []

        def __call__(self, url: str, *, timeout: float | None = None) -> dict[str, Any]:
            self.timeouts.append(timeout)
            return lists[url]

    source = Timed()
    result = verify_credential(
        vc, trust=body.trust, now=NOW, status_lists=source, status_deadline=4.5
    )
    assert result.verdict is Verdict.VALID
    assert source.timeouts == [4.5, 4.5]


def test_a_bug_in_the_source_is_not_hidden_as_status_unknown() -> None:
    body = Body()
    vc, _ = many_lists(body, 1)

    def broken(url: str) -> dict[str, Any]:
        raise ZeroDivisionError("bug")

    with pytest.raises(ZeroDivisionError):
        verify_credential(vc, trust=body.trust, now=NOW, status_lists=broken)


# -------------------------------------------------------------------------------- age


@pytest.mark.parametrize(
    ("age", "max_age", "verdict"),
    [
        (timedelta(hours=23), None, Verdict.VALID),
        (timedelta(days=365), None, Verdict.STATUS_UNKNOWN),  # passed before issue 9
        (timedelta(days=2), None, Verdict.STATUS_UNKNOWN),
        (timedelta(days=2), timedelta(days=3), Verdict.VALID),
        (timedelta(minutes=10), timedelta(minutes=5), Verdict.STATUS_UNKNOWN),
    ],
)
def test_a_copy_older_than_the_maximum_age_is_could_not_check(
    age: timedelta, max_age: timedelta | None, verdict: Verdict
) -> None:
    body = Body()
    vc, lists = many_lists(body, 1)
    document = next(iter(lists.values()))
    copy = StatusListCopy(document, NOW - age, refresh_error="offline")
    options = {} if max_age is None else {"max_status_age": max_age}
    result = verify_credential(
        vc, trust=body.trust, now=NOW, status_lists=lambda u: copy, **options
    )
    assert result.verdict is verdict, result.reasons
    check = result.check("status.revocation")
    if verdict is Verdict.STATUS_UNKNOWN:
        assert "could not check" in check.message and "a copy may be relied on" in check.message
        assert "offline" in check.message
    else:
        assert "cached copy fetched" in check.message


def test_a_live_list_past_its_valid_until_is_could_not_check() -> None:
    body = Body()
    url = f"{BASE}/r0"
    vc = credential(body, [status_entry(url, 5, "revocation")])
    stale = signed_list(
        body, url, StatusPurpose.REVOCATION, valid_until=AWARDED + timedelta(days=1)
    )
    result = verify_credential(vc, trust=body.trust, now=NOW, status_lists=lambda u: stale)
    assert result.verdict is Verdict.STATUS_UNKNOWN
    message = result.check("status.revocation").message
    assert "outside its validity period (valid until 2026-03-03T09:30:00Z)" in message


def test_a_copy_older_than_the_lists_ttl_says_so() -> None:
    body = Body()
    url = f"{BASE}/r0"
    vc = credential(body, [status_entry(url, 5, "revocation")])
    document = signed_list(body, url, StatusPurpose.REVOCATION, ttl=300_000)
    copy = StatusListCopy(document, NOW - timedelta(hours=2))
    result = verify_credential(vc, trust=body.trust, now=NOW, status_lists=lambda u: copy)
    assert result.verdict is Verdict.VALID
    assert "older than the list's ttl of 5 min" in result.check("status.revocation").message


def test_max_status_age_and_deadline_are_checked() -> None:
    body = Body()
    vc, _ = many_lists(body, 1)
    with pytest.raises(ValueError, match="max_status_age"):
        verify_credential(vc, trust=body.trust, now=NOW, max_status_age=timedelta(-1))
    with pytest.raises(ValueError, match="status_deadline"):
        verify_credential(vc, trust=body.trust, now=NOW, status_deadline=0)


# ----------------------------------------------------------------------- other purposes


@pytest.mark.parametrize("purpose", ["refresh", "message"])
def test_other_status_purposes_are_reported_and_ignored(purpose: str) -> None:
    body = Body()
    url = f"{BASE}/r0"
    other = {
        "id": f"{BASE}/other#9",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": "9",
        "statusListCredential": f"{BASE}/other",
        **({"statusSize": 2, "statusMessage": []} if purpose == "message" else {}),
    }
    vc = credential(body, [status_entry(url, 5, "revocation"), other])
    document = signed_list(body, url, StatusPurpose.REVOCATION)
    asked: list[str] = []

    def source(u: str) -> dict[str, Any]:
        asked.append(u)
        return document

    result = verify_credential(vc, trust=body.trust, now=NOW, status_lists=source)
    assert result.verdict is Verdict.VALID, result.reasons
    assert asked == [url]  # the other entry's list is not fetched
    skipped = result.check(f"status.{purpose}")
    assert skipped.outcome is Outcome.SKIPPED and skipped.verdict is None
    # only such an entry: nothing to check, no source needed
    alone = credential(body, [other])
    result = verify_credential(alone, trust=body.trust, now=NOW)
    assert result.verdict is Verdict.VALID, result.reasons
    assert "no revocation or suspension entry" in result.check("status").message


def test_a_list_shorter_than_the_minimum_is_status_list_length_error() -> None:
    body = Body()
    url = f"{BASE}/r0"
    vc = credential(body, [status_entry(url, 5, "revocation")])
    bits = Bitstring.from_bytes(bytes(1024), min_bits=0)  # 8,192 bits < 131,072
    unsigned = status_list_credential(
        url, StatusPurpose.REVOCATION, bits, issuer=body.did, valid_from=AWARDED
    )
    short = proofs.sign(unsigned, body.key, created=AWARDED)
    result = verify_credential(vc, trust=body.trust, now=NOW, status_lists=lambda u: short)
    assert result.verdict is Verdict.STATUS_UNKNOWN
    assert "STATUS_LIST_LENGTH_ERROR" in result.check("status.revocation").message
