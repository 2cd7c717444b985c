"""Fighting-game training throughput, the batched native env beside worker processes, in one run.

    python bench/train_batched.py            # print the numbers
    python bench/train_batched.py --record   # also write them into bench/RESULTS.md

With the default recipe's league (`TrainConfig()`'s opponents: BrawlerAgent, RandomAgent and
self-play), shaped rewards and controls (key combinations held for 4 frames), measures policy
decisions (and game frames) per second of:
- the env only, random policy actions: `GroupedSubprocVecEnv` (8 games in 2 worker processes,
  Python engine) against `BatchedFightingVecEnv` (the games on one native batch in this process),
  with 8 games and with the recipe's number;
- PPO collect + learn: the previous recipe on worker processes (8 games in 2 processes, rollouts
  of 256 steps, batches of 256: `train.PREVIOUS`), the same hyper-parameters on the batched env,
  and the recipe (`TrainConfig()`) on the batched env, without and with 5 snapshots of the
  learner in the pool (self-play has none in a run's first segment and 5 in its last, of 6; its
  games meet them, a forward pass of each snapshot's own policy a decision);
- PPO's learning phase alone (`model.train()` on one of the recipe's rollouts).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from results import command_line, record
from train import PREVIOUS, vec_env_steps_per_second

REPEAT = 4
SNAPSHOTS = 5  # in the pool during the recipe's last segment


def envs(config, snapshots: list[str] = ()):
    from functools import partial

    from arena.train.batched import training_envs
    from arena.train.controls import Controls
    from arena.train.league import build_pool
    from arena.train.policy import PolicyAgent

    controls = Controls(config.repeat, config.combos)
    pool = build_pool(config.opponents, partial(PolicyAgent, controls=controls, sample=True))  # as train_fighter
    for path in snapshots:
        pool.add_snapshot(path)
    venv = training_envs(config, pool.opponents, controls)
    venv.env_method("set_table", pool.table())
    return venv


def ppo(config, steps: int, snapshots: list[str] = ()) -> tuple[float, float]:
    """Collect + learn without checkpoints or evaluation: decisions per second, and seconds per learning phase."""
    from stable_baselines3.common.vec_env import VecMonitor

    from arena.train.fighting import build_model

    venv = VecMonitor(envs(config, snapshots))
    model = build_model(config, venv)
    model.learn(config.n_steps * config.n_envs)  # warm-up: start-up and the first update
    started = time.perf_counter()
    model.learn(steps, reset_num_timesteps=False)
    rate = steps / (time.perf_counter() - started)
    learning = []
    for _ in range(3):
        started = time.perf_counter()
        model.train()
        learning.append(time.perf_counter() - started)
    venv.close()
    return rate, min(learning)


def snapshot_files(config, folder: Path, count: int) -> list[str]:
    """`count` saved policies of the recipe's shape (fresh weights: a forward pass costs the same)."""
    from arena.train.fighting import build_model

    model = build_model(config, envs(config))
    paths = [str(folder / f"rl_model_{i}_steps.zip") for i in range(count)]
    for path in paths:
        model.save(path)
    return paths


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per env measurement (default: 10)")
    parser.add_argument("--steps", type=int, default=81_920, help="policy steps of each PPO measurement")
    args = parser.parse_args()

    import torch

    from arena.train.config import TrainConfig

    torch.set_num_threads(1)
    load = os.getloadavg()[0]
    today = TrainConfig(**PREVIOUS)
    narrow = TrainConfig(**{**PREVIOUS, "vec_env": "batched"})
    recipe = TrainConfig()
    rows = [(f"env only, `GroupedSubprocVecEnv`, {today.n_envs} games in {today.workers} processes",
             vec_env_steps_per_second(envs(today), args.seconds)),
            (f"env only, `BatchedFightingVecEnv`, {narrow.n_envs} games",
             vec_env_steps_per_second(envs(narrow), args.seconds)),
            (f"env only, `BatchedFightingVecEnv`, {recipe.n_envs} games",
             vec_env_steps_per_second(envs(recipe), args.seconds))]
    hyper = f"n_steps {{}}, batch {{}}, {{}} epochs"
    with tempfile.TemporaryDirectory() as folder:
        snapshots = snapshot_files(recipe, Path(folder), SNAPSHOTS)
        runs = [(f"PPO collect + learn, worker processes, {today.n_envs} games in {today.workers} processes, "
                 + hyper.format(today.n_steps, today.batch_size, today.n_epochs) + " (the previous recipe)", today, []),
                (f"PPO collect + learn, batched, {narrow.n_envs} games, "
                 + hyper.format(narrow.n_steps, narrow.batch_size, narrow.n_epochs) + " (the previous recipe's)",
                 narrow, []),
                (f"PPO collect + learn, batched, {recipe.n_envs} games, "
                 + hyper.format(recipe.n_steps, recipe.batch_size, recipe.n_epochs) + " (**the recipe**)", recipe, []),
                (f"PPO collect + learn, the recipe, {SNAPSHOTS} snapshots in the pool", recipe, snapshots)]
        learned = 0.0
        for name, config, pool_snapshots in runs:
            rate, learning = ppo(config, args.steps, pool_snapshots)
            rows.append((name, rate))
            learned = learning  # the last two runs are the recipe's
    rollout = recipe.n_steps * recipe.n_envs
    rows.append((f"PPO learning phase alone, the recipe (one rollout of {rollout:,}: {learned * 1000:.0f} ms)",
                 rollout / learned))
    base = rows[3][1]
    lines = ["| loop | decisions/s | frames/s | vs PPO on worker processes |", "| --- | ---: | ---: | ---: |"]
    for name, rate in rows:
        lines.append(f"| {name} | {rate:,.0f} | {rate * REPEAT:,.0f} | {rate / base:.1f}x |")
    body = f"""
Policy steps (decisions) per second with the default recipe's league, rewards and controls; each
decision is {REPEAT} game frames. All in one run on a 2-core machine (load average {load:.1f} at the
start: other jobs share it), torch on 1 thread; the learner (policy, PPO updates) runs in the main
process.

""" + "\n".join(lines) + "\n"
    print(body)
    if args.record:
        record("Training: the batched native league env beside worker processes", body)


if __name__ == "__main__":
    main()
