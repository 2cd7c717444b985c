"""Which isolation layers this machine gives a sandboxed agent, and what is missing.

| layer | what it stops | needs |
| --- | --- | --- |
| identity | changing, reading or locking the host's files as their owner (a dedicated uid, no capabilities) | namespaces, or a non-root harness |
| network | any network: no IP of any family, no host UNIX or netlink sockets (an empty network namespace) | namespaces |
| filesystem | seeing anything of the host but the software it runs on (read-only); writes only to its copy and a private /tmp, in a size-capped tmpfs | namespaces |
| processes | seeing or signalling other processes; anything it starts dies with it (a PID namespace) | namespaces |
| cgroups | memory, process count and CPU over its whole process tree (one core by default) | writable cgroups (v1 memory, pids, cpu, cpuacct; or v2) |
| freezing | working on the opponent's time: between its calls every process of the agent is frozen, or shown asleep on its pipe with nothing that could wake it | cgroups, and a v2 hierarchy (Linux 5.2+) or v1's freezer |
| CPUs | running on CPUs the organiser kept for other work: its processes stay on the CPUs the harness was given, whatever affinity they set themselves (without it its CPU total is still capped, so its absence is no reason to refuse a tournament) | cgroups, and the cpuset controller (v1 or v2) |
| open files | filling the machine's table of open files, which would make every other process's open fail: the table holds more files than memory could pay for, so the memory limit bounds an agent's (`arena.sandbox.file_table`) | fs.file-max at its ceiling (systemd's default), or a harness run as root, which sets it |
| Landlock | a second wall for files, TCP and signals | Linux 5.13+ (TCP 6.7+, signals 6.12+) |
| resource limits | huge files and core dumps; per-process memory and processes where cgroups are missing | nothing |

Namespaces need root, or unprivileged user namespaces (most distributions allow them).
"""

from __future__ import annotations

import functools
import os
import sys

from arena.sandbox import confine, file_table, isolate
from arena.sandbox.cgroups import available_bases, cpuset_base, freezer_base, missing_controllers


def protections() -> dict[str, bool | int]:
    """Each layer of `arena.sandbox`'s isolation and whether this machine and user give it."""
    namespaces = namespaces_work()
    cgroups = available_bases() is not None
    return {
        "identity": namespaces or os.geteuid() != 0,
        "network": namespaces,
        "filesystem": namespaces,
        "processes": namespaces,
        "cgroups": cgroups,
        "freezing": cgroups and freezer_base() is not None,
        "cpus": cgroups and cpuset_base() is not None,
        "open_files": file_table.widen(),
        "landlock_abi": confine.landlock_abi(),
        "resource_limits": True,
    }


def platform_problem() -> str | None:
    """Why this operating system cannot run a sandbox at all (every layer is Linux's); None on Linux."""
    if sys.platform.startswith("linux"):
        return None
    system = {"darwin": "macOS", "win32": "Windows", "cygwin": "Windows"}.get(sys.platform, sys.platform)
    return (f"arena runs on Linux: its sandbox is made of Linux's namespaces, cgroups and seccomp, which {system} "
            "does not have; run arena in WSL 2 (Windows) or in a Linux container or virtual machine (Docker, say)")


def missing_isolation() -> list[str]:
    """One line per isolating layer this machine lacks (empty when every one holds)."""
    if problem := platform_problem():
        return [problem]
    missing = []
    if not namespaces_work():
        missing.append("namespaces: the kernel refused new mount, network and PID namespaces, so an agent sees "
                       "the host's files, network and processes (run arena as root, or allow unprivileged user "
                       "namespaces: sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces)")
        if os.geteuid() == 0:
            missing.append("identity: without namespaces a worker started by root keeps uid 0, so the kernel "
                           "lets it change any file it can reach")
    if available_bases() is None:
        missing.append(f"cgroups: no writable cgroup for {', '.join(missing_controllers()) or 'memory, pids, cpu'}, "
                       "so an agent's memory and processes are capped one process at a time and its CPU use is "
                       "not bounded (run as root on a host with cgroups, or delegate a cgroup v2 subtree)")
    elif freezer_base() is None:
        missing.append("freezing: no writable freezer (cgroup v2, or v1's freezer hierarchy), so the processes an "
                       "agent starts keep running between its calls, on its opponent's time (mount cgroup v2, or "
                       "give arena a writable group in v1's freezer hierarchy)")
    if not file_table.widen():
        missing.append(f"open files: the machine's table of open files (fs.file-max) is smaller than its memory "
                       f"could fill, so an agent keeping files open without descriptors (mapped, then closed) can fill "
                       f"it, and every other process's open fails (sysctl -w fs.file-max={file_table.CEILING}, "
                       "systemd's default, or run arena as root, which sets it)")
    return missing


@functools.cache
def namespaces_work() -> bool:
    """Whether a worker here gets its namespaces and private root, tried once in a throwaway child."""
    pid = os.fork()
    if pid == 0:
        try:
            child = isolate.enter_namespaces()
            if child is None:
                os._exit(1)
            if child:
                isolate.supervise(child)
            isolate.private_mounts_work()
            os._exit(0)
        except BaseException:  # noqa: BLE001  (any failure means: not available)
            os._exit(1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
