"""Files written for others to read: atomically, so a reader sees the old or the new file.

``DirectoryPublisher`` is the ``ListPublisher`` that writes signed status lists into a
directory that a web server serves at the status base URL.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["DirectoryPublisher", "NoPublisher", "atomic_write"]


def atomic_write(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file and a rename. The temporary
    name is unique per call: threads of one process (the service's) publish concurrently."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; published files are public
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


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
