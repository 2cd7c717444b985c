"""Tries to kill the process that runs the match (the harness writes its pid into harness.txt)."""
import os
import signal
from pathlib import Path

from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        os.kill(int(Path("harness.txt").read_text()), signal.SIGKILL)
        return 0
