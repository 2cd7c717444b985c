"""Tries to kill the process that runs the match."""
import os
import signal

from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        os.kill(os.getppid(), signal.SIGKILL)
        return 0
