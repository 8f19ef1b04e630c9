"""The demo's notices: the outbox its story wrote, delivered to receivers on loopback.

A partner's webhook endpoint (``http.server``) verifies every request with
``vcissue.notify.signing.verify_webhook`` as a partner would; a mail server that keeps
what it receives stands in for the body's SMTP relay. It speaks just enough SMTP for one
client on loopback (the standard library's ``smtpd`` is gone since Python 3.12, and the
demo must run on a bare install), so the demo needs nothing but the package.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..errors import WebhookSignatureError
from ..model import Award
from ..notify.config import NotifySettings, Smtp, Webhook
from ..notify.delivery import Deliverer
from ..notify.events import REMOVED_KINDS
from ..notify.reminders import schedule
from ..notify.signing import verify_webhook

__all__ = ["deliver_notices"]

PARTNER_SECRET = b"demo-partner-shared-secret"


@dataclass
class _Received:
    verified: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    mail: list[EmailMessage] = field(default_factory=list)


@contextmanager
def _partner(received: _Received) -> Iterator[str]:
    """A partner's webhook endpoint on loopback; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                received.verified.append(
                    verify_webhook(PARTNER_SECRET, dict(self.headers.items()), body)
                )
                status = 204
            except WebhookSignatureError as error:
                received.refused.append(str(error))
                status = 401
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/notices"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def _mail_server(received: _Received) -> Iterator[int]:
    """A mail server on loopback that keeps each message; yields its port."""

    class Session(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode("ascii") + b"\r\n")

        def handle(self) -> None:
            self.reply("220 demo mail server")
            while line := self.rfile.readline(4096):
                verb = line[:4].upper()
                if verb == b"EHLO":
                    self.reply("250-demo\r\n250 8BITMIME")
                elif verb == b"DATA":
                    self.reply("354 end with <CRLF>.<CRLF>")
                    data = b"".join(iter(self.rfile.readline, b".\r\n"))
                    unstuffed = data.replace(b"\r\n..", b"\r\n.")
                    kept = message_from_bytes(unstuffed, policy=policy.default)
                    received.mail.append(kept)
                    self.reply("250 kept")
                elif verb == b"QUIT":
                    self.reply("221 bye")
                    return
                else:  # HELO, MAIL, RCPT, RSET, NOOP
                    self.reply("250 ok")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def deliver_notices(issuer: Any, clock: Any, registrar: Any) -> tuple[bool, str]:
    """Issue a certificate that expires in 20 days to a holder with an e-mail address, run
    the reminders, and deliver the whole outbox; returns (as expected, the line to print)."""
    qualification = issuer.qualification("ecomentor")
    today = clock.at
    petra = issuer.issue(
        Award.from_request(
            qualification,
            holder_name="Petra Babić",
            holder_email="petra.babic@example.org",
            awarded=today - timedelta(days=3 * 365 - 20),
            expires=today + timedelta(days=20),
        ),
        by=registrar,
    ).credential
    received = _Received()
    with _partner(received) as url, _mail_server(received) as port:
        settings = NotifySettings(
            sender="EcoMentor Certification Body <certificates@certification.example>",
            holder_link="https://certification.example/register/{id}",
            smtp=Smtp("127.0.0.1", port, timeout=10),
            webhooks=(Webhook("employer-registry", url, PARTNER_SECRET, frozenset(REMOVED_KINDS)),),
        )
        deliverer = Deliverer(
            issuer.store,
            settings,
            clock=clock,
            body_name="EcoMentor Certification Body",
            titles={qualification.id: qualification.title},
        )
        reminders = schedule(issuer.store, settings, today)
        first = deliverer.run_once()
        again = deliverer.run_once()
    reminder = next((m for m in received.mail if "expires in" in str(m["Subject"])), None)
    kinds = [str(event["type"]) for event in received.verified]
    ok = (
        [event.kind for event in reminders] == ["expiring"]
        and reminder is not None
        and reminder["To"] == "petra.babic@example.org"
        and not received.refused
        and kinds == ["suspended", "revoked", "suspended", "withdrawn"]
        and first.dead == 0
        and again.sent == 0
        and petra["id"] in reminder.get_content()
    )
    subject = reminder["Subject"] if reminder is not None else "(none)"
    line = (
        f"14. notices: the story's {first.dispatched} outbox events delivered on loopback. "
        f"A partner's webhook (Cyber Scheme's rule: partners hear of suspensions and "
        f"removals) got {len(received.verified)} signed notices, each verified (HMAC-SHA256 "
        f"over timestamp and body): {', '.join(kinds)}; refused {len(received.refused)}. "
        f"The reminders for the 90/30/7-day windows wrote {len(reminders)}: Petra Babić's "
        f"certificate expires in 20 days; the mail server received {len(received.mail)} "
        f"e-mails, the reminder to {reminder['To'] if reminder else '-'}: {subject!r}. "
        f"Run again: {again.sent} sent (at least once, never twice without a failure)"
    )
    return ok, line
