"""Measure the QR payload of every example credential (the table in docs/qr.md).

    .venv/bin/python scripts/qr_sizes.py

Fresh keys and ids each run: sizes vary by a character or two (base58 signatures).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.factories import AWARDED, Body

from vcissue import proofs
from vcissue.credential import build, new_credential_id
from vcissue.model import Award, Holder, load_qualification
from vcissue.qr import encode_payload, encode_payload_v1, make_qr, verifier_link
from vcissue.qrpack import build_pack, compact_json
from vcissue.render.template import QUIET_ZONE, qr_module_mm
from vcissue.status import status_entry

STATUS = "https://certification.example/status-lists"
URL = "https://certification.example/V"
EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "vcissue" / "examples"


def row(label: str, vc: dict, pack) -> str:  # type: ignore[no-untyped-def]
    v1 = encode_payload_v1(vc)
    link = verifier_link(URL, encode_payload(vc, pack))
    old, new = make_qr(v1), make_qr(link)
    modules = new.symbol_size(border=0)[0]
    module = qr_module_mm(modules + 2 * QUIET_ZONE)
    return (
        f"| {label} | {vc['proof']['cryptosuite']} | {len(compact_json(vc)):,} | "
        f"{len(v1):,} ({old.designator}) | {len(link):,} | {new.designator} | {modules} | "
        f"{module:.2f} mm | {(modules + 2 * QUIET_ZONE) * module:.1f} mm |"
    )


def main() -> None:
    body = Body()
    print(
        "| credential | suite | JSON bytes | VC1 chars (QR) | printed link chars | QR | "
        "modules | module | width with quiet zone |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for scheme, holder, units in (
        ("ecomentor/qualification", "Zoë Ørsted-Łukasiewicz", None),
        ("ecomentor/qualification", "Ana Novak", ("U1",)),
        ("kcs/level1", "Ana Novak", None),
        ("kcs/level2", "Ana Novak", None),
    ):
        qualification = load_qualification(EXAMPLES / f"{scheme}.json")
        pack = build_pack(qualification, body.profile, status_base_url=STATUS)
        for with_status in (True, False):
            for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
                status = [
                    status_entry(f"{STATUS}/revocation-1", 48213, "revocation"),
                    status_entry(f"{STATUS}/suspension-1", 9120, "suspension"),
                ] if with_status else []  # fmt: skip
                who = Holder(holder if qualification.subject_kind == "person" else "Kindergarten "
                             "Sunčica", kind=qualification.subject_kind)  # fmt: skip
                award = Award(who, qualification, awarded=AWARDED, units=units)
                unsigned = build(award, body.profile, credential_id=new_credential_id(
                    os.urandom(16)), status=status)  # fmt: skip
                vc = proofs.sign(unsigned, body.key, created=AWARDED, suite=suite)
                label = f"{qualification.id} {'unit ' + units[0] if units else 'full'}" + (
                    " + both status entries" if with_status else "")  # fmt: skip
                print(row(label, vc, pack))
        print(f"<!-- {scheme} pack {pack.pack_id}: {len(pack.dictionary):,} bytes -->")


if __name__ == "__main__":
    main()
