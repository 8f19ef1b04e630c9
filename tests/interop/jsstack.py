"""Drive Digital Bazaar's JavaScript reference stack (interop/js) from the Python tests.

The scripts run offline: contexts come from ``src/vcissue/contexts``, did:key DIDs are
computed, did:web DIDs resolve only from the documents passed in ``did_documents``.
See ``interop/js/README.md`` for the command-line contract of each script.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

JS_DIR = Path(__file__).resolve().parents[2] / "interop" / "js"
TIMEOUT_S = 60
NPM_CI_TIMEOUT_S = 600
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")


class JsStackError(RuntimeError):
    """A script of the JS stack failed unexpectedly (its stderr is in the message)."""

    def __init__(self, message: str, *, returncode: int | None = None, stderr: str = "") -> None:
        super().__init__(f"{message}\n--- node stderr ---\n{stderr.strip()}" if stderr else message)
        self.returncode = returncode
        self.stderr = stderr


def node_available() -> bool:
    """Whether a ``node`` executable is on PATH."""
    return shutil.which("node") is not None


def _pinned_dependencies() -> dict[str, str]:
    package = json.loads((JS_DIR / "package.json").read_text(encoding="utf-8"))
    deps: dict[str, str] = package.get("dependencies", {})
    return deps


def installed() -> bool:
    """Whether node_modules holds every direct dependency at its pinned version."""
    modules = JS_DIR / "node_modules"
    if not (modules / ".package-lock.json").is_file():
        return False
    for name, version in _pinned_dependencies().items():
        manifest = modules.joinpath(*name.split("/"), "package.json")
        try:
            found = json.loads(manifest.read_text(encoding="utf-8")).get("version")
        except (OSError, ValueError):
            return False
        if found != version:
            return False
    return True


def ensure_installed() -> None:
    """Run ``npm ci`` in interop/js unless node_modules already matches package.json.

    Raises RuntimeError if npm is missing or ``npm ci`` fails.
    """
    if installed():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise JsStackError("npm is not on PATH: cannot install interop/js/node_modules")
    # One installer at a time (parallel test processes share the directory).
    with (Path(tempfile.gettempdir()) / "vcissue-interop-npm-ci.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if installed():
                return
            try:
                out = subprocess.run(
                    [npm, "ci", "--no-audit", "--no-fund"],
                    cwd=JS_DIR,
                    capture_output=True,
                    text=True,
                    timeout=NPM_CI_TIMEOUT_S,
                    check=False,
                )
            except subprocess.TimeoutExpired as error:
                raise JsStackError(f"npm ci timed out after {NPM_CI_TIMEOUT_S} s") from error
            if out.returncode != 0:
                raise JsStackError(
                    f"npm ci failed (exit {out.returncode})",
                    returncode=out.returncode,
                    stderr=out.stderr,
                )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _node(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None:
        raise JsStackError("node is not on PATH")
    try:
        return subprocess.run(
            [node, str(JS_DIR / script), *args],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise JsStackError(f"node {script} timed out after {TIMEOUT_S} s") from error


def _write_json(directory: Path, name: str, value: Any) -> str:
    path = directory / name
    path.write_text(json.dumps(value), encoding="utf-8")
    return str(path)


def js_verify(
    vc: dict[str, Any],
    *,
    did_documents: dict[str, Any] | None = None,
    allow_test_contexts: bool = False,
    skip_status: bool = False,
    status_lists: dict[str, Any] | None = None,
    now: str | None = None,
) -> dict[str, Any]:
    """Verify ``vc`` with ``vc.verifyCredential`` of the JS stack.

    Returns ``{"verified": bool, "error": str | None, "suite": str | None, "status": ...}``.
    A credential that does not verify is a normal result (``verified`` False), not an
    exception; JsStackError is raised only for usage errors, crashes and timeouts.
    ``skip_status`` passes a checkStatus that accepts any status (proofs only);
    ``status_lists`` (URL -> status list credential, as fetched) has status checked by
    ``@digitalbazaar/vc-bitstring-status-list``: ``status`` lists each entry's purpose,
    index and bit, and a set bit is not verified.
    """
    with tempfile.TemporaryDirectory(prefix="vcissue-js-") as tmp:
        directory = Path(tmp)
        args = [_write_json(directory, "credential.json", vc)]
        if did_documents is not None:
            args += ["--did-documents", _write_json(directory, "dids.json", did_documents)]
        if allow_test_contexts:
            args.append("--allow-test-contexts")
        if skip_status:
            args.append("--skip-status")
        if status_lists is not None:
            args += ["--status-lists", _write_json(directory, "lists.json", status_lists)]
        if now is not None:
            args += ["--now", now]
        out = _node("verify.mjs", *args)
    if out.returncode not in (0, 1):
        raise JsStackError(
            f"node verify.mjs failed (exit {out.returncode})",
            returncode=out.returncode,
            stderr=out.stderr,
        )
    try:
        result: dict[str, Any] = json.loads(out.stdout)
    except ValueError as error:
        raise JsStackError(
            f"node verify.mjs printed no JSON: {out.stdout[:200]!r}", stderr=out.stderr
        ) from error
    if result.get("verified") is not (out.returncode == 0):
        raise JsStackError(f"node verify.mjs: exit {out.returncode} but {result}")
    return result


def js_sign(
    unsigned: dict[str, Any],
    *,
    public_key_multibase: str,
    secret_key_multibase: str,
    suite: str,
    created: str | None = None,
    no_created: bool = False,
    controller: str | None = None,
    key_id: str | None = None,
    allow_test_contexts: bool = False,
) -> dict[str, Any]:
    """Sign ``unsigned`` with ``vc.issue`` of the JS stack and return the signed credential.

    ``secret_key_multibase`` is an Ed25519 private Multikey (header 0x8026 and the 32-byte
    seed, as in the W3C vectors' ``privateKeyMultibase`` and vcissue's keys; the 64-byte
    seed||public form of Ed25519Multikey.generate() works too). A credential that already
    has a proof gets one more (a proof set). ``no_created`` leaves ``created`` out.
    ``controller`` defaults to
    ``did:key:<public_key_multibase>``, ``key_id`` to ``<controller>#<public_key_multibase>``.
    Raises JsStackError if the JS stack refuses to sign (e.g. JSON-LD safe mode).
    """
    if suite not in SUITES:
        raise ValueError(f"suite must be one of {SUITES}, not {suite!r}")
    key: dict[str, str] = {
        "publicKeyMultibase": public_key_multibase,
        "secretKeyMultibase": secret_key_multibase,
    }
    if controller is not None:
        key["controller"] = controller
    if key_id is not None:
        key["id"] = key_id
    with tempfile.TemporaryDirectory(prefix="vcissue-js-") as tmp:
        directory = Path(tmp)
        args = [
            _write_json(directory, "unsigned.json", unsigned),
            "--key",
            _write_json(directory, "key.json", key),
            "--suite",
            suite,
        ]
        if created is not None:
            args += ["--created", created]
        if no_created:
            args.append("--no-created")
        if allow_test_contexts:
            args.append("--allow-test-contexts")
        out = _node("sign.mjs", *args)
    if out.returncode != 0:
        raise JsStackError(
            f"node sign.mjs failed (exit {out.returncode})",
            returncode=out.returncode,
            stderr=out.stderr,
        )
    try:
        signed: dict[str, Any] = json.loads(out.stdout)
    except ValueError as error:
        raise JsStackError(
            f"node sign.mjs printed no JSON: {out.stdout[:200]!r}", stderr=out.stderr
        ) from error
    return signed


def js_canonize(documents: list[Any]) -> list[dict[str, Any]]:
    """Canonicalise ``documents`` as the JS eddsa-rdfc-2022 suite does (interop/js/canonize.mjs).

    One entry per document: ``{"nquads": str}`` or ``{"error": str, "code": str | None}``
    (``code`` is jsonld.js's safe-mode event code when there is one).
    """
    with tempfile.TemporaryDirectory(prefix="vcissue-js-") as tmp:
        out = _node("canonize.mjs", _write_json(Path(tmp), "corpus.json", documents))
    if out.returncode != 0:
        raise JsStackError(
            f"node canonize.mjs failed (exit {out.returncode})",
            returncode=out.returncode,
            stderr=out.stderr,
        )
    results: list[dict[str, Any]] = json.loads(out.stdout)
    if len(results) != len(documents):
        raise JsStackError(f"node canonize.mjs gave {len(results)} results for {len(documents)}")
    return results
