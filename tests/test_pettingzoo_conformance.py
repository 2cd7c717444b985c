"""Every env's module passes PettingZoo's own test set, called as PettingZoo's test runner calls its envs.

Turn-based games, like PettingZoo's classic games, expose `env` and `raw_env` (AEC) and run
`api_test`, `seed_test` and `render_test`. Simultaneous games, like PettingZoo's Parallel envs,
also expose `parallel_env` (with `env` and `raw_env` as its AEC views) and run
`parallel_api_test`, `parallel_seed_test` and `max_cycles_test`, which builds them with
`max_cycles`. Small boards and few cycles keep it quick.
"""

import copy
import functools
import importlib
import pickle
from types import SimpleNamespace

import numpy as np
import pytest
from gymnasium.utils.env_checker import data_equivalence
from pettingzoo import AECEnv, ParallelEnv
from pettingzoo import test as pettingzoo_test
from pettingzoo.test import api_test, max_cycles_test, parallel_api_test, render_test, seed_test

import arena.envs
from arena.envs.rendering import HumanWindow

CASES = [
    ("othello", {"size": 6}),
    ("gomoku", {"size": 7}),
    ("fighting", {}),
    ("snake", {"num_snakes": 3, "height": 8, "width": 8}),
    ("cartpole_relay", {}),
    ("cartpole_relay", {"mode": "vote", "aggregation": "sampled_probs", "num_players": 4}),
    ("pgx:tic_tac_toe", {}),
    ("pgx:connect_four", {}),
]
PARALLEL_CASES = [(name, options) for name, options in CASES if arena.envs.entry(name).kind == "parallel"]
STEP_LIMITS = {"fighting": "max_timesteps", "snake": "max_steps", "cartpole_relay": "max_steps"}


def ids(cases):
    return [name + "".join(f"-{value}" for value in options.values()) for name, options in cases]


def constructors(name, options):
    """The env's module and its options as its constructors take them (a family's preset included)."""
    if name.startswith("pgx:"):
        pytest.importorskip("pgx")
    found = arena.envs.entry(name)
    return importlib.import_module(found.module), {**found.preset, **options}


def seeded(module, options, seed=0):
    """`module`'s parallel_env and env with `options`, each env reset once from `seed`, its action spaces seeded.

    max_cycles_test resets without a seed and plays random actions: a snake can die within its 4
    steps (about one run in 20 on the default grid), which that test reads as a short game. Seeded
    first, every run plays the same steps.
    """
    def seeding(make):
        def build(**kwargs):
            env = make(**options, **kwargs)
            env.reset(seed=seed)
            for i, agent in enumerate(env.possible_agents):
                env.action_space(agent).seed(seed + i)
            return env
        return build

    return SimpleNamespace(parallel_env=seeding(module.parallel_env), env=seeding(module.env))


@pytest.fixture
def unpaced_windows(monkeypatch):
    """Human windows show frames without waiting (the display is SDL's dummy; board games pace at 2 fps)."""
    opened = HumanWindow.__init__
    monkeypatch.setattr(HumanWindow, "__init__", lambda self, title, fps: opened(self, title, 0))


@pytest.mark.parametrize(("name", "options"), CASES, ids=ids(CASES))
def test_api_and_seed_tests(name, options):
    module, options = constructors(name, options)
    api_test(module.env(**options), num_cycles=40)
    seed_test(functools.partial(module.env, **options), num_cycles=40)


@pytest.mark.parametrize(("name", "options"), CASES, ids=ids(CASES))
def test_render_test(name, options, unpaced_windows):
    module, options = constructors(name, options)
    render_test(functools.partial(module.env, **options))


@pytest.mark.parametrize(("name", "options"), PARALLEL_CASES, ids=ids(PARALLEL_CASES))
def test_parallel_api_and_seed_tests(name, options):
    module, options = constructors(name, options)
    parallel_api_test(module.parallel_env(**options), num_cycles=40)
    if not hasattr(pettingzoo_test, "parallel_seed_test"):
        pytest.skip("this PettingZoo has no parallel_seed_test")
    pettingzoo_test.parallel_seed_test(functools.partial(module.parallel_env, **options), num_cycles=40)


@pytest.mark.parametrize(("name", "options"), PARALLEL_CASES, ids=ids(PARALLEL_CASES))
def test_max_cycles_test(name, options):
    module, options = constructors(name, options)
    max_cycles_test(seeded(module, options))


@pytest.mark.parametrize("name", ["fighting", "cartpole_relay"])
def test_max_cycles_test_on_the_modules_themselves(name):
    # Nothing ends a fight or drops the pole within max_cycles_test's 4 steps, whatever the draws.
    max_cycles_test(importlib.import_module(arena.envs.entry(name).module))


@pytest.mark.parametrize("name", arena.envs.names())
def test_modules_expose_pettingzoo_constructors_and_make_builds_the_same_game(name):
    module = importlib.import_module(arena.envs.entry(name).module)
    assert isinstance(module.env(), AECEnv) and isinstance(module.raw_env(), AECEnv)
    made = arena.envs.make(name).unwrapped
    assert type(made) is arena.envs.env_class(name)
    if arena.envs.entry(name).kind == "parallel":
        parallel = module.parallel_env()
        assert isinstance(parallel, ParallelEnv) and type(parallel) is type(made)
        assert type(module.env().unwrapped) is type(made)
        assert isinstance(made, ParallelEnv)
    else:
        assert not hasattr(module, "parallel_env")  # as PettingZoo's classic games: no parallel form
        assert type(module.env().unwrapped) is type(made)


@pytest.mark.parametrize(("name", "limit"), sorted(STEP_LIMITS.items()))
def test_max_cycles_is_the_games_step_limit(name, limit):
    module = importlib.import_module(arena.envs.entry(name).module)

    def steps_played(env):
        env.reset(seed=0)
        for i, agent in enumerate(env.possible_agents):
            env.action_space(agent).seed(i)
        steps = 0
        while env.agents:
            env.step({agent: env.action_space(agent).sample() for agent in env.agents})
            steps += 1
        return steps

    assert steps_played(module.parallel_env(max_cycles=3)) == 3
    assert steps_played(module.parallel_env(max_cycles=3, **{limit: 3})) == 3
    assert steps_played(module.parallel_env(**{limit: 5})) == 5
    with pytest.raises(ValueError, match=f"max_cycles \\(3\\) sets {limit}, which was also given as 9"):
        module.parallel_env(max_cycles=3, **{limit: 9})


COPY_CASES = [*CASES, ("fighting", {"engine": "python"}), ("pgx:2048", {})]
COPIES = {"pickle": lambda env: pickle.loads(pickle.dumps(env)), "deepcopy": copy.deepcopy}


def played_on(env, seed, steps):
    """What `env` (an AEC env, reset) shows over its next `steps` moves, each drawn from `seed` within its mask."""
    draws = np.random.default_rng(seed)
    seen = []
    for _ in range(steps):
        if not env.agents:
            break
        agent = env.agent_selection
        observation, reward, terminated, truncated, info = env.last()
        seen.append((agent, observation, reward, terminated, truncated, info))
        space = env.action_space(agent)
        space.seed(int(draws.integers(1 << 31)))
        mask = observation.get("action_mask") if isinstance(observation, dict) else None
        env.step(None if terminated or truncated else space.sample(mask=mask))
    return seen


def assert_same_play(seen, again):
    assert len(seen) == len(again)
    for step, (first, second) in enumerate(zip(seen, again)):
        assert data_equivalence(first, second), f"the copy played otherwise from move {step} on"


@pytest.mark.parametrize("copied_by", sorted(COPIES))
@pytest.mark.parametrize(("name", "options"), COPY_CASES, ids=ids(COPY_CASES))
def test_a_pickled_or_copied_env_plays_on_exactly_as_the_original(name, options, copied_by):
    # Vector envs (SuperSuit's concat_vec_envs, SB3's SubprocVecEnv) send envs to other processes by pickling.
    module, options = constructors(name, options)
    duplicate = COPIES[copied_by]
    fresh, copied = module.env(**options), duplicate(module.env(**options))  # as PettingZoo's pickle test: unplayed
    fresh.reset(seed=42)
    copied.reset(seed=42)
    assert_same_play(played_on(fresh, 1, 30), played_on(copied, 1, 30))
    midway = duplicate(fresh)  # and in the middle of a game
    assert_same_play(played_on(fresh, 2, 30), played_on(midway, 2, 30))


@pytest.mark.parametrize(("name", "options"), PARALLEL_CASES, ids=ids(PARALLEL_CASES))
def test_a_simultaneous_game_keeps_a_generator_for_wrappers_apart_from_its_own_draws(name, options):
    # SuperSuit's frame_skip_v0 draws each step's skip from env.unwrapped.np_random, as PettingZoo's own envs have.
    module, options = constructors(name, options)

    def played(draw_between_steps):
        env = module.parallel_env(**options)
        seen, draws = [env.reset(seed=11)[0]], []
        for step in range(20):
            if not env.agents:
                break
            if draw_between_steps:
                draws.append(int(env.np_random.integers(1 << 30)))
            for i, agent in enumerate(env.agents):
                env.action_space(agent).seed(step * 100 + i)
            seen.append(env.step({agent: env.action_space(agent).sample() for agent in env.agents})[0])
        return draws, seen

    draws, seen = played(draw_between_steps=True)
    redrawn, _ = played(draw_between_steps=True)
    _, seen_without_drawing = played(draw_between_steps=False)
    assert draws == redrawn and len(set(draws)) > 1  # the same seed, the same draws
    assert len(seen) == len(seen_without_drawing)  # and drawing moved nothing of the game
    assert all(data_equivalence(first, second) for first, second in zip(seen, seen_without_drawing))


TURN_BASED_CASES = [(name, options) for name, options in CASES if arena.envs.entry(name).kind == "aec"]


@pytest.mark.parametrize(("name", "options"), TURN_BASED_CASES, ids=ids(TURN_BASED_CASES))
def test_every_agent_can_be_observed_to_the_end_of_its_last_step(name, options):
    # SuperSuit's AEC wrappers (sticky_actions_v0, delay_observations_v0) observe agent_selection after every step,
    # the agents' closing dead steps included, as PettingZoo's classic games allow: after its dead step an agent is
    # gone from terminations and infos but can still be observed, with nothing left to play.
    module, options = constructors(name, options)
    env = module.env(**options)
    env.reset(seed=3)
    for step, agent in enumerate(env.agent_iter()):
        observation, _, terminated, truncated, _ = env.last()
        space = env.action_space(agent)
        space.seed(step)
        env.step(None if terminated or truncated else space.sample(mask=observation["action_mask"]))
        for seat in env.possible_agents:
            seen = env.observe(seat)
            assert env.observation_space(seat).contains(seen)
            if seat not in env.agents:
                assert not seen["action_mask"].any()
    assert env.agents == []


@pytest.mark.parametrize(("name", "options"), PARALLEL_CASES, ids=ids(PARALLEL_CASES))
def test_a_finished_simultaneous_game_steps_as_pettingzoos_own_parallel_envs_do(name, options):
    # PettingZoo's Parallel envs answer a step after the last agent left with five empty dicts and change nothing.
    # SuperSuit's black_death_v3 relies on it: it steps the game once more after the end and ends the episode on
    # the empty answer, so a game that raised or played on broke SB3 training through pettingzoo_env_to_vec_env_v1.
    module, options = constructors(name, options)
    env = module.parallel_env(max_cycles=5, render_mode="rgb_array", **options)
    env.reset(seed=4)
    for i, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(i)
    while env.agents:
        env.step({agent: env.action_space(agent).sample() for agent in env.agents})
    ended = env.render()
    assert env.step({}) == ({}, {}, {}, {}, {})
    assert env.agents == []
    assert np.array_equal(env.render(), ended)
