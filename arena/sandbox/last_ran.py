"""How long an agent has been asleep, told by the kernel's scheduler: the end of its time when the
harness reads its answer late.

A harness stopped by a signal, or kept off every CPU on a busy machine, reads an answer some time
after it came; that wait is the harness's, not the agent's. The scheduler keeps, for each task, when
it last ran (`se.exec_start` in /proc/TID/sched; for a task asleep, when it fell asleep), on the
clock of the CPU it ran on; the harness's own thread, which runs now, shows that clock's present
(within a tick, which only ever makes the agent's time longer). CPUs' clocks differ (by the time
each lost to interrupts and to the host of a virtual machine: seconds, after hours), so this is told
only where the agent's tasks last ran on one CPU, as they do when a match keeps them on the
harness's, whose present the harness reads there (moving there for the read if need be); and only
while every one of them sleeps. Its supervisor, which runs none of the agent's code, is not asked.
A task that ended is not seen, and might have run after all those left (a thread that waited on a
GPU, answered and ended, its main thread asleep from the call's start): told only where no task
ended during the call, as the group shows when it holds as many tasks as it ever held at once
(pids.current equals pids.peak: any that ended did so before another still there began), or when
the CPU time of the tasks that ended (the group's, less its tasks' own) is what it was when the
call began (`ended_cpu`). Each task's fields are read in turn, not at one moment, so every task is read
twice over, before and after the clock, and must show the same both times: a task that woke between two
reads (its `exec_start` is 0 while it waits on a CPU it moved to, and another CPU's clock once it ran
there) shows as running, or as having run or moved since.
"""

from __future__ import annotations

import os
from pathlib import Path

from arena.cpus import allowed_cpus, task_cpu
from arena.sandbox.cgroups import AgentCgroup, CounterReader

RUNNING = "R"  # the /proc/TID/stat state of a task on a CPU or waiting for one
SCHED_HEADER_END = "\n" + "-" * 20  # the line of dashes below /proc/TID/sched's header
# When it last ran (or fell asleep), for how long it ever ran, and how often it moved or left a CPU:
# the same in two reads only where it did not run between them.
SCHEDULE = ("se.exec_start", "se.sum_exec_runtime", "se.nr_migrations", "nr_switches")


class LateReadings:
    """What the scheduler tells of `group`'s tasks, for answers the harness reads late; OSError where
    this kernel does not count the most tasks a group held (pids.peak, Linux 6.1)."""

    def __init__(self, group: AgentCgroup):
        self.group = group
        peak = group.task_peak_file()
        self._held = CounterReader(peak.parent / "pids.current", int)
        try:
            self._most = CounterReader(peak, int)
        except OSError:
            self._held.close()
            raise
        self._ended_before: int | None = None

    def call_begins(self, group_cpu: int) -> None:
        """Before a call's request, none of the agent's tasks running (frozen): what `asleep_for`
        compares with, where some task has ended already (`group_cpu`: the group's CPU time now)."""
        held, most = self._held.read(), self._most.read()
        self._ended_before = ended_cpu(self.group, group_cpu) if held != most else None

    def asleep_for(self, supervisor: int, group_cpu: int) -> float:
        """Seconds for which every task of the group but `supervisor` has been asleep; 0.0 where not
        shown. `group_cpu` is the group's CPU time now (ns)."""
        try:
            held = self._held.read()
            if held != self._most.read() and (
                    self._ended_before is None or ended_cpu(self.group, group_cpu) != self._ended_before):
                return 0.0
            tasks = _asleep_tasks(self.group, supervisor, held)
            cpus = {cpu for cpu, _ in tasks.values()} if tasks is not None else set()
            if len(cpus) != 1:
                return 0.0
            # The clock between the two reads: asleep until then, so no wait of theirs is also a wait
            # for a CPU (which the clock subtracts on its own).
            now = _clock_now_on(cpus.pop())
            if _asleep_tasks(self.group, supervisor, held) != tasks or self._held.read() != held:
                return 0.0
            latest = max(schedule[0] for _, schedule in tasks.values())
            return max(now - latest, 0.0) / 1000
        except (OSError, ValueError, IndexError):
            return 0.0  # a task gone meanwhile, or a kernel that does not show it
        finally:
            self._ended_before = None

    def close(self) -> None:
        self._held.close()
        self._most.close()


def _asleep_tasks(group: AgentCgroup, supervisor: int, held: int) -> dict[str, tuple[int, tuple[float, ...]]] | None:
    """Each task of `group` but `supervisor`: the CPU it last ran on and its `SCHEDULE` fields; None where
    one runs or waits for a CPU, has not run since it moved, or the group does not hold `held` tasks."""
    tasks, seen = {}, 0
    for pid in group.pids():
        for tid in os.listdir(f"/proc/{pid}/task"):
            seen += 1
            if int(tid) == supervisor:
                continue
            task = f"/proc/{pid}/task/{tid}"
            if _state(task) == RUNNING:
                return None
            cpu, schedule = task_cpu(task), _schedule(task)
            if schedule[0] <= 0:  # se.exec_start, reset when it moved: it has not run there yet
                return None
            tasks[tid] = (cpu, schedule)
    return tasks if seen == held else None


def ended_cpu(group: AgentCgroup, group_cpu: int) -> int | None:
    """Microseconds of CPU used by the tasks of `group` that have ended: `group_cpu`, its CPU time in
    nanoseconds read while none of them runs, less that of each task it holds; None where not shown."""
    try:
        held = sum(int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_bytes().split()[0])
                   for pid in group.pids() for tid in os.listdir(f"/proc/{pid}/task"))
    except (OSError, ValueError, IndexError):
        return None
    return (group_cpu - held) // 1000


def _clock_now_on(cpu: int) -> float:
    """The scheduler's clock of `cpu` now (milliseconds), read by this thread, moved there if need be
    (only to a CPU the harness may use: an agent may move itself anywhere)."""
    here, now = _now_here()
    if here == cpu:
        return now
    if cpu not in allowed_cpus():
        raise ValueError(f"CPU {cpu} is not the harness's")
    kept = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        here, now = _now_here()
    finally:
        os.sched_setaffinity(0, kept)
    if here != cpu:
        raise ValueError(f"not moved to CPU {cpu}")
    return now


def _now_here() -> tuple[int, float]:
    """The CPU this thread runs on, and its scheduler clock now (milliseconds)."""
    os.sched_yield()  # a running thread's exec_start is when it last took the CPU: the scheduler brings it up to now
    return _last_run("/proc/thread-self")


def _state(task: str) -> str:
    """/proc/TID/stat's state (after the name, which may hold spaces and brackets)."""
    return Path(task, "stat").read_bytes().rsplit(b")", 1)[1].split()[0].decode()


def _last_run(task: str) -> tuple[int, float]:
    """The CPU the task last ran on, and when (milliseconds on that CPU's scheduler clock)."""
    return task_cpu(task), _schedule(task)[0]


def _schedule(task: str) -> tuple[float, ...]:
    """The task's `SCHEDULE` fields from /proc/TID/sched."""
    # Past the header, which names the task as it named itself (up to 15 bytes: no line of dashes).
    fields = Path(task, "sched").read_text().split(SCHED_HEADER_END, 1)[1]
    values = {name.strip(): value for name, _, value in (line.partition(":") for line in fields.splitlines())}
    try:
        return tuple(float(values[name]) for name in SCHEDULE)
    except KeyError as missing:
        raise ValueError(f"{task}/sched shows no {missing}") from None
