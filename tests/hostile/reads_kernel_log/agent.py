"""Passes signs through the kernel's log: a child of its own, named as a sign, crashes, which the kernel logs under
that name; then it reads the log through syslog(2) (its /dev has no kmsg), where a host that lets anyone read it
shows every other sandbox's signs, crashes and the host's own events; then plays legal moves."""
import ctypes
import os

import numpy as np

from arena.agents import Agent

SYSLOG, READ_ALL, SIZE_BUFFER = 103, 3, 10
PR_SET_NAME = 15
SIGN = b"sign-for-mate"


def crash_named(name: bytes) -> None:
    child = os.fork()
    if child == 0:
        ctypes.CDLL(None).prctl(PR_SET_NAME, name, 0, 0, 0)
        ctypes.string_at(16)  # a segfault, which the kernel logs with the process's name
    os.waitpid(child, 0)


class SubmittedAgent(Agent):
    def _initialize(self):
        crash_named(SIGN)
        libc = ctypes.CDLL(None, use_errno=True)
        log = ctypes.create_string_buffer(1 << 20)
        for what, action in (("size of the kernel's log", SIZE_BUFFER), ("kernel's log", READ_ALL)):
            told = libc.syscall(SYSLOG, action, log, len(log))
            print(f"{what}:", f"read ({told})" if told >= 0 else f"refused ({ctypes.get_errno()})")
        print("its sign in the log:", SIGN in log.raw)

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
