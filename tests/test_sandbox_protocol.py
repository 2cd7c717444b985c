"""The sandbox's pipe protocol: a write that finds the pipe full waits no longer than its deadline,
and the message it did not finish goes out whole on the next try."""

import os
import threading
import time

import numpy as np
import pytest

from arena.sandbox.protocol import Channel, ChannelTimeout, Kind


def test_a_full_pipe_times_a_write_out_and_the_message_goes_out_whole_later():
    to_worker_read, to_worker_write = os.pipe()
    from_worker_read, from_worker_write = os.pipe()
    os.set_blocking(to_worker_write, False)  # as the harness's end is
    harness = Channel(from_worker_read, to_worker_write, 1 << 20)
    worker = Channel(to_worker_read, from_worker_write, 1 << 30)
    observation = np.arange(200_000, dtype=np.int32)  # 800 kB: more than a pipe holds
    try:
        harness.post(Kind.ACT, observation)
        started = time.monotonic()
        with pytest.raises(ChannelTimeout):
            harness.flush(started + 0.2)  # nobody reads
        assert time.monotonic() - started < 10  # it did not wait for a reader

        received = []
        reader = threading.Thread(target=lambda: received.append(worker.receive()))
        reader.start()
        harness.flush(time.monotonic() + 60)  # the worker reads now: the rest goes out
        reader.join(60)
        (kind, value), = received
        assert kind == Kind.ACT and np.array_equal(value, observation)
    finally:
        harness.close()
        worker.close()
