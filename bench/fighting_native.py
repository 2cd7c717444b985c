"""Fighting game engines: the native batch (arena._native.FightingBatch) beside the Python engine.

    python bench/fighting_native.py            # print the numbers
    python bench/fighting_native.py --record   # also write them into bench/RESULTS.md

Targets: at least 1,000,000 game steps a second batched (N = 1024 games) on 2 cores, and the
single-game env on the native engine at least 3x the env on the Python engine. One game step is one frame of one game (both fighters'
keys in, both observations out). Random keys are drawn before timing (each key pressed with
probability 1/2, 64 different frames of keys cycled), so the loops time the engines; finished
games restart (the native batch by itself, the Python env through reset()).
"""

from __future__ import annotations

import os
import random
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # idle BLAS threads would spin beside the engine's

import numpy as np  # noqa: E402

from arena.envs import make_raw  # noqa: E402
from arena.envs.fighting.game import Game  # noqa: E402
from arena.envs.fighting.native import make_batch  # noqa: E402
from arena.envs.fighting.observation import observations  # noqa: E402
from results import command_line, earlier_recordings, record  # noqa: E402

# This bench's earlier recordings, for comparison.
EARLIER = [
    "2026-12-04, Intel Xeon, 2 cores: 174,252 steps/s for the native Parallel env, 542,041 for one game of "
    "`FightingBatch.step`, 1,111,843 for 1,024 games on 2 threads.",
    "2026-12-06, AMD EPYC, 2 cores, in a run just before this one, before the native env refused one number as an "
    "action (two type checks a step for arrays): 166,641 steps/s for the native Parallel env (163,608 with the "
    "check, in the run before that), 514,561 for one game, 1,324,487 for 1,024 games on 2 threads.",
]
SIGNALS = ("win_signal", "knockout_signal", "hit_during_stun", "weapon_equip_signal", "weapon_drop_signal")


class Quiet:
    def emit(self, **_) -> None:
        pass


def random_keys(frames: int, games: int, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((frames, games, 2, 10)) < 0.5).astype(np.float32)


def env_per_second(steps: int, engine: str) -> float:
    """The Parallel env (`make_raw("fighting", engine=...)`): dict actions in, dict observations out."""
    env = make_raw("fighting", engine=engine)
    keys = random_keys(64, 1)[:, 0]
    env.reset(seed=0)
    started = time.perf_counter()
    for index in range(steps):
        if not env.agents:
            env.reset()
        action = keys[index % 64]
        env.step({"player_0": action[0], "player_1": action[1]})
    return steps / (time.perf_counter() - started)


def python_game_per_second(steps: int) -> float:
    """The Python engine alone: Game.step and both observations."""
    game = Game(random.Random(0), {name: Quiet() for name in SIGNALS})
    keys = random_keys(64, 1)[:, 0]
    started = time.perf_counter()
    for index in range(steps):
        if game.over:
            game = Game(random.Random(index), {name: Quiet() for name in SIGNALS})
        action = keys[index % 64]
        game.step(action[0], action[1])
        observations(game)
    return steps / (time.perf_counter() - started)


def native_per_second(games: int, threads: int, batches: int) -> float:
    """`batches` steps of a native batch of `games` games on `threads` threads: game steps per second."""
    batch = make_batch(games, seeds=0, threads=threads)
    keys = random_keys(64, games)
    for index in range(10):
        batch.step(keys[index % 64])
    started = time.perf_counter()
    for index in range(batches):
        batch.step(keys[index % 64])
    return games * batches / (time.perf_counter() - started)


def best_of(repeats: int, work) -> float:
    return max(work() for _ in range(repeats))


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--steps", type=int, default=20_000, help="Python engine steps per measurement")
    args = parser.parse_args()

    python_env = best_of(3, lambda: env_per_second(args.steps, "python"))
    native_env = best_of(3, lambda: env_per_second(5 * args.steps, "native"))
    python_game = best_of(3, lambda: python_game_per_second(args.steps))
    single = best_of(5, lambda: native_per_second(1, 1, 10 * args.steps))
    batched = {threads: best_of(5, lambda: native_per_second(1024, threads, 300)) for threads in (1, 2)}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    body = "\n".join([
        "Game steps per second (one frame of one game, both observations out), random keys, best of 3",
        f"(native: best of 5), all in the same run; load average {load:.1f} on the machine's cores:",
        "",
        "| engine | games at once | threads | steps/s | target |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| Python: Parallel env (`make_raw(\"fighting\", engine=\"python\")`) | 1 | 1 | {python_env:,.0f} | |",
        f"| Python: `Game.step` + `observations` | 1 | 1 | {python_game:,.0f} | |",
        f"| native: Parallel env (`make_raw(\"fighting\", engine=\"native\")`) | 1 | 1 | **{native_env:,.0f}** "
        f"({native_env / python_env:.1f}x the Python env) | {3 * python_env:,.0f} (3x) |",
        f"| native `FightingBatch.step` | 1 | 1 | **{single:,.0f}** ({single / python_game:.0f}x the Python engine) "
        f"| |",
        f"| native `FightingBatch.step` | 1024 | 1 | **{batched[1]:,.0f}** | |",
        f"| native `FightingBatch.step` | 1024 | 2 | **{batched[2]:,.0f}** | 1,000,000 |",
        "",
        "The native engine is the Python engine's rules in C++ (native/fighting/), operation for operation in",
        "double precision: tests/test_fighting_native.py checks that both give the same observations every",
        "frame. Batched, each thread steps a contiguous share of the games; observations, rewards and done",
        "flags are written into buffers that numpy reads without copies. The machine's two cores are shared",
        "with other work (the load average above): where the second thread finds no free core, two threads",
        "measure no faster than one.",
        *earlier_recordings(EARLIER),
    ])
    print(body)
    if args.record:
        record("Fighting: native engine, batched and single game", body)


if __name__ == "__main__":
    main()
