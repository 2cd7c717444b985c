"""The folders commands write into, made before any work starts: one that cannot be made or written
is an ArenaError naming the option that chose it, not a traceback half-way through."""

from __future__ import annotations

import os
from pathlib import Path

from arena.errors import MACHINE_ERRNOS, ArenaError, HarnessError


def output_folder(folder: str | os.PathLike, named: str, fix: str, what: str = "this folder") -> Path:
    """`folder`, made if missing; ArenaError starting with `named` (what chose the folder), calling the
    folder `what` and ending with `fix` (what to do) when it cannot be made or written."""
    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArenaError(f"{named}: cannot make {what} ({why_not_made(path, exc)}); {fix}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ArenaError(f"{named}: {what} is not writable; {fix}")
    return path


def why_not_made(path: Path, exc: OSError) -> str:
    """Why making folder `path` failed, in words: a file where a folder should be, or the system's reason."""
    blocking = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    return f"{blocking} is a file, not a folder" if blocking is not None else exc.strerror or str(exc)


def write_failure(what: str, path: str | os.PathLike, exc: OSError) -> ArenaError:
    """The error for a file that could not be written mid-run: a HarnessError when the machine ran
    short (a full disk, say)."""
    kind = HarnessError if exc.errno in MACHINE_ERRNOS else ArenaError
    return kind(f"could not write {what} {path} ({exc.strerror or exc}); "
                "free some space or choose another folder, then run the command again")
