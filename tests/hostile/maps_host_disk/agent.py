"""Asks the host's disk, through the file systems' own ioctls on the software it may read, for what statfs no longer
tells: a map of every extent of the disk, free ones included, as it is that instant (ext4's and XFS's GETFSMAP: the
harness writing another sandbox's log shows there), the disk's free space (XFS, btrfs), where the host keeps a file
all sandboxes read and what of its map the kernel holds (FIEMAP, ext4's extent cache and state) and the disk's id and
name; then plays legal moves."""
import ctypes
import os
import struct

import numpy as np

from arena.agents import Agent


def request(direction: int, kind: int, number: int, size: int) -> int:
    return direction << 30 | size << 16 | kind << 8 | number


READ, WRITE, BOTH = 2, 1, 3
FSMAP_HEAD, EXTENT_MAP_HEAD = 192, 32  # struct fsmap_head with its two keys; struct fiemap
ASKED = {"disk map": request(BOTH, ord("X"), 59, FSMAP_HEAD), "extent map": request(BOTH, ord("f"), 11, EXTENT_MAP_HEAD),
         "extent cache": request(BOTH, ord("f"), 42, EXTENT_MAP_HEAD), "file state": request(WRITE, ord("f"), 41, 4),
         "disk id": request(READ, 0x15, 0, 17), "disk name": request(READ, 0x15, 1, 129),
         "xfs free counts": request(READ, ord("X"), 113, 32), "btrfs space": request(BOTH, 0x94, 20, 16)}
ENTRIES = 64
FREE = 1  # a disk map's owner of free space (FMR_OWN_FREE)


def query(what: str) -> ctypes.Array:
    buffer = ctypes.create_string_buffer(FSMAP_HEAD + 64 * ENTRIES)
    if what == "disk map":  # room for ENTRIES entries, from the first key to the last
        struct.pack_into("4I", buffer, 0, 0, 0, ENTRIES, 0)
        struct.pack_into("2I4Q", buffer, 128, 0xFFFFFFFF, 0xFFFFFFFF, *[2**64 - 1] * 4)
    elif what in ("extent map", "extent cache"):  # the whole file, room for ENTRIES extents
        struct.pack_into("2Q4I", buffer, 0, 0, 2**64 - 1, 0, 0, ENTRIES, 0)
    return buffer


def ask(fd: int, what: str) -> str:
    """'answered' (for a disk map, with what its first entries tell), or 'refused (errno)'."""
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = query(what)
    if libc.ioctl(fd, ctypes.c_ulong(ASKED[what]), buffer) != 0:
        return f"refused ({ctypes.get_errno()})"
    if what != "disk map":
        return "answered"
    found = struct.unpack_from("I", buffer, 12)[0]
    entries = [struct.unpack_from("2I4Q", buffer, FSMAP_HEAD + 64 * index) for index in range(found)]
    free = sum(length for _, _, _, owner, _, length in entries if owner == FREE)
    return f"answered, {found} extents, {free >> 10} KiB of them free"


class SubmittedAgent(Agent):
    def _initialize(self):
        software = os.open(os.__file__, os.O_RDONLY)
        for what in ASKED:
            print(f"{what}: {ask(software, what)}")

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
