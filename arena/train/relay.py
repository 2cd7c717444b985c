"""`train_relay(config)`: an A2C (or PPO) team for the CartPole relay, one policy shared by every seat.

Only the baton holder's action moves the cart, so the team trains as one Gymnasium env
(`BatonEnv`): each step it sees the holder's observation (which says it holds the baton and how
long its leg has left) and its action is every seat's. Each seat of a match then plays the same
policy on its own observation. Phases: collect + learn, save, evaluate (the team of
`num_players` copies, through `play_match`: steps the pole stayed up). Every `check_freq` steps the
team is evaluated; the model the run keeps at its end is the best of those (a cart-pole learner can
collapse after reaching the top, A2C especially). Until then, every `save_freq` steps (rounded up to
whole rollouts), and when SIGINT or SIGTERM asks the run to stop, it saves the model it trains
(rl_model_N_steps.zip) with the rest of the run's state (resume-rl_model_N_steps.pkl: the games in
play, the random generators, the best model so far), the newest only; a run resumed from it
(`resume=True`) goes on exactly as it would have without stopping. With the defaults, A2C's team keeps the pole up for nearly all of
the 500 steps after 400,000 steps (489 on average over the 10 games, at least 437; under a minute on one
core); PPO's keeps it up for all 500 in about 150,000 (153,600: whole rollouts).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, ClassVar

import gymnasium
import numpy as np

from stable_baselines3.common.callbacks import BaseCallback

from arena.errors import ArenaError
from arena.held_signals import signals_held
from arena.seeding import derive_seed
from arena.train.algorithms import algorithm_class
from arena.train.checkpoints import (STOPPED_NOW, STOPPING, SaveHandler, SaveHandlerMode, check_not_past, generators,
                                     load_checkpoint, newest_checkpoint, restore_generators, save_training_state,
                                     state_path, training_state_of)
from arena.train.config import at_least_one, check_resumable, load_config, save_config
from arena.train.logs import ProgressCallback, RunLog, check_libraries, finish_run, trained_already, whole_rollouts
from arena.train.policy import PolicyAgent, write_sidecar

EVALUATION_STREAM = 1  # derive_seed key of the games that pick the best model
# What SB3 keeps of the run between rollouts beyond what its zip holds, which a resumed run goes on from: the
# observations the next rollout starts from (SB3 has no public way to hand them over) and the episode statistics.
MODEL_STATE = ("_last_obs", "_last_episode_starts", "ep_info_buffer", "ep_success_buffer")


# Tuned hyper-parameters per algorithm: a RelayConfig field left at None takes its algorithm's value.
PRESETS: dict[str, dict[str, Any]] = {
    "a2c": dict(timesteps=400_000, learning_rate=2e-3, n_steps=8, gamma=0.99, gae_lambda=0.9),
    # rl-zoo's CartPole; 600 whole rollouts of n_steps x n_envs
    "ppo": dict(timesteps=153_600, learning_rate=1e-3, n_steps=32, gamma=0.98, gae_lambda=0.8),
}


@dataclass
class RelayConfig:
    """Settings of a relay run: `algo` "a2c" (default) or "ppo"; unset hyper-parameters come from PRESETS."""

    # What a run's checkpoints hold, which a resumed run keeps: the algorithm, its network, the games in play.
    NETWORK: ClassVar[tuple[str, ...]] = ("algo", "net_arch", "n_envs", "num_players", "leg_length")

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
    save_freq: int = 50_000  # steps between checkpoints of the run (the newest is kept)
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
        at_least_one(self, "timesteps", "n_envs", "n_steps", "save_freq")


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


def train_relay(config: RelayConfig, resume: bool = False) -> Path:
    """Train the team (or, with `resume`, go on from the run's newest checkpoint); returns the run's folder (model,
    `evaluation.json`, logs). SIGINT or SIGTERM stops the run at the end of the rollout under way, saved there;
    the signal is then raised again (KeyboardInterrupt for SIGINT)."""
    import torch
    from stable_baselines3.common.callbacks import CallbackList, EvalCallback
    from stable_baselines3.common.env_util import make_vec_env

    check_libraries(config.plot)
    run_dir = Path(config.save_path) / config.run
    if resume:
        check_resumable(config, run_dir)
    total = whole_rollouts(config.timesteps, config.n_steps, config.n_envs, config.algo.upper())
    latest = newest_checkpoint(run_dir, "rl_model") if resume else None
    state = training_state_of(latest[0]) if latest is not None else None
    if latest is not None and state is None:  # the best model of a finished run: its learning rate fell to 0
        finished = _finished_at(run_dir, latest[1])
        if finished == total and not (run_dir / "evaluation.json").is_file():  # stopped while it played it
            _evaluate(latest[0], config, run_dir)
            return run_dir
        if trained_already(run_dir, finished, total, config.plot):
            return run_dir
        raise ArenaError(f"{run_dir} finished its {finished:,} steps, keeping the best model its evaluations saw "
                         f"({Path(latest[0]).name}), and its learning rate fell to 0 over them: it trains no further; "
                         "give --run NAME to train a longer run")
    if latest is not None:  # one stopped at its last step goes on to keep its best model
        check_not_past(run_dir, int(latest[1]["num_timesteps"]), total)
    torch.set_num_threads(1)
    saver = SaveHandler(run_name=config.run, save_path=config.save_path, max_saved=1,
                        mode=SaveHandlerMode.RESUME if resume else SaveHandlerMode.FORCE, quiet=True)
    save_config(config, saver.run_dir / "config.yaml")
    # "sample": false, as its evaluations play it (an export plays it so too)
    write_sidecar(saver.run_dir, {"algo": config.algo, "env": "cartpole_relay",
                                 "env_options": config.game_options(), "sample": False})
    if state is None:
        venv = make_vec_env(partial(BatonEnv, config.num_players, config.leg_length), n_envs=config.n_envs,
                            seed=config.seed)
        # Its games are seeded too, so the same seed keeps the same best model.
        evaluation_env = make_vec_env(partial(BatonEnv, config.num_players, config.leg_length), n_envs=1,
                                      seed=derive_seed(config.seed, EVALUATION_STREAM))
    else:
        venv, evaluation_env = state["env"], state["evaluation_env"]
    settings: dict[str, Any] = dict(n_steps=config.n_steps, gamma=config.gamma, gae_lambda=config.gae_lambda,
                                    ent_coef=config.ent_coef, seed=config.seed, device="cpu",
                                    policy_kwargs={"net_arch": list(config.net_arch)})
    if config.algo == "ppo":
        settings.update(batch_size=config.batch_size, n_epochs=config.n_epochs)
    # The learning rate falls linearly to 0 over the run: the team settles instead of oscillating at the top.
    model = algorithm_class(config.algo)("MlpPolicy", venv, **settings,
                                         learning_rate=lambda remaining: config.learning_rate * remaining)
    # Keep the best model the evaluations saw: the last update may have collapsed.
    keep = _KeepBest()
    best = EvalCallback(evaluation_env, n_eval_episodes=config.eval_games,
                        eval_freq=max(config.check_freq // config.n_envs, 1), callback_on_new_best=keep,
                        deterministic=True, verbose=0)
    if state is not None:
        load_checkpoint(model, latest[0], int(latest[1]["num_timesteps"]))
        for name, value in state["model"].items():
            setattr(model, name, value)
        best.n_calls, best.best_mean_reward, best.last_mean_reward, keep.saved = state["best"]
        restore_generators(state["generators"])
        print(f"resuming from step {model.num_timesteps:,} ({latest[0]})")

    def checkpoint() -> None:
        saved = {"generators": generators(), "env": venv, "evaluation_env": evaluation_env,
                 "model": {name: getattr(model, name) for name in MODEL_STATE},
                 "best": (best.n_calls, best.best_mean_reward, best.last_mean_reward, keep.saved)}
        saver.agent, saver.num_timesteps = _WithState(model, saved), model.num_timesteps
        with signals_held():  # a stop signal waits for the checkpoint to be whole, and the one before deleted
            saver.save_agent({"num_timesteps": model.num_timesteps})

    log = RunLog(saver.run_dir, total, start=model.num_timesteps)
    model.set_logger(log.sb3_logger)
    rollout = config.n_steps * config.n_envs
    try:
        # stopped between rollouts, where the run is whole to save; a second signal stops it at once
        with signals_held(STOPPING, again=STOPPED_NOW) as stop:
            checkpoints = _Checkpoints(checkpoint, math.ceil(config.save_freq / rollout) * rollout, stop)
            # collect + learn
            model.learn(total - model.num_timesteps, callback=CallbackList([ProgressCallback(log), best, checkpoints]),
                        log_interval=100, reset_num_timesteps=False)
            if stop and not checkpoints.stopping:  # it came during the last update
                checkpoint()
    finally:
        venv.close()
        log.close()
    if keep.saved is not None:
        model = algorithm_class(config.algo).load(io.BytesIO(keep.saved), device="cpu")
    # save: the best model, which the run keeps instead of the one it trained (a later run cannot go on from it)
    saver.agent, saver.num_timesteps = model, model.num_timesteps
    with signals_held():  # the best model and no state to go on from, or the checkpoint before
        path = saver.save_agent({"num_timesteps": model.num_timesteps, "finished_at": total})
        state_path(Path(path)).unlink(missing_ok=True)  # that of the model trained to those steps, if it was saved
    # evaluate
    _evaluate(path, config, saver.run_dir)
    return saver.run_dir


def _finished_at(run_dir: Path, kept: dict[str, Any]) -> int:
    """The last step of the finished run in `run_dir`, whose kept model's league state is `kept`. A run from before
    runs recorded it kept only its best model's step: its own settings (config.yaml) say where it ended."""
    if "finished_at" in kept:
        return int(kept["finished_at"])
    saved = run_dir / "config.yaml"
    if not saved.is_file():
        return int(kept["num_timesteps"])
    trained = load_config(saved, RelayConfig)
    rollout = trained.n_steps * trained.n_envs
    return -(-trained.timesteps // rollout) * rollout  # whole rollouts, as it trained them


def _evaluate(checkpoint: str, config: RelayConfig, run_dir: Path) -> None:
    """Play the team of the run's kept model and record it as the run's evaluation."""
    steps_up = evaluate_team(checkpoint, config.num_players, config.leg_length, config.eval_games, config.seed)
    finish_run(run_dir, {"steps_up": steps_up, "mean": float(np.mean(steps_up))},
               f"relay team: pole up {np.mean(steps_up):.1f} steps on average over {config.eval_games} games "
               f"(min {min(steps_up)})", config.plot)


class _KeepBest(BaseCallback):
    """Called by the evaluations on a new best model: keeps it (its SB3 zip, in memory) as `saved`."""

    def __init__(self) -> None:
        super().__init__()
        self.saved: bytes | None = None

    def _on_step(self) -> bool:
        kept = io.BytesIO()
        self.model.save(kept)
        self.saved = kept.getvalue()
        return True


class _Checkpoints(BaseCallback):
    """Saves the run (`save()`) at the start of a rollout, where the model has learned from the one before and
    nothing is half done: every `every` steps, and once a signal in `stop` asks the run to stop, which it then
    does at that rollout's first step."""

    def __init__(self, save: Callable[[], None], every: int, stop: list[int]):
        super().__init__()
        self.save, self.every, self.stop = save, every, stop
        self.stopping = False

    def _on_training_start(self) -> None:
        self.start = self.model.num_timesteps  # saved already, or step 0

    def _on_rollout_start(self) -> None:
        steps = self.model.num_timesteps
        if steps != self.start and (self.stop or steps % self.every == 0):
            self.save()
        self.stopping = bool(self.stop)

    def _on_step(self) -> bool:
        return not self.stopping


class _WithState:
    """A model whose checkpoint carries the run's training state beside its zip, written whole with it."""

    def __init__(self, model: Any, state: dict[str, Any]):
        self.model, self.state = model, state

    def save(self, path: str) -> None:
        self.model.save(path)
        save_training_state(Path(path), self.state)


def evaluate_team(checkpoint: str, num_players: int, leg_length: int, games: int, seed: int) -> list[int]:
    """Steps the pole stayed up in each of `games` relay matches of `num_players` copies of the policy."""
    from arena.envs import EnvSpec
    from arena.match import play_match

    env = EnvSpec("cartpole_relay", {"num_players": num_players, "leg_length": leg_length})
    team = [PolicyAgent(checkpoint) for _ in range(num_players)]
    return [int(play_match(env, team, seed=seed + game).agents[0].score) for game in range(games)]
