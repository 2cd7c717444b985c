"""Starts a process that counts without end, and reports how far it counted during each of its own
moves (50 ms) and while its opponent had the move."""
import mmap
import os
import struct
import time

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def _initialize(self):
        self.counter = mmap.mmap(-1, 8)  # shared with the child
        if os.fork() == 0:
            count = 0
            while True:
                count += 1
                self.counter[:] = struct.pack("q", count)
        self.left_at = None

    def count(self) -> int:
        return struct.unpack("q", self.counter[:])[0]

    def predict(self, obs):
        arrived = self.count()
        if self.left_at is not None:
            print(f"counted while away: {arrived - self.left_at}", flush=True)
        time.sleep(0.05)
        print(f"counted in its own move: {self.count() - arrived}", flush=True)
        self.left_at = self.count()
        return int(np.flatnonzero(obs["action_mask"])[0])
