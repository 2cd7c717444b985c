"""Values a submission supplies (names, paths, manifest text): how a message shows them, and the checks
that every one of them passes before arena uses it, in its manifest and among its files alike."""

from __future__ import annotations

import os
import unicodedata
from typing import Any


# Linux's limit on a name; paths stay far below its 4096 bytes so they fit under any working folder, and
# the depth keeps folder creation and walks shallow.
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 1024
MAX_DEPTH = 64


def shown_value(value: Any) -> str:
    """A submitted value for a one-line message: escaped, short, never a whole nested structure."""
    if isinstance(value, (dict, list)):
        return f"a {'table' if isinstance(value, dict) else 'list'} of {len(value)}"
    if isinstance(value, int) and value.bit_length() > 64:
        return "a number of more than 64 bits"
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def has_control(text: str) -> bool:
    """Control, format (such as bidirectional overrides), undecodable and line-breaking characters."""
    return any(unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp") for c in text)


def text_problem(text: str, max_chars: int) -> str | None:
    if len(text) > max_chars:
        return f"is {len(text)} characters long; use at most {max_chars}"
    if any("\udc80" <= c <= "\udcff" for c in text):  # a file name's bytes that are not UTF-8, as Python reads them
        return "is not UTF-8 text"
    if has_control(text):
        return f"contains a control character ({shown_value(text)}); use printable characters only"
    return None


def path_parts(relative: str) -> tuple[str, ...]:
    """The components of a relative path written with either separator, without empty and '.' components."""
    return tuple(part for part in relative.replace("\\", "/").split("/") if part not in ("", "."))


def path_problem(relative: str) -> str | None:
    """Why `relative` cannot name a file or folder inside a submission, or None."""
    parts = path_parts(relative)
    if not parts or relative.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        return "points outside the submission; use relative paths only"
    if has_control(relative):
        return "has a control or undecodable character in its name; rename it"
    if len(os.fsencode(relative)) > MAX_PATH_BYTES or len(parts) > MAX_DEPTH:
        return f"is a path longer than {MAX_PATH_BYTES} bytes or {MAX_DEPTH} folders deep; shorten it"
    if any(len(os.fsencode(part)) > MAX_NAME_BYTES for part in parts):
        return f"has a name longer than {MAX_NAME_BYTES} bytes; shorten it"
    return None
