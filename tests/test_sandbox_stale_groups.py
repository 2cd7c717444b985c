"""A harness sweeps the cgroups a dead harness left, and only those: never a live harness's in
another PID namespace (containers sharing one hierarchy), and never by signalling what it cannot see."""

import os
import subprocess
import sys

import pytest

from arena.processes import running
from arena.sandbox import cgroups, protections

pytestmark = pytest.mark.skipif(not protections()["cgroups"], reason="needs cgroups")


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    assert not running(process.pid)
    return process.pid


def group_holding_a_process(name: str) -> tuple[os.PathLike, subprocess.Popen]:
    group = cgroups.available_bases()["pids"] / name
    group.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    (group / "cgroup.procs").write_text(str(sleeper.pid))
    return group, sleeper


def test_the_groups_of_a_dead_harness_in_this_pid_namespace_are_swept_and_others_left(tmp_path):
    pid, namespace = dead_pid(), os.stat("/proc/self/ns/pid").st_ino
    stale, orphan = group_holding_a_process(f"arena-{pid}-0-{namespace}")
    # The same pid in another PID namespace names another process, perhaps a live harness's.
    elsewhere, theirs = group_holding_a_process(f"arena-{pid}-1-{namespace + 1}")
    try:
        cgroups.sweep_stale_groups()
        assert orphan.wait(timeout=10) == -9 and not stale.exists()
        assert theirs.poll() is None and elsewhere.exists()
    finally:
        for process in (orphan, theirs):
            process.kill()
            process.wait()
        for group in (stale, elsewhere):
            cgroups._rmdir_group(group)


def test_processes_of_a_group_this_process_cannot_see_are_not_named(tmp_path):
    # cgroup v2 lists a process of a PID namespace the reader cannot see as 0: kill(0) would be its own group.
    (tmp_path / "cgroup.procs").write_text("0\n0\n4242\n")
    assert cgroups._procs(tmp_path) == [4242]
