"""Whether a process still runs, as the kernel tells it: the test for leftovers of killed harnesses."""

from __future__ import annotations

import os
from pathlib import Path


def running(pid: int) -> bool:
    """Whether process `pid` exists and has not exited. A zombie (exited, not yet reaped: in a
    container whose first process reaps late, for seconds) has exited, though its pid still answers."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone, or no /proc here
        return _pid_taken(pid)
    state = stat.rpartition(")")[2].split()[0]  # the name before it may hold anything, ")" too
    return state not in ("Z", "X")


def _pid_taken(pid: int) -> bool:
    """Whether `pid` names a process (a zombie too): all that can be told without /proc."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True
