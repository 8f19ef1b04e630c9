"""The reports the store answers by aggregates (``Tx.count_credentials``,
``count_awarded_by_month``, ``expiring_between``) equal the reports computed from every
record (``reports.counts``, ``issued_by_month``, ``expiring``: how they were computed
before), on seeded random stores, SQLite and PostgreSQL. The random stores put values on
every boundary the SQL compares: expiry at the very moment of ``now``, awards at the
start and the end of a period and in the last microsecond of a month, unit awards, every
state, a qualification the configuration does not know."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import UTC, datetime, timedelta, timezone
from functools import partial

import pytest

from tests.factories import ecomentor
from vcissue.issuer.reports import (
    counts,
    counts_report,
    expiring,
    expiring_report,
    issued_by_month,
    issued_report,
)
from vcissue.store import CREDENTIAL_STATES, CredentialRecord, StatusListRecord, Store, Tx
from vcissue.store.records import CredentialSummary

NOW = datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)
SIZE = 131072
LISTS = {"revocation": "https://certs.example/s/revocation-1",
         "suspension": "https://certs.example/s/suspension-1"}  # fmt: skip
ZONES = (UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-7, minutes=-30)))
QUALIFICATIONS = {
    "ecomentor": ecomentor(),
    "pilot": dataclasses.replace(ecomentor(), id="pilot", accreditation=None),
}  # and "retired": in the store, no longer configured


def moment(rng: random.Random) -> datetime:
    """A time near NOW, often exactly on a boundary the reports compare."""
    choice = rng.random()
    if choice < 0.15:
        found = NOW
    elif choice < 0.25:
        found = NOW.replace(day=1, hour=0, minute=0, second=0, microsecond=0)  # a month starts
    elif choice < 0.3:
        found = NOW.replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(
            microseconds=1
        )  # the last microsecond of the month before
    else:
        found = NOW + timedelta(seconds=rng.randint(-6 * 365 * 86400, 6 * 365 * 86400),
                                microseconds=rng.choice((0, rng.randint(0, 999999))))  # fmt: skip
    return found.astimezone(rng.choice(ZONES))


def random_store(store: Store, seed: int, size: int) -> None:
    rng = random.Random(seed)

    def fill(tx: Tx) -> None:
        for purpose, list_id in LISTS.items():
            tx.create_list(
                StatusListRecord(list_id, purpose, SIZE, bytes(SIZE // 8), 0, False, None, None,
                                 NOW)
            )  # fmt: skip
        indices = rng.sample(range(SIZE), size)
        for n, index in enumerate(indices):
            credential_id = f"urn:uuid:{rng.getrandbits(128):032x}"
            for list_id in LISTS.values():
                assert tx.allocate_index(list_id, index, credential_id)
            tx.insert_credential(
                CredentialRecord(
                    id=credential_id,
                    holder_name=f"Holder {n}",
                    holder_id=None,
                    qualification_id=rng.choice(("ecomentor", "ecomentor", "pilot", "retired")),
                    units=rng.choice(((), (), ("U1",), ("U1", "U2"))),
                    awarded=moment(rng),
                    expires=moment(rng),
                    state=rng.choice(sorted(CREDENTIAL_STATES) + ["active"] * 3),
                    revocation_list=LISTS["revocation"],
                    revocation_index=index,
                    suspension_list=LISTS["suspension"],
                    suspension_index=index,
                    previous_id=None,
                    batch_key=None,
                    signed_json=json.dumps({"id": credential_id}),
                    created_at=NOW,
                    number=rng.choice((None, f"N-{n}")),
                )
            )

    store.run(fill)


def expiring_between(tx: Tx, *, start: datetime, end: datetime) -> list[CredentialSummary]:
    return tx.expiring_between(start, end)


def aggregates(
    store: Store, now: datetime, since: datetime | None, until: datetime | None
) -> tuple[dict[tuple[str, bool, str], int], dict[tuple[str, str], int]]:
    def read(tx: Tx) -> tuple[dict[tuple[str, bool, str], int], dict[tuple[str, str], int]]:
        return (
            tx.count_credentials(now=now, since=since, until=until),
            tx.count_awarded_by_month(since=since, until=until),
        )

    return store.read(read)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_aggregates_equal_the_reports_over_every_record(store: Store, seed: int) -> None:
    random_store(store, seed, 400)
    records = store.read(lambda tx: tx.list_credentials())
    rng = random.Random(seed * 1000)
    for _ in range(12):
        now = moment(rng)
        since, until = sorted((moment(rng), moment(rng)))
        since_or_none = rng.choice((since, None))
        until_or_none = rng.choice((until, None))
        period = {"since": since_or_none, "until": until_or_none}

        tally, months = aggregates(store, now, since_or_none, until_or_none)
        assert counts_report(tally, QUALIFICATIONS, now=now, **period) == counts(
            records, QUALIFICATIONS, now=now, **period
        )
        assert issued_report(months, QUALIFICATIONS, now=now, **period) == issued_by_month(
            records, QUALIFICATIONS, now=now, **period
        )
        within = timedelta(days=rng.choice((1, 30, 90, 365, 3660)))
        due = store.read(partial(expiring_between, start=now, end=now + within))
        assert expiring_report(due, now=now, within=within) == expiring(
            records, now=now, within=within
        )
    everything = counts(records, QUALIFICATIONS, now=NOW)
    assert sum(row[-1] for row in everything.rows) == 400
    assert {row[3] for row in everything.rows} >= {"expired", "active", "revoked"}
    assert {row[1] for row in everything.rows} == {"full", "unit"}
