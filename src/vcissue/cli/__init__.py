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
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .. import __version__, proofs
from ..credential import build, new_credential_id
from ..errors import VcissueError
from ..keystore import KeyStore
from ..model import Award, Holder, Qualification, load_qualification
from ..verify import TrustedIssuer, TrustList, VerificationResult, verify_credential

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
    result = verify_credential(data, trust=_load_trust(args), now=_parse_moment(args.now))
    print(json.dumps(result.to_json(), indent=2) if args.json else summarise(result))
    return 0 if result.verified else EXIT_INVALID


def _verdict(ok: bool) -> str:
    return "VALID" if ok else "NOT VALID"


# --- demo -------------------------------------------------------------------------------


def _find_example(relative: str) -> Path:
    for base in (Path.cwd(), Path(__file__).resolve().parents[3]):
        candidate = base / "examples" / relative
        if candidate.exists():
            return candidate
    raise VcissueError(f"cannot find examples/{relative}; run from the vcissue source tree")


def cmd_demo(args: argparse.Namespace) -> int:
    root = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="vcissue-demo-"))
    if root.exists() and any(root.iterdir()):
        raise VcissueError(f"{root} is not empty; the demo needs a fresh directory")
    passphrase = DEMO_PASSPHRASE
    now = _now()
    print(f"vcissue {__version__} demo in {root}\n")

    store = KeyStore(root / "keys")
    store.generate(
        passphrase,
        now=now,
        name="EcoMentor Certification Body (demo)",
        did="did:web:certification.example",
    )
    print(f"1. keys: {store.did}, key-1 encrypted in {root / 'keys'} (demo passphrase)")

    qualification: Qualification = load_qualification(_find_example("ecomentor/qualification.json"))
    print(
        f"2. qualification: {qualification.title} v{qualification.scheme_version}, "
        f"{len(qualification.units)} units, "
        f"{sum(len(u.modules) for u in qualification.units)} modules, "
        f"valid {qualification.validity}"
    )

    holders = ["Ana Novak", "Marko Horvat", "Lea Kovač"]
    issued: list[tuple[str, dict[str, Any]]] = []
    for index, name in enumerate(holders):
        suite = "eddsa-jcs-2022" if index == 2 else proofs.DEFAULT_SUITE
        award = Award(Holder(name), qualification, awarded=now)
        issued.append(
            (
                f"certificate-{index + 1}",
                issue_credential(store, passphrase, award, suite=suite, now=now),
            )
        )
    first_unit = qualification.units[0]
    unit_award = Award(Holder("Ivan Jurić"), qualification, awarded=now, units=(first_unit.id,))
    issued.append(("unit-credential", issue_credential(store, passphrase, unit_award, now=now)))
    for label, vc in issued:
        _write_json(root / "credentials" / f"{label}.json", vc)
    print(f"3. issued {len(issued)} credentials into {root / 'credentials'}")

    trust = TrustList.of(store.trusted_issuer())
    _write_json(root / "trust.json", trust.to_json())
    _write_json(root / "did.json", store.did_document())
    print("4. verification (trust list: trust.json)")
    all_valid = True
    for label, vc in issued:
        result = verify_credential(vc, trust=trust, now=now)
        all_valid &= result.verified
        holder = vc["credentialSubject"]["identifier"][0]["identityHash"]
        print(
            f"   {label:17} {holder:14} {vc['proof']['cryptosuite']:16} "
            f"{'VALID' if result.verified else 'NOT VALID'}"
        )

    tampered = json.loads(json.dumps(issued[0][1]))
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory Forger"
    _write_json(root / "credentials" / "tampered.json", tampered)
    result = verify_credential(tampered, trust=trust, now=now)
    failed = ", ".join(f"{c.id} ({c.message})" for c in result.failures)
    print(
        f"5. tampered copy (holder renamed): {'VALID' if result.verified else 'REJECTED'}: {failed}"
    )

    later = now + timedelta(days=365 * 6)
    result = verify_credential(issued[0][1], trust=trust, now=later)
    failed = ", ".join(f"{c.id} ({c.message})" for c in result.failures)
    print(
        f"6. same certificate checked in {later.year}: REJECTED: {failed}; proof still "
        f"{result.check('proof').outcome.value} (expired is not forged)"
    )

    store.rotate(passphrase, now=now)
    rotated_trust = TrustList.of(store.trusted_issuer())
    after = issue_credential(
        store, passphrase, Award(Holder("Sara Babić"), qualification, awarded=now), now=now
    )
    old_ok = verify_credential(issued[0][1], trust=rotated_trust, now=now).verified
    new_ok = verify_credential(after, trust=rotated_trust, now=now).verified
    _write_json(root / "credentials" / "after-rotation.json", after)
    _write_json(root / "did.json", store.did_document())
    print(
        f"7. key rotated to {after['proof']['verificationMethod'].split('#')[1]}: "
        f"old certificate {_verdict(old_ok)}, new {_verdict(new_ok)}"
    )

    ok = (
        all_valid
        and not verify_credential(tampered, trust=trust, now=now).verified
        and old_ok
        and new_ok
    )
    print("\ndemo " + ("succeeded" if ok else "FAILED") + f"; files in {root}")
    return 0 if ok else 1


# --- wiring -------------------------------------------------------------------------------

# Modules of this package that add commands: each has ``register(commands)``.
_COMMAND_MODULES: tuple[str, ...] = ("qr",)


def passphrase_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--passphrase-file",
        help=f"file holding the key passphrase (default: ${PASSPHRASE_ENV}, else prompt)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vcissue", description=__doc__)
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
    verify.set_defaults(handler=cmd_verify)

    demo = commands.add_parser("demo", help="run the whole job end to end in a fresh directory")
    demo.add_argument("--dir", help="directory to create (default: a new temporary one)")
    demo.set_defaults(handler=cmd_demo)

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
