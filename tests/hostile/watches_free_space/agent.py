"""Watches the free space of the host's disk, which holds the software it reads and the log the harness writes of
what it prints: it prints a lot, then asks statfs at every move whether the disk's free blocks or inodes moved (a
sign another sandbox could read, or the machine's other work), by path, through a path out of its root and through
a descriptor; then plays legal moves."""
import os
import sys

import numpy as np

from arena.agents import Agent

SOFTWARE, SOFTWARE_FILE = os.path.dirname(os.__file__), open(os.__file__, "rb")
WAYS = {"by path": lambda: os.statvfs(SOFTWARE), "up past its root": lambda: os.statvfs("/submission/../../.." + SOFTWARE),
        "by descriptor": lambda: os.fstatvfs(SOFTWARE_FILE.fileno())}


def free(found: os.statvfs_result) -> tuple[int, int, int]:
    return found.f_bfree, found.f_bavail, found.f_ffree


class SubmittedAgent(Agent):
    def _initialize(self):
        found = os.statvfs(SOFTWARE)
        print(f"software's disk: {found.f_blocks} blocks, {found.f_bfree} free, {found.f_bavail} available, "
              f"{found.f_files} inodes, {found.f_ffree} free")
        own = os.statvfs("/tmp")
        print(f"its own tmpfs: {own.f_bfree} of {own.f_blocks} free")
        self.first = {way: free(ask()) for way, ask in WAYS.items()}
        self.moved = set()
        print("." * 60_000)  # into its log, on the host's disk
        sys.stdout.flush()

    def predict(self, obs):
        self.moved |= {way for way, ask in WAYS.items() if free(ask()) != self.first[way]}
        print("free space moved:", sorted(self.moved) or "never")
        return int(np.flatnonzero(obs["action_mask"])[0])
