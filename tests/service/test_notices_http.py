"""``vcissue serve --worker``: the service runs the notices worker in-process, so an
award made over HTTP reaches the holder's mailbox (a real SMTP server) and a partner's
webhook (a real HTTP server) on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from tests.integration.conftest import Backend
from tests.receivers import smtp_server, webhook_receiver
from tests.service.conftest import running_service
from vcissue.notify.config import NotifySettings, Smtp, Webhook
from vcissue.notify.signing import verify_webhook

SECRET = b"service-partner-secret"


def test_the_service_worker_delivers_what_a_request_changed(
    backend: Backend, tmp_path: Path
) -> None:
    with smtp_server() as box, webhook_receiver() as hook:
        notify = NotifySettings(
            smtp=Smtp("127.0.0.1", box.port, timeout=10),
            webhooks=(Webhook("partner", hook.url, SECRET, frozenset({"issued"})),),
            poll=timedelta(milliseconds=200),
            holder_link="https://certs.example/register/{id}",
        )
        with running_service(backend, tmp_path, worker=True, notify=notify) as service:
            award = {
                "qualification": "ecomentor",
                "holder": {"name": "Ana Novak", "email": "ana@example.org"},
            }
            issued = service.call("POST", "/credentials/issue", award, key="issuer")
            assert issued.status == 201, issued.body
            credential_id = issued.json()["verifiableCredential"]["id"]
            deadline = time.monotonic() + 30
            while (not box.messages or not hook.requests) and time.monotonic() < deadline:
                time.sleep(0.1)
    ((to, message),) = box.messages
    assert to == ["ana@example.org"]
    assert f"https://certs.example/register/{credential_id}" in message.get_content()
    ((headers, body),) = hook.requests
    event = verify_webhook(SECRET, headers, body)
    assert event["type"] == "issued" and event["credential"]["id"] == credential_id
    assert message["Vcissue-Event-Id"] == event["id"]
