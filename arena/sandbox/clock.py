"""Chess clocks for sandboxed agents that charge each agent its own time only.

On a loaded machine a move's wall time includes moments the agent was ready to run but waited
for a CPU that the opponent, the harness or other work held. `MoveTimer` subtracts that wait, which
the kernel records per thread (`/proc/PID/schedstat`, the run-queue delay): the agent's first thread's,
and where it has more (it is then frozen between calls), each one's that was there when the call began;
and it charges at least the CPU time the agent's whole cgroup used, so spreading work over many threads
that queue behind each other buys nothing. Sleeping, blocking and computing all count; waiting for a CPU does not.
Once it has answered, its processes are frozen (or shown asleep), and the time until they have all
stopped is its own too, less its waits and the harness's for a CPU: a system call that waits on a disk
cannot be stopped before it returns, and the opponent's turn waits for it. CPU its processes use
between calls is charged to its next call.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from arena.sandbox.cgroups import COUNTER_BYTES, AgentCgroup, CounterReader


class Clock:
    """A chess clock for one agent: `per_move` seconds a move, plus a `bank` for the whole game.

    Time over `per_move` is taken from the bank; the agent runs out of time when the bank is empty.
    `used` is the time charged in the current game.
    """

    def __init__(self, per_move: float, bank: float = 0.0):
        self.per_move = per_move
        self.bank = bank
        self.bank_left = bank
        self.used = 0.0

    def restart(self) -> None:
        self.bank_left = self.bank
        self.used = 0.0

    def allowance(self) -> float:
        """The most the next move may take."""
        return self.per_move + max(self.bank_left, 0.0)

    def spend(self, elapsed: float) -> bool:
        """Charge a move; False if it went over what was left."""
        self.used += elapsed
        self.bank_left -= max(elapsed - self.per_move, 0.0)
        return self.bank_left >= 0


class MoveTimer:
    """Measures how long the current call took the agent, less the time it waited for a CPU.

    A call costs four reads of kernel counters (the group's CPU time and the agent's run-queue
    delay, at its start and at its end), each one `pread` on a descriptor kept open; one, where the
    agent was shown asleep until its next call (`fell_asleep`): its counters then stand still until
    that call begins, and what was read once it slept is what they show.
    """

    def __init__(self, cgroup: AgentCgroup | None):
        self._cpu = cgroup.cpu_reader() if cgroup is not None else None
        self._delays: dict[int, CounterReader] = {}
        self._baselines: dict[int, int] = {}
        self.started = 0.0  # time.monotonic() at the call's start
        self._cpu_at_start = 0
        self._cpu_read = 0  # the group's CPU time when `charged` last read it
        self._cpu_at_stop: int | None = None  # ... when the last call was stopped
        self.owed = 0.0  # CPU seconds its processes used between the last call and this one
        self._settled = 0  # nanoseconds waited in this call by processes no longer watched
        # (time, group CPU, waited, the harness's waits for a CPU) when the answer came
        self._answer: tuple[float, int, float, int] | None = None
        # When its processes were all stopped, once seen (time.monotonic()), less what of the time before
        # is the harness's own (its waits for a CPU, where the scheduler did not tell when they stopped).
        self._stopped_at: float | None = None
        self.read_late = 0.0  # seconds the agent slept, its answer given, before the harness read it
        self._asleep_at: float | None = None  # time.monotonic() when it fell asleep, shown idle (`fell_asleep`)
        self._still: dict[int, int] = {}  # run-queue delays of processes shown asleep until the next call
        self._still_cpu: int | None = None  # ... and the group's CPU time, read after they were so shown

    def watch(self, pid: int) -> None:
        """Count `pid`'s waits from now on (a process born during a call counts from its birth)."""
        if pid in self._delays:
            return
        try:
            self._delays[pid] = CounterReader(Path(f"/proc/{pid}/schedstat"), _run_delay)
        except OSError:
            return
        self._baselines[pid] = 0

    def follow(self, tasks: list[int]) -> None:
        """Count the waits of `tasks` from the next `start` on, and no more those of the tasks watched but not
        among them (ended): an agent's threads and processes, listed while it is frozen between calls, so that
        a thread doing its work is not charged for the time it waits for a CPU (kernel threads freeing memory
        for another process, say), as its first is not. Threads born during a call are not followed until
        the next: their waits stay on its clock."""
        for gone in set(self._delays) - set(tasks):
            self.unwatch(gone)
        for task in tasks:
            self.watch(task)

    def unwatch(self, pid: int) -> None:
        """Stop counting `pid`'s waits (the time it already waited in this call still counts)."""
        reader = self._delays.pop(pid, None)
        if reader is not None:
            self._settled += max((_read(reader) or 0) - self._baselines.pop(pid, 0), 0)
            reader.close()

    def start(self) -> None:
        cpu = self._still_cpu if self._still_cpu is not None else self.group_cpu()
        self.owed = (cpu - self._cpu_at_stop) / 1e9 if self._cpu_at_stop is not None else 0.0
        self._cpu_at_start, self._cpu_at_stop = cpu, None
        self._settled = 0
        self._answer = self._stopped_at = None
        self.read_late = 0.0
        self._asleep_at = None
        self._baselines = self._delays_now()
        self._still.clear()
        self._still_cpu = None
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def answered(self) -> None:
        """The call's answer is in and its processes are stopping: the time until they have stopped counts,
        less their waits for a CPU and the harness's own (on a busy machine, seeing them stopped takes it
        longer), and at least the CPU they use."""
        self._answer = (time.monotonic(), self.group_cpu(), self.waited(), harness_waits())
        self._stopped_at = None

    def answered_ago(self) -> float:
        """Seconds since `answered`."""
        return time.monotonic() - self._answer[0] if self._answer is not None else 0.0

    def stopped_for(self, asleep: float) -> None:
        """Its processes are seen all stopped, the last to stop asleep for `asleep` seconds (0.0 where that is
        not shown: then they count as stopped when seen, less the harness's waits for a CPU since the answer)."""
        if self._answer is None:
            return
        at, _, _, harness_then = self._answer
        now = time.monotonic()
        self._stopped_at = max(now - asleep, at) if asleep > 0 else now - (harness_waits() - harness_then) / 1e9

    def fell_asleep(self, at: float, pid: int, schedstat: bytes) -> None:
        """The agent was shown asleep on its pipe, nothing of it able to run before the next call
        (`arena.sandbox.idle`), since `at` (time.monotonic()): its call ended then. What the harness
        does after that (reading its answer, looking) is not the agent's time; on a CPU left cold by
        the other seat's long turn it is also slower. `schedstat`: its process `pid`'s
        /proc/PID/schedstat line as the proof read it, which stays so until the next call."""
        self._asleep_at = min(max(at, self.started), time.monotonic())
        if pid in self._delays:
            self._still[pid] = _run_delay(schedstat)

    def not_counted(self) -> float:
        """Seconds of the call's wall time not charged: the watched processes' waits for a CPU, and since
        the answer, the harness's."""
        if self._answer is None:
            return self.waited() + self.read_late
        return self.waited() + self.read_late + (harness_waits() - self._answer[3]) / 1e9

    def waited(self) -> float:
        """Seconds since `start()` the watched processes spent ready to run but not running."""
        baselines = self._baselines
        return (self._settled + sum(value - baselines.get(pid, 0) for pid, value in self._delays_now().items())) / 1e9

    def _delays_now(self) -> dict[int, int]:
        """The watched processes' run-queue delays now (ns), as last read where they sleep until the next
        call (`fell_asleep`); those gone left out."""
        delays = {}
        for pid, reader in self._delays.items():
            value = self._still.get(pid)
            if value is None:
                value = _read(reader)
            if value is not None:
                delays[pid] = value
        return delays

    def charged(self) -> float:
        """The call's time as charged to the agent: wall time less CPU waits and `read_late` (after its
        answer, less the harness's CPU waits too), at least its CPU time, and the CPU it owed from
        before the call."""
        self._cpu_read = self.group_cpu()
        if self._still:
            self._still_cpu = self._cpu_read
        if self._answer is None:
            cpu = (self._cpu_read - self._cpu_at_start) / 1e9
            end = self._asleep_at if self._asleep_at is not None else time.monotonic()
            return max(end - self.started - self.waited() - self.read_late, cpu, 0.0) + self.owed
        at, cpu_then, waited, harness_then = self._answer
        until_answer = max(at - self.started - waited - self.read_late, (cpu_then - self._cpu_at_start) / 1e9, 0.0)
        if self._stopped_at is not None:
            stopping = self._stopped_at - at - self.waited() + waited
        else:  # still stopping
            stopping = time.monotonic() - at - self.waited() + waited - (harness_waits() - harness_then) / 1e9
        return until_answer + max(stopping, (self._cpu_read - cpu_then) / 1e9) + self.owed

    @property
    def stopped(self) -> bool:
        """Whether the call under way was ended (`stop`) since it began."""
        return self._cpu_at_stop is not None

    def stop(self) -> float:
        """End the call: its time as charged. CPU used from here until the next `start` is owed by that call."""
        charged = self.charged()
        self._cpu_at_stop = self._cpu_read
        return charged

    def close(self) -> None:
        for reader in [*self._delays.values(), *([self._cpu] if self._cpu else [])]:
            reader.close()
        self._delays.clear()
        self._cpu = None

    def group_cpu(self) -> int:
        """The CPU nanoseconds the agent's group has used so far (0 without a group)."""
        return (_read(self._cpu) or 0) if self._cpu is not None else 0


def _run_delay(text: bytes) -> int:
    return int(text.split(None, 2)[1])


def harness_waits() -> int:
    """Nanoseconds the calling thread of the harness has waited for a CPU so far."""
    try:
        return _run_delay(Path("/proc/thread-self/schedstat").read_bytes())
    except (OSError, ValueError, IndexError):
        return 0  # a kernel without schedstat: the agent's time is then all the wall time


def _read(reader: CounterReader) -> int | None:
    try:
        return reader.parse(os.pread(reader.fd, COUNTER_BYTES, 0))
    except (OSError, ValueError, IndexError):
        return None  # the process is gone
