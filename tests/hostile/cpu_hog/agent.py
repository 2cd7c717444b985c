"""Starts four busy processes that keep running all match, and reports how much CPU they got."""
import os
import time

import numpy as np

from arena.agents import Agent


def cpu_of_children() -> float:
    total = 0.0
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class SubmittedAgent(Agent):
    def _initialize(self):
        for _ in range(4):
            if os.fork() == 0:
                while True:
                    pass
        started, cpu_before = time.monotonic(), cpu_of_children()
        time.sleep(1.5)
        print(f"cores used: {(cpu_of_children() - cpu_before) / (time.monotonic() - started):.2f}", flush=True)

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
