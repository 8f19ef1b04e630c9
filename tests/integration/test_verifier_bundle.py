"""``vcissue verifier-bundle`` and ``vcissue.webapp.bundle``: real files, the CLI in-process.

What the page does with the bundle is tested in real Chromium (tests/browser); here: the
data element holds exactly what was given, nothing in it can close the element, and every
bad input is refused with a typed error before anything is written.
"""

from __future__ import annotations

import html.parser
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.scenarios import REVOCATION_URL, SUSPENSION_URL, World
from tests.cli import vcissue
from tests.factories import Body
from vcissue import proofs
from vcissue.errors import MalformedInput, StatusListError, VcissueError
from vcissue.keys import SigningKey
from vcissue.status import Bitstring, status_list_credential
from vcissue.system import system_random
from vcissue.webapp.bundle import (
    BUNDLE_FORMAT,
    EMPTY_DATA_ELEMENT,
    embed,
    latest_snapshots,
    load_trust_list,
    status_list_files,
    verifier_page,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class _Scripts(html.parser.HTMLParser):
    """What an HTML parser (as a browser's) sees: each script element's type, id, text."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, Any]] = []
        self._open: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._open = {**dict(attrs), "text": ""}

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.scripts.append(self._open)
            self._open = None


def embedded_data(page: str) -> Any:
    parser = _Scripts()
    parser.feed(page)
    found = [s for s in parser.scripts if s.get("id") == "vcissue-verifier-data"]
    assert len(found) == 1
    assert found[0]["type"] == "application/json"
    return json.loads(found[0]["text"])


@pytest.fixture(scope="module")
def world() -> World:
    return World(now=NOW)


def write_inputs(world: World, directory: Path) -> tuple[Path, Path]:
    """trust.json in ``directory``, the signed lists in ``directory/lists`` as published."""
    lists = directory / "lists"
    lists.mkdir(parents=True, exist_ok=True)
    trust = directory / "trust.json"
    trust.write_text(json.dumps(world.body.trust.to_json()), "utf-8")
    for status_list in world.status_lists():
        name = status_list["id"].rsplit("/", 1)[1]  # the issuer's file names: revocation-1
        (lists / name).write_text(json.dumps(status_list), "utf-8")
    return trust, lists


def test_cli_embeds_trust_list_snapshots_and_time(world: World, tmp_path: Path) -> None:
    trust, lists = write_inputs(world, tmp_path)
    (lists / ".revocation-1.123.tmp").write_text("half-written", "utf-8")
    missing = vcissue(
        "verifier-bundle",
        "--trust",
        str(trust),
        "--status-dir",
        str(tmp_path / "nowhere"),
        "-o",
        "page.html",
        cwd=tmp_path,
    )
    assert missing.returncode == 3
    assert "[status-list]" in missing.stderr and "does not exist" in missing.stderr
    out = vcissue(
        "verifier-bundle",
        "--trust",
        str(trust),
        "--status-dir",
        str(lists),
        "--snapshot-time",
        "2026-11-20T11:30:00Z",
        "-o",
        "out/page.html",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "2 status list file(s) read" in out.stdout  # the hidden .tmp file was skipped
    page = (tmp_path / "out" / "page.html").read_text("utf-8")
    data = embedded_data(page)
    assert data["format"] == BUNDLE_FORMAT
    assert data["snapshotTime"] == "2026-11-20T11:30:00Z"
    assert data["trustList"] == world.body.trust.to_json()
    assert [item["id"] for item in data["statusLists"]] == [REVOCATION_URL, SUSPENSION_URL]
    assert data["statusLists"] == sorted(world.status_lists(), key=lambda item: item["id"])
    # The rest of the page is the packaged page, unchanged.
    assert page.replace(page[page.index("<script type") :], "") in verifier_page()
    assert list(tmp_path.glob("out/.*")) == []  # no temporary file left behind


def test_values_cannot_leave_the_data_element() -> None:
    hostile = "</script><script>alert(1)</script><!-- & </SCRIPT >"
    data = {"format": BUNDLE_FORMAT, "trustList": {"issuers": [{"id": "did:x", "name": hostile}]}}
    page = embed(verifier_page(), data)
    section = page[page.index('id="vcissue-verifier-data"') :]
    inside = section[section.index(">") + 1 : section.index("</script>")]
    assert "<" not in inside and ">" not in inside and "&" not in inside
    assert embedded_data(page) == data  # and the values read back exactly
    parser = _Scripts()
    parser.feed(page)
    assert [s.get("id") for s in parser.scripts].count(None) == 1  # the app, nothing more


def test_embed_needs_the_empty_data_element_once() -> None:
    page = verifier_page()
    assert page.count(EMPTY_DATA_ELEMENT) == 1
    with pytest.raises(VcissueError, match="exactly one empty data element"):
        embed(page.replace(EMPTY_DATA_ELEMENT, ""), {})
    with pytest.raises(VcissueError, match="exactly one empty data element"):
        embed(page + EMPTY_DATA_ELEMENT, {})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "must be a JSON object"),
        ('{"issuers": {}}', "'issuers' list"),
        ('{"issuers": []}', "names no issuer"),
        ('{"issuers": [{"id": "did:web:x.example"}]}', "did:web needs its didDocument"),
        ('{"issuers": [], "issuers": []}', "duplicate key"),
    ],
)
def test_bad_trust_lists_are_refused(tmp_path: Path, content: str, message: str) -> None:
    trust = tmp_path / "trust.json"
    trust.write_text(content, "utf-8")
    with pytest.raises(MalformedInput, match=message):
        load_trust_list([trust])
    out = vcissue("verifier-bundle", "--trust", str(trust), "-o", "page.html", cwd=tmp_path)
    assert out.returncode == 3
    assert "[malformed-input]" in out.stderr and message in out.stderr
    assert not (tmp_path / "page.html").exists()


def test_missing_trust_file_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(MalformedInput, match="cannot read trust list"):
        load_trust_list([tmp_path / "nope.json"])


def bad_lists(world: World) -> dict[str, tuple[dict[str, Any], str]]:
    genuine = world.status_list(REVOCATION_URL, "revocation", {3})
    altered = json.loads(json.dumps(genuine))
    altered["validFrom"] = "2020-01-01T00:00:00Z"
    stranger = Body("did:web:stranger.example", "Stranger")
    by_stranger = world.status_list(REVOCATION_URL, "revocation", set(), key=stranger.key)
    did_key = SigningKey.generate(rng=system_random)
    from_untrusted = world.status_list(REVOCATION_URL, "revocation", set(), key=did_key)
    ended = status_list_credential(
        REVOCATION_URL,
        "revocation",
        Bitstring(),
        issuer=world.body.did,
        valid_from=NOW - timedelta(days=10),
        valid_until=NOW - timedelta(days=1),
    )
    expired = proofs.sign(ended, world.body.key, created=NOW - timedelta(days=10))
    return {
        "altered": (altered, "its proof does not verify"),
        "unknown-key": (by_stranger, "its proof does not verify"),
        "other-signer": (from_untrusted, "is not signed by its issuer"),
        "not-a-list": (world.certificate("valid"), "is not a BitstringStatusListCredential"),
        "no-id": ({k: v for k, v in genuine.items() if k != "id"}, "needs its id"),
        "expired": (expired, "expired"),
    }


@pytest.mark.parametrize(
    "name", ["altered", "unknown-key", "other-signer", "not-a-list", "no-id", "expired"]
)
def test_bad_status_lists_are_refused(world: World, name: str, tmp_path: Path) -> None:
    document, message = bad_lists(world)[name]
    with pytest.raises(StatusListError, match=message):
        latest_snapshots([document], world.body.trust, snapshot_time=NOW)
    trust, _ = write_inputs(world, tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), "utf-8")
    out = vcissue(
        "verifier-bundle",
        "--trust",
        str(trust),
        "--status-list",
        str(bad),
        "-o",
        "p.html",
        "--snapshot-time",
        NOW.isoformat(),
        cwd=tmp_path,
    )
    assert out.returncode == 3, out.stdout
    assert "[status-list]" in out.stderr and message in out.stderr
    assert not (tmp_path / "p.html").exists()


def test_status_list_file_that_is_not_json_is_a_status_list_error(
    world: World, tmp_path: Path
) -> None:
    trust, lists = write_inputs(world, tmp_path)
    (lists / "revocation-1").write_text("<html>", "utf-8")  # a web server's error page
    out = vcissue(
        "verifier-bundle",
        "--trust",
        str(trust),
        "--status-dir",
        str(tmp_path / "lists"),
        "-o",
        "p.html",
        cwd=tmp_path,
    )
    assert out.returncode == 3
    assert "[status-list]" in out.stderr and "revocation-1 is not JSON" in out.stderr


def test_the_latest_snapshot_of_a_list_wins(world: World) -> None:
    older = world.status_list(REVOCATION_URL, "revocation", {1}, valid_from=NOW - timedelta(days=2))
    newer = world.status_list(REVOCATION_URL, "revocation", {2}, valid_from=NOW - timedelta(days=1))
    for order in ([older, newer], [newer, older]):
        assert latest_snapshots(order, world.body.trust, snapshot_time=NOW) == [newer]
    rival = world.status_list(REVOCATION_URL, "revocation", {3}, valid_from=NOW - timedelta(days=1))
    with pytest.raises(StatusListError, match="same validFrom"):
        latest_snapshots([newer, rival], world.body.trust, snapshot_time=NOW)
    assert latest_snapshots([newer, newer], world.body.trust, snapshot_time=NOW) == [newer]


def test_status_dir_lists_files_in_order_skipping_hidden_and_checkpoint(tmp_path: Path) -> None:
    (tmp_path / "b").write_text("{}", "utf-8")
    (tmp_path / "a").write_text("{}", "utf-8")
    (tmp_path / ".a.1.tmp").write_text("{}", "utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c").write_text("{}", "utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d").write_text("{}", "utf-8")
    # the publisher's signed audit checkpoint sits beside the lists; it is not one
    (tmp_path / "audit-checkpoint").write_text("{}", "utf-8")
    given = Path("elsewhere") / "list.json"
    found = status_list_files([given], [tmp_path])
    assert found == [given, tmp_path / "a", tmp_path / "b", tmp_path / "sub" / "d"]
