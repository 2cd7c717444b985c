"""Capturing what an agent prints, up to a size limit, without ever blocking it or the harness."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import BinaryIO

_CHUNK = 1 << 16
NEXT_PROCESS = b"\n[arena: the output of the agent's next process]\n"


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
        self._thread = threading.Thread(target=self._drain, name=f"log:{path.name}", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        # Whatever happens to the file (a full disk), the pipe is drained: an agent must never block
        # on its output, nor pay with its clock for the harness's disk.
        out, kept, opened = None, 0, False
        while chunk := _read(self._read_fd):
            if not opened:  # its first output: the file is made now
                opened = True
                out = self._open()
                kept = 0 if out is None else os.fstat(out.fileno()).st_size
                if kept and not _write(out, NEXT_PROCESS):
                    out = None
            taken = 0 if out is None else min(len(chunk), max(self.limit - kept, 0))
            if taken and not _write(out, chunk[:taken]):
                out, taken = None, 0
            kept += taken
            self.dropped += len(chunk) - taken
        if out is not None:
            if self.dropped:
                _write(out, f"\n[arena: {self.dropped} more bytes of output were dropped]\n".encode())
            out.close()
        os.close(self._read_fd)

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
