"""The offline page refuses what the library refuses: signed claims moved out of sight.

A credential whose ``credentialStatus`` or ``validUntil`` is restated under its IRI, inside
``@nest``, through ``@included`` or ``@reverse``, or whose types are split between ``type``
and ``@type``, keeps its eddsa-rdfc-2022 signature and hides the claim from whoever reads
the JSON (tests/unit/test_forgery.py). The page's ``verifyCredential``, run in node over
the bundled contexts, must fail its ``context`` check on every such document, as the
library does, and pass it on the credential as signed. Needs node and
verifier_web/node_modules; skipped without them unless VCISSUE_REQUIRE_INTEROP=1.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.factories import AWARDED, ROOT, Body
from tests.unit.test_forgery import MOVES, _expiring_with_status, _typed_twice
from vcissue.verify import Outcome, verify_credential

CORE = ROOT / "verifier_web" / "src" / "core"
CONTEXTS = ROOT / "src" / "vcissue" / "contexts"
SCRIPT = """
import {readFileSync} from 'node:fs';
import {verifyCredential} from %s;
import {TrustList} from %s;
const [casesFile, contextsDir] = process.argv.slice(2);
const index = JSON.parse(readFileSync(`${contextsDir}/index.json`, 'utf8'));
const contexts = new Map(Object.entries(index).map(
  ([url, name]) => [url, JSON.parse(readFileSync(`${contextsDir}/${name}`, 'utf8'))]));
const env = {
  trust: new TrustList([]), contexts, now: Date.now(),
  status: {liveEnabled: false, snapshot: new Map(), snapshotTime: null, maxSnapshotAgeDays: 30}
};
const out = {};
for(const [name, vc] of Object.entries(JSON.parse(readFileSync(casesFile, 'utf8')))) {
  const result = await verifyCredential(vc, env);
  const check = result.checks.find(item => item.id === 'context');
  out[name] = {outcome: check.outcome, message: check.message};
}
console.log(JSON.stringify(out));
"""


def _cases() -> dict[str, dict[str, Any]]:
    body = Body()
    cases: dict[str, dict[str, Any]] = {}
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        signed = _expiring_with_status(body, suite)
        cases[f"{suite}: as signed"] = signed
        for move, moved in MOVES.items():
            for key in ("credentialStatus", "validUntil"):
                if key == "validUntil" and "@reverse" in move:
                    continue
                vc = copy.deepcopy(signed)
                moved(vc, key)
                cases[f"{suite}: {key} {move}"] = vc
        vc = copy.deepcopy(signed)
        _typed_twice(vc, "type")
        cases[f"{suite}: types split between type and @type"] = vc
    return cases


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    if shutil.which("node") is None or not (ROOT / "verifier_web" / "node_modules").is_dir():
        if os.environ.get("VCISSUE_REQUIRE_INTEROP") == "1":
            pytest.fail("node or verifier_web/node_modules missing")
        pytest.skip("node or verifier_web/node_modules not available")
    cases = _cases()
    work: Path = tmp_path_factory.mktemp("page-compacted")
    (work / "cases.json").write_text(json.dumps(cases))
    script = work / "run.mjs"
    script.write_text(
        SCRIPT
        % (json.dumps((CORE / "verify.js").as_uri()), json.dumps((CORE / "trust.js").as_uri()))
    )
    done = subprocess.run(
        ["node", str(script), str(work / "cases.json"), str(CONTEXTS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return cases, json.loads(done.stdout)


def test_the_page_refuses_every_moved_claim_the_library_refuses(
    answers: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    cases, page = answers
    assert len(cases) == 18
    for name, vc in cases.items():
        library = verify_credential(vc, trust=Body().trust, now=AWARDED)
        expected = "passed" if name.endswith("as signed") else "failed"
        assert library.check("context").outcome is Outcome(expected), name
        assert page[name]["outcome"] == expected, (name, page[name])
