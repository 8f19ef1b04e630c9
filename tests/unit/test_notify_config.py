"""The [notify] settings (secrets from files or the environment, never shown), the message
of every event kind in English and Croatian, and the pure event rules."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from vcissue.errors import NotifyError, SettingsError
from vcissue.notify import templates
from vcissue.notify.config import parse
from vcissue.notify.events import KINDS, event_id
from vcissue.settings import load_settings

GOOD = {
    "sender": "Body <certs@body.example>",
    "language": "hr",
    "max_attempts": 5,
    "retry_after": "PT30S",
    "smtp": {"host": "mail.example", "port": 587, "security": "starttls",
             "username": "certs", "password_env": "SMTP_PASSWORD"},
    "webhooks": [{"name": "registry", "url": "https://partner.example/hook",
                  "secret_file": "hook.secret", "events": ["suspended", "revoked"]}],
    "emails": [{"to": "office@body.example", "events": ["revoked"]}],
    "reminders": {"days": [7, 90, 30], "recertification_window_days": 180,
                  "qualifications": {"kcs-level1": {"days": [60, 14]}}},
}  # fmt: skip


def test_a_full_notify_section(tmp_path: Path) -> None:
    (tmp_path / "hook.secret").write_bytes(b"s3cret-hook\n")
    found = parse(GOOD, base=tmp_path, env={"SMTP_PASSWORD": "pw"}, service_url="https://c.ex/")
    assert found.smtp is not None and found.smtp.password == "pw" and found.smtp.port == 587
    (hook,) = found.webhooks
    assert hook.secret == b"s3cret-hook" and hook.events == {"suspended", "revoked"}
    assert "s3cret" not in repr(found) and "pw'" not in repr(found)  # never in a log line
    assert found.retry_after == timedelta(seconds=30) and found.language == "hr"
    assert found.reminders.days == (90, 30, 7)
    assert found.windows("kcs-level1").days == (60, 14)
    assert found.windows("kcs-level1").recertification_window_days == 180  # inherited
    assert found.windows("ecomentor").days == (90, 30, 7)
    assert found.link("urn:uuid:1") == "https://c.ex/register/urn:uuid:1"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"colour": "red"}, "unknown keys"),
        ({"language": "de"}, "language"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"retry_after": "soon"}, "retry_after"),
        ({"retry_after": "P1M"}, "weeks, days"),
        ({"holder_events": ["exploded"]}, "unknown event kinds"),
        ({"webhooks": [{"name": "x", "url": "http://partner.example/", "secret_env": "S"}]},
         "https"),
        ({"webhooks": [{"name": "x", "url": "https://p.example/"}]}, "secret"),
        ({"webhooks": [{"name": "x", "url": "https://p.example/", "secret_env": "UNSET"}]},
         "not set"),
        ({"webhooks": [{"name": "x", "url": "https://p.example/", "secret_file": "none"}]},
         "cannot read"),
        ({"webhooks": [{"name": "a b", "url": "https://p.example/", "secret_env": "S"}]},
         "letters"),
        ({"emails": [{"to": "office"}]}, "address"),
        ({"emails": [{"to": "o@body.example"}]}, "need \\[notify.smtp\\]"),
        ({"smtp": {"host": "m", "security": "maybe"}}, "security"),
        ({"smtp": {"host": "m", "username": "u"}}, "both"),
        ({"smtp": {"host": "m\r\nX: y"}}, "line of text"),
        ({"reminders": {"days": [0]}}, "days"),
        ({"reminders": {"qualifications": {"k": {"qualifications": {}}}}}, "unknown keys"),
    ],
)  # fmt: skip
def test_a_wrong_notify_setting_is_named(
    change: dict[str, object], says: str, tmp_path: Path
) -> None:
    with pytest.raises(NotifyError, match=says):
        parse(change, base=tmp_path, env={"S": "x"})


def test_the_settings_file_refuses_a_bad_notify_section(tmp_path: Path) -> None:
    config = tmp_path / "vcissue.toml"
    config.write_text('[notify]\nlanguage = "de"\n')
    with pytest.raises(SettingsError, match="language"):
        load_settings(config, env={})
    config.write_text('[service]\nbase_url = "https://certs.example"\n[notify]\n')
    assert load_settings(config, env={}).notify.link("X") == "https://certs.example/register/X"


DATA = {
    "credential": {"id": "urn:uuid:c", "holderName": "Ana Novak", "qualification": "eco",
                   "expires": "2029-03-02T09:30:00Z"},
    "until": "2026-04-01T00:00:00Z", "replacement": "urn:uuid:n", "days": 30, "reason": "r",
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "hr"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_whole_message_in_each_language(kind: str, language: str) -> None:
    message = templates.render(
        kind, DATA, body_name="The Body", language=language, link="https://x/r/urn:uuid:c",
        qualification_title="EcoMentor",
    )  # fmt: skip
    for text in (message.subject, message.text):
        assert "{" not in text and "}" not in text, text
    assert "EcoMentor" in message.subject and "Ana Novak" in message.text
    assert message.text.rstrip().endswith("The Body")
    assert "https://x/r/urn:uuid:c" in message.text
    if language == "hr":
        english = templates.render(kind, DATA, body_name="B", language="en", link=None)
        assert message.subject != english.subject  # translated, not the English fallback


def test_dates_are_spelt_out_in_the_readers_language() -> None:
    hr = templates.render("suspended", DATA, body_name="B", language="hr", link=None)
    assert "do 1. travnja 2026." in hr.text
    en = templates.render("expiring", DATA, body_name="B", language="en", link=None)
    assert "expires on 2 March 2029." in en.text and en.subject.endswith("in 30 days")


def test_event_ids_are_stable_and_distinct() -> None:
    assert event_id("audit:abc") == event_id("audit:abc")
    assert event_id("audit:abc") != event_id("audit:abd")
    assert event_id("x").startswith("urn:uuid:")
