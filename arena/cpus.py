"""Which CPU a thread runs on, and keeping it there: a harness and the sandboxed agents that take
turns with it (`Limits.share_cpu_in_turns`) answer each other fastest on one CPU, and a lone
harness on an idle machine is otherwise moved from CPU to CPU, leaving them behind."""

from __future__ import annotations

import ctypes
import os
import threading
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Iterator


_kept = threading.local()  # .allowed: where a thread kept on one CPU could run before
_sched_getcpu = getattr(ctypes.CDLL(None), "sched_getcpu", None)  # the C library's, where it has one


def allowed_cpus() -> set[int]:
    """The CPUs this thread may run on, as it could before `kept_on_current_cpu` held it on one."""
    allowed = getattr(_kept, "allowed", None)
    return set(allowed) if allowed is not None else os.sched_getaffinity(0)


def current_cpu() -> int | None:
    """The CPU this thread is running on now, or None where the kernel does not say."""
    if _sched_getcpu is not None:  # a fraction of a microsecond, where reading /proc takes tens
        cpu = _sched_getcpu()
        return cpu if cpu >= 0 else None
    try:
        return task_cpu("/proc/thread-self")
    except (OSError, ValueError, IndexError):
        return None


def task_cpu(task: str) -> int:
    """The CPU the task whose /proc folder is `task` runs on, or last ran on (field 39 of its stat,
    after its name, which may hold spaces and brackets)."""
    return int(Path(task, "stat").read_bytes().rsplit(b")", 1)[1].split()[36])


def kept_on_current_cpu() -> AbstractContextManager[None]:
    """This thread on the CPU it runs on now for the duration, then free to run where it could."""
    return kept_on_cpu(current_cpu())


@contextmanager
def kept_on_cpu(cpu: int | None) -> Iterator[None]:
    """This thread on `cpu` for the duration (if it may run there), then free to run where it could."""
    try:
        previous = os.sched_getaffinity(0)
    except OSError:
        previous = None
    outer = getattr(_kept, "allowed", None)
    pinned = previous is not None and cpu in previous and _set_affinity({cpu})
    _kept.allowed = (outer or previous) if pinned else outer
    try:
        yield
    finally:
        _kept.allowed = outer
        if pinned:
            os.sched_setaffinity(0, previous)


def _set_affinity(cpus: set[int]) -> bool:
    try:
        os.sched_setaffinity(0, cpus)
    except OSError:
        return False  # a host that does not let us choose: the scheduler places it
    return True
