"""Plays a1 whether or not it is legal."""
from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        return 0
