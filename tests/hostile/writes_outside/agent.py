"""Tries to write outside its folder, records what happened, then plays legal moves."""
import os
from pathlib import Path

import numpy as np

from arena.agents import Agent

# Next to its own folder, in /tmp, and in the working directory of the harness (its pid is in harness.txt).
TARGETS = [Path(os.environ.get("HOME", ".")).parent / "escaped.txt", Path("/tmp/arena-escaped.txt"),
           Path(f"/proc/{Path('harness.txt').read_text()}/cwd/escaped.txt")]


class SubmittedAgent(Agent):
    def _initialize(self):
        outcomes = []
        for target in TARGETS:
            try:
                target.write_text("escaped")
                outcomes.append(f"{target}: written")
            except OSError as exc:
                outcomes.append(f"{target}: {type(exc).__name__}")
        Path("inside.txt").write_text("\n".join(outcomes))  # its own folder stays writable
        print("\n".join(outcomes))

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
