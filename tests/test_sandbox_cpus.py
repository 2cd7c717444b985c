"""A sandboxed agent runs only on the CPUs its harness was given, or the one it is placed on for a
match, whatever affinity it sets itself."""

import os

import pytest

from arena.agents import RandomAgent
from arena.match import play_match
from arena.sandbox import SandboxedAgent, protections
from arena.submission import load

# Asks for every CPU the machine has, then for each one alone, and prints where it may run after each.
MOVES_ITSELF = """
import os
from arena.agents import RandomAgent

class SubmittedAgent(RandomAgent):
    def _initialize(self):
        for cpus in [set(range(os.cpu_count())), *({cpu} for cpu in range(os.cpu_count()))]:
            try:
                os.sched_setaffinity(0, cpus)
            except OSError as exc:
                print("refused", sorted(cpus), exc.errno, flush=True)
            print("may run on", sorted(os.sched_getaffinity(0)), flush=True)
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs: one for the harness, one kept from it")
@pytest.mark.skipif(not protections()["cpus"], reason="needs the cpuset controller")
def test_an_agent_cannot_move_itself_to_a_cpu_its_harness_was_not_given(write_submission, tmp_path):
    harness_cpus = os.sched_getaffinity(0)
    given = min(harness_cpus)
    os.sched_setaffinity(0, {given})  # as `taskset -c` would start the organiser's harness
    try:
        agent = SandboxedAgent(load(write_submission("moves_itself", MOVES_ITSELF)), 1.0, log_dir=tmp_path)
        try:
            result = play_match("othello", [agent, RandomAgent()], seed=0)
        finally:
            agent.close()
    finally:
        os.sched_setaffinity(0, harness_cpus)
    assert result.fault is None
    places = [line for line in agent.log_path.read_text().splitlines() if line.startswith("may run on")]
    assert places and set(places) == {f"may run on {[given]}"}, places
    refused = [line for line in agent.log_path.read_text().splitlines() if line.startswith("refused")]
    assert len(refused) == len(harness_cpus) - 1  # each CPU but the given one, alone


# In every move, asks for every CPU, and prints where it may run then.
MOVES_ITSELF_IN_ITS_MOVES = """
import os
from arena.agents import RandomAgent

class SubmittedAgent(RandomAgent):
    def predict(self, obs):
        try:
            os.sched_setaffinity(0, set(range(os.cpu_count())))
        except OSError:
            pass
        print("may run on", sorted(os.sched_getaffinity(0)), flush=True)
        return super().predict(obs)
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs: one to play on, one another match may use")
@pytest.mark.skipif(not protections()["cpus"], reason="needs the cpuset controller")
def test_an_agent_placed_on_its_harness_cpu_for_a_match_cannot_leave_it(write_submission, tmp_path):
    agent = SandboxedAgent(load(write_submission("moves_itself", MOVES_ITSELF_IN_ITS_MOVES)), 1.0, log_dir=tmp_path)
    try:
        result = play_match("othello", [agent, RandomAgent()], seed=0)
        placed = agent._pinned
    finally:
        agent.close()
    assert result.fault is None and placed is not None
    places = {line for line in agent.log_path.read_text().splitlines() if line.startswith("may run on")}
    assert places == {f"may run on {[placed]}"}, places
