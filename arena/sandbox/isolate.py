"""Kernel namespaces for an agent's worker: its own processes, network, filesystem view and identity.

`enter_namespaces()` moves the worker into new mount, network, IPC and UTS namespaces and forks
the first process of a new PID namespace (through a user namespace when not root). In that child
`build_root()` mounts a size-capped tmpfs as the new `/`, binds the software the agent runs on
read-only at the same paths, copies the submission in, gives it a private `/tmp`, a fresh `/proc`
and a handful of harmless devices (nodes of its own as root: the host's would show its devtmpfs, sized by the
machine's memory), and pivots into it: nothing else of the host exists there.
`drop_identity()` then becomes an unprivileged id (a dedicated uid when started as root) with no
capabilities, so whatever the agent does to a file the kernel judges as a stranger's.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import re
import shutil
import signal
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from arena.sandbox import sysinfo
from arena.sandbox.cgroups import pid_namespace

_libc = ctypes.CDLL(None, use_errno=True)

_CLONE_NEWNS, _CLONE_NEWUTS, _CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
_CLONE_NEWUSER, _CLONE_NEWPID, _CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
_CLONE_NEWCGROUP = 0x02000000
# A time namespace (Linux 5.6) lets the agent's monotonic and boot clocks start from about 0: read as the host's,
# they would tell how long the machine has been up, which its /proc/uptime and sysinfo keep from it.
_CLONE_NEWTIME = 0x00000080
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_MS_NOATIME, _MS_NODIRATIME, _MS_RELATIME = 1024, 2048, 1 << 21
_MNT_DETACH = 2
_SYS_PIVOT_ROOT = 155  # x86-64
_PR_SET_NO_NEW_PRIVS = 38

# statvfs flag -> mount flag: flags a bind inherits and, inside a user namespace, must keep.
_LOCKED_FLAGS = {os.ST_NOSUID: _MS_NOSUID, os.ST_NODEV: _MS_NODEV, os.ST_NOEXEC: _MS_NOEXEC,
                 os.ST_NOATIME: _MS_NOATIME, os.ST_NODIRATIME: _MS_NODIRATIME, os.ST_RELATIME: _MS_RELATIME}
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
# /etc/fonts: fontconfig's settings (where the fonts under /usr are), which matplotlib and pygame read through it.
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/alternatives",
             "/etc/fonts")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
CPU_INFO = "/sys/devices/system/cpu"  # read by numerical libraries to size their thread pools
# What of /proc is hidden (as container runtimes hide it): the host's boot line and identity, the
# kernel's configuration, memory, keys and timers, and some of its devices (not /proc/driver: GPU
# libraries read theirs there). The machine-wide counters go too: read live, they tell an agent
# what its opponent is doing (CPU time, run queues, idle time, pressure, open files and inodes,
# sandboxes made) as it thinks, and any two sandboxes could talk through those they move.
MASKED_PROC_FILES = ("cmdline", "config.gz", "kcore", "keys", "key-users", "kallsyms", "latency_stats", "timer_list",
                     "sched_debug", "sys/kernel/random/boot_id", "schedstat", "vmstat", "zoneinfo", "buddyinfo",
                     "pagetypeinfo", "slabinfo", "diskstats", "partitions", "interrupts", "softirqs", "locks",
                     "sys/fs/file-nr", "sys/fs/inode-nr", "sys/fs/inode-state", "sys/fs/dentry-state", "sys/fs/aio-nr",
                     "cgroups", "misc", "consoles",  # these two: the host's misc devices (kvm, vsock...), consoles
                     # the host's swap (its files' paths, and how much of it the machine's memory uses, live) and
                     # how many terminals its users hold open
                     "swaps", "sys/kernel/pty/nr",
                     # the host's drivers, each with its count of users, which moves with the host's work (each
                     # overlay mount of a container, each tun device), where the kernel has modules
                     "modules")
# fs: file systems' counters of the host's disks; sys/fs/quota: the machine's quota counters, among them
# how many times any process synced a file system, which one sandbox moves (sync, syncfs) and another reads.
MASKED_PROC_FOLDERS = ("acpi", "asound", "scsi", "irq", "pressure", "fs", "sys/fs/quota")
# ... and so do each CPU's idle and frequency statistics under CPU_INFO, the counters of work it delivered (ACPI
# CPPC's feedback_ctrs, which run while it runs) and its thermal throttling's counts and times (which grow with
# the heat of whatever ran on it), where the host has them.
MASKED_CPU_FOLDERS = ("cpuidle", "cpufreq", "acpi_cppc", "thermal_throttle")
SUBMISSION_FOLDER = Path("/submission")  # where an agent's copy of its submission is in its own root
SANDBOX_UID_BASE = 1 << 30  # far above any real account
SLOTS_PER_PROCESS = 512  # sandboxes open at once in one harness process with ids of their own (pids < 2^22)
SANDBOX_IDS = (1 << 22) * SLOTS_PER_PROCESS  # ids from SANDBOX_UID_BASE on: 2^31, below (uid_t)-1
HOSTNAME = b"arena-sandbox"


@dataclass(frozen=True)
class Identity:
    uid: int
    gid: int


def sandbox_identity(pid: int, slot: int) -> Identity:
    """The unprivileged ids a sandbox of harness process `pid` runs as when the harness is root: one
    pair for each of the process's `SLOTS_PER_PROCESS` slots, none another process's (kernel limits
    kept per user, such as pending signals, are then no sandbox's to exhaust for another).

    The pairs' numbers are shuffled by a key of this boot's: read back from an agent's own uid, the
    harness's pid would tell how many processes the machine has started, and two sandboxes whether
    they are the same process's. The key is also its PID namespace's: harnesses in two containers
    sharing the host's users may have the same pid, and take their ids from two shuffles (a pair of
    their sandboxes shares one with odds of one in 2^31; within a namespace, never)."""
    ident = SANDBOX_UID_BASE + _shuffled(pid * SLOTS_PER_PROCESS + slot % SLOTS_PER_PROCESS, _shuffle_key())
    return Identity(ident, ident)


def _shuffled(index: int, key: bytes) -> int:
    """`index` (below `SANDBOX_IDS`) under a permutation of range(SANDBOX_IDS) that `key` picks: four Feistel
    rounds over 32 bits, taken again while the result is out of range (which keeps it a permutation there)."""
    value = index
    while True:
        left, right = value >> 16, value & 0xFFFF
        for round_number in range(4):
            mixed = hashlib.blake2b(bytes([round_number]) + right.to_bytes(2, "little"), key=key, digest_size=2)
            left, right = right, left ^ int.from_bytes(mixed.digest(), "little")
        value = left << 16 | right
        if value < SANDBOX_IDS:
            return value


@functools.cache
def _shuffle_key() -> bytes:
    """The machine's boot id, the same for every harness process until it reboots (and pids start over), and
    masked in every sandbox's /proc: no agent can undo the shuffle; then this process's PID namespace, whose
    pids are those the shuffle takes. Without either, ids stay unique in a namespace, unshuffled."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_bytes().strip()[:56]
    except OSError:
        boot = b""
    return boot + pid_namespace().to_bytes(8, "little")


def enter_namespaces() -> int | None:
    """Unshare mount, network, IPC, UTS, cgroup and (for the child) PID namespaces, then fork.

    In the parent returns the child's pid, in the child 0; None where the kernel refuses (then
    nothing changed and nothing was forked). A non-root caller gets them through a user namespace
    mapping only its own ids. Called once the worker is in its own cgroups, which the cgroup
    namespace then shows it as the root: `/proc/self/cgroup` names neither the harness's process
    nor the host's groups.
    """
    uid, gid = os.geteuid(), os.getegid()
    flags = _CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS | _CLONE_NEWPID | _CLONE_NEWCGROUP
    if uid != 0:
        flags |= _CLONE_NEWUSER
    own_clocks = _libc.unshare(flags | _CLONE_NEWTIME) == 0
    if not own_clocks and _libc.unshare(flags) != 0 and _libc.unshare(flags & ~_CLONE_NEWCGROUP) != 0:
        return None  # kernels before 4.6 have no cgroup namespace
    if uid != 0:
        try:
            Path("/proc/self/setgroups").write_text("deny")
            Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
            Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
        except OSError:
            return None
    if own_clocks:
        _start_clocks_from_zero()
    _libc.sethostname(HOSTNAME, len(HOSTNAME))
    return os.fork()


def _start_clocks_from_zero() -> None:
    """Set the monotonic and boot clocks of the time namespace this process's children will be in to start
    from less than a second (before any process is in it, as the kernel requires)."""
    offsets = "".join(f"{name} -{int(time.clock_gettime(clock))} 0\n"
                      for name, clock in (("monotonic", time.CLOCK_MONOTONIC), ("boottime", time.CLOCK_BOOTTIME)))
    try:
        Path("/proc/self/timens_offsets").write_text(offsets)
    except OSError:
        pass  # refused: they read as the host's, as on a kernel without time namespaces


def supervise(child: int, answers: sysinfo.Answers | None = None) -> None:
    """Wait for the namespace's first process and end as it ended, holding nothing open meanwhile but,
    with `answers`, what it needs to answer the child's sysinfo and statfs calls and tell the harness of
    the calls it hears of (`arena.sandbox.sysinfo`).

    Killing this process kills the child (its parent-death signal) and so the whole namespace.
    """
    # It shares the child's mount namespace, so its root soon is the agent's, where the folders Python
    # would search for a module (its /tmp, say) hold what the agent writes: it imports nothing from here on.
    sys.path.clear()
    start = 0
    for kept in sorted(answers.supervisor_fds() if answers is not None else ()):
        os.closerange(start, kept)
        start = kept + 1
    os.closerange(start, 4096)
    if answers is not None:
        answers.serve(child)
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status))


def namespace_init(supervisor: int) -> int | None:
    """The first process of the PID namespace `supervisor` forked (its pid there is 1), if any yet."""
    try:
        children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    except OSError:
        return None
    for child in map(int, children):
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("NSpid:") and line.split()[-1] == "1" and len(line.split()) > 2:
                return child
    return None


@dataclass(frozen=True)
class RootPlan:
    """What the agent's filesystem holds."""

    staging: Path  # an empty host folder the new root is mounted on
    size_bytes: int  # the tmpfs: the submission's copy, /tmp and all the agent writes
    read_only: list[Path]  # software bound read-only at the same paths
    source: Path  # the submission as registered on the host
    folder: Path  # where its writable copy appears inside
    devices: list[Path]  # accelerators bound read-write
    identity: Identity
    memory_bytes: int  # the agent's memory limit: all the memory its /proc/meminfo shows


def private_mounts_work() -> None:
    """Raise unless this process may make private mounts (the test `protections()` runs)."""
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    _mount("tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, "size=65536")


def build_root(plan: RootPlan) -> None:
    """Make `plan` this process's whole filesystem (needs mount rights in its mount namespace)."""
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    root = plan.staging
    # As many inodes as pages: the default, half the machine's memory in pages, is what its statfs would show.
    pages = -(-plan.size_bytes // os.sysconf("SC_PAGE_SIZE"))
    _mount("tmpfs", root, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={plan.size_bytes},nr_inodes={pages},mode=755")
    bound: list[Path] = []
    for path in [*map(Path, SYSTEM_PATHS), *plan.read_only, *map(Path, ETC_FILES), Path(CPU_INFO)]:
        _bind(root, path, bound, read_only=True)
    _mask_cpu_statistics(root / CPU_INFO.lstrip("/"))
    own_devices = _make_devices(root)
    for device in [*([] if own_devices else map(Path, DEVICES)), *plan.devices]:
        # Read-only binds of the host's nodes: reading and writing a device changes no file, but
        # touching, chmod or chown would, on the host's inode, where every other sandbox sees it.
        _bind(root, device, bound, read_only=True, device_nodes=True)
    _mount_proc(root, plan.memory_bytes)
    for shared in ("/tmp", "/dev/shm"):
        os.chmod(_inside(root, Path(shared), directory=True), 0o1777)
    os.symlink("/proc/self/fd", root / "dev" / "fd")
    _write_accounts(root / "etc", plan.identity)
    _copy_submission(plan.source, _inside(root, plan.folder, directory=True), plan.identity)
    os.chdir(root)
    if _libc.syscall(_SYS_PIVOT_ROOT, b".", b".") != 0:  # the old root ends up stacked under "."
        raise OSError(ctypes.get_errno(), "pivot_root failed")
    if _libc.umount2(b".", _MNT_DETACH) != 0:
        raise OSError(ctypes.get_errno(), "could not detach the host's filesystem")
    os.chdir("/")
    # Its standard input was opened on the host's /dev/null before this root: through it the agent could set
    # the times of the node every process of the machine shares (futimens needs only the right to write, which
    # /dev/null gives all), a sign for other sandboxes, and statfs the host's devtmpfs. Now the root's own.
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


def _make_devices(root: Path) -> bool:
    """`DEVICES` under `root` as nodes of the sandbox's own, bound read-only from a small tmpfs of its own;
    False (nothing made) where this process may not make device nodes (not root). Binds of the host's nodes
    would show the host's devtmpfs, whose size, half the machine's memory, their statfs and the mount table tell."""
    nodes = root / ".devices"
    nodes.mkdir()
    try:
        # Without MS_NODEV (the root's tmpfs has it): nodes there work. They take inodes, not blocks.
        _mount("tmpfs", nodes, "tmpfs", _MS_NOSUID | _MS_NOEXEC, f"size=4k,nr_inodes={len(DEVICES) + 1},mode=755")
    except OSError:
        nodes.rmdir()
        return False
    try:
        for device in DEVICES:
            host, node = os.stat(device), nodes / Path(device).name
            if not stat.S_ISCHR(host.st_mode):  # a host with something else there: bound as it is
                raise OSError(f"{device} is not a character device")
            os.mknod(node, stat.S_IFCHR, host.st_rdev)
            os.chmod(node, stat.S_IMODE(host.st_mode))  # the host's modes, not those the umask leaves
    except OSError:
        made = False
    else:
        made = True
        flags = _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NOEXEC
        for device in DEVICES:  # read-only, as the binds of the host's: no one may touch or chmod them
            target = _inside(root, Path(device), directory=False)
            _mount(str(nodes / Path(device).name), target, None, _MS_BIND)
            _mount(None, target, None, flags)
    if _libc.umount2(os.fsencode(str(nodes)), _MNT_DETACH) != 0:  # the binds keep what they need of it
        raise OSError(ctypes.get_errno(), f"could not detach {nodes}")
    nodes.rmdir()
    return made


def _mount_proc(root: Path, memory_bytes: int) -> None:
    """A fresh /proc under `root`, its host-wide files masked, and still stand-ins for those that
    libraries read to size themselves (`proc_stand_ins`, `still_cpuinfo`)."""
    proc = _inside(root, Path("/proc"), directory=True)
    _mount("proc", proc, "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    # Masked by an empty file of the sandbox's own, read-only: a bind of the host's /dev/null would let
    # the agent set that inode's times (anyone may write to it), which every other sandbox can read.
    masked = [proc / name for name in MASKED_PROC_FILES if (proc / name).is_file()]
    for name in MASKED_PROC_FOLDERS:
        _mask_folder(proc / name)
    stand_ins = {".masked": ("", masked), **{f".{name}": (text, [proc / name]) for name, text
                                             in proc_stand_ins(memory_bytes, os.cpu_count() or 1).items()},
                 ".cpuinfo": (still_cpuinfo(Path("/proc/cpuinfo").read_text()), [proc / "cpuinfo"])}
    for file_name, (text, targets) in stand_ins.items():
        stand_in = root / file_name  # bound over the real ones, then unlinked: only the mounts hold it
        stand_in.write_text(text)
        stand_in.chmod(0o444)
        for target in targets:
            _mount(str(stand_in), target, None, _MS_BIND)
            _mount(None, target, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
        stand_in.unlink()


def proc_stand_ins(memory_bytes: int, cpus: int) -> dict[str, str]:
    """What an agent reads in /proc for the machine's memory, CPU times, load and uptime: its own
    memory limit as all the memory there is, free, and counters that stand still at zero."""
    kib = memory_bytes >> 10
    memory = {"MemTotal": kib, "MemFree": kib, "MemAvailable": kib, "Buffers": 0, "Cached": 0, "SwapCached": 0,
              "Active": 0, "Inactive": 0, "Shmem": 0, "Slab": 0, "SReclaimable": 0, "SUnreclaim": 0,
              "SwapTotal": 0, "SwapFree": 0, "Dirty": 0, "Writeback": 0, "AnonPages": 0, "Mapped": 0,
              "CommitLimit": kib, "Committed_AS": 0}
    idle_cpu = " 0 0 0 0 0 0 0 0 0 0\n"
    return {
        "meminfo": "".join(f"{f'{key}:':<16}{value:>8} kB\n" for key, value in memory.items()),
        "stat": "".join(["cpu " + idle_cpu, *(f"cpu{cpu}" + idle_cpu for cpu in range(cpus)),
                         "intr 0\nctxt 0\nbtime 0\nprocesses 0\nprocs_running 1\nprocs_blocked 0\n",
                         "softirq 0 0 0 0 0 0 0 0 0 0 0\n"]),
        "loadavg": "0.00 0.00 0.00 1/1 1\n",
        "uptime": "0.00 0.00\n",
    }


def still_cpuinfo(text: str) -> str:
    """/proc/cpuinfo (`text`, read now) with every CPU's clock speed the first one's, as it stands: where the
    host scales its CPUs' clocks with their load, those lines move as the opponent thinks (each CPU's
    frequency folder is masked for the same reason). Libraries read the rest (flags, caches, cores)."""
    first = re.search(r"^cpu MHz\s*:\s*(\S+)$", text, flags=re.MULTILINE)
    if first is None:
        return text
    return re.sub(r"^(cpu MHz\s*:\s*)\S+$", lambda line: line.group(1) + first.group(1), text, flags=re.MULTILINE)


def _mask_cpu_statistics(cpu_info: Path) -> None:
    """Hide the idle and frequency statistics of the machine and of each CPU under `cpu_info`."""
    for folder in [cpu_info, *sorted(cpu_info.glob("cpu[0-9]*"))]:
        for name in MASKED_CPU_FOLDERS:
            _mask_folder(folder / name)


def _mask_folder(folder: Path) -> None:
    if folder.is_dir():
        # One inode, its root's: by default as many as half the machine's memory in pages, which statfs shows.
        _mount("tmpfs", folder, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, "size=0,nr_inodes=1")


def drop_identity(identity: Identity) -> None:
    """Become `identity` (as root) and hold no capabilities; no later exec can gain any."""
    if os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(identity.gid, identity.gid, identity.gid)
        os.setresuid(identity.uid, identity.uid, identity.uid)  # clears every capability
    else:
        _clear_capabilities()  # those a user namespace gave; the ids stay the caller's own
    if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")


def _bind(root: Path, path: Path, bound: list[Path], read_only: bool, device_nodes: bool = False) -> None:
    """Bind host `path` at the same place under `root`, with the symlinks leading to it; `device_nodes`
    keeps the devices under it usable.

    `bound` lists what is bound already: a path inside one of those is there already.
    """
    if not os.path.lexists(path):
        return
    _mirror_symlinks(root, path)
    real = path.resolve()
    if not real.exists() or any(real.is_relative_to(done) for done in bound):
        return
    bound.append(real)
    target = _inside(root, real, directory=real.is_dir())
    _mount(str(real), target, None, _MS_BIND | _MS_REC)
    if read_only:
        host_flags = os.statvfs(real).f_flag
        kept = sum(flag for bit, flag in _LOCKED_FLAGS.items() if host_flags & bit)
        no_devices = 0 if device_nodes else _MS_NODEV
        _mount(None, target, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | no_devices | kept)


def _mirror_symlinks(root: Path, path: Path) -> None:
    """Recreate under `root` each symlink on the way to `path` (merged /usr: /bin -> usr/bin)."""
    current = Path("/")
    for part in path.parts[1:]:
        current = current / part
        if current.is_symlink():
            copy = root / current.relative_to("/")
            if not os.path.lexists(copy):
                copy.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(os.readlink(current), copy)
            _mirror_symlinks(root, current.resolve())
            return


def _inside(root: Path, path: Path, directory: bool) -> Path:
    """`path` under `root`, created (a folder, or an empty file to bind a file onto)."""
    target = root / path.relative_to("/")
    if directory:
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch(exist_ok=True)
    return target


def _write_accounts(etc: Path, identity: Identity) -> None:
    """Just enough of /etc for libraries that look the user up; no host account is there."""
    etc.mkdir(exist_ok=True)
    (etc / "passwd").write_text(f"root:x:0:0::/:/bin/false\nagent:x:{identity.uid}:{identity.gid}::/tmp:/bin/false\n")
    (etc / "group").write_text(f"root:x:0:\nagent:x:{identity.gid}:\n")
    (etc / "hosts").write_text(f"127.0.0.1 localhost {HOSTNAME.decode()}\n::1 localhost\n")
    (etc / "hostname").write_text(f"{HOSTNAME.decode()}\n")


def _copy_submission(source: Path, target: Path, identity: Identity) -> None:
    """The agent's own writable copy, inside the capped tmpfs, owned by the agent's identity and
    readable and writable by it whatever modes the organiser's umask gave the files."""
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    for folder, dirs, files in os.walk(target):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            if os.geteuid() == 0:
                os.lchown(name, identity.uid, identity.gid)
            mode = os.lstat(name).st_mode
            if not stat.S_ISLNK(mode):  # chmod would follow it
                os.chmod(name, stat.S_IMODE(mode) | (0o700 if stat.S_ISDIR(mode) else 0o600))


def _mount(source: str | None, target: str | Path, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda text: None if text is None else os.fsencode(text)  # noqa: E731
    if _libc.mount(encode(source), encode(str(target)), encode(fstype), ctypes.c_ulong(flags), encode(data)) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {source} on {target} failed: {os.strerror(errno)}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _clear_capabilities() -> None:
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3: two 32-bit words
    data = (_CapData * 2)()
    if _libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")

