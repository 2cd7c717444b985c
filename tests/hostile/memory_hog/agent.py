"""Allocates until memory runs out."""
import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        hoard = []
        while True:
            hoard.append(np.empty(256 << 20, np.uint8))
