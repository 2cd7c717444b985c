"""When a task last ran, as the scheduler tells it: read from the kernel's fields, never from the name
a task gives itself."""

import ctypes
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from arena.sandbox import last_ran
from arena.sandbox.last_ran import LateReadings, _last_run

PR_SET_NAME = 15


def test_a_task_named_like_a_scheduler_field_shows_when_it_really_ran():
    named, done = threading.Event(), threading.Event()
    tid = []

    def misnamed():
        tid.append(threading.get_native_id())
        ctypes.CDLL(None).prctl(PR_SET_NAME, ctypes.c_char_p(b"se.exec_start:0"), 0, 0, 0)
        named.set()
        done.wait()

    thread = threading.Thread(target=misnamed)
    thread.start()
    try:
        named.wait()
        time.sleep(0.01)  # asleep in done.wait()
        cpu, ran = _last_run(f"/proc/self/task/{tid[0]}")
        _, now = _last_run("/proc/thread-self")
    finally:
        done.set()
        thread.join()
    assert cpu in os.sched_getaffinity(0)
    # Milliseconds since boot, on some CPU's clock: a moment ago, not the start of time the name says.
    assert ran > 1000 and abs(now - ran) < 60_000


class _Group:
    """The files and processes of an agent's cgroup that `LateReadings` reads: one task, held since it began."""

    def __init__(self, folder, pid: int):
        self.pid = pid
        for counter in ("pids.current", "pids.peak"):
            (folder / counter).write_text("1\n")
        self.folder = folder

    def task_peak_file(self):
        return self.folder / "pids.peak"

    def pids(self) -> list[int]:
        return [self.pid]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the task moves to another CPU")
@pytest.mark.parametrize("woken_after", ["_state", "_clock_now_on"])
def test_a_task_woken_while_it_is_read_is_not_shown_asleep(tmp_path, monkeypatch, woken_after):
    """Woken between the reads of its state and of its clock (its exec_start is 0 on the CPU it moved
    to), or after the harness read its own clock (its wait for a CPU would count twice: as a late
    reading and as a wait the clock subtracts)."""
    here, there = sorted(os.sched_getaffinity(0))[:2]
    # On `there`, a busy process: the task woken onto it waits there, its exec_start 0 until it first runs.
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    wake_read, wake = os.pipe()
    task = subprocess.Popen([sys.executable, "-c", "import os\nos.read(0, 1)\nwhile True: pass"], stdin=wake_read)
    os.close(wake_read)
    try:
        os.sched_setaffinity(busy.pid, {there})
        os.sched_setaffinity(task.pid, {here})
        os.setpriority(os.PRIO_PROCESS, task.pid, 19)
        _wait_asleep(task.pid)
        woken = []
        read = getattr(last_ran, woken_after)

        def read_then_woken(*args):
            value = read(*args)
            if not woken:  # it wakes, on the other CPU, just after this read
                os.sched_setaffinity(task.pid, {there})
                os.write(wake, b"!")
                woken.append(args)
            return value

        monkeypatch.setattr(last_ran, woken_after, read_then_woken)
        readings = LateReadings(_Group(tmp_path, task.pid))
        try:
            assert readings.asleep_for(supervisor=-1, group_cpu=0) == 0.0
        finally:
            readings.close()
        assert woken  # the task was read, and woke in between
    finally:
        for process in (busy, task):
            process.kill()
            process.wait()
        os.close(wake)


def _wait_asleep(pid: int) -> None:
    for _ in range(1000):
        if last_ran._state(f"/proc/{pid}") == "S" and Path(f"/proc/{pid}/wchan").read_bytes().endswith(b"pipe_read"):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} never slept on its pipe")
