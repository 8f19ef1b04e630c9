"""The ``vcissue`` command line (adapter: files, environment, clock, terminal).

Core commands live here; each further area registers its commands from its own module
in this package (``register(commands)``), listed in ``_COMMAND_MODULES``.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__, proofs
from ..credential import build, new_credential_id
from ..errors import VcissueError
from ..keystore import KeyStore
from ..model import Award, Holder, load_qualification
from ..verify import TrustedIssuer, TrustList, VerificationResult, verify_credential
from .status_options import add_status_options, status_source

PASSPHRASE_ENV = "VCISSUE_KEY_PASSPHRASE"  # noqa: S105 - a variable name, not a secret
DEMO_PASSPHRASE = b"vcissue-demo-only"
EXIT_INVALID = 1
EXIT_ERROR = 3


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _passphrase(args: argparse.Namespace) -> bytes:
    if getattr(args, "passphrase_file", None):
        return Path(args.passphrase_file).read_bytes().rstrip(b"\r\n")
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV].encode()
    if sys.stdin.isatty():
        return getpass.getpass("Key passphrase: ").encode()
    raise VcissueError(f"no passphrase: set {PASSPHRASE_ENV} or use --passphrase-file")


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")


def _parse_moment(text: str | None) -> datetime:
    if text is None:
        return _now()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise VcissueError(f"not an ISO 8601 date or dateTime: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- keys -------------------------------------------------------------------------


def cmd_keys_generate(args: argparse.Namespace) -> int:
    store = KeyStore(args.dir)
    record = store.generate(_passphrase(args), now=_now(), name=args.name, did=args.did)
    print(f"generated {record.fragment} in {args.dir}")
    print(f"issuer DID: {store.did}")
    print(f"verification method: {store.verification_method(record)}")
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    store = KeyStore(args.dir)
    record = store.rotate(_passphrase(args), now=_now())
    print(f"rotated: {record.fragment} is now active; earlier keys stay listed as past keys")
    return 0


def cmd_keys_did_document(args: argparse.Namespace) -> int:
    print(json.dumps(KeyStore(args.dir).did_document(), indent=2))
    return 0


def cmd_keys_trust_list(args: argparse.Namespace) -> int:
    trust = TrustList.of(KeyStore(args.dir).trusted_issuer())
    _write_json(Path(args.output), trust.to_json())
    print(f"wrote trust list for {trust.to_json()['issuers'][0]['id']} to {args.output}")
    return 0


# --- issue / verify -----------------------------------------------------------------


def issue_credential(
    store: KeyStore,
    passphrase: bytes,
    award: Award,
    *,
    suite: str = proofs.DEFAULT_SUITE,
    now: datetime,
) -> dict[str, Any]:
    unsigned = build(award, store.issuer_profile(), credential_id=new_credential_id(os.urandom(16)))
    return proofs.sign(unsigned, store.signing_key(passphrase, now=now), created=now, suite=suite)


def cmd_issue(args: argparse.Namespace) -> int:
    qualification = load_qualification(args.qualification)
    store = KeyStore(args.keys)
    now = _now()
    award = Award(
        holder=Holder(args.holder_name, args.holder_id, qualification.subject_kind),
        qualification=qualification,
        awarded=_parse_moment(args.awarded) if args.awarded else now,
        units=tuple(args.units.split(",")) if args.units else None,
        result=args.result,
        scope=args.scope or "",
        limitations=tuple(args.limitation or ()),
        previous_credential=args.previous,
    )
    signed = issue_credential(store, _passphrase(args), award, suite=args.suite, now=now)
    if args.output == "-":
        print(json.dumps(signed, indent=2, ensure_ascii=False))
    else:
        _write_json(Path(args.output), signed)
        print(f"issued {signed['id']} to {args.output}")
    return 0


def _load_trust(args: argparse.Namespace) -> TrustList:
    issuers: list[TrustedIssuer] = []
    for path in args.trust or ():
        issuers.extend(
            TrustList.from_json(json.loads(Path(path).read_text("utf-8"))).issuers.values()
        )
    for directory in args.trust_keys or ():
        issuers.append(KeyStore(directory).trusted_issuer())
    return TrustList.of(*issuers)


def summarise(result: VerificationResult) -> str:
    marks = {"passed": "ok  ", "failed": "FAIL", "skipped": "--  "}
    lines = []
    vc = result.credential or {}
    subject = vc.get("credentialSubject")
    if isinstance(subject, dict):
        names = [
            i.get("identityHash") for i in subject.get("identifier", []) if isinstance(i, dict)
        ]
        achievement = subject.get("achievement")
        title = achievement.get("name") if isinstance(achievement, dict) else None
        lines.append(f"{vc.get('id')}: {', '.join(map(str, names))} - {title}")
    for check in result.checks:
        lines.append(f"  [{marks[check.outcome.value]}] {check.id}: {check.message}")
    lines.append("VALID" if result.verified else "NOT VALID")
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    result = verify_credential(
        data, trust=_load_trust(args), now=_parse_moment(args.now), status_lists=status_source(args)
    )
    print(json.dumps(result.to_json(), indent=2) if args.json else summarise(result))
    return 0 if result.verified else EXIT_INVALID


# --- wiring -------------------------------------------------------------------------------

# Modules of this package that add commands: each has ``register(commands)``.
_COMMAND_MODULES: tuple[str, ...] = (
    "lifecycle",
    "demo",
    "qr",
    "verifier_bundle",
    "render",
    "service",
)


def passphrase_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--passphrase-file",
        help=f"file holding the key passphrase (default: ${PASSPHRASE_ENV}, else prompt)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vcissue",
        description="Issue, suspend, revoke and verify certificates as W3C Verifiable Credentials.",
    )
    parser.add_argument("--version", action="version", version=f"vcissue {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    keys = commands.add_parser("keys", help="issuer keys").add_subparsers(
        dest="keys_command", required=True
    )
    generate = keys.add_parser("generate", help="create an encrypted Ed25519 key directory")
    generate.add_argument("--dir", default="keys")
    generate.add_argument("--name", required=True, help="name of the certification body")
    generate.add_argument("--did", help="did:web DID of the body (default: did:key of the key)")
    passphrase_option(generate)
    generate.set_defaults(handler=cmd_keys_generate)
    rotate = keys.add_parser("rotate", help="retire the active key and create a new one (did:web)")
    rotate.add_argument("--dir", default="keys")
    passphrase_option(rotate)
    rotate.set_defaults(handler=cmd_keys_rotate)
    document = keys.add_parser("did-document", help="print the did:web DID document")
    document.add_argument("--dir", default="keys")
    document.set_defaults(handler=cmd_keys_did_document)
    trust = keys.add_parser("trust-list", help="write a trust list naming this body")
    trust.add_argument("--dir", default="keys")
    trust.add_argument("-o", "--output", default="trust.json")
    trust.set_defaults(handler=cmd_keys_trust_list)

    issue = commands.add_parser("issue", help="issue a signed certificate or unit credential")
    issue.add_argument("--qualification", required=True, help="qualification file (.json/.toml)")
    issue.add_argument("--holder-name", required=True)
    issue.add_argument("--holder-id", help="holder DID or URN (optional)")
    issue.add_argument("--units", help="comma-separated unit ids for a unit credential")
    issue.add_argument("--awarded", help="award date (default: now)")
    issue.add_argument("--result", default="pass")
    issue.add_argument("--scope")
    issue.add_argument("--limitation", action="append")
    issue.add_argument("--previous", help="id of the credential this one recertifies")
    issue.add_argument("--suite", choices=sorted(proofs.SUITES), default=proofs.DEFAULT_SUITE)
    issue.add_argument("--keys", default="keys")
    issue.add_argument("-o", "--output", default="-")
    passphrase_option(issue)
    issue.set_defaults(handler=cmd_issue)

    verify = commands.add_parser("verify", help="verify a credential; exit 0 only when valid")
    verify.add_argument("file", help="credential JSON file, or - for stdin")
    verify.add_argument("--trust", action="append", help="trust list JSON file (repeatable)")
    verify.add_argument("--trust-keys", action="append", help="trust the body of a key directory")
    verify.add_argument("--now", help="verify as of this time (default: now)")
    verify.add_argument("--json", action="store_true", help="print the full report as JSON")
    add_status_options(verify)
    verify.set_defaults(handler=cmd_verify)

    for name in _COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except VcissueError as error:
        print(f"vcissue: error [{error.code}]: {error}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        print(f"vcissue: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    return code
