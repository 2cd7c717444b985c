"""arena serve under load: games a second through the server against `arena tournament` on the
same workers, and the leaderboard page's latency while games run.

    python bench/serve.py            # print the numbers
    python bench/serve.py --record   # also write them into bench/RESULTS.md

Both sides play Othello between 8 random submissions, sandboxed, every game saved as a replay
and recorded in SQLite. The tournament is a round robin from scratch (start-up included); the
server is `arena serve` in its own process, its submissions validated before the clock starts,
measured over a window once games flow, while one client asks for the leaderboard page (`/`)
again and again. Targets: the server's games a second within 20% of the tournament's; the
page's p95 latency under 100 ms.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from arena.serve.client import zip_folder
from arena.serve.store import CompetitionStore
from arena.serve.uploads import UploadLimits, take_upload
from arena.serve.validation import Validator
from arena.tournament import Settings, Tournament
from arena.tournament.runner import backend_for
from results import command_line, record

REPO = Path(__file__).resolve().parents[1]
ENTRANTS = 8


def submissions(root: Path) -> list[Path]:
    folders = []
    for index in range(ENTRANTS):
        folder = root / "subs" / f"random_{index}"
        shutil.copytree(REPO / "submissions" / "random", folder)
        (folder / "arena.toml").write_text(f'name = "random_{index}"\n')
        folders.append(folder)
    return folders


def tournament_rate(workers: int, games_per_pair: int) -> tuple[int, float]:
    """(matches, seconds) of a round robin of 8 random submissions, from scratch."""
    root = Path(tempfile.mkdtemp())
    submissions(root)
    started = time.perf_counter()
    with Tournament(root / "t.sqlite", Settings(env="othello", games_per_pair=games_per_pair, seed=0)) as tournament:
        tournament.register_folder(root / "subs")
        played = tournament.play(backend_for("process", workers))
    elapsed = time.perf_counter() - started
    shutil.rmtree(root)
    return played, elapsed


def server_rate(workers: int, window: float) -> tuple[int, float, list[float]]:
    """(games, seconds, page latencies in seconds) of `arena serve` over `window` seconds of play."""
    root = Path(tempfile.mkdtemp())
    db = root / "competition.sqlite"
    store = CompetitionStore(db)
    for folder in submissions(root):
        participant, _ = store.add_participant(folder.name)
        take_upload(store, participant, zip_folder(folder), "othello", root / "competition-uploads", UploadLimits())
    validator = Validator(store, db, "othello", {}, max_active=1)
    while validator.validate_next():
        pass
    store.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    said = (root / "serve.err").open("w")  # read only if it stops before it plays
    server = subprocess.Popen([sys.executable, "-m", "arena.cli", "serve", "--env", "othello", "--db", str(db),
                               "--port", str(port), "--workers", str(workers), "--placement-games", "0"],
                              stdout=subprocess.DEVNULL, stderr=said, cwd=root)

    def finished() -> int:
        with sqlite3.connect(db, timeout=30) as connection:
            return connection.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    try:
        while finished() < 2 * ENTRANTS:  # the workers and their sandboxes are up
            if server.poll() is not None:
                raise RuntimeError(f"arena serve stopped (exit {server.returncode}) before it played: "
                                   f"{(root / 'serve.err').read_text().strip()}")
            time.sleep(0.2)
        latencies: list[float] = []
        stop = threading.Event()

        def ask() -> None:
            while not stop.is_set():
                started = time.perf_counter()
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
                    response.read()
                latencies.append(time.perf_counter() - started)
                time.sleep(0.05)

        asker = threading.Thread(target=ask)
        first, started = finished(), time.perf_counter()
        asker.start()
        time.sleep(window)
        games, elapsed = finished() - first, time.perf_counter() - started
        stop.set()
        asker.join()
    finally:
        server.terminate()
        server.wait(60)
        said.close()
        shutil.rmtree(root)
    return games, elapsed, latencies


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--workers", type=int, default=2, help="workers on both sides (default: 2)")
    parser.add_argument("--games-per-pair", type=int, default=8, help="the tournament's games a pairing (default: 8)")
    parser.add_argument("--window", type=float, default=30.0, help="seconds the server is measured (default: 30)")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    matches, seconds = tournament_rate(args.workers, args.games_per_pair)
    games, window, latencies = server_rate(args.workers, args.window)
    load_after = os.getloadavg()[0]
    tournament, served = matches / seconds, games / window
    p50 = statistics.median(latencies) * 1000
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    body = "\n".join([
        f"Othello between {ENTRANTS} random submissions, `--workers {args.workers}` on both sides, sandboxed, replays "
        "saved, results in SQLite:",
        "",
        "| | games | seconds | games/s |",
        "| --- | ---: | ---: | ---: |",
        f"| `arena tournament` (round robin, {args.games_per_pair} games a pairing, from scratch) | {matches} | "
        f"{seconds:.1f} | {tournament:.1f} |",
        f"| `arena serve` (continuous play, measured over a window) | {games} | {window:.1f} | {served:.1f} |",
        "",
        f"The server plays **{served / tournament:.2f}x** the tournament's games a second (target: at least 0.8x).",
        f"Leaderboard page `/` while games run: {len(latencies)} requests, p50 {p50:.1f} ms, **p95 {p95:.1f} ms** "
        "(target: under 100 ms).",
        f"Load average (1 min) before and after: {load_before:.1f}, {load_after:.1f}.",
    ])
    print(body)
    if args.record:
        record("Serve: games per second and leaderboard latency", body)


if __name__ == "__main__":
    main()
