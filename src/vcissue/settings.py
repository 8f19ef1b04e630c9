"""Deployment settings (adapter: reads a TOML file and the environment).

Where the settings are (the rule every store-backed command and the service follow):
``--config FILE``, else ``$VCISSUE_CONFIG``, else ``./vcissue.toml``; with none of them
there is no deployment and the command stops with a ``SettingsError`` naming the rule
(``vcissue init`` writes one). A TOML file::

    [store]
    url = "sqlite:///vcissue.db"          # or postgresql://user@host/db
    [keys]
    dir = "keys"                          # from `vcissue keys generate`
    passphrase_file = "secrets/key-pass"  # else $VCISSUE_KEY_PASSPHRASE
    [status]
    base_url = "https://certs.example/status-lists"
    publish_dir = "public/status-lists"   # optional: signed lists are written here
    list_validity = "P1D"                 # validUntil of each signed list (default P1D)
    [qualifications]
    files = ["qualifications/ecomentor.json"]
    [policy]
    revocation_approvers = 2              # the default: two distinct approvers
    [policy.revocation_approvers_per_qualification]
    kcs-level1 = 3
    [service]
    base_url = "https://certs.example"    # public URL of the HTTP service

Relative paths are taken from the file's directory. ``status.publish_dir`` defaults to
``public/status-lists`` beside the file: every status change republishes the signed lists
there (a deployment that serves them only through ``vcissue serve`` sets
``publish_dir = ""``). Environment variables override the
file: ``VCISSUE_STORE_URL``, ``VCISSUE_KEYS_DIR``, ``VCISSUE_KEY_PASSPHRASE_FILE``,
``VCISSUE_STATUS_BASE_URL``, ``VCISSUE_PUBLISH_DIR``, ``VCISSUE_QUALIFICATIONS``
(paths separated by ``os.pathsep``), ``VCISSUE_BASE_URL``, ``VCISSUE_SUITE``,
``VCISSUE_REVOCATION_APPROVERS``, ``VCISSUE_STATUS_LIST_VALIDITY``.

``status.list_validity`` (an ISO 8601 duration in weeks, days, hours, minutes or seconds:
``P1D``, ``PT12H``, ``P1W``; at least ten minutes) is how long each signed status list
credential is valid: it is signed with ``validUntil`` = signing time + this, re-signed on
every status change, and renewed by ``vcissue publish``, ``vcissue lifecycle run`` and the
service once less than half of it is left. Verifiers treat a list past its ``validUntil``
as "could not check": schedule ``vcissue lifecycle run`` (or ``publish``) hourly, or at
least every quarter of the validity, when lists are served from ``publish_dir``.

Unknown keys in the file are refused, so a typo is an error rather than a silently ignored
setting.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from . import proofs
from .errors import KeyMaterialError, SettingsError, VcissueError
from .issuer import DEFAULT_LIST_VALIDITY, IssuerSettings, RevocationPolicy
from .model import Qualification, load_qualification, parse_duration

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILE",
    "PASSPHRASE_ENV",
    "Settings",
    "find_config",
    "load_settings",
    "read_passphrase",
]

PASSPHRASE_ENV = "VCISSUE_KEY_PASSPHRASE"  # noqa: S105 - a variable name, not a secret
CONFIG_ENV = "VCISSUE_CONFIG"
CONFIG_FILE = "vcissue.toml"
RULE = f"--config FILE, else ${CONFIG_ENV}, else ./{CONFIG_FILE}"
_SECTIONS: dict[str, set[str]] = {
    "store": {"url"},
    "keys": {"dir", "passphrase_file"},
    "status": {"base_url", "publish_dir", "list_validity"},
    "qualifications": {"files"},
    "policy": {"revocation_approvers", "revocation_approvers_per_qualification"},
    "service": {"base_url"},
    "issuing": {"suite"},
}


@dataclass(frozen=True)
class Settings:
    store_url: str = "sqlite:///vcissue.db"
    keys_dir: Path = Path("keys")
    passphrase_file: Path | None = None
    status_base_url: str = "https://certification.example/status-lists"
    publish_dir: Path | None = None
    qualification_files: tuple[Path, ...] = ()
    revocation_approvers: int = 2
    revocation_approvers_per_qualification: Mapping[str, int] = field(default_factory=dict)
    base_url: str | None = None
    suite: str = proofs.DEFAULT_SUITE
    list_validity: timedelta = DEFAULT_LIST_VALIDITY

    def qualifications(self) -> list[Qualification]:
        return [load_qualification(path) for path in self.qualification_files]

    def issuer_settings(self) -> IssuerSettings:
        return IssuerSettings(
            self.status_base_url,
            suite=self.suite,
            list_validity=self.list_validity,
            revocation=RevocationPolicy(
                self.revocation_approvers, dict(self.revocation_approvers_per_qualification)
            ),
        )


def _config_error(path: Path | None, message: str) -> SettingsError:
    return SettingsError(f"{path or 'settings'}: {message}")


def _text(value: object, path: Path | None, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise _config_error(path, f"{name} must be a non-empty string")
    return value


def _validity(value: object, path: Path | None, name: str) -> timedelta:
    text = _text(value, path, name)
    try:
        duration = parse_duration(text)
    except VcissueError as error:
        raise _config_error(path, f"{name}: {error}") from None
    if duration.years or duration.months:
        raise _config_error(path, f"{name}: use weeks, days, hours, minutes or seconds")
    span = timedelta(
        weeks=duration.weeks,
        days=duration.days,
        hours=duration.hours,
        minutes=duration.minutes,
        seconds=duration.seconds,
    )
    if span < timedelta(minutes=10):
        raise _config_error(path, f"{name} must be at least ten minutes")
    return span


def _count(value: object, path: Path | None, name: str) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _config_error(path, f"{name} must be a whole number of at least 1")
    return value


def find_config(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Path:
    """The settings file by the rule: ``path``, else ``$VCISSUE_CONFIG``, else ./vcissue.toml."""
    env = os.environ if env is None else env
    if path is not None:
        return Path(path)
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    local = (cwd or Path.cwd()) / CONFIG_FILE
    if local.is_file():
        return local
    raise SettingsError(
        f"no settings: looked for {RULE} and found none. Create a deployment with "
        "`vcissue init` (or point --config at its vcissue.toml)"
    )


def load_settings(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    cwd: Path | None = None,
) -> Settings:
    """Settings from the file the rule finds (``find_config``), then the environment."""
    env = os.environ if env is None else env
    config_path: Path | None = find_config(path, env, cwd)
    data: dict[str, Any] = {}
    base = Path.cwd()
    if config_path is not None:
        try:
            data = tomllib.loads(config_path.read_text("utf-8"))
        except OSError as error:
            raise _config_error(config_path, f"cannot read: {error.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise _config_error(config_path, f"not valid TOML: {error}") from None
        base = config_path.resolve().parent
    for section, table in data.items():
        if section not in _SECTIONS or not isinstance(table, dict):
            raise _config_error(config_path, f"unknown section [{section}]")
        unknown = set(table) - _SECTIONS[section]
        if unknown:
            raise _config_error(config_path, f"unknown keys in [{section}]: {sorted(unknown)}")

    def get(section: str, key: str) -> Any:
        return data.get(section, {}).get(key)

    def file_path(value: object, name: str) -> Path:
        return base / _text(value, config_path, name)

    values: dict[str, Any] = {}
    if get("store", "url") is not None:
        url = _text(get("store", "url"), config_path, "store.url")
        # a relative SQLite path in the file means relative to the file
        if (
            url.startswith("sqlite:///")
            and not url.startswith("sqlite:////")
            and ":memory:" not in url
        ):
            url = f"sqlite:///{base / url[len('sqlite:///') :]}"
        values["store_url"] = url
    if get("keys", "dir") is not None:
        values["keys_dir"] = file_path(get("keys", "dir"), "keys.dir")
    if get("keys", "passphrase_file") is not None:
        values["passphrase_file"] = file_path(
            get("keys", "passphrase_file"), "keys.passphrase_file"
        )
    if get("status", "base_url") is not None:
        values["status_base_url"] = _text(get("status", "base_url"), config_path, "status.base_url")
    publish_dir = get("status", "publish_dir")
    if publish_dir is None:
        values["publish_dir"] = base / "public" / "status-lists"
    elif publish_dir != "":
        values["publish_dir"] = file_path(publish_dir, "status.publish_dir")
    if get("status", "list_validity") is not None:
        values["list_validity"] = _validity(
            get("status", "list_validity"), config_path, "status.list_validity"
        )
    files = get("qualifications", "files")
    if files is not None:
        if not isinstance(files, list):
            raise _config_error(config_path, "qualifications.files must be a list of paths")
        values["qualification_files"] = tuple(
            file_path(item, "qualifications.files") for item in files
        )
    if get("policy", "revocation_approvers") is not None:
        values["revocation_approvers"] = _count(
            get("policy", "revocation_approvers"), config_path, "policy.revocation_approvers"
        )
    per = get("policy", "revocation_approvers_per_qualification")
    if per is not None:
        if not isinstance(per, dict):
            raise _config_error(config_path, "revocation_approvers_per_qualification is a table")
        values["revocation_approvers_per_qualification"] = {
            str(key): _count(count, config_path, f"approvers for {key}")
            for key, count in per.items()
        }
    if get("service", "base_url") is not None:
        values["base_url"] = _text(get("service", "base_url"), config_path, "service.base_url")
    if get("issuing", "suite") is not None:
        values["suite"] = _text(get("issuing", "suite"), config_path, "issuing.suite")

    overrides = {
        "VCISSUE_STORE_URL": ("store_url", str),
        "VCISSUE_KEYS_DIR": ("keys_dir", Path),
        "VCISSUE_KEY_PASSPHRASE_FILE": ("passphrase_file", Path),
        "VCISSUE_STATUS_BASE_URL": ("status_base_url", str),
        "VCISSUE_PUBLISH_DIR": ("publish_dir", Path),
        "VCISSUE_BASE_URL": ("base_url", str),
        "VCISSUE_SUITE": ("suite", str),
    }
    for variable, (name, kind) in overrides.items():
        if env.get(variable):
            values[name] = kind(env[variable])
    if env.get("VCISSUE_QUALIFICATIONS"):
        values["qualification_files"] = tuple(
            Path(item) for item in env["VCISSUE_QUALIFICATIONS"].split(os.pathsep) if item
        )
    if env.get("VCISSUE_STATUS_LIST_VALIDITY"):
        values["list_validity"] = _validity(
            env["VCISSUE_STATUS_LIST_VALIDITY"], None, "VCISSUE_STATUS_LIST_VALIDITY"
        )
    if env.get("VCISSUE_REVOCATION_APPROVERS"):
        values["revocation_approvers"] = _count(
            env["VCISSUE_REVOCATION_APPROVERS"], None, "VCISSUE_REVOCATION_APPROVERS"
        )
    settings = Settings(**values)
    try:
        proofs.suite_named(settings.suite)
    except VcissueError as error:
        raise _config_error(config_path, str(error)) from None
    return settings


def read_passphrase(settings: Settings, env: Mapping[str, str] | None = None) -> bytes | None:
    """The key passphrase from the configured file or ``$VCISSUE_KEY_PASSPHRASE``."""
    env = os.environ if env is None else env
    if settings.passphrase_file is not None:
        try:
            return settings.passphrase_file.read_bytes().rstrip(b"\r\n")
        except OSError as error:
            raise KeyMaterialError(f"cannot read the passphrase file: {error.strerror}") from None
    if env.get(PASSPHRASE_ENV):
        return env[PASSPHRASE_ENV].encode()
    return None
