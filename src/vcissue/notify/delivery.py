"""Delivery: from outbox events to messages received, at least once.

``dispatch`` turns each new event into one delivery per recipient the settings name for
its kind (the holder's address, configured addresses, webhooks), in one transaction with
marking the event dispatched. ``deliver_due`` sends the deliveries that are due, each in
three steps:

1. claim: count the attempt and move ``next_at`` a lease ahead, only if no one else
   changed the row (the attempt count is the optimistic check); a second worker skips it;
2. send, outside any transaction;
3. record: ``sent``; or back to ``pending`` at ``now + retry_after * 2**(attempts-1)``
   (capped at ``retry_cap``); or ``dead`` after ``max_attempts`` or a permanent refusal.

A worker killed between 2 and 3 leaves the claimed row pending; after the lease another
attempt sends it again: at least once, never lost. Receivers drop the duplicate by the
event id (the ``Vcissue-Event-Id`` header, inside the e-mail ``Message-ID``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import ConflictError, DeliveryError
from ..ports import Clock
from ..proofs import format_datetime
from ..store.records import DeliveryRecord, EventRecord, Store, Tx
from . import channels, signing, templates
from .config import NotifySettings

__all__ = ["Deliverer", "DeliveryReport", "webhook_body"]

HOLDER = "email:holder"
# events after which the holder has a credential to take: their e-mail carries a holder
# page link (a new capability link each, to the credential the event made or kept)
HOLDER_PAGE_KINDS = frozenset(
    {"issued", "reinstated", "recertified", "restored", "scope-changed", "re-signed", "expiring"}
)
MAX_ERROR = 300


@dataclass
class DeliveryReport:
    dispatched: int = 0  # events turned into deliveries
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def webhook_body(event: EventRecord) -> bytes:
    """What a webhook receives: the event without its reason (reasons stay with the body
    and the holder, ISO/IEC 17024 confidentiality), as compact JSON."""
    data = {key: value for key, value in event.data.items() if key != "reason"}
    document = {
        "id": event.id,
        "type": event.kind,
        "occurredAt": format_datetime(event.at),
        **data,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _tag(recipient: str) -> str:
    return hashlib.sha256(recipient.encode("utf-8")).hexdigest()[:12]


class Deliverer:
    """Dispatch and deliver the outbox of ``store`` by ``settings`` (see the module doc).

    ``body_name`` signs e-mails off, unless ``signatures`` names the awarding body of the
    event's qualification (a deployment of several bodies); ``titles`` maps qualification
    ids to their titles;
    ``mail`` and ``post`` are the channels (``channels.send_mail``, ``channels.post``);
    ``holder_page`` makes a holder page link for a credential id (``wallet.HolderLinks``,
    passed in by ``wiring``); without it, e-mails carry ``settings.holder_link``.
    """

    def __init__(
        self,
        store: Store,
        settings: NotifySettings,
        *,
        clock: Clock,
        body_name: str,
        titles: Mapping[str, str] | None = None,
        signatures: Mapping[str, str] | None = None,
        mail: Callable[..., None] = channels.send_mail,
        post: Callable[..., int] = channels.post,
        holder_page: Callable[[str], str] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._clock = clock
        self.body_name = body_name
        self.titles = dict(titles or {})
        self.signatures = dict(signatures or {})
        self._mail = mail
        self._post = post
        self._holder_page = holder_page
        self._hooks = {hook.name: hook for hook in settings.webhooks}

    # --- dispatch ---------------------------------------------------------------------

    def recipients(self, tx: Tx, event: EventRecord) -> list[str]:
        """Who hears of ``event``: ``webhook:NAME``, ``email:holder``, ``email:ADDRESS``."""
        found = [f"webhook:{h.name}" for h in self.settings.webhooks if event.kind in h.events]
        if self.settings.smtp is not None:
            if event.kind in self.settings.holder_events and event.credential_id:
                record = tx.get_credential(event.credential_id)
                if record is not None and record.holder_email:
                    found.append(HOLDER)
            found += [f"email:{r.to}" for r in self.settings.emails if event.kind in r.events]
        return list(dict.fromkeys(found))

    def dispatch(self, *, batch: int = 200) -> int:
        """Make the deliveries of every undispatched event; returns how many events."""
        total = 0
        while True:

            def fn(tx: Tx) -> int:
                now = self._clock()
                events = tx.events(undispatched=True, limit=batch)
                for event in events:
                    for recipient in self.recipients(tx, event):
                        tx.add_delivery(DeliveryRecord(event.id, recipient, "pending", 0, now))
                    tx.mark_dispatched(event.id, now)
                return len(events)

            done = self.store.run(fn)
            total += done
            if done < batch:
                return total

    # --- delivery ---------------------------------------------------------------------

    def deliver_due(self, *, limit: int = 100) -> DeliveryReport:
        """Attempt every delivery due now (at most ``limit``)."""
        report = DeliveryReport()
        now = self._clock()
        due = self.store.read(lambda tx: tx.deliveries(due_before=now, limit=limit))
        for delivery in due:
            self.attempt(delivery, report)
        return report

    def run_once(self) -> DeliveryReport:
        dispatched = self.dispatch()
        report = self.deliver_due()
        report.dispatched = dispatched
        return report

    def attempt(self, delivery: DeliveryRecord, report: DeliveryReport) -> None:
        now = self._clock()
        claimed = replace(
            delivery, attempts=delivery.attempts + 1, next_at=now + self.settings.lease
        )
        try:
            self.store.run(
                lambda tx: tx.update_delivery(claimed, attempts_was=delivery.attempts), attempts=1
            )
        except ConflictError:
            return  # another worker has it
        try:
            try:
                self._send(delivery.event_id, delivery.recipient)
            except DeliveryError:
                raise
            except Exception as unexpected:  # any failure counts, so every delivery ends
                raise DeliveryError(f"{type(unexpected).__name__}: {unexpected}") from None
        except DeliveryError as error:
            message = str(error)[:MAX_ERROR]
            report.errors.append(f"{delivery.recipient}: {message}")
            final = error.permanent or claimed.attempts >= self.settings.max_attempts
            after = self.settings.retry_after * 2 ** (claimed.attempts - 1)
            outcome = replace(
                claimed,
                state="dead" if final else "pending",
                next_at=now + min(after, self.settings.retry_cap) if not final else now,
                last_error=message,
                done_at=self._clock() if final else None,
            )
            if final:
                report.dead += 1
            else:
                report.retrying += 1
        else:
            outcome = replace(claimed, state="sent", last_error=None, done_at=self._clock())
            report.sent += 1
        self.store.run(lambda tx: tx.update_delivery(outcome, attempts_was=claimed.attempts))

    def _send(self, event_id: str, recipient: str) -> None:
        def read(tx: Tx) -> tuple[EventRecord | None, str | None, str | None]:
            event = tx.get_event(event_id)
            address = language = None
            if recipient == HOLDER and event is not None and event.credential_id:
                record = tx.get_credential(event.credential_id)
                if record is not None:
                    address = record.holder_email
                    language = record.terms.get("language")
            return event, address, language

        event, holder_address, holder_language = self.store.read(read)
        if event is None:
            raise DeliveryError(f"event {event_id} is not in the outbox", permanent=True)
        channel, _, target = recipient.partition(":")
        if channel == "webhook":
            hook = self._hooks.get(target)
            if hook is None:
                raise DeliveryError(f"no webhook {target!r} in the settings now", permanent=True)
            body = webhook_body(event)
            self._post(hook, body, signing.sign(hook.secret, event.id, body, self._clock()))
            return
        smtp = self.settings.smtp
        if channel != "email" or smtp is None:
            raise DeliveryError(f"no channel for {recipient!r} in the settings now", permanent=True)
        address = holder_address if recipient == HOLDER else target
        if not address:
            raise DeliveryError("the holder has no e-mail address (erased?)", permanent=True)
        message = self.message(event, holder=recipient == HOLDER, language=holder_language)
        self._mail(
            smtp,
            sender=self.settings.sender,
            to=address,
            subject=message.subject,
            text=message.text,
            event_id=event.id,
            msg_id=channels.message_id(event.id, _tag(recipient), self.settings.sender),
        )

    def message(
        self, event: EventRecord, *, holder: bool = False, language: str | None = None
    ) -> templates.Message:
        """The message of ``event``; ``language`` is the holder's (from their record), else
        the ``[notify] language`` setting, which every other recipient gets."""
        credential: Mapping[str, Any] = event.data.get("credential", {})
        current = str(event.data.get("replacement") or credential.get("id", ""))
        link: str | None = self.settings.link(current)
        if holder and self._holder_page is not None and event.kind in HOLDER_PAGE_KINDS:
            link = self._holder_page(current)
        qualification = str(credential.get("qualification", ""))
        return templates.render(
            event.kind,
            event.data,
            body_name=self.signatures.get(qualification, self.body_name),
            language=language or self.settings.language,
            link=link,
            qualification_title=self.titles.get(str(credential.get("qualification", "")), ""),
        )

    # --- reads and the dead letters -----------------------------------------------------

    def deliveries(self, *, state: str | None = None) -> list[DeliveryRecord]:
        return self.store.read(lambda tx: tx.deliveries(state=state))

    def retry_dead(self, event_id: str | None = None) -> int:
        """Put dead letters (of one event, or all) back in the queue, due now."""
        now = self._clock()

        def fn(tx: Tx) -> int:
            dead = tx.deliveries(state="dead", event_id=event_id)
            for item in dead:
                again = replace(item, state="pending", next_at=now, done_at=None)
                tx.update_delivery(again, attempts_was=item.attempts)
            return len(dead)

        count: int = self.store.run(fn)
        return count
