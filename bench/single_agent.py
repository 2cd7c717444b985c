"""Gymnasium views against their raw env: `gymnasium.make("arena/Fighting-v0")` steps a second, one core.

    python bench/single_agent.py            # print the numbers
    python bench/single_agent.py --record   # also write them into bench/RESULTS.md

The raw env steps both seats with random key presses drawn before the clock starts; the view
steps the learner's seat with the same presses while its default opponent (a `RandomAgent`)
draws its own, as it does in training. Measured in alternating runs, best of each, with a third
loop whose opponent draws with `Box.sample()` as the default opponent used to (the reference for
what changed). Target: the view with its default opponent at least 0.8x the raw env.
"""

from __future__ import annotations

import os
import time

import gymnasium
import numpy as np

import arena.envs  # noqa: F401  (registers the arena/... ids)
from arena.agents import RandomAgent
from fighting import random_actions, steps_per_second  # the raw env timed as bench/fighting.py does
from results import command_line, record


class BoxSampleOpponent(RandomAgent):
    """A random opponent drawing its keys with `Box.sample()`."""

    def predict(self, obs):
        return self.action_space.sample()


def presses(steps: int) -> np.ndarray:
    return random_actions(steps)


def view_rate(steps: int, **kwargs) -> float:
    env = gymnasium.make("arena/Fighting-v0", **kwargs)
    actions = presses(steps)
    env.reset(seed=0)
    started = time.perf_counter()
    for index in range(steps):
        _, _, terminated, truncated, _ = env.step(actions[index, 0])
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - started)


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--steps", type=int, default=20_000, help="env steps per run (default: 20000)")
    parser.add_argument("--repeats", type=int, default=5, help="alternating runs of each loop (default: 5)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    load_before = os.getloadavg()[0]
    best = {"raw": 0.0, "view": 0.0, "box": 0.0}
    for _ in range(args.repeats):
        best["raw"] = max(best["raw"], steps_per_second(args.steps))
        best["view"] = max(best["view"], view_rate(args.steps))
        best["box"] = max(best["box"], view_rate(args.steps, opponent=BoxSampleOpponent))
    ratio = best["view"] / best["raw"]
    body = "\n".join([
        f"Fighting, random key presses, one core, best of {args.repeats} alternating runs of {args.steps:,} steps:",
        "",
        "| loop | steps/s | vs the raw env |",
        "| --- | ---: | ---: |",
        f"| raw env (`make_raw(\"fighting\")`, the native engine), both seats' presses drawn before timing | "
        f"{best['raw']:,.0f} | 1.00x |",
        f"| `gymnasium.make(\"arena/Fighting-v0\")`, default opponent (`RandomAgent`) | **{best['view']:,.0f}** | "
        f"**{ratio:.2f}x** |",
        f"| the same view, opponent drawing with `Box.sample()` (the default before) | {best['box']:,.0f} | "
        f"{best['box'] / best['raw']:.2f}x |",
        "",
        "Target: the view with its default opponent at least 0.8x the raw env. `RandomAgent` draws a bounded float "
        "Box's samples 64 moves at a time with one `Generator.uniform` call: the same values from the same seed as "
        "`Box.sample()` a move, without its per-call sorting of the coordinates by kind of bound. The view steps the "
        "game through `step_both` (both fighters' actions and results by number), without the per-seat dicts of "
        "PettingZoo's Parallel API that the raw env's loop pays for. The views are registered without gymnasium's "
        "passive env checker (each passes `check_env` in the tests): its wrapper around every step cost the fighting "
        "view 4% of its steps a second.",
        f"Load average (1 min) at the start: {load_before:.1f}.",
    ])
    print(body)
    if args.record:
        record("Fighting: Gymnasium view and its raw env", body)


if __name__ == "__main__":
    main()
