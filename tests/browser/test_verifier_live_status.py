"""Status online: the live list wins when it can be fetched and verified; otherwise the
page falls back to its snapshot and says so. The "server" is the driver answering the
status list URLs (nothing leaves the machine); every other request is aborted."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.page_driver import run_checked
from tests.browser.scenarios import (
    INDEX,
    REVOCATION_URL,
    REVOKED,
    SUSPENDED,
    SUSPENSION_URL,
    World,
    offline_payload,
)
from vcissue.keys import SigningKey
from vcissue.status import Bitstring
from vcissue.system import system_random

pytestmark = pytest.mark.usefixtures("browser_stack")
LIST_URLS = sorted([REVOCATION_URL, SUSPENSION_URL])


def served(document: dict[str, Any], status: int = 200) -> dict[str, Any]:
    return {"status": status, "body": json.dumps(document)}


def live_lists(world: World, *, revoked: set[int]) -> dict[str, dict[str, Any]]:
    fresh = world.now - timedelta(minutes=5)
    return {
        REVOCATION_URL: served(
            world.status_list(REVOCATION_URL, "revocation", revoked, valid_from=fresh)
        ),
        SUSPENSION_URL: served(
            world.status_list(
                SUSPENSION_URL, "suspension", SUSPENDED, suite="eddsa-jcs-2022", valid_from=fresh
            )
        ),
    }


def test_live_list_is_used_when_reachable(
    world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    # Revoked after the page's snapshot was taken: only the live list knows.
    routes = live_lists(world, revoked=REVOKED | {INDEX["valid"]})
    steps = [
        {
            "name": "revoked-since-snapshot",
            "action": "paste",
            "text": offline_payload(world.certificate("valid")),
        }
    ]
    result = run_checked("live", page, steps, artefacts, tmp_path, routes=routes)
    step = result["steps"][0]
    assert step["verdict"] == "REVOKED"
    assert step["items"] == [
        "Revoked by the certification body: checked against the live status list"
    ]
    assert sorted(result["requests"]) == LIST_URLS  # the lists, and nothing else


def test_unreachable_live_list_falls_back_to_the_snapshot(
    world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    vc = world.certificate("valid")
    steps = [
        {"name": "unreachable", "action": "paste", "text": offline_payload(vc)},
        {"name": "live-check-off", "action": "paste", "text": offline_payload(vc), "live": False},
    ]
    result = run_checked(
        "live-unreachable", page, steps, artefacts, tmp_path, failed_loads_expected=True
    )
    unreachable, off = result["steps"]
    assert unreachable["verdict"] == "VALID"
    for item in unreachable["items"]:
        assert "checked against this page's status snapshot" in item
        assert "1 hour old" in item
        assert "the live list could not be used: Failed to fetch" in item
    assert off["verdict"] == "VALID"
    assert all(item.endswith("old); live check turned off") for item in off["items"])
    # Attempted (and aborted) by the first step only; the second fetched nothing.
    assert sorted(result["requests"]) == LIST_URLS


def tampered(document: dict[str, Any], index: int) -> dict[str, Any]:
    """The list with one more bit set after signing."""
    bits = Bitstring.decode(document["credentialSubject"]["encodedList"])
    bits.set(index, True)
    copy = json.loads(json.dumps(document))
    copy["credentialSubject"]["encodedList"] = bits.encode()
    return copy


def test_a_live_list_that_fails_its_checks_is_not_believed(
    world: World, page: Path, artefacts: Path, tmp_path: Path
) -> None:
    """Forged, foreign, misplaced or missing live lists: the snapshot decides, and the
    reason the live list was refused is shown."""
    genuine = world.status_list(REVOCATION_URL, "revocation", REVOKED)
    stranger = SigningKey.generate(rng=system_random)
    foreign = world.status_list(REVOCATION_URL, "revocation", {INDEX["valid"]}, key=stranger)
    cases = {
        "tampered-live-list": (
            served(tampered(genuine, INDEX["valid"])),
            "signature does not match the document",
        ),
        "foreign-live-list": (served(foreign), "it is not signed by the certificate's issuer"),
        "misplaced-live-list": (
            served(world.status_list(SUSPENSION_URL, "suspension", {INDEX["valid"]})),
            f"is not the list {REVOCATION_URL} the certificate names",
        ),
        "missing-live-list": ({"status": 404, "body": "{}"}, "HTTP 404"),
        "junk-live-list": ({"status": 200, "body": "<html>"}, "not JSON"),
    }
    vc = world.certificate("valid")
    for name, (answer, reason) in cases.items():
        routes = {
            REVOCATION_URL: answer,
            SUSPENSION_URL: live_lists(world, revoked=set())[SUSPENSION_URL],
        }
        steps = [{"name": name, "action": "paste", "text": offline_payload(vc)}]
        result = run_checked(
            "live-refused",
            page,
            steps,
            artefacts,
            tmp_path / name,
            routes=routes,
            failed_loads_expected=True,
        )
        step = result["steps"][0]
        assert step["verdict"] == "VALID", (name, step["items"])
        revocation = next(item for item in step["items"] if item.startswith("Not revoked"))
        assert "checked against this page's status snapshot" in revocation, name
        assert reason in revocation, (name, revocation)
        suspension = next(item for item in step["items"] if item.startswith("Not suspended"))
        assert suspension == "Not suspended: checked against the live status list"
