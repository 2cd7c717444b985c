"""Snake speed: agent-steps per second of `SnakeVecEnv` (numpy batch) beside the Parallel env, one core.

    python bench/snake.py            # print the numbers
    python bench/snake.py --record   # also write them into bench/RESULTS.md

Targets: `SnakeVecEnv(n_envs=64)` with 4 snakes on 20 x 20 at least 200,000 agent-steps per
second, observations and auto-resets included; the single game matches play (`make_raw("snake")`,
on `SnakeGame`) at least 5x faster a step than the same env on the batch engine with one game
(`SnakeGames(1)`, what it ran before), the two measured in alternating runs. Actions are
uniformly random, drawn before the clock starts; random snakes die within tens of steps, so the
count includes many resets (the worst case: trained snakes live longer and reset less).
"""

from __future__ import annotations

import os
import time

import numpy as np

from arena.envs import make_raw
from arena.envs.snake import SnakeVecEnv
from results import command_line, record

STEPS = 300
REPEATS = 5


def vec_rate(n_envs: int, **options) -> tuple[float, float]:
    """Best agent-steps/s over REPEATS runs of STEPS batch steps, and games finished per batch step."""
    env = SnakeVecEnv(n_envs=n_envs, **options)
    actions = np.random.default_rng(0).integers(0, 3, (STEPS, n_envs, env.num_agents))
    best, finished = 0.0, 0
    for _ in range(REPEATS):
        env.reset(seed=0)
        finished = 0
        started = time.perf_counter()
        for batch in actions:
            finished += env.step(batch)[4]["done"].sum()
        best = max(best, STEPS * n_envs * env.num_agents / (time.perf_counter() - started))
    return best, finished / STEPS


def parallel_rate(env) -> tuple[float, float]:
    """Agent-steps/s and seconds a step of a PettingZoo Parallel env (one game, a dict of actions a step), one run."""
    choices = np.random.default_rng(0).integers(0, 3, 1 << 16).tolist()
    env.reset(seed=0)
    agent_steps, k = 0, 0
    started = time.perf_counter()
    for _ in range(STEPS * 10):
        if not env.agents:
            env.reset()
        actions = {}
        for agent in env.agents:
            actions[agent] = choices[k]
            k += 1
        agent_steps += len(actions)
        env.step(actions)
    elapsed = time.perf_counter() - started
    return agent_steps / elapsed, elapsed / (STEPS * 10)


def single_game_rates(**options) -> dict[str, tuple[float, float]]:
    """Best of REPEATS alternating runs: the env on SnakeGame, and the same env handed to the batch engine."""
    single = make_raw("snake", **options)
    batch = make_raw("snake", **options)
    batch.unwrapped.game  # noqa: B018  (reaching for the batch arrays hands the game to SnakeGames(1))
    best = {"single": (0.0, 0.0), "batch": (0.0, 0.0)}
    for _ in range(REPEATS):
        for name, env in (("single", single), ("batch", batch)):
            rate, step = parallel_rate(env)
            if rate > best[name][0]:
                best[name] = (rate, step)
    return best


def main() -> None:
    parser = command_line(__doc__)
    args = parser.parse_args()
    rows = []
    for label, n_envs, options in [
        ("`SnakeVecEnv(n_envs=64)`, 4 snakes, 20 x 20, vision 5", 64, {}),
        ("`SnakeVecEnv(n_envs=64)`, as above, `frame_stack=2`", 64, {"frame_stack": 2}),
        ("`SnakeVecEnv(n_envs=256)`, 4 snakes, 20 x 20, vision 5", 256, {}),
        ("`SnakeVecEnv(n_envs=64)`, 8 snakes, 30 x 30, vision 7", 64, {"num_snakes": 8, "height": 30, "width": 30,
                                                                       "vision_range": 7}),
    ]:
        rate, finished = vec_rate(n_envs, **options)
        rows.append(f"| {label} | {rate:,.0f} | {finished:.1f} |")
        print(rows[-1])
    rates = single_game_rates()
    (single, single_step), (batch, batch_step) = rates["single"], rates["batch"]
    singles = [
        f"| `make_raw(\"snake\")`, one game, 4 snakes (what matches run): `SnakeGame` | {single:,.0f} | "
        f"**{single_step * 1e6:.1f} µs** |",
        f"| the same env on the batch engine with one game (`SnakeGames(1)`, as before) | {batch:,.0f} | "
        f"{batch_step * 1e6:.1f} µs |",
    ]
    print(*singles, sep="\n")
    body = "\n".join([
        "Random actions, one core, observations and auto-resets included (best of 5 runs of 300 steps):",
        "",
        "| loop | agent-steps/s | games finished per step |",
        "| --- | ---: | ---: |",
        *rows,
        "",
        "Target: at least 200,000 agent-steps/s for `SnakeVecEnv(n_envs=64)` with the default game.",
        "",
        "One game through the PettingZoo Parallel API, default options (best of 5 alternating runs of 3,000 steps,",
        "resets included):",
        "",
        "| loop | agent-steps/s | a step |",
        "| --- | ---: | ---: |",
        *singles,
        "",
        f"The one-game engine is **{batch_step / single_step:.1f}x** faster a step (target: at least 5x), and plays "
        "exactly as the batch engine does (tests/test_snake.py plays them side by side).",
        f"Load average of the machine during the run: {os.getloadavg()[0]:.1f} (other jobs share its cores).",
    ])
    if args.record:
        record("Snake: batched and single-game steps", body)


if __name__ == "__main__":
    main()
