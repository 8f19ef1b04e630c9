"""Files written for others to read: atomically, so a reader sees the old or the new file.

``DirectoryPublisher`` is the ``ListPublisher`` that writes signed status lists into a
directory that a web server serves at the status base URL.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["DirectoryPublisher", "NoPublisher", "atomic_write"]


def atomic_write(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file and a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)


class DirectoryPublisher:
    """Writes ``{base_url}/{name}`` lists as ``{directory}/{name}``.

    A list made under another base URL (the settings changed) is served from elsewhere
    and is skipped.
    """

    def __init__(self, directory: Path, base_url: str) -> None:
        self.directory = Path(directory)
        self.prefix = base_url.rstrip("/") + "/"

    def publish(self, changes: Mapping[str, str]) -> None:
        for list_id, signed in sorted(changes.items()):
            if list_id.startswith(self.prefix):
                atomic_write(self.directory / list_id[len(self.prefix) :], signed)


class NoPublisher:
    """Publishes nothing: the lists are served from the store (``vcissue serve``)."""

    def publish(self, changes: Mapping[str, str]) -> None:
        del changes
