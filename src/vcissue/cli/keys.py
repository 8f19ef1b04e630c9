"""``vcissue keys``: a body's Ed25519 keys, its DID document and trust list; rotation
with the retired key's file deleted, and the compromise drill (revoke a key, re-sign what
it signed). ``--body ID`` picks an awarding body of the deployment ([bodies.ID]); without
it, the deployment's own body ([keys])."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..errors import NotPermitted, SettingsError
from ..keystore import KeyStore
from ..model.scheme import DEFAULT_BODY
from ..settings import Settings, find_config, load_settings
from ..system import system_clock, system_random
from ..verify import TrustList
from ..wiring import body_keystores, build_issuer
from .common import (
    acting,
    api_key_option,
    config_option,
    now,
    parse_moment,
    passphrase,
    passphrase_option,
    write_json,
)

__all__ = ["register"]


def _deployment(args: argparse.Namespace) -> Settings | None:
    """The deployment's settings when --config is given or the rule finds a file."""
    try:
        found = find_config(args.config)
    except SettingsError:
        return None  # no deployment: a bare key directory
    return load_settings(found)


def _body_dir(args: argparse.Namespace, found: Settings | None) -> Path:
    """The key directory: --dir, else the deployment's body (--body, default its own),
    else ./keys."""
    body = getattr(args, "body", None)
    if args.dir and body:
        raise SettingsError("give --dir or --body, not both")
    if args.dir:
        return Path(args.dir)
    if found is None:
        if body:
            raise SettingsError(f"--body {body}: no deployment settings name its key directory")
        return Path("keys")
    directories = found.body_key_dirs()
    chosen = body or DEFAULT_BODY
    if chosen not in directories:
        raise SettingsError(f"the settings declare no awarding body {chosen!r} ([bodies.ID])")
    return directories[chosen]


def cmd_generate(args: argparse.Namespace) -> int:
    store = KeyStore(_body_dir(args, _deployment(args)))
    record = store.generate(passphrase(args), now=now(), name=args.name, did=args.did)
    print(f"generated {record.fragment} in {args.dir}")
    print(f"issuer DID: {store.did}")
    print(f"verification method: {store.verification_method(record)}")
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    found = _deployment(args)
    keep = args.keep_retired or bool(found and found.keep_retired_keys)
    store = KeyStore(_body_dir(args, found))
    record = store.rotate(passphrase(args, found), now=now(), keep_retired=keep)
    print(f"rotated: {record.fragment} is now active; earlier keys stay listed with their windows")
    print(
        "retired private keys kept (encrypted)"
        if keep
        else "retired private keys deleted (keep them with [keys] keep_retired = true)"
    )
    return 0


def cmd_compromise(args: argparse.Namespace) -> int:
    """Revoke KEY, re-sign with the active key every credential and list it signed."""
    settings = load_settings(args.config)
    secret = passphrase(args, settings)
    reader = build_issuer(settings, None, clock=system_clock, rng=system_random)
    try:
        by = acting(args, reader)
    finally:
        reader.store.close()
    if not (by.has("operator") or by.has("approver")):
        raise NotPermitted(f"{by.id} may not revoke keys (needs role operator or approver)")
    args.dir = None
    keys = KeyStore(_body_dir(args, settings))
    revoked, active = keys.compromise(args.key, secret, since=parse_moment(args.since), now=now())
    desk = build_issuer(settings, secret, clock=system_clock, rng=system_random)
    try:
        report = desk.resign(
            keys.verification_method(revoked),
            actor=by.id,
            reason=args.reason or f"key {revoked.fragment} compromised",
        )
        if args.output_dir:  # the holders' new copies
            for credential_id in report.credentials:
                record = desk.get(credential_id)
                name = credential_id.rsplit(":", 1)[-1] + ".json"
                write_json(Path(args.output_dir) / name, json.loads(record.signed_json))
    finally:
        desk.store.close()
    if not settings.keep_retired_keys:
        keys.delete_retired()
    print(f"revoked {revoked.fragment}: out of the DID document's assertion methods")
    print(
        f"re-signed {len(report.credentials)} credentials and {len(report.lists)} status lists "
        f"with {active.fragment}"
    )
    print(
        "publish the DID document (vcissue keys did-document) and a new trust list now, "
        "and restart the service so it signs with the new key"
    )
    return 0


def cmd_did_document(args: argparse.Namespace) -> int:
    print(json.dumps(KeyStore(_body_dir(args, _deployment(args))).did_document(), indent=2))
    return 0


def cmd_trust_list(args: argparse.Namespace) -> int:
    """One key directory's body (--dir, --body), else every body of the deployment."""
    found = _deployment(args)
    if args.dir or args.body or found is None:
        stores = [KeyStore(_body_dir(args, found))]
    else:
        stores = list(body_keystores(found).values())
    trust = TrustList.of(*(keys.trusted_issuer() for keys in stores))
    write_json(Path(args.output), trust.to_json())
    print(f"wrote trust list for {', '.join(trust.issuers)} to {args.output}")
    return 0


def _body_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--body",
        metavar="ID",
        help="an awarding body of the deployment ([bodies.ID]; default: its own, [keys])",
    )


def register(commands: Any) -> None:
    keys = commands.add_parser("keys", help="the body's keys, DID document and trust list")
    sub = keys.add_subparsers(dest="keys_command", required=True, metavar="KEYS_COMMAND")
    generate = sub.add_parser("generate", help="create an encrypted Ed25519 key directory")
    generate.add_argument("--dir", help="key directory (default: the deployment's, else keys)")
    generate.add_argument("--name", required=True, help="name of the certification body")
    generate.add_argument("--did", help="did:web DID of the body (default: did:key of the key)")
    _body_option(generate)
    config_option(generate)
    passphrase_option(generate)
    generate.set_defaults(handler=cmd_generate)
    rotate = sub.add_parser(
        "rotate",
        help="retire the active key and create a new one (did:web); the retired key's "
        "file is deleted unless kept",
    )
    rotate.add_argument("--dir", help="key directory (default: the deployment's, else keys)")
    rotate.add_argument(
        "--keep-retired",
        action="store_true",
        help="keep the retired private key (encrypted); default: [keys] keep_retired",
    )
    _body_option(rotate)
    config_option(rotate)
    passphrase_option(rotate)
    rotate.set_defaults(handler=cmd_rotate)
    compromise = sub.add_parser(
        "compromise",
        help="revoke a compromised key and re-sign, with the active key, everything the "
        "store recorded as signed by it",
    )
    compromise.add_argument("key", metavar="KEY", help="the key's fragment, e.g. key-1")
    compromise.add_argument(
        "--since", required=True, help="when the key may first have been in other hands"
    )
    compromise.add_argument("--reason", help="recorded in the audit log")
    compromise.add_argument(
        "--output-dir", help="write each re-signed credential here (for its holder)"
    )
    _body_option(compromise)
    config_option(compromise)
    passphrase_option(compromise)
    api_key_option(compromise)
    compromise.set_defaults(handler=cmd_compromise)
    document = sub.add_parser("did-document", help="print the did:web DID document")
    document.add_argument("--dir", help="key directory (default: the deployment's, else keys)")
    _body_option(document)
    config_option(document)
    document.set_defaults(handler=cmd_did_document)
    trust = sub.add_parser(
        "trust-list",
        help="write a trust list naming every awarding body of the deployment (or one: "
        "--body, --dir)",
    )
    trust.add_argument("--dir", help="only the body of this key directory")
    _body_option(trust)
    config_option(trust)
    trust.add_argument("-o", "--output", default="trust.json")
    trust.set_defaults(handler=cmd_trust_list)
