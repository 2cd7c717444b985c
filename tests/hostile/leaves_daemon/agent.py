"""Starts a detached process that would outlive the match, then plays legal moves."""
import os
import time

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def _initialize(self):
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                # A program the harness can find by its arguments among the host's processes.
                os.execv("/bin/sleep", ["sleep", open("marker.txt").read().strip()])
            os._exit(0)
        time.sleep(0.2)

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
