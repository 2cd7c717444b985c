"""Tries to read files only root may read, files of the host outside its folder and what /proc tells of
the host (its boot line and boot id), then plays legal moves."""
import os
from pathlib import Path

import numpy as np

from arena.agents import Agent

TARGETS = ["/etc/shadow", "/etc/gshadow", "/root/.bash_history", "/proc/1/environ", "/proc/1/cmdline", "/proc/cmdline",
           "/proc/sys/kernel/random/boot_id"]


class SubmittedAgent(Agent):
    def _initialize(self):
        secret = Path("secret_path.txt").read_text()
        for target in [*TARGETS, secret]:
            try:
                print(f"{target}: read {Path(target).read_bytes()[:200]!r}")
            except OSError as exc:
                print(f"{target}: {type(exc).__name__}")
        try:
            print("visible at /:", sorted(os.listdir("/")))
        except OSError as exc:
            print("visible at /:", type(exc).__name__)
        print("uid", os.getuid(), "gid", os.getgid(), "groups", os.getgroups())

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
