"""Forks without end."""
import os

from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        while True:
            os.fork()
