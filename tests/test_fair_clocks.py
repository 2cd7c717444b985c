"""Fair clocks: an agent is charged its own time, never the time it waited for a CPU others held.

The tests load every core with busy processes outside the sandboxes, as a shared or busy machine
would, and check that only an agent that is really slow runs out of time.
"""

import os
import re
import subprocess
import sys

import pytest

from arena.envs import entry
from arena.faults import Status
from arena.match import play_match
from arena.sandbox import SandboxedAgent, protections
from arena.submission import load

FIGHTING = entry("fighting")


@pytest.fixture
def busy_machine():
    """Two busy processes per core, for the length of the test."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2 * os.cpu_count())]
    yield
    for hog in hogs:
        hog.kill()
        hog.wait()


def sandboxed(folder, per_move=FIGHTING.time_per_move, bank=FIGHTING.time_bank):
    return SandboxedAgent(load(folder), per_move, bank)


@pytest.mark.skipif(not protections()["processes"], reason="the agent's own process is followed through its PID namespace")
def test_a_fighting_match_between_sandboxed_agents_on_a_busy_machine_ends_with_both_ok(submissions, busy_machine):
    agents = [sandboxed(submissions / "based_fighter"), sandboxed(submissions / "random")]
    try:
        result = play_match("fighting", agents, seed=0, max_steps=900)
    finally:
        for agent in agents:
            agent.close()
    assert [a.status for a in result.agents] == [Status.OK, Status.OK], [a.detail for a in result.agents]
    assert result.steps == 900
    # Each was charged something, and far less than a bank's worth: the waits were not counted.
    assert all(0 < a.time_used < FIGHTING.time_per_move * 900 for a in result.agents)


def test_an_agent_that_really_is_slow_times_out_saying_what_it_took_and_what_it_had(write_submission, submissions):
    code = """
import time
from arena.agents import Agent

class SubmittedAgent(Agent):
    def predict(self, obs):
        time.sleep(0.7)
        return self.action_space.sample() * 0
"""
    # The first move takes 0.65 s of the 1 s bank, the second needs more than is left; the margins
    # (up to 0.35 s more on the first move) absorb a busy machine's delays.
    slow = SandboxedAgent(load(write_submission("slow", code)), time_per_move=0.05, time_bank=1.0)
    other = sandboxed(submissions / "random")
    try:
        result = play_match("fighting", [slow, other], seed=0, max_steps=100)
    finally:
        slow.close()
        other.close()
    mine = result.agents[0]
    assert (mine.status, result.agents[1].status) == (Status.TIMEOUT, Status.OK)
    assert mine.moves == 1
    took, left = re.fullmatch(r"predict\(\) took (\S+) s of its own time(?: \(it also waited \S+ s for a CPU, not counted\))?; "
                              r"the limit is 0.05 s a move plus (\S+) s left of a 1 s bank", mine.detail).groups()
    assert 0 < float(left) <= 0.36 and float(took) >= 0.05 + float(left) - 0.01  # it was stopped at its limit
    assert mine.time_used >= 0.65  # the first move's sleep, charged
