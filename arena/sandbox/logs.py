"""Capturing what an agent prints, up to a size limit, without ever blocking it or the harness."""

from __future__ import annotations

import itertools
import os
import re
import select
import threading
from pathlib import Path
from typing import BinaryIO

_CHUNK = 1 << 16
NEXT_PROCESS = b"\n[arena: the output of the agent's next process]\n"
# The logs of one agent name that one harness process keeps: a tournament closes and opens an entrant's
# sandbox again as others need the room, each time with a new log, and an agent that prints its cap
# every time must not fill the disk. The newest are kept: they tell the organiser most.
KEPT_LOGS = 4

_numbers = itertools.count()
_in_use: set[Path] = set()
_owners: dict[Path, tuple[int, str]] = {}  # each log made, by which process (a fork inherits them) and for whom


def public_detail(text: str) -> str:
    """A fault's detail or a game's outcome as anyone may read it: without the path of the agent's log
    (`new_log`: NAME-PID-NUMBER.log), which names the organiser's folders and process, nor the bidi controls
    the agent's own text may hold, which would reorder the page around it. The results store and the
    replays the organiser keeps have it whole."""
    return _LOG_NAMED.sub("; the organiser has its log", text).translate(_BIDI_CONTROLS)


_LOG_NAMED = re.compile(r'; see [^"\n]+?-[0-9]+-[0-9]+\.log')
# Embeddings, overrides, isolates and marks: a detail never needs them, and they turn what follows around.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"))


def new_log(log_dir: Path, stem: str, owner: str) -> Path:
    """The path of a new log in `log_dir` for the agent `owner` (its submission's digest), whose file name is
    `stem`; the older logs this process made there for it, of agents released since, are deleted but the
    newest KEPT_LOGS - 1. Another agent's are not, though many names make one file name ("greedy-", "gréedy")."""
    mine = (os.getpid(), owner)
    earlier = [path for path, its in _owners.items() if its == mine and path.parent == log_dir and path not in _in_use]
    for path in earlier[:max(len(earlier) - (KEPT_LOGS - 1), 0)]:  # oldest first: the order they were made in
        path.unlink(missing_ok=True)
        del _owners[path]
    path = log_dir / f"{stem}-{os.getpid()}-{next(_numbers)}.log"
    _in_use.add(path)
    _owners[path] = mine
    return path


def release_log(path: Path) -> None:
    """`path`'s agent is closed: a new log of its name may take its place."""
    _in_use.discard(path)


class LogCapture:
    """Drains a pipe into `path` on a background thread; bytes that would take the file past `limit`
    are counted, not kept. With `after_earlier`, after what the agent's earlier processes wrote
    there (one replaced after a fault must not take its traceback with it), else in a new file.
    The file is made when the first bytes come: an agent that prints nothing leaves none."""

    def __init__(self, read_fd: int, path: Path, limit: int, after_earlier: bool = False):
        self.path = path
        self.after_earlier = after_earlier
        self.limit = limit
        self.dropped = 0
        self._read_fd = read_fd
        os.set_blocking(read_fd, False)
        self._out: BinaryIO | None = None
        self._opened = False
        self._kept = 0
        self._wake_read, self._wake_write = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        self._caught_up = threading.Event()
        self._thread = threading.Thread(target=self._drain, name=f"log:{path.name}", daemon=True)
        self._thread.start()

    def catch_up(self, timeout: float = 0.5) -> None:
        """Wait until what was written into the pipe before this call is in the file: a fault's
        traceback, printed before its report, is there when the report is shown."""
        if not self._thread.is_alive() or self._wake_write < 0:
            return
        self._caught_up.clear()
        try:
            os.write(self._wake_write, b"!")
        except OSError:
            return  # already asked, and not yet answered: that answer comes after this call too
        self._caught_up.wait(timeout)

    def _drain(self) -> None:
        # Whatever happens to the file (a full disk), the pipe is drained: an agent must never block
        # on its output, nor pay with its clock for the harness's disk.
        poller = select.poll()
        for fd in (self._read_fd, self._wake_read):
            poller.register(fd, select.POLLIN)
        ended = False
        while not ended:
            woken = any(fd == self._wake_read for fd, _ in poller.poll())
            ended = self._take_available()
            if woken:
                if not _read(self._wake_read):  # closed: no one will ask again
                    poller.unregister(self._wake_read)
                self._caught_up.set()
        if self._out is not None:
            if self.dropped:
                _write(self._out, f"\n[arena: {self.dropped} more bytes of output were dropped]\n".encode())
            self._out.close()
        for fd in (self._read_fd, self._wake_read):  # the asking side closes its own end
            os.close(fd)
        self._caught_up.set()

    def _take_available(self) -> bool:
        """Write what the pipe holds now into the file; True once the writer side is closed."""
        while True:
            try:
                chunk = os.read(self._read_fd, _CHUNK)
            except BlockingIOError:
                return False
            except OSError:
                return True
            if not chunk:
                return True
            self._keep(chunk)

    def _keep(self, chunk: bytes) -> None:
        if not self._opened:  # its first output: the file is made now
            self._opened = True
            self._out = self._open()
            self._kept = 0 if self._out is None else os.fstat(self._out.fileno()).st_size
            if self._kept and not _write(self._out, NEXT_PROCESS):
                self._out = None
        taken = 0 if self._out is None else min(len(chunk), max(self.limit - self._kept, 0))
        if taken and not _write(self._out, chunk[:taken]):
            self._out, taken = None, 0
        self._kept += taken
        self.dropped += len(chunk) - taken

    def _open(self) -> BinaryIO | None:
        try:  # unbuffered: readable while the agent runs
            self.path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW  # never a link planted in its place
            fd = os.open(self.path, flags | (os.O_APPEND if self.after_earlier else os.O_TRUNC), 0o644)
            return open(fd, "ab" if self.after_earlier else "wb", buffering=0)
        except OSError:
            return None

    def close(self, timeout: float = 2.0) -> None:
        """Wait for the writer side to close (the worker and its children gone) and the file to be written."""
        self._thread.join(timeout)
        if self._wake_write >= 0:
            os.close(self._wake_write)
            self._wake_write = -1

    def tail(self, lines: int = 5) -> str:
        """The last lines written, for error messages."""
        try:
            text = self.path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])


def _write(out: BinaryIO, data: bytes) -> bool:
    """Write `data` to `out`; False (the file closed) when the disk will not take it."""
    try:
        out.write(data)
    except OSError:
        out.close()
        return False
    return True


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, _CHUNK)
    except OSError:
        return b""
