"""Never answers: spins forever."""
from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        while True:
            pass
