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


# Every message of the worker goes through Channel.post; these agents change what it writes.
REWRITTEN_ANSWERS = """
import gc
import os
import threading
import time

from arena.agents import RandomAgent
from arena.sandbox import protocol

post = protocol.Channel.post


def channel():
    return next(o for o in gc.get_objects() if isinstance(o, protocol.Channel))
"""

EARLY_START = REWRITTEN_ANSWERS + """
first_byte = None  # of its answers: their size never changes


def post_the_rest(self, kind, value=None):
    global first_byte
    before = len(self._unsent)
    post(self, kind, value)
    if kind == protocol.Kind.ACTION:
        frame = bytes(self._unsent[before:])
        self._unsent = self._unsent[:before] + (frame[1:] if first_byte else frame)
        first_byte = frame[:1]


protocol.Channel.post = post_the_rest


class SubmittedAgent(RandomAgent):
    def predict(self, obs):
        if first_byte:
            os.write(channel().write_fd, first_byte)  # "answering" at once, then thinking
        time.sleep(0.05)
        return super().predict(obs)
"""

EXTRA_BYTE = REWRITTEN_ANSWERS + """
def post_more(self, kind, value=None):
    post(self, kind, value)
    if kind == protocol.Kind.ACTION:
        self._unsent += b"\\x00"


protocol.Channel.post = post_more


class SubmittedAgent(RandomAgent):
    pass
"""

UNASKED = REWRITTEN_ANSWERS + """
class SubmittedAgent(RandomAgent):
    def predict(self, obs):
        def another_answer():
            time.sleep(0.05)
            channel().send(protocol.Kind.ACTION, 0)
        threading.Thread(target=another_answer).start()
        return super().predict(obs)
"""


@pytest.fixture
def sandboxed_match(write_submission, submissions):
    """The outcomes of a match of a submission written from `code` against `opponent` (an agent
    played in-process), else the random submission in a sandbox of its own."""
    if not protections()["processes"]:
        pytest.skip("the agent's own process is followed through its PID namespace")

    def play(code: str, env: str, steps: int, opponent: Agent | None = None):
        spec = entry(env)
        folders = [write_submission("rewrites", code)] + [submissions / "random"] * (opponent is None)
        sandboxes = [SandboxedAgent(load(folder), spec.time_per_move, spec.time_bank) for folder in folders]
        try:
            return play_match(env, sandboxes + [opponent] * (opponent is not None), seed=0, max_steps=steps).agents
        finally:
            for sandbox in sandboxes:
                sandbox.close()
    return play


def test_sending_the_start_of_an_answer_early_does_not_hold_the_opponents_clock(sandboxed_match):
    """Had the harness waited on the first byte's sender alone, the opponent's answer would have
    waited unread, and been charged each of its 0.05 s moves."""
    mine, theirs = sandboxed_match(EARLY_START, "fighting", 20)
    assert (mine.status, theirs.status) == (Status.OK, Status.OK), mine.detail
    assert mine.time_used >= 19 * 0.05
    assert theirs.time_used < mine.time_used / 4


class Deliberate(RandomAgent):
    """Takes long enough over its moves for a stray message to come before the next call."""

    def predict(self, obs):
        time.sleep(0.3)
        return super().predict(obs)


@pytest.mark.parametrize("code, breach", [(EXTRA_BYTE, "sent more than its answer"),
                                          (UNASKED, "sent a message it was not asked for")],
                         ids=["extra byte", "unasked"])
def test_a_message_no_call_asked_for_breaks_the_protocol(sandboxed_match, monkeypatch, code, breach):
    monkeypatch.setattr(cgroups, "freezer_base", lambda: None)  # unfrozen, its thread writes between calls
    mine, theirs = sandboxed_match(code, "othello", 60, Deliberate())
    assert mine.status == Status.CRASH and breach in mine.detail, mine.detail
    assert theirs.status == Status.OK
