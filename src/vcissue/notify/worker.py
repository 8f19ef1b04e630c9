"""The worker: the scheduler (lifecycle deadlines, reminders) and delivery in one loop.

Restart-safe because it keeps nothing in memory: the outbox and the deliveries are the
state. Each round dispatches new events and sends what is due; every ``schedule_every``
it also runs the lifecycle (overdue suspensions withdrawn, pending decisions expired,
lists renewed: ``Issuer.run_lifecycle``, passed in as ``lifecycle``) and the reminders.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..errors import VcissueError
from ..ports import Clock
from .delivery import Deliverer, DeliveryReport
from .reminders import schedule

__all__ = ["Round", "Worker"]


@dataclass
class Round:
    scheduled: bool = False
    reminders: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    errors: list[str] = field(default_factory=list)


class Worker:
    def __init__(
        self,
        deliverer: Deliverer,
        *,
        clock: Clock,
        lifecycle: Callable[[], object] | None = None,
        schedule_every: timedelta = timedelta(hours=1),
        log: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.deliverer = deliverer
        self._clock = clock
        self._lifecycle = lifecycle
        self.schedule_every = schedule_every
        self._log = log
        self._scheduled_at: datetime | None = None

    def run_once(self) -> Round:
        """One round: the scheduler when it is due, then dispatch and delivery."""
        result = Round()
        now = self._clock()
        if self._scheduled_at is None or now - self._scheduled_at >= self.schedule_every:
            self._scheduled_at = now
            result.scheduled = True
            try:
                if self._lifecycle is not None:
                    self._lifecycle()
                written = schedule(self.deliverer.store, self.deliverer.settings, now)
                result.reminders = len(written)
            except VcissueError as error:  # log and go on: delivery must not stop
                result.errors.append(f"scheduler: {error}")
        try:
            result.delivery = self.deliverer.run_once()
        except VcissueError as error:
            result.errors.append(f"delivery: {error}")
        for line in (*result.errors, *result.delivery.errors):
            self._log(line)
        return result

    def run(self, stop: threading.Event) -> None:
        """Rounds until ``stop`` is set, ``settings.poll`` apart."""
        poll = self.deliverer.settings.poll.total_seconds()
        while not stop.is_set():
            done = self.run_once()
            delivery = done.delivery
            if delivery.dispatched or delivery.sent or delivery.dead or done.reminders:
                self._log(
                    f"events {delivery.dispatched}, sent {delivery.sent}, retrying "
                    f"{delivery.retrying}, dead {delivery.dead}, reminders {done.reminders}"
                )
            stop.wait(poll)
