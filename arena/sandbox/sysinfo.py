"""sysinfo(2) inside the sandbox, answered by its supervisor with the stand-ins its /proc shows.

sysinfo tells the machine's uptime, load, memory and number of threads; the last moves whenever any
process of the machine makes a thread, a channel between sandboxes, and the rest is the host's. The
C library sizes things by it (sysconf(_SC_PHYS_PAGES), which Python's `os.sysconf` and numpy's import
call), and takes any answer as given, so refusing it would hand them garbage. Instead the agent's
seccomp filter passes each call to the agent's supervisor (SECCOMP_RET_USER_NOTIF), the one process
of the sandbox the agent cannot touch, which writes the stand-in into the caller's memory and lets the
call return: its memory limit as all the memory there is, all of it free, no swap, no load, no
uptime and one process, as /proc/meminfo, /proc/loadavg and /proc/uptime say (`isolate.proc_stand_ins`).
The supervisor answers statfs and fstatfs the same way, with the host's file systems full and still
(`arena.sandbox.statfs`). The filter's rule goes with every program the agent starts, so their calls
are answered alike.

It also hears of every call that changes what the harness's idle proof reads (`arena.sandbox.idle`: an
agent asleep on its pipe, catching no signal, is left unfrozen between its calls): one setting an action
for a signal of 1-31 (the filter refuses handlers for the others), and one that could put another file
at the descriptor the agent reads the harness's calls from. Before it lets the call run, it writes a byte
to a pipe the harness holds, after which the harness reads those again. The supervisor holds that pipe only
while it hears of them: where it does not (no listener came), the pipe ends, and the harness reads them always.

Only a supervisor that may write into the agent's memory answers (one run as root: the agent is not
dumpable), on a kernel with seccomp listeners and pidfds (Linux 5.3); elsewhere the calls run as they
would without a sandbox.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import os
import re
import select
import socket
import struct

from arena.sandbox import statfs

SYSCALL = 99  # sysinfo on x86-64
ANSWERED = (SYSCALL, *statfs.SYSCALLS)  # the calls the filter hands to the supervisor
# The calls told of, then run (x86-64 numbers): setting a signal's action, and what may put another file at a
# descriptor (closing it, duplicating another onto it, closing a range, and running a program, which closes
# those marked close-on-exec). The filter hands over only those that set an action or name the calls' descriptor.
TOLD = {"rt_sigaction": 13, "close": 3, "dup2": 33, "dup3": 292, "close_range": 436, "execve": 59, "execveat": 322}
_TOLD_NUMBERS = frozenset(TOLD.values())

# struct sysinfo on x86-64: uptime, loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap,
# procs (and its padding), totalhigh, freehigh, mem_unit; 112 bytes.
_SYSINFO = struct.Struct("<q3Q6QH6x2QI4x")
# struct seccomp_notif: id, pid, flags, then seccomp_data (nr, arch, instruction pointer, six arguments)
_NOTIFICATION = struct.Struct("<QIIiIQ6Q")
_RESPONSE = struct.Struct("<QqiI")  # struct seccomp_notif_resp: id, val, error, flags
_RECEIVE = 0xC0000000 | _NOTIFICATION.size << 16 | ord("!") << 8 | 0  # SECCOMP_IOCTL_NOTIF_RECV
_SEND = 0xC0000000 | _RESPONSE.size << 16 | ord("!") << 8 | 1  # SECCOMP_IOCTL_NOTIF_SEND
_STILL_WAITING = 0x40000000 | 8 << 16 | ord("!") << 8 | 2  # SECCOMP_IOCTL_NOTIF_ID_VALID
_CONTINUE = 1  # SECCOMP_USER_NOTIF_FLAG_CONTINUE (Linux 5.5): the call runs as the filter had allowed it


def stand_in(memory_bytes: int) -> bytes:
    """What sysinfo answers in a sandbox whose memory limit is `memory_bytes`."""
    return _SYSINFO.pack(0, 0, 0, 0, memory_bytes, memory_bytes, 0, 0, 0, 0, 1, 0, 0, 1)


@functools.cache
def tells_changes() -> bool:
    """Whether the supervisor hears of the agent's calls in `TOLD`: where this kernel lets a call its filter
    handed over run on once told of (Linux 5.5)."""
    release = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return release is not None and (int(release[1]), int(release[2])) >= (5, 5)


@functools.cache
def answered_here() -> bool:
    """Whether a supervisor started by this process may write into its agent's memory (it runs as root) and
    can tell when the agent ends while it waits for calls (pidfds, Linux 5.3)."""
    if os.geteuid() != 0:
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except (AttributeError, OSError):
        return False
    return True


class Answers:
    """What the supervisor answers with, made before the sandbox's namespaces: the stand-in for a sandbox
    whose memory limit is `memory_bytes`, the ids (`uid`, `gid`) its agent runs as, a link over which the
    agent's process sends its filter's listener, the machine's /proc, where the callers' memory and
    files are (the supervisor shares the agent's mount namespace, whose /proc soon shows the sandbox's
    processes only), and `changes`, the write end of the harness's pipe where it tells of each call in
    `TOLD` (non-blocking: a full pipe tells as much), where this kernel lets a call told of run on
    (`tells_changes`; None elsewhere)."""

    def __init__(self, memory_bytes: int, uid: int, gid: int, changes: int | None) -> None:
        self._answer = stand_in(memory_bytes)
        self._uid, self._gid = uid, gid
        self._changes = changes
        supervisor_end, agent_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._link, self._agent_end = supervisor_end.detach(), agent_end.detach()
        self._proc = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def supervisor_fds(self) -> tuple[int, ...]:
        """The descriptors `serve` uses, which the supervisor keeps when it closes the rest."""
        return self._link, self._proc, *self._change_fds()

    def agent_side(self) -> socket.socket:
        """In the agent's process: its end of the link (for `hand_over`); the supervisor's parts are closed
        (the agent must not hold the changes' pipe open once its supervisor has let it go)."""
        for fd in (self._link, self._proc, *self._change_fds()):
            os.close(fd)
        return socket.socket(fileno=self._agent_end)

    def close(self) -> None:
        for fd in (self._link, self._agent_end, self._proc, *self._change_fds()):
            os.close(fd)

    def _change_fds(self) -> tuple[int, ...]:
        return () if self._changes is None else (self._changes,)

    def serve(self, agent: int) -> None:
        """In the supervisor, once it closed everything else: answer the calls of `agent` and of what it
        starts until `agent` ends. The link closing without the listener (an agent gone first) ends this at once.
        The changes' pipe is closed when this returns: from then on no call is told of."""
        try:
            self._serve(agent)
        finally:
            for fd in self._change_fds():
                os.close(fd)

    def _serve(self, agent: int) -> None:
        try:
            _, fds, _, _ = socket.recv_fds(socket.socket(fileno=self._link), 1, 1)
        except OSError:
            return
        if not fds:
            return
        listener = fds[0]
        try:
            ended = os.pidfd_open(agent)
        except OSError:  # the agent is gone already
            os.close(listener)
            return
        file_systems = self._take_agent_root(agent)
        poller = select.poll()
        poller.register(ended, select.POLLIN)
        poller.register(listener, select.POLLIN)
        while True:
            events = dict(poller.poll())
            if ended in events:
                return
            if events.get(listener, 0) & (select.POLLHUP | select.POLLERR):
                poller.unregister(listener)  # no process holds the filter any more
            elif listener in events:
                _answer_one(listener, self._proc, self._answer, file_systems, self._changes)

    def _take_agent_root(self, agent: int) -> statfs.FileSystems | None:
        """Root this process where `agent` is rooted (its filesystem is built once it sent the listener), so
        that the paths it names are looked up in its view, and hold no supplementary group it has not; None
        where it cannot (its statfs calls then answer ENOSYS, as a kernel without them)."""
        try:
            root = os.open(f"{agent}/root", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=self._proc)
        except OSError:
            return None  # the agent is gone
        try:
            os.fchdir(root)
            try:
                os.chroot(".")  # where the agent's pivot_root took it already, sharing its mount namespace
            except OSError:  # a root without the right to (in some containers): so long as it is there
                if not os.path.samestat(os.fstat(root), os.stat("/")):
                    return None
            os.setgroups([])
            return statfs.FileSystems(self._proc, os.stat("/").st_dev, self._uid, self._gid)
        except OSError:
            return None
        finally:
            os.close(root)


def hand_over(listener: int, link: socket.socket) -> None:
    """From the agent's process: send its filter's `listener` to the supervisor over `link`, keeping neither."""
    try:
        socket.send_fds(link, [b"l"], [listener])
    finally:
        os.close(listener)
        link.close()


def _answer_one(listener: int, proc: int, answer: bytes, file_systems: statfs.FileSystems | None,
                changes: int | None) -> None:
    notification = bytearray(_NOTIFICATION.size)  # the kernel wants it zeroed
    try:
        fcntl.ioctl(listener, _RECEIVE, notification)
    except OSError:
        return  # the caller was interrupted, or is gone
    call, pid, _, number, _, _, *arguments = _NOTIFICATION.unpack(notification)
    flags = 0
    if number == SYSCALL:
        error = _write(listener, proc, call, pid, arguments[0], answer)
    elif number in statfs.SYSCALLS and file_systems is not None:
        error = file_systems.answer(pid, number, tuple(arguments), lambda: _still_waiting(listener, call))
    elif number in _TOLD_NUMBERS:
        if changes is not None:
            _tell(changes)  # before the call runs: once it has, the harness finds the byte there
        error, flags = 0, _CONTINUE
    else:
        error = -errno.ENOSYS
    try:
        fcntl.ioctl(listener, _SEND, _RESPONSE.pack(call, 0, error, flags))
    except OSError:
        pass  # the caller is gone


def _tell(pipe: int) -> None:
    """A byte on the harness's pipe."""
    try:
        os.write(pipe, b"a")
    except OSError:
        pass  # full, so it has told already; or the harness is gone, so there is no one to tell


def _write(listener: int, proc: int, call: int, pid: int, address: int, answer: bytes) -> int:
    """Write `answer` at `address` in the memory of `pid`, still waiting for call `call`: 0, or -errno."""
    try:
        memory = os.open(f"{pid}/mem", os.O_RDWR | os.O_CLOEXEC, dir_fd=proc)
    except OSError:
        return -errno.EFAULT
    try:
        # Opened while the caller still waits: the file is that process's memory, whatever reuses its number.
        if not _still_waiting(listener, call):
            return -errno.ESRCH  # answered to no one
        return statfs.write_into(memory, address, answer)  # or EFAULT, as the kernel answers a bad address
    finally:
        os.close(memory)


def _still_waiting(listener: int, call: int) -> bool:
    try:
        fcntl.ioctl(listener, _STILL_WAITING, struct.pack("<Q", call))
    except OSError:
        return False
    return True
