"""Runs of a function that requests made at once can share (``Coalesced``).

After every committed change the issuer publishes a signed checkpoint of the audit log:
a read of the log's head and state, a signature and a file. Under concurrent requests
most of those are redundant: one checkpoint read after several commits covers them all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Coalesced:
    """``run(fn)`` returns once a run of ``fn`` that *started after the call* has
    finished, running it itself when no run is in progress; calls made while one is in
    progress share the next run. One run at a time, so runs also finish in order.

    A run that raises raises in the call that ran it; the calls it would have answered
    wait for the next run (one of them makes it)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._asked = 0  # calls so far, numbered 1, 2, ...
        self._answered = 0  # every call numbered up to this has had its run
        self._running = False

    def run(self, fn: Callable[[], object]) -> None:
        with self._changed:
            self._asked += 1
            mine = self._asked
            while self._running and self._answered < mine:
                self._changed.wait()
            if self._answered >= mine:
                return
            self._running = True
            answers = self._asked  # every call so far came before this run starts
        try:
            fn()
        except BaseException:
            with self._changed:
                self._running = False
                self._changed.notify_all()
            raise
        with self._changed:
            self._running = False
            self._answered = answers
            self._changed.notify_all()
