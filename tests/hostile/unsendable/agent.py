"""Answers with an object that is not data at all."""
from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        return object()
