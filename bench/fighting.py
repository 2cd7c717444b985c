"""Fighting game speed: Parallel env steps per second without rendering, and rendered frames per second.

    python bench/fighting.py            # print the numbers
    python bench/fighting.py --record   # also write them into bench/RESULTS.md
    python bench/fighting.py --original ../UTMIST-AI2 --original-python ../ai2venv/bin/python
                                        # and the competition's game, measured in the same run

Targets: at least 20,000 env steps/s with random actions and no rendering, and at least 300
frames/s stepping and rendering at CameraResolution.LOW, on one core. Random actions are drawn
before timing (each key pressed with probability 1/2, as a uniform Box sample is), so the loops
time the game, not the random number generator. The process is pinned to one core.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np

from arena.envs import make_raw
from results import command_line, record

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

FIRST_FRAME = (
    "import time; started = time.perf_counter(); from arena.envs import make; "
    "env = make('fighting', render_mode='rgb_array'); env.reset(seed=0); env.render(); "
    "print(time.perf_counter() - started)"
)


def random_actions(count: int, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((count, 2, 10)) < 0.5).astype(np.float32)


def steps_per_second(steps: int, render: str | None = None, engine: str = "native") -> float:
    """Random actions through reset / step (and render), matches played back to back."""
    env = make_raw("fighting", engine=engine, **({"render_mode": "rgb_array", "resolution": render} if render else {}))
    actions = random_actions(steps)
    env.reset(seed=0)
    started = time.perf_counter()
    for index in range(steps):
        if not env.agents:
            env.reset()
        env.step({"player_0": actions[index, 0], "player_1": actions[index, 1]})
        if render:
            env.render()
    return steps / (time.perf_counter() - started)


# The competition's game, timed the same way in its own checkout and interpreter.
ORIGINAL = """
import contextlib, io, os, random, sys, time
import numpy as np
sys.path.insert(0, os.getcwd())
with contextlib.redirect_stdout(io.StringIO()):
    import environment.environment as E
steps, render = int(sys.argv[1]), sys.argv[2] == "render"
actions = (np.random.default_rng(0).random((steps, 2, 10)) < 0.5).astype(np.float32)
random.seed(0)
with contextlib.redirect_stdout(io.StringIO()):
    env = E.WarehouseBrawl(resolution=E.CameraResolution.LOW, train_mode=True)
    env.reset()
    started = time.perf_counter()
    for index in range(steps):
        _, _, terminated, truncated, _ = env.step({0: actions[index, 0], 1: actions[index, 1]})
        if render:
            env.render()
        if terminated or truncated:
            env.reset()
    elapsed = time.perf_counter() - started
print(steps / elapsed)
"""


def original_per_second(checkout: str, python: str, steps: int, render: bool) -> float:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    done = subprocess.run([python, "-c", ORIGINAL, str(steps), "render" if render else "plain"], cwd=checkout,
                          env=env, capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


def best_of(repeats: int, work) -> float:
    return max(work() for _ in range(repeats))


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--steps", type=int, default=100_000, help="env steps per measurement (default: 100000)")
    parser.add_argument("--original", metavar="PATH", help="a checkout of UTMIST/UTMIST-AI2 to measure alongside")
    parser.add_argument("--original-python", metavar="PYTHON", default=sys.executable,
                        help="the interpreter that can import the competition's game (default: this one)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    plain = best_of(3, lambda: steps_per_second(args.steps))
    python = best_of(3, lambda: steps_per_second(args.steps // 4, engine="python"))
    rendered = {name: best_of(3, lambda: steps_per_second(frames, name))
                for name, frames in (("low", 3000), ("medium", 1000), ("high", 300))}
    first_frame = float(subprocess.run([sys.executable, "-c", FIRST_FRAME], capture_output=True, text=True,
                                       check=True).stdout)
    theirs_plain = theirs_low = "not measured"
    if args.original:
        theirs_plain = f"{best_of(3, lambda: original_per_second(args.original, args.original_python, 3000, False)):,.0f}"
        theirs_low = f"{best_of(3, lambda: original_per_second(args.original, args.original_python, 300, True)):,.0f}"

    body = "\n".join([
        "Parallel env (`make_raw(\"fighting\")`, its default native engine), random actions, one core, best of 3:",
        "",
        "| loop | arena | arena, `engine=\"python\"` | target | the competition's game |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| steps/s, no rendering | **{plain:,.0f}** | {python:,.0f} | 20,000 | {theirs_plain} |",
        f"| frames/s, step + render at LOW (720x480) | **{rendered['low']:,.0f}** | | 300 | {theirs_low} |",
        f"| frames/s, step + render at MEDIUM (1280x720) | {rendered['medium']:,.0f} | | | |",
        f"| frames/s, step + render at HIGH (1920x1080) | {rendered['high']:,.0f} | | | |",
        f"| seconds from import to the first rendered frame | {first_frame:.2f} | | | |",
        "",
        "The competition's game ran in the same process pinning, with the same random actions, from its",
        "own checkout (`--original`). All play the same rules. arena's default engine is those rules in C++",
        "(native/fighting/); its Python engine, the reference the native one is tested against frame for",
        "frame, is pure Python and numpy: its physics solves only the contacts this stage has (boxes against",
        "boxes), the game keeps its state in plain attributes and builds both observations with one",
        "`np.fromiter`. Rendering reads the pygame surface's pixel buffer directly instead of going through",
        "`pygame.surfarray`.",
    ])
    print(body)
    if args.record:
        record("Fighting game: env steps and rendering", body)


if __name__ == "__main__":
    main()
