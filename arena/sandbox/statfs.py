"""statfs(2) and fstatfs(2) inside the sandbox, answered with the host's file systems full and still.

statfs tells a file system's free blocks and inodes as they are that instant. The agent reads the host's
software on the host's disk, where the harness writes every agent's log and the machine writes what it
will: one sandbox printing a lot and another watching that disk's free space would pass signs, and any
agent could watch the machine's other work. So the agent's filter hands each call to its supervisor
(`arena.sandbox.sysinfo`), which makes it for the agent, looking the path up as the agent would: from the
agent's root and working folder (the supervisor is rooted where the agent is), with the agent's ids, and
through the agent's own descriptor for fstatfs.

Every file system but the sandbox's own tmpfs (its root, which holds /submission, /tmp and all else the
agent may write) is then shown as a read-only image holding nothing more: no free blocks, none available,
no free inodes, as squashfs and iso9660 say. That is true for the agent, who may write nothing there, and
it tells nothing: any other fixed figure (the free space at the first call, say) would be a sample of the
machine's state. The totals are those first read of each file system (some, such as XFS's inode count,
move with its free space); its type, block size, id, name length and flags are the kernel's. The agent's
own tmpfs keeps its real figures: what it shows is what the agent wrote, which no one else moves.

Where the two views differ, the supervisor sees less: outside the agent's PID namespace, it has no
/proc/self there, so a path through it (or through /dev/fd, which leads there) answers ENOENT; and, holding
no capability while it looks up, it may not follow the links under /proc/PID (descriptors, working folder,
program) of the caller's own process, which the kernel lets the caller follow (EACCES), as it may not
those of the agent's other processes, which the agent (not dumpable) may not either: some lead out of the
agent's root, to the host's files its first process had mapped before its root was made.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from typing import Callable

STATFS, FSTATFS = 137, 138  # x86-64
SYSCALLS = (STATFS, FSTATFS)
PATH_MAX = 4096  # the longest path the kernel reads, its closing NUL included
_PAGE = os.sysconf("SC_PAGE_SIZE")
_USER_ADDRESSES = 1 << 63  # no user address is above, and Python takes no offset into /proc/PID/mem past it
# struct statfs on x86-64: type, block size, blocks, free, available, files, free files, fsid[2],
# name length, fragment size, flags, spare[4]; 120 bytes.
_STATFS = struct.Struct("<qq5Q2iqqq32x")
_FILE_SYSTEMS_KEPT = 256  # the agent mounts nothing: those it can name are the few its sandbox was built with
_libc = ctypes.CDLL(None, use_errno=True)
# Found now: the supervisor finds nothing once it serves, rooted where the agent writes.
_syscall, _setfsuid, _setfsgid, _capget, _capset = (_libc.syscall, _libc.setfsuid, _libc.setfsgid, _libc.capget,
                                                    _libc.capset)
# The ids they give back are uid_t and gid_t: a sandbox's may be 2^31 or more, which an int would show negative.
_setfsuid.argtypes = _setfsgid.argtypes = [ctypes.c_uint]
_setfsuid.restype = _setfsgid.restype = ctypes.c_uint
_NO_ID = 0xFFFFFFFF  # (uid_t)-1: setfsuid and setfsgid then change nothing and tell the id in force
_CAPABILITY_VERSION_3 = 0x20080522  # two 32-bit words of each set


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def hidden(figures: bytes, totals: tuple[int, int]) -> bytes:
    """`figures`, a struct statfs, as a read-only file system of `totals` (blocks, files) with nothing free."""
    kind, block, _, _, _, _, _, *fsid, names, fragment, flags = _STATFS.unpack(figures)
    blocks, files = totals
    return _STATFS.pack(kind, block, blocks, 0, 0, files, 0, *fsid, names, fragment, flags)


class FileSystems:
    """How the supervisor answers statfs and fstatfs for an agent whose processes run as `uid` and `gid`,
    once it is rooted where the agent is: its own tmpfs, named by `own_device`, as it is, every other
    file system `hidden`. `proc` is the machine's /proc, where the callers' memory and descriptors are."""

    def __init__(self, proc: int, own_device: int, uid: int, gid: int) -> None:
        self._proc, self._own, self._uid, self._gid = proc, own_device, uid, gid
        self._totals: dict[int, tuple[int, int]] = {}  # device -> (blocks, files) first read
        self._figures = ctypes.create_string_buffer(_STATFS.size)

    def answer(self, pid: int, number: int, arguments: tuple[int, ...], still_waiting: Callable[[], bool]) -> int:
        """Make call `number` (statfs or fstatfs) with `arguments` as `pid` asked it, and write its answer
        into `pid`'s memory: 0, or -errno as the kernel would answer. `still_waiting` tells whether `pid` is
        still the caller, waiting (its number may name another process once it is gone)."""
        opened: list[int] = []
        try:
            try:
                memory = _open(self._proc, f"{pid}/mem", os.O_RDWR, opened)
                name = f"{pid}/cwd" if number == STATFS else f"{pid}/fd/{arguments[0] & 0xFFFFFFFF}"
                start = _open(self._proc, name, os.O_PATH, opened)  # a descriptor not open: ENOENT
            except OSError as exc:
                return -(errno.EBADF if number == FSTATFS and exc.errno == errno.ENOENT else errno.EFAULT)
            # Opened while the caller waits: they are its memory and its files, whatever reuses its number.
            if not still_waiting():
                return -errno.ESRCH  # answered to no one
            if number == STATFS:
                path = _read_path(memory, arguments[0])
                if isinstance(path, int):
                    return path
                target = self._look_up(path, start, opened)
                if target < 0:
                    return target
            else:
                target = start
            figures = self._figures_of(target)
            if isinstance(figures, int):
                return figures
            return write_into(memory, arguments[1], figures)
        finally:
            for fd in opened:
                os.close(fd)

    def _look_up(self, path: bytes, cwd: int, opened: list[int]) -> int:
        """`path` looked up as the agent would (absolute from the root both share, relative from its working
        folder, the last symlink followed) with its ids and no privilege: a descriptor, or -errno.

        Its root, not openat2's RESOLVE_IN_ROOT, bounds the lookup: `..` and absolute symlinks stop there for a
        relative path too, where RESOLVE_IN_ROOT would stop them at the working folder."""
        _setfsgid(self._gid)
        _setfsuid(self._uid)
        try:
            # With none of its capabilities at work either: CAP_SYS_PTRACE would follow the links under /proc/PID.
            if not _capabilities_at_work(False) or _setfsuid(_NO_ID) != self._uid or _setfsgid(_NO_ID) != self._gid:
                return -errno.EACCES  # never looked up with more rights than the agent's
            # O_PATH opens nothing: a FIFO, a device or a file on a slow disk is named, not waited on.
            return _open(cwd, path, os.O_PATH, opened)
        except OSError as exc:
            return -(exc.errno or errno.EACCES)
        finally:
            _capabilities_at_work(True)  # those it may set its ids back with, first
            _setfsuid(0)
            _setfsgid(0)

    def _figures_of(self, target: int) -> bytes | int:
        """The struct statfs the agent is told of the file system of `target`, or -errno."""
        if _syscall(FSTATFS, target, self._figures) != 0:
            return -ctypes.get_errno()
        figures = self._figures.raw
        try:
            device = os.fstat(target).st_dev
        except OSError as exc:
            return -(exc.errno or errno.EIO)
        if device == self._own:
            return figures
        told = _STATFS.unpack(figures)
        totals = self._totals.get(device, (told[2], told[5]))
        if len(self._totals) < _FILE_SYSTEMS_KEPT:
            self._totals[device] = totals
        return hidden(figures, totals)


def _capabilities_at_work(on: bool) -> bool:
    """Make every capability this thread holds effective (`on`), or none; whether it is so."""
    header, sets = _CapHeader(_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    if _capget(ctypes.byref(header), sets) != 0:
        return False
    for words in sets:
        words.effective = words.permitted if on else 0
    return _capset(ctypes.byref(header), sets) == 0


def _open(folder: int, name: str | bytes, flags: int, opened: list[int]) -> int:
    fd = os.open(name, flags | os.O_CLOEXEC, dir_fd=folder)
    opened.append(fd)
    return fd


def _read_path(memory: int, address: int) -> bytes | int:
    """The NUL-terminated path at `address` in `memory`, read a page at a time as the kernel reads it: the
    path, or -EFAULT (an address it may not read) or -ENAMETOOLONG (no NUL in PATH_MAX bytes)."""
    path = b""
    while len(path) < PATH_MAX:
        at = address + len(path)
        wanted = min(PATH_MAX - len(path), _PAGE - at % _PAGE)
        if at + wanted > _USER_ADDRESSES:
            return -errno.EFAULT
        try:
            read = os.pread(memory, wanted, at)
        except OSError:
            return -errno.EFAULT
        end = read.find(b"\0")
        if end >= 0:
            return path + read[:end]
        if len(read) < wanted:
            return -errno.EFAULT
        path += read
    return -errno.ENAMETOOLONG


def write_into(memory: int, address: int, answer: bytes) -> int:
    """Write `answer` at `address` in `memory`: 0, or -EFAULT for an address the caller could not write."""
    if address + len(answer) > _USER_ADDRESSES:
        return -errno.EFAULT
    try:
        return 0 if os.pwrite(memory, answer, address) == len(answer) else -errno.EFAULT
    except OSError:
        return -errno.EFAULT
