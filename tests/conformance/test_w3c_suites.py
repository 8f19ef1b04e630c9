"""The W3C test suites (vendored in conformance/) against vcissue's service on 127.0.0.1.

The service runs with ``unsafe_conformance_routes`` (routes/vcapi.py). For each suite a
local implementation manifest (``localConfig.cjs``, the form vc-test-suite-implementations
reads) names its endpoints; mocha runs the suite's tests with the JSON reporter, and the
outcome must equal ``conformance/expected/<suite>.json``: the same number of passes, and
exactly the failures listed there, each with its explanation. A new failure fails this
test; so does an expected failure that now passes (update the file).

Needs node and ``conformance/node_modules`` (scripts/test runs ``npm ci``); skipped
without them unless ``VCISSUE_REQUIRE_INTEROP=1``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from tests.factories import ROOT
from tests.integration.conftest import Backend
from tests.service.conftest import Service, running_service
from tests.service.tls import self_signed

CONFORMANCE = ROOT / "conformance"
EXPECTED = CONFORMANCE / "expected"
IMPLEMENTATION = "vcissue"
# name -> directory: the W3C suites, then vcissue's own run of the assertion library.
SUITES = {
    "vc-di-eddsa-test-suite": CONFORMANCE / "suites" / "vc-di-eddsa-test-suite",
    "vc-data-model-2.0-test-suite": CONFORMANCE / "suites" / "vc-data-model-2.0-test-suite",
    "vc-bitstring-status-list-test-suite": (
        CONFORMANCE / "suites" / "vc-bitstring-status-list-test-suite"
    ),
    "vcissue-di-vc2": CONFORMANCE / "extra",
}
MOCHA_TIMEOUT_S = 900


@pytest.fixture(scope="module", autouse=True)
def node_stack() -> None:
    if shutil.which("node") is None or not (CONFORMANCE / "node_modules").is_dir():
        if os.environ.get("VCISSUE_REQUIRE_INTEROP") == "1":
            pytest.fail("node or conformance/node_modules missing (scripts/test runs npm ci)")
        pytest.skip("node or conformance/node_modules not available")


@dataclass
class Served:
    """The service over https, the DID its test-only issuer signs as, the certificate."""

    service: Service
    did: str
    certificate: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("conformance")
    backend = Backend("sqlite", f"sqlite:///{tmp / 'store.db'}", path=tmp / "store.db")
    # https, as every implementation in the W3C reports is reached: the suites' requests then
    # all go through vc-test-suite-implementations' client (the DM suite's own http: path
    # does not unwrap VC-API's {verifiableCredential}); node trusts it by NODE_EXTRA_CA_CERTS.
    tls = self_signed(tmp)
    apps: list[FastAPI] = []
    with running_service(
        backend, tmp, apps.append, tls=tls, unsafe_conformance_routes=True
    ) as running:
        yield Served(running, apps[0].state.conformance.did, tls[0])
    backend.close_all()


def manifest(served: Served) -> dict[str, Any]:
    """The local implementation manifest: vcissue's test-only VC-API routes."""
    did = served.did
    issue = f"{served.service.base}/conformance/credentials/issue"
    verify = f"{served.service.base}/conformance/credentials/verify"

    def issuer(tags: list[str], **options: Any) -> dict[str, Any]:
        return {
            "id": did,
            "endpoint": issue,
            "options": options,
            "supports": {"vc": ["2.0"]},
            "tags": tags,
        }

    status = {"type": "BitstringStatusListEntry"}
    return {
        "settings": {"enableInteropTests": False, "testAllImplementations": False},
        "implementations": [
            {
                "name": IMPLEMENTATION,
                "implementation": "vcissue (test-only VC-API routes)",
                "issuers": [
                    issuer(["eddsa-rdfc-2022", "vc2.0"], cryptosuite="eddsa-rdfc-2022"),
                    issuer(["eddsa-jcs-2022"], cryptosuite="eddsa-jcs-2022"),
                    issuer(
                        ["BitstringStatusList", "Revocation", "Suspension"],
                        cryptosuite="eddsa-rdfc-2022",
                        credentialStatus=status,
                    ),
                ],
                "vpVerifiers": [
                    {
                        "id": did,
                        "endpoint": f"{served.service.base}/conformance/presentations/verify",
                        "supports": {"vc": ["2.0"]},
                        "tags": ["vc2.0"],
                    }
                ],
                "verifiers": [
                    {
                        "id": did,
                        "endpoint": verify,
                        "supports": {"vc": ["2.0"]},
                        "tags": [
                            "eddsa-rdfc-2022",
                            "eddsa-jcs-2022",
                            "vc2.0",
                            "BitstringStatusList",
                            "Revocation",
                            "Suspension",
                        ],
                    }
                ],
            }
        ],
    }


def run_suite(suite: str, served: Served, work: Path) -> dict[str, Any]:
    """mocha over the suite's tests/ (as its own ``npm test`` does), JSON results."""
    root = work / "app-root"  # where vc-test-suite-implementations looks for localConfig.cjs
    root.mkdir()
    (root / "localConfig.cjs").write_text(
        "module.exports = " + json.dumps(manifest(served), indent=2) + ";\n"
    )
    output = work / "results.json"
    mocha = CONFORMANCE / "node_modules" / "mocha" / "bin" / "mocha.js"
    env = {
        **os.environ,
        "APP_ROOT_PATH": str(root),
        "NODE_EXTRA_CA_CERTS": str(served.certificate),
        "NO_COLOR": "1",
    }
    completed = subprocess.run(
        [
            "node",
            str(mocha),
            "tests/",
            "--reporter",
            "json",
            "--reporter-option",
            f"output={output}",
            "--timeout",
            "15000",
            "--preserve-symlinks",
        ],
        cwd=SUITES[suite],
        env=env,
        capture_output=True,
        text=True,
        timeout=MOCHA_TIMEOUT_S,
        check=False,
    )
    assert output.is_file(), f"mocha wrote no results (exit {completed.returncode}):\n" + (
        completed.stderr[-4000:] or completed.stdout[-4000:]
    )
    results: dict[str, Any] = json.loads(output.read_text("utf-8"))
    return results


def outcome(results: dict[str, Any]) -> dict[str, Any]:
    failures = {
        test["fullTitle"]: (test.get("err") or {}).get("message", "")
        for test in results["failures"]
    }
    return {
        "tests": results["stats"]["tests"],
        "passes": results["stats"]["passes"],
        "failures": failures,
        "pending": sorted(test["fullTitle"] for test in results["pending"]),
    }


def differences(suite: str, found: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """What differs between a run's outcome and the expected-results file (empty: none)."""
    problems = [
        f"expected failure without an explanation: {title}"
        for title, why in expected["failures"].items()
        if not (isinstance(why, str) and why.strip())
    ]
    new = sorted(set(found["failures"]) - set(expected["failures"]))
    fixed = sorted(set(expected["failures"]) - set(found["failures"]))
    problems += [f"new failure: {title}: {found['failures'][title][:300]}" for title in new]
    problems += [
        f"expected failure now passes (update conformance/expected/{suite}.json): {title}"
        for title in fixed
    ]
    if found["pending"] != sorted(expected.get("pending", [])):
        problems.append(f"pending tests changed: {found['pending']}")
    if (found["tests"], found["passes"]) != (expected["tests"], expected["passes"]):
        problems.append(
            f"{found['passes']} of {found['tests']} passed; expected "
            f"{expected['passes']} of {expected['tests']}"
        )
    return problems


def test_differences_are_found() -> None:
    """The comparison itself: a regression, a fix and a changed count are each reported."""
    expected = {"tests": 3, "passes": 2, "failures": {"a": "why"}, "pending": []}
    same = {"tests": 3, "passes": 2, "failures": {"a": "msg"}, "pending": []}
    assert differences("s", same, expected) == []
    regressed = {"tests": 3, "passes": 1, "failures": {"a": "m", "b": "m"}, "pending": []}
    assert [p.split(":")[0] for p in differences("s", regressed, expected)] == [
        "new failure",
        "1 of 3 passed; expected 2 of 3",
    ]
    fixed = {"tests": 3, "passes": 3, "failures": {}, "pending": []}
    assert differences("s", fixed, expected)[0].startswith("expected failure now passes")
    unexplained = {**expected, "failures": {"a": " "}}
    assert differences("s", same, unexplained)[0].startswith("expected failure without")


@pytest.mark.parametrize("suite", SUITES)
def test_suite_results_as_expected(suite: str, served: Served, tmp_path: Path) -> None:
    found = outcome(run_suite(suite, served, tmp_path))
    (tmp_path / "outcome.json").write_text(json.dumps(found, indent=2))
    expected = json.loads((EXPECTED / f"{suite}.json").read_text("utf-8"))
    problems = differences(suite, found, expected)
    assert not problems, f"{suite}:\n" + "\n".join(f"- {problem}" for problem in problems)
