"""Allocates (and touches) memory until it runs out."""
import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        hoard = []
        while True:
            hoard.append(np.ones(256 << 20, np.uint8))  # touched, so really resident
