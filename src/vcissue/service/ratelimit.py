"""Per-client rate limits for the public register (enumeration resistance).

A token bucket per client address: ``per_minute`` lookups, refilled continuously, with a
burst of the same size. Kept in the process's memory, so each service worker counts on
its own (two workers admit twice the rate from one client); behind a proxy, run uvicorn
with ``--proxy-headers`` and ``--forwarded-allow-ips`` so the client address is the
caller's, not the proxy's.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

__all__ = ["RateLimit"]

_MAX_CLIENTS = 10_000  # past this many tracked addresses, full buckets are forgotten


class RateLimit:
    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError("a rate limit admits at least one lookup a minute")
        self.per_minute = per_minute
        self._rate = per_minute / 60.0  # tokens a second
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, client: str) -> int | None:
        """Spend one lookup of ``client``: None if admitted, else the whole seconds until
        the next one is (the ``Retry-After`` value)."""
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - at) * self._rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                return max(1, math.ceil((1.0 - tokens) / self._rate))
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > _MAX_CLIENTS:
                self._forget_full(now)
            return None

    def _forget_full(self, now: float) -> None:
        full = [
            client
            for client, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * self._rate >= self.per_minute
        ]
        for client in full:
            del self._buckets[client]
