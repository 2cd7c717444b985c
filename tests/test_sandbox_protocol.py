"""The sandbox's pipe protocol: a write that finds the pipe full waits no longer than its deadline,
and the message it did not finish goes out whole on the next try; an answer counts as come only
when whole, and a worker sends nothing but one answer to each call."""

import os
import select
import threading
import time

import numpy as np
import pytest

from arena.agents import Agent, RandomAgent
from arena.envs import entry
from arena.faults import Status
from arena.match import play_match
from arena.sandbox import SandboxedAgent, cgroups, protections
from arena.sandbox.protocol import Channel, ChannelClosed, ChannelTimeout, Kind
from arena.submission import load


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


def test_a_message_counts_as_come_only_when_whole():
    read_fd, write_fd = os.pipe()
    harness = Channel(read_fd, write_fd, 1 << 20)
    worker = Channel(read_fd, write_fd, 1 << 20)
    try:
        worker.post(Kind.ACTION, 42)
        frame = bytes(worker._unsent)
        worker._unsent = b""
        harness.take_in()  # nothing yet
        assert not harness.can_receive()
        os.write(write_fd, frame[:1])  # the start of an answer, sent early
        harness.take_in()
        assert harness.holds_data() and not harness.can_receive()
        os.write(write_fd, frame[1:])
        harness.take_in()
        assert harness.can_receive() and harness.receive() == (Kind.ACTION, 42)
        os.close(write_fd)
        harness.take_in()
        assert harness.can_receive()  # the other end closed: receive says so at once
    finally:
        harness.close()


def test_the_harnesss_non_blocking_end_waits_for_an_answer_until_its_deadline_and_keeps_what_came():
    """The harness reads its end before it polls: a read that finds nothing is a wait, bounded by the
    deadline, not an error; the part of an answer that came before the deadline stays for the next try,
    and an end closed by the worker is told as such."""
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)  # as the harness's end is
    harness = Channel(read_fd, write_fd, 1 << 20)
    worker = Channel(read_fd, write_fd, 1 << 20)
    worker.post(Kind.ACTION, [1, 2, 3])
    frame = bytes(worker._unsent)
    try:
        with pytest.raises(ChannelTimeout):
            harness.receive(time.monotonic() + 0.05)  # nothing written
        os.write(write_fd, frame[:3])  # part of the header
        with pytest.raises(ChannelTimeout):
            harness.receive(time.monotonic() + 0.05)
        assert harness.holds_data()
        later = threading.Timer(0.1, os.write, (write_fd, frame[3:]))
        later.start()
        assert harness.receive(time.monotonic() + 60) == (Kind.ACTION, [1, 2, 3])  # waited for the rest
        later.join()
        os.write(write_fd, frame)  # in already: read at once, even after the deadline
        assert harness.receive(time.monotonic() - 1) == (Kind.ACTION, [1, 2, 3])
        os.close(write_fd)
        with pytest.raises(ChannelClosed):
            harness.receive(time.monotonic() + 60)
    finally:
        os.close(read_fd)


def test_an_answer_taken_in_a_few_bytes_at_a_time_costs_the_harness_as_much_as_its_pieces():
    """A worker that trickles a large answer (a start's, whose value is ignored) must not make the harness
    copy all it read before at every piece: taking in 65,536 pieces of 64 bytes costs a few times what
    reading them does (a poll and a read each), not the tens of times more that copying 128 GiB would."""
    read_fd, write_fd = os.pipe()
    worker = Channel(read_fd, write_fd, 1 << 23)
    worker.post(Kind.READY, "x" * (4 << 20))
    frame = bytes(worker._unsent)
    pieces = [frame[start:start + 64] for start in range(0, len(frame), 64)]
    poller = select.poll()
    poller.register(read_fd, select.POLLIN)

    def cpu_to_take_in(take_in) -> float:
        started = time.thread_time()
        for piece in pieces:
            os.write(write_fd, piece)
            take_in()
        return time.thread_time() - started

    try:
        harness = Channel(read_fd, write_fd, 1 << 23)
        taken = cpu_to_take_in(harness.take_in)
        assert harness.can_receive() and harness.receive() == (Kind.READY, "x" * (4 << 20))
        read = cpu_to_take_in(lambda: poller.poll(0) and os.read(read_fd, 4096))
        assert taken < 5 * read + 0.1, (taken, read)
    finally:
        os.close(read_fd)
        os.close(write_fd)
