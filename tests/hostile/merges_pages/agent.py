"""Asks the kernel to merge its memory with identical pages anywhere on the machine (KSM, where the host runs it), a
range of it and the whole process: a page merged with another process's shows in /proc/self/smaps as shared, so
pages written to a pattern agreed with a partner in another sandbox tell, with no timing at all, whether the partner
holds the same bytes. It watches its pages at every move; then plays legal moves."""
import ctypes
import mmap

import numpy as np

from arena.agents import Agent

PAGES, PAGE = 64, mmap.PAGESIZE
MADV_MERGEABLE, PR_SET_MEMORY_MERGE = 12, 67


def shared_kib(address: int) -> int:
    """How much of the mapping at `address` other processes map too (/proc/self/smaps' Shared_ lines)."""
    mapping = open("/proc/self/smaps").read().split(f"{address:x}-", 1)[1].split("VmFlags")[0]
    return sum(int(line.split()[1]) for line in mapping.splitlines() if line.startswith("Shared_"))


class SubmittedAgent(Agent):
    def _initialize(self):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        self.pages = mmap.mmap(-1, PAGES * PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        for page in range(PAGES):  # the pattern a partner writes too
            self.pages[page * PAGE:(page + 1) * PAGE] = (f"sign {page} ".encode() * PAGE)[:PAGE]
        self.address = ctypes.addressof(ctypes.c_char.from_buffer(self.pages))
        for what, ask in (("merge advice", lambda: libc.madvise(self.address, PAGES * PAGE, MADV_MERGEABLE)),
                          ("merge everything", lambda: libc.prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0))):
            print(f"{what}:", "done" if ask() == 0 else f"refused ({ctypes.get_errno()})")

    def predict(self, obs):
        print("KiB shared with another process:", shared_kib(self.address))
        return int(np.flatnonzero(obs["action_mask"])[0])
