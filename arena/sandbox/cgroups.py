"""One control group per agent: totals for memory, processes and CPU over everything it starts.

Per-process limits let an agent multiply its share by forking; a cgroup counts the whole tree. On
cgroup v1 (one hierarchy per controller) the agent gets a group in each of the memory, pids, cpu and
cpuacct hierarchies; on v2 one group with all four. Killing the group ends everything in it.
Groups are named `arena-<harness pid>-<n>-<its PID namespace>`, so a later harness can sweep those
of a dead one: only those made in its own PID namespace, where the pid names the same process (two
harnesses in containers may share one hierarchy). Each harness makes its groups in its own cgroup,
and sweeps there: those a killed harness left in another cgroup stay (empty once its agents died
with it, each a little kernel memory) until a harness runs there again or its owner removes them.

The group also freezes (`Freezer`): the harness stops every process of the agent between its calls,
so that nothing it started works on its opponent's time. A v2 freeze or thaw is a write of a few
microseconds, and waking the frozen worker costs more (about 18 us a call in all, measured on a
small VM); where the controllers are v1 the v2 hierarchy mounted beside them is used (systemd's hybrid
layout), else v1's own freezer (about 70 us a write).

Where the host has the cpuset controller, the group also keeps the agent on the CPUs its harness was
given, or the one it is placed on (`hold_to`): an agent may change its own CPU affinity, but never
beyond its cpuset.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from arena.cpus import allowed_cpus
from arena.processes import running

CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
FREEZER = "freezer"  # the key of the freezing group among a group's paths (on v2, the same folder)
CPUSET = "cpuset"  # ... and of the group holding it to its harness's CPUs
_CPU_PERIOD_US = 100_000
_counter = itertools.count()
_GROUP_NAME = re.compile(r"arena-(\d+)-\d+-(\d+)$")  # harness pid, count, PID namespace


@dataclass(frozen=True)
class CgroupLimits:
    memory_bytes: int
    max_pids: int
    cpu_cores: float


class AgentCgroup:
    """The groups holding one agent's worker: created by the harness, joined by the worker."""

    def __init__(self, paths: dict[str, Path], unified: bool):
        self.paths = paths  # controller -> group folder (all the same folder on v2)
        self.unified = unified

    @classmethod
    def create(cls, limits: CgroupLimits) -> AgentCgroup | None:
        """New groups with `limits` written, or None where this host does not let us make them at all;
        OSError where it does but they could not be made now (a sandbox must not start without them)."""
        bases = available_bases()
        if bases is None:
            return None
        name = f"arena-{os.getpid()}-{next(_counter)}-{pid_namespace()}"
        unified = len(set(bases.values())) == 1 and _is_v2(next(iter(bases.values())))
        group = cls({c: base / name for c, base in bases.items()}, unified)
        try:
            for path in set(group.paths.values()):
                path.mkdir()
            group._write_limits(limits)
        except OSError:
            group.remove()
            raise
        group._add_freezer(name)
        group._add_cpuset(name, allowed_cpus())
        return group

    def _add_freezer(self, name: str) -> None:
        """Give the group a freezer where this host has one (`freezer_base`); where none, it is never frozen."""
        base = freezer_base()
        if base is None:
            return
        path = base / name
        if path not in self.paths.values():
            try:
                path.mkdir()
            except OSError:
                return
        if _freeze_file(path) is None:  # a v2 kernel older than 5.2
            _rmdir_group(path)
            return
        self.paths[FREEZER] = path

    def _add_cpuset(self, name: str, cpus: set[int]) -> None:
        """Keep the group on `cpus` where this host has a cpuset controller (`cpuset_base`); where none,
        its affinity alone places it."""
        base = cpuset_base()
        if base is None:
            return
        path = base / name
        made = path not in self.paths.values()
        try:
            if made:
                path.mkdir()
                # v1 admits no process before the group has memory nodes (v2 inherits its parent's)
                _write(path / "cpuset.mems", (base / "cpuset.mems").read_text().strip())
            self.paths[CPUSET] = path
            self.hold_to(cpus)
        except OSError:
            self.paths.pop(CPUSET, None)
            if made:
                _rmdir_group(path)

    def hold_to(self, cpus: set[int]) -> None:
        """Let its processes run on `cpus` only, whatever affinity they set themselves, where the
        group has a cpuset (OSError where the host refuses)."""
        if CPUSET in self.paths:
            _write(self.paths[CPUSET] / "cpuset.cpus", ",".join(map(str, sorted(cpus))))

    def freezer(self) -> Freezer | None:
        """What stops and resumes every process of the group; None where the host has no freezer."""
        path = self.paths.get(FREEZER)
        if path is None:
            return None
        cpu = self.paths.get("cpu")
        idle = cpu / "cpu.idle" if cpu is not None and (cpu / "cpu.idle").exists() else None  # Linux 5.15
        return Freezer(path, idle)

    def _write_limits(self, limits: CgroupLimits) -> None:
        quota = max(int(limits.cpu_cores * _CPU_PERIOD_US), 1000)
        if self.unified:
            folder = self.paths["memory"]
            _write(folder / "memory.max", limits.memory_bytes)
            _write(folder / "memory.swap.max", 0, optional=True)
            _write(folder / "pids.max", limits.max_pids)
            _write(folder / "cpu.max", f"{quota} {_CPU_PERIOD_US}")
            return
        memory = self.paths["memory"]
        _write(memory / "memory.limit_in_bytes", limits.memory_bytes)
        _write(memory / "memory.memsw.limit_in_bytes", limits.memory_bytes, optional=True)  # no escape to swap
        _write(self.paths["pids"] / "pids.max", limits.max_pids)
        _write(self.paths["cpu"] / "cpu.cfs_period_us", _CPU_PERIOD_US)
        _write(self.paths["cpu"] / "cpu.cfs_quota_us", quota)

    def to_config(self) -> dict:
        """What the worker needs to join the groups (`from_config`)."""
        return {"paths": {c: str(p) for c, p in self.paths.items()}, "unified": self.unified}

    @classmethod
    def from_config(cls, config: dict) -> AgentCgroup:
        return cls({c: Path(p) for c, p in config["paths"].items()}, config["unified"])

    def join(self) -> None:
        """Move the calling process into every group (the worker, before it runs agent code)."""
        for path in set(self.paths.values()):
            _write(path / "cgroup.procs", os.getpid())

    def task_peak_file(self) -> Path:
        """The file holding the most processes and threads the group held at once (Linux 6.1+)."""
        return self.paths["pids"] / "pids.peak"

    def cpu_reader(self) -> CounterReader:
        """A reader of the CPU nanoseconds used so far by every process of the agent."""
        if self.unified:
            return CounterReader(self.paths["cpu"] / "cpu.stat", lambda t: int(t.split(b"usage_usec", 1)[1].split()[0]) * 1000)
        return CounterReader(self.paths["cpuacct"] / "cpuacct.usage", int)

    def memory_kills(self) -> int:
        """How many times the kernel killed a process of this agent for going over its memory total."""
        name = "memory.events" if self.unified else "memory.oom_control"
        try:
            text = (self.paths["memory"] / name).read_text()
        except OSError:
            return 0
        match = re.search(r"^oom_kill (\d+)", text, re.MULTILINE)
        return int(match.group(1)) if match else 0

    def memory_used(self) -> int:
        """Bytes the agent's processes hold now, as its limit counts them (kernel buffers and files in
        memory too); 0 where it cannot be read."""
        try:
            return int(self._memory_file.read_text())
        except (OSError, ValueError):
            return 0

    def kernel_memory_readers(self) -> tuple[CounterReader, CounterReader | None]:
        """Readers of the kernel's own memory charged to the group (page tables, slabs, stacks), apart
        from the agent's pages and the files it read, which the host may reclaim at any time.

        With cgroup v1 that is one counter, cheap to read: (it, None). Cgroup v2 keeps it in memory.stat,
        dearer to read: (a reader of all the group's memory, one of memory.stat's kernel memory), the
        second to read instead once the first fell. Where the kernel does not count it apart (cgroup v1
        booted with `cgroup.memory=nokmem`): (a reader of all its memory, None).
        """
        if self.unified:
            return (CounterReader(self._memory_file, int),
                    CounterReader(self.paths["memory"] / "memory.stat", kernel_bytes, STAT_BYTES))
        kernel = self.paths["memory"] / "memory.kmem.usage_in_bytes"
        if kernel.exists() and b"cgroup.memory=nokmem" not in Path("/proc/cmdline").read_bytes():
            return CounterReader(kernel, int), None
        return CounterReader(self._memory_file, int), None

    @property
    def _memory_file(self) -> Path:
        return self.paths["memory"] / ("memory.current" if self.unified else "memory.usage_in_bytes")

    def reached_memory_limit(self) -> bool:
        """Whether this agent's processes ever needed more memory than their total allows (a kernel
        that killed one of them without that was short of memory itself)."""
        memory = self.paths["memory"]
        try:
            if self.unified:
                match = re.search(r"^oom (\d+)", (memory / "memory.events").read_text(), re.MULTILINE)
                return match is None or int(match.group(1)) > 0
            # v1's failure counts stay 0 on recent kernels; its peak reaches the limit, of memory or of
            # memory and swap together, whichever came first
            return any(int((memory / f"memory.{kind}max_usage_in_bytes").read_text())
                       >= int((memory / f"memory.{kind}limit_in_bytes").read_text()) - LIMIT_SLACK
                       for kind in ("", "memsw.") if (memory / f"memory.{kind}limit_in_bytes").exists())
        except (OSError, ValueError):
            return True  # unknown: its own limit, as the kernel's count says

    def pids(self) -> list[int]:
        return _procs(self.paths["pids"])

    def threads(self) -> list[int]:
        """Every thread of every process of the agent (its supervisor's too), by the ids this process knows them by."""
        return _listed(self.paths["pids"] / ("cgroup.threads" if self.unified else "tasks"))

    def kill_all(self, timeout: float = 2.0) -> None:
        """SIGKILL every process in the groups until they are empty, then remove them."""
        if FREEZER in self.paths:
            _thaw(self.paths[FREEZER])  # a task frozen by v1's freezer dies only once thawed
        kill_file = self.paths["pids"] / "cgroup.kill"
        if self.unified and kill_file.exists():
            _write(kill_file, 1, optional=True)
        deadline = time.monotonic() + timeout
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.005)
        self.remove()

    def remove(self) -> None:
        for path in set(self.paths.values()):
            _rmdir_group(path)


class Freezer:
    """Stops (`freeze`) and resumes (`thaw`) every process of one group at once, through a
    descriptor kept open. Freezing is asynchronous: a process stops when it next leaves the kernel,
    a few microseconds later, or once a long system call returns (`stopped` tells).

    A freeze stops every process but one ending: a fatal signal (a timer's SIGALRM it does not catch)
    ends a frozen process, and its exit, the teardown of its memory, would run on the opponent's time
    and CPU. The CPU it uses is the agent's (owed by its next call), but an opponent thinking for a
    time of its own would do less meanwhile. Once stopped, the group `rest`s: where the CPU controller
    has `cpu.idle` (the group's `idle` file), its processes run only on a CPU nothing else wants, until
    the thaw."""

    def __init__(self, group: Path, idle: Path | None = None):
        path, self._frozen, self._thawed = _freeze_file(group)
        self.fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
        # Where the group's state shows, and what it shows once every process has stopped.
        unified = path.name == "cgroup.freeze"
        state, self._stopped = (group / "cgroup.events", b"frozen 1") if unified else (path, b"FROZEN")
        self._state_fd = os.open(state, os.O_RDONLY | os.O_CLOEXEC)
        self._idle_fd = os.open(idle, os.O_WRONLY | os.O_CLOEXEC) if idle is not None else None
        self.frozen = False
        self._resting = False

    def freeze(self) -> None:
        os.pwrite(self.fd, self._frozen, 0)
        self.frozen = True

    def rest(self) -> None:
        """Every process stopped (`stopped`): any that ends until the thaw does so on an idle CPU."""
        if self._idle_fd is not None and not self._resting:
            os.pwrite(self._idle_fd, b"1", 0)
            self._resting = True

    def thaw(self) -> None:
        if self._resting:
            os.pwrite(self._idle_fd, b"0", 0)
            self._resting = False
        if self.frozen:
            os.pwrite(self.fd, self._thawed, 0)
            self.frozen = False

    def stopped(self) -> bool:
        """Whether every process of the group has stopped since `freeze`."""
        return self._stopped in os.pread(self._state_fd, 64, 0)

    def close(self) -> None:
        for fd in (self.fd, self._state_fd, self._idle_fd):
            if fd is not None:
                os.close(fd)


def _freeze_file(group: Path) -> tuple[Path, bytes, bytes] | None:
    """The file that freezes `group`, with what freezes and what thaws it; None if it has none."""
    for name, frozen, thawed in (("cgroup.freeze", b"1", b"0"), ("freezer.state", b"FROZEN", b"THAWED")):
        if (group / name).exists():
            return group / name, frozen, thawed
    return None


def _thaw(group: Path) -> None:
    found = _freeze_file(group)
    if found is not None:
        _write(found[0], found[2].decode(), optional=True)


LIMIT_SLACK = 1 << 20  # bytes under a limit that a peak still counts as reaching it (the last charge failed)
COUNTER_BYTES = 256  # what a counter's reader reads: enough for the counter (cpu.stat's first line on v2)
STAT_BYTES = 16 << 10  # enough for all of a v2 memory.stat (about 2.5 KiB on Linux 6.x)
# memory.stat's lines that make up its `kernel` line, on kernels before 5.18 that lack it
KERNEL_PARTS = (b"kernel_stack", b"pagetables", b"percpu", b"slab_reclaimable", b"slab_unreclaimable")


class CounterReader:
    """Reads one number from a kernel file again and again through one open descriptor (cheap)."""

    def __init__(self, path: Path, parse, size: int = COUNTER_BYTES):
        self.fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        self.parse = parse
        self.size = size

    def read(self) -> int:
        return self.parse(os.pread(self.fd, self.size, 0))

    def close(self) -> None:
        os.close(self.fd)


def kernel_bytes(memory_stat: bytes) -> int:
    """The kernel memory a v2 memory.stat shows (its `kernel` line, or the lines it sums before 5.18)."""
    fields = dict(line.split(b" ", 1) for line in memory_stat.splitlines() if b" " in line)
    if b"kernel" in fields:
        return int(fields[b"kernel"])
    return sum(int(fields.get(name, 0)) for name in KERNEL_PARTS)


def available_bases() -> dict[str, Path] | None:
    """controller -> the folder new groups go in (this process's own group), or None if any is missing."""
    bases = _v1_bases()
    if all(c in bases for c in CONTROLLERS):
        return {c: bases[c] for c in CONTROLLERS}
    unified = _v2_base()
    if unified is not None:
        return {c: unified for c in CONTROLLERS}
    return None


def freezer_base() -> Path | None:
    """Where freezing groups go: the v2 hierarchy (the controllers' own, or one mounted beside
    v1's), else v1's freezer; None where neither is writable."""
    unified = _v2_base(controllers=())
    if unified is not None:
        return unified
    return _v1_bases().get(FREEZER)


def cpuset_base() -> Path | None:
    """Where groups holding agents to CPUs go: v1's cpuset hierarchy, or the v2 group of the
    controllers where it can have the cpuset controller; None where neither is writable."""
    v1 = _v1_bases().get(CPUSET)
    if v1 is not None:
        return v1
    bases = available_bases()
    unified = _v2_base(controllers=(CPUSET,))
    return unified if bases is not None and unified in bases.values() else None


def missing_controllers() -> list[str]:
    """The controllers this host does not let arena use, for `protections()`."""
    if available_bases() is not None:
        return []
    return [c for c in CONTROLLERS if c not in _v1_bases()]


def sweep_stale_groups() -> None:
    """Kill and remove the groups of harnesses that died without cleaning up (SIGKILL)."""
    bases = set((available_bases() or {}).values()) | {freezer_base(), cpuset_base()} - {None}
    namespace = pid_namespace()
    for base in bases:
        for group in base.glob("arena-*-*"):
            match = _GROUP_NAME.match(group.name)
            if match and int(match.group(2)) == namespace and not running(int(match.group(1))):
                _thaw(group)
                for pid in _procs(group):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                _rmdir_group(group)


def machine_memory() -> int:
    """This machine's memory in bytes, or the limit of this process's control groups where lower (a container)."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limit = own_memory_limit()
    return min(physical, limit if limit is not None else physical)


def own_memory_limit() -> int | None:
    """The least memory limit of this process's group and the groups above it (a container's), in
    bytes; None where none is set or none can be read."""
    mounts = _cgroup_mounts()
    limits = []
    for line in _read_lines("/proc/self/cgroup"):
        hierarchy, controllers, relative = line.split(":", 2)
        v2 = hierarchy == "0"
        mount = mounts.get("<unified>" if v2 else "memory")
        if mount is None or not (v2 or "memory" in controllers.split(",")):
            continue
        group = mount / relative.lstrip("/")
        for folder in (group, *group.parents):
            if not folder.is_relative_to(mount):
                break
            try:
                value = (folder / ("memory.max" if v2 else "memory.limit_in_bytes")).read_text().strip()
            except OSError:
                continue
            if value.isdigit():
                limits.append(int(value))
    return min(limits, default=None)


def _v1_bases() -> dict[str, Path]:
    mounts = _cgroup_mounts()
    bases = {}
    for line in _read_lines("/proc/self/cgroup"):
        hierarchy, controllers, relative = line.split(":", 2)
        if hierarchy == "0":
            continue
        for controller in controllers.split(","):
            mount = mounts.get(controller)
            if mount is not None:
                base = mount / relative.lstrip("/")
                if os.access(base, os.W_OK):
                    bases[controller] = base
    return bases


def _v2_base(controllers: tuple[str, ...] = ("cpu", "memory", "pids")) -> Path | None:
    """This process's v2 group, where new groups get `controllers`; None if it cannot have them."""
    mount = _cgroup_mounts().get("<unified>")
    for line in _read_lines("/proc/self/cgroup"):
        if line.startswith("0::") and mount is not None:
            base = mount / line[3:].lstrip("/")
            try:
                enabled = (base / "cgroup.subtree_control").read_text().split()
            except OSError:
                return None
            wanted = set(controllers)
            if not wanted <= set(enabled):
                try:  # allowed only where no process sits in this group itself, e.g. a delegated root
                    _write(base / "cgroup.subtree_control", " ".join(f"+{c}" for c in sorted(wanted)))
                except OSError:
                    return None
            return base if os.access(base, os.W_OK) else None
    return None


def _cgroup_mounts() -> dict[str, Path]:
    """controller (or '<unified>' for v2) -> where its hierarchy is mounted."""
    mounts: dict[str, Path] = {}
    for line in _read_lines("/proc/self/mountinfo"):
        before, _, after = line.partition(" - ")
        fields, fs = before.split(), after.split()
        if len(fields) < 5 or not fs:
            continue
        point = Path(fields[4].replace("\\040", " "))
        if fs[0] == "cgroup2":
            mounts.setdefault("<unified>", point)
        elif fs[0] == "cgroup" and len(fs) >= 3:
            for option in fs[2].split(","):
                if option in (*CONTROLLERS, FREEZER, CPUSET):
                    mounts.setdefault(option, point)
    return mounts


def _is_v2(path: Path) -> bool:
    return (path / "cgroup.controllers").exists()


def _procs(group: Path) -> list[int]:
    """The processes of `group` this process can name."""
    return _listed(group / "cgroup.procs")


def _listed(ids: Path) -> list[int]:
    """The process or thread ids a group's file lists that this process can name: the kernel shows those of PID
    namespaces it cannot see as 0 (v2), which kill() would take for this process's own group."""
    try:
        return [pid for pid in map(int, ids.read_text().split()) if pid > 0]
    except OSError:
        return []


def pid_namespace() -> int:
    """This process's PID namespace (its inode number; 0 where /proc does not show it)."""
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


def _rmdir_group(path: Path) -> None:
    for _ in range(100):  # a group empties a moment after its last process is reaped
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)


def _write(path: Path, value: object, optional: bool = False) -> None:
    try:
        with open(path, "w") as handle:
            handle.write(str(value))
    except OSError:
        if not optional:
            raise


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []
