"""Prints 64 MiB while loading, then plays legal moves."""
import sys

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def _initialize(self):
        line = "spam " * 200 + "\n"
        for _ in range((64 << 20) // len(line)):
            sys.stdout.write(line)
        sys.stdout.flush()

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
