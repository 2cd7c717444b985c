"""`train_snakes(config)`: N independent PPO learners, one per snake, sharing one `SnakeVecEnv` (as marlenv's seed does).

No centralized critic: learner i sees only its own snake's egocentric window, across all
`n_envs` games at once. Each rollout step every learner picks its snake's moves for all games,
then the batch steps once:

    for each rollout:
        collect  n_steps batched steps; each learner's transitions go to its own rollout buffer
        learn    each learner's PPO update on its buffer (rows of a dead snake waiting for its
                 game to end carry no gradient)
        log      episode rewards, lengths, kills; progress
        save     every `save_freq` steps (rounded up to whole rollouts), at the end, and when SIGINT or
                 SIGTERM asks the run to stop: every learner's SB3 zip (snake_<i>_<N>_steps.zip: weights,
                 optimizer state), then the rest of the run's state (resume-snake_<N>_steps.pkl: the games
                 in play, the random generators)
    evaluate two learners against two `submissions/snake_greedy` snakes, seats alternating

A run resumed from a checkpoint (`resume=True`) goes on exactly as it would have without stopping:
interrupted and resumed, it ends with the weights of the same run trained straight through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import gymnasium
import numpy as np

from arena.errors import ArenaError
from arena.held_signals import signals_held
from arena.seeding import derive_seed
from arena.train.checkpoints import (CHECKPOINT, STOPPED_NOW, STOPPING, SaveHandler, SaveHandlerMode, check_not_past,
                                     generators, load_checkpoint, restore_generators, save_training_state,
                                     training_state_of)
from arena.train.config import at_least_one, check_resumable, save_config
from arena.train.logs import (LOG_DIR, RunLog, check_libraries, finish_run, sb3_logger, trained_already,
                              whole_rollouts)
from arena.train.policy import PolicyAgent, write_sidecar

GREEDY = Path(__file__).resolve().parents[2] / "submissions" / "snake_greedy"


@dataclass
class SnakeConfig:
    """Hyper-parameters of a snake run; the game options are `arena.envs.make("snake")`'s."""

    # What a run's checkpoints hold, which a resumed run keeps: a learner's network per snake, the games in play.
    NETWORK: ClassVar[tuple[str, ...]] = ("net_arch", "n_envs", "num_snakes", "height", "width", "vision_range",
                                          "frame_stack", "reward_dict")

    run: str = "snake_ppo"
    timesteps: int = 409_600  # batched steps x games, per learner: 200 whole rollouts of n_steps x n_envs
    seed: int = 0
    n_envs: int = 64
    num_snakes: int = 4
    height: int = 20
    width: int = 20
    vision_range: int = 5
    frame_stack: int = 2
    reward_dict: dict[str, float] = field(default_factory=lambda: {"fruit": 0.5, "kill": 0.5, "lose": -2.0,
                                                                    "time": 0.01})
    learning_rate: float = 3e-4
    n_steps: int = 32
    batch_size: int = 1024
    n_epochs: int = 4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    ent_coef: float = 0.01
    net_arch: list[int] = field(default_factory=lambda: [64, 64])
    eval_games: int = 20
    save_path: str = "checkpoints"
    save_freq: int = 102_400  # steps between checkpoints (50 rollouts); all are kept
    plot: bool = False

    def __post_init__(self) -> None:
        at_least_one(self, "timesteps", "n_envs", "n_steps", "save_freq")

    def game_options(self) -> dict[str, Any]:
        return {"num_snakes": self.num_snakes, "height": self.height, "width": self.width,
                "vision_range": self.vision_range, "frame_stack": self.frame_stack}


class _Spaces(gymnasium.Env):
    """Only the spaces of one snake: what a learner's SB3 model is built on (the batch steps outside SB3)."""

    def __init__(self, observation_space: gymnasium.Space, action_space: gymnasium.Space):
        self.observation_space = observation_space
        self.action_space = action_space


def train_snakes(config: SnakeConfig, resume: bool = False) -> Path:
    """Train one PPO learner per snake (or, with `resume`, go on from the run's newest checkpoint); returns the
    run's folder. SIGINT or SIGTERM stops the run at the end of the rollout under way, saved there; the signal
    is then raised again (KeyboardInterrupt for SIGINT)."""
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.utils import obs_as_tensor, set_random_seed
    from stable_baselines3.common.vec_env import DummyVecEnv

    from arena.envs.snake import SnakeVecEnv

    check_libraries(config.plot)
    run_dir = Path(config.save_path) / config.run
    if resume:
        check_resumable(config, run_dir)
    latest = _newest_state(run_dir) if resume else None
    if resume and latest is None:
        raise ArenaError(f"{run_dir}: its checkpoints hold no training state to go on from (resume-snake_N_steps.pkl; "
                         "an earlier arena saved none): give --run NAME to train a new run")
    total = whole_rollouts(config.timesteps, config.n_steps, config.n_envs, "each snake's PPO")
    if latest is not None:
        check_not_past(run_dir, latest[0], total)
        # A run stopped at its last step goes on to its evaluation; one that made it has nothing more to do.
        if (run_dir / "evaluation.json").is_file() and trained_already(run_dir, latest[0], total, config.plot):
            return run_dir
    torch.set_num_threads(1)
    set_random_seed(config.seed)
    saver = SaveHandler(run_name=config.run, save_path=config.save_path, max_saved=-1,
                        mode=SaveHandlerMode.RESUME if resume else SaveHandlerMode.FORCE, quiet=True)
    (saver.run_dir / "evaluation.json").unlink(missing_ok=True)  # a resumed run's is of the steps before
    save_config(config, saver.run_dir / "config.yaml")
    # "sample": false, as its evaluation plays it (an export plays it so too)
    write_sidecar(saver.run_dir, {"algo": "ppo", "env": "snake", "env_options": config.game_options(),
                                 "sample": False})
    if latest is None:
        vec = SnakeVecEnv(n_envs=config.n_envs, reward_dict=config.reward_dict, **config.game_options())
    else:
        vec = latest[1]["env"]
    spaces_only = DummyVecEnv([partial(_Spaces, vec.observation_space, vec.action_space)] * config.n_envs)
    learners = [PPO("MlpPolicy", spaces_only, learning_rate=config.learning_rate, n_steps=config.n_steps,
                    batch_size=config.batch_size, n_epochs=config.n_epochs, gamma=config.gamma,
                    gae_lambda=config.gae_lambda, ent_coef=config.ent_coef, seed=derive_seed(config.seed, i),
                    device="cpu", policy_kwargs={"net_arch": list(config.net_arch)}) for i in range(config.num_snakes)]
    if latest is None:
        obs, _ = vec.reset(seed=config.seed)
        starts = np.ones((config.n_envs, config.num_snakes), bool)
        episodes = _EpisodeTally(config.n_envs, config.num_snakes)
        steps = 0
    else:
        steps, state = latest
        for i, learner in enumerate(learners):
            load_checkpoint(learner, saver.run_dir / f"snake_{i}_{steps}_steps.zip", steps)
        obs, starts, episodes = state["obs"], state["starts"], state["episodes"]
        restore_generators(state["generators"])
        print(f"resuming from step {steps:,}")
    for i, learner in enumerate(learners):  # each learner's train/* scalars in logs/snake_<i>/
        learner.set_logger(sb3_logger(saver.run_dir / LOG_DIR / f"snake_{i}", steps))
    log = RunLog(saver.run_dir, total, start=steps)
    rollout = config.n_steps * config.n_envs
    every = math.ceil(config.save_freq / rollout) * rollout
    paths = [str(saver.run_dir / f"snake_{i}_{steps}_steps.zip") for i in range(config.num_snakes)]
    try:
        # stopped between rollouts, where the run is whole to save; a second signal stops it at once
        with signals_held(STOPPING, again=STOPPED_NOW) as stop:
            while steps < total and not stop:
                # collect
                active = np.zeros((config.n_steps, config.n_envs, config.num_snakes), bool)
                for learner in learners:
                    learner.rollout_buffer.reset()
                    learner.policy.set_training_mode(False)
                for t in range(config.n_steps):
                    with torch.no_grad():
                        outputs = [learner.policy(obs_as_tensor(obs[:, i], "cpu")) for i, learner in enumerate(learners)]
                    actions = np.stack([a.numpy() for a, _, _ in outputs], 1)
                    next_obs, rewards, terminations, truncations, infos = vec.step(actions)
                    active[t] = infos["active"]
                    rewards = rewards + _bootstrap(learners, truncations, infos, config.gamma)
                    for i, (learner, (action, value, log_prob)) in enumerate(zip(learners, outputs)):
                        learner.rollout_buffer.add(obs[:, i], action.numpy(), rewards[:, i], starts[:, i], value, log_prob)
                    starts = terminations | truncations | infos["done"][:, None]
                    episodes.add(rewards, active[t], infos)
                    obs = next_obs
                # learn
                steps += config.n_steps * config.n_envs
                for i, learner in enumerate(learners):
                    with torch.no_grad():
                        last_values = learner.policy.predict_values(obs_as_tensor(obs[:, i], "cpu"))
                    buffer = learner.rollout_buffer
                    buffer.compute_returns_and_advantage(last_values=last_values, dones=starts[:, i])
                    waiting = ~active[:, :, i]  # a dead snake's rows until its game restarts: no gradient
                    buffer.advantages[waiting] = 0.0
                    buffer.returns[waiting] = buffer.values[waiting]
                    learner.num_timesteps = steps
                    learner.train()
                    learner.logger.record("time/total_timesteps", steps)
                    learner.logger.dump(steps)  # its train/* scalars: SB3's learn() would dump them
                # log
                episodes.log(log.sb3_logger)
                log.sb3_logger.record("time/total_timesteps", steps)
                log.sb3_logger.dump(steps)
                log.rollout(steps, episodes.status())
                # save
                if stop or steps % every == 0 or steps == total:
                    paths = _save_checkpoint(saver, learners, steps, {"env": vec, "obs": obs, "starts": starts,
                                                                      "episodes": episodes})
    finally:
        log.close()
    # evaluate
    evaluation = evaluate_against_greedy(paths[:2], config, games=config.eval_games)
    won = evaluation["wins"]
    finish_run(saver.run_dir, evaluation, f"snake learners against greedy, 2 each, {config.eval_games} games: "
               f"learners won {won['learners']}, greedy {won['greedy']}, {won['draws']} drawn (the best-ranked snake "
               f"wins, as arena match counts); mean score {evaluation['learners']:.1f} vs {evaluation['greedy']:.1f}",
               config.plot)
    return saver.run_dir


def _save_checkpoint(saver: SaveHandler, learners: list[Any], steps: int, state: dict[str, Any]) -> list[str]:
    """Every learner's checkpoint at `steps`, then the run's training state (`state` and the random generators):
    the checkpoint a resumed run goes on from is the newest whole one. A stop signal waits for all of it."""
    paths = []
    with signals_held():
        for i, learner in enumerate(learners):
            saver.agent, saver.name_prefix, saver.num_timesteps = learner, f"snake_{i}", steps
            paths.append(saver.save_agent({"num_timesteps": steps, "learner": i}))
        save_training_state(saver.run_dir / f"snake_{steps}_steps.zip", {
            **state, "generators": generators()})
    return paths


def _newest_state(run_dir: Path) -> tuple[int, dict[str, Any]] | None:
    """The steps and training state of the newest whole checkpoint of the snake run in `run_dir`, if any."""
    saved = sorted(int(found.group(1)) for path in run_dir.glob("resume-snake_*_steps.pkl")
                   if (found := CHECKPOINT.search(path.with_suffix(".zip").name)))
    return (saved[-1], training_state_of(run_dir / f"snake_{saved[-1]}_steps.zip")) if saved else None


def _bootstrap(learners: list[Any], truncations: np.ndarray, infos: dict[str, Any], gamma: float) -> np.ndarray:
    """gamma x V(last observation) for snakes cut off by the step limit (not a real end), as SB3 does."""
    import torch
    from stable_baselines3.common.utils import obs_as_tensor

    extra = np.zeros(truncations.shape, np.float32)
    if not truncations.any():
        return extra
    games = np.flatnonzero(infos["done"])
    finals = infos["final_observation"]
    for i, learner in enumerate(learners):
        cut = truncations[games, i]
        if cut.any():
            with torch.no_grad():
                values = learner.policy.predict_values(obs_as_tensor(finals[cut, i], "cpu")).numpy()[:, 0]
            extra[games[cut], i] = gamma * values
    return extra


class _EpisodeTally:
    """Per-snake episode rewards, lengths and kills of the games finished since the last log."""

    def __init__(self, n_envs: int, num_snakes: int):
        self.running = np.zeros((n_envs, num_snakes))
        self.finished: list[tuple[float, int, int]] = []
        self.last: list[tuple[float, int, int]] = []

    def add(self, rewards: np.ndarray, active: np.ndarray, infos: dict[str, Any]) -> None:
        self.running += rewards * active
        for game in np.flatnonzero(infos["done"]):
            for snake in range(self.running.shape[1]):
                self.finished.append((self.running[game, snake], int(infos["length"][game, snake]),
                                      int(infos["kills"][game, snake])))
            self.running[game] = 0.0

    def log(self, logger: Any) -> None:
        if self.finished:
            rewards, lengths, kills = np.array(self.finished).T
            logger.record("rollout/ep_rew_mean", float(rewards.mean()))
            logger.record("snake/length", float(lengths.mean()))
            logger.record("snake/kills", float(kills.mean()))
        self.last = self.finished
        self.finished = []

    def status(self) -> str:
        if not self.last:
            return ""
        rewards, lengths, _ = np.array(self.last).T
        return f"reward {rewards.mean():.2f}  length {lengths.mean():.1f}"


def evaluate_against_greedy(learners: list[str], config: SnakeConfig, games: int) -> dict[str, Any]:
    """Two learners against two greedy snakes, seats alternating, as `arena match LEARNER snake_greedy` seats them:
    games won by each side (its snake ranked first alone) and drawn, and each side's mean match score (steps
    survived + length share)."""
    from arena.envs import EnvSpec
    from arena.match import play_match
    from arena.submission import instantiate, load

    greedy = load(GREEDY)
    env = EnvSpec("snake", {**config.game_options(), "num_snakes": 4})
    scores: dict[str, list[float]] = {"learners": [], "greedy": []}
    wins = {"learners": 0, "greedy": 0, "draws": 0}
    for game in range(games):
        mine = [PolicyAgent(path) for path in learners]
        theirs = [instantiate(greedy) for _ in range(2)]
        seats = [mine[0], theirs[0], mine[1], theirs[1]] if game % 2 == 0 else [theirs[0], mine[0], theirs[1], mine[1]]
        result = play_match(env, seats, seed=config.seed + game)
        side = {seat.name: "learners" if isinstance(agent, PolicyAgent) else "greedy"
                for agent, seat in zip(seats, result.agents)}
        for seat in result.agents:
            scores[side[seat.name]].append(seat.score)
        wins[side[result.winner] if result.winner is not None else "draws"] += 1
    return {"learners": float(np.mean(scores["learners"])), "greedy": float(np.mean(scores["greedy"])),
            "wins": wins, "scores": scores}
