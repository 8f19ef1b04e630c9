"""``vcissue init``: a new deployment -- a commented ``vcissue.toml``, the body's keys, the
store and the publish directory. The only command that creates a store."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..errors import SettingsError
from ..keystore import KeyStore
from ..model.scheme import BODY_ID_RE, DEFAULT_BODY
from ..settings import CONFIG_FILE, load_settings
from ..wiring import open_deployment_store
from .common import now, passphrase, passphrase_option

__all__ = ["register", "settings_text"]


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def settings_text(
    *,
    store_url: str,
    status_base_url: str,
    qualification_files: list[str],
    passphrase_file: str | None,
    approvers: int = 2,
    bodies: tuple[str, ...] = (),
) -> str:
    files = ", ".join(_toml(item) for item in qualification_files)
    secret = (
        f"passphrase_file = {_toml(passphrase_file)}"
        if passphrase_file
        else '# passphrase_file = "secrets/key-pass"   # else $VCISSUE_KEY_PASSPHRASE or a prompt'
    )
    return f"""# vcissue deployment settings (format: vcissue.settings). Relative paths are taken
# from this file's directory. Store-backed commands find this file by the rule:
# --config FILE, else $VCISSUE_CONFIG, else ./{CONFIG_FILE}.

[store]
# sqlite:///vcissue.db (default, next to this file) or postgresql://user@host/db
url = {_toml(store_url)}

[keys]
dir = "keys"                  # from `vcissue keys generate` (done by `vcissue init`)
{secret}
# After `vcissue keys rotate` the retired private key is deleted; true keeps it (encrypted).
keep_retired = false

[status]
# Status lists are published as {{base_url}}/revocation-1, {{base_url}}/suspension-1, ...
base_url = {_toml(status_base_url)}
# Every status change re-signs the lists and writes them here; serve this directory at
# base_url (or set publish_dir = "" when `vcissue serve` serves them from the store).
publish_dir = "public/status-lists"

[qualifications]
# The schemes this body awards (JSON or TOML; format: vcissue.model.loading).
files = [{files}]

[policy]
# Distinct approvers a revocation needs (seed 003: two directors). Revocation is final.
revocation_approvers = {approvers}
# [policy.revocation_approvers_per_qualification]
# ecomentor = 3
{"".join(_body_text(body) for body in bodies)}"""


def _body_text(body: str) -> str:
    return f"""
[bodies.{body}]
# Another awarding body: qualifications with "body": "{body}" are issued under its DID,
# signed by its keys (vcissue keys ... --body {body}), on its own status lists.
dir = "keys-{body}"
"""


def body_did(did: str | None, body: str) -> str | None:
    """Another body's DID beside the deployment's did:web one: did:web:HOST:bodies:ID
    (its document at https://HOST/bodies/ID/did.json, which `vcissue serve` serves);
    None (did:key) when the deployment's own body has no did:web DID."""
    if did is None or not did.startswith("did:web:"):
        return None
    host = did.removeprefix("did:web:").split(":", 1)[0]
    return f"did:web:{host}:bodies:{body}"


def cmd_init(args: argparse.Namespace) -> int:
    root = Path(args.dir)
    config = root / CONFIG_FILE
    if config.exists():
        raise SettingsError(f"{config} exists: this directory already holds a deployment")
    keys = KeyStore(root / "keys")
    if keys.exists:
        raise SettingsError(f"{root / 'keys'} already holds keys: init makes a new deployment")
    qualifications = [str(Path(item).resolve()) for item in args.qualification or ()]
    bodies = dict(_body_argument(item) for item in args.body or ())
    for body in bodies:
        if KeyStore(root / f"keys-{body}").exists:
            raise SettingsError(f"{root / f'keys-{body}'} already holds keys")
    secret = passphrase(args)
    root.mkdir(parents=True, exist_ok=True)
    config.write_text(
        settings_text(
            store_url=args.store_url,
            status_base_url=args.status_base_url,
            qualification_files=qualifications,
            passphrase_file=str(Path(args.passphrase_file).resolve())
            if args.passphrase_file
            else None,
            bodies=tuple(bodies),
        ),
        "utf-8",
    )
    settings = load_settings(config, env={})
    settings.qualifications()  # a bad qualification file fails now, not at the first award
    record = keys.generate(secret, now=now(), name=args.name, did=args.did)
    for body, name in bodies.items():
        other = KeyStore(settings.bodies[body])
        other.generate(secret, now=now(), name=name, did=body_did(args.did, body))
        print(f"generated the keys of the awarding body {body} ({other.did})")
    open_deployment_store(settings, create=True).close()
    if settings.publish_dir is not None:
        settings.publish_dir.mkdir(parents=True, exist_ok=True)
    print(f"wrote {config}")
    print(f"generated {record.fragment} for {keys.did} in {root / 'keys'}")
    print(f"created the store {settings.store_url}")
    if not qualifications:
        print("no qualifications yet: add files to [qualifications] in the settings")
    print(f"next: vcissue issue --config {config} --actor you --qualification ID --holder-name ...")
    return 0


def _body_argument(text: str) -> tuple[str, str]:
    body, equals, name = text.partition("=")
    if not equals or not BODY_ID_RE.fullmatch(body) or body == DEFAULT_BODY or not name.strip():
        raise SettingsError(f"--body {text!r}: give ID=NAME, ID in lower-case letters, digits, -")
    return body, name.strip()


def register(commands: Any) -> None:
    init = commands.add_parser(
        "init", help="start a deployment: settings file, keys and store (the only way to make one)"
    )
    init.add_argument("--dir", default=".", help="where the deployment lives (default: here)")
    init.add_argument("--name", required=True, help="name of the certification body")
    init.add_argument("--did", help="did:web DID of the body (default: did:key of the key)")
    init.add_argument(
        "--status-base-url",
        required=True,
        help="public URL the status lists are served under, e.g. https://certs.example/status",
    )
    init.add_argument(
        "--store-url", default="sqlite:///vcissue.db", help="default: sqlite:///vcissue.db"
    )
    init.add_argument(
        "--qualification", action="append", help="a qualification file to award (repeatable)"
    )
    init.add_argument(
        "--body",
        action="append",
        metavar="ID=NAME",
        help="another awarding body of the deployment, with its own keys (repeatable); "
        "its DID is did:web:HOST:bodies:ID beside a did:web --did",
    )
    passphrase_option(init)
    init.set_defaults(handler=cmd_init)
