"""arena's snake and marlenv's (arena.compat.marlenv) agree where their rules coincide: the same
snakes, fruit, deaths, growth, rewards and views for the same seed and actions, whatever the seed."""

import numpy as np
import pytest

pytest.importorskip("hypothesis", reason='property tests need hypothesis: pip install -e ".[test]"')
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import arena.envs  # noqa: E402
from arena.compat.marlenv import SnakeEnv  # noqa: E402


@settings(max_examples=40, deadline=None, database=None)
@given(seed=st.integers(0, 2**31 - 1), num_snakes=st.integers(2, 5), side=st.integers(8, 14),
       vision=st.sampled_from([None, 2, 4]), actions=st.lists(st.integers(0, 2), min_size=300, max_size=300))
def test_marlenv_plays_arenas_snake_for_the_same_seed_and_actions(seed, num_snakes, side, vision, actions):
    # Until arena's game ends (one snake left): the same snakes, fruit, deaths and growth, so the same
    # rewards for the events both count the same way (fruit, death, time), and with vision_range=None
    # the same things seen, plane for plane.
    rewards = {"fruit": 1.0, "kill": 0.0, "lose": -1.0, "win": 0.0, "time": 0.25}
    ours = SnakeEnv(num_snakes=num_snakes, height=side + 2, width=side + 2, vision_range=None, reward_dict=rewards)
    cropped = SnakeEnv(num_snakes=num_snakes, height=side + 2, width=side + 2, vision_range=vision, reward_dict=rewards)
    theirs = arena.envs.make("snake", num_snakes=num_snakes, height=side, width=side, vision_range=None,
                             num_fruits=ours.num_fruits, reward_dict=rewards, max_steps=10_000)
    agents = theirs.possible_agents
    same_view = {0: 0, 5: 1, 2: 3, 1: 5}  # marlenv plane -> arena plane (arena's bodies are marlenv's bodies and tails)
    seen, steps = theirs.reset(seed=seed)[0], 0
    obs = ours.reset(seed=seed)
    cropped.reset(seed=seed)
    for t in range(0, len(actions), num_snakes):
        for i, agent in enumerate(agents):
            if agent in theirs.agents:
                for ours_plane, theirs_plane in same_view.items():
                    np.testing.assert_array_equal(obs[i, ..., ours_plane], seen[agent][..., theirs_plane])
                np.testing.assert_array_equal(obs[i, ..., 6] | obs[i, ..., 7], seen[agent][..., 2])  # body and tail
                np.testing.assert_array_equal(obs[i, ..., 3] | obs[i, ..., 4], seen[agent][..., 4])
        if len(theirs.agents) < 2:
            break
        chosen = [actions[(t + i) % len(actions)] for i in range(num_snakes)]
        seen, their_rewards, terminations, _, infos = theirs.step({a: chosen[agents.index(a)] for a in theirs.agents})
        obs, our_rewards, dones, info = ours.step(chosen)
        cropped.step(chosen)
        steps += 1
        for agent, reward in their_rewards.items():
            i = agents.index(agent)
            assert our_rewards[i] == reward
            assert dones[i] == (terminations[agent] and not ours.core.games.alive[0, i])
            assert infos[agent]["length"] == ours.core.games.length[0, i]
        np.testing.assert_array_equal(cropped.core.games.owner, ours.core.games.owner)
    assert steps > 0
