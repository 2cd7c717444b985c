"""Pictures and videos name the players: by submission name in every game, and pgx's by colour."""

import imageio.v3 as iio
import numpy as np
import pytest

import arena.envs
from arena import video
from arena.agents import RandomAgent
from arena.match import play_match

@pytest.mark.parametrize("name", ["othello", "gomoku", "fighting", "snake", "cartpole_relay"])
def test_every_games_picture_shows_the_names_it_is_given(name):
    env = arena.envs.make_raw(name, render_mode="rgb_array")
    env.reset(seed=0)
    by_seat = env.render()
    env.player_names = {seat: f"entrant number {i}" for i, seat in enumerate(env.possible_agents)}
    named = env.render()
    assert named.shape == by_seat.shape and not np.array_equal(named, by_seat)
    assert env.shown_name("player_0") == "entrant number 0"


def test_the_fighters_hud_names_are_the_players_names():
    env = arena.envs.make_raw("fighting")
    assert env.agent_names == ["player_0", "player_1"]
    env.agent_names = ["alice", "bob"]  # the competition's attribute
    assert env.player_names == {"player_0": "alice", "player_1": "bob"} and env.agent_names == ["alice", "bob"]


def test_a_video_names_the_players_and_reports_its_progress(tmp_path):
    result = play_match("othello", [RandomAgent(), RandomAgent()], seed=1, max_steps=6)
    calls = []
    video.record(result, tmp_path / "a.gif", hold_seconds=0, on_frame=lambda done, total: calls.append((done, total)))
    assert calls == [(i, result.steps + 1) for i in range(1, result.steps + 2)]
    for agent, name in zip(result.agents, ("greedy", "mcts")):
        agent.name = name
    video.record(result, tmp_path / "b.gif", hold_seconds=0)
    first, renamed = iio.imread(tmp_path / "a.gif"), iio.imread(tmp_path / "b.gif")
    assert first.shape == renamed.shape and not np.array_equal(first[0], renamed[0])


def test_pgx_pictures_say_which_colour_each_player_has():
    pytest.importorskip("pgx")
    for seed in range(4):
        env = arena.envs.make("pgx:connect_four", render_mode="rgb_array")
        env.reset(seed=seed)
        first = env.agent_selection
        second = next(a for a in env.possible_agents if a != first)
        assert env.unwrapped.player_colours() == {first: "black", second: "white"}  # pgx: the first mover's discs
    assert arena.envs.make("pgx:chess").unwrapped.player_colours().keys() == {"player_0", "player_1"}
