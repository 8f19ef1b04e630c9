"""The ``[notify]`` section of the settings file: who hears of what, and how.

::

    [notify]
    sender = "EcoMentor Certification <certificates@certs.example>"
    language = "en"                       # en | hr: e-mails to configured addresses, and to
                                          # holders whose record names no language
    holder_link = "https://certs.example/register/{id}"   # default: service URL + /register/{id}
    holder_events = ["issued", "suspended", ...]          # default: every kind; [] = none
    max_attempts = 8                      # then the delivery is a dead letter
    retry_after = "PT1M"                  # first retry; doubled per attempt ...
    retry_cap = "PT6H"                    # ... up to this
    lease = "PT5M"                        # a delivery being sent is not retried before this
    poll = "PT10S"                        # how often the worker looks for work
    schedule_every = "PT1H"               # lifecycle run and reminders this often
    [notify.smtp]
    host = "mail.example"
    port = 587
    security = "starttls"                 # none | starttls | tls
    username = "certs"
    password_file = "secrets/smtp"        # or password_env = "SMTP_PASSWORD"
    [[notify.webhooks]]                   # partners told of suspensions and removals
    name = "employer-registry"
    url = "https://partner.example/hooks/certificates"
    secret_file = "secrets/employer-registry"   # or secret_env = "PARTNER_SECRET"
    events = ["suspended", "withdrawn", "revoked", "scope-changed"]
    [[notify.emails]]                     # configured addresses (the body's office)
    to = "office@certs.example"
    events = ["suspended", "withdrawn", "revoked"]
    [notify.reminders]
    days = [90, 30, 7]                    # before expiry; one reminder per window
    recertification_window_days = 180     # "recertification window open" this long before
    [notify.reminders.qualifications.kcs-level1]   # per scheme
    days = [60, 14]
    recertification_window_days = 120

Secrets come from files or environment variables, never from the settings file itself,
and are kept out of every ``repr`` (so out of logs). Unknown keys are refused.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import CredentialError, NotifyError, VcissueError
from ..i18n import LANGUAGES
from ..model import parse_duration
from ..model.award import check_email
from .events import HOLDER_KINDS, KINDS

__all__ = ["KEYS", "MailRoute", "NotifySettings", "ReminderWindows", "Smtp", "Webhook", "parse"]

KEYS = {
    "sender",
    "language",
    "holder_link",
    "holder_events",
    "max_attempts",
    "retry_after",
    "retry_cap",
    "lease",
    "poll",
    "schedule_every",
    "smtp",
    "webhooks",
    "emails",
    "reminders",
}


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int = 25
    security: str = "none"  # none | starttls | tls
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0


@dataclass(frozen=True)
class Webhook:
    name: str
    url: str
    secret: bytes = field(repr=False)
    events: frozenset[str] = frozenset(KINDS)


@dataclass(frozen=True)
class MailRoute:
    to: str
    events: frozenset[str] = frozenset(KINDS)


@dataclass(frozen=True)
class ReminderWindows:
    days: tuple[int, ...] = (90, 30, 7)  # descending
    recertification_window_days: int | None = None


@dataclass(frozen=True)
class NotifySettings:
    sender: str = "vcissue <certificates@localhost.localdomain>"
    language: str = "en"
    holder_link: str | None = None  # "{id}" is the credential id
    holder_events: frozenset[str] = frozenset(HOLDER_KINDS)
    max_attempts: int = 8
    retry_after: timedelta = timedelta(minutes=1)
    retry_cap: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(minutes=5)
    poll: timedelta = timedelta(seconds=10)
    schedule_every: timedelta = timedelta(hours=1)
    smtp: Smtp | None = None
    webhooks: tuple[Webhook, ...] = ()
    emails: tuple[MailRoute, ...] = ()
    reminders: ReminderWindows = ReminderWindows()
    reminders_per_qualification: Mapping[str, ReminderWindows] = field(default_factory=dict)

    def windows(self, qualification_id: str) -> ReminderWindows:
        return self.reminders_per_qualification.get(qualification_id, self.reminders)

    def link(self, credential_id: str) -> str | None:
        return self.holder_link.replace("{id}", credential_id) if self.holder_link else None


def _fail(message: str) -> NotifyError:
    return NotifyError(f"[notify] {message}")


def _table(value: object, where: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"{where} must be a table")
    unknown = set(value) - keys
    if unknown:
        raise _fail(f"unknown keys in {where}: {sorted(unknown)}")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\x00"):
        raise _fail(f"{where} must be a non-empty line of text")
    return value


def _whole(value: object, where: str, low: int = 1, high: int = 100_000) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _fail(f"{where} must be a whole number from {low} to {high}")
    return value


def _span(value: object, where: str) -> timedelta:
    try:
        duration = parse_duration(_text(value, where))
    except VcissueError as error:
        raise _fail(f"{where}: {error}") from None
    if duration.years or duration.months:
        raise _fail(f"{where}: use weeks, days, hours, minutes or seconds")
    span = timedelta(
        weeks=duration.weeks,
        days=duration.days,
        hours=duration.hours,
        minutes=duration.minutes,
        seconds=duration.seconds,
    )
    if span <= timedelta(0):
        raise _fail(f"{where} must be longer than zero")
    return span


def _kinds(value: object, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(f"{where} must be a list of event kinds")
    unknown = sorted(set(value) - set(KINDS))
    if unknown:
        raise _fail(f"{where}: unknown event kinds {unknown} (known: {', '.join(KINDS)})")
    return frozenset(value)


def _address(value: object, where: str) -> str:
    try:
        return check_email(_text(value, where), where)
    except CredentialError as error:
        raise _fail(str(error)) from None


def _secret(
    table: Mapping[str, Any],
    name: str,
    where: str,
    read: Callable[[str], bytes],
    env: Mapping[str, str],
) -> bytes | None:
    """A secret from ``<name>_file`` (read, trailing newline dropped) or ``<name>_env``."""
    if f"{name}_file" in table:
        path = _text(table[f"{name}_file"], f"{where}.{name}_file")
        try:
            data = read(path).rstrip(b"\r\n")
        except OSError as error:
            raise _fail(f"{where}.{name}_file: cannot read it ({error.strerror})") from None
    elif f"{name}_env" in table:
        variable = _text(table[f"{name}_env"], f"{where}.{name}_env")
        if not env.get(variable):
            raise _fail(f"{where}.{name}_env: ${variable} is not set")
        data = env[variable].encode("utf-8")
    else:
        return None
    if not data:
        raise _fail(f"{where}: the {name} is empty")
    return data


def _url(value: object, where: str) -> str:
    url = _text(value, where)
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "::1", "localhost")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise _fail(f"{where} must be an https URL (http only on loopback), not {url!r}")
    if not parts.hostname or parts.fragment or parts.username or parts.password:
        raise _fail(f"{where} must name a host, with no fragment or credentials")
    return url


def _windows(
    table: object, where: str, default: ReminderWindows, *, top: bool = False
) -> ReminderWindows:
    keys = {"days", "recertification_window_days"} | ({"qualifications"} if top else set())
    found = _table(table, where, keys)
    days = default.days
    if "days" in found:
        raw = found["days"]
        if not isinstance(raw, list):
            raise _fail(f"{where}.days must be a list of whole days")
        days = tuple(sorted({_whole(d, f"{where}.days", 1, 3660) for d in raw}, reverse=True))
    window = default.recertification_window_days
    if "recertification_window_days" in found:
        window = _whole(found["recertification_window_days"], where, 1, 3660)
    return ReminderWindows(days, window)


def parse(
    table: Mapping[str, Any],
    *,
    base: Path,
    env: Mapping[str, str] | None = None,
    service_url: str | None = None,
) -> NotifySettings:
    """``[notify]`` -> NotifySettings; paths relative to ``base``; NotifyError if wrong."""
    env = os.environ if env is None else env
    notify = _table(dict(table), "[notify]", KEYS)

    def read(name: str) -> bytes:
        return (base / name).read_bytes()

    values: dict[str, Any] = {}
    if "sender" in notify:
        values["sender"] = _text(notify["sender"], "sender")
    if "language" in notify:
        if notify["language"] not in LANGUAGES:
            raise _fail(f"language must be one of {', '.join(LANGUAGES)}")
        values["language"] = notify["language"]
    if "holder_link" in notify:
        values["holder_link"] = _url(notify["holder_link"], "holder_link")
    elif service_url:
        values["holder_link"] = f"{service_url.rstrip('/')}/register/{{id}}"
    if "holder_events" in notify:
        values["holder_events"] = _kinds(notify["holder_events"], "holder_events")
    if "max_attempts" in notify:
        values["max_attempts"] = _whole(notify["max_attempts"], "max_attempts", 1, 100)
    for name in ("retry_after", "retry_cap", "lease", "poll", "schedule_every"):
        if name in notify:
            values[name] = _span(notify[name], name)
    if "smtp" in notify:
        smtp = _table(
            notify["smtp"],
            "[notify.smtp]",
            {"host", "port", "security", "username", "password_file", "password_env", "timeout"},
        )
        security = smtp.get("security", "none")
        if security not in ("none", "starttls", "tls"):
            raise _fail("[notify.smtp] security must be none, starttls or tls")
        password = _secret(smtp, "password", "[notify.smtp]", read, env)
        username = smtp.get("username")
        if (username is None) != (password is None):
            raise _fail("[notify.smtp] needs both username and a password, or neither")
        values["smtp"] = Smtp(
            host=_text(smtp.get("host"), "[notify.smtp] host"),
            port=_whole(smtp.get("port", 465 if security == "tls" else 25), "port", 1, 65535),
            security=security,
            username=None if username is None else _text(username, "[notify.smtp] username"),
            password=None if password is None else password.decode("utf-8"),
            timeout=float(_whole(smtp.get("timeout", 30), "[notify.smtp] timeout", 1, 600)),
        )
    hooks = notify.get("webhooks", [])
    if not isinstance(hooks, list):
        raise _fail("webhooks is a list of [[notify.webhooks]] tables")
    webhooks = []
    for n, hook in enumerate(hooks, start=1):
        where = f"[[notify.webhooks]] #{n}"
        entry = _table(hook, where, {"name", "url", "secret_file", "secret_env", "events"})
        name = _text(entry.get("name"), f"{where} name")
        if not name.replace("-", "").replace("_", "").isalnum():
            raise _fail(f"{where} name must be letters, digits, '-' or '_'")
        secret = _secret(entry, "secret", where, read, env)
        if secret is None:
            raise _fail(f"{where} needs secret_file or secret_env (the HMAC key)")
        webhooks.append(
            Webhook(
                name,
                _url(entry.get("url"), f"{where} url"),
                secret,
                _kinds(entry["events"], f"{where} events")
                if "events" in entry
                else frozenset(KINDS),
            )
        )
    if len({hook.name for hook in webhooks}) != len(webhooks):
        raise _fail("two webhooks have the same name")
    values["webhooks"] = tuple(webhooks)
    mails = notify.get("emails", [])
    if not isinstance(mails, list):
        raise _fail("emails is a list of [[notify.emails]] tables")
    routes = []
    for n, mail in enumerate(mails, start=1):
        where = f"[[notify.emails]] #{n}"
        entry = _table(mail, where, {"to", "events"})
        routes.append(
            MailRoute(
                _address(entry.get("to"), f"{where} to"),
                _kinds(entry["events"], f"{where} events")
                if "events" in entry
                else frozenset(KINDS),
            )
        )
    values["emails"] = tuple(routes)
    if routes and "smtp" not in notify:
        raise _fail("[[notify.emails]] need [notify.smtp]")
    if "reminders" in notify:
        reminders = notify["reminders"]
        default = _windows(reminders, "[notify.reminders]", ReminderWindows(), top=True)
        values["reminders"] = default
        per = reminders.get("qualifications", {})
        if not isinstance(per, dict):
            raise _fail("[notify.reminders.qualifications] is a table of schemes")
        values["reminders_per_qualification"] = {
            str(scheme): _windows(table, f"[notify.reminders.qualifications.{scheme}]", default)
            for scheme, table in per.items()
        }
    return NotifySettings(**values)
