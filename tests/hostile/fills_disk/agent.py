"""Writes 1 MiB files into its folder and /tmp until the system says no, then plays legal moves."""
import os

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def _initialize(self):
        chunk, written = os.urandom(1 << 20), 0
        for folder in (".", "/tmp", "/dev/shm"):
            try:
                for index in range(100_000):
                    with open(os.path.join(folder, f"filler-{index}"), "wb") as handle:
                        handle.write(chunk)
                    written += 1
            except OSError as exc:
                print(f"{folder}: {type(exc).__name__} {exc.errno}")
        print(f"written MiB: {written}")

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
