"""What the holds of games where all move at once cost: sandboxed fighting matches, their wall time a step
and the share of it the seats were held (`arena.match.seconds_to_hold`).

    python bench/holds.py            # print the numbers
    python bench/holds.py --record   # also write them into bench/RESULTS.md

Each seat but the last asked is held after each move as long as its third slowest recent move took
it (past twice their median only as far as its slowest but one in ten; at most its time a move), so
that the seat asked after it cannot time its move. An agent whose moves take alike is held about
nothing; one whose moves vary is held up to its slower ones. Measured on
the example submissions, each pairing's matches played one after the other, both sandboxed.
"""

from __future__ import annotations

import os
from pathlib import Path

from arena.envs import entry
from arena.match import play_match
from arena.sandbox import SandboxedAgent
from arena.submission import load
from results import command_line, record

SUBMISSIONS = Path(__file__).resolve().parents[1] / "submissions"
PAIRINGS = [("based_fighter", "random"), ("random", "random")]
# This bench's earlier recordings, with the sandbox of their day, for comparison.
BEFORE = ("On 2026-12-05, this machine: 867 µs a step for based_fighter against random, 480 µs for random against "
          "random. On 2026-12-06, before the harness read its end of an agent's answers before it polled: 241 and "
          "140 µs; hours later, in runs alternating that code with this run's, 330 and 320 µs against 275 and 273 µs "
          "for based_fighter against random (146 and 155 against 158 and 151 for random against random): this "
          "machine slower by then, from one run to the next more than by the change. Before seats were held as long "
          "as their moves took to come rather than as their clocks charged them, in runs alternating that code with "
          "this run's the same evening: 274 and 279 µs a step against 260 and 267 µs for based_fighter against "
          "random, 0.0-0.3% of it held either way. Runs of this code just before this one: 689 µs (the first after the "
          "machine sat idle), 275 and 321 µs for based_fighter against random, 165-169 µs for random against random, "
          "with up to 1.0% held.")


def pairing(first: str, second: str, games: int, steps: int) -> dict[str, float]:
    """Wall time a step, and the share of it each seat was held, over `games` matches of `steps` steps."""
    clock = entry("fighting")
    agents = [SandboxedAgent(load(SUBMISSIONS / name), clock.time_per_move, clock.time_bank) for name in (first, second)]
    wall = played = 0.0
    held = [0.0, 0.0]
    try:
        for seed in range(games):
            result = play_match("fighting", agents, seed=seed, max_steps=steps)
            wall += result.duration
            played += result.steps
            held = [h + a.time_held for h, a in zip(held, result.agents)]
    finally:
        for agent in agents:
            agent.close()
    return {"step_us": wall / played * 1e6, "first": held[0] / wall, "second": held[1] / wall}


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--games", type=int, default=3, help="matches a pairing (default: 3)")
    parser.add_argument("--steps", type=int, default=1800, help="steps a match (default: 1800, a minute of play)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows = []
    for first, second in PAIRINGS:
        measured = pairing(first, second, args.games, args.steps)
        rows.append(f"| {first} vs {second} | {measured['step_us']:,.0f} | {measured['first']:.1%} | "
                    f"{measured['second']:.1%} (asked last: never held) |")
    body = "\n".join([
        f"Sandboxed fighting matches, {args.games} a pairing of {args.steps:,} steps, both agents sandboxed:",
        "",
        "| pairing | wall a step (us) | first seat held | second seat held |",
        "| --- | ---: | ---: | ---: |",
        *rows,
        "",
        "The holds keep a later seat from timing an earlier seat's move on the same step (a spy read 147 of 149 "
        "moves of an opponent whose moves took 0.5, 4 or 8 ms; tests/test_simultaneous_timing.py). They add no "
        "work, only waiting, and only where a seat's moves vary.",
        BEFORE,
        f"Load average (1 min) at the start: {load_before:.1f}.",
    ])
    print(body)
    if args.record:
        record("Fighting: holds in sandboxed matches", body)


if __name__ == "__main__":
    main()
