"""Kernel work an agent leaves to be done later, kept off its opponent's turn.

The kernel frees the page tables of memory an agent unmapped only after an RCU grace period (some
milliseconds), in a softirq on the CPU the agent ran on: by then, the opponent's. Where the kernel
does not account interrupt time apart (no `CONFIG_IRQ_TIME_ACCOUNTING`), that is the opponent's CPU
time, on its clock. An agent that read a byte every 2 MiB of a few hundred GiB of address space (the
shared zero page: its memory limit hardly counts it) and unmapped it all as it answered added 14 ms
to its opponent's 40 ms moves. So do the files and folders it deleted, and whatever else of the
kernel's it let go of: small objects, each a callback, about 0.75 ms of the opponent's time for each MiB
of files made and deleted (page tables: 0.07 ms).

What awaits such a free stays charged to the agent's group until it is freed, and nothing of the
agent runs between its calls: so the kernel memory of its group falling while it is stopped is work it
left for later, done on someone else's time. Only the kernel's part: the host reclaims the pages of the
files an agent read (charged to it) whenever it likes, which is no work of the agent's; nor is a fall
when the host was told to drop its caches of files' names (`drop_caches`) since the last look. An agent once
seen leaving LEFT_BYTES or more has each later call end with a wait until what it left is freed (two
grace periods, then until its memory stops falling, the CPU idle meanwhile), on its own clock. Its
first such move is not caught: the frees come after it. Where the kernel's part is dear to read (cgroup
v2), all of its memory is watched until it falls, then the kernel's part: its first two are not.
"""

from __future__ import annotations

import ctypes
import os
import time

from arena.sandbox.cgroups import CounterReader

# A fall past what the harness draining its output's pipe frees (64 KiB, unless the agent widened it) and
# what an honest agent leaves (the page tables of the memory it freed as it answered: 1 MiB for 512 MiB);
# small: what less leaves costs its opponent about 1.5 ms a move at most.
LEFT_BYTES = 2 << 20
SETTLED_BYTES = 256 << 10  # a fall smaller than this in POLL_SECONDS: what it left is freed
POLL_SECONDS = 0.001
MOST_SECONDS = 1.0  # the longest a call's wait may take
GRACE_SECONDS = 0.02  # waited instead of a grace period where membarrier cannot be used
_MEMBARRIER = {"x86_64": 324, "aarch64": 283}.get(os.uname().machine)
_MEMBARRIER_CMD_GLOBAL = 1  # synchronize_rcu(): returns once a grace period has passed
_LIBC = ctypes.CDLL(None, use_errno=True)


class DeferredFrees:
    """Watches one agent's group memory between its calls (`AgentCgroup.kernel_memory_readers`):
    `memory`, a reader of its kernel memory, or of all its memory where `kernel` reads the kernel's part,
    to read instead once `memory` fell."""

    def __init__(self, memory: CounterReader, kernel: CounterReader | None = None):
        self.memory = memory
        self._kernel = kernel
        self.drains = False  # seen leaving frees for later: each call ends waiting for them
        self._after: int | None = None  # its memory as its last call ended
        self._host_drops = host_cache_drops()

    def call_begins(self) -> None:
        """Before a call, the agent still stopped: a fall since the last call ended was work it left.
        Only since a call that ended here: one that did not (a game's start, which may free the last
        game's agent; a call its match ended without) ran on, on its own time, after it was read."""
        after, self._after = self._after, None
        if after is None or after - self.memory.read() < LEFT_BYTES:
            return
        drops, self._host_drops = self._host_drops, host_cache_drops()
        if drops != self._host_drops:  # the host dropped the caches of the files and folders it had looked up
            return
        if self._kernel is None:
            self.drains = True
        else:  # perhaps the host reclaimed its pages: from now on, the kernel's part alone tells
            self.memory.close()
            self.memory, self._kernel = self._kernel, None

    def call_ended(self) -> float:
        """Once a call's answer is in and the agent stopped: the seconds waited for what it left to be
        freed (none unless it was seen leaving frees before)."""
        waited = self._drain() if self.drains else 0.0
        self._after = self.memory.read()
        return waited

    def close(self) -> None:
        for reader in (self.memory, self._kernel):
            if reader is not None:
                reader.close()

    def _drain(self) -> float:
        started = time.monotonic()
        # Two: what one grace period released is freed in batches, some after it (measured: after one, the
        # opponent's moves still took 6% longer than beside an agent leaving nothing; after two, as long).
        _grace_period()
        _grace_period()
        held = self.memory.read()
        while time.monotonic() - started < MOST_SECONDS:
            time.sleep(POLL_SECONDS)  # this CPU idle: its softirqs free what the grace period released
            now = self.memory.read()
            if now > held - SETTLED_BYTES:
                break
            held = now
        return time.monotonic() - started


def host_cache_drops() -> int:
    """How many times this machine was told to drop its caches of files' names and inodes (`drop_caches`):
    kernel memory charged to the agents that looked them up, freed with no work of theirs."""
    try:
        with open("/proc/vmstat", "rb") as vmstat:
            return int(vmstat.read().split(b"\ndrop_slab ", 1)[1].split(b"\n", 1)[0])
    except (OSError, IndexError, ValueError):  # no /proc, or a kernel that does not count them
        return 0


def _grace_period() -> None:
    """Return once an RCU grace period has passed (what was queued before it may then be freed)."""
    if _MEMBARRIER is None or _LIBC.syscall(_MEMBARRIER, _MEMBARRIER_CMD_GLOBAL, 0, 0) != 0:
        time.sleep(GRACE_SECONDS)  # a kernel without it, or one with nohz_full CPUs
