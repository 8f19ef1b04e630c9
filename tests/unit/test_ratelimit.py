"""The register's per-client token bucket and its content and language negotiation."""

from __future__ import annotations

import pytest

from vcissue.service.ratelimit import RateLimit
from vcissue.service.routes.register import page_language, wants_json


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_burst_then_one_lookup_per_refill() -> None:
    clock = Clock()
    limit = RateLimit(6, clock=clock)  # one lookup every 10 s, a burst of 6
    assert [limit.take("a") for _ in range(6)] == [None] * 6
    assert limit.take("a") == 10
    assert limit.take("b") is None  # another address has its own bucket
    clock.now += 4
    assert limit.take("a") == 6
    clock.now += 6
    assert limit.take("a") is None and limit.take("a") == 10
    clock.now += 3600
    assert [limit.take("a") for _ in range(7)] == [None] * 6 + [10]  # never above the burst
    with pytest.raises(ValueError, match="at least one"):
        RateLimit(0)


def test_forgotten_clients_are_only_those_with_full_buckets() -> None:
    clock = Clock()
    limit = RateLimit(60, clock=clock)
    for n in range(10_001):
        limit.take(f"10.0.{n // 256}.{n % 256}")
    clock.now += 120  # every bucket is full again
    limit.take("spender")
    assert len(limit._buckets) == 1  # the bound is the point


@pytest.mark.parametrize(
    ("accept", "json"),
    [
        (None, False),
        ("*/*", False),
        ("text/html,application/xhtml+xml,*/*;q=0.8", False),
        ("application/json", True),
        ("application/json;q=0.9, text/html;q=0.5", True),
        ("text/html;q=0.9, application/json;q=0.5", False),
        ("application/problem+json", True),
        ("application/json;q=zz", False),
    ],
)
def test_content_negotiation(accept: str | None, json: bool) -> None:
    assert wants_json(accept) is json


@pytest.mark.parametrize(
    ("requested", "header", "language"),
    [
        (None, None, "en"),
        (None, "hr-HR,hr;q=0.9,en;q=0.8", "hr"),
        (None, "de-DE,en;q=0.5,hr;q=0.4", "en"),
        (None, "en;q=0.2,hr;q=0.9", "hr"),
        ("en", "hr", "en"),
        ("xx", "hr", "hr"),
        (None, "hr;q=0", "en"),
    ],
)
def test_page_language(requested: str | None, header: str | None, language: str) -> None:
    assert page_language(requested, header).language == language
