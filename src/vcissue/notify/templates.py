"""The message of each event: a subject and a plain-text body in the reader's language,
signed off with the body's name (pure; the texts are in the ``vcissue.i18n`` catalogues).

``link`` is where the reader goes next: a holder page link (the credential, wallet offers)
in a holder's e-mail about a credential they can take, else the public register.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..i18n import translator
from ..proofs import parse_datetime

__all__ = ["Message", "render"]

# kind -> (subject, opening line); {qualification}, {until}, {days}, {expires},
# {replacement} are filled from the event
_TEXTS: dict[str, tuple[str, str]] = {
    "issued": (
        "Your {qualification} certificate has been issued",
        "Your certificate for {qualification} has been issued. It is valid until {expires}.",
    ),
    "suspended": (
        "Your {qualification} certificate is suspended",
        "Your certificate for {qualification} is suspended until {until}. Unless it is "
        "reinstated by then, it will be withdrawn.",
    ),
    "suspension-extended": (
        "The suspension of your {qualification} certificate is extended",
        "The suspension of your certificate for {qualification} is extended until {until}.",
    ),
    "reinstated": (
        "Your {qualification} certificate is reinstated",
        "Your certificate for {qualification} is reinstated and valid again.",
    ),
    "withdrawn": (
        "Your {qualification} certificate is withdrawn",
        "Your certificate for {qualification} has been withdrawn. It is no longer valid.",
    ),
    "revoked": (
        "Your {qualification} certificate is revoked",
        "Your certificate for {qualification} has been revoked. It is no longer valid.",
    ),
    "restored": (
        "Your {qualification} certificate is restored",
        "Your certificate for {qualification} is restored as a new certificate: {replacement}.",
    ),
    "scope-changed": (
        "The scope of your {qualification} certificate has changed",
        "The scope of your certificate for {qualification} has changed; it is replaced by a "
        "new certificate: {replacement}.",
    ),
    "recertified": (
        "Your {qualification} certificate is renewed",
        "You have been recertified for {qualification}. Your new certificate: {replacement}.",
    ),
    "re-signed": (
        "Your {qualification} certificate has been signed again",
        "Your certificate for {qualification} has been signed again with a new key of the "
        "certification body (same content). Copies kept before no longer verify: take the "
        "new copy.",
    ),
    "expiring": (
        "Your {qualification} certificate expires in {days} days",
        "Your certificate for {qualification} expires on {expires}. Apply for recertification "
        "in good time.",
    ),
    "recertification-window-open": (
        "You can now apply to recertify for {qualification}",
        "The recertification window for {qualification} is open: your certificate expires on "
        "{expires}.",
    ),
}
KNOWN = frozenset(_TEXTS)


@dataclass(frozen=True)
class Message:
    subject: str
    text: str


def _day(value: object, language: str) -> str:
    if not isinstance(value, str) or not value:
        return ""
    moment = parse_datetime(value)
    return translator(language).date(date(moment.year, moment.month, moment.day))


def render(
    kind: str,
    data: Mapping[str, Any],
    *,
    body_name: str,
    language: str,
    link: str | None,
    qualification_title: str = "",
) -> Message:
    """The message for an event of ``kind`` with ``data`` (the outbox event's), in
    ``language`` (``en``, ``hr``), signed off by ``body_name``."""
    _ = translator(language)
    subject, opening = _TEXTS[kind]
    credential = data.get("credential", {})
    values = {
        "qualification": qualification_title or str(credential.get("qualification", "")),
        "until": _day(data.get("until"), _.language),
        "expires": _day(credential.get("expires"), _.language),
        "days": str(data.get("daysLeft", data.get("days", ""))),
        "replacement": str(data.get("replacement", "")),
    }
    lines = [
        _("Dear {name},", name=credential.get("holderName", "")),
        "",
        _(opening, **values),
    ]
    if data.get("reason") and kind != "issued":
        lines.append(_("Reason: {reason}", reason=data["reason"]))
    lines += ["", _("Certificate: {id}", id=credential.get("number") or credential.get("id", ""))]
    if link:
        lines.append(_("Check it or get your copy here: {link}", link=link))
    lines += ["", body_name]
    return Message(_(subject, **values), "\n".join(lines) + "\n")
