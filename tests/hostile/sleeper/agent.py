"""Never answers: sleeps."""
import time

from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        time.sleep(3600)
