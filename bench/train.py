"""Fighting-game training throughput: env steps per second in 2 worker processes, and the whole PPO loop.

    python bench/train.py            # print the numbers
    python bench/train.py --record   # also write them into bench/RESULTS.md
    python bench/train.py --run checkpoints/ppo_fighter --submission submissions/ppo_fighter --record

Measures, with the recipe's training env (`arena.train.league.make_env`: BrawlerAgent opponent,
shaped rewards, key combinations held for 4 frames):
- env steps: random policy actions through the vectorized env, SB3's `SubprocVecEnv` (one env per
  process) against `GroupedSubprocVecEnv` (8 envs in 2 processes, the recipe's);
- the PPO loop: collect + learn with the recipe's hyper-parameters, policy decisions per second.
A policy step ("decision") is 4 game frames. `--run` adds a run's evaluation curve; `--submission`
plays an exported fighter against BrawlerAgent and RandomAgent (`--games` each, 100 by default).
"""

from __future__ import annotations

import argparse
import time
from functools import partial
from pathlib import Path

import numpy as np
from results import record

REPEAT = 4


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


def versus(submission: Path, opponent: str, games: int) -> dict[str, int]:
    """A submission's wins, draws and losses in `games` matches against a scripted fighter (seats alternating, seeds 0..)."""
    from arena.envs import fighting
    from arena.submission import instantiate, load
    from arena.train.evaluation import play_scored

    spec = load(submission)
    scores = [play_scored(partial(instantiate, spec), getattr(fighting, opponent), seed, seed % 2)
              for seed in range(games)]
    return {"wins": scores.count(1.0), "draws": scores.count(0.5), "losses": scores.count(0.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", action="store_true", help="write the results into bench/RESULTS.md")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per env measurement (default: 20)")
    parser.add_argument("--steps", type=int, default=40_960, help="policy steps of the PPO measurement")
    parser.add_argument("--run", type=Path, help="a fighting run's folder whose evaluation curve to include")
    parser.add_argument("--submission", type=Path, help="an exported fighter to play against BrawlerAgent and RandomAgent")
    parser.add_argument("--games", type=int, default=100, help="matches against each (default: 100)")
    args = parser.parse_args()

    import torch

    from arena.train.config import TrainConfig

    torch.set_num_threads(1)
    config = TrainConfig(opponents={"based": {"weight": 1.0, "agent": "BrawlerAgent"}})
    plain = vec_env_steps_per_second(training_envs(TrainConfig(**{**vars(config), "n_envs": 2}), False),
                                     args.seconds)
    grouped = vec_env_steps_per_second(training_envs(config, True), args.seconds)
    ppo = ppo_steps_per_second(config, args.steps)
    body = f"""
Policy steps (decisions) per second against BrawlerAgent; each is {REPEAT} game frames. 2 worker
processes on a 2-core machine; the learner (policy, PPO updates) runs in the main process.

| loop | decisions/s | frames/s |
| --- | ---: | ---: |
| env only, SB3 `SubprocVecEnv`, 2 envs in 2 processes | {plain:,.0f} | {plain * REPEAT:,.0f} |
| env only, `GroupedSubprocVecEnv`, {config.n_envs} envs in {config.workers} processes | {grouped:,.0f} | \
{grouped * REPEAT:,.0f} |
| PPO collect + learn (the recipe: {config.n_envs} envs, {config.workers} workers, n_steps {config.n_steps}, \
batch {config.batch_size}, {config.n_epochs} epochs) | **{ppo:,.0f}** | {ppo * REPEAT:,.0f} |
"""
    if args.run is not None:
        body += f"\nThe recipe's run (`{args.run.name}`): evaluation during training, 10 matches per opponent " \
                f"and checkpoint, score rate (draws half)\n\n{run_section(args.run)}\n"
    if args.submission is not None:
        body += (f"\n`{args.submission.as_posix()}`, {args.games} matches against each (in-process, seats "
                 f"alternating, seeds 0-{args.games - 1}):\n\n| opponent | wins | draws | losses |\n| --- | ---: | ---: | ---: |\n")
        for opponent in ("BrawlerAgent", "RandomAgent"):
            result = versus(args.submission, opponent, args.games)
            body += f"| {opponent} | **{result['wins']}** | {result['draws']} | {result['losses']} |\n"
    print(body)
    if args.record:
        record("Training: fighting throughput and the ppo_fighter recipe", body)


if __name__ == "__main__":
    main()
