"""The batched league env (`arena.train.batched`) and vectorised opponents (`arena.train.vector_agents`):
the same games as the per-game path, decision for decision, and `arena train fighting` on it."""

import json
from functools import partial
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("stable_baselines3")

import torch  # noqa: E402
from stable_baselines3.common.vec_env import DummyVecEnv  # noqa: E402

from arena.envs import make_raw  # noqa: E402
from arena.envs.fighting import BasedAgent, BrawlerAgent, ClockworkAgent, ConstantAgent, RandomAgent  # noqa: E402
from arena.envs.fighting.native import make_batch  # noqa: E402
from arena.envs.seat import seat_view  # noqa: E402
from arena.train import TrainConfig, export_run, train_fighter  # noqa: E402
from arena.train.algorithms import algorithm_class  # noqa: E402
from arena.train.batched import BatchedFightingVecEnv, training_envs  # noqa: E402
from arena.train.controls import Controls  # noqa: E402
from arena.train.fighting import build_model  # noqa: E402
from arena.train.league import Opponent, build_pool, make_env  # noqa: E402
from arena.train.policy import SIDECAR, PolicyAgent  # noqa: E402
from arena.train.vector_agents import VectorBrawler, VectorPolicy, vector_agent  # noqa: E402

SCRIPTED = [ConstantAgent, RandomAgent, BasedAgent, BrawlerAgent, ClockworkAgent]


def recorded_observations(games: int = 6, frames: int = 900) -> tuple[np.ndarray, list[int]]:
    """Both seats' observations, frame by frame, of native matches where BrawlerAgent meets random keys
    (shape (frames, games, 2, 64)); and each game's seed."""
    seeds = list(range(11, 11 + games))
    batch = make_batch(games, seeds, autoreset=False)
    brawler, rng = VectorBrawler(games), np.random.default_rng(5)
    everyone = np.arange(games)
    brawler.reset(everyone, seeds)
    keys = np.zeros((games, 2, 10), np.float32)
    seen = []
    for _ in range(frames):
        seen.append(batch.observations.copy())
        keys[:, 0] = brawler.act(everyone, batch.observations[:, 0])
        keys[:, 1] = rng.random((games, 10)) < 0.25
        batch.step(keys)
    return np.array(seen), seeds


@pytest.mark.parametrize("agent_class", SCRIPTED, ids=lambda c: c.__name__)
def test_vectorised_scripted_agents_press_the_same_keys_as_the_agents(agent_class):
    seen, seeds = recorded_observations()
    vector = vector_agent(Opponent(1.0, agent_class), len(seeds))
    games = np.arange(len(seeds))
    vector.reset(games, seeds)
    env = make_raw("fighting")
    agents = []
    for seed in seeds:
        agent = agent_class()
        agent.get_env_info(seat_view(env, "player_1", seed))
        agent.reset()
        agents.append(agent)
    pressed = 0
    for frame in seen:
        expected = np.array([agent.predict(obs) for agent, obs in zip(agents, frame[:, 1])]) > 0.5
        got = vector.act(games, frame[:, 1]) > 0.5
        assert np.array_equal(got, expected)
        pressed += int(expected.sum())
    assert agent_class is ConstantAgent or pressed > 0


def test_vectorised_brawler_takes_every_branch():
    """The recorded matches reach the brawler's attacks, recoveries, pickups and walks."""
    seen, seeds = recorded_observations()
    vector, games = VectorBrawler(len(seeds)), np.arange(len(seeds))
    vector.reset(games, seeds)
    keys = np.concatenate([vector.act(games, frame[:, 0]) for frame in seen]) > 0.5
    for key in (1, 2, 3, 4, 5, 7, 8):  # a, s, d, space, h, j, k
        assert keys[:, key].any()


def league(opponents: dict) -> tuple[TrainConfig, Controls, object]:
    # The per-game envs play on the reference engine: the batched env must match it decision for decision.
    config = TrainConfig(n_envs=4, opponents=opponents, engine="python")
    controls = Controls(config.repeat, config.combos)
    return config, controls, build_pool(config.opponents, partial(PolicyAgent, controls=controls, sample=True))


def snapshot(folder: Path, controls: Controls, seed: int) -> str:
    """A saved, untrained policy with its sidecar, as the training loop writes them."""
    config = TrainConfig(net_arch=[32, 32], seed=seed)
    model = build_model(config, DummyVecEnv([partial(make_env, config, {"c": Opponent(1.0, ConstantAgent)},
                                                     controls)]))
    folder.mkdir(exist_ok=True)
    (folder / SIDECAR).write_text(json.dumps({"algo": "ppo", "env": "fighting", "env_options": {},
                                              "controls": controls.to_dict()}))
    path = folder / f"rl_model_{seed}_steps.zip"
    model.save(path)
    return str(path)


def assert_plays_like_the_per_game_envs(config, controls, pool, decisions: int) -> int:
    """Step the per-game league envs and the batched env with the same actions; returns the episodes ended."""
    reference = DummyVecEnv([partial(make_env, config, pool.opponents, controls) for _ in range(config.n_envs)])
    batched = BatchedFightingVecEnv(config.n_envs, pool.opponents, controls, config.approach, config.off_stage)
    for venv in (reference, batched):
        venv.seed(7)
        venv.env_method("set_table", pool.table())
    assert np.array_equal(reference.reset(), batched.reset())
    rng, ended, met = np.random.default_rng(0), 0, set()
    for _ in range(decisions):
        actions = rng.integers(controls.action_space().n, size=config.n_envs)
        obs, rewards, dones, infos = reference.step(actions)
        obs_b, rewards_b, dones_b, infos_b = batched.step(actions)
        assert np.array_equal(obs, obs_b) and np.array_equal(rewards, rewards_b) and np.array_equal(dones, dones_b)
        for info, info_b in zip(infos, infos_b):
            if "league" in info:
                ended += 1
                met.add(info["league"]["opponent"])
                assert info["league"] == info_b["league"]
                assert info["TimeLimit.truncated"] == info_b["TimeLimit.truncated"]
                assert np.array_equal(info["terminal_observation"], info_b["terminal_observation"])
                assert info["reward_terms"] == pytest.approx(info_b["reward_terms"], abs=1e-9)
    reference.close()
    return ended


def test_the_batched_env_plays_like_the_per_game_envs_against_scripted_opponents():
    config, controls, pool = league({"based": {"weight": 2.0, "agent": "BrawlerAgent"},
                                     "random": {"weight": 1.0, "agent": "RandomAgent"},
                                     "simple": {"weight": 1.0, "agent": "BasedAgent"}})
    assert assert_plays_like_the_per_game_envs(config, controls, pool, 400) >= 4


def test_the_batched_env_plays_like_the_per_game_envs_against_snapshots(tmp_path):
    config, controls, pool = league({"based": {"weight": 1.0, "agent": "BrawlerAgent"},
                                     "self_play": {"weight": 4.0, "sampling": "uniform"}})
    pool.add_snapshot(snapshot(tmp_path / "run", controls, 1))
    pool.add_snapshot(snapshot(tmp_path / "run", controls, 2))
    assert assert_plays_like_the_per_game_envs(config, controls, pool, 300) >= 4


@pytest.mark.parametrize("sample", [True, False])
def test_a_vectorised_snapshot_decides_as_its_policy_agents(tmp_path, sample):
    """Every game's action is the one its own `PolicyAgent` draws (or takes, greedy) from the same match seed."""
    controls = Controls()
    path = snapshot(tmp_path / "run", controls, 3)
    seen, seeds = recorded_observations(games=6, frames=120)
    self_play = build_pool({"s": {"sampling": "latest"}}, partial(PolicyAgent, controls=controls, sample=sample))
    vector = vector_agent(self_play.opponents["s"], len(seeds), path)
    assert isinstance(vector, VectorPolicy)
    games = np.arange(len(seeds))
    vector.reset(games, seeds)
    env = make_raw("fighting")
    agents = []
    for seed in seeds:
        agent = PolicyAgent(path, controls, sample)
        agent.get_env_info(seat_view(env, "player_1", seed))
        agent.reset()
        agents.append(agent)
    chosen = set()
    for frame in seen:
        expected = np.array([agent.predict(obs) for agent, obs in zip(agents, frame[:, 1])])
        assert np.array_equal(vector.act(games, frame[:, 1]), expected)
        chosen |= {tuple(keys) for keys in expected}
    assert len(chosen) > (1 if sample else 0)


def test_pools_with_submissions_train_in_worker_processes():
    config, controls, pool = league({"based": {"weight": 1.0, "agent": "BrawlerAgent"}})
    venv = training_envs(config, pool.opponents, controls)
    assert isinstance(venv, BatchedFightingVecEnv)
    config = TrainConfig(n_envs=2, workers=1, opponents={"rival": {"submission": "submissions/ppo_fighter"}})
    venv = training_envs(config, build_pool(config.opponents, PolicyAgent).opponents, controls)
    assert not isinstance(venv, BatchedFightingVecEnv)
    venv.close()


def tiny_config(save_path: Path, **overrides) -> TrainConfig:
    """Two segments of 512 policy steps on four batched games, a snapshot and an evaluation game after each."""
    settings = dict(run="tiny", save_path=str(save_path), timesteps=1024, n_envs=4, n_steps=128, batch_size=256,
                    n_epochs=2, net_arch=[32, 32], save_freq=512, eval_freq=512, eval_games=1,
                    eval_opponents=["ConstantAgent"], imitate="",
                    opponents={"based": {"weight": 1.0, "agent": "BrawlerAgent"},
                               "random": {"weight": 1.0, "agent": "RandomAgent"},
                               "self_play": {"weight": 2.0, "sampling": "pfsp"}})
    return TrainConfig(**{**settings, **overrides})


def checkpoint(run: Path, steps: int) -> tuple[dict, dict]:
    """A checkpoint's weights and league state (the run's folder taken out of snapshot paths)."""
    weights = algorithm_class("ppo").load(run / f"rl_model_{steps}_steps.zip", device="cpu").policy.state_dict()
    state = json.loads((run / f"league-rl_model_{steps}_steps.json").read_text().replace(str(run), "RUN"))
    return weights, state


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same batched run twice straight through, and once stopped after one segment then resumed."""
    root = tmp_path_factory.mktemp("batched_runs")
    first = train_fighter(tiny_config(root / "first"))
    second = train_fighter(tiny_config(root / "second"))
    train_fighter(tiny_config(root / "resumed", timesteps=512))
    resumed = train_fighter(tiny_config(root / "resumed"), resume=True)
    return first, second, resumed


def test_batched_runs_are_deterministic_and_resume_as_uninterrupted(runs):
    first, *others = runs
    weights, state = checkpoint(first, 1024)
    assert state["pool"]["snapshots"] == ["RUN/rl_model_512_steps.zip", "RUN/rl_model_1024_steps.zip"]
    assert sum(sum(record) for record in state["pool"]["records"].values()) > 0  # episodes were recorded
    assert [entry["steps"] for entry in state["evaluation"]["history"]] == [512, 1024]
    for other in others:
        other_weights, other_state = checkpoint(other, 1024)
        assert other_state == state
        assert all(torch.equal(weights[name], other_weights[name]) for name in weights)


def test_a_batched_run_exports_a_submission(runs, tmp_path):
    out = export_run("tiny", tmp_path / "tiny_fighter", save_path=str(runs[2].parent))
    assert sorted(p.name for p in out.iterdir()) == ["agent.py", "arena.toml", "model.zip", "policy.json"]


def test_snapshots_the_pool_lets_go_of_are_dropped(tmp_path):
    config, controls, pool = league({"self_play": {"weight": 1.0, "sampling": "latest"}})
    first = snapshot(tmp_path / "run", controls, 1)
    pool.add_snapshot(first)
    venv = BatchedFightingVecEnv(config.n_envs, pool.opponents, controls)
    venv.set_table(pool.table())
    venv.reset()
    venv.step(np.zeros(config.n_envs, np.int64))
    assert list(venv.models) == [first]
    pool.add_snapshot(snapshot(tmp_path / "run", controls, 2), keep=1)
    venv.set_table(pool.table())
    assert list(venv.models) == [first]  # its games still meet it until their episodes end
    venv.current = [("self_play", pool.snapshots[0])] * config.n_envs
    venv.set_table(pool.table())
    assert list(venv.models) == [] and list(venv.agents) == []


def test_the_per_game_envs_play_on_the_configured_engine():
    controls = Controls()
    for engine in ("native", "python"):
        env = make_env(TrainConfig(engine=engine), {"c": Opponent(1.0, ConstantAgent)}, controls)
        assert env.unwrapped.env.unwrapped.engine == engine
    with pytest.raises(ValueError, match="engine must be one of native, python"):
        TrainConfig(engine="fast")
