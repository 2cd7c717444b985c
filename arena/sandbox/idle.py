"""Whether an agent can run before the harness writes to it again, told without stopping it.

Between its calls nothing of an agent may run: its opponent has the move. Freezing its group makes
sure of that, but a freeze, the wait until every process of it has stopped and the thaw cost a switch
into each of its processes and two cgroup writes: on the CPU it shares with the harness, about as
much as the rest of a round trip. Most agents need none of it. Once they have answered, their one
process sleeps reading its pipe, and only the harness's next message can wake it. Four reads of
/proc and the agent's cgroup (a few microseconds) show that:

- its process sleeps in a pipe read (its wait channel), and was not on a CPU from before that look
  to after the last one (its count of turns on a CPU did not change): every look saw the same sleep;
- it catches no signal: a timer it armed or an I/O signal it asked for would otherwise run its
  handler (a signal it does not catch ends it, or is ignored: the first process of a PID namespace
  ignores those whose default is to end it);
- its group holds no process or thread but it and its supervisor, which only waits for it to end;
- so no one can write to the pipe it reads but the harness: another pipe's writers are the agent's
  own processes (none is awake) or none at all (sandboxes share nothing).

Where any of it is not shown, the harness freezes the agent (`arena.sandbox.agent`).
"""

from __future__ import annotations

import os
from pathlib import Path

PIPE_READS = (b"pipe_read", b"anon_pipe_read", b"fifo_pipe_read")  # the wait channel's names across kernels
_STAT_STATE, _STAT_CAUGHT = 0, 31  # fields 3 and 34 of /proc/PID/stat, counted from the one after the name


class IdleProof:
    """Tells whether the agent's process `pid` is provably asleep until the harness writes to it,
    `expected_tasks` being the tasks its group holds then (it, and its supervisor if any)."""

    def __init__(self, pid: int, task_count: Path, expected_tasks: int):
        self._expected = expected_tasks
        self._fds: list[int] = []
        for path in (f"/proc/{pid}/schedstat", f"/proc/{pid}/wchan", f"/proc/{pid}/stat", task_count):
            try:
                self._fds.append(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
            except OSError:
                self.close()
                raise

    def holds(self) -> bool:
        """True only if nothing of the agent can run before the harness's next message; False when
        not shown, whatever the reason (a process gone, a file this kernel does not have)."""
        turns, wait, stat, tasks = self._fds
        try:
            before = _turns_on_a_cpu(os.pread(turns, 256, 0))
            if os.pread(wait, 64, 0) not in PIPE_READS:
                return False
            # After the name, which the agent chooses and may fill with anything but a closing bracket
            fields = os.pread(stat, 1024, 0).rsplit(b")", 1)[1].split()
            if fields[_STAT_STATE] != b"S" or fields[_STAT_CAUGHT] != b"0":
                return False
            if int(os.pread(tasks, 64, 0)) != self._expected:
                return False
            return _turns_on_a_cpu(os.pread(turns, 256, 0)) == before
        except (OSError, ValueError, IndexError):
            return False

    def close(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds = []


def _turns_on_a_cpu(schedstat: bytes) -> int:
    """How many times the process was put on a CPU (the third number of /proc/PID/schedstat)."""
    return int(schedstat.split()[2])
