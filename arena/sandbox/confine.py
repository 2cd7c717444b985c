"""Operating-system confinement of an agent's worker process (Linux), each layer used where available.

| layer | what it stops | needs |
| --- | --- | --- |
| resource limits | memory blow-ups, huge files, core dumps, fork bombs (RLIMIT_NPROC) | nothing (NPROC: a non-root user) |
| PID namespace | children escaping the kill (daemons): all die with the agent; other processes unseen | user namespaces (or root) |
| process cgroup | fork bombs for root too (a pids limit), and a second kill-all | a writable cgroup-v1 pids hierarchy |
| capability drop | a root worker raising its limits, loading modules, tracing others | root (the worker re-executes itself) |
| Landlock | writing (and reading) outside its folder, TCP, signalling the harness | Linux 5.13+ (signal scoping 6.12+) |

`protections()` reports which layers this machine gives. Everything degrades gracefully: on a
system without a layer, the others still apply and the process-group kill still ends the agent.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import resource
import signal
import time
from pathlib import Path

_libc = ctypes.CDLL(None, use_errno=True)

# --- resource limits -------------------------------------------------------------------------


def set_resource_limits(memory_bytes: int, file_bytes: int, processes: int | None) -> None:
    """Cap address space, file size and (when given) processes; no core files. Hard limits too."""
    for limit, value in ((resource.RLIMIT_AS, memory_bytes), (resource.RLIMIT_FSIZE, file_bytes),
                         (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (value, value))
    if processes is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    # Writing past the file limit should fail with an error, not kill the worker silently.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


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


# --- process cgroup --------------------------------------------------------------------------

_cgroup_counter = itertools.count()


class ProcessCgroup:
    """A cgroup-v1 pids group holding one worker and all it spawns: capped in size, killed as one."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def create(cls, max_pids: int) -> ProcessCgroup | None:
        """A new group under this process's pids cgroup, or None where none can be made."""
        base = _pids_hierarchy()
        if base is None:
            return None
        path = base / f"arena-{os.getpid()}-{next(_cgroup_counter)}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(max_pids))
        except OSError:
            return None
        return cls(path)

    def join(self) -> None:
        """Move the calling process into the group (done by the worker before it runs agent code)."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def pids(self) -> list[int]:
        try:
            return [int(line) for line in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def kill_all(self, timeout: float = 2.0) -> None:
        """SIGKILL every process in the group until it is empty, then remove the group."""
        deadline = time.monotonic() + timeout
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                _kill(pid)
            time.sleep(0.005)
        try:
            self.path.rmdir()
        except OSError:
            pass


def _pids_hierarchy() -> Path | None:
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, relative = line.split(":", 2)
        if "pids" in controllers.split(","):
            base = Path("/sys/fs/cgroup/pids") / relative.lstrip("/")
            return base if os.access(base, os.W_OK) else None
    return None


# --- killing ---------------------------------------------------------------------------------


def kill_process_tree(pid: int) -> None:
    """SIGKILL `pid`, its process group and every descendant still attached to it."""
    victims = [pid, *_descendants(pid)]
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


# --- PID namespace ---------------------------------------------------------------------------

_CLONE_NEWUSER, _CLONE_NEWPID = 0x10000000, 0x20000000


def new_pid_namespace() -> int | None:
    """Fork into a new PID namespace, where the child is process 1 and everything it starts dies
    with it. In the parent returns the child's pid; in the child 0; None where the system refuses
    (then nothing was forked). Non-root users get the namespace through a user namespace that maps
    only their own ids."""
    uid, gid = os.geteuid(), os.getegid()
    flags = _CLONE_NEWPID if uid == 0 else _CLONE_NEWPID | _CLONE_NEWUSER
    if _libc.unshare(flags) != 0:
        return None
    if uid != 0:
        try:
            Path("/proc/self/setgroups").write_text("deny")
            Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
            Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
        except OSError:
            return None  # a user namespace without our ids cannot run Python safely; stay as we are
    return os.fork()


def supervise(child: int) -> None:
    """Wait for the namespace's first process and end as it ended, holding nothing open meanwhile.

    Killing this process kills the child (its parent-death signal) and so the whole namespace.
    """
    os.closerange(0, 4096)
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status))


# --- capabilities ----------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_PR_CAPBSET_DROP = 24
_PR_SET_NO_NEW_PRIVS = 38


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


def protections() -> dict[str, bool | int]:
    """Which confinement layers this machine and user give a worker."""
    return {
        "resource_limits": True,
        "pid_namespace": _pid_namespace_allowed(),
        "process_limit": os.getuid() != 0 or _pids_hierarchy() is not None,
        "process_cgroup": _pids_hierarchy() is not None,
        "capability_drop": os.geteuid() == 0,
        "landlock_abi": landlock_abi(),
    }


def _pid_namespace_allowed() -> bool:
    """Whether new_pid_namespace() would work, tried in a throwaway child."""
    pid = os.fork()
    if pid == 0:
        child = new_pid_namespace()
        if child:
            os.waitpid(child, 0)
        os._exit(0 if child is not None else 1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
