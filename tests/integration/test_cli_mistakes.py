"""Every mistake a user can make gets one line naming the error code and a documented exit
code, never a traceback. One row per mistake; the exit codes are the README's table:

    0 valid / done   1 not valid (or skipped rows, a broken audit chain)   2 usage error or a
    missing extra   3 vcissue error, [code] in the message   4 status unknown
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli import staff_key, vcissue
from tests.factories import ROOT
from tests.integration.test_cli import STATUS, init


@dataclass(frozen=True)
class Mistake:
    argv: tuple[str, ...]
    code: int
    says: str  # in stderr (or stdout for verification verdicts)
    setup: Callable[[Path], None] = lambda root: None
    passphrase: str | None = "s3cret"
    key: str = "registrar"  # whose API key acts: a key file in the deployment, or "none"


def write(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda root: (root / name).write_bytes(data)


def remove(name: str) -> Callable[[Path], None]:
    def act(root: Path) -> None:
        target = root / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()

    return act


def settings_line(text: str) -> Callable[[Path], None]:
    def act(root: Path) -> None:
        with (root / "vcissue.toml").open("a") as handle:
            handle.write(text)

    return act


def awards_also(root: Path, document: str) -> None:
    """Add a qualification file holding ``document`` to the deployment's settings."""
    (root / "q.json").write_text(document)
    config = root / "vcissue.toml"
    listed = json.dumps(str(root / "q.json"))
    config.write_text(config.read_text().replace("files = [", f"files = [{listed}, "))


ISSUE = ("issue", "--qualification", "ecomentor", "--holder-name", "Ana")
VERIFY = ("verify", "ana.json", "--no-status", "--trust")
PRESENT = ("verify-presentation", "--challenge", "c", "--domain", "d.example")

MISTAKES = {
    "trust list not JSON": Mistake(
        (*VERIFY, "bad.json"), 3, "[malformed-input]", write("bad.json", b"{not json")
    ),
    "trust list empty": Mistake(
        (*VERIFY, "bad.json"), 3, "[malformed-input]", write("bad.json", b"")
    ),
    "trust list not UTF-8": Mistake(
        (*VERIFY, "bad.json"), 3, "[malformed-input]", write("bad.json", b'{"issuers": "\xff"}')
    ),
    "trust list of the wrong shape": Mistake(
        (*VERIFY, "bad.json"), 3, "[malformed-input]", write("bad.json", b"[1, 2]")
    ),
    "trust list missing": Mistake((*VERIFY, "absent.json"), 3, "[io]"),
    "credential file missing": Mistake(("verify", "absent.json", "--no-status"), 3, "[io]"),
    "credential not JSON": Mistake(
        ("verify", "junk.json", "--no-status"), 1, "FORGED", write("junk.json", b"\x00\xff junk")
    ),
    "batch CSV in cp1250": Mistake(
        (
            "batch",
            "holders.csv",
        ),
        3,
        "[malformed-input]",
        write("holders.csv", "holder_name,qualification\nŽana Čorić,ecomentor\n".encode("cp1250")),
    ),
    "batch CSV with a bad header": Mistake(
        (
            "batch",
            "holders.csv",
        ),
        3,
        "[malformed-input]",
        write("holders.csv", b"name,qual\nA,B\n"),
    ),
    "batch file missing": Mistake(
        (
            "batch",
            "absent.csv",
        ),
        3,
        "[io]",
    ),
    "wrong passphrase": Mistake(ISSUE, 3, "[key-material]", passphrase="wrong"),
    "no passphrase at all": Mistake(ISSUE, 3, "[key-material]", passphrase=None),
    "no settings anywhere": Mistake(ISSUE, 3, "[settings]", remove("vcissue.toml")),
    "--config names a missing file": Mistake((*ISSUE, "--config", "absent.toml"), 3, "[settings]"),
    "unknown key in the settings": Mistake(
        ISSUE, 3, "[settings]", settings_line("[store]\nurll = 'x'\n")
    ),
    "the store was deleted": Mistake(("report", "counts"), 3, "[store]", remove("vcissue.db")),
    "a report period that ends before it starts": Mistake(
        ("report", "counts", "--from", "2026-02-01", "--until", "2026-01-01"),
        3,
        "[malformed-input]",
    ),
    "a report date that is no date": Mistake(
        ("report", "issued", "--from", "soon"), 3, "[malformed-input]"
    ),
    "an unknown report": Mistake(("report", "sales"), 2, "invalid choice"),
    "a bulk file with a bad header": Mistake(
        ("bulk", "d.csv"),
        3,
        "[malformed-input]",
        write("d.csv", b"credential,verb\nx,y\n"),
        key="op",
    ),
    "a bulk file that is missing": Mistake(("bulk", "absent.csv"), 3, "[io]", key="op"),
    "a name change to no name": Mistake(
        ("rename", "urn:uuid:00000000-0000-4000-8000-000000000000", "--name", " "),
        3,
        "[credential-invalid]",
    ),
    "holder export of an unknown certificate": Mistake(
        ("holder", "export", "EM-1999-000001"), 3, "[credential-unknown]"
    ),
    "a bulk row for an unknown certificate": Mistake(
        ("bulk", "d.csv"),
        1,
        "0 decided, 0 pending approval, 0 done earlier, 1 skipped",  # and d.csv:2 on stderr
        write("d.csv", b"credential,action,reason\nEM-1999-000001,revoke,x\n"),
        key="op",
    ),
    "a report format that does not exist": Mistake(
        ("report", "counts", "--format", "xlsx"), 2, "invalid choice"
    ),
    "unknown qualification": Mistake(
        (
            "issue",
            "--qualification",
            "nope",
            "--holder-name",
            "Ana",
        ),
        3,
        "[credential-invalid]",
    ),
    "unknown unit": Mistake((*ISSUE, "--units", "U9"), 3, "[credential-invalid]"),
    "a holder e-mail that is no address": Mistake(
        (*ISSUE, "--holder-email", "ana at example.org"), 3, "[credential-invalid]"
    ),
    "a holder e-mail smuggling a header": Mistake(
        (*ISSUE, "--holder-email", "ana@example.org\nBcc: eve@example.org"),
        3,
        "[credential-invalid]",
    ),
    "a date that is no date": Mistake((*ISSUE, "--awarded", "yesterday"), 3, "[malformed-input]"),
    "no API key": Mistake(ISSUE, 3, "[not-permitted]", key="none"),
    "a garbled API key": Mistake(ISSUE, 3, "[not-permitted]", key="garbled"),
    "a revoked API key": Mistake(ISSUE, 3, "[not-permitted]", key="revoked"),
    "an operator awarding": Mistake(ISSUE, 3, "[not-permitted]", key="op"),
    "revocation without a reason": Mistake(
        ("revoke", "urn:uuid:00000000-0000-4000-8000-000000000000", "--reason", " "),
        3,
        "[policy-violation]",
        key="op",
    ),
    "approving an unknown decision": Mistake(
        ("decisions", "approve", "nope"), 3, "[credential-unknown]", key="op"
    ),
    "an appeal against nothing on record": Mistake(
        (
            "appeal",
            "lodge",
            "--against",
            "revocation",
            "--subject",
            "urn:uuid:00000000-0000-4000-8000-000000000000",
            "--appellant",
            "A",
            "--grounds",
            "g",
        ),
        3,
        "[credential-unknown]",
        key="op",
    ),
    "a principal with a control character": Mistake(
        ("principal", "add", "bad\x07name", "--role", "issuer"), 3, "[policy-violation]"
    ),
    "status of an unknown certificate": Mistake(
        ("status", "urn:uuid:00000000-0000-4000-8000-000000000000"), 3, "[credential-unknown]"
    ),
    "init where a deployment exists": Mistake(
        ("init", "--name", "X", "--status-base-url", STATUS), 3, "[settings]"
    ),
    "a qualification file that is not one": Mistake(
        ISSUE, 3, "[qualification-invalid]", lambda root: awards_also(root, "{}")
    ),
    "compromise of an unknown key": Mistake(
        ("keys", "compromise", "key-9", "--since", "2026-01-01"), 3, "[key-material]", key="op"
    ),
    "compromise since a future date": Mistake(
        ("keys", "compromise", "key-1", "--since", "2999-01-01"), 3, "[key-material]", key="op"
    ),
    "compromise since no date": Mistake(
        ("keys", "compromise", "key-1", "--since", "lately"), 3, "[malformed-input]", key="op"
    ),
    "compromise by an issuer": Mistake(
        ("keys", "compromise", "key-1", "--since", "2026-01-01"), 3, "[not-permitted]"
    ),
    "compromise without --since": Mistake(("keys", "compromise", "key-1"), 2, "required"),
    "keep_retired that is no boolean": Mistake(
        ("keys", "rotate"), 3, "[settings]", settings_line("[keys]\nkeep_retired = 'yes'\n")
    ),
    "a notices state that is none": Mistake(("notices", "list", "--state", "lost"), 2, "invalid"),
    "a worker without the passphrase": Mistake(
        ("worker", "--once"), 3, "[key-material]", passphrase=None
    ),
    "a webhook without its secret": Mistake(
        ("worker", "--once"),
        3,
        "[settings]",
        settings_line('[[notify.webhooks]]\nname = "p"\nurl = "https://p.example/h"\n'),
    ),
    "a webhook over plain http": Mistake(
        ("notices", "list"),
        3,
        "[settings]",
        settings_line(
            '[[notify.webhooks]]\nname = "p"\nurl = "http://p.example/h"\nsecret_env = "HOME"\n'
        ),
    ),
    "a checkpoint that is not JSON": Mistake(
        ("audit", "verify", "--checkpoint", "cp.json"),
        3,
        "[malformed-input]",
        write("cp.json", b"{not json"),
    ),
    "a checkpoint of another format": Mistake(
        ("audit", "verify", "--checkpoint", "cp.json"),
        3,
        "[malformed-input]",
        write("cp.json", b'{"format": "sth/1", "seq": 1}'),
    ),
    "a checkpoint file that is missing": Mistake(
        ("audit", "verify", "--checkpoint", "absent.json"), 3, "[io]"
    ),
    "a checkpoint URL refused by the fetch policy": Mistake(
        ("audit", "verify", "--checkpoint", "http://127.0.0.1:9/audit-checkpoint"),
        3,
        "[status-fetch]",
    ),
    "a KCS Level 2 award without a current Level 1": Mistake(
        ("issue", "--qualification", "kcs-level2", "--holder-name", "Children First"),
        3,
        "requires a current kcs-level1 certificate",
        lambda root: awards_also(
            root, (ROOT / "examples" / "kcs" / "level2.json").read_text("utf-8")
        ),
    ),
    "unknown command": Mistake(("frobnicate",), 2, "invalid choice"),
    "unknown option": Mistake((*ISSUE, "--colour", "red"), 2, "unrecognized arguments"),
    "a missing required option": Mistake(("suspend", "urn:x", "--days", "3"), 2, "required"),
    "a --bundle that is no bundle": Mistake(
        ("verify", "ana.json", "--bundle", "page.html"),
        3,
        "[malformed-input]",
        write("page.html", b"<html><body>hello</body></html>"),
    ),
    "a --bundle of another format": Mistake(
        ("verify", "ana.json", "--bundle", "b.json"),
        3,
        "[malformed-input]",
        write("b.json", b'{"format": "something-else/9"}'),
    ),
    "a --bundle with a broken data element": Mistake(
        ("verify", "ana.json", "--bundle", "page.html"),
        3,
        "[malformed-input]",
        write(
            "page.html",
            b'<script type="application/json" id="vcissue-verifier-data">'
            b'{"format": "vcissue-verifier-bundle/1", "snapshotTime": 5}</script>',
        ),
    ),
    "a --bundle that is missing": Mistake(("verify", "ana.json", "--bundle", "no.html"), 3, "[io]"),
    "--bundle with --no-status": Mistake(
        ("verify", "ana.json", "--bundle", "x", "--no-status"), 2, "not allowed with"
    ),
    "verify with contradictory status options": Mistake(
        ("verify", "ana.json", "--no-status", "--status-http"), 2, "not allowed with"
    ),
    "presentation file missing": Mistake((*PRESENT, "absent.json", "--no-status"), 3, "[io]"),
    "presentation not JSON": Mistake(
        (*PRESENT, "junk.json", "--no-status"), 1, "FORGED", write("junk.json", b"{]")
    ),
    "a credential given as a presentation": Mistake(
        (*PRESENT, "ana.json", "--no-status"), 1, "presentation.structure"
    ),
    "offer of an unknown credential": Mistake(
        ("offer", "urn:uuid:00000000-0000-4000-8000-000000000000"), 3, "[credential-unknown]"
    ),
    "offer written to a .pdf": Mistake(("offer", "x", "-o", "offer.pdf"), 3, "[malformed-input]"),
    "offer without an API key": Mistake(("offer", "x"), 3, "[not-permitted]", key="none"),
    "verify-presentation without a challenge": Mistake(
        ("verify-presentation", "ana.json", "--domain", "d"), 2, "--challenge"
    ),
}


def key(root: Path, name: str = "registrar") -> str | None:
    return None if name == "none" else (root / name).read_text()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("deployment")
    init(root)
    for name, role in [("registrar", "issuer"), ("op", "operator"), ("revoked", "issuer")]:
        (root / name).write_text(staff_key(root, name, role))
    key_id = (root / "revoked").read_text().split("_")[1]
    assert vcissue("apikey", "revoke", key_id, cwd=root).returncode == 0
    (root / "garbled").write_text("vci_" + "0" * 16 + "_" + "A" * 43)
    issued = vcissue(*ISSUE, "-o", "ana.json", cwd=root, env={"VCISSUE_API_KEY": key(root)})
    assert issued.returncode == 0, issued.stderr
    assert (
        vcissue("keys", "trust-list", "--dir", "keys", "-o", "trust.json", cwd=root).returncode == 0
    )
    return root


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_every_mistake_gets_one_line_and_its_exit_code(
    name: str, template: Path, tmp_path: Path
) -> None:
    mistake = MISTAKES[name]
    root = tmp_path / "deployment"
    shutil.copytree(template, root)
    mistake.setup(root)
    out = vcissue(
        *mistake.argv,
        cwd=root,
        passphrase=mistake.passphrase,
        env={"VCISSUE_API_KEY": key(root, mistake.key)},
    )
    assert out.returncode == mistake.code, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr + out.stdout
    assert mistake.says in (out.stderr if mistake.code in (2, 3) else out.stdout)
    if mistake.code == 3:
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_the_documented_exit_codes_are_the_ones_used() -> None:
    from vcissue.cli import common

    assert (
        common.EXIT_OK,
        common.EXIT_INVALID,
        common.EXIT_USAGE,
        common.EXIT_ERROR,
        common.EXIT_STATUS_UNKNOWN,
    ) == (0, 1, 2, 3, 4)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for code in range(5):
        assert f"| {code} |" in readme
