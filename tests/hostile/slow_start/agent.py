"""Takes forever to load its model."""
import time

from arena.agents import RandomAgent


class SubmittedAgent(RandomAgent):
    def _initialize(self):
        time.sleep(3600)
