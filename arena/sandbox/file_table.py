"""The machine's table of open files, which no agent may fill for everyone.

An agent's descriptors are capped (RLIMIT_NOFILE), but a file stays open without one: mapped and
then closed, it lives on in the mapping. Dozens of processes each holding tens of thousands of such
mappings open millions of files, and past the machine's table (fs.file-max, by the kernel's default
one file per 10 KiB of memory) every other process's open, pipe and socket fails: an opponent cannot
even import its code. Each open file costs its opener kernel memory that the memory cgroup charges
(FILE_BYTES at least), so where the table holds more files than all memory could, an agent's memory
limit is its bound. systemd sets the table to its ceiling on every machine it starts; a harness run
as root does the same where that was not done (`widen`).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

FILE_MAX = Path("/proc/sys/fs/file-max")
FILE_BYTES = 256  # the least kernel memory one open file costs (its struct file), charged to its opener's cgroup
CEILING = 2**63 - 1  # the most fs.file-max takes: systemd's setting


def outlasts_memory() -> bool:
    """Whether the table holds more open files than this machine's memory could pay for."""
    try:
        size = int(FILE_MAX.read_text())
    except (OSError, ValueError):
        return False
    return size >= os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // FILE_BYTES


@functools.cache
def widen() -> bool:
    """Raise the table to its ceiling where it is smaller than memory and this process may (root, where
    /proc/sys is writable); whether it now outlasts memory. Tried once a process."""
    if not outlasts_memory() and os.geteuid() == 0:
        try:
            FILE_MAX.write_text(str(CEILING))
        except OSError:
            pass  # a container's read-only /proc/sys: `missing_isolation` says what to do
    return outlasts_memory()
