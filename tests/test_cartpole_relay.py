"""CartPole relay: PettingZoo conformance, baton timing, logit votes, team rewards and credits, the PD example, video."""

import gymnasium
import imageio.v2 as imageio
import numpy as np
import pytest
from conftest import SUBMISSIONS
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test, parallel_seed_test

import arena.envs
from arena import replay, video
from arena.agents import RandomAgent
from arena.envs import EnvSpec
from arena.envs.cartpole_relay import combine_logits
from arena.match import play_match
from arena.submission import instantiate, load


def pd():
    return instantiate(load(SUBMISSIONS / "relay_pd"))


@pytest.mark.parametrize("options", [{}, {"mode": "vote", "num_players": 5}, {"mode": "vote", "aggregation": "majority"}])
def test_passes_pettingzoo_parallel_api_and_seed_tests(options):
    parallel_api_test(arena.envs.make("cartpole_relay", **options), num_cycles=300)
    parallel_seed_test(lambda: arena.envs.make("cartpole_relay", **options), num_cycles=300)


def test_the_baton_passes_every_leg_and_only_its_holder_steers():
    env = arena.envs.make("cartpole_relay", num_players=3, leg_length=4)
    observations, _ = env.reset(seed=0)
    holders = []
    for step in range(13):
        # The holder sees itself at index 4; the seat before it sees it at index 5 ("one seat after me").
        holder = [a for a in env.agents if observations[a][4] == 1.0]
        assert len(holder) == 1
        holders.append(holder[0])
        assert observations[holder[0]][-1] == 4 - step % 4  # steps left in the leg, the coming one included
        seat = env.possible_agents.index(holder[0])
        assert observations[env.possible_agents[(seat - 1) % 3]][5] == 1.0
        observations, *_ = env.step({a: step % 2 for a in env.agents})
    assert holders == ["player_0"] * 4 + ["player_1"] * 4 + ["player_2"] * 4 + ["player_0"]


def test_non_holders_cannot_move_the_cart():
    def run(others):
        env = arena.envs.make("cartpole_relay", leg_length=50)
        env.reset(seed=3)
        for _ in range(10):
            observations, *_ = env.step({"player_0": 1, "player_1": others, "player_2": others})
        return observations["player_0"][:4]

    np.testing.assert_array_equal(run(0), run(1))


def test_votes_combine_by_mean_logits_or_by_majority():
    logits = np.array([[0.0, 3.0], [0.5, 0.0], [0.4, 0.0]])  # mean prefers right; two of three vote left
    assert combine_logits(logits, "mean") == 1
    assert combine_logits(logits, "majority") == 0
    tie = np.array([[0.0, 3.0], [1.0, 0.0]])  # one vote each: the mean decides
    assert combine_logits(tie, "majority") == 1
    env = arena.envs.make("cartpole_relay", mode="vote", aggregation="majority")
    env.reset(seed=0)
    _, rewards, _, _, infos = env.step(dict(zip(env.possible_agents, logits.astype(np.float32))))
    assert env.unwrapped.last_action == 0
    # Credit goes to the agents whose own vote was played.
    assert [infos[a]["steps_survived"] for a in env.possible_agents] == [0, 1, 1]
    assert rewards == dict.fromkeys(env.possible_agents, 1.0)


def test_the_team_is_rewarded_per_step_up_and_credits_follow_the_baton():
    env = arena.envs.make("cartpole_relay", num_players=2, leg_length=3)
    env.reset(seed=0)
    totals, steps = dict.fromkeys(env.possible_agents, 0.0), 0
    while env.agents:  # always pushing right soon tips the pole
        _, rewards, terminations, truncations, infos = env.step(dict.fromkeys(env.agents, 1))
        steps += 1
        for agent, reward in rewards.items():
            totals[agent] += reward
    assert all(terminations.values()) and not any(truncations.values())
    assert totals["player_0"] == totals["player_1"] == steps - 1  # nothing for the step it fell
    credits = [infos[a]["steps_survived"] for a in env.possible_agents]
    expected = [sum(1 for t in range(steps - 1) if (t // 3) % 2 == seat) for seat in range(2)]
    assert credits == expected and sum(credits) == steps - 1


def test_the_pd_example_keeps_the_pole_up_in_both_modes_and_random_partners_drop_it():
    for mode in ("relay", "vote"):
        result = play_match(EnvSpec("cartpole_relay", {"mode": mode}), [pd(), pd(), pd()], seed=1)
        assert result.steps == 500 and [a.score for a in result.agents] == [500.0] * 3
        assert [a.rank for a in result.agents] == [1, 1, 1]
        assert result.outcome.startswith("pole up 500 of 500 steps")
    mixed = play_match("cartpole_relay", [pd(), RandomAgent(), RandomAgent()], seed=1)
    assert mixed.agents[0].score < 200  # the first leg holds; a random holder drops the pole


def test_single_agent_views_pass_gymnasium_checks():
    check_env(gymnasium.make("arena/CartPoleRelay-v0").unwrapped)
    check_env(gymnasium.make("arena/CartPoleRelay-v0", mode="vote", num_players=2).unwrapped)


def test_video_of_a_relay(tmp_path):
    result = play_match("cartpole_relay", [pd(), pd(), pd()], seed=0, max_steps=60)
    path = video.record(replay.load(replay.save(result, tmp_path / "relay.json")), tmp_path / "relay.mp4", hold_seconds=0)
    frames = imageio.mimread(path, memtest=False)
    assert len(frames) == 61 and frames[0].shape[0] % 16 == 0 and frames[0].shape[1] % 16 == 0
    assert not np.array_equal(frames[0], frames[-1])


def test_options_are_checked():
    with pytest.raises(ValueError, match="mode must be one of"):
        arena.envs.make("cartpole_relay", mode="tag")
    with pytest.raises(ValueError, match="num_players must be 1 to 8"):
        arena.envs.make("cartpole_relay", num_players=9)
