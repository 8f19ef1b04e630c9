"""Certificates, status lists and bundled pages for the browser tests and the benchmark.

Everything is made with the library itself: ``tests.factories`` bodies, ``credential.build``
with real ``credentialStatus`` entries, ``status.status_list_credential`` signed with
``proofs.sign`` (both suites), and ``vcissue.webapp.bundle`` for the page.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.factories import AWARDED, Body, ecomentor
from vcissue import proofs
from vcissue.credential import IssuerProfile, build, new_credential_id
from vcissue.keys import SigningKey
from vcissue.model import Award, Holder
from vcissue.qr import encode_payload
from vcissue.status import Bitstring, status_entry, status_list_credential
from vcissue.system import system_random
from vcissue.webapp.bundle import embed, verifier_page, write_bundle

STATUS_BASE = "https://certification.example/status"
REVOCATION_URL = f"{STATUS_BASE}/revocation-1"
SUSPENSION_URL = f"{STATUS_BASE}/suspension-1"
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")
EXPIRED_AWARD = datetime(2019, 5, 6, 8, 0, tzinfo=UTC)  # + 5 years: expired in 2024
BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

# statusListIndex of each kind of certificate: which bits the lists set for it.
INDEX = {
    "valid": 11,
    "suspended": 22,
    "revoked": 33,
    "revoked_and_suspended": 44,
    "expired": 55,
    "expired_and_suspended": 66,
    "untrusted": 77,
}
REVOKED = {INDEX["revoked"], INDEX["revoked_and_suspended"]}
SUSPENDED = {INDEX["suspended"], INDEX["revoked_and_suspended"], INDEX["expired_and_suspended"]}


def base45_encode(data: bytes) -> str:
    """RFC 9285, written out here so the page is tested against the RFC, not only qr.py."""
    out = []
    for start in range(0, len(data) - 1, 2):
        value = data[start] * 256 + data[start + 1]
        out += [BASE45[value % 45], BASE45[value // 45 % 45], BASE45[value // 2025]]
    if len(data) % 2:
        out += [BASE45[data[-1] % 45], BASE45[data[-1] // 45]]
    return "".join(out)


def offline_payload_bytes(data: bytes) -> str:
    """Any bytes in the offline wrapping (for payloads that are not credentials)."""
    return "VC1:" + base45_encode(zlib.compress(data, 9))


def offline_payload(vc: dict[str, Any]) -> str:
    """What a certificate's QR code holds: ``vcissue.qr`` encodes it, as for printing."""
    return encode_payload(vc)


def independent_offline_payload(vc: dict[str, Any]) -> str:
    """The same format written out from RFC 9285 and RFC 1950 here, not by vcissue.qr."""
    text = json.dumps(vc, separators=(",", ":"), ensure_ascii=False)
    return offline_payload_bytes(text.encode("utf-8"))


def status_entries(index: int) -> list[dict[str, Any]]:
    return [
        status_entry(REVOCATION_URL, index, "revocation"),
        status_entry(SUSPENSION_URL, index, "suspension"),
    ]


@dataclass
class World:
    """A trusted body with its status lists, and the certificates of every verdict."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    body: Body = field(default_factory=Body)

    def __post_init__(self) -> None:
        self.list_from = self.now - timedelta(hours=2)

    def status_list(
        self,
        url: str,
        purpose: str,
        set_bits: set[int],
        *,
        suite: str = "eddsa-rdfc-2022",
        key: SigningKey | None = None,
        valid_from: datetime | None = None,
    ) -> dict[str, Any]:
        bits = Bitstring()
        for index in set_bits:
            bits.set(index, True)
        valid_from = valid_from or self.list_from
        unsigned = status_list_credential(
            url, purpose, bits, issuer=self.body.did, valid_from=valid_from
        )
        return proofs.sign(unsigned, key or self.body.key, created=valid_from, suite=suite)

    def status_lists(self) -> list[dict[str, Any]]:
        # One list per suite, so both are verified in the browser.
        return [
            self.status_list(REVOCATION_URL, "revocation", REVOKED, suite="eddsa-rdfc-2022"),
            self.status_list(SUSPENSION_URL, "suspension", SUSPENDED, suite="eddsa-jcs-2022"),
        ]

    def certificate(
        self,
        kind: str = "valid",
        *,
        suite: str = "eddsa-rdfc-2022",
        holder: str = "Ana Novak",
        awarded: datetime = AWARDED,
        units: tuple[str, ...] | None = None,
        with_status: bool = True,
        status_index: int | None = None,
    ) -> dict[str, Any]:
        if kind.startswith("expired"):
            awarded = EXPIRED_AWARD
        index = INDEX[kind] if status_index is None else status_index
        status = status_entries(index) if with_status else []
        return self._signed(
            Award(Holder(holder), ecomentor(), awarded=awarded, units=units), status, suite
        )

    def _signed(
        self, award: Award, status: list[dict[str, Any]], suite: str = "eddsa-rdfc-2022"
    ) -> dict[str, Any]:
        unsigned = build(
            award,
            self.body.profile,
            credential_id=new_credential_id(os.urandom(16)),
            status=status,
        )
        return proofs.sign(unsigned, self.body.key, created=award.awarded, suite=suite)

    def certificate_with_unknown_list(self, *, expired: bool = False) -> dict[str, Any]:
        """Its revocation list is not in the page's snapshot (and offline: not fetched)."""
        status = [
            status_entry(f"{STATUS_BASE}/revocation-9", 3, "revocation"),
            status_entry(SUSPENSION_URL, INDEX["valid"], "suspension"),
        ]
        awarded = EXPIRED_AWARD if expired else AWARDED
        return self._signed(Award(Holder("Ana Novak"), ecomentor(), awarded=awarded), status)

    def certificate_not_yet_valid(self) -> dict[str, Any]:
        award = Award(Holder("Ana Novak"), ecomentor(), awarded=self.now + timedelta(days=30))
        return self._signed(award, status_entries(INDEX["valid"]))

    def untrusted_certificate(self, *, suite: str = "eddsa-rdfc-2022") -> dict[str, Any]:
        """Genuinely signed, by a did:key body that is not on the trust list."""
        key = SigningKey.generate(rng=system_random)
        unsigned = build(
            Award(Holder("Ana Novak"), ecomentor(), awarded=AWARDED),
            IssuerProfile(key.controller, "Diploma Mill Ltd"),
            credential_id=new_credential_id(os.urandom(16)),
        )
        return proofs.sign(unsigned, key, created=AWARDED, suite=suite)

    def forged_certificate(self, *, suite: str = "eddsa-rdfc-2022") -> dict[str, Any]:
        """A valid certificate whose holder was renamed after signing."""
        vc = self.certificate("valid", suite=suite)
        vc["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory Forger"
        return vc

    def write_page(self, path: Path, *, status_lists: list[dict[str, Any]] | None = None) -> Path:
        lists = self.status_lists() if status_lists is None else status_lists
        write_bundle(path, self.body.trust, lists, snapshot_time=self.now - timedelta(hours=1))
        return path

    def write_unchecked_page(self, path: Path, data: dict[str, Any]) -> Path:
        """A page whose data skipped the bundle checks: what a tampered copy would hold."""
        path.write_text(embed(verifier_page(), data), "utf-8")
        return path


def bundle_with_cli(world: World, directory: Path) -> Path:
    """``vcissue verifier-bundle`` run as a user would: trust file, status list files, -o."""
    directory.mkdir(parents=True, exist_ok=True)
    trust = directory / "trust.json"
    trust.write_text(json.dumps(world.body.trust.to_json()), "utf-8")
    lists = []
    for number, status_list in enumerate(world.status_lists()):
        path = directory / f"list-{number}.json"
        path.write_text(json.dumps(status_list), "utf-8")
        lists += ["--status-list", str(path)]
    page = directory / "verifier.html"
    snapshot_time = (world.now - timedelta(hours=1)).isoformat()
    command = [sys.executable, "-m", "vcissue.cli", "verifier-bundle", "--trust", str(trust)]
    command += [*lists, "--snapshot-time", snapshot_time, "-o", str(page)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"vcissue verifier-bundle failed: {done.stderr}")
    return page
