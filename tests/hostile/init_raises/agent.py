"""Raises while being built."""
from arena.agents import Agent


class SubmittedAgent(Agent):
    def __init__(self, file_path=None):
        super().__init__(file_path)
        raise RuntimeError("cannot find my weights")

    def predict(self, obs):
        return 0
