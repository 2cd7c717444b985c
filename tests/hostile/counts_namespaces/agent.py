"""Asks its namespaces for their ids (NS_GET_ID, NS_GET_MNTNS_ID on /proc/self/ns/*): numbers the machine hands out
in turn to every namespace made, six for each sandbox started, which tell how many sandboxes (and containers)
started before it; then plays legal moves."""
import ctypes
import os

import numpy as np

from arena.agents import Agent

NSFS = 0xB7
NS_GET_MNTNS_ID, NS_GET_ID = 2 << 30 | 8 << 16 | NSFS << 8 | 5, 2 << 30 | 8 << 16 | NSFS << 8 | 13  # _IOR(0xb7, n, u64)


def ask(namespace: str, request: int) -> str:
    libc = ctypes.CDLL(None, use_errno=True)
    told = ctypes.c_uint64()
    fd = os.open(f"/proc/self/ns/{namespace}", os.O_RDONLY)
    try:
        return str(told.value) if libc.ioctl(fd, ctypes.c_ulong(request), ctypes.byref(told)) == 0 else \
            f"refused ({ctypes.get_errno()})"
    finally:
        os.close(fd)


class SubmittedAgent(Agent):
    def _initialize(self):
        print("mount namespace's id:", ask("mnt", NS_GET_MNTNS_ID))
        for namespace in ("mnt", "net", "pid", "ipc", "uts", "cgroup"):
            print(f"{namespace} namespace's number:", ask(namespace, NS_GET_ID))

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
