"""`train_relay(config)`: an A2C (or PPO) team for the CartPole relay, one policy shared by every seat.

Only the baton holder's action moves the cart, so the team trains as one Gymnasium env
(`BatonEnv`): each step it sees the holder's observation (which says it holds the baton and how
long its leg has left) and its action is every seat's. Each seat of a match then plays the same
policy on its own observation. Phases: collect + learn, save, evaluate (the team of
`num_players` copies, through `play_match`: steps the pole stayed up). Every `check_freq` steps the
team is evaluated; the model saved is the best of those (a cart-pole learner can collapse after
reaching the top, A2C especially). With the defaults, A2C's team keeps the pole up for nearly all of
the 500 steps after 400,000 steps (489 on average over the 10 games, at least 437; under a minute on one
core); PPO's keeps it up for all 500 in about 150,000 (153,600: whole rollouts).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import gymnasium
import numpy as np

from arena.seeding import derive_seed
from arena.train.algorithms import algorithm_class
from arena.train.checkpoints import SaveHandler, SaveHandlerMode
from arena.train.config import at_least_one, save_config
from arena.train.logs import ProgressCallback, RunLog, check_libraries, finish_run, whole_rollouts
from arena.train.policy import SIDECAR, PolicyAgent

EVALUATION_STREAM = 1  # derive_seed key of the games that pick the best model
# Where the evaluations keep their best model until it is saved as the run's checkpoint: out of the run's own
# files, so that a run stopped before then is one without a checkpoint, which the same command starts again.
BEST = ".best"


# Tuned hyper-parameters per algorithm: a RelayConfig field left at None takes its algorithm's value.
PRESETS: dict[str, dict[str, Any]] = {
    "a2c": dict(timesteps=400_000, learning_rate=2e-3, n_steps=8, gamma=0.99, gae_lambda=0.9),
    # rl-zoo's CartPole; 600 whole rollouts of n_steps x n_envs
    "ppo": dict(timesteps=153_600, learning_rate=1e-3, n_steps=32, gamma=0.98, gae_lambda=0.8),
}


@dataclass
class RelayConfig:
    """Settings of a relay run: `algo` "a2c" (default) or "ppo"; unset hyper-parameters come from PRESETS."""

    run: str = "relay"
    algo: str = "a2c"
    timesteps: int | None = None
    seed: int = 0
    n_envs: int = 8
    num_players: int = 3
    leg_length: int = 50
    learning_rate: float | None = None  # falls linearly to 0 over the run
    n_steps: int | None = None
    gamma: float | None = None
    gae_lambda: float | None = None
    batch_size: int = 256  # PPO only, as n_epochs
    n_epochs: int = 20
    ent_coef: float = 0.0
    net_arch: list[int] = field(default_factory=lambda: [64, 64])
    eval_games: int = 10
    check_freq: int = 10_000  # steps between evaluations of the team (the best one is kept)
    save_path: str = "checkpoints"
    plot: bool = False

    def game_options(self) -> dict[str, Any]:
        """The relay's options the team plays with (what an exported submission's manifest states)."""
        return {"num_players": self.num_players, "leg_length": self.leg_length}

    def __post_init__(self) -> None:
        if self.algo not in PRESETS:
            raise ValueError(f"relay: algo must be one of {', '.join(PRESETS)}, got {self.algo!r}")
        for name, value in PRESETS[self.algo].items():
            if getattr(self, name) is None:
                setattr(self, name, value)
        at_least_one(self, "timesteps", "n_envs", "n_steps")


class BatonEnv(gymnasium.Env):
    """The relay seen by the team: the baton holder's observation; the action is every seat's; the team reward."""

    def __init__(self, num_players: int = 3, leg_length: int = 50):
        from arena.envs import make_raw

        self.relay = make_raw("cartpole_relay", num_players=num_players, leg_length=leg_length)
        self.seats = list(self.relay.possible_agents)
        self.observation_space = self.relay.observation_space(self.seats[0])
        self.action_space = self.relay.action_space(self.seats[0])
        self._holder = self.seats[0]

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        observations, _ = self.relay.reset(seed=seed)
        return self._held(observations), {}

    def step(self, action: Any):
        observations, rewards, terminations, truncations, _ = self.relay.step(dict.fromkeys(self.seats, int(action)))
        seat = self.seats[0]
        return (self._held(observations), float(rewards[seat]), bool(terminations[seat]), bool(truncations[seat]), {})

    def _held(self, observations: dict[str, np.ndarray]) -> np.ndarray:
        return observations[self.seats[self.relay.unwrapped.baton % len(self.seats)]]


def train_relay(config: RelayConfig) -> Path:
    """Train the team; returns the run's folder (model, `evaluation.json`, logs)."""
    import torch
    from stable_baselines3.common.callbacks import CallbackList, EvalCallback
    from stable_baselines3.common.env_util import make_vec_env

    check_libraries(config.plot)
    torch.set_num_threads(1)
    saver = SaveHandler(run_name=config.run, save_path=config.save_path, max_saved=1, mode=SaveHandlerMode.FORCE)
    save_config(config, saver.run_dir / "config.yaml")
    # "sample": false, as its evaluations play it (an export plays it so too)
    (saver.run_dir / SIDECAR).write_text(json.dumps({"algo": config.algo, "env": "cartpole_relay",
                                                     "env_options": config.game_options(), "sample": False}))
    venv = make_vec_env(partial(BatonEnv, config.num_players, config.leg_length), n_envs=config.n_envs,
                        seed=config.seed)
    settings: dict[str, Any] = dict(n_steps=config.n_steps, gamma=config.gamma, gae_lambda=config.gae_lambda,
                                    ent_coef=config.ent_coef, seed=config.seed, device="cpu",
                                    policy_kwargs={"net_arch": list(config.net_arch)})
    if config.algo == "ppo":
        settings.update(batch_size=config.batch_size, n_epochs=config.n_epochs)
    # The learning rate falls linearly to 0 over the run: the team settles instead of oscillating at the top.
    model = algorithm_class(config.algo)("MlpPolicy", venv, **settings,
                                         learning_rate=lambda remaining: config.learning_rate * remaining)
    total = whole_rollouts(config.timesteps, config.n_steps, config.n_envs, config.algo.upper())
    log = RunLog(saver.run_dir, total)
    model.set_logger(log.sb3_logger)
    # Keep the best model the evaluations saw: the last update may have collapsed.
    # Its games are seeded too, so the same seed keeps the same best model.
    evaluation_env = make_vec_env(partial(BatonEnv, config.num_players, config.leg_length), n_envs=1,
                                  seed=derive_seed(config.seed, EVALUATION_STREAM))
    best_dir = saver.run_dir / BEST
    best = EvalCallback(evaluation_env, n_eval_episodes=config.eval_games,
                        eval_freq=max(config.check_freq // config.n_envs, 1), best_model_save_path=str(best_dir),
                        deterministic=True, verbose=0)
    try:
        # collect + learn
        model.learn(total, callback=CallbackList([ProgressCallback(log), best]), log_interval=100)
        best_zip = best_dir / "best_model.zip"
        if best_zip.is_file():
            model = algorithm_class(config.algo).load(best_zip, device="cpu")
    finally:
        venv.close()
        log.close()
        shutil.rmtree(best_dir, ignore_errors=True)
    # save
    saver.agent, saver.num_timesteps = model, model.num_timesteps
    path = saver.save_agent({"num_timesteps": model.num_timesteps})
    # evaluate
    steps_up = evaluate_team(path, config.num_players, config.leg_length, config.eval_games, config.seed)
    finish_run(saver.run_dir, {"steps_up": steps_up, "mean": float(np.mean(steps_up))},
               f"relay team: pole up {np.mean(steps_up):.1f} steps on average over {config.eval_games} games "
               f"(min {min(steps_up)})", config.plot)
    return saver.run_dir


def evaluate_team(checkpoint: str, num_players: int, leg_length: int, games: int, seed: int) -> list[int]:
    """Steps the pole stayed up in each of `games` relay matches of `num_players` copies of the policy."""
    from arena.envs import EnvSpec
    from arena.match import play_match

    env = EnvSpec("cartpole_relay", {"num_players": num_players, "leg_length": leg_length})
    team = [PolicyAgent(checkpoint) for _ in range(num_players)]
    return [int(play_match(env, team, seed=seed + game).agents[0].score) for game in range(games)]
