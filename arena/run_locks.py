"""One process at a time for each part of a training run: a second is refused, naming the first.

Two processes training one run would each save checkpoints under the same names (one's zip written
over the other's mid-save) or each add generations to one AlphaZero store. Each holds an advisory
lock (`flock`) on a small file beside the run for as long as it trains; the kernel lets it go when
the process ends, however it ends, so a killed run never blocks the next.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from pathlib import Path
from typing import Iterator

from arena.errors import ArenaError


@contextlib.contextmanager
def held(path: Path, what: str) -> Iterator[None]:
    """Hold the lock file `path` while the block runs; ArenaError naming its holder if another process
    has it. `what` names the run (or its part) in that error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            raise ArenaError(f"{what} is being trained by {holder}; wait for it to finish or stop it, then run "
                             "again (one process trains a run at a time)") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()} on {socket.gethostname()}".encode(), 0)
        yield
    finally:
        os.close(fd)
