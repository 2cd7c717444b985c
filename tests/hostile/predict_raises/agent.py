"""Raises on its third move."""
import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def reset(self):
        self.moves = 0

    def predict(self, obs):
        self.moves += 1
        if self.moves == 3:
            return 1 // 0
        return int(np.flatnonzero(obs["action_mask"])[0])
