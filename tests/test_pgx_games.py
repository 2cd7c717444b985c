"""pgx games through the adapter: any pgx id is an AEC env that matches, replays and videos play like the others."""

import subprocess
import sys
import warnings

import imageio.v2 as imageio
import numpy as np
import pytest
from pettingzoo.test import api_test, seed_test

import arena.envs
from arena import replay, video
from arena.agents import RandomAgent
from arena.errors import UnknownEnvError
from arena.match import play_match

pytest.importorskip("pgx")


def test_arena_imports_without_jax():
    code = "import sys, arena.envs, arena.envs.pgx_games, arena.match; assert 'jax' not in sys.modules and 'pgx' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("game", ["tic_tac_toe", "connect_four"])
def test_passes_pettingzoo_api_and_seed_tests(game):
    api_test(arena.envs.make(f"pgx:{game}"), num_cycles=200)
    seed_test(lambda: arena.envs.make(f"pgx:{game}"), num_cycles=200)


def test_a_won_game_pays_the_winner_and_ends_for_everyone():
    env = arena.envs.make("pgx:tic_tac_toe", render_mode="ansi")
    env.reset(seed=0)
    first = env.agent_selection
    second = next(a for a in env.possible_agents if a != first)
    movers = []
    for cell in (0, 3, 1, 4, 2):  # the first mover completes the top row
        movers.append(env.agent_selection)
        assert env.observe(env.agent_selection)["action_mask"][cell] == 1
        env.step(cell)
    assert movers == [first, second, first, second, first]
    assert all(env.terminations.values())
    assert env.unwrapped.totals.tolist() == ([1.0, -1.0] if first == "player_0" else [-1.0, 1.0])
    board = env.render().splitlines()
    assert board[0] == "tic_tac_toe: over after 5 moves"
    assert board[1] == ("player_0 +1, player_1 -1" if first == "player_0" else "player_0 -1, player_1 +1")
    stones = "X" if first == "player_0" else "O"
    assert board[2] == " ".join(stones * 3)


def test_who_moves_first_comes_from_the_seed():
    firsts = set()
    for seed in range(8):
        env = arena.envs.make("pgx:connect_four")
        env.reset(seed=seed)
        again = arena.envs.make("pgx:connect_four")
        again.reset(seed=seed)
        assert env.agent_selection == again.agent_selection
        firsts.add(env.agent_selection)
    assert firsts == {"player_0", "player_1"}


def test_matches_replay_and_render_to_video(tmp_path):
    result = play_match("pgx:connect_four", [RandomAgent(), RandomAgent()], seed=5)
    assert sorted(a.score for a in result.agents) in ([-1.0, 1.0], [0.0, 0.0])
    path = replay.save(result, tmp_path / "c4.json")
    assert replay.resimulate(replay.load(path)).agents == result.agents
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        written = video.record(replay.load(path), tmp_path / "c4.mp4", hold_seconds=0)
    assert not [w for w in warned if "fork" in str(w.message)]  # JAX warns at any fork; ffmpeg's start is safe
    frames = imageio.mimread(written, memtest=False)
    assert len(frames) == result.steps + 1
    assert frames[0].shape[0] % 16 == 0 and frames[0].shape[1] % 16 == 0
    assert (frames[-1] < 200).mean() > (frames[0] < 200).mean()  # discs darken the board as it fills


def test_names_and_options_are_checked():
    with pytest.raises(UnknownEnvError, match="unknown pgx game 'nope'"):
        arena.envs.make("pgx:nope")
    with pytest.raises(UnknownEnvError, match="unknown pgx game 'conect_four': did you mean 'pgx:connect_four'"):
        arena.envs.make("pgx:conect_four")
    with pytest.raises(UnknownEnvError, match="no option 'game'"):
        arena.envs.make("pgx:tic_tac_toe", game="chess")
    assert arena.envs.entry("pgx:chess").kind == "aec"
    with pytest.raises(UnknownEnvError, match="pgx:<name>"):
        arena.envs.make("chess")


def test_spec_keeps_the_name_so_the_env_can_be_rebuilt():
    env = arena.envs.make("pgx:tic_tac_toe")
    spec = arena.envs.spec_of(env)
    assert (spec.name, spec.options) == ("pgx:tic_tac_toe", {})
    assert spec.make().unwrapped.game_id == "tic_tac_toe"
    observation = env.unwrapped.observation_space("player_0")["observation"]
    assert observation.shape == (3, 3, 2) and observation.dtype == np.uint8
