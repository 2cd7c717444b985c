"""Sandboxed agents of one match work at once (starting, resetting, simultaneous moves), an answer
a match never collected never reaches the next match the same sandbox plays, and the agents of a
turn-based match play on the harness's CPU."""

import os
from dataclasses import replace

import pytest

from arena.agents import Agent, RandomAgent
from arena.envs import EnvSpec
from arena.faults import Status
from arena.handle import LocalAgent
from arena.match import play_match
from arena.sandbox import Limits, SandboxedAgent, protections
from arena.submission import load

SLOW_START = """
import time
from arena.agents import RandomAgent

class SubmittedAgent(RandomAgent):
    def _initialize(self):
        time.sleep(0.3)
"""


class FailsAtStep(Agent):
    """Raises in predict() at its `step`-th move (counting from 0)."""

    def __init__(self, step: int):
        super().__init__()
        self.step, self.moves = step, 0

    def predict(self, obs):
        self.moves += 1
        if self.moves > self.step:
            raise RuntimeError("gave up")
        return self.action_space.sample()


def test_an_answer_left_by_a_match_another_agent_ended_is_dropped_before_the_next_match(submissions):
    # Simultaneous moves: the sandboxed agent is asked before the local one fails, so its answer is
    # still in the pipe when the match ends; the next match must not read it as its start's answer.
    boxed = SandboxedAgent(load(submissions / "random"), time_per_move=1.0)
    snake = EnvSpec("snake", {"num_snakes": 2})
    try:
        ended = play_match(snake, [LocalAgent(FailsAtStep(0)), boxed], seed=0)
        assert (ended.fault.seat, ended.fault.status, ended.steps) == ("player_0", Status.CRASH, 0)
        again = play_match(snake, [RandomAgent(), boxed], seed=1)
        reference = play_match(snake, [RandomAgent(), RandomAgent()], seed=1)
    finally:
        boxed.close()
    assert [a.status for a in again.agents] == [Status.OK, Status.OK]
    assert again.actions == reference.actions and again.steps == reference.steps


def test_starts_run_at_once_and_the_first_seats_fault_is_the_one_recorded(submissions, write_submission):
    slow = SandboxedAgent(load(write_submission("slow_start", SLOW_START)), time_per_move=1.0)
    broken = SandboxedAgent(load(submissions.parent / "tests" / "hostile" / "init_raises"), time_per_move=1.0)
    also_broken = SandboxedAgent(broken.spec, time_per_move=1.0)
    fine = SandboxedAgent(load(submissions / "random"), time_per_move=1.0)
    try:
        # Both seats fail to start: the first seat's fault is recorded, as if they started in turn.
        both = play_match("othello", [broken, also_broken], seed=0)
        assert (both.fault.seat, both.fault.phase, both.fault.status) == ("player_0", "start", Status.CRASH)
        # The first seat fails while the second is still starting; the second then plays on.
        first = play_match("othello", [broken, slow], seed=0)
        assert (first.fault.seat, first.fault.phase) == ("player_0", "start")
        after = play_match("othello", [slow, fine], seed=2)
        reference = play_match("othello", [RandomAgent(), RandomAgent()], seed=2)
    finally:
        for handle in (slow, broken, also_broken, fine):
            handle.close()
    assert [a.status for a in after.agents] == [Status.OK, Status.OK]
    assert after.actions == reference.actions


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2 or not protections()["processes"],
                    reason="needs two CPUs, and the agent's own process found through its PID namespace")
def test_matches_keep_the_agents_on_the_harness_cpu_unless_told_not_to(submissions):
    spec = load(submissions / "random")
    kept = [SandboxedAgent(spec, time_per_move=1.0) for _ in range(2)]
    free = SandboxedAgent(spec, time_per_move=1.0, limits=replace(Limits(), share_cpu_in_turns=False))
    harness_cpus = os.sched_getaffinity(0)
    try:
        for seed in range(2):  # the first game finds each agent's process; the second keeps it placed
            assert play_match("othello", kept, seed=seed).fault is None
            assert play_match("othello", [free, RandomAgent()], seed=seed).fault is None
        # the supervisor with it: freezing the agent wakes both
        placed = [(os.sched_getaffinity(agent._agent_pid), os.sched_getaffinity(agent._process.pid)) for agent in kept]
        assert all(len(cpus) == 1 and cpus <= harness_cpus and supervisor == cpus for cpus, supervisor in placed)
        assert os.sched_getaffinity(free._agent_pid) == harness_cpus
        # In games where all move at once the seats take turns too.
        assert play_match(EnvSpec("snake", {"num_snakes": 2}), kept, seed=0).fault is None
        assert all(len(cpus) == 1 and cpus <= harness_cpus for cpus in map(os.sched_getaffinity, (a._agent_pid for a in kept)))
    finally:
        for agent in (*kept, free):
            agent.close()


# Notes when each predict() begins and ends, on the machine's monotonic clock, which every sandbox shares.
NOTES_ITS_THINKING = """
import time
from arena.agents import RandomAgent

class SubmittedAgent(RandomAgent):
    def predict(self, obs):
        began = time.monotonic()
        time.sleep(0.05)
        print("thought", began, time.monotonic(), flush=True)
        return super().predict(obs)
"""


def test_in_games_where_all_move_at_once_no_agent_thinks_while_another_does(write_submission, tmp_path):
    spec = load(write_submission("notes_its_thinking", NOTES_ITS_THINKING))
    agents = [SandboxedAgent(spec, time_per_move=1.0, log_dir=tmp_path) for _ in range(2)]
    try:
        result = play_match("fighting", agents, seed=0, max_steps=5)
    finally:
        for agent in agents:
            agent.close()
    assert result.fault is None and result.steps == 5
    spans = sorted(tuple(map(float, line.split()[1:])) for agent in agents
                   for line in agent.log_path.read_text().splitlines())
    assert len(spans) == 10
    assert all(end <= next_begin for (_, end), (next_begin, _) in zip(spans, spans[1:])), spans
