"""The Othello PettingZoo env: API conformance, observation layout, rewards, rendering, pgx agreement."""

import subprocess
import sys

import gymnasium
import numpy as np
import pytest
from pettingzoo.test import api_test, seed_test

import arena.envs
from arena.envs.othello import OthelloBoard, board_from_observation
from arena.errors import UnknownEnvError


def play_out(env, pick):
    """Play a game with `pick(obs) -> action`; the rewards each agent collected."""
    totals = dict.fromkeys(env.possible_agents, 0)
    for agent in env.agent_iter():
        obs, reward, terminated, truncated, _ = env.last()
        totals[agent] += reward
        env.step(None if terminated or truncated else pick(obs))
    return totals


@pytest.mark.parametrize("size", [8, 6])
def test_passes_pettingzoo_api_and_seed_tests(size):
    api_test(arena.envs.make("othello", size=size), num_cycles=300)
    seed_test(lambda: arena.envs.make("othello", size=size), num_cycles=300)


def test_observation_is_from_the_movers_view_and_masks_only_the_mover():
    env = arena.envs.make("othello")
    env.reset(seed=0)
    black = env.observe("player_0")
    assert black["observation"].shape == (8, 8, 2) and black["observation"].dtype == np.uint8
    assert black["action_mask"].shape == (65,) and black["action_mask"].dtype == np.int8
    assert np.flatnonzero(black["action_mask"]).tolist() == [19, 26, 37, 44]
    white = env.observe("player_1")
    assert not white["action_mask"].any()
    np.testing.assert_array_equal(white["observation"], black["observation"][..., ::-1])
    env.step(19)
    white = env.observe("player_1")
    assert white["observation"][..., 1].sum() == 4 and white["observation"][..., 0].sum() == 1
    assert env.agent_selection == "player_1"


def test_pass_is_an_explicit_action_that_hands_the_turn_over():
    env = arena.envs.make_raw("othello")
    env.reset()
    env.board = OthelloBoard.from_string("XXXXXXO-" + "X" * 56 + " O")
    env.agent_selection = "player_1"
    assert np.flatnonzero(env.observe("player_1")["action_mask"]).tolist() == [64]
    env.step(64)
    assert env.agent_selection == "player_0"
    env.step(7)
    assert all(env.terminations.values())
    assert env.rewards == {"player_0": 1, "player_1": -1}


def test_rewards_are_plus_minus_one_at_the_end_for_the_disc_count():
    env = arena.envs.make("othello")
    env.reset(seed=3)
    rng = np.random.default_rng(3)
    totals = play_out(env, lambda obs: int(rng.choice(np.flatnonzero(obs["action_mask"]))))
    black, white = env.unwrapped.board.score()
    expected = 0 if black == white else (1 if black > white else -1)
    assert totals == {"player_0": expected, "player_1": -expected}


def test_renders_a_board_picture_and_text():
    env = arena.envs.make("othello", render_mode="rgb_array")
    env.reset()
    frame = env.render()
    assert frame.shape == (576, 512, 3) and frame.dtype == np.uint8
    assert len(np.unique(frame.reshape(-1, 3), axis=0)) > 10  # a drawn board, not a blank frame
    env.step(19)
    assert not np.array_equal(env.render(), frame)
    text_env = arena.envs.make("othello", render_mode="ansi")
    text_env.reset()
    assert "X (black) to move" in text_env.render()


def test_board_from_observation_rebuilds_the_position_for_the_mover():
    env = arena.envs.make("othello")
    env.reset()
    env.step(19)
    board = board_from_observation(env.observe("player_1"))
    assert board.legal_moves() == env.unwrapped.board.legal_moves()


def test_bad_options_are_refused_with_the_valid_ones():
    with pytest.raises(UnknownEnvError, match="has no option 'board': its options are size"):
        arena.envs.make("othello", board=8)
    with pytest.raises(UnknownEnvError, match="unknown env 'othelo'"):
        arena.envs.make("othelo")
    with pytest.raises(ValueError, match="size must be 4, 6 or 8"):
        arena.envs.make("othello", size=7)


def test_single_agent_view_passes_gymnasium_checks_and_plays_both_seats():
    from gymnasium.utils.env_checker import check_env

    from arena.agents import GreedyOthelloAgent

    for seat in (0, 1):
        env = gymnasium.make("arena/Othello-v0", opponent=GreedyOthelloAgent(), seat=seat)
        check_env(env.unwrapped, skip_render_check=True)
        obs, _ = env.reset(seed=5)
        done, total = False, 0.0
        while not done:
            obs, reward, terminated, truncated, _ = env.step(int(np.flatnonzero(obs["action_mask"])[0]))
            total += reward
            done = terminated or truncated
        assert total in (-1.0, 0.0, 1.0)
        assert env.unwrapped.raw.board.is_game_over()


def test_single_agent_view_ends_the_episode_on_an_illegal_action():
    env = gymnasium.make("arena/Othello-v0")
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(0)
    assert (reward, terminated, info) == (-1.0, True, {"illegal_action": 0})


def test_a_script_naming_only_the_id_gets_the_view_through_gymnasiums_module_prefix():
    script = ("import gymnasium\nenv = gymnasium.make('arena.envs:arena/Othello-v0')\n"
              "observation, _ = env.reset(seed=0)\nprint(int(observation['action_mask'].sum()))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.split() == ["4"], done.stderr  # the opening's four moves
