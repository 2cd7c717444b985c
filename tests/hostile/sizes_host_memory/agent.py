"""Sizes the machine's memory through the devices it is given and its standard input (the host's devtmpfs is
sized at half the machine's memory: its statfs and the mount table tell it), then plays legal moves."""
import os

import numpy as np

from arena.agents import Agent

DEVICES = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"]


class SubmittedAgent(Agent):
    def _initialize(self):
        for path in DEVICES:
            try:
                told = os.statvfs(path)
                print(f"statfs {path}: {told.f_blocks} blocks of {told.f_frsize} bytes, {told.f_files} inodes")
            except OSError as exc:
                print(f"statfs {path}: {type(exc).__name__}")
        told = os.fstatvfs(0)  # its standard input, /dev/null: opened for it before its sandbox was
        print(f"statfs descriptor 0: {told.f_blocks} blocks of {told.f_frsize} bytes, {told.f_files} inodes")
        with open("/proc/self/mountinfo") as table:
            for line in table:
                fields = line.split()
                if fields[4] in DEVICES:
                    print("mounted:", fields[4], " ".join(fields[fields.index("-") + 1:]))
        with open("/dev/urandom", "rb") as random, open("/dev/null", "wb") as null:
            null.write(random.read(16))  # still usable
            print("devices usable")

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
