"""Writes its own failure report on the answers' pipe, its error 4 MiB of zeros in 22 axes of two where the
worker would send a line of text: turned into text whole, it would cost the harness seconds and tens of
megabytes. Then waits for the end."""
import os
import time

import numpy as np

from arena.agents import Agent
from arena.sandbox import codec
from arena.sandbox.launcher import ANSWERS_FD
from arena.sandbox.protocol import Kind

HEADER_BYTES = 5  # the payload's length (4 bytes, little-endian) and the message's kind


class SubmittedAgent(Agent):
    def predict(self, obs):
        payload = codec.encode({"what": "predict() failed", "error": np.zeros((2,) * 22, np.uint8), "traceback": ""})
        frame = len(payload).to_bytes(HEADER_BYTES - 1, "little") + bytes([Kind.FAILED]) + payload
        written = 0
        while written < len(frame):
            written += os.write(ANSWERS_FD, frame[written:])
        time.sleep(3600)
