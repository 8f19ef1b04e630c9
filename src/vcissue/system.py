"""The real clock and the system's random source (adapters for ``ports.Clock`` and
``ports.RandomSource``). Core modules never touch these: they take time and randomness
as arguments; the faces pass these in through ``wiring``."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

__all__ = ["system_clock", "system_random"]


def system_clock() -> datetime:
    return datetime.now(UTC)


system_random = secrets.SystemRandom()
