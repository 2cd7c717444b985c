"""In games where all move at once the seats are asked one after another: a seat asked later must not
learn, from when it is asked, how long an earlier seat thought about the same step (which would tell
its move where its thinking time depends on it)."""

import random

import pytest

from arena.envs import entry
from arena.handle import LocalAgent, RecentMoves
from arena.match import play_match, seconds_to_hold
from arena.sandbox import SandboxedAgent, protections
from arena.submission import instantiate, load

FIGHTING = entry("fighting")

# Presses one of its keys, drawn from the operating system's entropy (no seed tells it) with the
# chances WEIGHTS, and thinks as long as THINK says for the key.
TELL = """
import random
import time

import numpy as np

from arena.agents import Agent

THINK, WEIGHTS = {think}, {weights}


class SubmittedAgent(Agent):
    def predict(self, obs):
        key = random.SystemRandom().choices(range(len(THINK)), WEIGHTS)[0]
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
@pytest.mark.parametrize("think, weights", [
    ((0.0005, 0.004, 0.008), (1, 1, 1)),  # three speeds, alike in number
    ((0.0005, 0.004), (4, 1)),  # mostly quick, the slow ones far slower than its typical move
])
def test_a_seat_asked_later_cannot_time_the_move_an_earlier_seat_made_on_the_same_step(write_submission, think,
                                                                                     weights):
    tell_code = TELL.format(think=think, weights=weights)
    tell = SandboxedAgent(load(write_submission("tell", tell_code)), FIGHTING.time_per_move, FIGHTING.time_bank)
    spied(tell, write_submission)


class _WaitsForACpu(LocalAgent):
    """An agent on a busy machine: its slow moves spend half their time waiting for a CPU, which its clock
    does not charge (`arena.sandbox.clock`), though the seat asked after it waits through it all the same."""

    def await_action(self):
        used = self.time_used
        action = super().await_action()
        if self.time_used - used > 0.002:
            self.time_used = used + (self.time_used - used) / 2
        return action


@pytest.mark.skipif(not protections()["processes"], reason="the spy runs in a sandbox of its own")
def test_a_seat_is_held_as_long_as_its_moves_took_to_come_not_as_its_clock_charged_them(write_submission):
    """Held as long as its clock's times, its quick moves would be held to half its slow ones, which take
    twice that to come: the spy would tell them apart."""
    tell_code = TELL.format(think=(0.0005, 0.004), weights=(4, 1))
    spied(_WaitsForACpu(instantiate(load(write_submission("tell", tell_code))), FIGHTING.time_per_move),
          write_submission)


def spied(tell, write_submission) -> None:
    """Play `tell`, an agent whose key is told by how long it thinks, against a spy timing it, and check that
    the spy mostly guesses wrong."""
    spy = SandboxedAgent(load(write_submission("spy", SPY)), FIGHTING.time_per_move, FIGHTING.time_bank)
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
    # slowest recent moves, every move looks alike: the spy guesses the key of the slow ones, right
    # only as often as that comes.
    assert right < 0.6 * len(told), (right, len(told))
    assert result.agents[0].time_held > 0.1  # its own time (arena serve counts it), off its clock


@pytest.mark.parametrize("recent, held", [
    ([0.001] * 2, 0.0),  # too few moves to tell
    ([0.004, 0.001, 0.008, 0.004, 0.001], 0.004 - 0.001 - 0.0001),  # quick and slow: the quick one held to the third slowest
    ([0.0003] * 100 + [0.004] * 27 + [0.0003], 0.004 - 0.0003 - 0.0001),  # far slower moves, one in five: held to them
    ([0.0003] * 121 + [0.004] * 6 + [0.0003], 0.0006 - 0.0003 - 0.0001),  # rarer ones: only to twice the median
    ([0.02, 0.03, 0.04, 0.001], 0.01 - 0.001 - 0.0001),  # never past the time a move (0.01 s)
    ([0.001, 0.001, 0.001, 0.00105], 0.0),  # a difference the harness's own jitter hides
])
def test_a_seat_is_held_up_to_its_third_slowest_recent_move_unless_few_are_far_slower(recent, held):
    moves = RecentMoves()
    moves.extend(recent)
    assert moves.ordered == sorted(recent) and list(moves) == recent
    assert seconds_to_hold(moves.ordered, recent[-1], per_move=0.01) == pytest.approx(held)


def test_recent_moves_keep_the_latest_in_order_and_sorted_as_the_oldest_leave():
    moves, made, draw = RecentMoves(size=5), [], random.Random(3)
    for seconds in [draw.choice([0.001, 0.002, 0.004, 0.001 * n]) for n in range(40)]:  # repeats too
        moves.append(seconds)
        made.append(seconds)
        assert list(moves) == made[-5:] and moves.ordered == sorted(made[-5:]) and len(moves) == len(made[-5:])


def test_a_seats_recent_moves_are_kept_from_game_to_game_also_through_a_tournaments_guard():
    # Held from its first move of a later game on: the moves of a game's start are the ones most alike
    # from game to game, and a history that began empty each game would leave them shown.
    from arena.handle import LocalAgent
    from arena.tournament.blocks import GuardedHandle
    from arena.agents import RandomAgent

    handle = LocalAgent(RandomAgent())
    handle.recent_moves.extend([0.001, 0.002])
    assert GuardedHandle(handle).recent_moves is handle.recent_moves and list(handle.recent_moves) == [0.001, 0.002]
    assert list(LocalAgent(RandomAgent()).recent_moves) == []  # each handle its own
