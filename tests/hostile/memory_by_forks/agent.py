"""Forks eight children that each fill 256 MiB: far under a per-process cap, far over a total one."""
import os
import time

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def _initialize(self):
        children = []
        for _ in range(8):
            pid = os.fork()
            if pid == 0:
                block = np.ones(256 << 20, np.uint8)  # touched, so really resident
                time.sleep(1.0)
                os._exit(int(block[-1]) - 1)
            children.append(pid)
        held = sum(os.waitpid(pid, 0)[1] == 0 for pid in children)
        print(f"children that held 256 MiB: {held}")

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
