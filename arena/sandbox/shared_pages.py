"""The shared software's libraries, read into memory by the harness before any agent can read them first.

The kernel charges a page of a file to the memory cgroup of the process that first read it, for as
long as the page stays in memory, whoever uses it afterwards. An agent that loaded a library first
(torch, say) would have what both agents map counted against its own memory cap, and could drop
those pages by filling its memory while its opponent sleeps: the opponent would read them back from
disk, on its own clock. So the launcher reads every shared library of the folders agents import from
before it forks the first worker, and every page an agent maps is already the harness's; it reads
them again before a later worker when a while has passed, for the pages the kernel dropped meanwhile
under the whole machine's pressure (a page read back by an agent in between stays that agent's).

Walking the folders takes most of that time (tens of thousands of entries, on a launcher's every
start), so the list is remembered, a file for each Python install (`cache_name`), in arena's cache
folder, which the launcher holds open (its path, which names the harness's user, stays out of the
memory workers copy), with each folder's modification time, which a file added, removed or renamed
in it changes: a listing whose folders are unchanged is the remembered one, checked with a stat of
each folder. A list no launcher has read for a month (its Python install removed, say) is deleted
when another is written.

Only shared libraries: they stay mapped and in use while games are played, where Python's sources
and bytecode are read once, at import.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import json
import mmap
import os
import stat
import sys
import time
from pathlib import Path
from typing import Iterable, Iterator

from arena.sandbox.cgroups import machine_memory

MADV_POPULATE_READ = 22  # from <linux/mman.h> (Linux 5.14): fault a mapping's pages in without copying them
SYS_CACHESTAT = 451  # Linux 6.5, the same number on every architecture: a file's pages in memory, counted
BUFFER_BYTES = 1 << 20  # read through this buffer where the kernel lacks MADV_POPULATE_READ
SHARE_OF_MEMORY = 4  # read at most a quarter of the machine's memory, the largest libraries first
READ_AGAIN_AFTER = 60.0  # seconds
SKIPPED_FOLDERS = (".dist-info", ".egg-info")  # metadata, never a library
# A folder changed this recently may change again without a new modification time (the kernel stamps
# them with a clock that moves in ticks): a listing that holds one is not remembered.
SETTLED_NS = 2_000_000_000
LIST_PREFIX = "shared-libraries-"
UNUSED_SECONDS = 30 * 86_400  # a list not read for this long is deleted when another is written
TOUCHED_EVERY_SECONDS = 86_400  # a list read is marked used (its modification time) at most this often


def import_folders() -> list[Path]:
    """The folders Python imports from: its search path and those of the modules loaded so far."""
    paths = {Path(p) for p in sys.path if p and Path(p).exists()}
    paths |= {Path(m.__file__).parent for m in list(sys.modules.values()) if getattr(m, "__file__", None)}
    return outermost(paths)


def outermost(paths: Iterable[Path]) -> list[Path]:
    """`paths` resolved, less those inside another."""
    kept: list[Path] = []
    for path in sorted(p.resolve() for p in paths):
        if not any(path.is_relative_to(outer) for outer in kept):
            kept.append(path)
    return kept


class SharedLibraries:
    """Reads the shared libraries under `folders` into memory, the largest first and a quarter of the
    machine's memory at most, in a child process (this one goes on meanwhile: the launcher imports)."""

    def __init__(self, folders: Iterable[Path], cache: int | None = None):
        self.folders = list(folders)
        self.cache = cache  # the folder (open) the list of libraries is kept in between starts, if any
        self.read_at: float | None = None  # time.monotonic() when the last reading began
        self._done: int | None = None  # a pipe's read end: end of file once the child has finished

    def start(self) -> None:
        self.read_at = time.monotonic()
        done, finished = os.pipe2(os.O_CLOEXEC)
        pid = os.fork()
        if pid == 0:
            try:
                # Nothing of the launcher's held open by this child but the cache's folder: its harness
                # sees it end when it ends.
                kept = sorted({finished} | ({self.cache} if self.cache is not None else set()))
                for low, high in zip([3] + [fd + 1 for fd in kept], kept + [os.sysconf("SC_OPEN_MAX")]):
                    os.closerange(low, high)
                for path in self.files():
                    _read_into_memory(path)
            finally:
                os._exit(0)
        os.close(finished)
        self._done = done

    def wait(self) -> None:
        """Return once the reading has finished (however its child ended)."""
        if self._done is not None:
            while os.read(self._done, 1):
                pass
            os.close(self._done)
            self._done = None

    def ready(self) -> None:
        """Return once every library is in memory: the last reading has finished, and when it began
        a while ago, another one has (for what the kernel dropped since)."""
        self.wait()
        if self.read_at is None or time.monotonic() - self.read_at >= READ_AGAIN_AFTER:
            self.start()
            self.wait()

    def files(self) -> list[str]:
        found = sorted(libraries(self.folders, self.cache), key=lambda entry: (-entry[1], entry[0]))
        budget, kept = machine_memory() // SHARE_OF_MEMORY, []
        for path, size in found:
            if size <= budget:
                kept.append(path)
                budget -= size
        return kept


def libraries(folders: list[Path], cache: int | None = None) -> list[tuple[str, int]]:
    """(path, size) of every shared library (`*.so`, `*.so.N`) under `folders`, links not followed,
    bytecode caches and packages' metadata not looked into: as `cache_name(folders)` in the folder
    open as `cache` lists them when none of the folders it walked has changed since, else walked (and
    remembered there)."""
    key = [str(folder) for folder in folders]
    name = cache_name(folders)
    if cache is not None:
        try:
            opener = functools.partial(os.open, dir_fd=cache)
            with open(name, "rb", opener=opener) as file:
                kept = json.load(file)
                if kept["folders"] == key and all(_modified(folder) == stamp for folder, stamp in kept["walked"].items()):
                    _mark_used(file.fileno())
                    return [(path, size) for path, size in kept["libraries"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # none yet, or not one this version wrote: walked again
    found, walked = _walk(key)
    if cache is not None and time.time_ns() - max(walked.values(), default=0) > SETTLED_NS:
        _remember(cache, name, {"folders": key, "walked": walked, "libraries": found})
    return found


def _walk(folders: list[str]) -> tuple[list[tuple[str, int]], dict[str, int]]:
    """The libraries under `folders`, and the modification time of each folder walked, taken before
    its entries were read (a change made while they were shows as a change)."""
    found: list[tuple[str, int]] = []
    walked: dict[str, int] = {}
    pending = list(folders)
    while pending:
        folder = pending.pop()
        try:
            walked[folder] = _modified(folder)
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                name = entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if name != "__pycache__" and not name.endswith(SKIPPED_FOLDERS):
                            pending.append(entry.path)
                    elif (name.endswith(".so") or ".so." in name) and entry.is_file(follow_symlinks=False):
                        found.append((entry.path, entry.stat(follow_symlinks=False).st_size))
                except OSError:
                    continue  # gone meanwhile
    return found, walked


def _modified(folder: str) -> int:
    return os.stat(folder, follow_symlinks=False).st_mtime_ns


def cache_name(folders: list[Path]) -> str:
    """The file the libraries under `folders` are listed in (`shared-libraries-<digest of the folders>.json`)."""
    digest = hashlib.sha256("\0".join(map(str, folders)).encode()).hexdigest()[:16]
    return f"{LIST_PREFIX}{digest}.json"


def _mark_used(fd: int) -> None:
    """Mark the open list `fd` as read now, where it has not been for a day (a write at most that often)."""
    with contextlib.suppress(OSError):  # a list the harness may not change is left as it is
        if time.time() - os.fstat(fd).st_mtime > TOUCHED_EVERY_SECONDS:
            os.utime(fd)


def _forget_unused(cache: int) -> None:
    """Delete the lists in the folder open as `cache` that no launcher has read for UNUSED_SECONDS, and
    the parts of lists whose writer died before it finished them."""
    too_old = time.time() - UNUSED_SECONDS
    with contextlib.suppress(OSError):
        for entry in os.scandir(cache):
            if entry.name.startswith((LIST_PREFIX, f".{LIST_PREFIX}")):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < too_old:
                        os.unlink(entry.name, dir_fd=cache)


def _remember(cache: int, name: str, listing: dict) -> None:
    """Write `listing` whole as `name` in the folder open as `cache` (another launcher may read it
    meanwhile); where it cannot be written (a read-only home, say), the next start walks the folders again."""
    partial = f".{name}.{os.getpid()}"
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644, dir_fd=cache)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w") as file:
            json.dump(listing, file)
        os.replace(partial, name, src_dir_fd=cache, dst_dir_fd=cache)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(partial, dir_fd=cache)
        return
    _forget_unused(cache)


def _read_into_memory(path: str) -> None:
    """Every page of the file at `path` in memory: those missing read (or faulted in, without a copy)."""
    try:
        # Not blocking, nor following a link: what is there now may not be what the scan found.
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return  # removed or replaced since it was found
    try:
        found = os.fstat(fd)
        size = found.st_size if stat.S_ISREG(found.st_mode) else 0
        if size and not _all_cached(fd, size) and not _mapped_in(fd, size):
            buffer = memoryview(bytearray(BUFFER_BYTES))
            while os.readv(fd, [buffer]) == BUFFER_BYTES:
                pass
    except OSError:
        pass  # a file that cannot be read is one the agents cannot load either
    finally:
        os.close(fd)


def _all_cached(fd: int, size: int) -> bool:
    """Whether every page of the file is in memory, counted by the kernel without mapping the file (a
    third of the time of mapping it and asking page by page, on a launcher's every start); False where
    this kernel cannot count them."""
    counted = _CacheStat()
    if _libc.syscall(SYS_CACHESTAT, fd, ctypes.byref(_WHOLE_FILE), ctypes.byref(counted), 0) != 0:
        return False
    return counted.cache >= -(-size // mmap.PAGESIZE)


def _mapped_in(fd: int, size: int) -> bool:
    """Bring the file's missing pages into memory through a mapping, those alone: faulting in every page
    of a large library where a few are missing costs a tenth of a second (torch's), on the way of a
    launcher's first worker. False where this kernel cannot."""
    address = _libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
    if address in (None, MAP_FAILED):
        return False
    try:
        resident = (ctypes.c_ubyte * -(-size // mmap.PAGESIZE))()
        if _libc.mincore(address, size, resident) != 0:
            return _libc.madvise(address, size, MADV_POPULATE_READ) == 0
        for first, end in _missing_runs(bytes(resident).translate(_LOWEST_BIT)):
            if _libc.madvise(address + first * mmap.PAGESIZE, (end - first) * mmap.PAGESIZE, MADV_POPULATE_READ) != 0:
                return False
        return True
    finally:
        _libc.munmap(address, size)


def _missing_runs(resident: bytes) -> Iterator[tuple[int, int]]:
    """(first, end) of each run of pages that `resident` (mincore's vector, a byte a page: 1 in memory,
    0 not) shows missing."""
    first = resident.find(0)
    while first >= 0:
        end = resident.find(1, first)
        if end < 0:
            end = len(resident)
        yield first, end
        first = resident.find(0, end)


_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long)
_libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
_libc.mincore.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
_libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
MAP_FAILED = ctypes.c_void_p(-1).value
_LOWEST_BIT = bytes(value & 1 for value in range(256))  # mincore's other bits are reserved


class _CacheRange(ctypes.Structure):  # struct cachestat_range, <linux/mman.h>
    _fields_ = [("offset", ctypes.c_uint64), ("length", ctypes.c_uint64)]


class _CacheStat(ctypes.Structure):  # struct cachestat: counts of pages
    _fields_ = [(name, ctypes.c_uint64) for name in ("cache", "dirty", "writeback", "evicted", "recently_evicted")]


_WHOLE_FILE = _CacheRange(0, 0)  # a length of 0: to the end of the file
