"""Reads the machine's count of sessions made (each new session gets the next autogroup number, whoever makes it:
every sandbox started, every login) by starting sessions of its own, and moves it for another sandbox to read; then
plays legal moves."""
import os
from pathlib import Path

import numpy as np

from arena.agents import Agent

AUTOGROUP = Path("/proc/self/autogroup")


def in_new_session() -> str:
    """The autogroup of a child that has started a session of its own."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.setsid()
            told = f"setsid done, {AUTOGROUP.read_text().split()[0]}"
        except OSError as exc:
            told = f"setsid refused ({exc.errno})"
        os.write(write, told.encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    return os.read(read, 200).decode()


class SubmittedAgent(Agent):
    def _initialize(self):
        if not AUTOGROUP.exists():
            print("no autogroups on this kernel")
            return
        own = AUTOGROUP.read_text().split()[0]
        seen = [in_new_session() for _ in range(20)]
        print("own autogroup:", own)
        print("in new sessions:", seen[0])
        print("other autogroups seen:", len({s for s in seen if own not in s}))

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
