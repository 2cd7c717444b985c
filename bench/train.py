"""Fighting-game training on worker processes (the previous recipe's speed), and a recipe run's result.

    python bench/train.py            # print the numbers
    python bench/train.py --record   # also write them into bench/RESULTS.md
    python bench/train.py --run checkpoints/ppo_fighter --submission submissions/ppo_fighter --workers 2 --record

Measures, with the training env of worker processes (`arena.train.league.make_env`: BrawlerAgent
opponent, shaped rewards, key combinations held for 4 frames, Python engine):
- env steps: random policy actions through the vectorized env, SB3's `SubprocVecEnv` (one env per
  process) against `GroupedSubprocVecEnv` (8 envs in 2 processes);
- the PPO loop: collect + learn with the previous recipe's hyper-parameters (`PREVIOUS`: 8 games in
  2 worker processes, rollouts of 256 steps, batches of 256), policy decisions per second
  (bench/train_batched.py puts the batched env and today's recipe beside it).
A policy step ("decision") is 4 game frames. `--no-speed` leaves those out. `--run` adds a run's
evaluation curve; `--submission` plays an exported fighter against BrawlerAgent and RandomAgent
(`--games` each, 100 by default; `--workers` processes share them, the same matches).
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import numpy as np
from results import command_line, record

REPEAT = 4
# The recipe before the batched engine: 8 games on the Python engine in 2 worker processes, rollouts of 2,048
# decisions, batches of 256.
PREVIOUS = dict(n_envs=8, workers=2, vec_env="subproc", engine="python", n_steps=256, batch_size=256, n_epochs=4,
                learning_rate=3e-4)


def vec_env_steps_per_second(vec_env, seconds: float) -> float:
    """Policy steps per second (all envs together) with random actions, after a warm-up reset."""
    vec_env.reset()
    actions = np.random.default_rng(0).integers(vec_env.action_space.n, size=(1024, vec_env.num_envs))
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        vec_env.step(actions[steps % len(actions)])
        steps += 1
    elapsed = time.perf_counter() - started
    vec_env.close()
    return steps * vec_env.num_envs / elapsed


def training_envs(config, grouped: bool):
    from stable_baselines3.common.vec_env import SubprocVecEnv

    from arena.train.controls import Controls
    from arena.train.league import build_pool, make_env, make_vec_env

    controls = Controls(config.repeat, config.combos)
    pool = build_pool(config.opponents, snapshot_agent=lambda path: None)
    if grouped:
        return make_vec_env(config, pool.opponents, controls)
    return SubprocVecEnv([partial(make_env, config, pool.opponents, controls) for _ in range(config.n_envs)])


def ppo_steps_per_second(config, steps: int) -> float:
    """The recipe's collect + learn, without checkpoints or evaluation: policy steps per second."""
    from stable_baselines3.common.vec_env import VecMonitor

    from arena.train.controls import Controls
    from arena.train.fighting import build_model
    from arena.train.league import build_pool, make_vec_env

    pool = build_pool(config.opponents, snapshot_agent=lambda path: None)
    venv = VecMonitor(make_vec_env(config, pool.opponents, Controls(config.repeat, config.combos)))
    model = build_model(config, venv)
    model.learn(config.n_steps * config.n_envs)  # warm-up: start-up and the first update
    started = time.perf_counter()
    model.learn(steps, reset_num_timesteps=False)
    elapsed = time.perf_counter() - started
    venv.close()
    return steps / elapsed


def run_section(run_dir: Path) -> str:
    """The run's evaluation curve (score rates per checkpoint) and its 100-match result, as Markdown."""
    from arena.train.checkpoints import SaveHandler, SaveHandlerMode

    from arena.train.logs import read_progress

    saver = SaveHandler(run_name=run_dir.name, save_path=str(run_dir.parent), mode=SaveHandlerMode.RESUME)
    history = saver.latest()[1]["evaluation"]["history"]
    rows = read_progress(run_dir)
    opponents = sorted({name for entry in history for name in entry["scores"] if not name.startswith("step_")})
    lines = ["| policy steps | training episode reward | " + " | ".join(f"vs {name}" for name in opponents)
             + " | vs previous | Elo |", "| ---: | ---: |" + " ---: |" * (len(opponents) + 2)]
    for entry in history:
        reward = [float(r["rollout/ep_rew_mean"]) for r in rows
                  if float(r["time/total_timesteps"]) <= entry["steps"] and r.get("rollout/ep_rew_mean")]
        previous = [score for name, score in entry["scores"].items() if name.startswith("step_")]
        cells = [f"{reward[-1]:.1f}" if reward else ""] + [f"{entry['scores'][name]:.0%}" for name in opponents]
        cells.append(f"{previous[0]:.0%}" if previous else "")
        lines.append(f"| {entry['steps']:,} | " + " | ".join(cells) + f" | {entry['rating']:.0f} |")
    return "\n".join(lines)


def versus(submission: Path, opponent: str, games: int, workers: int = 1) -> dict[str, int]:
    """A submission's wins, draws and losses in `games` matches against a scripted fighter (seats alternating,
    seeds 0..), played in `workers` processes (each match is decided by its seed alone: the same results)."""
    from concurrent.futures import ProcessPoolExecutor

    seeds = range(games)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            scores = list(pool.map(partial(scored_match, submission, opponent), seeds))
    else:
        scores = [scored_match(submission, opponent, seed) for seed in seeds]
    return {"wins": scores.count(1.0), "draws": scores.count(0.5), "losses": scores.count(0.0)}


def scored_match(submission: Path, opponent: str, seed: int) -> float:
    """One match of a submission against a scripted fighter: seed `seed`, the submission in seat `seed % 2`."""
    from arena.envs import fighting
    from arena.submission import instantiate, load
    from arena.train.evaluation import play_scored

    return play_scored(partial(instantiate, load(submission)), getattr(fighting, opponent), seed, seed % 2)


def speed_section(seconds: float, steps: int) -> str:
    """Env steps and the PPO loop in worker processes (the previous recipe's hyper-parameters), as Markdown."""
    from arena.train.config import TrainConfig

    config = TrainConfig(opponents={"based": {"weight": 1.0, "agent": "BrawlerAgent"}}, **PREVIOUS)
    plain = vec_env_steps_per_second(training_envs(TrainConfig(**{**vars(config), "n_envs": 2}), False),
                                     seconds)
    grouped = vec_env_steps_per_second(training_envs(config, True), seconds)
    ppo = ppo_steps_per_second(config, steps)
    return f"""
Policy steps (decisions) per second against BrawlerAgent; each is {REPEAT} game frames. 2 worker
processes on a 2-core machine; the learner (policy, PPO updates) runs in the main process.

| loop | decisions/s | frames/s |
| --- | ---: | ---: |
| env only, SB3 `SubprocVecEnv`, 2 envs in 2 processes | {plain:,.0f} | {plain * REPEAT:,.0f} |
| env only, `GroupedSubprocVecEnv`, {config.n_envs} envs in {config.workers} processes | {grouped:,.0f} | \
{grouped * REPEAT:,.0f} |
| PPO collect + learn (the previous recipe: {config.n_envs} envs, {config.workers} workers, n_steps {config.n_steps}, \
batch {config.batch_size}, {config.n_epochs} epochs) | **{ppo:,.0f}** | {ppo * REPEAT:,.0f} |
"""


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per env measurement (default: 20)")
    parser.add_argument("--steps", type=int, default=40_960, help="policy steps of the PPO measurement")
    parser.add_argument("--run", type=Path, help="a fighting run's folder whose evaluation curve to include")
    parser.add_argument("--submission", type=Path, help="an exported fighter to play against BrawlerAgent and RandomAgent")
    parser.add_argument("--games", type=int, default=100, help="matches against each (default: 100)")
    parser.add_argument("--workers", type=int, default=1, help="processes playing the --submission matches (default: 1)")
    parser.add_argument("--no-speed", action="store_true", help="only the --run and --submission parts")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    body = "" if args.no_speed else speed_section(args.seconds, args.steps)
    if args.run is not None:
        body += f"\nThe recipe's run (`{args.run.name}`): evaluation during training, 10 matches per opponent " \
                f"and checkpoint, score rate (draws half)\n\n{run_section(args.run)}\n"
    if args.submission is not None:
        body += (f"\n`{args.submission.as_posix()}`, {args.games} matches against each (in-process, seats "
                 f"alternating, seeds 0-{args.games - 1}):\n\n| opponent | wins | draws | losses |\n| --- | ---: | ---: | ---: |\n")
        for opponent in ("BrawlerAgent", "RandomAgent"):
            result = versus(args.submission, opponent, args.games, args.workers)
            body += f"| {opponent} | **{result['wins']}** | {result['draws']} | {result['losses']} |\n"
    print(body)
    if args.record:
        record("Training: fighting throughput and the ppo_fighter recipe", body)


if __name__ == "__main__":
    main()
