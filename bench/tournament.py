"""Tournament throughput: 200 Othello random-vs-random matches with 1 and 2 workers.

    python bench/tournament.py            # print the numbers
    python bench/tournament.py --record   # also write them into bench/RESULTS.md

Every match is played sandboxed, saved as a replay and recorded in SQLite, exactly as
`arena tournament` does. The harness overhead per match is the wall time per match (one
worker) minus the time the same game takes between two in-process agents.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from arena.agents import RandomAgent
from arena.match import play_match
from arena.tournament import Settings, Tournament
from arena.tournament.runner import backend_for
from results import record

REPO = Path(__file__).resolve().parents[1]


def run(workers: int, matches: int) -> float:
    """Seconds to play `matches` random-vs-random games from scratch (start-up included)."""
    root = Path(tempfile.mkdtemp())
    for name in ("random_a", "random_b"):
        shutil.copytree(REPO / "submissions" / "random", root / "subs" / name)
        (root / "subs" / name / "arena.toml").write_text(f'name = "{name}"\n')
    started = time.perf_counter()
    tournament = Tournament(root / "t.sqlite", Settings(env="othello", games_per_pair=matches))
    tournament.register_folder(root / "subs")
    played = tournament.play(backend_for("process", workers))
    elapsed = time.perf_counter() - started
    assert played == matches == tournament.store.finished_count()
    shutil.rmtree(root)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", action="store_true", help="write the results into bench/RESULTS.md")
    parser.add_argument("--matches", type=int, default=200, help="matches per run (default: 200)")
    args = parser.parse_args()

    one, two = run(1, args.matches), run(2, args.matches)
    game = []
    for seed in range(50):
        started = time.perf_counter()
        play_match("othello", [RandomAgent(), RandomAgent()], seed=seed)
        game.append(time.perf_counter() - started)
    in_process = statistics.median(game)
    per_match = one / args.matches
    body = "\n".join([
        f"{args.matches} Othello matches between two random submissions, sandboxed, replays saved, results in SQLite"
        " (start-up of workers and sandboxes included):",
        "",
        "| workers | wall time | matches/s | speed-up |",
        "| ---: | ---: | ---: | ---: |",
        f"| 1 | {one:.1f} s | {args.matches / one:.1f} | 1.00x |",
        f"| 2 | {two:.1f} s | {args.matches / two:.1f} | {one / two:.2f}x |",
        "",
        f"Harness overhead per match: {(per_match - in_process) * 1000:.1f} ms "
        f"({per_match * 1000:.1f} ms a match with one worker, of which {in_process * 1000:.1f} ms is the game "
        "itself between in-process agents): sandbox round trips for about 60 moves, the replay file and the "
        "database transaction.",
    ])
    print(body)
    if args.record:
        record("Tournament: matches per second", body)


if __name__ == "__main__":
    main()
