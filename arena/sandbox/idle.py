"""Whether an agent can run before the harness writes to it again, told without stopping it.

Between its calls nothing of an agent may run: its opponent has the move. Freezing its group makes
sure of that, but a freeze, the wait until every process of it has stopped and the thaw cost a switch
into each of its processes and two cgroup writes: on the CPU it shares with the harness, about as
much as the rest of a round trip. Most agents need none of it. Once they have answered, their one
process sleeps reading the harness's pipe, and only the harness's next message can wake it. A few
reads of /proc and the agent's cgroup (about 10 us) show that:

- its process sleeps in read() (its system call) on a descriptor of the very pipe the harness writes
  (the same inode): no other pipe will do, as the kernel itself may close another's last writer
  (the garbage collector of UNIX sockets does, for a pipe end sent into a socket no one holds);
- it was not on a CPU from before the first look to after the last one (its CPU time, its waits for
  a CPU and its count of turns on one, /proc/PID/schedstat, did not change): every look saw the
  same sleep;
- it catches no signal, of all 64 (a timer it armed, an I/O signal it asked for, would run its
  handler; one it does not catch is ignored, as the first process of a PID namespace ignores those
  whose default is to end it, or ends it);
- its group never held a process or thread but it and its supervisor, which only waits for it to
  end (pids.peak, the most it ever held: a thread sharing its descriptors could have swapped the one
  its read named after the read began on another pipe, and ended before the look).

Only the harness writes to that pipe: an agent run as another user cannot even open it again through
/proc (the pipe is the harness's, mode 0600), and a writer of its own would need it awake to write;
the harness keeps its end open, so no end of file comes either.

Where any of it is not shown, the harness freezes the agent (`arena.sandbox.agent`).
"""

from __future__ import annotations

import os
from pathlib import Path

PIPE_READS = (b"pipe_read", b"anon_pipe_read", b"fifo_pipe_read")  # the wait channel's names across kernels
READ_SYSCALL = {"x86_64": b"0", "aarch64": b"63"}.get(os.uname().machine)  # read(2), as /proc/PID/syscall shows it


class IdleProof:
    """Tells whether the agent's process `pid` is provably asleep until the harness writes to `pipe_fd`
    (its end of the pipe the agent reads), `expected_tasks` being the most tasks its group may ever
    have held (it, and its supervisor if any), as `task_peak` counts them; OSError where this kernel
    does not show what the proof reads."""

    def __init__(self, pid: int, pipe_fd: int, task_peak: Path, expected_tasks: int):
        if READ_SYSCALL is None:
            raise OSError(f"no read system call number known for {os.uname().machine}")
        pipe = os.fstat(pipe_fd)
        self._pipe = (pipe.st_dev, pipe.st_ino)
        self._descriptors = f"/proc/{pid}/fd/"
        self._expected = b"%d\n" % expected_tasks
        self.shown: bytes | None = None  # its schedstat line, unchanged throughout the last proof that held
        self._fds: list[int] = []
        for path in (f"/proc/{pid}/schedstat", f"/proc/{pid}/wchan", f"/proc/{pid}/syscall",
                     f"/proc/{pid}/status", task_peak):
            try:
                self._fds.append(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
            except OSError:
                self.close()
                raise

    def holds(self) -> bool:
        """True only if nothing of the agent can run before the harness's next message; False when
        not shown, whatever the reason (a process gone, a file this kernel does not have)."""
        turns, wait, syscall, status, peak = self._fds
        try:
            # Its CPU time, wait for a CPU and turns on one: the same before and after, it never ran between.
            before = os.pread(turns, 256, 0)
            if os.pread(wait, 64, 0) not in PIPE_READS:
                return False
            number, descriptor = os.pread(syscall, 256, 0).split()[:2]
            if number != READ_SYSCALL:
                return False
            read_from = os.stat(self._descriptors + str(int(descriptor, 16)))
            if (read_from.st_dev, read_from.st_ino) != self._pipe:
                return False
            if not _asleep_catching_nothing(os.pread(status, 4096, 0)):
                return False
            if os.pread(peak, 64, 0) != self._expected or os.pread(turns, 256, 0) != before:
                return False
            self.shown = before
            return True
        except (OSError, ValueError):
            return False

    def on_its_way(self) -> bool:
        """Whether the agent is running, not asleep anywhere: on its way back to its read, as it is just
        after its answer (or working on, which `holds` then never shows)."""
        try:
            return os.pread(self._fds[1], 64, 0) == b"0"
        except (OSError, IndexError):
            return False

    def look(self) -> bytes | None:
        """Its CPU time, wait for a CPU and turns on one now (/proc/PID/schedstat), None where not
        read: the same as `shown` after `holds`, it was not on a CPU (nor went to sleep) in between."""
        try:
            return os.pread(self._fds[0], 256, 0)
        except (OSError, IndexError):
            return None

    def close(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds = []


def _asleep_catching_nothing(status: bytes) -> bool:
    """From /proc/PID/status: asleep (S), and no handler for any signal (SigCgt: all 64 of them; the
    mask in /proc/PID/stat shows only the first 31)."""
    return b"\nState:\tS " in status and b"\nSigCgt:\t0000000000000000\n" in status
