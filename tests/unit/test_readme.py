"""The README and the CLI cannot drift: every ``vcissue`` command in a shell block parses
with the current parser, every subcommand it names has ``--help``, and the Python example
runs and verifies."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from vcissue.cli import parser

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def commands() -> list[list[str]]:
    found = []
    for block in blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            segment: list[str] = []
            for word in [*words, "&&"]:
                if word in ("&&", "|", ">", ";"):
                    if segment and Path(segment[0]).name == "vcissue":
                        found.append(segment[1:])
                    segment = []
                elif not segment and "=" in word and not word.startswith("-"):
                    continue  # VAR=value before a command
                else:
                    segment.append(word)
    return found


def test_the_readme_names_the_commands_it_documents() -> None:
    named = {argv[0] for argv in commands() if argv}
    assert {"demo", "init", "issue", "verify", "serve", "apikey", "qr", "render"} <= named


@pytest.mark.parametrize("argv", commands(), ids=lambda argv: " ".join(argv)[:60])
def test_every_readme_command_parses(argv: list[str]) -> None:
    with contextlib.redirect_stderr(io.StringIO()) as err:
        try:
            parser().parse_args(argv)
        except SystemExit as exit_:
            pytest.fail(f"vcissue {' '.join(argv)} does not parse: {err.getvalue()} ({exit_})")


def test_every_subcommand_the_readme_names_has_help() -> None:
    paths = set()
    for argv in commands():
        words = [w for w in argv if not w.startswith("-")]
        for depth in (1, 2):
            paths.add(tuple(words[:depth]))
    for path in sorted(paths):
        with contextlib.redirect_stdout(io.StringIO()) as out, pytest.raises(SystemExit) as exit_:
            parser().parse_args([*path, "--help"])
        if exit_.value.code == 0:
            assert "usage: vcissue" in out.getvalue()
        else:  # a positional argument, not a subcommand: its command has help
            assert len(path) == 2


def test_the_python_example_runs_and_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    [example] = blocks("python")
    monkeypatch.chdir(ROOT)
    namespace: dict[str, Any] = {}
    exec(compile(example, "README.md", "exec"), namespace)
    assert namespace["result"].verdict.value == "VALID"
    assert os.path.exists(ROOT / "examples" / "ecomentor" / "qualification.json")
