"""Signed webhooks: HMAC-SHA256 over the timestamp and the body, and the receiver's check.

A webhook request carries three headers::

    Vcissue-Event-Id: urn:uuid:...        the idempotency key: drop a second delivery of it
    Vcissue-Timestamp: 1767225600         seconds since the epoch, when it was signed
    Vcissue-Signature: v1=<hex>           HMAC-SHA256(secret, timestamp + "." + body)

A partner verifies with :func:`verify_webhook` (no other part of vcissue needed)::

    from vcissue.notify.signing import verify_webhook
    event = verify_webhook(secret, request.headers, request.body)  # raises if not genuine
    if event["id"] in seen: return 200                             # at-least-once: dedupe

The timestamp is signed, so a captured request replayed later than ``tolerance``
(default five minutes) is refused; within it, the event id tells duplicates apart. Several
``v1=`` values (comma-separated) may be sent while a secret is being rotated; one match
is enough.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ..errors import MalformedInput, WebhookSignatureError
from ..strictjson import parse_object

__all__ = [
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "sign",
    "signature",
    "verify_webhook",
]

EVENT_ID_HEADER = "Vcissue-Event-Id"
TIMESTAMP_HEADER = "Vcissue-Timestamp"
SIGNATURE_HEADER = "Vcissue-Signature"
DEFAULT_TOLERANCE = timedelta(minutes=5)


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """``v1=`` + hex HMAC-SHA256 of ``timestamp.body`` under ``secret``."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def sign(secret: bytes, event_id: str, body: bytes, now: datetime) -> dict[str, str]:
    """The headers of a webhook request carrying ``body`` for event ``event_id``."""
    timestamp = int(now.timestamp())
    return {
        EVENT_ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    raise WebhookSignatureError(f"the {name} header is missing")


def verify_webhook(
    secret: bytes,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime | None = None,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> dict[str, Any]:
    """The event a genuine webhook request carries; ``WebhookSignatureError`` otherwise.

    Checks the signature over the timestamp and the exact body bytes (before any JSON
    parsing), that the timestamp is within ``tolerance`` of ``now`` (default: the
    system clock), and that the body's ``id`` is the ``Vcissue-Event-Id`` header.
    """
    if not isinstance(secret, bytes) or not secret:
        raise WebhookSignatureError("the shared secret must be non-empty bytes")
    stamp = _header(headers, TIMESTAMP_HEADER).strip()
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise WebhookSignatureError("the timestamp is not whole seconds since the epoch")
    timestamp = int(stamp)
    expected = signature(secret, timestamp, body)
    offered = [part.strip() for part in _header(headers, SIGNATURE_HEADER).split(",")]
    if not any(hmac.compare_digest(expected, part) for part in offered):
        raise WebhookSignatureError("the signature does not match the body and timestamp")
    moment = now if now is not None else datetime.now().astimezone()
    if abs(moment.timestamp() - timestamp) > tolerance.total_seconds():
        raise WebhookSignatureError(
            f"the timestamp is more than {tolerance} away from now (a replay, or a skewed clock)"
        )
    try:
        event = parse_object(body, what="webhook body")
    except MalformedInput as error:
        raise WebhookSignatureError(f"the signed body is not a JSON object: {error}") from None
    if event.get("id") != _header(headers, EVENT_ID_HEADER):
        raise WebhookSignatureError("the body's id is not the Vcissue-Event-Id header")
    return event
