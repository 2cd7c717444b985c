"""Tries to fill the host's table of open files: lifts its own limit as far as it may, then opens
/dev/null until refused, in its process and in forked children that keep theirs open."""
import os
import resource

import numpy as np

from arena.agents import Agent


def open_until_refused() -> tuple[int, str]:
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1 << 20, 1 << 20))
    except (ValueError, OSError):
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    opened = []
    try:
        while len(opened) < 1 << 20:
            opened.append(os.open("/dev/null", os.O_RDONLY))
    except OSError as exc:
        return len(opened), f"OSError {exc.errno}"
    return len(opened), "no refusal"


class SubmittedAgent(Agent):
    def _initialize(self):
        reader, writer = os.pipe()
        children = []
        for _ in range(4):
            pid = os.fork()
            if pid == 0:
                count, ended = open_until_refused()
                os.write(writer, f"{count} {ended}\n".encode())
                os._exit(0)
            children.append(pid)
        for pid in children:
            os.waitpid(pid, 0)
        os.close(writer)
        counts = [line.split(" ", 1) for line in os.read(reader, 1 << 16).decode().splitlines()]
        print("files each child held:", " ".join(count for count, _ in counts), "ended by:", counts[0][1])

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
