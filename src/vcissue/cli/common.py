"""What every command module shares: exit codes, the passphrase, files in and out, and the
deployment (settings by the rule, an Issuer from ``wiring``)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import KeyMaterialError, MalformedInput, NotPermitted
from ..governance.principals import Principal, authenticate
from ..issuer import DecisionOutcome, Issuer
from ..settings import PASSPHRASE_ENV, RULE, Settings, load_settings, read_passphrase
from ..system import system_clock, system_random
from ..wiring import build_issuer

# Exit codes (README "Exit codes"; pinned by tests/integration/test_cli_mistakes.py).
EXIT_OK = 0
EXIT_INVALID = 1  # verified but not valid; a batch with skipped rows; a broken audit chain
EXIT_USAGE = 2  # bad arguments, or a command that needs an extra that is not installed
EXIT_ERROR = 3  # a vcissue error: the message names its stable code, e.g. [key-material]
EXIT_STATUS_UNKNOWN = 4  # genuine and trusted, but its status could not be (or was not) checked

DEMO_PASSPHRASE = b"vcissue-demo-only"


def now() -> datetime:
    return system_clock().astimezone(UTC).replace(microsecond=0)


def parse_moment(text: str | None) -> datetime:
    if text is None:
        return system_clock()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedInput(f"not an ISO 8601 date or dateTime: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def passphrase_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-file",
        help=f"file holding the key passphrase (default: ${PASSPHRASE_ENV}, else a prompt)",
    )


def passphrase(args: argparse.Namespace, settings: Settings | None = None) -> bytes:
    if getattr(args, "passphrase_file", None):
        try:
            return Path(args.passphrase_file).read_bytes().rstrip(b"\r\n")
        except OSError as error:
            raise KeyMaterialError(f"cannot read the passphrase file: {error.strerror}") from None
    if settings is not None:
        found = read_passphrase(settings)
        if found is not None:
            return found
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV].encode()
    if sys.stdin.isatty():
        return getpass.getpass("Key passphrase: ").encode()
    raise KeyMaterialError(f"no passphrase: set {PASSPHRASE_ENV} or use --passphrase-file")


def read_text(path: str | Path, what: str) -> str:
    """A text file a user gave: UTF-8 (a BOM is fine) or UTF-16 with its BOM; else a
    ``MalformedInput`` that says so (a spreadsheet's cp1250 export, say)."""
    data = Path(path).read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise MalformedInput(f"{what} {path} is not valid UTF-16 text") from None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise MalformedInput(
            f"{what} {path} is not UTF-8 text (byte {data[error.start]:#04x} at offset "
            f"{error.start}); save it as UTF-8"
        ) from None


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")


def config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help=f"settings file (found by the rule: {RULE})")


def settings(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "config", None))


def issuer(args: argparse.Namespace, *, signs: bool = True) -> Issuer:
    """The deployment's Issuer; read-only (no passphrase asked) unless it ``signs``."""
    found = settings(args)
    secret = passphrase(args, found) if signs else None
    return build_issuer(found, secret, clock=system_clock, rng=system_random)


API_KEY_ENV = "VCISSUE_API_KEY"


def api_key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-key",
        help=f"the acting principal's API key (default: ${API_KEY_ENV}); decisions are "
        "recorded against principals, never typed names",
    )


def acting(args: argparse.Namespace, desk: Issuer) -> Principal:
    """The principal an API key names: who acts, with which roles."""
    token = getattr(args, "api_key", None) or os.environ.get(API_KEY_ENV)
    if not token:
        raise NotPermitted(
            f"who is acting? give your API key with --api-key or ${API_KEY_ENV} "
            "(vcissue apikey create --principal NAME --role ROLE)"
        )
    found = authenticate(desk.store, token, now=desk.now())
    if found is None:
        raise NotPermitted("the API key is unknown, revoked or expired")
    return found


def decision_line(outcome: DecisionOutcome) -> str:
    """One line for a decision: done, or pending with its approvals and case id."""
    if outcome.state == "pending":
        return (
            f"{outcome.kind} of {outcome.subject or 'a new award'} pending: "
            f"{len(outcome.approvals)} of {outcome.required} approvals "
            f"({', '.join(outcome.approvals)}); decision {outcome.case_id}"
        )
    return f"{outcome.kind} {outcome.state}" + (
        f" (approved by {', '.join(outcome.approvals)})" if outcome.approvals else ""
    )
