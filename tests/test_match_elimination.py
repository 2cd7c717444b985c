"""Games of more than two seats that can take a seat out (snake): a fault takes out only the faulting seat.

Two-seat games, and games that cannot take a seat out (the relay, a team), still end at the first fault.
"""

import json

import pytest

from arena import replay
from arena.agents import Agent, RandomAgent
from arena.envs import EnvSpec
from arena.faults import Status
from arena.handle import ForfeitingAgent
from arena.match import play_match, rank
from arena.sandbox import SandboxedAgent
from arena.submission import load

FOUR_SNAKES = EnvSpec("snake", {"num_snakes": 4, "height": 12, "width": 12, "max_steps": 200})


class Faulty(Agent):
    """A snake moving ahead, left or right, the first its window shows free; misbehaves on move `at` (if given)."""

    def __init__(self, at: int | None = None, how: str = "raise"):
        super().__init__()
        self.at, self.how, self.moves = at, how, 0

    def predict(self, obs):
        self.moves += 1
        if self.moves == self.at:
            if self.how == "raise":
                raise RuntimeError("lost the plot")
            return 7  # not an action of Discrete(3)
        if obs.ndim != 3:  # not a snake's window
            return 0
        blocked = obs[..., :5].any(-1)  # walls, heads and bodies
        centre = obs.shape[0] // 2
        return next((action for action, (dr, dc) in enumerate(((-1, 0), (0, -1), (0, 1)))
                     if not blocked[centre + dr, centre + dc]), 0)


class Careful(Faulty):
    """One that never misbehaves."""


class Broken(Agent):
    """Fails as it starts."""

    def _initialize(self):
        raise ImportError("no module named torch")

    def predict(self, obs):
        return 0


def replayed(result, tmp_path):
    """The result re-simulated from its saved replay (which checks scores, ranks and statuses)."""
    return replay.resimulate(replay.load(replay.save(result, tmp_path / "game.json")))


def test_a_seat_that_faults_is_taken_out_and_the_others_play_on(tmp_path):
    result = play_match(FOUR_SNAKES, [Careful(), Faulty(at=3), Careful(), Careful()], seed=4)
    out = result.agent("player_1")
    assert result.fault is None and [(f.seat, f.phase, f.status) for f in result.eliminated] == [
        ("player_1", "move", Status.CRASH)]
    assert (out.status, out.score, out.rank, out.moves) == (Status.CRASH, -1.0, 4, 2)
    assert "RuntimeError: lost the plot" in out.detail and "Faulty out by crash" in result.outcome
    assert "Faulty taken out after 2 steps" in result.outcome  # the players named, not their seats
    # The game went on past the fault, the others ranked among themselves by the game's own scores.
    others = [a for a in result.agents if a.seat != "player_1"]
    assert result.steps > 2 and max(a.moves for a in others) > 2
    assert [a.rank for a in others] == rank([a.score for a in others])
    assert all(a.status == Status.OK for a in others) and len(result.actions["player_1"]) == 2
    again = replayed(result, tmp_path)
    assert again.actions == result.actions and again.eliminated == result.eliminated


def test_a_seat_out_later_ranks_above_one_out_earlier(tmp_path):
    agents = [Faulty(at=6, how="illegal"), Faulty(at=2), Careful(), Careful()]
    result = play_match(FOUR_SNAKES, agents, seed=9)
    assert [(f.seat, f.status) for f in result.eliminated] == [("player_1", Status.CRASH),
                                                              ("player_0", Status.ILLEGAL_ACTION)]
    assert [result.agent(seat).rank for seat in ("player_0", "player_1")] == [3, 4]
    assert {result.agent(seat).rank for seat in ("player_2", "player_3")} <= {1, 2}
    assert replayed(result, tmp_path).eliminated == result.eliminated


def test_seats_that_cannot_start_or_be_loaded_are_out_before_the_first_move(tmp_path):
    agents = [Broken(), RandomAgent(), ForfeitingAgent("unloadable", "no agent.py"), RandomAgent()]
    result = play_match(FOUR_SNAKES, agents, seed=2)
    assert [(f.seat, f.phase, f.status) for f in result.eliminated] == [("player_2", "start", Status.FORFEIT),
                                                                       ("player_0", "start", Status.CRASH)]
    assert [a.rank for a in result.agents][0::2] == [3, 3] and result.agents[0].moves == 0
    assert result.steps >= 1 and {result.agents[1].rank, result.agents[3].rank} <= {1, 2}
    assert replayed(result, tmp_path).agents == result.agents


def test_the_one_seat_left_wins_at_the_next_step(tmp_path):
    agents = [Faulty(at=1), Careful(), Faulty(at=2), Faulty(at=2, how="illegal")]
    result = play_match(FOUR_SNAKES, agents, seed=1)
    assert [a.rank for a in result.agents] == [4, 1, 2, 2]
    assert result.steps == 2 and result.winner == "Careful"
    assert replayed(result, tmp_path).agents == result.agents


@pytest.mark.parametrize("env", [EnvSpec("snake", {"num_snakes": 2}), EnvSpec("cartpole_relay", {"num_players": 3})],
                         ids=["two snakes", "relay team"])
def test_a_fault_still_ends_two_seat_games_and_team_games(env):
    seats = 2 if env.name == "snake" else 3
    result = play_match(env, [Faulty(at=2)] + [RandomAgent()] * (seats - 1), seed=0)
    assert result.fault.seat == "player_0" and result.eliminated == [] and result.steps == 1
    assert [a.score for a in result.agents] == [-1.0] + [1.0] * (seats - 1)


def test_replays_from_before_seats_could_be_taken_out_still_load(tmp_path):
    result = play_match(FOUR_SNAKES, [RandomAgent()] * 4, seed=0, max_steps=5)
    path = replay.save(result, tmp_path / "old.json")
    data = json.loads(path.read_text())
    del data["eliminated"]
    path.write_text(json.dumps(data))
    assert replay.resimulate(replay.load(path)).agents == result.agents


# Written by arena before seats could be taken out: the crash of player_2 on its third move ended the game,
# every other seat scoring +1 (player_3, asked after it, had not moved on that step).
ENDED_AT_A_FAULT = {
    "format": "arena-replay/2", "arena_version": "0.1.0", "env": "snake", "env_options": {"num_snakes": 4},
    "seed": 3877731200,
    "agents": [{"name": "rnd", "seat": "player_0", "score": 1.0, "rank": 1, "status": "ok", "detail": "", "moves": 3},
               {"name": "illegal", "seat": "player_1", "score": 1.0, "rank": 1, "status": "ok", "detail": "",
                "moves": 3},
               {"name": "crash3", "seat": "player_2", "score": -1.0, "rank": 4, "status": "crash",
                "detail": "predict() failed: RuntimeError: boom on move 3 (agent.py line 7)", "moves": 2},
               {"name": "snake_greedy", "seat": "player_3", "score": 1.0, "rank": 1, "status": "ok", "detail": "",
                "moves": 2}],
    "outcome": "crash3 lost by crash: predict() failed: RuntimeError: boom on move 3 (agent.py line 7)",
    "actions": {"player_0": [1, 2, 2], "player_1": [0, 2, 1], "player_2": [0, 1], "player_3": [0, 0]},
    "steps": 2, "max_steps": 100,
    "fault": {"seat": "player_2", "status": "crash",
              "detail": "predict() failed: RuntimeError: boom on move 3 (agent.py line 7)", "phase": "move"},
    "duration": 1.26,
}


def test_replays_from_before_seats_could_be_taken_out_end_at_their_fault_as_played(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps(ENDED_AT_A_FAULT))
    recorded = replay.load(path)
    again = replay.resimulate(recorded)
    assert again.fault == recorded.fault and again.eliminated == [] and again.steps == 2
    assert again.agents == recorded.agents and again.actions == recorded.actions


def test_arena_match_names_every_fault_and_the_submission_left_playing_wins(cli, in_tmp, write_submission):
    crashing = write_submission("crashing", "from arena.agents import RandomAgent\n\n"
                                "class SubmittedAgent(RandomAgent):\n"
                                "    def predict(self, obs):\n"
                                "        self.moves = getattr(self, 'moves', 0) + 1\n"
                                "        if self.moves == 3:\n"
                                "            raise ValueError('third move')\n"
                                "        return super().predict(obs)\n", 'env = "snake"')
    steady = write_submission("steady", "from arena.agents import RandomAgent\n\n"
                              "class SubmittedAgent(RandomAgent):\n    pass\n", 'env = "snake"')
    code, out, err = cli("match", crashing, steady, "--seed", "3", "--json")
    game = json.loads(out)
    assert code == 1  # a submission faulted
    statuses = [(a["name"], a["status"]) for a in game["agents"]]
    assert statuses == [("crashing", "crash"), ("steady", "ok"), ("crashing#2", "crash"), ("steady#2", "ok")]
    assert {a["rank"] for a in game["agents"] if a["status"] == "ok"} <= {1, 2}
    assert err.count("ValueError: third move") == 2


LEAVES_WORK_BEHIND = """
import os
import time

from arena.agents import Agent


class SubmittedAgent(Agent):
    moves = 0

    def predict(self, obs):
        self.moves += 1
        if self.moves == 3:
            thinking = time.process_time() + 0.2  # a long last move, on its clock
            while time.process_time() < thinking:
                pass
            if os.fork() == 0:  # left behind, working on
                while True:
                    time.sleep(0.001)
            raise RuntimeError("left a process behind")
        return 0
"""


def test_a_seat_out_is_killed_at_once_nothing_of_it_runs_while_the_others_play(write_submission):
    leaves = SandboxedAgent(load(write_submission("leaves", LEAVES_WORK_BEHIND, 'env = "snake"')), time_per_move=5.0)
    seen_after_its_fault = []

    def look(env):
        if env.unwrapped.possible_agents[0] not in env.agents and env.agents:
            seen_after_its_fault.append(leaves._process.poll())  # its worker, and with it its whole group

    try:
        result = play_match(FOUR_SNAKES, [leaves, Careful(), Careful(), Careful()], seed=0, on_step=look)
    finally:
        leaves.close()
    assert result.agents[0].status == Status.CRASH and "left a process behind" in result.agents[0].detail
    assert result.agents[0].time_used >= 0.2  # the failed call is on its clock too
    assert seen_after_its_fault and None not in seen_after_its_fault  # gone before the next step was played
