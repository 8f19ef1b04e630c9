"""Reminders before expiry, per scheme: one per window, however often the scheduler runs.

For every active credential, the tightest window it is inside (90, 30 or 7 days before
``expires``, by default) gets an ``expiring`` event, and the scheme's recertification
window a ``recertification-window-open`` event. Each event's id is derived from the
credential, the kind and the window (``events.reminder``), so the outbox's unique key
keeps it to one; a scheduler that first runs late sends only the window it is in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..proofs import format_datetime
from ..store.records import EventRecord, Store, Tx
from .config import NotifySettings
from .events import reminder

__all__ = ["schedule"]


def schedule(store: Store, settings: NotifySettings, now: datetime) -> list[EventRecord]:
    """Write the reminders due at ``now``; returns the ones written by this call."""
    windows = [settings.reminders, *settings.reminders_per_qualification.values()]
    horizon = max(
        [*(max(w.days, default=0) for w in windows)]
        + [w.recertification_window_days or 0 for w in windows]
    )
    if horizon == 0:
        return []

    def fn(tx: Tx) -> list[EventRecord]:
        written = []
        expiring = tx.list_credentials(
            state="active", expiring_before=now + timedelta(days=horizon)
        )
        for record in expiring:
            left = record.expires - now
            if left <= timedelta(0):
                continue
            scheme = settings.windows(record.qualification_id)
            due = [days for days in scheme.days if left <= timedelta(days=days)]
            found = []
            if due:
                found.append(reminder("expiring", record, min(due), now, daysLeft=left.days))
            window = scheme.recertification_window_days
            if window and left <= timedelta(days=window):
                found.append(
                    reminder(
                        "recertification-window-open",
                        record,
                        window,
                        now,
                        closes=format_datetime(record.expires),
                    )
                )
            written += [event for event in found if tx.add_event(event)]
        return written

    result: list[EventRecord] = store.run(fn)
    return result
