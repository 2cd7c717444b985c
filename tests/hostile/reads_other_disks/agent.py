"""Asks ustat(2) about file systems by device number, the way it needs no path to them: the host's disk, its
devtmpfs (sized by the machine's memory) and every in-memory file system of the machine, the other sandboxes'
own among them (how much each has written, live); then plays legal moves."""
import ctypes
import os

import numpy as np

from arena.agents import Agent

USTAT = 136  # x86-64


class Ustat(ctypes.Structure):
    _fields_ = [("f_tfree", ctypes.c_long), ("f_tinode", ctypes.c_ulong), ("f_fname", ctypes.c_char * 6),
                ("f_fpack", ctypes.c_char * 6)]


def ustat(device: int) -> tuple[int, int]:
    """(0, free blocks) where the kernel answered, else (-1, errno)."""
    libc = ctypes.CDLL(None, use_errno=True)
    told = Ustat()
    if libc.syscall(USTAT, ctypes.c_uint(device), ctypes.byref(told)) != 0:
        return -1, ctypes.get_errno()
    return 0, told.f_tfree


class SubmittedAgent(Agent):
    def _initialize(self):
        own = os.stat("/").st_dev
        print("ustat of its own root:", "answered" if ustat(own)[0] == 0 else f"refused ({ustat(own)[1]})")
        software = os.stat("/usr").st_dev
        print("ustat of the host's disk:", "answered" if ustat(software)[0] == 0 else f"refused ({ustat(software)[1]})")
        others = [minor for minor in range(256) if os.makedev(0, minor) != own and ustat(os.makedev(0, minor))[0] == 0]
        print("other in-memory file systems answering:", len(others))

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
