"""Reads socket cookies (SO_COOKIE): numbers the whole machine hands out in turn, in batches of thousands per CPU,
to every socket asked for one, so that the next batch it is given tells how many others took meanwhile, and taking
many moves the count for another sandbox to read; then plays legal moves."""
import socket
import struct

import numpy as np

from arena.agents import Agent

SO_COOKIE = 57


def cookie() -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as one:
        try:
            return str(struct.unpack("Q", one.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0])
        except OSError as exc:
            return f"refused ({exc.errno})"


class SubmittedAgent(Agent):
    def _initialize(self):
        told = [cookie() for _ in range(5000)]  # past the end of its first batch
        numbers = [int(value) for value in told if value.isdigit()]
        skipped = sum(1 for one, after in zip(numbers, numbers[1:]) if after != one + 1)
        print("socket cookie:", told[0])
        print("cookies told:", len(numbers), "batches others took seen:", skipped)

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
