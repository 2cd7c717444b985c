"""CartPole relay: PettingZoo conformance, baton timing, logit votes, team rewards and credits, the PD example, video.

The vote aggregations are checked against a formula written here from the definition: each
agent's softmax, the probabilities summed over agents, then the argmax or a draw from the sums.
"""

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
from arena.envs.cartpole_relay import AGGREGATIONS, combine_logits, vote
from arena.match import play_match
from arena.submission import instantiate, load


def pd():
    return instantiate(load(SUBMISSIONS / "relay_pd"))


@pytest.mark.parametrize("options", [{}, {"mode": "vote", "num_players": 5},
                                     {"mode": "vote", "aggregation": "majority"},
                                     {"mode": "vote", "aggregation": "sampled_probs"}])
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


def softmax_rows(logits):
    rows = []
    for agent_logits in logits:
        exps = [np.exp(x - max(agent_logits)) for x in agent_logits]
        rows.append([e / sum(exps) for e in exps])
    return rows


def reference_shares(logits, action):
    """Each agent's contribution to `action`: its probability of it over the sum of all agents'."""
    rows = softmax_rows(logits)
    return [row[action] / sum(r[action] for r in rows) for row in rows]


def reference_aggregation(logits, u=None):
    """The relay's aggregation, from its definition: (action, each agent's contribution to it).

    Softmax per agent; sum over agents; argmax of the sums, or (given a uniform u) the action
    drawn from the sums normalised, by inverse transform.
    """
    rows = softmax_rows(logits)
    sums = [sum(row[a] for row in rows) for a in range(len(rows[0]))]
    if u is None:
        action = max(range(len(sums)), key=lambda a: (sums[a], -a))  # the lowest action on a tie
    else:
        action, below = 0, sums[0] / sum(sums)
        while u >= below and action < len(sums) - 1:
            action += 1
            below += sums[action] / sum(sums)
    return action, reference_shares(logits, action)


def random_logit_sets(count, seed):
    """`count` logit sets of 1 to 8 agents, at scales from near-ties to the action space's bounds."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        agents, scale = rng.integers(1, 9), rng.choice([0.01, 1.0, 5.0, 100.0])
        yield np.clip(rng.normal(0.0, scale, (agents, 2)), -100, 100)


def test_summed_probabilities_choose_as_the_reference_formula_on_20000_logit_sets():
    ours, theirs, changed_by_old_mean, float32_ties = [], [], 0, 0
    for logits in random_logit_sets(20_000, seed=1):
        action, shares = vote(logits, "summed_probs")
        expected, expected_shares = reference_aggregation(logits.tolist())
        assert action == combine_logits(logits)  # the default aggregation
        sums = np.sum(softmax_rows(logits.tolist()), axis=0)
        if abs(sums[0] - sums[1]) > 1e-5 * sums.max():  # apart by more than float32 rounding
            assert action == expected
            ours.extend(shares)
            theirs.extend(expected_shares)
        else:
            float32_ties += 1
        assert abs(shares.sum() - 1.0) < 1e-6
        changed_by_old_mean += action != combine_logits(logits, "mean_logits")
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)
    assert changed_by_old_mean > 500  # the sets do tell the two aggregations apart
    assert float32_ties < 2_000


def test_summed_probabilities_break_float32_ties_as_torch_in_the_relays_own_code():
    """The relay's original code sums torch's softmax of float32 tensors of each agent's logits,
    and plays the argmax: two agents sure of opposite actions tie at exactly 1.0 each in float32,
    and the lower action is played, where float64 sums would tell them apart."""
    sure_of_each = np.array([[8.776931762695312, -16.018125534057617], [-95.20439910888672, 47.92033386230469]])
    assert vote(sure_of_each, "summed_probs")[0] == 0
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for _ in range(20_000):
        agents, scale = rng.integers(2, 33), rng.choice([0.01, 1.0, 10.0, 50.0])
        logits = np.clip(rng.normal(0.0, scale, (agents, 2)), -100, 100).tolist()  # as agents send them
        probabilities = torch.stack([torch.softmax(torch.tensor(row).unsqueeze(0), -1) for row in logits])
        expected = int(torch.argmax(probabilities.sum(0), dim=1)[0])
        assert vote(np.array(logits), "summed_probs")[0] == expected, logits


def test_sampled_probabilities_draw_as_the_reference_formula_from_the_same_stream():
    ours, theirs = np.random.default_rng(7), np.random.default_rng(7)
    counts, our_shares, their_shares = np.zeros(2), [], []
    for logits in random_logit_sets(20_000, seed=2):
        action, shares = vote(logits, "sampled_probs", ours)
        expected, expected_shares = reference_aggregation(logits.tolist(), u=theirs.random())
        assert action == expected
        our_shares.extend(shares)
        their_shares.extend(expected_shares)
        assert abs(shares.sum() - 1.0) < 1e-6
        counts[action] += 1
    np.testing.assert_allclose(our_shares, their_shares, rtol=1e-5, atol=1e-7)
    assert counts.min() > 5_000  # both actions are drawn
    # The stream's draws are numpy's own categorical draw from the normalised sums.
    check, reference = np.random.default_rng(3), np.random.default_rng(3)
    for logits in random_logit_sets(2_000, seed=4):
        sums = np.exp(logits - logits.max(1, keepdims=True))
        sums = (sums / sums.sum(1, keepdims=True)).sum(0)
        assert vote(logits, "sampled_probs", check)[0] == reference.choice(2, p=sums / sums.sum())


def test_sampling_needs_a_generator():
    with pytest.raises(ValueError, match="pass rng"):
        vote(np.zeros((2, 2)), "sampled_probs")


def test_sampled_votes_replay_from_the_seed_and_credit_each_agents_share():
    def run(seed, steps=60):
        env = arena.envs.make("cartpole_relay", mode="vote", aggregation="sampled_probs", num_players=3)
        env.reset(seed=seed)
        logits_rng = np.random.default_rng(5)  # the same logits whatever the env's seed
        played, totals = [], np.zeros(3)
        for _ in range(steps):
            if not env.agents:
                break
            logits = logits_rng.normal(0, 1, (3, 2)).astype(np.float32)
            _, _, _, _, infos = env.step(dict(zip(env.possible_agents, logits)))
            played.append(env.unwrapped.last_action)
            shares = [infos[a]["contribution"] for a in env.possible_agents]
            np.testing.assert_allclose(shares, reference_shares(logits.astype(np.float64).tolist(), played[-1]),
                                       rtol=1e-6)  # float32 probabilities
            assert abs(sum(shares) - 1.0) < 1e-6
            totals += shares
            np.testing.assert_allclose([infos[a]["contribution_total"] for a in env.possible_agents], totals)
        return played

    first = run(0)
    assert run(0) == first
    assert run(1) != first  # the draws, not the logits, differ between seeds


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
def test_a_vote_refuses_logits_without_finite_probabilities_naming_the_agent(aggregation):
    # swergio's aggregation builds torch's Categorical from the summed probabilities, which raises ValueError.
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"logits of row 1, \[nan, 0\.0\]"):
        vote(np.array([[0.0, 1.0], [np.nan, 0.0]]), aggregation, rng)
    with pytest.raises(ValueError, match=r"logits of 'b', \[inf, 1\.0\]"):
        vote({"a": [0.0, 1.0], "b": [np.inf, 1.0]}, aggregation, rng)
    env = arena.envs.make("cartpole_relay", mode="vote", num_players=2, aggregation=aggregation)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"logits of player_0, \[nan, 0\.0\]"):
        env.step({"player_0": np.array([np.nan, 0.0], np.float32), "player_1": np.array([0.0, 1.0], np.float32)})


def test_aggregations_and_their_former_name():
    assert AGGREGATIONS == ("summed_probs", "sampled_probs", "mean_logits", "majority")
    # Agent 0 is sure of right, agents 1 and 2 fairly sure of left: the summed probabilities and
    # the majority go left, the mean logits right.
    logits = np.array([[0.0, 10.0], [2.0, 0.0], [2.0, 0.0]])
    assert combine_logits(logits, "summed_probs") == 0
    assert combine_logits(logits, "mean_logits") == combine_logits(logits, "mean") == 1
    assert combine_logits(logits, "majority") == 0
    tie = np.array([[0.0, 3.0], [1.0, 0.0]])  # one vote each: the mean decides
    assert combine_logits(tie, "majority") == 1
    assert arena.envs.make("cartpole_relay", mode="vote", aggregation="mean").unwrapped.aggregation == "mean_logits"


def test_votes_combine_by_majority_in_the_env():
    logits = np.array([[0.0, 3.0], [0.5, 0.0], [0.4, 0.0]])  # two of three vote left
    env = arena.envs.make("cartpole_relay", mode="vote", aggregation="majority")
    env.reset(seed=0)
    _, rewards, _, _, infos = env.step(dict(zip(env.possible_agents, logits.astype(np.float32))))
    assert env.unwrapped.last_action == 0
    # Credit goes to the agents whose own vote was played; shares follow their probabilities of it.
    assert [infos[a]["steps_survived"] for a in env.possible_agents] == [0, 1, 1]
    shares = [infos[a]["contribution"] for a in env.possible_agents]
    assert shares[0] < 0.05 < shares[2] < shares[1] and abs(sum(shares) - 1.0) < 1e-6
    assert rewards == dict.fromkeys(env.possible_agents, 1.0)


def test_twenty_models_vote_as_in_swergios_aggregation_example():
    env = arena.envs.make("cartpole_relay", mode="vote", num_players=20, render_mode="rgb_array")
    env.reset(seed=0)
    logits = np.zeros((20, 2), np.float32)
    logits[:11, 0] = 2.0  # eleven of twenty lean left
    _, _, _, _, infos = env.step(dict(zip(env.possible_agents, logits)))
    shares = [infos[a]["contribution"] for a in env.possible_agents]
    assert abs(sum(shares) - 1.0) < 1e-6 and shares[0] > shares[-1]
    assert env.render().shape[2] == 3  # every seat has a row on the panel
    assert {infos[a]["action"] for a in env.possible_agents} == {env.unwrapped.last_action} == {0}
    # The aggregation component keeps the logits by model id, and hands out contributions by it.
    memory = {f"model_{i}": row for i, row in enumerate(logits)}
    action, contributions = vote(memory, "summed_probs")
    assert action == 0 and list(contributions) == list(memory)
    assert list(contributions.values()) == pytest.approx(shares)


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
    assert totals["player_0"] == totals["player_1"] == steps  # the step it fell too, as CartPole-v1 pays
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
    with pytest.raises(ValueError, match="num_players must be 1 to 32"):
        arena.envs.make("cartpole_relay", num_players=33)


def test_a_relay_of_one_scores_as_gymnasiums_cartpole_from_the_same_seed():
    import gymnasium

    for seed in range(5):
        relay = arena.envs.make("cartpole_relay", num_players=1, mode="vote")
        relay.reset(seed=seed)
        cart = gymnasium.make("CartPole-v1")
        cart.reset(seed=seed)
        rng = np.random.default_rng(seed)
        returns, done = [0.0, 0.0], False
        while not done:
            action = int(rng.integers(2))
            logits = np.eye(2)[action] * 10.0  # a sure vote for the action
            _, rewards, terminations, truncations, _ = relay.step({"player_0": logits})
            _, reward, terminated, truncated, _ = cart.step(action)
            returns[0] += rewards["player_0"]
            returns[1] += reward
            assert terminations["player_0"] == terminated and truncations["player_0"] == truncated
            done = terminated or truncated
        assert returns[0] == returns[1]  # an episode's return is its length, the falling step included
