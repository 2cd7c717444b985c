"""`action_masks()` of the Gymnasium views, which sb3-contrib's MaskablePPO calls wherever it exists."""

import gymnasium
import numpy as np
import pytest

import arena.envs  # noqa: F401  (registers the arena/... ids)


@pytest.mark.parametrize("env_id", ["arena/Othello-v0", "arena/Gomoku-v0"])
def test_a_board_games_mask_is_its_legal_moves(env_id):
    env = gymnasium.make(env_id)
    observation, _ = env.reset(seed=3)
    for _ in range(6):
        masks = env.unwrapped.action_masks()
        assert masks.dtype == bool and np.array_equal(masks, observation["action_mask"].astype(bool))
        observation, _, terminated, _, _ = env.step(int(np.flatnonzero(masks)[0]))
        if terminated:
            break


@pytest.mark.parametrize(("env_id", "choices"), [("arena/Snake-v0", 3), ("arena/CartPoleRelay-v0", 2)])
def test_a_game_without_a_mask_allows_every_choice(env_id, choices):
    env = gymnasium.make(env_id)
    env.reset(seed=0)
    assert np.array_equal(env.unwrapped.action_masks(), np.ones(choices, bool))


@pytest.mark.parametrize(("env_id", "options"), [("arena/Fighting-v0", {}), ("arena/CartPoleRelay-v0", {"mode": "vote"})])
def test_actions_that_are_not_choices_have_no_mask_and_say_so(env_id, options):
    env = gymnasium.make(env_id, **options)
    env.reset(seed=0)
    with pytest.raises(TypeError, match=r"action masks are for actions chosen from a set .* this env's actions are Box"):
        env.unwrapped.action_masks()
