"""The offline page's VC Data Model 2.0 structure rules say what the library's say.

``verifier_web/src/core/verify.js`` (``structureProblems``) mirrors
``vcissue.verify.structure``: every case of tests/unit/test_structure.py goes through the
page's ``verifyCredential`` in node and must come out with the same ``structure`` check,
word for word. Needs node only (no browser, no npm packages: the core imports nothing
else); skipped without it unless VCISSUE_REQUIRE_INTEROP=1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.factories import ROOT
from tests.unit.test_structure import BAD, GOOD, vc
from vcissue.verify.structure import structure_problems

VERIFY_JS = ROOT / "verifier_web" / "src" / "core" / "verify.js"
TRUST_JS = VERIFY_JS.with_name("trust.js")
SCRIPT = """
import {readFileSync} from 'node:fs';
import {verifyCredential} from %s;
import {TrustList} from %s;
const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const env = {
  trust: new TrustList([]),
  contexts: new Map(),
  now: Date.now(),
  status: {liveEnabled: false, snapshot: new Map(), snapshotTime: null, maxSnapshotAgeDays: 30}
};
const out = {};
for(const [name, vc] of Object.entries(cases)) {
  const result = await verifyCredential(vc, env);
  const check = result.checks.find(item => item.id === 'structure');
  out[name] = {outcome: check.outcome, message: check.message};
}
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def page_answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if shutil.which("node") is None:
        if os.environ.get("VCISSUE_REQUIRE_INTEROP") == "1":
            pytest.fail("node is not on PATH but VCISSUE_REQUIRE_INTEROP=1")
        pytest.skip("node is not on PATH")
    cases = {name: vc(**change) for name, change in GOOD.items()}
    cases.update({name: vc(**change) for name, (change, _) in BAD.items()})
    work: Path = tmp_path_factory.mktemp("page-structure")
    (work / "cases.json").write_text(json.dumps(cases))
    script = work / "run.mjs"
    script.write_text(SCRIPT % (json.dumps(VERIFY_JS.as_uri()), json.dumps(TRUST_JS.as_uri())))
    done = subprocess.run(
        ["node", str(script), str(work / "cases.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answers: dict[str, Any] = json.loads(done.stdout)
    return answers


@pytest.mark.parametrize("name", [*GOOD, *BAD])
def test_page_structure_check_matches_the_library(name: str, page_answers: dict[str, Any]) -> None:
    change = GOOD[name] if name in GOOD else BAD[name][0]
    problems = structure_problems(vc(**change))
    answer = page_answers[name]
    if problems:
        assert answer == {
            "outcome": "failed",
            "message": "not a well-formed credential: " + "; ".join(problems),
        }
    else:
        assert answer == {"outcome": "passed", "message": "VC Data Model 2.0 structure"}
