"""When a task last ran, as the scheduler tells it: read from the kernel's fields, never from the name
a task gives itself."""

import ctypes
import os
import threading
import time

from arena.sandbox.last_ran import _last_run

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
