"""New sessions in a sandbox, as far as an agent's Python code can tell: a process group of its own.

The sandbox's filter does `setsid` as nothing (each new session's autogroup would show the machine's
count of them, `arena.sandbox.confine`). A child started with `subprocess.Popen(start_new_session=True)`,
or whose `preexec_fn` is `os.setsid`, would then stay in the agent's process group, and the usual way to
end it and all it started, `os.killpg(os.getpgid(child.pid), signal.SIGTERM)`, would end the agent too.
Here `os.setsid` makes the caller the leader of a process group of its own instead, and `start_new_session`
starts the child in one: signals to that group reach what the child started, never the agent. The
session stays the agent's (`os.getsid` says so), which matters only to a terminal, and a sandbox has none.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

# Popen's own `process_group` (Python 3.11): set in the child without running Python code there.
_PROCESS_GROUP = sys.version_info >= (3, 11)


def emulate_new_sessions() -> None:
    """Give `os.setsid` and `Popen(start_new_session=True)` a process group of their own (see the module)."""
    os.setsid = _own_process_group
    opened = subprocess.Popen.__init__

    @functools.wraps(opened)
    def __init__(self: subprocess.Popen, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("start_new_session") and kwargs.get("process_group") is None:
            if _PROCESS_GROUP:
                kwargs["process_group"] = 0
            else:
                kwargs["preexec_fn"] = _then_own_process_group(kwargs.get("preexec_fn"))
        opened(self, *args, **kwargs)

    subprocess.Popen.__init__ = __init__


def _own_process_group() -> None:
    os.setpgid(0, 0)


def _then_own_process_group(first: Callable[[], Any] | None) -> Callable[[], None]:
    def run() -> None:
        if first is not None:
            first()
        _own_process_group()

    return run
