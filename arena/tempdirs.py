"""Temporary folders that name the process that made them (`arena-submission-<pid>-<owner>-...`), so
that what a process killed before it could clean up leaves (SIGKILL, a Ray worker shut down) is
removed by the next process of arena that makes folders of the same kind.

Each process holds a lock on a file of its own (`arena-owner-<pid>-<owner>.lock`) for as long as it
runs: a folder is its owner's while that lock is held. Unlike a pid, a lock answers the same from
every PID namespace, so harnesses in containers that share a /tmp never take each other's folders.
"""

from __future__ import annotations

import atexit
import fcntl
import functools
import os
import re
import secrets
import shutil
import stat
import tempfile
from pathlib import Path

from arena.errors import HarnessError
from arena.processes import running

OWNER_LOCK = "arena-owner-{pid}-{owner}.lock"
OWNER_LOCK_NAME = re.compile(r"arena-owner-(\d+)-([0-9a-f]{8})\.lock")


class _Owner:
    """This process's lock file, made at its first folder (and anew in a forked child)."""

    def __init__(self):
        self.pid: int | None = None
        self.token = ""
        self._fd: int | None = None  # open for the life of the process: the lock goes with it

    def current(self) -> str:
        """`<pid>-<owner>` of this process, its lock taken."""
        if self.pid != os.getpid():
            pid, token = os.getpid(), secrets.token_hex(4)
            # Locked before it has its name, so that no sweep ever sees it unlocked.
            fd, partial = tempfile.mkstemp(prefix="arena-owner-", suffix=".part")
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.rename(partial, _lock_path(str(pid), token))
            self.pid, self.token, self._fd = pid, token, fd
            atexit.register(self._remove, pid)
        return f"{self.pid}-{self.token}"

    def _remove(self, pid: int) -> None:
        if os.getpid() == pid:  # not a forked child's exit
            _lock_path(str(pid), self.token).unlink(missing_ok=True)


_owner = _Owner()


def private_folder(name: str) -> Path:
    """`<temporary folder>/<name>-<uid>`, made if missing, that only this user can write to.

    A fixed name in a folder everyone writes to (/tmp) could be made first by another user, who
    would then plant files or symbolic links in it for this one to read or write through.
    """
    path = Path(tempfile.gettempdir()) / f"{name}-{os.geteuid()}"
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise HarnessError.short_of(f"make {path}", exc) from exc
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise HarnessError(f"{path} is not a folder only this user can write to (someone else may have made it to "
                           f"plant files there): remove it, or set TMPDIR to a folder of your own")
    return path


def make(prefix: str) -> Path:
    """A new private folder in the temporary folder, named `<prefix><pid>-<owner>-<random>`; the
    first made with `prefix` in this process first removes those whose owner is gone."""
    sweep(prefix)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{_owner.current()}-"))


@functools.cache
def sweep(prefix: str) -> None:
    """Remove the `prefix` folders whose owner is gone, then the locks of owners gone (once a
    process: they are left only by kills). Folders without an owner's name (made before owners
    were named) go by their pid."""
    pattern = re.compile(rf"{re.escape(prefix)}(\d+)-(?:([0-9a-f]{{8}})-)?")
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        match = pattern.match(folder.name)
        if match is None:
            continue
        pid, owner = match.groups()
        if not (_held(pid, owner) if owner else running(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)
    for path in Path(tempfile.gettempdir()).glob("arena-owner-*.lock"):
        match = OWNER_LOCK_NAME.fullmatch(path.name)
        if match and not _held(*match.groups()):
            path.unlink(missing_ok=True)


def _held(pid: str, owner: str) -> bool:
    """Whether the process `<pid>-<owner>` still holds its lock (a lock file gone: it does not)."""
    try:
        fd = os.open(_lock_path(pid, owner), os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot tell: keep its folders
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _lock_path(pid: str, owner: str) -> Path:
    return Path(tempfile.gettempdir()) / OWNER_LOCK.format(pid=pid, owner=owner)
