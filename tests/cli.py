"""Run the ``vcissue`` command line in-process, as a user would from a shell in ``cwd``.

``cli.main(argv)`` with the working directory, environment, stdin and output of a real
run, and the same result shape as ``subprocess.run`` (``returncode``, ``stdout``,
``stderr``). Tests that must prove something about a separate process (the console
script, the bare install, signals) use a real subprocess instead.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from vcissue.cli import main

PASSPHRASE = "s3cret"


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _environment(changes: Mapping[str, str | None]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in changes}
    try:
        for name, value in changes.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def vcissue(
    *args: str,
    cwd: Path,
    passphrase: str | None = PASSPHRASE,
    env: Mapping[str, str | None] | None = None,
    stdin: bytes = b"",
) -> Ran:
    """``vcissue ARGS`` in ``cwd``; ``passphrase`` None leaves $VCISSUE_KEY_PASSPHRASE unset."""
    changes: dict[str, str | None] = {
        "VCISSUE_KEY_PASSPHRASE": passphrase,
        "VCISSUE_CONFIG": None,  # the rule looks at the environment: start from none
        **(env or {}),
    }
    out, err = io.StringIO(), io.StringIO()
    fake_stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    saved_stdin = sys.stdin
    try:
        sys.stdin = fake_stdin
        with (
            contextlib.chdir(cwd),
            _environment(changes),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse: usage errors and --help
                code = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        sys.stdin = saved_stdin
    return Ran(code, out.getvalue(), err.getvalue())


def staff_key(cwd: Path, principal: str, role: str, *extra: str) -> str:
    """An API key for ``principal`` in ``role`` (both created if new), as an admin makes one."""
    made = vcissue("apikey", "create", "--principal", principal, "--role", role, *extra, cwd=cwd)
    assert made.returncode == 0, made.stderr
    return made.stdout.split()[-1]
