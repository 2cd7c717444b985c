"""The folders commands write into, made before any work starts: one that cannot be made or written
is an ArenaError naming the option that chose it, not a traceback half-way through."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
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
    if not os.access(path, os.W_OK | os.X_OK) or not _can_create_in(path):
        raise ArenaError(f"{named}: {what} is not writable; {fix}")
    return path


def _can_create_in(folder: Path) -> bool:
    """Whether a file can be made in `folder`: os.access answers yes to root for any folder, even one whose
    filesystem makes no files (/proc, /sys), where the first write would fail only after the work is done."""
    try:
        handle, name = tempfile.mkstemp(prefix=".arena-probe-", dir=folder)
    except OSError as exc:
        return exc.errno in MACHINE_ERRNOS  # a full disk is the machine's, said when the real write fails
    os.close(handle)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return True


def why_not_made(path: Path, exc: OSError) -> str:
    """Why making folder `path` failed, in words: a file where a folder should be, or the system's reason."""
    blocking = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    return f"{blocking} is a file, not a folder" if blocking is not None else exc.strerror or str(exc)


def write_failure(what: str, path: str | os.PathLike, exc: OSError) -> ArenaError:
    """The error for a file that could not be written mid-run: a HarnessError when the machine ran
    short (a full disk, say)."""
    kind = HarnessError if exc.errno in MACHINE_ERRNOS else ArenaError
    # One line: a video encoder's error carries its whole command and output after the first.
    reason = exc.strerror or next((line for line in str(exc).splitlines() if line.strip()), repr(exc))
    return kind(f"could not write {what} {path} ({reason}); {_WRITE_FIXES.get(exc.errno, _MAKE_WRITABLE)}, "
                "then run the command again")


def write_whole(final: Path, data: bytes, what: str) -> None:
    """Write `data` as `final`, whole or not at all: a process killed or out of disk leaves the file as it was
    (an error as `write_failure` says it)."""
    partial = final.with_name(f".{final.name}.part")
    try:
        partial.write_bytes(data)
        os.replace(partial, final)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise write_failure(what, final, exc) from None


_MAKE_WRITABLE = "make it writable or choose another folder"
_WRITE_FIXES = {  # what lets a write that failed with each errno succeed
    errno.ENOSPC: "free some space there or choose another folder",
    errno.EDQUOT: "free some space there or choose another folder",
    errno.EFBIG: "free some space there or choose another folder",
    errno.EMFILE: "raise the limit on open files (ulimit -n)",
    errno.ENFILE: "close some files: this machine has as many open as it allows",
    errno.ENOMEM: "free some memory",
}
