"""``vcissue demo``: the main job end to end on the embedded default store (SQLite).

A fresh directory gets a body's keys, a settings file, a SQLite store and a publish
directory; the demo issues, batch-issues, suspends, reinstates, revokes, withdraws an
overdue suspension, recertifies, and verifies every result the way a verifier would:
signature, issuer trust, dates, and status through the signed lists it published.
The clock is the real one, moved forward where the story needs time to pass.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .. import __version__
from ..batch import parse_batch_csv
from ..errors import PolicyError, VcissueError
from ..issuer import Issuer
from ..keystore import KeyStore
from ..model import Award, Holder
from ..qr import encode_payload, make_qr
from ..settings import load_settings
from ..store import open_store
from ..verify import TrustList, VerificationResult, verify_credential
from . import DEMO_PASSPHRASE, _now, _write_json

__all__ = ["register"]

BODY_DID = "did:web:certification.example"
STATUS_BASE = "https://certification.example/status-lists"


def _find_example(relative: str) -> Path:
    for base in (Path.cwd(), Path(__file__).resolve().parents[3]):
        candidate = base / "examples" / relative
        if candidate.exists():
            return candidate
    raise VcissueError(f"cannot find examples/{relative}; run from the vcissue source tree")


class _Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _verdict(result: VerificationResult) -> str:
    if result.verified:
        return "VALID"
    for check_id, word in (
        ("proof", "FORGED"),
        ("issuer.trusted", "NOT TRUSTED"),
        ("status.revocation", "REVOKED"),
        ("status.suspension", "SUSPENDED"),
        ("validity.expiry", "EXPIRED"),
    ):
        if any(check.id == check_id for check in result.failures):
            return word
    return "NOT VALID: " + ", ".join(check.id for check in result.failures)


def cmd_demo(args: argparse.Namespace) -> int:
    root = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="vcissue-demo-"))
    if root.exists() and any(root.iterdir()):
        raise VcissueError(f"{root} is not empty; the demo needs a fresh directory")
    root.mkdir(parents=True, exist_ok=True)
    clock = _Clock(_now())
    print(f"vcissue {__version__} demo in {root}\n")

    keys = KeyStore(root / "keys")
    keys.generate(
        DEMO_PASSPHRASE, now=clock.at, name="EcoMentor Certification Body (demo)", did=BODY_DID
    )
    qualification_file = _find_example("ecomentor/qualification.json")
    (root / "vcissue.toml").write_text(
        '[store]\nurl = "sqlite:///vcissue.db"\n'
        '[keys]\ndir = "keys"\n'
        f'[status]\nbase_url = "{STATUS_BASE}"\npublish_dir = "public/status-lists"\n'
        f"[qualifications]\nfiles = [{json.dumps(str(qualification_file))}]\n"
        "[policy]\nrevocation_approvers = 2\n",
        "utf-8",
    )
    settings = load_settings(root / "vcissue.toml", env={})
    store = open_store(settings.store_url)
    issuer = Issuer(
        store,
        keys.signing_key(DEMO_PASSPHRASE, now=clock.at),
        keys.issuer_profile(),
        settings.qualifications(),
        settings.issuer_settings(),
        clock=clock,
    )
    qualification = issuer.qualification("ecomentor")
    print(f"1. body {keys.did}; settings {root / 'vcissue.toml'}; store {settings.store_url}")
    print(
        f"   qualification {qualification.title}: {len(qualification.units)} units, "
        f"valid {qualification.validity}; revocation needs 2 approvers"
    )

    trust = TrustList.of(keys.trusted_issuer())
    _write_json(root / "trust.json", trust.to_json())
    publish_dir = settings.publish_dir
    assert publish_dir is not None

    def published(url: str) -> Mapping[str, Any]:
        document: Mapping[str, Any] = json.loads(
            (publish_dir / url.removeprefix(STATUS_BASE + "/")).read_text("utf-8")
        )
        return document

    def check(vc: Mapping[str, Any], at: datetime | None = None) -> str:
        return _verdict(
            verify_credential(vc, trust=trust, now=at or clock.at, status_lists=published)
        )

    names = ["Ana Novak", "Marko Horvat", "Lea Kovač"]
    certificates = {
        name: issuer.issue(
            Award(Holder(name), qualification, awarded=clock.at), actor="registrar"
        ).credential
        for name in names
    }
    unit = issuer.issue(
        Award(
            Holder("Ivan Jurić"),
            qualification,
            awarded=clock.at,
            units=(qualification.units[0].id,),
        ),
        actor="registrar",
    ).credential
    print(
        f"2. issued {len(certificates)} certificates and 1 unit credential "
        f"(status lists published to {publish_dir})"
    )

    csv_file = _find_example("ecomentor/holders.csv")
    rows = list(parse_batch_csv(csv_file.read_text("utf-8"), issuer.qualifications, now=clock.at))
    report = issuer.issue_batch(rows, actor="registrar")
    again = issuer.issue_batch(rows, actor="registrar")
    print(
        f"3. batch {csv_file.name}: {len(report.issued)} issued, {len(report.errors)} rows "
        f"skipped ({'; '.join(f'line {e.line}: {e.message}' for e in report.errors)}); "
        f"re-run issued {len(again.issued)} more"
    )

    results: dict[str, str] = {}
    for name, vc in certificates.items():
        results[name] = check(vc)
    results["Ivan Jurić (unit)"] = check(unit)
    print(
        "4. verification with status: "
        + ", ".join(f"{name} {verdict}" for name, verdict in results.items())
    )
    ok = all(verdict == "VALID" for verdict in results.values())

    ana, marko, lea = (certificates[name] for name in names)
    issuer.suspend(
        marko["id"],
        reason="complaint under investigation",
        until=clock.at + timedelta(days=30),
        actor="operator",
    )
    suspended = check(marko)
    issuer.reinstate(marko["id"], actor="operator", reason="complaint dismissed")
    reinstated = check(marko)
    print(f"5. Marko Horvat suspended: {suspended}; reinstated: {reinstated}")
    ok &= (suspended, reinstated) == ("SUSPENDED", "VALID")

    first = issuer.revoke(lea["id"], reason="assessment fraud", actor="director-1")
    pending = check(lea)
    issuer.revoke(lea["id"], reason="confirmed by the board", actor="director-2")
    revoked = check(lea)
    try:
        issuer.reinstate(lea["id"], actor="operator")
        refused = "ALLOWED (wrong)"
    except PolicyError as error:
        refused = f"refused [{error.code}]"
    print(
        f"6. Lea Kovač revocation: after 1 approval {first.state} ({pending}); after 2 "
        f"{revoked}; reinstating it: {refused}"
    )
    ok &= (first.state, pending, revoked) == ("pending", "VALID", "REVOKED")
    ok &= refused.startswith("refused")

    issuer.suspend(
        ana["id"], reason="annual fee unpaid", until=clock.at + timedelta(days=14), actor="operator"
    )
    clock.at += timedelta(days=15)
    withdrawn = issuer.run_lifecycle()
    print(
        f"7. 15 days later, `lifecycle run` withdrew {len(withdrawn)} overdue suspension "
        f"(Ana Novak): {check(ana)}; a second run withdrew {len(issuer.run_lifecycle())}"
    )
    ok &= withdrawn == [ana["id"]] and check(ana) == "REVOKED"

    tampered = json.loads(json.dumps(marko))
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory Forger"
    forged = check(tampered)
    later = clock.at + timedelta(days=6 * 365)
    expired = check(marko, later)
    print(f"8. tampered copy of Marko's certificate: {forged}; Marko's in {later.year}: {expired}")
    ok &= (forged, expired) == ("FORGED", "EXPIRED")

    clock.at += timedelta(days=5 * 365 - 60)
    renewed = issuer.recertify(marko["id"], actor="registrar").credential
    print(
        f"9. recertified Marko Horvat in {clock.at.year}: new certificate {check(renewed)} "
        f"until {renewed['validUntil'][:10]}, referencing {marko['id']}"
    )
    ok &= check(renewed) == "VALID"

    for label, vc in [
        *certificates.items(),
        ("unit", unit),
        ("tampered", tampered),
        ("recertified", renewed),
    ]:
        _write_json(root / "credentials" / f"{label.split()[0].lower()}.json", vc)
    symbol = make_qr(encode_payload(unit))
    symbol.save(str(root / "credentials" / "unit-qr.svg"), scale=4)
    print(
        f"10. Ivan Jurić's unit credential as one QR code: version {symbol.designator}, "
        f"credentials/unit-qr.svg (try `vcissue render` and `vcissue verifier-bundle`)"
    )

    problems = store.read(lambda tx: tx.verify_audit())
    entries = len(store.read(lambda tx: tx.audit_entries()))
    counts = store.read(lambda tx: tx.count_by_qualification_and_state())
    print(
        f"11. audit log: {entries} hash-chained entries, "
        f"{'intact' if not problems else 'BROKEN'}; states: "
        + ", ".join(f"{state} {n}" for (_, state), n in sorted(counts.items()))
    )
    ok &= not problems
    store.close()
    print(f"\nTry: vcissue report counts --config {root / 'vcissue.toml'}")
    print("\ndemo " + ("succeeded" if ok else "FAILED") + f"; files in {root}")
    return 0 if ok else 1


def register(commands: Any) -> None:
    demo = commands.add_parser("demo", help="run the whole job end to end in a fresh directory")
    demo.add_argument("--dir", help="directory to create (default: a new temporary one)")
    demo.set_defaults(handler=cmd_demo)
