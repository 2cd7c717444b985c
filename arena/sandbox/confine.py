"""Process-level confinement of an agent's worker (Linux): limits, capabilities, Landlock, seccomp.

| layer | what it stops | needs |
| --- | --- | --- |
| resource limits | huge files, core dumps; memory and processes per process where no cgroup counts them | nothing (NPROC: a non-root user) |
| capability drop | a root worker without namespaces raising its limits, loading modules, tracing others | root (the worker re-executes itself) |
| Landlock | writing (and reading) outside its folder, TCP, signalling the harness | Linux 5.13+ (signal scoping 6.12+) |
| seccomp | new namespaces, mounts, tracing, kernel modules, keyrings, BPF programs (eBPF, socket and seccomp filters) and other escape hatches; socket families other than UNIX (IP, netlink, vsock); handlers for real-time signals; huge pages and names of anonymous memory (no cgroup charges them); merging pages with the machine's (KSM); core-scheduling cookies (they idle the other hyperthread); pidfds and socket cookies (their numbers count the machine's tasks and sockets) and eventfds (their ids, the machine's lowest free); the kernel's log (other sandboxes' crashes, named at will); ustat (any file system's free space by device number) and file systems' own ioctls (a map of the host's disk, free space, where a file lies; namespaces' ids, which count the machine's); quota calls (a quota sync syncs every file system of the machine); owners for a descriptor's signals (signal-driven I/O: arena's reads of its output would wake it); new sessions (done as nothing: each would show the machine's count of sessions); the host's uptime, load, memory and thread count through sysinfo, and the free space of the host's disks through statfs and fstatfs, which its supervisor answers instead (`arena.sandbox.sysinfo`, `arena.sandbox.statfs`, a root harness) | x86-64 |

The namespaces, the agent's filesystem and its identity are `arena.sandbox.isolate`'s; the
totals `arena.sandbox.cgroups`'. Every layer degrades gracefully where the system lacks it.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import socket
from pathlib import Path

from arena.sandbox import sysinfo

_libc = ctypes.CDLL(None, use_errno=True)
NICE_CEILING = 20  # RLIMIT_NICE's 20 - nice: nice 0 at best, as an unprivileged process on most hosts
LOCKED_BYTES = 64 << 10  # the kernel's usual default
# Signals queued and POSIX timers, for the agent's uid: each timer armed before an answer may expire
# while the opponent plays, an interrupt on the CPU it was armed on; a few hundred cost well under a
# millisecond. Python and its libraries keep a handful.
PENDING_SIGNALS = 256

# --- resource limits -------------------------------------------------------------------------


def set_resource_limits(memory_bytes: int | None, processes: int | None, open_files: int) -> None:
    """Cap open files, (when given) address space and processes; no core dumps, no raised
    priority (real-time or below nice 0), no memory locked past what Python needs and few timers and
    queued signals. Hard limits too.

    Address space and processes are capped per process only where no cgroup counts them in total.
    Open files are capped per process: no cgroup counts them, and the host's table of open files is
    shared by every process on it (full, it refuses every unprivileged open, pipe and socket).
    Priority is set here, not inherited: a harness allowed more must not pass that on.
    """
    for limit, value in ((resource.RLIMIT_AS, memory_bytes), (resource.RLIMIT_NOFILE, open_files),
                         (resource.RLIMIT_CORE, CORE_LIMIT), (resource.RLIMIT_NPROC, processes), (resource.RLIMIT_RTPRIO, 0),
                         (resource.RLIMIT_NICE, NICE_CEILING), (resource.RLIMIT_MEMLOCK, LOCKED_BYTES),
                         (resource.RLIMIT_SIGPENDING, PENDING_SIGNALS)):
        if value is not None:
            _cap(limit, value)


def limit_file_size(file_bytes: int) -> None:
    """Cap the size of a file the process writes, hard limit too: set once the submission's own
    files (weights larger than the cap, say) are copied into its folder."""
    _cap(resource.RLIMIT_FSIZE, file_bytes)
    # Writing past the file limit should fail with an error, not kill the worker silently.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _cap(limit: int, value: int) -> None:
    hard = resource.getrlimit(limit)[1]  # a harness capped lower passes its own cap on
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(limit, (value, value))


def process_budget(extra: int) -> int | None:
    """RLIMIT_NPROC value allowing `extra` more processes, or None where it would not be enforced.

    The limit counts every process of the user, and the kernel never applies it to root.
    """
    if os.getuid() == 0:
        return None
    uid = os.getuid()
    mine = sum(1 for p in Path("/proc").iterdir() if p.name.isdigit() and _owner(p) == uid)
    return mine + extra


def _owner(proc: Path) -> int | None:
    try:
        return proc.stat().st_uid
    except OSError:
        return None


# --- killing ---------------------------------------------------------------------------------


def kill_process_tree(pid: int, reaped: bool = False) -> None:
    """SIGKILL `pid`, its process group and every descendant still attached to it; once `pid` is
    `reaped`, its group only (what it left there), since the number may name another process by now."""
    victims = [] if reaped else [pid, *_descendants(pid)]
    try:
        os.killpg(pid, signal.SIGKILL)  # the worker leads its own session and group
    except (ProcessLookupError, PermissionError):
        pass
    for victim in victims:
        _kill(victim)


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                # The parent pid is the 2nd field after the parenthesised command name.
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(proc.name))
    found, frontier = [], [root]
    while frontier:
        frontier = [child for parent in frontier for child in children.get(parent, [])]
        found += frontier
    return found


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# --- capabilities ----------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_PR_CAPBSET_DROP = 24
_PR_SET_NO_NEW_PRIVS = 38


OOM_SCORE_ADJ_MAX = 1000


def first_for_the_out_of_memory_killer() -> None:
    """Have the kernel's out-of-memory killer take this process and its children before any other
    (the harness, the opponent), should the machine ever run out of memory as a whole.

    Set while still privileged, the mark is also the least the process may set later.
    """
    try:
        Path("/proc/self/oom_score_adj").write_text(str(OOM_SCORE_ADJ_MAX))
    except OSError:
        pass  # a /proc without it: the killer chooses by size alone


def die_with_parent() -> None:
    """Have the kernel kill this process if the harness that started it dies."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def drop_capability_bounding_set() -> bool:
    """Remove every capability from the bounding set, so the next exec starts with none.

    Only root holds capabilities to lose; returns True when something was dropped.
    """
    if os.geteuid() != 0:
        return False
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for capability in range(last + 1):
        _libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)
    return True


# --- Landlock --------------------------------------------------------------------------------

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # same on x86-64 and arm64
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1, 2, 4, 8
_FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 14, 1 << 15
_FS_READ = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1, 2


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 where Landlock is missing or disabled."""
    version = _libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(version, 0)


def _fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: execute ... make_sym
    if abi >= 2:
        rights |= 1 << 13  # refer
    if abi >= 3:
        rights |= _FS_TRUNCATE
    if abi >= 5:
        rights |= _FS_IOCTL_DEV
    return rights


def landlock(read_paths: list[Path], write_paths: list[Path]) -> int:
    """Confine this process for good: read only under `read_paths`, write only under `write_paths`.

    Also, where the kernel supports it, refuse TCP bind/connect (ABI 4) and signals or abstract
    UNIX sockets to processes outside the sandbox (ABI 6). Returns the ABI used, 0 if unavailable.
    """
    abi = landlock_abi()
    if abi == 0:
        return 0
    handled = _fs_rights(abi)
    attr = _RulesetAttr(handled_access_fs=handled,
                        handled_access_net=(_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0,
                        scoped=(_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL) if abi >= 6 else 0)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    ruleset = _libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for paths, rights in ((read_paths, _FS_READ), (write_paths, handled)):
            for path in paths:
                _allow(ruleset, path, rights & handled)
        if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if _libc.syscall(_SYS_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return abi


def _allow(ruleset: int, path: Path, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path this system does not have
    try:
        if not os.path.isdir(path):
            rights &= _FILE_RIGHTS
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        if _libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)


# --- seccomp -------------------------------------------------------------------------------

_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_AUDIT_ARCH_X86_64 = 0xC000003E
_LD_ABS, _JEQ, _JGE, _JSET, _AND, _RET = 0x20, 0x15, 0x35, 0x45, 0x54, 0x06
_ALLOW, _ERRNO, _USER_NOTIF = 0x7FFF0000, 0x00050000, 0x7FC00000
_SET_MODE_FILTER, _FLAG_NEW_LISTENER = 1, 8  # seccomp(2)'s operation and flag for a filter with a listener
_EPERM, _EINVAL, _ENOSYS, _EOPNOTSUPP = 1, 22, 38, 95
_DONE = _ERRNO | 0  # "succeeded" without running: for requests that are advice, or locks no one else can see
# x86-64 numbers of the calls an agent never needs and kernel exploits and escapes start from:
# namespaces and mounts (and what the mount table says of the host: its paths, its memory by its
# devtmpfs), tracing and other processes' memory, kernel modules and keyrings, eBPF, userfaultfd,
# perf, io_uring, and opening files by handle; and watching files for others' accesses (inotify,
# fanotify), which would hear what the opponent's sandbox opens of the files all share, or advising
# the kernel on memory by process (process_madvise, which the madvise rules below do not see).
_FORBIDDEN_SYSCALLS = {"unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155, "ptrace": 101,
                       "process_vm_readv": 310, "process_vm_writev": 311, "bpf": 321, "userfaultfd": 323,
                       "perf_event_open": 298, "keyctl": 250, "add_key": 248, "request_key": 249, "kexec_load": 246,
                       "init_module": 175, "finit_module": 313, "delete_module": 176, "io_uring_setup": 425,
                       "open_by_handle_at": 304, "fsopen": 430, "fsmount": 432, "move_mount": 429, "open_tree": 428,
                       "fsconfig": 431, "fspick": 433, "mount_setattr": 442, "statmount": 457, "listmount": 458,
                       "open_tree_attr": 467, "inotify_init": 253, "inotify_init1": 294, "fanotify_init": 300,
                       "cachestat": 451, "process_madvise": 440, "seccomp": 317}
# Every sandbox reads the same software files, so kernel state kept per file is a channel between
# sandboxes (two entrants could recognise each other and collude): locks, and what of a file is in
# the page cache. Taking a lock does nothing (an agent's own processes lose mutual exclusion, which
# rarely matters, but libraries that lock their files work on); advice that evicts pages is ignored;
# reads that only tell whether pages are cached are refused; leases and directory notices too.
_FLOCK, _FCNTL, _FADVISE64, _READAHEAD, _MADVISE, _PREADV2, _PWRITEV2 = 73, 72, 221, 187, 28, 327, 328
# Syncing every file system (sync) or a whole one (syncfs) writes back the host's disks, not the agent's:
# all it may write is its own tmpfs, which has nothing to write back. Done as nothing: each call would
# flush the host's disks for every other process, and counts itself machine-wide (/proc/sys/fs/quota).
_SYNC, _SYNCFS = 162, 306
# So are fsync and fdatasync of one file: the agent's files are on its tmpfs, where they do nothing, and the
# host's files it may only read have nothing to write back, yet each call on one has the host's disk flush
# its cache (an ext4 journal sends a flush whenever none is on its way), slowing every writer of the machine.
_FSYNC, _FDATASYNC = 74, 75
# Quota syncs need no privilege, and one naming no file system syncs every file system of the machine that
# could keep quotas, mounted in the sandbox or not (a syncfs of each, the host's disks flushing their caches).
# Its own tmpfs keeps none: answered as by a kernel without quotas (ENOSYS), by path or by descriptor.
_QUOTA_SYSCALLS = {"quotactl": 179, "quotactl_fd": 443}
# A new session gets the next number of the machine's count of sessions (its autogroup, which
# /proc/PID/autogroup shows): every sandbox started, every login moves it, and a sandbox reading it
# in a session of its own, started at will, would watch others and make signs for them. Done as
# nothing: its processes stay in the session they were started in, which has no terminal to lose.
_SETSID = 112
_FCNTL_TAKE_LOCK = (6, 7, 37, 38)  # F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW
# Signal-driven I/O, an owner for a descriptor's SIGIO and SIGURG (F_SETOWN, F_SETOWN_EX; the ioctls FIOSETOWN,
# SIOCSPGRP): with its output pipe owned by its process group, every read the harness makes of what the agent
# printed, during the opponent's turn, would signal each of its frozen processes awake on the match's CPU.
# Refused (EPERM), as to a process not allowed to; a descriptor with no owner signals no one.
_FCNTL_REFUSED = (8, 15, 1024, 1025, 1026)  # F_SETOWN, F_SETOWN_EX, F_SETLEASE, F_GETLEASE, F_NOTIFY
_IOCTL_REFUSED = (0x8901, 0x8902)  # FIOSETOWN, SIOCSPGRP
_MADV_EVICT = (20, 21)  # MADV_COLD, MADV_PAGEOUT
# Advice that starts reading a mapped file in ahead (MADV_WILLNEED, as fadvise and readahead, done as
# nothing): the disk would go on reading after the answer, on the opponent's time, and an agent whose
# memory cap keeps dropping what was read could ask again every move.
_MADV_READ_AHEAD = 3
# preadv2/pwritev2 flags that only say how to write: any other (RWF_NOWAIT, which tells whether pages
# are cached; RWF_DONTCACHE, which drops what it read, so each read waits on the disk; those to come)
# is answered as by a kernel without it.
_RWF_ALLOWED = 0x2 | 0x4 | 0x10  # RWF_DSYNC, RWF_SYNC, RWF_APPEND
# Reads that bypass the page cache wait on the disk, off the CPU, where the clock cannot see them: an
# agent could leave its threads waiting there after each answer, holding up the game on no one's time.
# Refused as by a file system without them (EINVAL, where libraries fall back to cached reads);
# openat2, whose flags sit where the filter cannot read them, answers ENOSYS, as where the kernel lacks it.
_OPEN, _OPENAT, _OPENAT2, _F_SETFL, _O_DIRECT = 2, 257, 437, 4, 0o40000
# Likewise one call that reads gigabytes of mapped files in, the freezer waiting for it to end (EINVAL,
# as a kernel before 5.14 answers).
_MADV_POPULATE = (22, 23)  # MADV_POPULATE_READ, MADV_POPULATE_WRITE
# The agent's process is not dumpable, which keeps /proc/self/pagemap (how many processes map each page
# of the software every sandbox shares: a channel) from it; it may not make itself dumpable again.
_PRCTL, _PR_SET_DUMPABLE = 157, 4
# Its parent-death signal stays SIGKILL (`die_with_parent`): one it could catch, or none, would let it
# outlive its supervisor (the out-of-memory killer may take it) and the harness.
_PR_SET_PDEATHSIG, _SIGKILL = 1, 9
# Names for its anonymous memory (PR_SET_VMA_ANON_NAME): the kernel keeps each name it is given (up to
# 80 bytes) in memory no cgroup charges, one for every call, so an agent naming its pages one by one, each
# unlike the next, holds about half as much again as its mappings cost, past its cap: around 1.5 GB with
# 256 processes of 65,530 mappings each. Answered EINVAL, as by a kernel built without them.
_PR_SET_VMA = 0x53564D41
# A core-scheduling cookie of its own (PR_SCHED_CORE): on a host with SMT, the other hyperthread of its
# core would then run nothing but its own tasks while it runs, idling another match's agent there.
# Answered EINVAL, as by a kernel without core scheduling.
_PR_SCHED_CORE = 62
# Pages merged with identical ones anywhere on the machine (KSM, where the host runs it), for a range
# (MADV_MERGEABLE) or the whole process (PR_SET_MEMORY_MERGE): a merged page shows in /proc/self/smaps as
# shared, its Pss halved, so an agent learns whether any other process holds a page of the same bytes, another
# sandbox's among them: a channel with no timing to it. Answered EINVAL, as by a kernel without KSM.
_MADV_MERGEABLE, _PR_SET_MEMORY_MERGE = 12, 67
# BPF programs of its own, even classic ones: the kernel compiles each into code counted against one
# budget for the whole machine's unprivileged users (net.core.bpf_jit_limit), and past it refuses every
# other one, the seccomp filters of sandboxes started later included; their code is memory no cgroup
# charges either. Socket filters (setsockopt at SOL_SOCKET) and seccomp filters of its own are refused.
_PR_SET_SECCOMP_CALL = 22
_SETSOCKOPT, _SOL_SOCKET = 54, 1
_SOCKET_FILTERS = (26, 50, 51, 52)  # SO_ATTACH_FILTER, SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_CBPF, _EBPF
# Kernel AIO: its contexts come from one pool for the whole machine (an agent could take it all, and
# its count, /proc/sys/fs/aio-nr, is a channel between sandboxes). Refused as where the kernel lacks it,
# so that libraries fall back to threads.
_AIO_SYSCALLS = {"io_setup": 206, "io_destroy": 207, "io_getevents": 208, "io_submit": 209, "io_cancel": 210,
                 "io_pgetevents": 333}
# Timers whose expiry the kernel hands out as file events: armed before an answer, they fire while the
# agent is frozen, in interrupts on the CPU its opponent then plays on, and fanned out through
# thousands of epoll instances they cost the opponent's clock tens of milliseconds a move. Refused as
# where the kernel lacks them (a timer signal that waits for a frozen process costs nothing).
_DEFERRED_EVENT_SYSCALLS = {"timerfd_create": 283, "signalfd": 282, "signalfd4": 289}
# System V message queues and semaphore sets: an agent that made and removed thousands each move had the kernel
# free them (RCU callbacks) on its opponent's turn, some 1.6 ms for each MiB of them, more than the files it
# could delete instead (`arena.sandbox.deferred_frees`). Refused as where the kernel lacks them (ENOSYS);
# Python's own semaphores (multiprocessing) are POSIX ones, files in /dev/shm.
_SYSTEM_V_QUEUE_SYSCALLS = {"semget": 64, "msgget": 68}
# Huge pages come from the host's hugetlb pool, which no memory cgroup charges, and which is the whole
# machine's: refused as where the pool is empty (mmap ENOMEM, shmget EPERM) or hugetlbfs absent
# (memfd_create EINVAL).
_MMAP, _MAP_HUGETLB, _ENOMEM = 9, 0x40000, 12
_MEMFD_CREATE, _MFD_HUGETLB = 319, 0x4
_SHMGET, _SHM_HUGETLB = 29, 0x800
# Secret memory is taken out of the kernel's own map of all memory, which splits the huge pages that map
# it into small ones for good: every later kernel call of every process on the machine is slower, until
# a reboot. Refused as where the kernel does not offer it (ENOSYS).
_SECRET_MEMORY_SYSCALLS = {"memfd_secret": 447}
# Memory policies: the kernel keeps each policy set on a range of a file's pages in that file's inode, in
# memory no cgroup charges (some 336 bytes a page): set page by page over memfds never written, an agent
# held 650 MiB past its cap in 15 s, for as long as its sandbox lived. Refused, with the calls that move
# pages between nodes, as by a kernel without NUMA (ENOSYS), which libraries take for a single node.
_MEMORY_POLICY_SYSCALLS = {"mbind": 237, "set_mempolicy": 238, "get_mempolicy": 239, "migrate_pages": 256,
                           "move_pages": 279, "set_mempolicy_home_node": 450}
# Extended attributes set on its files: POSIX ACLs among them, which the kernel keeps in the inode in memory
# no cgroup charges, up to 64 KiB a file (8,000 named ids), and copies into every file made in a folder
# whose default ACL is set: 500 MiB past a 256 MiB cap in half a second. Refused as by a file system
# without them (EOPNOTSUPP, which Python's shutil takes in its stride); they are only read.
_EXTENDED_ATTRIBUTE_SETTERS = {"setxattr": 188, "lsetxattr": 189, "fsetxattr": 190, "setxattrat": 463}
# Calls newer than this filter are answered as by a kernel that predates them: Linux 6.17's file_getattr and
# file_setattr first, which read and set what the file system ioctls refused below would.
_FIRST_UNKNOWN_SYSCALL = 468
# Numbers the whole machine counts up would tell an agent how many processes and threads others made
# (the inode number of a pidfd, from Linux 6.9 on), how many network namespaces (a socket's
# SO_NETNS_COOKIE), how many sockets were asked for their SO_COOKIE (handed out in batches of 4096 a CPU:
# a new batch shows how many others took, and taking thousands moves the count for another sandbox to
# read) or how many mounts, that is sandboxes started (a mount's unique id, from Linux 6.8
# on, through statx's STATX_MNT_ID_UNIQUE or a file handle's AT_HANDLE_MNT_ID_UNIQUE): refused as by a
# kernel without them (ENOSYS, ENOPROTOOPT, EINVAL). The numbers new pipes and sockets get remain (README).
_COUNTING_SYSCALLS = {"pidfd_open": 434, "name_to_handle_at": 303}  # file handles open nothing here either
_STATX, _STATX_MNT_ID_UNIQUE = 332, 0x4000
# An eventfd's id (eventfd-id in /proc/self/fdinfo) is the lowest the machine has free: an agent holding a few
# hundred moves it for every other process, and one new eventfd of its own tells how many the machine holds, a
# channel between sandboxes (another sandbox's 200 read at once). Refused as by a kernel without eventfds
# (ENOSYS); Python's own wake-ups (asyncio, multiprocessing) go through pipes and sockets.
_EVENTFD_SYSCALLS = {"eventfd": 284, "eventfd2": 290}
# ustat tells the free blocks and inodes of any file system of the machine by its device number alone,
# mounted in the sandbox or not: the host's disks, its devtmpfs (half the machine's memory) and the root
# of every other sandbox, how much each has written, live. Answered as by a kernel without it (glibc has
# had no wrapper for it since 2.28). statfs and fstatfs, which name a file system by a path or a descriptor,
# its supervisor answers, with every file system but its own full and still (`arena.sandbox.statfs`).
_DEVICE_QUERY_SYSCALLS = {"ustat": 136}
# A file system's own ioctls answer for the whole disk from any file the agent may read: ext4's and XFS's
# FS_IOC_GETFSMAP maps every extent of the host's disk, free ones included, as it is that instant (another
# sandbox's log written, its space shows taken); XFS_IOC_FSCOUNTS and btrfs's space reports tell its free
# space; a file's extent map (FIEMAP) and ext4's cache and state of it tell where the host keeps a file all
# sandboxes read and what of its map the kernel holds; the disk's id, label and name are the host's. Refused by their
# type, as by a file system without them (ENOTTY): ext2/3/4's ('f'), XFS's ('X'), btrfs's (0x94) and those of
# linux/fs.h that share them (file flags, clones) or stand alone (0x15). The agent's own tmpfs needs none.
# So are nsfs's (0xb7), on the files of its namespaces in /proc/self/ns: their ids (NS_GET_ID, NS_GET_MNTNS_ID)
# are numbers the machine hands out in turn to every namespace made, six for each sandbox started, which would
# tell it how many were before it (as a mount's unique id would: refused through statx).
_IOCTL, _IOCTL_TYPE = 16, 0xFF00
_FILE_SYSTEM_IOCTL_TYPES = (0x15, 0x58, 0x66, 0x94, 0xB7)
_ENOTTY = 25
# The kernel's log, where the host lets anyone read it (kernel.dmesg_restrict = 0), through syslog(2) (its /dev
# has no kmsg): every other sandbox's crashes are there, each under a name its process chose (a child named
# at will and made to segfault writes a line), and the host's own events. Answered as by a kernel without it.
_KERNEL_LOG_SYSCALLS = {"syslog": 103}
_GETSOCKOPT, _ENOPROTOOPT = 55, 92
_PIDFD_SOCKET_OPTIONS = (71, 76, 77)  # SO_NETNS_COOKIE, SO_PASSPIDFD, SO_PEERPIDFD
_SO_COOKIE = 57  # read only
_CLONE, _CLONE3 = 56, 435
# New namespaces (CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET), and a pidfd of the child
_REFUSED_CLONE_FLAGS = 0x7E020000 | 0x1000
# No core dump, even where the host pipes them to a helper it starts as root, outside the sandbox
# (systemd-coredump, apport), for a program the agent runs (exec makes a process dumpable again): the
# kernel starts no helper for a process whose core limit is 1 (its mark of a helper's own crash), and
# writes no file smaller than a page. The agent may not change that limit.
CORE_LIMIT = 1
_SETRLIMIT, _PRLIMIT64, _RLIMIT_CORE = 160, 302, 4
_SOCKET, _SOCKETPAIR = 41, 53
# The socket families an agent may open: local ones (UNIX), which multiprocessing and asyncio use.
# Every other family is refused: some reach past the namespace (AF_VSOCK talks to the hypervisor's
# host), others are rarely used kernel code (AF_ALG...). Netlink too, even its routing protocol (which
# would only list the namespace's one loopback device, down): the kernel's answers queue on the
# agent's sockets, up to megabytes each, in memory no cgroup charges, and are freed in softirq work
# on the CPU its opponent then plays on. IP too, though its empty network namespace leaves it nowhere
# to go: a TCP socket holds keys (TCP_MD5SIG, TCP-AO) in memory no cgroup charges, kept without a
# descriptor by a mapping of the socket, and the machine's count of TCP sockets (/proc/net/sockstat)
# is a channel between sandboxes. glibc and Python take a family's absence as a kernel without it.
_SOCKET_FAMILIES = {"AF_UNIX": 1}
_EAFNOSUPPORT = 97
# Handlers only for signals 1-31, the ones /proc/PID/stat shows caught: the harness reads there, at half
# the cost of /proc/PID/status, that no timer or I/O signal can wake the agent between its calls
# (`arena.sandbox.idle`). Setting a real-time signal's action answers EINVAL, as for a signal the kernel
# lacks; asking what it is still works.
_RT_SIGACTION, _FIRST_REALTIME_SIGNAL = sysinfo.TOLD["rt_sigaction"], 32


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_SockFilter))]


def forbid_escape_syscalls(sysinfo_to: socket.socket | None = None, calls_fd: int | None = None) -> bool:
    """Refuse (EPERM) the system calls in `_FORBIDDEN_SYSCALLS` and new namespaces through clone, and
    sockets of the families not in `_SOCKET_FAMILIES` (EAFNOSUPPORT, as where the kernel lacks them);
    make file locks, syncs (of whole file systems or of a file), new sessions and advice that evicts cached pages
    do nothing, and refuse reads that only ask whether pages are cached.

    Reads that bypass the page cache (O_DIRECT, RWF_DONTCACHE) are refused, so are timers and signals
    as file events (timerfd, signalfd), BPF programs of the agent's own (socket filters, seccomp
    filters), huge pages, names of anonymous memory, secret memory, merging pages with the machine's (KSM), pidfds,
    eventfds and other machine-wide counts, the kernel's log, ustat (any file system's free space, by device
    number), file systems' own ioctls (ENOTTY), quota calls and changes of the core limit; advice that reads ahead
    does nothing, and the process is made undumpable for good. Installed while the worker still holds its
    privileges, the filter is compiled even when others used up the machine's budget for BPF code. clone3 answers
    ENOSYS, so the C library falls back to clone, whose flags the filter can read.
    No handler can be set for a real-time signal (32-64). With `sysinfo_to`, each sysinfo, statfs and fstatfs
    call waits for the process at its other end to answer it (`arena.sandbox.sysinfo`, `arena.sandbox.statfs`),
    which gets the filter's listener; so does each call setting an action for another signal or that could put
    another file at `calls_fd` (the descriptor the harness's calls come on, given with `sysinfo_to`), which it
    lets run once told of it (where the kernel can: `sysinfo.tells_changes`).
    Needs no_new_privs (or CAP_SYS_ADMIN); returns False on machines other than x86-64 (`filters_system_calls`).
    """
    if sysinfo_to is not None and calls_fd is None:
        raise ValueError("calls_fd: the descriptor the harness's calls come on, whose changes the supervisor hears of")
    if not filters_system_calls():
        return False
    _libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)  # a change of uid clears it too, where the host keeps suid_dumpable 0
    if sysinfo_to is not None:
        program = _seccomp_program(answered_for=calls_fd)
        fprog = _SockFprog(len(program), (_SockFilter * len(program))(*program))
        listener = _libc.syscall(_FORBIDDEN_SYSCALLS["seccomp"], _SET_MODE_FILTER, _FLAG_NEW_LISTENER, ctypes.byref(fprog))
        if listener >= 0:
            sysinfo.hand_over(listener, sysinfo_to)
            return True
        sysinfo_to.close()  # a kernel before 5.0 hands out no listener: those calls then run as without a sandbox
    program = _seccomp_program()
    fprog = _SockFprog(len(program), (_SockFilter * len(program))(*program))
    if _libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "could not install the seccomp filter")
    return True


def filters_system_calls() -> bool:
    """Whether `forbid_escape_syscalls` can filter on this machine (it knows x86-64's system calls)."""
    return os.uname().machine == "x86_64"


def _seccomp_program(answered_for: int | None = None) -> list[_SockFilter]:
    # The filter reads the architecture (offset 4), the call's number (0) and its arguments (16 + 8 i:
    # the low 32 bits of argument i; a descriptor is an unsigned int, of which the kernel reads those alone).
    # `answered_for`: the calls' descriptor, where a supervisor answers sysinfo and statfs and hears of changes.
    forbidden = sorted(_FORBIDDEN_SYSCALLS.values())
    answered = answered_for is not None
    told = answered and sysinfo.tells_changes()
    told_calls = sysinfo.TOLD
    body = [("ld", 4), ("jeq_else", _AUDIT_ARCH_X86_64, "deny"),  # other ABIs (int 0x80) would bypass the numbers
            ("ld", 0), ("jge", 0x40000000, "deny"),  # the x32 ABI
            ("jge", _FIRST_UNKNOWN_SYSCALL, "enosys"),
            *[("jeq", number, "deny") for number in forbidden],
            *[("jeq", number, "enosys") for number in sorted(_AIO_SYSCALLS.values())],
            *[("jeq", number, "enosys") for number in sorted(_DEFERRED_EVENT_SYSCALLS.values())],
            *[("jeq", number, "enosys") for number in sorted(_SYSTEM_V_QUEUE_SYSCALLS.values())],
            *[("jeq", number, "enosys") for number in sorted(_COUNTING_SYSCALLS.values())],
            *[("jeq", number, "enosys") for number in sorted(_EVENTFD_SYSCALLS.values())],
            *[("jeq", number, "enosys") for number in sorted(_SECRET_MEMORY_SYSCALLS.values())],
            *[("jeq", number, "enosys") for number in sorted(_MEMORY_POLICY_SYSCALLS.values())],
            *[("jeq", number, "eopnotsupp") for number in sorted(_EXTENDED_ATTRIBUTE_SETTERS.values())],
            *[("jeq", number, "enosys") for number in sorted(_DEVICE_QUERY_SYSCALLS.values())],
            *[("jeq", number, "enosys") for number in sorted(_KERNEL_LOG_SYSCALLS.values())],
            *[("jeq", number, "enosys") for number in sorted(_QUOTA_SYSCALLS.values())],
            ("jeq", _STATX, "statx"), ("jeq", _IOCTL, "ioctl"),
            ("jeq", _CLONE, "clone"), ("jeq", _CLONE3, "enosys"),
            ("jeq", _MMAP, "mmap"), ("jeq", _MEMFD_CREATE, "memfd_create"), ("jeq", _SHMGET, "shmget"),
            ("jeq", _SETRLIMIT, "setrlimit"), ("jeq", _PRLIMIT64, "prlimit64"), ("jeq", _GETSOCKOPT, "getsockopt"),
            ("jeq", _SOCKET, "socket"), ("jeq", _SOCKETPAIR, "socket"),
            ("jeq", _FLOCK, "done"), ("jeq", _FADVISE64, "done"), ("jeq", _READAHEAD, "done"),
            ("jeq", _SYNC, "done"), ("jeq", _SYNCFS, "done"), ("jeq", _SETSID, "done"),
            ("jeq", _FSYNC, "done"), ("jeq", _FDATASYNC, "done"),
            ("jeq", _FCNTL, "fcntl"), ("jeq", _MADVISE, "madvise"), ("jeq", _PREADV2, "rw2"), ("jeq", _PWRITEV2, "rw2"),
            ("jeq", _OPEN, "o_direct_in_1"), ("jeq", _OPENAT, "o_direct_in_2"), ("jeq", _OPENAT2, "enosys"),
            ("jeq", _PRCTL, "prctl"), ("jeq", _SETSOCKOPT, "setsockopt"), ("jeq", _RT_SIGACTION, "sigaction"),
            *([("jeq", number, "answered") for number in sysinfo.ANSWERED] if answered else []),
            *([("jeq", told_calls["close"], "closes_calls_fd"), ("jeq", told_calls["dup2"], "replaces_calls_fd"),
               ("jeq", told_calls["dup3"], "replaces_calls_fd"), ("jeq", told_calls["close_range"], "close_range"),
               ("jeq", told_calls["execve"], "answered"), ("jeq", told_calls["execveat"], "answered")] if told else []),
            ("ret", _ALLOW)]
    labelled = {  # in an order where every jump goes forward, as BPF wants
        "clone": [("ld", 16), ("jset", _REFUSED_CLONE_FLAGS, "deny"), ("ret", _ALLOW)],
        # mmap's flags are its argument 3, memfd_create's its argument 1, shmget's its argument 2
        "mmap": [("ld", 40), ("jset", _MAP_HUGETLB, "enomem"), ("ret", _ALLOW)],
        "memfd_create": [("ld", 24), ("jset", _MFD_HUGETLB, "einval"), ("ret", _ALLOW)],
        "shmget": [("ld", 32), ("jset", _SHM_HUGETLB, "deny"), ("ret", _ALLOW)],
        "statx": [("ld", 40), ("jset", _STATX_MNT_ID_UNIQUE, "einval"), ("ret", _ALLOW)],  # its mask: argument 3
        "ioctl": [("ld", 24), *[("jeq", request, "deny") for request in _IOCTL_REFUSED],  # its request: argument 1
                  ("and", _IOCTL_TYPE),  # the type in its second byte
                  *[("jeq", kind << 8, "enotty") for kind in _FILE_SYSTEM_IOCTL_TYPES], ("ret", _ALLOW)],
        "setrlimit": [("ld", 16), ("jeq", _RLIMIT_CORE, "deny"), ("ret", _ALLOW)],
        # prlimit64(pid, resource, new, old): a new core limit (all 64 bits of the pointer, not NULL)
        "prlimit64": [("ld", 24), ("jeq_else", _RLIMIT_CORE, "allow"), ("ld", 32), ("jeq_else", 0, "deny"),
                      ("ld", 36), ("jeq_else", 0, "deny"), ("ret", _ALLOW)],
        "getsockopt": [("ld", 24), ("jeq_else", _SOL_SOCKET, "allow"),
                       ("ld", 32), *[("jeq", option, "enoprotoopt") for option in (*_PIDFD_SOCKET_OPTIONS, _SO_COOKIE)],
                       ("ret", _ALLOW)],
        "socket": [("ld", 16), *[("jeq", family, "allow") for family in sorted(_SOCKET_FAMILIES.values())],
                   ("ret", _ERRNO | _EAFNOSUPPORT)],
        "fcntl": [("ld", 24), *[("jeq", command, "done") for command in _FCNTL_TAKE_LOCK],
                  *[("jeq", command, "deny") for command in _FCNTL_REFUSED], ("jeq", _F_SETFL, "o_direct_in_2"),
                  ("ret", _ALLOW)],
        "madvise": [("ld", 32), *[("jeq", advice, "done") for advice in (*_MADV_EVICT, _MADV_READ_AHEAD)],
                    *[("jeq", advice, "einval") for advice in (*_MADV_POPULATE, _MADV_MERGEABLE)], ("ret", _ALLOW)],
        "rw2": [("ld", 56), ("jset", ~_RWF_ALLOWED & 0xFFFFFFFF, "eopnotsupp"), ("ret", _ALLOW)],
        # open's flags are its argument 1, openat's and fcntl(F_SETFL)'s their argument 2
        "o_direct_in_1": [("ld", 24), ("jset", _O_DIRECT, "einval"), ("ret", _ALLOW)],
        "o_direct_in_2": [("ld", 32), ("jset", _O_DIRECT, "einval"), ("ret", _ALLOW)],
        "prctl": [("ld", 16), ("jeq", _PR_SET_DUMPABLE, "dumpable"), ("jeq", _PR_SET_SECCOMP_CALL, "deny"),
                  ("jeq", _PR_SET_PDEATHSIG, "death_signal"), ("jeq", _PR_SET_VMA, "einval"),
                  ("jeq", _PR_SCHED_CORE, "einval"), ("jeq", _PR_SET_MEMORY_MERGE, "einval"), ("ret", _ALLOW)],
        "death_signal": [("ld", 24), ("jeq", _SIGKILL, "allow"), ("ret", _ERRNO | _EPERM)],
        # a new action (argument 1, all 64 bits of the pointer, not NULL) for a signal of 32 or more; for the
        # others, told to the supervisor first where it hears of them
        "sigaction": [("ld", 16), ("jge", _FIRST_REALTIME_SIGNAL, "new_realtime_action"),
                      *([("ld", 24), ("jeq_else", 0, "answered"), ("ld", 28), ("jeq_else", 0, "answered")]
                        if told else []),
                      ("ret", _ALLOW)],
        # told to the supervisor where they could put another file at the calls' descriptor: close(fd),
        # dup2/dup3(old, fd) and close_range(first, last) with first <= fd <= last
        **({"closes_calls_fd": [("ld", 16), ("jeq", answered_for, "answered"), ("ret", _ALLOW)],
            "replaces_calls_fd": [("ld", 24), ("jeq", answered_for, "answered"), ("ret", _ALLOW)],
            "close_range": [("ld", 16), ("jge", answered_for + 1, "allow"), ("ld", 24),
                            ("jge", answered_for, "answered"), ("ret", _ALLOW)]} if told else {}),
        "new_realtime_action": [("ld", 24), ("jeq_else", 0, "einval"), ("ld", 28), ("jeq_else", 0, "einval"),
                                ("ret", _ALLOW)],
        "setsockopt": [("ld", 24), ("jeq_else", _SOL_SOCKET, "allow"),
                       ("ld", 32), *[("jeq", option, "deny") for option in _SOCKET_FILTERS],
                       *[("jeq", option, "enoprotoopt") for option in _PIDFD_SOCKET_OPTIONS], ("ret", _ALLOW)],
        "dumpable": [("ld", 24), ("jeq", 0, "allow"), ("ret", _ERRNO | _EPERM)],
        "deny": [("ret", _ERRNO | _EPERM)],
        "enosys": [("ret", _ERRNO | _ENOSYS)],
        "eopnotsupp": [("ret", _ERRNO | _EOPNOTSUPP)],
        "enomem": [("ret", _ERRNO | _ENOMEM)],
        "enoprotoopt": [("ret", _ERRNO | _ENOPROTOOPT)],
        "einval": [("ret", _ERRNO | _EINVAL)],
        "enotty": [("ret", _ERRNO | _ENOTTY)],
        "done": [("ret", _DONE)],
        "answered": [("ret", _USER_NOTIF)],
        "allow": [("ret", _ALLOW)],
    }
    targets, instructions = {}, list(body)
    for label, block in labelled.items():
        targets[label] = len(instructions)
        instructions += block
    program = []
    for index, (op, *args) in enumerate(instructions):
        if op == "ld":
            program.append(_SockFilter(_LD_ABS, 0, 0, args[0]))
        elif op == "ret":
            program.append(_SockFilter(_RET, 0, 0, args[0]))
        elif op == "and":  # the value loaded, masked
            program.append(_SockFilter(_AND, 0, 0, args[0]))
        else:
            jump = targets[args[1]] - (index + 1)  # counted from the next instruction
            if not 0 <= jump <= 255:  # a jump's one byte would wrap silently
                raise ValueError(f"seccomp jump to {args[1]} of {jump} instructions")
            if op == "jeq_else":  # fall through when equal, jump when not
                program.append(_SockFilter(_JEQ, 0, jump, args[0]))
            else:  # jeq / jge / jset: jump when true
                program.append(_SockFilter({"jeq": _JEQ, "jge": _JGE, "jset": _JSET}[op], jump, 0, args[0]))
    return program
