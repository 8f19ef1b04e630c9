"""Where a problem in a qualification document is, and how to say so in a message."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

__all__ = ["Path_", "format_path", "json_type", "path_key", "short"]

Path_ = tuple[str | int, ...]
_SIMPLE_KEY_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*", re.ASCII)


def format_path(path: Iterable[str | int]) -> str:
    """``units[1].modules[0].id``; ``(root)`` for the document itself."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _SIMPLE_KEY_RE.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out or "(root)"


def path_key(path: Path_) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, part) for part in path)


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
