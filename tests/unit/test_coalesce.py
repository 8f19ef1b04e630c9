"""``Coalesced``: every call is answered by a run that started after it, runs never
overlap, and a failing run raises in its own call only (the others get a fresh run)."""

from __future__ import annotations

import random
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcissue.coalesce import Coalesced


class _Log:
    """A stand-in for the audit log: commits numbered 1, 2, ...; a run "reads the head"."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.head = 0
        self.running = 0
        self.overlaps = 0
        self.published: list[int] = []  # the head each finished run read

    def commit(self) -> int:
        with self.lock:
            self.head += 1
            return self.head

    def run(self, pause: float) -> None:
        with self.lock:
            self.running += 1
            self.overlaps += self.running > 1
            seen = self.head
        time.sleep(pause)
        with self.lock:
            self.running -= 1
            self.published.append(seen)


@settings(max_examples=25, deadline=None)
@given(threads=st.integers(1, 12), each=st.integers(1, 6), seed=st.integers(0, 2**32))
def test_every_commit_is_covered_by_a_run_that_started_after_it(
    threads: int, each: int, seed: int
) -> None:
    log, coalesced = _Log(), Coalesced()
    failures: list[str] = []

    def worker(rng: random.Random) -> None:
        for _ in range(each):
            mine = log.commit()
            coalesced.run(lambda: log.run(rng.choice((0, 0.0005, 0.002))))
            with log.lock:
                if not log.published or max(log.published) < mine:
                    failures.append(f"commit {mine} returned before a run covered it")

    rngs = [random.Random(seed + i) for i in range(threads)]
    pool = [threading.Thread(target=worker, args=(rng,)) for rng in rngs]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert not failures
    assert log.overlaps == 0
    assert log.published == sorted(log.published)  # one run at a time: in order
    assert 1 <= len(log.published) <= threads * each
    assert log.published[-1] == threads * each


def test_calls_made_during_a_run_share_the_next_one() -> None:
    coalesced, started, release = Coalesced(), threading.Event(), threading.Event()
    runs: list[str] = []

    def first_run() -> None:
        runs.append("first")
        started.set()
        assert release.wait(timeout=30)

    first = threading.Thread(target=coalesced.run, args=(first_run,))
    first.start()
    assert started.wait(timeout=30)
    waiting = [
        threading.Thread(target=coalesced.run, args=(lambda: runs.append("shared"),))
        for _ in range(5)
    ]
    for thread in waiting:
        thread.start()
    time.sleep(0.05)  # let them queue behind the first run (not a timing assertion)
    release.set()
    for thread in [first, *waiting]:
        thread.join(timeout=30)
    # the five asked while the first ran: they cannot use it, and one run answers them all
    assert runs[0] == "first" and 2 <= len(runs) <= 6 and set(runs[1:]) == {"shared"}


def test_a_failing_run_raises_in_its_own_call_and_the_others_run_again() -> None:
    coalesced, started, release = Coalesced(), threading.Event(), threading.Event()
    runs: list[str] = []

    def failing() -> None:
        runs.append("failing")
        started.set()
        assert release.wait(timeout=30)
        raise OSError("disk full")

    errors: list[BaseException] = []

    def call_failing() -> None:
        try:
            coalesced.run(failing)
        except OSError as error:
            errors.append(error)

    first = threading.Thread(target=call_failing)
    first.start()
    assert started.wait(timeout=30)
    other = threading.Thread(target=coalesced.run, args=(lambda: runs.append("again"),))
    other.start()
    time.sleep(0.05)
    release.set()
    first.join(timeout=30)
    other.join(timeout=30)
    assert [str(e) for e in errors] == ["disk full"]
    assert runs == ["failing", "again"]
    with pytest.raises(ValueError):  # and a lone failing call raises too
        coalesced.run(lambda: (_ for _ in ()).throw(ValueError("x")))
