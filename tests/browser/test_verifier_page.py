"""The offline verifier page in real headless Chromium, with the network blocked.

The page is the one ``vcissue verifier-bundle`` writes. Every request that is not file:,
data: or blob: is recorded and aborted by the driver; offline jobs assert that none was
even attempted. QR codes arrive as a user would give them: pasted text, an uploaded PNG,
and Chromium's fake camera playing a YUV4MPEG2 file made from the QR image.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.browser.page_driver import by_name, run_checked, write_qr_png, write_qr_y4m
from tests.browser.scenarios import (
    EXPIRED_AWARD,
    INDEX,
    World,
    base45_encode,
    independent_offline_payload,
    offline_payload,
    offline_payload_bytes,
    status_entries,
)
from tests.factories import AWARDED, Body, ecomentor, kcs
from vcissue import proofs
from vcissue.credential import IssuerProfile, build, new_credential_id
from vcissue.keys import SigningKey
from vcissue.model import Award, Holder
from vcissue.qr import decode_payload, encode_payload, register_url
from vcissue.render import certificate_view
from vcissue.system import system_random

pytestmark = pytest.mark.usefixtures("browser_stack")

CREDENTIAL_VERDICTS = {
    "VALID",
    "FORGED",
    "NOT_TRUSTED",
    "REVOKED",
    "SUSPENDED",
    "EXPIRED",
    "NOT_YET_VALID",
    "STATUS_UNKNOWN",
}


# --- the six verdicts, pasted, both suites ----------------------------------------------

SUITES = {"rdfc": "eddsa-rdfc-2022", "jcs": "eddsa-jcs-2022"}


def verdict_cases(world: World) -> dict[str, tuple[str, dict[str, Any]]]:
    """name -> (expected verdict, credential), each kind in both cryptosuites."""
    cases: dict[str, tuple[str, dict[str, Any]]] = {}
    for short, suite in SUITES.items():
        cases[f"valid-{short}"] = ("VALID", world.certificate("valid", suite=suite))
        cases[f"forged-{short}"] = ("FORGED", world.forged_certificate(suite=suite))
        cases[f"suspended-{short}"] = ("SUSPENDED", world.certificate("suspended", suite=suite))
        cases[f"revoked-{short}"] = ("REVOKED", world.certificate("revoked", suite=suite))
        cases[f"expired-{short}"] = ("EXPIRED", world.certificate("expired", suite=suite))
        cases[f"untrusted-{short}"] = ("NOT_TRUSTED", world.untrusted_certificate(suite=suite))
    return cases


@pytest.fixture(scope="module")
def pasted(
    world: World, page: Path, artefacts: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], dict[str, tuple[str, dict[str, Any]]]]:
    cases = verdict_cases(world)
    steps = [
        {"name": name, "action": "paste", "text": offline_payload(vc)}
        for name, (_, vc) in cases.items()
    ]
    result = run_checked(
        "pasted", page, steps, artefacts, tmp_path_factory.mktemp("pasted"), offline=True
    )
    return result, cases


def test_no_request_leaves_the_page_when_offline(pasted: tuple[dict[str, Any], Any]) -> None:
    result, cases = pasted
    assert len(result["steps"]) == len(cases)
    assert result["requests"] == []


@pytest.mark.parametrize(
    "name",
    [
        f"{kind}-{suite}"
        for kind in ("valid", "forged", "suspended", "revoked", "expired", "untrusted")
        for suite in SUITES
    ],
)
def test_pasted_certificate_gets_its_verdict(
    name: str, pasted: tuple[dict[str, Any], dict[str, tuple[str, dict[str, Any]]]]
) -> None:
    result, cases = pasted
    expected, vc = cases[name]
    step = by_name(result)[name]
    assert step["verdict"] == expected, step["items"]
    assert step["via"] == "paste"
    checks = {check["id"]: check["outcome"] for check in step["checks"]}
    suite = vc["proof"]["cryptosuite"]
    if expected in ("VALID", "SUSPENDED", "REVOKED", "EXPIRED"):
        assert checks["proof"] == "passed"
        assert any(suite in check["text"] for check in step["checks"])
    if expected == "VALID":
        assert checks["status.revocation"] == checks["status.suspension"] == "passed"
        assert all("status snapshot" in item for item in step["items"])
        assert all("1 hour old" in item for item in step["items"])
    elif expected == "FORGED":
        assert checks["proof"] == "failed"
        assert "signature does not match the document" in step["items"][0]
        assert "not genuine" in step["detailsHeading"]
    elif expected == "SUSPENDED":
        assert step["items"][0].startswith("Suspended by the certification body")
        assert checks["status.revocation"] == "passed"
    elif expected == "REVOKED":
        assert step["items"][0].startswith("Revoked by the certification body")
    elif expected == "EXPIRED":
        assert step["items"] == [f"Expired on {vc['validUntil']}"]
        assert checks["proof"] == "passed"  # expired is not forged
    elif expected == "NOT_TRUSTED":
        assert checks["proof"] == "passed"  # a genuine signature by an unknown body
        assert checks["issuer.trusted"] == "failed"
        assert "not on this verifier's trust list" in step["items"][0]
        assert checks["status"] == "skipped"


def test_details_show_holder_qualification_scope_dates_and_issuer(
    pasted: tuple[dict[str, Any], dict[str, tuple[str, dict[str, Any]]]],
) -> None:
    result, cases = pasted
    vc = cases["valid-rdfc"][1]
    details = by_name(result)["valid-rdfc"]["details"]
    assert details["Holder"] == "Ana Novak"
    assert details["Qualification"] == "EcoMentor Qualification"
    assert details["Type"] == "Full certificate"
    assert details["Units"].startswith("U1 Planning the mentoring activities; U2 ")
    assert details["Scope and conditions"] == vc["description"].removeprefix("Scope: ")
    assert details["Awarded"] == f"2 March 2026 ({vc['awardedDate'][:10]})"
    assert details["Expires"] == f"2 March 2031 ({vc['validUntil'][:10]})"
    assert details["Certificate id"] == vc["id"]
    assert details["Issuer"] == "EcoMentor Certification Body (did:web:certification.example)"
    assert details["Trust list entry"] == "EcoMentor Certification Body"


# --- precedence when several verdicts apply ---------------------------------------------


def precedence_cases(world: World) -> dict[str, tuple[str, set[str], dict[str, Any]]]:
    """name -> (verdict, other verdicts that also apply, credential)."""
    forged_revoked = world.certificate("revoked")
    forged_revoked["name"] = "Altered after signing"
    mill = SigningKey.generate(rng=system_random)
    forged_untrusted = proofs.sign(
        build(
            Award(Holder("Ana Novak"), ecomentor(), awarded=AWARDED),
            IssuerProfile(mill.controller, "Diploma Mill Ltd"),
            credential_id=new_credential_id(bytes(16)),
        ),
        mill,
        created=AWARDED,
    )
    forged_untrusted["validUntil"] = "2099-01-01T00:00:00Z"
    untrusted_expired = proofs.sign(
        build(
            Award(Holder("Ana Novak"), ecomentor(), awarded=EXPIRED_AWARD),
            IssuerProfile(mill.controller, "Diploma Mill Ltd"),
            credential_id=new_credential_id(bytes(16)),
        ),
        mill,
        created=AWARDED,
    )
    return {
        "forged+revoked": ("FORGED", set(), forged_revoked),
        "forged+untrusted": ("FORGED", {"NOT_TRUSTED"}, forged_untrusted),
        "untrusted+expired": ("NOT_TRUSTED", {"EXPIRED"}, untrusted_expired),
        "revoked+suspended": (
            "REVOKED",
            {"SUSPENDED"},
            world.certificate("revoked_and_suspended", suite="eddsa-jcs-2022"),
        ),
        "suspended+expired": ("SUSPENDED", {"EXPIRED"}, world.certificate("expired_and_suspended")),
        "expired+status-unknown": (
            "EXPIRED",
            {"STATUS_UNKNOWN"},
            world.certificate_with_unknown_list(expired=True),
        ),
        "status-unknown": ("STATUS_UNKNOWN", set(), world.certificate_with_unknown_list()),
        "not-yet-valid": ("NOT_YET_VALID", set(), world.certificate_not_yet_valid()),
        "no-status-entry": ("VALID", set(), world.certificate("valid", with_status=False)),
    }


@pytest.fixture(scope="module")
def precedence(
    world: World, page: Path, artefacts: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], dict[str, tuple[str, set[str], dict[str, Any]]]]:
    cases = precedence_cases(world)
    steps = [
        {"name": name, "action": "paste", "text": offline_payload(vc)}
        for name, (_, _, vc) in cases.items()
    ]
    workdir = tmp_path_factory.mktemp("precedence")
    return run_checked("precedence", page, steps, artefacts, workdir, offline=True), cases


@pytest.mark.parametrize(
    "name",
    [
        "forged+revoked",
        "forged+untrusted",
        "untrusted+expired",
        "revoked+suspended",
        "suspended+expired",
        "expired+status-unknown",
        "status-unknown",
        "not-yet-valid",
        "no-status-entry",
    ],
)
def test_precedence_picks_the_strongest_verdict(
    name: str, precedence: tuple[dict[str, Any], dict[str, tuple[str, set[str], dict[str, Any]]]]
) -> None:
    result, cases = precedence
    expected, also, _ = cases[name]
    step = by_name(result)[name]
    assert step["verdict"] == expected, step["items"]
    failed = [check for check in step["checks"] if check["outcome"] == "failed"]
    # The other applicable findings are still listed, under the deciding reason.
    if "EXPIRED" in also:
        assert any(item.startswith("Expired on") for item in step["items"][1:])
    if "SUSPENDED" in also:
        assert any(item.startswith("Suspended by") for item in step["items"][1:])
    if "STATUS_UNKNOWN" in also or expected == "STATUS_UNKNOWN":
        assert any("could not be checked" in item for item in step["items"])
        assert any("holds no snapshot of that list" in item for item in step["items"])
    if "NOT_TRUSTED" in also:
        assert any("not on this verifier's trust list" in item for item in step["items"])
    if expected == "VALID":
        assert failed == []
    if name == "no-status-entry":
        assert step["items"] == [
            "The certificate carries no status entry: it cannot be suspended or revoked"
        ]


# --- malformed payloads and other QR codes ------------------------------------------------


def junk_payloads(world: World) -> dict[str, tuple[str, str]]:
    """name -> (payload, words the message must contain)."""
    valid = json.dumps(world.certificate("valid"), separators=(",", ":")).encode()
    duplicate = b'{"id":"urn:uuid:1","id":"urn:uuid:2"}'
    return {
        "plain-text": ("hello, world", "must start with"),
        "lowercase-base45": ("VC1:abc", "is not Base45"),
        "dangling-base45": ("VC1:ABCD", "dangling character"),
        "base45-overflow": ("VC1:::::::", "larger than two bytes"),
        "not-zlib": ("VC1:" + base45_encode(b"not a zlib stream"), "not a valid zlib stream"),
        "zlib-trailing-bytes": (
            "VC1:" + base45_encode(zlib.compress(valid) + b"junk"),
            "bytes after the end of the zlib stream",
        ),
        "truncated-zlib": ("VC1:" + base45_encode(zlib.compress(valid)[:-9]), "zlib"),
        "not-utf8": (offline_payload_bytes(b"\xff\xfe{}"), "not UTF-8"),
        "not-json": (offline_payload_bytes(b"{nope"), "not JSON"),
        "json-array": (offline_payload_bytes(b"[1,2]"), "not a JSON object"),
        "duplicate-keys": (offline_payload_bytes(duplicate), 'duplicate key "id"'),
        "too-deep": (offline_payload_bytes(b'{"a":' * 60 + b"1" + b"}" * 60), "nested deeper"),
        "zip-bomb": (offline_payload_bytes(b" " * (300 * 1024)), "inflates to more than"),
        "other-version": ("VC3:ABC", "unsupported QR payload version VC3"),
        "empty": ("   ", "empty"),
        "register-with-query": (
            "https://certification.example/register/urn:uuid:1?x=1",
            "must start with",
        ),
    }


def test_junk_is_not_a_certificate_and_online_links_are_links(
    world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    junk = junk_payloads(world)
    register = (
        "https://certification.example/register/urn:uuid:0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0"
    )
    steps = [{"name": name, "action": "paste", "text": text} for name, (text, _) in junk.items()]
    steps.append({"name": "register-link", "action": "paste", "text": register})
    result = run_checked("junk", page, steps, artefacts, tmp_path, offline=True)
    steps_by_name = by_name(result)
    for name, (_, words) in junk.items():
        step = steps_by_name[name]
        assert step["verdict"] == "NOT_VCISSUE_QR", (name, step["summary"])
        assert step["label"].endswith("NOT A CERTIFICATE QR CODE")
        assert words in step["summary"], (name, step["summary"])
        assert step["details"] == {}
    link = steps_by_name["register-link"]
    assert link["verdict"] == "ONLINE_LINK"
    assert link["link"] == register
    assert link["items"] == ["Certificate id: urn:uuid:0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0"]
    assert result["requests"] == []  # showing the link does not follow it


def test_unknown_context_is_refused_without_a_fetch(
    world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    extra = world.certificate("valid")
    extra["@context"] = [*extra["@context"], "https://example.org/evil-context.jsonld"]
    inline = world.certificate("valid", suite="eddsa-jcs-2022")
    inline["@context"] = [*inline["@context"], {"holder": "https://example.org/holder"}]
    undefined = world.certificate("valid", suite="eddsa-jcs-2022")
    undefined["credentialSubject"]["shoeSize"] = 44  # a term no context defines
    steps = [
        {"name": "unknown-context", "action": "paste", "text": offline_payload(extra)},
        {"name": "inline-context", "action": "paste", "text": offline_payload(inline)},
        {"name": "undefined-term", "action": "paste", "text": offline_payload(undefined)},
    ]
    # Online (not offline) on purpose: a page that fetched contexts would try here.
    result = run_checked("contexts", page, steps, artefacts, tmp_path)
    steps_by_name = by_name(result)
    assert steps_by_name["unknown-context"]["verdict"] == "FORGED"
    assert "Unknown @context" in steps_by_name["unknown-context"]["items"][0]
    assert steps_by_name["inline-context"]["verdict"] == "FORGED"
    assert "Inline @context objects" in steps_by_name["inline-context"]["items"][0]
    assert steps_by_name["undefined-term"]["verdict"] == "FORGED"
    assert steps_by_name["undefined-term"]["items"][0] == (
        'No context defines the term "shoeSize" (safe mode)'
    )
    assert result["requests"] == []


def test_signature_by_another_key_than_the_named_issuer_is_forged(
    world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    impostor = SigningKey.generate(rng=system_random)
    # Names the trusted body as issuer, but is signed with the impostor's did:key.
    unsigned = build(
        Award(Holder("Ana Novak"), ecomentor(), awarded=AWARDED),
        world.body.profile,
        credential_id=new_credential_id(bytes(16)),
        status=status_entries(11),
    )
    did_key_signed = proofs.sign(unsigned, impostor, created=AWARDED)
    other_web = Body("did:web:impostor.example", "Impostor")
    web_signed = proofs.sign(unsigned, other_web.key, created=AWARDED)
    steps = [
        {"name": "did-key-impostor", "action": "paste", "text": offline_payload(did_key_signed)},
        {"name": "did-web-impostor", "action": "paste", "text": offline_payload(web_signed)},
    ]
    result = by_name(run_checked("impostors", page, steps, artefacts, tmp_path, offline=True))
    key_step = result["did-key-impostor"]
    assert key_step["verdict"] == "FORGED"
    assert f"Signed by {impostor.controller}, which is not the issuer" in key_step["items"][0]
    web_step = result["did-web-impostor"]
    assert web_step["verdict"] == "FORGED"
    assert "did:web:impostor.example is not on this verifier's trust list" in web_step["items"][0]


# --- image upload and camera -------------------------------------------------------------


def six_verdicts(world: World) -> dict[str, tuple[str, dict[str, Any]]]:
    """One certificate per verdict, alternating the two cryptosuites."""
    rdfc, jcs = SUITES["rdfc"], SUITES["jcs"]
    return {
        "valid": ("VALID", world.certificate("valid", suite=jcs)),
        "forged": ("FORGED", world.forged_certificate(suite=rdfc)),
        "suspended": ("SUSPENDED", world.certificate("suspended", suite=jcs)),
        "revoked": ("REVOKED", world.certificate("revoked", suite=rdfc)),
        "expired": ("EXPIRED", world.certificate("expired", suite=jcs)),
        "untrusted": ("NOT_TRUSTED", world.untrusted_certificate(suite=rdfc)),
    }


def test_uploaded_qr_pictures_get_their_verdicts(
    world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    cases = six_verdicts(world)
    steps = []
    for name, (_, vc) in cases.items():
        picture = write_qr_png(offline_payload(vc), tmp_path / f"{name}.png")
        steps.append({"name": name, "action": "upload", "file": str(picture)})
    blank = tmp_path / "no-code.png"
    write_qr_png("x", blank, scale=1)
    blank.write_bytes(blank.read_bytes()[:40])  # a truncated PNG: not a picture any more
    steps.append({"name": "not-a-picture", "action": "upload", "file": str(blank)})
    result = run_checked("upload", page, steps, artefacts, tmp_path / "job", offline=True)
    steps_by_name = by_name(result)
    for name, (expected, _) in cases.items():
        assert steps_by_name[name]["verdict"] == expected, (name, steps_by_name[name]["items"])
        assert steps_by_name[name]["via"] == "image"
    assert steps_by_name["not-a-picture"]["verdict"] == "NO_QR"
    assert result["requests"] == []


@pytest.mark.parametrize(
    "name", ["valid", "forged", "suspended", "revoked", "expired", "untrusted"]
)
def test_camera_scans_get_their_verdicts(
    name: str, world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    expected, vc = six_verdicts(world)[name]
    footage = write_qr_y4m(offline_payload(vc), tmp_path / f"{name}.y4m")
    steps = [{"name": name, "action": "camera"}]
    result = run_checked(
        "camera", page, steps, artefacts, tmp_path / "job", offline=True, fakeVideo=str(footage)
    )
    step = result["steps"][0]
    assert step["verdict"] == expected, step["items"]
    assert step["via"] == "camera"
    assert step["scanStatus"] == "QR code read from the camera."
    assert result["requests"] == []


# --- in step with vcissue.qr ------------------------------------------------------------


def test_page_reads_what_vcissue_qr_writes(
    world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    """qr.encode_payload and an encoder written from the RFCs give the same verdict, with
    non-ASCII names intact; qr.register_url is recognised as a register link."""
    vc = world.certificate("valid", holder="Ivan Jurić", suite="eddsa-jcs-2022")
    assert decode_payload(encode_payload(vc)) == vc  # the Python side agrees with itself
    link = register_url("https://certification.example/ecomentor", vc["id"])
    steps = [
        {"name": "qr-py", "action": "paste", "text": encode_payload(vc)},
        {"name": "rfc-encoder", "action": "paste", "text": independent_offline_payload(vc)},
        {"name": "qr-py-link", "action": "paste", "text": link},
    ]
    result = by_name(run_checked("qr-py", page, steps, artefacts, tmp_path, offline=True))
    for name in ("qr-py", "rfc-encoder"):
        assert result[name]["verdict"] == "VALID", result[name]["items"]
        assert result[name]["details"]["Holder"] == "Ivan Jurić"
    assert result["qr-py-link"]["verdict"] == "ONLINE_LINK"
    assert result["qr-py-link"]["link"] == link
    assert result["qr-py-link"]["items"] == [f"Certificate id: {vc['id']}"]


# --- every verdict in Croatian (the browser's language picks the catalogue) ------------

CROATIAN = {
    "VALID": "VAŽEĆE",
    "FORGED": "KRIVOTVORENO",
    "SUSPENDED": "SUSPENDIRANO",
    "REVOKED": "OPOZVANO",
    "EXPIRED": "ISTEKLO",
    "NOT_TRUSTED": "NIJE POUZDANO",
    "NOT_YET_VALID": "JOŠ NE VRIJEDI",
    "STATUS_UNKNOWN": "STATUS NEPOZNAT",
}


def test_every_verdict_in_croatian(
    world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    cases = {name: case for name, case in verdict_cases(world).items() if name.endswith("rdfc")}
    cases["not-yet-valid"] = ("NOT_YET_VALID", world.certificate_not_yet_valid())
    cases["status-unknown"] = ("STATUS_UNKNOWN", world.certificate_with_unknown_list())
    steps = [
        {"name": name, "action": "paste", "text": offline_payload(vc)}
        for name, (_, vc) in cases.items()
    ]
    result = run_checked("croatian", page, steps, artefacts, tmp_path, offline=True, locale="hr")
    for name, (expected, _) in cases.items():
        step = by_name(result)[name]
        assert step["verdict"] == expected, (name, step["items"])
        assert step["label"].endswith(CROATIAN[expected]), step["label"]
    valid = by_name(result)["valid-rdfc"]
    # The reasons and the list of checks are Croatian too, not only the verdict.
    checks = {check["id"]: check for check in valid["checks"]}
    assert checks["issuer.binding"]["outcome"] == "passed"
    assert "izdavatelj upravlja ključem kojim je potpisan" in checks["issuer.binding"]["text"]
    assert "uspjela" in checks["issuer.binding"]["text"]
    assert by_name(result)["revoked-rdfc"]["items"][0].startswith(
        "Opozvalo ga je certifikacijsko tijelo: provjereno prema snimci statusa"
    )
    assert "nije na popisu pouzdanih" in by_name(result)["untrusted-rdfc"]["items"][0]
    assert valid["details"]["Nositelj"] == "Ana Novak"
    assert valid["details"]["Dodijeljeno"].startswith("2. ožujka 2026.")


def test_an_organisation_and_rpl_are_shown_as_python_shows_them(
    world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    """Page and Python agree: a subject typed as an OB Profile is an organisation."""
    organisation = world._signed(
        Award(Holder("Children First", kind="organisation"), kcs(1), awarded=AWARDED),
        status_entries(INDEX["valid"]),
    )
    assert certificate_view(organisation).holder_kind == "organisation"  # the Python side
    person = world._signed(
        Award(Holder("Ana Novak"), ecomentor(), awarded=AWARDED, rpl=("U2",)),
        status_entries(INDEX["valid"]),
    )  # and the RPL marker, shown by both
    assert certificate_view(person).rpl == "U2 Conducting the mentoring activities"
    steps = [
        {"name": "organisation", "action": "paste", "text": offline_payload(organisation)},
        {"name": "person", "action": "paste", "text": offline_payload(person)},
    ]
    for locale, label, holder in (
        ("en", "Certified organisation", "Holder"),
        ("hr", "Certificirana organizacija", "Nositelj"),
    ):
        result = run_checked(
            f"organisation-{locale}", page, steps, artefacts, tmp_path / locale,
            offline=True, locale=locale,
        )  # fmt: skip
        shown = by_name(result)["organisation"]
        assert shown["verdict"] == "VALID", shown["items"]
        assert shown["details"][label] == "Children First"
        assert holder not in shown["details"]
        assert by_name(result)["person"]["details"][holder] == "Ana Novak"
        assert label not in by_name(result)["person"]["details"]
        rpl = {"en": "Recognition of prior learning", "hr": "Priznavanje prethodnog učenja"}
        assert by_name(result)["person"]["details"][rpl[locale]] == certificate_view(person).rpl
        assert rpl[locale] not in shown["details"]
