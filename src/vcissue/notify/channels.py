"""The two ways a notice leaves: e-mail over SMTP (``smtplib``) and an HTTP POST
(``http.client``). Adapters: each send is one attempt that succeeds or raises
``DeliveryError`` (``permanent`` when retrying cannot help).
"""

from __future__ import annotations

import http.client
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from urllib.parse import urlsplit

from ..errors import DeliveryError
from .config import Smtp, Webhook

__all__ = ["message_id", "post", "send_mail"]

# answers after which the same request may well succeed later
_RETRY_STATUS = {408, 425, 429}
MAX_ERROR = 300


def message_id(event_id: str, recipient_tag: str, sender: str) -> str:
    """``<uuid.tag@sender-domain>``: the event id (the idempotency key) and which copy."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<{event_id.removeprefix('urn:uuid:')}.{recipient_tag}@{domain}>"


def send_mail(
    smtp: Smtp,
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    event_id: str,
    msg_id: str,
) -> None:
    """One message to ``to``; the event id in ``Message-ID`` and ``Vcissue-Event-Id``."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr(("", to))
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = msg_id
    message["Vcissue-Event-Id"] = event_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(text)
    try:
        if smtp.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.username is not None and smtp.password is not None:
                client.login(smtp.username, smtp.password)
            refused = client.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        permanent = all(500 <= code < 600 for code in codes)
        raise DeliveryError(f"the mail server refused {to}: {codes}", permanent=permanent) from None
    except smtplib.SMTPResponseException as error:
        said = error.smtp_error
        text_ = (said.decode("utf-8", "replace") if isinstance(said, bytes) else said)[:MAX_ERROR]
        permanent = 500 <= error.smtp_code < 600 and error.smtp_code != 530
        raise DeliveryError(f"SMTP {error.smtp_code}: {text_}", permanent=permanent) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"SMTP {smtp.host}:{smtp.port}: {error}"[:MAX_ERROR]) from None
    if refused:
        raise DeliveryError(f"the mail server refused {sorted(refused)}", permanent=True)


def post(hook: Webhook, body: bytes, headers: dict[str, str], *, timeout: float = 15.0) -> int:
    """POST ``body`` to the hook's URL; the 2xx status, else ``DeliveryError`` (a 4xx other
    than 408/425/429 is permanent: the receiver will refuse it again)."""
    parts = urlsplit(hook.url)
    host = parts.hostname or ""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            host, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": "vcissue-notify",
            },
        )
        response = connection.getresponse()
        status = response.status
        response.read(64 * 1024)  # drain a little; the body is not used
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        raise DeliveryError(
            f"POST {hook.name}: {type(error).__name__}: {error}"[:MAX_ERROR]
        ) from None
    finally:
        connection.close()
    if 200 <= status < 300:
        return status
    permanent = 300 <= status < 500 and status not in _RETRY_STATUS  # redirects not followed
    raise DeliveryError(f"POST {hook.name}: HTTP {status}", permanent=permanent)
