"""Agents that misbehave on cue, shared by the harness tests."""

import time

import numpy as np

from arena.agents import Agent


class Scripted(Agent):
    """Plays the first legal move, then misbehaves on move `at` in the way `how` says."""

    def __init__(self, how=None, at=3):
        super().__init__()
        self.how, self.at, self.moves = how, at, 0

    def predict(self, obs):
        self.moves += 1
        legal = np.flatnonzero(obs["action_mask"])
        if self.moves == self.at:
            if self.how == "raise":
                raise RuntimeError("something broke")
            if self.how == "sleep":
                time.sleep(0.05)
            if self.how == "occupied":
                return 27  # d4 is never empty
            if self.how in ("none", "text", "float", "huge", "array"):
                return {"none": None, "text": "d3", "float": 19.5, "huge": 10**6, "array": np.array([1, 2])}[self.how]
        return int(legal[0])
