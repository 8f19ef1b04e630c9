"""Delivery over real channels on loopback (SQLite and PostgreSQL): signed webhooks to an
HTTP server, e-mail to an SMTP server (aiosmtpd); retries with exponential back-off, dead
letters, at-least-once with the event id as the idempotency key; reminders once per
window."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tests.integration.test_issuer import START, Desk
from tests.receivers import Hook, smtp_server, webhook_receiver
from vcissue.errors import WebhookSignatureError
from vcissue.model import Award, Holder
from vcissue.notify.config import MailRoute, NotifySettings, ReminderWindows, Smtp, Webhook
from vcissue.notify.delivery import Deliverer
from vcissue.notify.reminders import schedule
from vcissue.notify.signing import verify_webhook
from vcissue.store import Store

SECRET = b"partner-secret-0123456789"
REMOVED = frozenset({"suspended", "withdrawn", "revoked", "scope-changed"})


@pytest.fixture
def desk(store: Store, tmp_path: Path) -> Desk:
    return Desk(store, tmp_path)


def deliverer(desk: Desk, settings: NotifySettings) -> Deliverer:
    return Deliverer(
        desk.issuer.store,
        settings,
        clock=desk.clock,
        body_name="EcoMentor Certification Body",
        titles={"ecomentor": "EcoMentor"},
    )


def partner(hook: Hook, **overrides: object) -> NotifySettings:
    return replace(
        NotifySettings(webhooks=(Webhook("partner", hook.url, SECRET, REMOVED),)), **overrides
    )


def received(hook: Hook, desk: Desk) -> list[dict[str, object]]:
    """Every request, verified as a partner verifies it."""
    return [verify_webhook(SECRET, h, body, now=desk.clock.at) for h, body in hook.requests]


def ana(desk: Desk, email: str | None = "ana@example.org") -> Award:
    return Award(Holder("Ana Novak", email=email), desk.award().qualification, awarded=START)


def test_partners_hear_of_suspensions_and_removals_by_signed_webhooks(desk: Desk) -> None:
    with webhook_receiver() as hook:
        sender = deliverer(desk, partner(hook))
        vc = desk.issuer.issue(ana(desk), by=desk.alice).credential
        desk.issuer.suspend(vc["id"], reason="audit", until=START + timedelta(days=9), by=desk.op)
        desk.issuer.reinstate(vc["id"], reason="cleared", by=desk.op)
        desk.issuer.revoke(vc["id"], reason="fraud", by=desk.director_1)
        report = sender.run_once()
        assert (report.dispatched, report.sent, report.dead) == (4, 2, 0)
        events = received(hook, desk)
        assert [event["type"] for event in events] == ["suspended", "revoked"]
        assert events[0]["until"] == "2026-03-11T09:30:00Z"
        credential = events[0]["credential"]
        assert isinstance(credential, dict) and credential["id"] == vc["id"]
        assert "reason" not in events[0]  # reasons stay with the body and the holder
        headers = hook.requests[0][0]
        assert headers["Vcissue-Event-Id"] == events[0]["id"]
        outbox = desk.issuer.store.read(lambda tx: tx.events())
        assert events[0]["id"] == outbox[1].id  # the outbox event id, end to end
        assert sender.run_once().sent == 0  # nothing twice
        assert len(hook.requests) == 2


def test_a_tampered_or_replayed_webhook_is_refused(desk: Desk) -> None:
    with webhook_receiver() as hook:
        sender = deliverer(desk, partner(hook))
        vc = desk.issuer.issue(ana(desk), by=desk.alice).credential
        desk.issuer.revoke(vc["id"], reason="fraud", by=desk.director_1)
        sender.run_once()
    headers, body = hook.requests[0]
    assert verify_webhook(SECRET, headers, body, now=desk.clock.at)["type"] == "revoked"
    attempts = [
        (SECRET, headers, body.replace(b"revoked", b"reinstated"), "signature"),
        (b"another-secret", headers, body, "signature"),
        (SECRET, {**headers, "Vcissue-Timestamp": "1"}, body, "signature"),
        (SECRET, {k: v for k, v in headers.items() if k != "Vcissue-Signature"}, body, "missing"),
        (SECRET, {**headers, "Vcissue-Event-Id": "urn:uuid:other"}, body, "id"),
        (SECRET, {**headers, "Vcissue-Timestamp": "soon"}, body, "timestamp"),
    ]
    for secret, changed, data, match in attempts:
        with pytest.raises(WebhookSignatureError, match=match):
            verify_webhook(secret, changed, data, now=desk.clock.at)
    with pytest.raises(WebhookSignatureError, match="replay"):  # the same request, later
        verify_webhook(SECRET, headers, body, now=desk.clock.at + timedelta(minutes=6))
    rotated = {**headers, "Vcissue-Signature": "v1=00ff, " + headers["Vcissue-Signature"]}
    assert verify_webhook(SECRET, rotated, body, now=desk.clock.at)["type"] == "revoked"


def test_retries_back_off_exponentially_then_dead_letter(desk: Desk) -> None:
    with webhook_receiver() as hook:
        settings = partner(hook, max_attempts=4, retry_after=timedelta(minutes=1))
        sender = deliverer(desk, settings)
        vc = desk.issuer.issue(ana(desk), by=desk.alice).credential
        desk.issuer.revoke(vc["id"], reason="fraud", by=desk.director_1)
        hook.statuses[:] = [503, 500, 503, 502]
        waits = []
        for _ in range(4):
            report = sender.run_once()
            assert report.sent == 0
            (delivery,) = sender.deliveries()
            waits.append(delivery.next_at - desk.clock.at)
            assert sender.run_once().sent == 0  # not due yet: no request
            desk.clock.at = delivery.next_at
        assert waits[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
        (dead,) = sender.deliveries()
        assert (dead.state, dead.attempts, dead.last_error) == ("dead", 4, "POST partner: HTTP 502")
        assert len(hook.requests) == 4
        assert sender.retry_dead() == 1  # the operator puts it back
        assert sender.run_once().sent == 1
        assert [d.state for d in sender.deliveries()] == ["sent"]
        assert len({h["Vcissue-Event-Id"] for h, _ in hook.requests}) == 1  # one event


def test_a_refusal_is_a_dead_letter_at_once_and_a_timeout_is_retried(desk: Desk) -> None:
    with webhook_receiver() as hook:
        sender = deliverer(desk, partner(hook))
        vc = desk.issuer.issue(ana(desk), by=desk.alice).credential
        desk.issuer.revoke(vc["id"], reason="fraud", by=desk.director_1)
        hook.statuses[:] = [429]
        assert sender.run_once().retrying == 1
        desk.clock.at += timedelta(minutes=1)
        hook.statuses[:] = [410]
        assert sender.run_once().dead == 1
    unreachable = deliverer(desk, partner(hook))  # the receiver is gone: retried later
    other = desk.issuer.issue(ana(desk, None), by=desk.alice).credential
    desk.issuer.revoke(other["id"], reason="fraud", by=desk.director_1)
    report = unreachable.run_once()
    assert report.retrying == 1 and "ConnectionRefusedError" in report.errors[0]


def test_holders_and_the_office_get_e_mail_with_the_event_id(desk: Desk) -> None:
    with smtp_server() as box:
        settings = NotifySettings(
            sender="EcoMentor <certificates@ecomentor.example>",
            language="hr",
            holder_link="https://certs.example/register/{id}",
            smtp=Smtp("127.0.0.1", box.port, timeout=10),
            emails=(MailRoute("office@ecomentor.example", frozenset({"revoked"})),),
        )
        sender = deliverer(desk, settings)
        vc = desk.issuer.issue(ana(desk), by=desk.alice).credential
        desk.issuer.issue(ana(desk, email=None), by=desk.alice)  # no address: no e-mail
        desk.issuer.revoke(vc["id"], reason="krivotvorenje", by=desk.director_1)
        report = sender.run_once()
        assert (report.sent, report.dead) == (3, 0), report.errors
    (issued_to, issued), (revoked_to, revoked), (office_to, office) = box.messages
    assert issued_to == revoked_to == ["ana@example.org"]
    assert office_to == ["office@ecomentor.example"]
    assert issued["Subject"] == "Izdan je vaš certifikat EcoMentor"
    assert revoked["Subject"] == "Vaš certifikat EcoMentor je opozvan"
    text = revoked.get_content()
    assert "Razlog: krivotvorenje" in text and f"https://certs.example/register/{vc['id']}" in text
    assert text.rstrip().endswith("EcoMentor Certification Body")
    assert f"Certifikat: {desk.issuer.get(vc['id']).number}" in text  # the printed number
    events = desk.issuer.store.read(lambda tx: tx.events())
    revocation = events[-1].id
    assert revoked["Vcissue-Event-Id"] == revocation
    assert revocation.removeprefix("urn:uuid:") in revoked["Message-ID"]
    assert revoked["Message-ID"] != office["Message-ID"]  # two messages, one event
    assert revoked["Message-ID"].endswith("@ecomentor.example>")


@pytest.mark.parametrize("setting", ["en", "hr"])
def test_a_holder_is_written_to_in_their_own_language(desk: Desk, setting: str) -> None:
    """The holder's record names their language; without one, and for the office, the
    ``[notify] language`` setting decides."""
    with smtp_server() as box:
        settings = NotifySettings(
            language=setting,
            smtp=Smtp("127.0.0.1", box.port, timeout=10),
            emails=(MailRoute("office@ecomentor.example", frozenset({"issued"})),),
        )
        sender = deliverer(desk, settings)
        qualification = desk.award().qualification
        for name, language in [("Ivana Horvat", "hr"), ("Jane Smith", "en"), ("Bo Li", None)]:
            address = f"{name.split()[0].lower()}@example.org"
            holder = Holder(name, email=address, language=language)
            desk.issuer.issue(Award(holder, qualification, awarded=START), by=desk.alice)
        report = sender.run_once()
        assert (report.sent, report.dead) == (6, 0), report.errors
    subjects: dict[str, list[str]] = {}
    for to, message in box.messages:
        subjects.setdefault(to[0], []).append(str(message["Subject"]))
    croatian = "Izdan je vaš certifikat EcoMentor"
    english = "Your EcoMentor certificate has been issued"
    by_setting = croatian if setting == "hr" else english
    assert subjects == {
        "ivana@example.org": [croatian],
        "jane@example.org": [english],
        "bo@example.org": [by_setting],
        "office@ecomentor.example": [by_setting] * 3,
    }
    texts = {to[0]: message.get_content() for to, message in box.messages}
    assert texts["ivana@example.org"].startswith("Poštovani/Poštovana Ivana Horvat,")
    assert texts["jane@example.org"].startswith("Dear Jane Smith,")


def test_an_address_the_server_refuses_is_a_dead_letter(desk: Desk) -> None:
    with smtp_server() as box:
        box.refuse.add("ana@example.org")
        sender = deliverer(desk, NotifySettings(smtp=Smtp("127.0.0.1", box.port, timeout=10)))
        desk.issuer.issue(ana(desk), by=desk.alice)
        report = sender.run_once()
    assert report.dead == 1 and "refused" in report.errors[0]
    assert box.messages == []


def test_two_workers_send_each_delivery_once(desk: Desk, backend: object) -> None:
    with webhook_receiver() as hook:
        one, two = deliverer(desk, partner(hook)), deliverer(desk, partner(hook))
        for n in range(5):
            vc = desk.issuer.issue(desk.award(f"Holder {n}"), by=desk.alice).credential
            desk.issuer.revoke(vc["id"], reason="r", by=desk.director_1)
        one.dispatch()
        due = one.deliveries()
        from vcissue.notify.delivery import DeliveryReport

        first, second = DeliveryReport(), DeliveryReport()
        for delivery in due:  # both picked the same due rows; the claim decides
            one.attempt(delivery, first)
            two.attempt(delivery, second)
        assert first.sent == 5 and second.sent == 0
        assert len(hook.requests) == 5


def test_reminders_once_per_window_per_scheme(desk: Desk) -> None:
    settings = NotifySettings(
        reminders=ReminderWindows((90, 30, 7), recertification_window_days=120),
        reminders_per_qualification={"other-scheme": ReminderWindows((14,))},
    )
    vc = desk.issuer.issue(ana(desk), by=desk.alice).credential
    expires = desk.issuer.get(vc["id"]).expires
    store = desk.issuer.store

    def at(days_left: float) -> list[tuple[str, int]]:
        written = schedule(store, settings, expires - timedelta(days=days_left))
        return [(event.kind, int(event.data["days"])) for event in written]

    assert at(200) == []
    assert at(119) == [("recertification-window-open", 120)]
    assert at(118) == []
    assert at(89) == [("expiring", 90)]
    for _ in range(3):
        assert at(88) == []  # however often it runs
    assert at(6) == [("expiring", 7)]  # ran late: only the window it is in (30 is past)
    assert at(5) == []
    assert at(-1) == []  # expired: no reminder
    suspended = desk.issuer.issue(desk.award("Iva"), by=desk.alice).credential
    desk.issuer.suspend(suspended["id"], reason="r", until=START + timedelta(days=3), by=desk.op)
    kinds = [e.kind for e in store.read(lambda tx: tx.events(credential_id=suspended["id"]))]
    assert "expiring" not in kinds  # only active certificates are reminded


def test_an_unexpected_failure_counts_as_an_attempt_and_ends_as_a_dead_letter(
    desk: Desk,
) -> None:
    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("channel bug")

    hook = Hook("https://partner.example/never-called")
    sender = Deliverer(
        desk.issuer.store,
        partner(hook, max_attempts=2),
        clock=desk.clock,
        body_name="Body",
        post=broken,
    )
    vc = desk.issuer.issue(ana(desk), by=desk.alice).credential
    desk.issuer.revoke(vc["id"], reason="fraud", by=desk.director_1)
    first = sender.run_once()
    assert first.retrying == 1 and "RuntimeError: channel bug" in first.errors[0]
    desk.clock.at += timedelta(minutes=1)
    assert sender.run_once().dead == 1
    assert [d.state for d in sender.deliveries()] == ["dead"]


def test_holders_get_a_working_holder_page_link_and_partners_never_do(desk: Desk) -> None:
    import random

    from vcissue.wallet.holder_page import HOLDER_PATH, HolderLinks
    from vcissue.wallet.sessions import WalletSettings

    links = HolderLinks(desk.issuer, WalletSettings("https://certs.example"), rng=random.Random(7))
    prefix = f"https://certs.example{HOLDER_PATH}/"

    def link(message: object) -> str:
        text = message.get_content()  # type: ignore[attr-defined]
        return next(word for word in text.split() if word.startswith("https://"))

    with smtp_server() as box:
        sender = Deliverer(
            desk.issuer.store,
            NotifySettings(
                smtp=Smtp("127.0.0.1", box.port, timeout=10),
                holder_link="https://certs.example/register/{id}",
                emails=(MailRoute("office@ecomentor.example"),),
            ),
            clock=desk.clock,
            body_name="Body",
            holder_page=lambda credential: links.create(credential, actor="system:notify").url,
        )

        def delivered() -> tuple[str, str]:
            assert sender.run_once().sent == 2  # the holder and the office
            (_, holder), (_, office) = sorted(box.messages[-2:], key=lambda m: m[0])
            return link(holder), link(office)

        vc = desk.issuer.issue(ana(desk), by=desk.alice).credential
        issued, office = delivered()
        assert links.resolve(issued.removeprefix(prefix)).id == vc["id"]
        assert office == f"https://certs.example/register/{vc['id']}"  # capabilities: holder's
        renewed = desk.issuer.recertify(vc["id"], by=desk.alice).result.record
        recertified, _ = delivered()
        assert links.resolve(recertified.removeprefix(prefix)).id == renewed.id  # the new one
        desk.issuer.revoke(renewed.id, reason="fraud", by=desk.director_1)
        revoked, _ = delivered()
        assert revoked == f"https://certs.example/register/{renewed.id}"  # nothing to take
