"""Fighting-game training throughput, the batched native env beside worker processes, in one run.

    python bench/train_batched.py            # print the numbers
    python bench/train_batched.py --record   # also write them into bench/RESULTS.md

With the default recipe's league (`TrainConfig()`'s opponents: BrawlerAgent, RandomAgent and
self-play, which has no snapshot yet so its share goes to the others), shaped rewards and
controls (key combinations held for 4 frames), measures policy decisions (and game frames) per
second of:
- the env only, random policy actions: `GroupedSubprocVecEnv` (8 games in 2 worker
  processes, Python engine) against `BatchedFightingVecEnv` (the games on one native batch in
  this process), with 8 and 64 games;
- PPO collect + learn with the recipe's hyper-parameters (rollouts of 2,048 decisions, batches of
  256, 4 epochs): worker processes (the previous default), the batched env with the recipe's 8
  games, and the batched env with 64 games of 32 steps (the same rollout size);
- PPO's learning phase alone (`model.train()` on one rollout): the ceiling of collect + learn.
"""

from __future__ import annotations

import argparse
import os
import time

from results import record
from train import vec_env_steps_per_second

REPEAT = 4


def envs(config):
    from functools import partial

    from arena.train.batched import training_envs
    from arena.train.controls import Controls
    from arena.train.league import build_pool
    from arena.train.policy import PolicyAgent

    controls = Controls(config.repeat, config.combos)
    pool = build_pool(config.opponents, partial(PolicyAgent, controls=controls, sample=True))  # as train_fighter
    return training_envs(config, pool.opponents, controls)


def ppo(config, steps: int) -> tuple[float, float]:
    """Collect + learn without checkpoints or evaluation: decisions per second, and seconds per learning phase."""
    from stable_baselines3.common.vec_env import VecMonitor

    from arena.train.fighting import build_model

    venv = VecMonitor(envs(config))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", action="store_true", help="write the results into bench/RESULTS.md")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per env measurement (default: 10)")
    parser.add_argument("--steps", type=int, default=40_960, help="policy steps of each PPO measurement")
    args = parser.parse_args()

    import torch

    from arena.train.config import TrainConfig

    torch.set_num_threads(1)
    load = os.getloadavg()[0]
    today = TrainConfig(vec_env="subproc")
    batched = TrainConfig()
    wide = TrainConfig(n_envs=64, n_steps=32)
    rows = [(f"env only, `GroupedSubprocVecEnv`, {today.n_envs} games in {today.workers} processes",
             vec_env_steps_per_second(envs(today), args.seconds)),
            (f"env only, `BatchedFightingVecEnv`, {batched.n_envs} games",
             vec_env_steps_per_second(envs(batched), args.seconds)),
            (f"env only, `BatchedFightingVecEnv`, {wide.n_envs} games",
             vec_env_steps_per_second(envs(wide), args.seconds))]
    learned = []
    for name, config in ((f"PPO collect + learn, worker processes ({today.n_envs} games in {today.workers} processes, "
                          f"n_steps {today.n_steps}: the previous default)", today),
                         (f"PPO collect + learn, batched, {batched.n_envs} games, n_steps {batched.n_steps} "
                          "(the recipe)", batched),
                         (f"PPO collect + learn, batched, {wide.n_envs} games, n_steps {wide.n_steps}", wide)):
        rate, learning = ppo(config, args.steps)
        rows.append((name, rate))
        learned.append(learning)
    rollout = today.n_steps * today.n_envs
    ceiling = rollout / min(learned)
    rows.append((f"PPO learning phase alone (one rollout of {rollout:,}: {min(learned) * 1000:.0f} ms)", ceiling))
    base = rows[3][1]
    lines = ["| loop | decisions/s | frames/s | vs PPO on worker processes |", "| --- | ---: | ---: | ---: |"]
    for name, rate in rows:
        lines.append(f"| {name} | {rate:,.0f} | {rate * REPEAT:,.0f} | {rate / base:.1f}x |")
    body = f"""
Policy steps (decisions) per second with the default recipe's league, rewards and controls; each
decision is {REPEAT} game frames. All in one run on a 2-core machine (load average {load:.1f} at the
start: other jobs share it), torch on 1 thread; the learner (policy, PPO updates) runs in the main
process. The learning phase alone bounds collect + learn with the recipe's hyper-parameters.

""" + "\n".join(lines) + "\n"
    print(body)
    if args.record:
        record("Training: the batched native league env beside worker processes", body)


if __name__ == "__main__":
    main()
