"""``vcissue keys``: the body's Ed25519 keys, its DID document and trust list."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..keystore import KeyStore
from ..verify import TrustList
from .common import now, passphrase, passphrase_option, write_json

__all__ = ["register"]


def cmd_generate(args: argparse.Namespace) -> int:
    store = KeyStore(args.dir)
    record = store.generate(passphrase(args), now=now(), name=args.name, did=args.did)
    print(f"generated {record.fragment} in {args.dir}")
    print(f"issuer DID: {store.did}")
    print(f"verification method: {store.verification_method(record)}")
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    store = KeyStore(args.dir)
    record = store.rotate(passphrase(args), now=now())
    print(f"rotated: {record.fragment} is now active; earlier keys stay listed as past keys")
    return 0


def cmd_did_document(args: argparse.Namespace) -> int:
    print(json.dumps(KeyStore(args.dir).did_document(), indent=2))
    return 0


def cmd_trust_list(args: argparse.Namespace) -> int:
    trust = TrustList.of(KeyStore(args.dir).trusted_issuer())
    write_json(Path(args.output), trust.to_json())
    print(f"wrote trust list for {trust.to_json()['issuers'][0]['id']} to {args.output}")
    return 0


def register(commands: Any) -> None:
    keys = commands.add_parser("keys", help="the body's keys, DID document and trust list")
    sub = keys.add_subparsers(dest="keys_command", required=True, metavar="KEYS_COMMAND")
    generate = sub.add_parser("generate", help="create an encrypted Ed25519 key directory")
    generate.add_argument("--dir", default="keys")
    generate.add_argument("--name", required=True, help="name of the certification body")
    generate.add_argument("--did", help="did:web DID of the body (default: did:key of the key)")
    passphrase_option(generate)
    generate.set_defaults(handler=cmd_generate)
    rotate = sub.add_parser("rotate", help="retire the active key and create a new one (did:web)")
    rotate.add_argument("--dir", default="keys")
    passphrase_option(rotate)
    rotate.set_defaults(handler=cmd_rotate)
    document = sub.add_parser("did-document", help="print the did:web DID document")
    document.add_argument("--dir", default="keys")
    document.set_defaults(handler=cmd_did_document)
    trust = sub.add_parser("trust-list", help="write a trust list naming this body")
    trust.add_argument("--dir", default="keys")
    trust.add_argument("-o", "--output", default="trust.json")
    trust.set_defaults(handler=cmd_trust_list)
