"""Capturing what an agent prints, up to a size limit, without ever blocking it or the harness."""

from __future__ import annotations

import os
import threading
from pathlib import Path

_CHUNK = 1 << 16
NEXT_PROCESS = b"\n[arena: the output of the agent's next process]\n"


class LogCapture:
    """Drains a pipe into `path` on a background thread; bytes that would take the file past `limit`
    are counted, not kept. With `after_earlier`, after what the agent's earlier processes wrote
    there (one replaced after a fault must not take its traceback with it), else in a new file."""

    def __init__(self, read_fd: int, path: Path, limit: int, after_earlier: bool = False):
        self.path = path
        self.after_earlier = after_earlier
        self.limit = limit
        self.dropped = 0
        self._read_fd = read_fd
        path.parent.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._drain, name=f"log:{path.name}", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        # Unbuffered: readable while the agent runs.
        with open(self.path, "ab" if self.after_earlier else "wb", buffering=0) as out:
            kept = os.fstat(out.fileno()).st_size
            if kept:
                out.write(NEXT_PROCESS)
            while chunk := _read(self._read_fd):
                room = max(self.limit - kept, 0)
                out.write(chunk[:room])
                kept += min(len(chunk), room)
                self.dropped += len(chunk) - min(len(chunk), room)
            if self.dropped:
                out.write(f"\n[arena: {self.dropped} more bytes of output were dropped]\n".encode())
        os.close(self._read_fd)

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


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, _CHUNK)
    except OSError:
        return b""
