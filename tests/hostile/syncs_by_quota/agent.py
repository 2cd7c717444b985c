"""Asks for quota syncs (quotactl Q_SYNC, which needs no privilege): with no file system named, every file system of
the machine that could keep quotas is synced, mounted in the sandbox or not, and the host's disks flush their
caches, slowing every other writer; the same for the software's own file system, named by a descriptor
(quotactl_fd). Then plays legal moves."""
import ctypes
import sys

import numpy as np

from arena.agents import Agent

QUOTACTL, QUOTACTL_FD = 179, 443  # x86-64
Q_SYNC = 0x800001
USER, GROUP = 0, 1


def attempt(call) -> str:
    return "done" if call() == 0 else f"refused ({ctypes.get_errno()})"


class SubmittedAgent(Agent):
    def _initialize(self):
        libc = ctypes.CDLL(None, use_errno=True)
        told = set()
        with open(sys.executable, "rb") as software:
            for _ in range(200):
                for kind in (USER, GROUP):
                    command = ctypes.c_int(Q_SYNC << 8 | kind)
                    told.add(("quota sync", attempt(lambda: libc.syscall(QUOTACTL, command, None, 0, None))))
                told.add(("quota sync of a file system", attempt(
                    lambda: libc.syscall(QUOTACTL_FD, software.fileno(), ctypes.c_uint(Q_SYNC << 8 | USER), 0, None))))
        for what, result in sorted(told):
            print(f"{what}: {result}")

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
