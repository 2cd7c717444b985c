"""Whether an agent can run before the harness writes to it again, told without stopping it.

Between its calls nothing of an agent may run: its opponent has the move. Freezing its group makes
sure of that, but a freeze, the wait until every process of it has stopped and the thaw cost a switch
into each of its processes and two cgroup writes: on the CPU it shares with the harness, about as
much as the rest of a round trip. Most agents need none of it. Once they have answered, their one
process sleeps reading the harness's pipe, and only the harness's next message can wake it. A few
reads of /proc and the agent's cgroup show that (about 6 µs, 11 where its supervisor tells of no changes):

- its process sleeps in read() (its system call, which /proc/PID/syscall names only for a task that
  is neither running nor ready to run) on a descriptor of the very pipe the harness writes (the same
  inode): no other pipe will do, as the kernel itself may close another's last writer (the garbage
  collector of UNIX sockets does, for a pipe end sent into a socket no one holds). Asleep there, it
  waits for the pipe's data: the pipe's lock is an uninterruptible wait (D), and a tracer or a
  filter of its own, which could hold it elsewhere in that call, it cannot have;
- it was not on a CPU from before the first look to after the last one (its CPU time, its waits for
  a CPU and its count of turns on one, /proc/PID/schedstat, did not change): every look saw the same
  sleep;
- it catches no signal, of all 64 (a timer it armed, an I/O signal it asked for, would run its
  handler; one it does not catch is ignored, as the first process of a PID namespace ignores those
  whose default is to end it, or ends it). /proc/PID/status tells; /proc/PID/stat, at half the cost,
  shows only signals 1-31, enough where its seccomp filter refuses handlers for the others;
- its group never held a process or thread but it and its supervisor, which only waits for it to
  end, answers its sysinfo and statfs calls and hears of the changes below, made only while it runs
  (pids.peak, the most it ever held: a thread sharing its descriptors could have swapped the one its
  read named after the read began on another pipe, and ended before the look), and the supervisor is
  still there (a task started after it ended would not raise the peak; the agent, which cannot
  change its parent-death signal from SIGKILL, ends with it anyway): so its process has one thread,
  as stat, where it is read, shows too.

Where its supervisor hears of every call that sets a signal's action, or could put another file at
the descriptor the harness's calls come on (`arena.sandbox.sysinfo`: it writes a byte to a pipe the
harness holds before it lets the call run), what the agent catches (stat) and what that descriptor is
(its link) are read only once at first and after such a call: with no byte on that pipe since a proof
that read them, they are what they were then. Only that descriptor's changes are told of, so another
one the agent reads (a copy of it) is looked at every time. The supervisor holds the pipe only while
it hears of them, so a pipe that ended tells to read them always.

Only the harness writes to that pipe: an agent run as another user cannot even open it again through
/proc (the pipe is the harness's, mode 0600), and a writer of its own would need it awake to write;
the harness keeps its end open, so no end of file comes either.

Where any of it is not shown, the harness freezes the agent (`arena.sandbox.agent`).
"""

from __future__ import annotations

import os
import select
from pathlib import Path

READ_SYSCALL = {"x86_64": b"0", "aarch64": b"63"}.get(os.uname().machine)  # read(2), as /proc/PID/syscall shows it


class IdleProof:
    """Tells whether the agent's process `pid` is provably asleep until the harness writes to `pipe_fd`
    (its end of the pipe the agent reads), `expected_tasks` being the most tasks its group may ever
    have held (it, and its supervisor if any), as `task_peak` counts them; OSError where this kernel
    does not show what the proof reads. `realtime_handlers_refused`: its seccomp filter lets it set no
    handler for signals 32-64, so that /proc/PID/stat, which shows only 1-31, tells all it catches.
    `changes`: the read end (non-blocking, kept by the caller) of the pipe where the `supervisor` tells
    of every call setting a signal's action or that could put another file at the agent's descriptor
    `calls_fd`, which ends where it does not; what it catches, and what that descriptor is, are then read
    only after one (and at first)."""

    def __init__(self, pid: int, pipe_fd: int, task_peak: Path, expected_tasks: int,
                 realtime_handlers_refused: bool = False, supervisor: int | None = None,
                 changes: int | None = None, calls_fd: int | None = None):
        if READ_SYSCALL is None:
            raise OSError(f"no read system call number known for {os.uname().machine}")
        # What /proc/PID/fd shows for a descriptor of that pipe: one file system holds every pipe, so its inode
        # number alone names it, and no file of another file system reads back as "pipe:[...]".
        self._pipe = b"pipe:[%d]" % os.fstat(pipe_fd).st_ino
        self._expected = b"%d\n" % expected_tasks
        self._asleep_alone_catching_nothing = (_asleep_alone_catching_nothing_stat if realtime_handlers_refused
                                               else _asleep_alone_catching_nothing)
        self.shown: bytes | None = None  # its schedstat line, unchanged throughout the last proof that held
        self._fds: list[int] = []
        # Readable once the supervisor has ended (its pidfd), or told of a change, or tells no more.
        self._events = select.poll()
        self._changes = changes if supervisor is not None and calls_fd is not None else None
        self._calls_fd = calls_fd
        self._known = False  # its signals and `calls_fd` read since the supervisor last told of a change
        self._ended: int | None = None  # the supervisor's pidfd
        signals = "stat" if realtime_handlers_refused else "status"
        for path, flags in ((f"/proc/{pid}/schedstat", 0), (f"/proc/{pid}/syscall", 0), (f"/proc/{pid}/fd", os.O_DIRECTORY),
                            (f"/proc/{pid}/{signals}", 0), (task_peak, 0)):
            try:
                self._fds.append(os.open(path, os.O_RDONLY | os.O_CLOEXEC | flags))
            except OSError:
                self.close()
                raise
        if supervisor is not None:
            try:
                self._fds.append(os.pidfd_open(supervisor))
            except OSError:
                self.close()
                raise
            self._ended = self._fds[-1]
            self._events.register(self._ended, select.POLLIN)
            if self._changes is not None:
                self._events.register(self._changes, select.POLLIN)

    def holds(self, since: bytes | None = None) -> bool:
        """True only if nothing of the agent can run before the harness's next message; False when
        not shown, whatever the reason (a process gone, a file this kernel does not have). `since`:
        its schedstat line as `look` read it a moment ago, if the proof may begin from there."""
        turns, syscall, descriptors, signals, peak = self._fds[:5]
        try:
            # Its CPU time, wait for a CPU and turns on one: the same before and after, it never ran between.
            before = since if since is not None else os.pread(turns, 256, 0)
            call = os.pread(syscall, 256, 0).split(None, 2)  # [b"running"] where it is not asleep
            if call[0] != READ_SYSCALL:
                return False
            if os.pread(peak, 64, 0) != self._expected:
                return False
            events = dict(self._events.poll(0))
            if self._ended in events:  # the supervisor has ended
                return False
            fd = int(call[1], 16)
            read_again = not self._known or self._changes is None or self._changes in events
            if (read_again or fd != self._calls_fd) and os.readlink(b"%d" % fd, dir_fd=descriptors) != self._pipe:
                return False
            if read_again and not self._asleep_alone_catching_nothing(os.pread(signals, 4096, 0)):
                return False
            if os.pread(turns, 256, 0) != before:
                return False
            if read_again and self._changes is not None and fd == self._calls_fd:
                # What it catches and `calls_fd` are known: until the supervisor tells of a change (only those of
                # `calls_fd` are told of, so another descriptor it reads is looked at every time).
                self._known = _drained(self._changes)
            self.shown = before
            return True
        except (OSError, ValueError):
            return False

    def on_its_way(self) -> bool:
        """Whether the agent is running, not asleep anywhere: on its way back to its read, as it is just
        after its answer (or working on, which `holds` then never shows)."""
        try:
            return os.pread(self._fds[1], 64, 0).startswith(b"running")
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


def _drained(pipe: int) -> bool:
    """Read all `pipe` holds (non-blocking); False where it has ended (nothing will be told on it)."""
    while True:
        try:
            if not os.read(pipe, 4096):
                return False
        except BlockingIOError:
            return True


def _asleep_alone_catching_nothing(status: bytes) -> bool:
    """From /proc/PID/status: asleep (S), one thread, and no handler for any signal (SigCgt: all 64 of
    them; the mask in /proc/PID/stat shows only the first 31)."""
    return (b"\nState:\tS " in status and b"\nThreads:\t1\n" in status
            and b"\nSigCgt:\t0000000000000000\n" in status)


def _asleep_alone_catching_nothing_stat(stat: bytes) -> bool:
    """From /proc/PID/stat: asleep (S), one thread (field 20) and no handler for signals 1-31 (field 34,
    sigcatch; after the name, which may hold spaces and brackets, fields count from 3, the state)."""
    fields = stat[stat.rindex(b")") + 2:].split(None, 32)
    return fields[0] == b"S" and fields[17] == b"1" and fields[31] == b"0"
