"""``vcissue demo``: the main job end to end on the embedded default store (SQLite).

A fresh directory gets what ``vcissue init`` makes (settings, keys, store, publish
directory) and the story of a certification body's first three weeks: staff as principals
with roles, certificates, a unit credential and a CSV batch issued into the store, a
complaint with an interim suspension (dismissed, so lifted), a revocation that needs two
distinct approvers, an overdue suspension withdrawn and restored by an upheld appeal that
the person who suspended may not decide, a recertification, a Keeping Children Safe
certificate issued by the second awarding body the deployment holds (KCS, under its own
DID, key and status lists); then the notices all that
wrote, delivered to a partner's webhook and a mail server on loopback (with a reminder
before expiry). The
story's clock starts three weeks ago and ends now, so every file the demo leaves is true
as of now: the closing table lists the verdicts ``vcissue verify`` gives for them, with
the command that shows it. Needs nothing but the installed package (the EcoMentor
example ships inside it). A demo that fails leaves no directory behind.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from .. import __version__, proofs
from ..batch import parse_batch_csv
from ..errors import PolicyError, SettingsError
from ..governance.principals import add_principal
from ..holder import create_presentation
from ..i18n import translator
from ..keys import SigningKey
from ..keystore import KeyStore, read_key_file
from ..model import Award
from ..qr import encode_payload, make_qr, verifier_link
from ..service.register_page import page
from ..settings import CONFIG_FILE, load_settings
from ..status_sources import DirectorySource
from ..system import system_random
from ..verify import TrustList, verify_credential
from ..verify.presentation import verify_presentation
from ..webapp.bundle import deployment_packs, pack_for
from ..wiring import build_issuer, open_deployment_store
from .common import DEMO_PASSPHRASE, EXIT_INVALID, now, write_json
from .demo_notices import deliver_notices
from .deployment import settings_text

__all__ = ["register"]

BODY_DID = "did:web:certification.example"
KCS_DID = "did:web:certification.example:bodies:kcs"
STATUS_BASE = "https://certification.example/status-lists"
STORY_DAYS = 21
VERIFIER_URL = "https://certification.example/V"
DEMO_BRAND = f"""
[verifier]
url = "{VERIFIER_URL}"
max_snapshot_age_days = 30

[brand]
name = "EcoMentor Certification Body"
colour = "#1b4332"
accent = "#9a7b3f"
logo = "brand/logo.png"
signature = "brand/signature.png"
accreditation_mark = "brand/accreditation.png"
signatory_name = "Marija Babić"
accreditation_number = "DEMO-17024-001"

[brand.signatory_title]
en = "Head of the Certification Body"
hr = "Voditeljica certifikacijskog tijela"

[brand.accreditation_statement]
en = "Certification of persons accredited to ISO/IEC 17024 (demo)."
hr = "Certifikacija osoba akreditirana prema ISO/IEC 17024 (demo)."

[brand.labels.en]
ecomentor = "EcoMentor: mentor in the eco-industry"

[brand.labels.hr]
ecomentor = "EcoMentor: mentor u eko-industriji"
"""


@contextmanager
def example(relative: str) -> Iterator[Path]:
    """A file of the EcoMentor example shipped in the package."""
    with resources.as_file(resources.files("vcissue") / "examples" / relative) as path:
        yield path


class _Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def cmd_demo(args: argparse.Namespace) -> int:
    target = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="vcissue-demo-"))
    if target.exists() and any(target.iterdir()):
        raise SettingsError(f"{target} is not empty; the demo needs a fresh directory")
    # Built beside the target and renamed at the end: a failed run leaves nothing behind.
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        ok, closing = _run(work, target)
        if target.exists():
            target.rmdir()
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    print(closing)
    print("\ndemo " + ("succeeded" if ok else "FAILED") + f"; files in {target}")
    return 0 if ok else EXIT_INVALID


def _run(root: Path, target: Path) -> tuple[bool, str]:
    today = now()
    clock = _Clock(today - timedelta(days=STORY_DAYS))
    print(f"vcissue {__version__} demo in {target}; the story starts {clock.at.date()}\n")

    with example("kcs/level1.json") as kcs_file:
        # the shipped KCS scheme, awarded here by the deployment's second body, [bodies.kcs]
        kcs = {**json.loads(kcs_file.read_text("utf-8")), "body": "kcs"}
    write_json(root / "qualifications" / "kcs-level1.json", kcs)
    with example("ecomentor/qualification.json") as qualification_file:
        (root / CONFIG_FILE).write_text(
            settings_text(
                store_url="sqlite:///vcissue.db",
                status_base_url=STATUS_BASE,
                qualification_files=[str(qualification_file), "qualifications/kcs-level1.json"],
                passphrase_file=None,
                bodies=("kcs",),
            ),
            "utf-8",
        )
        with (root / CONFIG_FILE).open("a", encoding="utf-8") as config:
            config.write(DEMO_BRAND)
        for image in ("logo", "signature", "accreditation"):
            with example(f"ecomentor/brand-{image}.png") as source:
                (root / "brand").mkdir(exist_ok=True)
                shutil.copyfile(source, root / "brand" / f"{image}.png")
        settings = load_settings(root / CONFIG_FILE, env={})
        keys = KeyStore(root / "keys")
        keys.generate(
            DEMO_PASSPHRASE, now=clock.at, name="EcoMentor Certification Body (demo)", did=BODY_DID
        )
        KeyStore(settings.bodies["kcs"]).generate(
            DEMO_PASSPHRASE, now=clock.at, name="Keeping Children Safe (demo)", did=KCS_DID
        )
        open_deployment_store(settings, create=True).close()
        issuer = build_issuer(settings, DEMO_PASSPHRASE, clock=clock, rng=system_random)
    try:
        return _story(root, target, issuer, keys, clock, today)
    finally:
        issuer.store.close()


def _story(
    root: Path, target: Path, issuer: Any, keys: KeyStore, clock: _Clock, today: datetime
) -> tuple[bool, str]:
    qualification = issuer.qualification("ecomentor")
    publish_dir = root / "public" / "status-lists"
    print(f"1. body {keys.did}; settings {target / CONFIG_FILE}; store sqlite (vcissue.db)")
    print(
        f"   qualification {qualification.title}: {len(qualification.units)} units, "
        f"valid {qualification.validity}; revocation needs 2 approvers"
    )
    kcs_keys = KeyStore(root / "keys-kcs")
    trust = TrustList.of(keys.trusted_issuer(), kcs_keys.trusted_issuer())
    write_json(root / "trust.json", trust.to_json())

    def published(url: str) -> Mapping[str, Any]:
        document: Mapping[str, Any] = json.loads(
            (publish_dir / url.removeprefix(STATUS_BASE + "/")).read_text("utf-8")
        )
        return document

    def check(vc: Mapping[str, Any], at: datetime | None = None) -> str:
        result = verify_credential(vc, trust=trust, now=at or clock.at, status_lists=published)
        return result.verdict.label

    def award(name: str, **extra: Any) -> Award:
        return Award.from_request(qualification, holder_name=name, awarded=clock.at, **extra)

    staff = {
        name: add_principal(issuer.store, name, [role], now=clock.at, by="demo")
        for name, role in (
            ("registrar", "issuer"),
            ("operator", "operator"),
            ("director-1", "approver"),
            ("director-2", "approver"),
            ("appeals-chair", "approver"),
        )
    }
    registrar, operator = staff["registrar"], staff["operator"]

    names = ["Ana Novak", "Marko Horvat", "Lea Kovač"]
    certificates = {name: issuer.issue(award(name), by=registrar).credential for name in names}
    unit = issuer.issue(
        award("Ivan Jurić", units=[qualification.units[0].id]), by=registrar
    ).credential
    print(
        f"2. {clock.at.date()}: issued {len(certificates)} certificates and 1 unit credential "
        "(status lists published to public/status-lists); staff are principals with roles: "
        + ", ".join(f"{p.id} ({', '.join(sorted(p.roles))})" for p in staff.values())
    )

    with example("ecomentor/holders.csv") as csv_file:
        csv_name = csv_file.name
        text = csv_file.read_text("utf-8")
    rows = list(parse_batch_csv(text, issuer.qualifications, now=clock.at))
    report = issuer.issue_batch(rows, by=registrar)
    again = issuer.issue_batch(rows, by=registrar)
    print(
        f"3. batch {csv_name}: {len(report.issued)} issued, {len(report.errors)} rows "
        f"skipped ({'; '.join(f'line {e.line}: {e.message}' for e in report.errors)}); "
        f"re-run issued {len(again.issued)} more"
    )
    results = {name: check(vc) for name, vc in certificates.items()}
    results["Ivan Jurić (unit)"] = check(unit)
    print(
        "4. verification with status: "
        + ", ".join(f"{name} {verdict}" for name, verdict in results.items())
    )
    ok = all(verdict == "VALID" for verdict in results.values())

    ana, marko, lea = (certificates[name] for name in names)
    complaint = issuer.open_complaint(
        about="alleged misconduct during a mentoring session",
        complainant="a mentee's employer",
        subject=marko["id"],
        by=operator,
        interim_suspension_until=clock.at + timedelta(days=30),
    )
    suspended = check(marko)
    issuer.close_complaint(complaint.id, outcome="dismissed", by=operator, note="not supported")
    reinstated = check(marko)
    print(
        f"5. complaint about Marko Horvat (answer due {complaint.target.date()}) with an "
        f"interim suspension: {suspended}; complaint dismissed, suspension lifted: {reinstated}"
    )
    ok &= (suspended, reinstated) == ("SUSPENDED", "VALID")

    first = issuer.revoke(lea["id"], reason="assessment fraud", by=staff["director-1"])
    pending = check(lea)
    try:
        issuer.approve(first.case_id, by=staff["director-1"])
        twice = "counted twice (wrong)"
    except PolicyError:
        twice = "refused"
    issuer.approve(first.case_id, by=staff["director-2"], note="confirmed by the board")
    revoked = check(lea)
    try:
        issuer.reinstate(lea["id"], reason="?", by=operator)
        refused = "ALLOWED (wrong)"
    except PolicyError as error:
        refused = f"refused [{error.code}]"
    print(
        f"6. Lea Kovač revocation: requested by director-1, {first.state} ({pending}); "
        f"director-1 again: {twice}; approved by director-2: {revoked}; reinstating: {refused}"
    )
    ok &= (first.state, pending, twice, revoked) == ("pending", "VALID", "refused", "REVOKED")
    ok &= refused.startswith("refused")

    issuer.suspend(
        ana["id"], reason="annual fee unpaid", until=clock.at + timedelta(days=14), by=operator
    )
    clock.at += timedelta(days=15)
    lapsed = issuer.run_lifecycle()
    withdrawn_verdict = check(ana)
    appeal = issuer.lodge_appeal(
        against="withdrawal",
        subject=ana["id"],
        appellant="Ana Novak",
        grounds="the fee was paid on time; the bank transfer was delayed",
        by=operator,
    )
    try:
        issuer.decide_appeal(appeal.id, outcome="upheld", by=operator)
        conflict = "allowed (wrong)"
    except PolicyError:
        conflict = "refused"
    decided = issuer.decide_appeal(appeal.id, outcome="upheld", by=staff["appeals-chair"])
    restored = issuer.get(str(decided.data["restoredAs"])).signed_json
    ana_restored = json.loads(restored)
    print(
        f"7. {clock.at.date()}, 15 days later: `lifecycle run` withdrew {len(lapsed.withdrawn)} "
        f"overdue suspension (Ana Novak): {withdrawn_verdict}; her appeal, which the operator "
        f"who suspended her may not decide ({conflict}), upheld by appeals-chair: restored as "
        f"a new certificate {check(ana_restored)}; the withdrawn one stays {check(ana)}"
    )
    ok &= lapsed.withdrawn == [ana["id"]] and withdrawn_verdict == "REVOKED"
    ok &= conflict == "refused" and check(ana_restored) == "VALID" and check(ana) == "REVOKED"

    tampered = json.loads(json.dumps(marko))
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory Forger"
    forged = check(tampered)
    later = clock.at + timedelta(days=6 * 365)
    expired = check(marko, later)
    print(f"8. tampered copy of Marko's certificate: {forged}; Marko's in {later.year}: {expired}")
    ok &= (forged, expired) == ("FORGED", "EXPIRED")

    clock.at = today
    renewed = issuer.recertify(marko["id"], by=registrar).result.credential
    issuer.run_lifecycle()  # today's run: republishes every list as of now
    print(
        f"9. {today.date()}: recertified Marko Horvat after a new assessment: new certificate "
        f"{check(renewed)} until {renewed['validUntil'][:10]}, referencing {marko['id']}"
    )
    ok &= check(renewed) == "VALID"
    ok &= _register_lookup(root, issuer, marko, renewed)

    # The deployment's second awarding body: KCS issues its own scheme under its own identity.
    kcs = issuer.qualification("kcs-level1")
    children = issuer.issue(
        Award.from_request(kcs, holder_name="Children First Nursery", awarded=clock.at),
        by=registrar,
    ).credential
    kcs_list = children["credentialStatus"][0]["statusListCredential"].rsplit("/", 1)[-1]
    kcs_verdict = check(children)
    print(
        f"   a second awarding body ([bodies.kcs]): {kcs.title} for Children First Nursery "
        f"issued by {children['issuer']['name']} ({children['issuer']['id']}), signed by its "
        f"own key, on its own status list {kcs_list}: {kcs_verdict}"
    )
    ok &= children["issuer"]["id"] == KCS_DID and kcs_verdict == "VALID"

    # The key-compromise drill: key-1 is stolen; a credential the thief signs verifies
    # until the body revokes the key and re-signs what the store recorded as signed by it.
    stolen = read_key_file(root / "keys" / "key-1.pem", DEMO_PASSPHRASE, f"{BODY_DID}#key-1")
    forged_by_thief = dict(unit)
    del forged_by_thief["proof"]
    forged_by_thief = proofs.sign(
        {**forged_by_thief, "id": "urn:uuid:00000000-0000-4000-8000-00000000dead"},
        stolen,
        created=today,
    )
    before = check(forged_by_thief)
    keys.compromise("key-1", DEMO_PASSPHRASE, since=today - timedelta(days=1), now=today)
    drill = issuer.resign(f"{BODY_DID}#key-1", actor=operator.id, reason="drill: key-1 stolen")
    trust = TrustList.of(keys.trusted_issuer(), kcs_keys.trusted_issuer())
    write_json(root / "trust.json", trust.to_json())
    resigned_unit = json.loads(issuer.get(unit["id"]).signed_json)
    after = (check(resigned_unit), check(unit), check(forged_by_thief))
    print(
        f"10. key-compromise drill: a credential signed with a stolen key-1 verifies {before}; "
        f"`keys compromise key-1` revoked it and re-signed {len(drill.credentials)} credentials "
        f"and {len(drill.lists)} status lists with key-2: the re-signed unit credential "
        f"{after[0]}, its old copy {after[1]}, the thief's {after[2]}"
    )
    ok &= before == "VALID" and after == ("VALID", "NOT TRUSTED", "NOT TRUSTED")
    ok &= keys.private_key_files() == ["key-2.pem"]

    def stored(vc: Mapping[str, Any]) -> Mapping[str, Any]:
        """What the holder now has: the store's (re-signed) copy."""
        found: Mapping[str, Any] = json.loads(issuer.get(vc["id"]).signed_json)
        return found

    tampered = json.loads(json.dumps(stored(marko)))
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory Forger"
    ana = stored(ana)
    unit = stored(unit)
    files: dict[str, Mapping[str, Any]] = {
        **{name.split()[0].lower(): stored(vc) for name, vc in certificates.items()},
        "ana-restored": stored(ana_restored),
        "ivan-unit": unit,
        "marko-tampered": tampered,
        "marko-recertified": stored(renewed),
        "children-first-kcs": stored(children),
        "signed-with-stolen-key": forged_by_thief,
    }
    for label, vc in files.items():
        write_json(root / "credentials" / f"{label}.json", vc)
    _, packs = deployment_packs(load_settings(root / CONFIG_FILE, env={}))
    sizes = []
    for label, vc in (("ana", ana), ("ivan-unit", unit)):
        link = verifier_link(VERIFIER_URL, encode_payload(dict(vc), pack_for(vc, packs)))
        symbol = make_qr(link)
        symbol.save(str(root / "credentials" / f"{label}-qr.svg"), scale=4)
        sizes.append(f"{label} {len(link)} characters, QR {symbol.designator}")
    print(
        f"11. QR codes (a link to {VERIFIER_URL} with the certificate in its fragment): "
        + "; ".join(sizes)
        + " (credentials/*-qr.svg; try `vcissue render --config` and `vcissue verifier-bundle`)"
    )

    # The holder's wallet: the same certificate bound to the wallet's DID, then presented.
    holder = SigningKey.generate(rng=system_random)
    bound = json.loads(
        issuer.deliver(
            renewed["id"], holder.controller, actor="demo-wallet", via="demo"
        ).signed_json
    )
    employer = "https://employer.example"
    shown = create_presentation(
        [bound], holder, challenge="c-2026-demo", domain=employer, created=clock.at
    )

    def presented(domain: str) -> str:
        return verify_presentation(
            shown,
            trust=trust,
            challenge="c-2026-demo",
            domain=domain,
            now=clock.at,
            status_lists=published,
        ).verdict.label

    at_employer, elsewhere = presented(employer), presented("https://other.example")
    print(
        f"12. the holder's wallet: Marko's new certificate re-signed bound to his wallet's DID "
        f"(same id and status entries; `vcissue offer` does this over OpenID4VCI), presented "
        f"to an employer with its challenge: {at_employer}; replayed to another verifier: "
        f"{elsewhere}"
    )
    ok &= (at_employer, elsewhere) == ("VALID", "FORGED")

    audit = issuer.audit_check()
    states: dict[str, int] = {}  # by state, over both bodies' qualifications
    for (_, state), n in issuer.counts().by_state.items():
        states[state] = states.get(state, 0) + n
    print(
        f"13. audit log: {audit.entries} hash-chained entries, "
        f"{'intact' if audit.intact else 'BROKEN'}; states: "
        + ", ".join(f"{state} {n}" for state, n in sorted(states.items()))
    )
    ok &= audit.intact

    delivered, told = deliver_notices(issuer, clock, registrar)
    print(told)
    ok &= delivered

    # What a verifier gets now, from the files and the lists as published.
    source = DirectorySource(publish_dir, STATUS_BASE)
    lines = [
        f"\nAs of now ({today.isoformat()}), verifying the files with the published lists:",
    ]
    for label, vc in files.items():
        verdict = verify_credential(vc, trust=trust, now=now(), status_lists=source).verdict
        lines.append(f"  credentials/{label}.json: {verdict.label}")
    lines.append(
        "Check one yourself:\n"
        f"  vcissue verify {target / 'credentials' / 'ana.json'} --trust {target / 'trust.json'} "
        f"--status-dir {target / 'public' / 'status-lists'} --status-base {STATUS_BASE}\n"
        f"Try: vcissue report counts --config {target / CONFIG_FILE}"
    )
    return ok, "\n".join(lines)


def _register_lookup(
    root: Path, issuer: Any, old: Mapping[str, Any], new: Mapping[str, Any]
) -> bool:
    """Look Marko's old certificate up by its number in the public register, as the page
    ``vcissue serve`` answers at ``/register?number=...`` (no web server needed here)."""
    number = old["credentialSubject"]["licenseNumber"]
    answer = issuer.public_status(number)
    html = page(translator("en"), body_name=issuer.profile.name, number=number, answer=answer)
    (root / "register.html").write_text(html, "utf-8")
    current = issuer.public_status(answer.replaced_by_number or "")
    confirmed = issuer.confirms(number, answer.holder_name)
    forged = issuer.confirms(number, "Mallory Forger")
    print(
        f"   register (register.html, as `vcissue serve` shows /register?number={number}): "
        f"{number}, {answer.holder_name}: superseded by {answer.replaced_by_number}, which is "
        f"{'current' if current.current else 'NOT current'}; is {answer.holder_name} "
        f"certified ({number} + name)? {'yes' if confirmed else 'NO'}; is Mallory Forger? "
        f"{'YES' if forged else 'no'}"
    )
    new_number = new["credentialSubject"]["licenseNumber"]
    return (
        answer.replaced_by_number == new_number
        and current.current
        and answer.superseded
        and confirmed
        and not forged
    )


def register(commands: Any) -> None:
    demo = commands.add_parser("demo", help="run the whole job end to end in a fresh directory")
    demo.add_argument("--dir", help="directory to create (default: a new temporary one)")
    demo.set_defaults(handler=cmd_demo)
