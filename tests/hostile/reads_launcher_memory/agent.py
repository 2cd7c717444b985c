"""Reads its whole memory (a copy of the launcher that forked it) for what other sandboxes were told
of their entrants: names, folders, digests, manifests; then plays legal moves."""
import ctypes
import re

import numpy as np

from arena.agents import Agent

ENTRANT = re.compile(rb"leakcheck-[0-9a-f]{16}")  # the name the test gives another entrant


class SubmittedAgent(Agent):
    def _initialize(self):
        found = set()
        with open("/proc/self/maps") as maps:
            regions = [line.split() for line in maps]
        for region in regions:
            start, end = (int(address, 16) for address in region[0].split("-"))
            anonymous = len(region) < 6 or region[5] == "[heap]"
            if "r" in region[1] and anonymous and end - start < 1 << 30:
                found.update(ENTRANT.findall(ctypes.string_at(start, end - start)))
        print("entrants found in memory:", sorted(found))

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
