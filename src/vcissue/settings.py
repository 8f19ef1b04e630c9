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
    keep_retired = false                  # keep retired private keys (encrypted) after rotation
    [status]
    base_url = "https://certs.example/status-lists"
    publish_dir = "public/status-lists"   # optional: signed lists are written here
    list_validity = "P30D"                # validUntil of each signed list (default P30D)
    [qualifications]
    files = ["qualifications/ecomentor.json"]
    [bodies.kcs]                          # another awarding body of this deployment
    dir = "keys-kcs"                      # its own keyring: its DID, name and keys
    [policy]
    revocation_approvers = 2              # the default: two distinct approvers
    decision_expiry = "P14D"              # a pending decision expires after this
    [policy.revocation_approvers_per_qualification]
    kcs-level1 = 3
    [policy.decisions.withdraw]           # role and approvers per decision kind
    role = "approver"
    approvers = 2
    [policy.qualifications.kcs-level2.award]   # per qualification: KCS's panel
    role = "approver"
    approvers = 2
    [service]
    base_url = "https://certs.example"    # public URL of the HTTP service
    [verifier]
    url = "https://certs.example/V"       # printed in QR codes (default: service URL + /V)
    max_snapshot_age_days = 30            # older status snapshots say STATUS UNKNOWN
    packs_dir = "qr-packs"                # every scheme pack ever printed with
    [register]
    lookups_per_minute = 30               # public register lookups per client address
    [brand]                               # see vcissue.brand.Brand.from_table
    name = "EcoMentor Certification Body"
    logo = "brand/logo.png"
    [wallet]                              # delivery to wallets (docs/wallets.md)
    issuer_url = "https://certs.example"  # OpenID4VCI issuer id (default: service base_url)
    offer_ttl = "PT15M"                   # a pre-authorized code lives this long
    tx_code_attempts = 3                  # wrong transaction codes before an offer dies
    holder_link_ttl = "P90D"              # a holder page link lives this long
    [testing]
    unsafe_conformance_routes = false     # true only to run the W3C test suites
    [notify]                              # notices: see vcissue.notify.config
    sender = "EcoMentor <certificates@certs.example>"

``testing.unsafe_conformance_routes`` adds the W3C test suites' VC-API routes under
``/conformance`` (``vcissue.service.routes.vcapi``): they sign *any* credential a caller
sends, with a throwaway did:key made at start-up, and verify without a trust list. Never
set it in a deployment; the service logs a warning when it is on.

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
as "could not check": schedule ``vcissue lifecycle run`` (or ``publish``) daily when lists
are served from ``publish_dir`` (the same run withdraws overdue suspensions). The default,
``P30D``, matches ``[verifier] max_snapshot_age_days``: the offline page uses a snapshot
only while it is younger than that and within the list's ``validUntil``.

Awarding bodies: the deployment's own body is ``[keys]`` (its key directory's keyring holds
its DID and name). Each ``[bodies.ID]`` adds another body with its own key directory
(``dir``; made by ``vcissue keys generate --config ... --body ID``), issuing the
credentials of every qualification whose ``body`` is ``ID`` under its own DID and key, with
its own status lists. Every body's keys are encrypted with the one ``[keys]`` passphrase.
A qualification naming a body the settings do not declare is refused when the
qualifications are loaded (``SettingsError``), never at the first award.

Unknown keys in the file are refused, so a typo is an error rather than a silently ignored
setting.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import proofs
from .brand import BRAND_KEYS, Brand
from .errors import KeyMaterialError, SettingsError, VcissueError
from .governance.policies import DECISIONS, DEFAULT_POLICIES, Policies, Policy
from .issuer import DEFAULT_LIST_VALIDITY, IssuerSettings
from .model import Qualification, load_qualification, parse_duration
from .model.scheme import BODY_ID_RE, DEFAULT_BODY
from .notify import config as notify_config
from .wallet.sessions import WalletSettings

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
    "keys": {"dir", "passphrase_file", "keep_retired"},
    "status": {"base_url", "publish_dir", "list_validity"},
    "qualifications": {"files"},
    "policy": {
        "revocation_approvers",
        "revocation_approvers_per_qualification",
        "decision_expiry",
        "decisions",
        "qualifications",
    },
    "service": {"base_url"},
    "issuing": {"suite"},
    "verifier": {"url", "max_snapshot_age_days", "packs_dir"},
    "brand": set(BRAND_KEYS),
    "testing": {"unsafe_conformance_routes"},
    "wallet": {"issuer_url", "offer_ttl", "tx_code_attempts", "holder_link_ttl"},
    "notify": set(notify_config.KEYS),
    "register": {"lookups_per_minute"},
    "bodies": set(),  # a table of [bodies.ID] tables, checked by _bodies
}
_BODY_KEYS = {"dir"}


@dataclass(frozen=True)
class Settings:
    store_url: str = "sqlite:///vcissue.db"
    keys_dir: Path = Path("keys")
    passphrase_file: Path | None = None
    keep_retired_keys: bool = False
    status_base_url: str = "https://certification.example/status-lists"
    publish_dir: Path | None = None
    qualification_files: tuple[Path, ...] = ()
    revocation_approvers: int = 2
    revocation_approvers_per_qualification: Mapping[str, int] = field(default_factory=dict)
    decision_policies: Mapping[str, Policy] = field(default_factory=dict)
    qualification_policies: Mapping[str, Mapping[str, Policy]] = field(default_factory=dict)
    decision_expiry: timedelta = timedelta(days=14)
    base_url: str | None = None
    suite: str = proofs.DEFAULT_SUITE
    verifier_url: str | None = None
    max_snapshot_age_days: int = 30
    packs_dir: Path | None = None
    brand_table: Mapping[str, Any] = field(default_factory=dict)
    register_lookups_per_minute: int = 30  # per client address and service worker
    config_dir: Path | None = None
    unsafe_conformance_routes: bool = False
    """The W3C test suites' routes (sign anything, trust any did:key): tests only."""
    notify: notify_config.NotifySettings = field(default_factory=notify_config.NotifySettings)
    bodies: Mapping[str, Path] = field(default_factory=dict)
    """The other awarding bodies: id -> key directory ([bodies.ID] dir)."""

    def body_key_dirs(self) -> dict[str, Path]:
        """Every awarding body of the deployment and its key directory, its own first."""
        return {DEFAULT_BODY: self.keys_dir, **self.bodies}

    def printed_verifier_url(self) -> str | None:
        """The verifier URL certificates print: [verifier] url, else the service's + /V."""
        if self.verifier_url:
            return self.verifier_url
        return f"{self.base_url.rstrip('/')}/V" if self.base_url else None

    def brand(self) -> Brand:
        """The [brand] section, its image files read (relative to the settings file)."""
        base = self.config_dir or Path.cwd()
        try:
            return Brand.from_table(self.brand_table, lambda name: (base / name).read_bytes())
        except OSError as error:
            raise SettingsError(f"brand: cannot read an image: {error}") from None
        except VcissueError as error:
            raise SettingsError(f"brand: {error}") from None

    list_validity: timedelta = DEFAULT_LIST_VALIDITY
    wallet_issuer_url: str | None = None
    wallet_offer_ttl: timedelta = timedelta(minutes=15)
    wallet_tx_code_attempts: int = 3
    wallet_holder_link_ttl: timedelta = timedelta(days=90)

    def wallet_settings(self, issuer_url: str | None = None) -> WalletSettings:
        """The [wallet] section. The credential issuer identifier wallets see: ``issuer_url``
        (the running service's own), else [wallet] issuer_url, else [service] base_url,
        else the origin of the status list URL."""
        url = issuer_url or self.wallet_issuer_url or self.base_url
        if not url:
            parts = urlsplit(self.status_base_url)
            url = f"{parts.scheme}://{parts.netloc}"
        try:
            return WalletSettings(
                url.rstrip("/"),
                offer_ttl=self.wallet_offer_ttl,
                tx_code_attempts=self.wallet_tx_code_attempts,
                holder_link_ttl=self.wallet_holder_link_ttl,
            )
        except VcissueError as error:
            raise SettingsError(f"wallet: {error}") from None

    def qualifications(self) -> list[Qualification]:
        """The qualification files, each naming an awarding body the settings declare."""
        loaded = [load_qualification(path) for path in self.qualification_files]
        for path, qualification in zip(self.qualification_files, loaded, strict=True):
            if qualification.body not in self.body_key_dirs():
                raise SettingsError(
                    f"{path}: qualification {qualification.id!r} names the awarding body "
                    f"{qualification.body!r}, which the settings do not declare (add "
                    f"[bodies.{qualification.body}])"
                )
        return loaded

    def issuer_settings(self) -> IssuerSettings:
        return IssuerSettings(
            self.status_base_url,
            suite=self.suite,
            policies=self.policies(),
            list_validity=self.list_validity,
        )

    def policies(self) -> Policies:
        """The decision policies: defaults, the revocation shorthands, then the tables."""
        revoke = DEFAULT_POLICIES["revoke"]
        decisions = {
            **DEFAULT_POLICIES,
            "revoke": Policy(revoke.role, self.revocation_approvers),
            **self.decision_policies,
        }
        per_qualification: dict[str, dict[str, Policy]] = {
            qualification: {"revoke": Policy(decisions["revoke"].role, count)}
            for qualification, count in self.revocation_approvers_per_qualification.items()
        }
        for qualification, kinds in self.qualification_policies.items():
            per_qualification.setdefault(qualification, {}).update(kinds)
        return Policies(decisions, per_qualification, self.decision_expiry)


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


def _span(value: object, path: Path | None) -> timedelta:
    text = _text(value, path, "policy.decision_expiry")
    try:
        duration = parse_duration(text)
    except VcissueError as error:
        raise _config_error(path, f"policy.decision_expiry: {error}") from None
    origin = datetime(2000, 1, 1, tzinfo=UTC)
    return duration.add_to(origin) - origin


def _policy_table(table: object, path: Path | None, where: str) -> dict[str, Policy]:
    if not isinstance(table, dict):
        raise _config_error(path, f"{where} is a table of decision kinds")
    policies: dict[str, Policy] = {}
    for kind, entry in table.items():
        if kind not in DECISIONS:
            raise _config_error(path, f"{where}: unknown decision kind {kind!r}")
        if not isinstance(entry, dict) or set(entry) - {"role", "approvers"}:
            raise _config_error(path, f"{where}.{kind} holds role and approvers")
        default = DEFAULT_POLICIES[kind]
        try:
            policies[kind] = Policy(
                str(entry.get("role", default.role)),
                _count(entry.get("approvers", default.approvers), path, f"{where}.{kind}"),
            )
        except VcissueError as error:
            raise _config_error(path, str(error)) from None
    return policies


def _bodies(
    table: Mapping[str, Any], path: Path | None, file_path: Callable[[object, str], Path]
) -> dict[str, Path]:
    """The [bodies.ID] tables: ID -> its key directory."""
    bodies = {}
    for body, entry in table.items():
        where = f"bodies.{body}"
        if not BODY_ID_RE.fullmatch(body) or len(body) > 64:
            raise _config_error(path, f"[{where}]: a body id is lower-case letters, digits, '-'")
        if body == DEFAULT_BODY:
            raise _config_error(path, f"[{where}]: {DEFAULT_BODY!r} is the body of [keys]")
        if not isinstance(entry, dict):
            raise _config_error(path, f"[{where}] is a table")
        unknown = set(entry) - _BODY_KEYS
        if unknown:
            raise _config_error(path, f"unknown keys in [{where}]: {sorted(unknown)}")
        if "dir" not in entry:
            raise _config_error(path, f"[{where}] needs dir, the body's key directory")
        bodies[body] = file_path(entry["dir"], f"{where}.dir")
    return bodies


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
        unknown = set(table) - _SECTIONS[section] if section != "bodies" else set()
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
    keep = get("keys", "keep_retired")
    if keep is not None:
        if not isinstance(keep, bool):
            raise _config_error(config_path, "keys.keep_retired must be true or false")
        values["keep_retired_keys"] = keep
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
    if get("policy", "decision_expiry") is not None:
        values["decision_expiry"] = _span(get("policy", "decision_expiry"), config_path)
    if get("policy", "decisions") is not None:
        values["decision_policies"] = _policy_table(
            get("policy", "decisions"), config_path, "policy.decisions"
        )
    table = get("policy", "qualifications")
    if table is not None:
        if not isinstance(table, dict):
            raise _config_error(config_path, "policy.qualifications is a table")
        values["qualification_policies"] = {
            str(qualification): _policy_table(
                kinds, config_path, f"policy.qualifications.{qualification}"
            )
            for qualification, kinds in table.items()
        }
    if get("service", "base_url") is not None:
        values["base_url"] = _text(get("service", "base_url"), config_path, "service.base_url")
    if get("issuing", "suite") is not None:
        values["suite"] = _text(get("issuing", "suite"), config_path, "issuing.suite")
    if get("verifier", "url") is not None:
        values["verifier_url"] = _text(get("verifier", "url"), config_path, "verifier.url")
    if get("verifier", "max_snapshot_age_days") is not None:
        values["max_snapshot_age_days"] = _count(
            get("verifier", "max_snapshot_age_days"), config_path, "max_snapshot_age_days"
        )
    values["packs_dir"] = base / (get("verifier", "packs_dir") or "qr-packs")
    values["brand_table"] = dict(data.get("brand", {}))
    unsafe = get("testing", "unsafe_conformance_routes")
    if unsafe is not None:
        if not isinstance(unsafe, bool):
            raise _config_error(config_path, "testing.unsafe_conformance_routes is true or false")
        values["unsafe_conformance_routes"] = unsafe
    if get("wallet", "issuer_url") is not None:
        values["wallet_issuer_url"] = _text(get("wallet", "issuer_url"), config_path, "issuer_url")
    for key in ("offer_ttl", "holder_link_ttl"):
        if get("wallet", key) is not None:
            values[f"wallet_{key}"] = _validity(get("wallet", key), config_path, f"wallet.{key}")
    if get("wallet", "tx_code_attempts") is not None:
        values["wallet_tx_code_attempts"] = _count(
            get("wallet", "tx_code_attempts"), config_path, "wallet.tx_code_attempts"
        )
    if get("register", "lookups_per_minute") is not None:
        values["register_lookups_per_minute"] = _count(
            get("register", "lookups_per_minute"), config_path, "register.lookups_per_minute"
        )
    values["bodies"] = _bodies(data.get("bodies", {}), config_path, file_path)
    values["config_dir"] = base

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
    try:
        values["notify"] = notify_config.parse(
            data.get("notify", {}), base=base, env=env, service_url=values.get("base_url")
        )
    except VcissueError as error:
        raise _config_error(config_path, str(error)) from None
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
