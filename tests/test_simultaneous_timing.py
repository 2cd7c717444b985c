"""In games where all move at once the seats are asked one after another: a seat asked later must not
learn, from when it is asked, how long an earlier seat thought about the same step (which would tell
its move where its thinking time depends on it)."""

import pytest

from arena.envs import entry
from arena.match import play_match
from arena.sandbox import SandboxedAgent, protections
from arena.submission import load

FIGHTING = entry("fighting")

# Presses one of three keys, drawn from the operating system's entropy (no seed tells it), and
# thinks 0.5, 4 or 8 ms according to the key.
TELL = """
import random
import time

import numpy as np

from arena.agents import Agent

THINK = (0.0005, 0.004, 0.008)


class SubmittedAgent(Agent):
    def predict(self, obs):
        key = random.SystemRandom().randrange(3)
        until = time.perf_counter() + THINK[key]
        while time.perf_counter() < until:
            pass
        action = np.zeros(10, dtype=np.float32)
        action[key] = 1
        return action
"""

# Times the gap since its last answer (the other seat's thinking on this step, asked first, and the
# game's step) and presses the key that thinking time tells: its guess at the other's move.
SPY = """
import time

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    answered = None

    def predict(self, obs):
        action = np.zeros(10, dtype=np.float32)
        if self.answered is not None:
            gap = time.perf_counter() - self.answered
            action[0 if gap < 0.0025 else 1 if gap < 0.0065 else 2] = 1
        self.answered = time.perf_counter()
        return action
"""


@pytest.mark.skipif(not protections()["processes"], reason="the agents run in sandboxes of their own")
def test_a_seat_asked_later_cannot_time_the_move_an_earlier_seat_made_on_the_same_step(write_submission):
    tell, spy = (SandboxedAgent(load(write_submission(name, code)), FIGHTING.time_per_move, FIGHTING.time_bank)
                 for name, code in (("tell", TELL), ("spy", SPY)))
    try:
        result = play_match("fighting", [tell, spy], seed=3, max_steps=150)
    finally:
        tell.close()
        spy.close()
    assert result.fault is None, result.fault
    told = [int(action.index(1)) for action in result.actions["player_0"][1:]]
    guessed = [int(action.index(1)) if 1 in action else None for action in result.actions["player_1"][1:]]
    right = sum(t == g for t, g in zip(told, guessed))
    # Timing its thinking, the spy guesses nearly every move right (about 98%); held as long as its
    # slowest recent move, every move looks alike: about one in three, by chance, or always the key
    # of the slowest move.
    assert right < 0.6 * len(told), (right, len(told))
    assert result.agents[0].time_off_clock > 0.1  # the waits are the tell's own time
