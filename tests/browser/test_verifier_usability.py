"""People and hostile data: labels, keyboard, live region, small screens, an unbundled or
damaged page, a tampered snapshot, and markup in names that must stay text."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.browser.page_driver import PAGE, by_name, run_checked
from tests.browser.scenarios import (
    INDEX,
    REVOCATION_URL,
    REVOKED,
    World,
    offline_payload,
)
from tests.factories import Body
from vcissue.status import Bitstring
from vcissue.webapp.bundle import BUNDLE_FORMAT, write_bundle

pytestmark = pytest.mark.usefixtures("browser_stack")


def test_controls_are_labelled_and_the_verdict_is_announced(
    page: Path, artefacts: Path, tmp_path: Path
) -> None:
    steps = [{"name": "accessibility", "action": "accessibility"}]
    result = run_checked("usability", page, steps, artefacts, tmp_path, offline=True)
    report = result["steps"][0]["accessibility"]
    assert report["lang"] == "en"
    assert report["unlabelled"] == []
    for control in report["controls"]:
        assert control["count"] == 1, control
    assert report["verdict"] == {"live": "polite", "role": "status", "atomic": "true"}


def test_keyboard_alone_reaches_every_input_and_gets_a_verdict(
    world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    steps = [
        {
            "name": "keyboard",
            "action": "keyboard",
            "text": offline_payload(world.certificate("valid", suite="eddsa-jcs-2022")),
        }
    ]
    result = run_checked(
        "usability-keyboard", page, steps, artefacts, tmp_path, offline=True, samePage=False
    )
    step = result["steps"][0]
    # Tab order: camera, picture, text box, then the Verify button; Enter verifies.
    assert step["focused"][:3] == ["camera-start", "image-input", "paste-input"]
    assert step["focused"][-1] == "Verify"
    assert step["verdict"] == "VALID"


def test_small_screen_has_no_sideways_scrolling(
    world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    steps = [
        {"name": f"phone-{kind}", "action": "paste", "text": offline_payload(vc)}
        for kind, vc in (
            ("valid", world.certificate("valid")),
            ("untrusted", world.untrusted_certificate()),
        )
    ]
    result = run_checked(
        "usability-phone",
        page,
        steps,
        artefacts,
        tmp_path,
        offline=True,
        viewport={"width": 360, "height": 740},
    )
    for step in result["steps"]:
        assert step["verdict"] in ("VALID", "NOT_TRUSTED")
        assert step["horizontalOverflow"] is False, step["name"]


def test_unit_credential_shows_its_units(
    world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    vc = world.certificate("valid", units=("U1",), suite="eddsa-jcs-2022")
    steps = [{"name": "unit-credential", "action": "paste", "text": offline_payload(vc)}]
    step = run_checked("usability", page, steps, artefacts, tmp_path, offline=True)["steps"][0]
    assert step["verdict"] == "VALID"
    assert step["details"]["Type"] == "Unit credential"
    assert step["details"]["Units"] == "U1 Planning the mentoring activities"
    assert step["details"]["Qualification"] == vc["credentialSubject"]["achievement"]["name"]


def test_unbundled_page_warns_and_trusts_no_one(
    world: World, artefacts: Path, tmp_path: Path
) -> None:
    """The package's own page, as built, before any bundle: no trust list inside."""
    steps = [{"name": "unbundled", "action": "paste", "text": offline_payload(world.certificate())}]
    result = run_checked("unbundled", PAGE, steps, artefacts, tmp_path, offline=True)
    step = result["steps"][0]
    assert "has no trust list" in step["warning"]
    assert step["verdict"] == "NOT_TRUSTED"
    assert step["snapshotInfo"] == "none"
    assert result["requests"] == []


def test_damaged_bundle_disables_the_page(world: World, artefacts: Path, tmp_path: Path) -> None:
    damaged = world.write_unchecked_page(
        tmp_path / "damaged.html", {"format": BUNDLE_FORMAT, "trustList": {"issuers": "x"}}
    )
    steps = [{"name": "damaged", "action": "look"}]
    step = run_checked("unbundled", damaged, steps, artefacts, tmp_path, offline=True)["steps"][0]
    assert "damaged and cannot check certificates" in step["warning"]
    assert "'issuers' list" in step["warning"]
    # Camera start and stop, Verify, the file input, the text box, the check box.
    assert step["disabledControls"] == 6
    assert step["verdict"] == ""


def test_tampered_snapshot_is_not_believed(world: World, artefacts: Path, tmp_path: Path) -> None:
    """A page edited after bundling: the snapshot's bit flipped without a new signature."""
    genuine = world.status_list(REVOCATION_URL, "revocation", REVOKED)
    bits = Bitstring.decode(genuine["credentialSubject"]["encodedList"])
    bits.set(INDEX["valid"], True)
    forged = json.loads(json.dumps(genuine))
    forged["credentialSubject"]["encodedList"] = bits.encode()
    suspension = world.status_lists()[1]
    data = {
        "format": BUNDLE_FORMAT,
        "generator": "test",
        "snapshotTime": (world.now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "trustList": world.body.trust.to_json(),
        "statusLists": [forged, suspension],
    }
    edited = world.write_unchecked_page(tmp_path / "edited.html", data)
    steps = [
        {
            "name": "tampered-snapshot",
            "action": "paste",
            "text": offline_payload(world.certificate("valid")),
        }
    ]
    step = run_checked("unbundled", edited, steps, artefacts, tmp_path, offline=True)["steps"][0]
    assert step["verdict"] == "STATUS_UNKNOWN"
    assert "snapshot of the list is unusable" in step["items"][0]
    assert "signature does not match the document" in step["items"][0]
    assert "(3 days old)" in step["snapshotInfo"]


def test_markup_in_names_stays_text(artefacts: Path, tmp_path: Path) -> None:
    """A body name and a holder name full of markup: shown as text, nothing runs
    (run_checked fails on any dialog or console error, CSP refusals included)."""
    hostile = '</script><script>alert("bundle")</script><!--'
    world = World(body=Body(name=hostile))
    page = tmp_path / "hostile.html"
    write_bundle(page, world.body.trust, world.status_lists(), snapshot_time=world.now)
    holder = '<img src=x onerror=alert("holder")> Ana'
    steps = [
        {
            "name": "markup-in-names",
            "action": "paste",
            "text": offline_payload(world.certificate("valid", holder=holder)),
        }
    ]
    result = run_checked("hostile", page, steps, artefacts, tmp_path, offline=True)
    step = by_name(result)["markup-in-names"]
    assert step["verdict"] == "VALID"
    assert step["details"]["Holder"] == holder
    assert step["trustInfo"] == f"{hostile} (did:web:certification.example)"
    assert result["requests"] == []  # not even the <img>
