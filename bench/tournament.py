"""Tournament throughput: Othello round robins of random submissions, with 1 and 2 workers, 4 and 8 entrants.

    python bench/tournament.py            # print the numbers
    python bench/tournament.py --record   # also write them into bench/RESULTS.md

Every match is played sandboxed, saved as a replay and recorded in SQLite, exactly as
`arena tournament` does, start-up of players, launcher and sandboxes included (each run a new
process). Three sizes of the 4-entrant round robin: a short one, where those start-ups are a good
part of the time, and two longer ones, closer to a real tournament's length. Targets: 4 entrants
with `--workers 2` at least 1.7x the matches a second of `--workers 1`; with 8 entrants (4.7x the
matches) the wall time grows with the matches, not with the entrants. The harness overhead per
match is the wall time per match (one worker) minus the time the same game takes between two
in-process agents.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from arena.agents import RandomAgent
from arena.match import play_match
from arena.tournament import Settings, Tournament
from arena.tournament.runner import backend_for
from results import command_line, earlier_recordings, record

REPO = Path(__file__).resolve().parents[1]
# Said under the figures: why players are pinned, and where one and two workers spend their time.
PLACEMENT = (
    "Players (and the driver's playing and recording threads) are each kept on a CPU of their own when there are "
    "as many CPUs as workers: unpinned, two players sometimes shared a CPU for a match while the other idled (a "
    "match keeps its agents on its CPU), and two runs of this bench on the same idle machine gave 1.87x and 1.10x"
    " with 600 matches. One worker's run is a chain of round trips and two workers' is bound by the CPU, so a "
    "cheaper round trip shortens the first more. Creating a file on this machine's root file system (ext4, no "
    "journal) costs about 145 µs of CPU (15 µs on a tmpfs), most of the 0.23 ms of CPU a replay takes to save, "
    "off one worker's way but on two workers' CPUs."
)
# The same figures before: earlier recordings of this bench, each with what changed since.
EARLIER = (
    "Before each match was handed over and recorded as it ended (players sent whole blocks of four; this machine,"
    " run just before): 1.34x and 1.71x with 4 entrants, 1.76x with 8, 10.5 ms a match with one worker (a match "
    "committed on its own costs about 6% more).",
    "Before the sandbox launcher began reading the shared libraries before it imports the sandbox's parts and "
    "counting their pages in memory with cachestat, and before each run's files were kept until the last run had "
    "ended (this machine, the same hour): 1.17x and 1.61x with 4 entrants, the first match recorded after 0.30 s "
    "to 0.49 s, and 1.76x with 8.",
    "Before the launcher kept the libraries' list between its starts (the same code otherwise, this machine, an "
    "hour before): 1.50x and 1.67x with 4 entrants, the first match recorded after 0.20 s to 0.33 s, and 1.68x "
    "with 8.",
    "Before the driver handed its players' connections to the launcher without waiting for its answer (the same "
    "code otherwise, this machine, an hour before): 1.27x and 1.66x with 4 entrants, the first match with two "
    "workers recorded after 0.33 s and 0.20 s, and 1.79x with 8.",
    "Before a sandboxed call was written without a timed wait's bookkeeping and the idle proof read the agent's "
    "caught signals only when its supervisor told of a change (the code of 42d2892, this machine, earlier the "
    "same day): 1.43x and 1.64x with 4 entrants (1.62x and 1.73x from the first recorded match on), one worker's "
    "600 matches in 2.88 s and two workers' in 1.76 s, and 1.76x with 8; with those two changes (11b1cc4, 9 runs "
    "of each): 1.34x and 1.52x (1.58x and 1.62x from the first match on), 2.56 s and 1.68 s, and 1.64x with 8 "
    "(two runs of 5 just before it: 1.40x and 1.66x, then 1.30x and 1.51x).",
    "Before a tournament's move was checked once instead of twice (the code of afe1fa7, this machine, the same "
    "day, 9 runs of each): 1.27x and 1.56x with 4 entrants (1.47x and 1.70x from the first match on), one "
    "worker's 600 matches in 2.52 s and two workers' in 1.61 s, and 1.69x with 8.",
    "Before this host's cgroup2 was mounted with favordynmods (the code of 10b59e4, this machine, an hour before,"
    " 9 runs of each, sizes 34 and 100 only): 1.36x and 1.59x with 4 entrants (1.44x and 1.71x from the first "
    "match on), one worker's 600 matches in 2.44 s and two workers' in 1.53 s, two workers 93% busy, and 1.67x "
    "with 8.",
    "Before the harness read its end of an agent's answers before it polled (the code of a9abfbd, this machine, "
    "the same day, 9 runs of each): 1.21x, 1.62x and 1.71x with 4 entrants (1.52x, 1.73x and 1.80x from the "
    "first recorded match on), one worker's 1,800 matches in 6.98 s and two workers' in 4.09 s, and 1.66x with 8.",
    "Then, in two rounds of 3 runs each alternating the code before that change with this run's, 1,800 matches: "
    "1.69x and 1.54x before it, 1.62x and 1.57x with it (204 matches: 1.25x and 1.14x, 1.15x and 1.21x): this "
    "machine's spread from run to run, wider than any difference between them. The target for 1,800 matches "
    "is met in some runs and not in others.",
    "The code of that run (2026-12-06, this machine, 9 runs of each): 1.24x, 1.53x and 1.65x with 4 entrants "
    "(1.46x, 1.64x and 1.76x from the first recorded match on), 5.4 ms a match with one worker and 34 games a "
    "pairing, and 1.70x with 8.",
    "The code of 19ec5b1 (2026-12-07, this machine, 9 runs of each), whose harness also reads each agent's memory "
    "twice a call, for work it left the kernel to do on its opponent's turn, and builds a new agent for every "
    "game: 1.29x, 1.63x and 1.76x with 4 entrants (1.62x, 1.82x and 1.85x from the first recorded match on), "
    "5.9 ms a match with one worker and 34 games a pairing (4.7 ms with 300), and 1.82x with 8. This run's "
    "harness runs a submission's own modules anew every game; one worker's matches are slower than then (6.3 "
    "and 5.5 ms), which raises the ratios: two workers' 1,800 matches took 5.23 s against 4.79 s.",
)


class Run(NamedTuple):
    """One run of a round robin, from the backend's creation to its last recorded match."""

    matches: int
    seconds: float
    sandboxes: int  # started during the run
    first_match: float  # seconds to the first recorded match
    busy: float  # CPU seconds the machine was busy meanwhile, all processes together


def busy_cpu_seconds() -> float:
    """CPU seconds this machine's CPUs have spent busy so far, all processes together (/proc/stat)."""
    ticks = [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # less idle and iowait


def run(entrants: int, workers: int, games_per_pair: int, parent: str) -> Run:
    """A round robin of `entrants` random submissions, from scratch, in a new folder under `parent`."""
    root = Path(tempfile.mkdtemp(dir=parent))
    for index in range(entrants):
        name = f"random_{index}"
        shutil.copytree(REPO / "submissions" / "random", root / "subs" / name)
        (root / "subs" / name / "arena.toml").write_text(f'name = "{name}"\n')
        with open(root / "subs" / name / "agent.py", "a") as agent:  # one line on load: one log file a sandbox
            agent.write('\nprint("loaded", flush=True)\n')
    started, busy_before = time.perf_counter(), busy_cpu_seconds()
    backend = backend_for("process", workers)  # first, as `arena tournament` does: its players are forked
    tournament = Tournament(root / "t.sqlite", Settings(env="othello", games_per_pair=games_per_pair, seed=0))
    tournament.register_folder(root / "subs")
    recorded_at = []
    played = tournament.play(backend, on_match=lambda result: recorded_at.append(time.perf_counter()))
    elapsed, busy = time.perf_counter() - started, busy_cpu_seconds() - busy_before
    matches = entrants * (entrants - 1) // 2 * games_per_pair
    assert played == matches == tournament.store.finished_count()
    sandboxes = len(list(tournament.log_dir.glob("*.log")))  # each sandbox's agent printed once as it loaded
    return Run(matches, elapsed, sandboxes, recorded_at[0] - started, busy)


def run_from_scratch(entrants: int, workers: int, games_per_pair: int, parent: str) -> Run:
    """`run` in a new process, so that each configuration pays its own start-ups (the sandbox launcher
    a process keeps, say) and none inherits another's."""
    code = (f"import json, tournament; "
            f"print(json.dumps(tournament.run({entrants}, {workers}, {games_per_pair}, {parent!r})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent, capture_output=True, text=True,
                          check=True)
    return Run(*json.loads(done.stdout.strip().splitlines()[-1]))


def listed(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return " and ".join(filter(None, [", ".join(items[:-1]), items[-1]]))


def cgroup2_options() -> str:
    """The mount options of this host's cgroup2 hierarchy (where the sandboxes are frozen), or a line
    saying there is none: `favordynmods` spares each sandbox's start a wait that holds every cgroup write."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        _, _, after = line.partition(" - ")
        if after.startswith("cgroup2 "):
            return after.split()[-1]
    return "no cgroup2 mounted"


def cpus_busy(run: Run, cpus: int) -> float:
    """The share of the machine's `cpus` CPUs a run kept busy."""
    return run.busy / (run.seconds * cpus)


def after_first_match(run: Run) -> float:
    """Matches a second from the first recorded match to the end."""
    return (run.matches - 1) / (run.seconds - run.first_match)


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--games-per-pair", type=int, nargs="+", default=[34, 100, 300],
                        help="games of each pairing; the first size also runs 8 entrants (default: 34 100 300)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each configuration, interleaved; the "
                                                                "median counts (default: 3)")
    args = parser.parse_args()

    first = args.games_per_pair[0]
    configurations = [(4, 1, size) for size in args.games_per_pair] + [(4, 2, size) for size in args.games_per_pair]
    configurations += [(8, 1, first), (8, 2, first)]
    load_before = os.getloadavg()[0]
    times: dict[tuple, list[Run]] = {c: [] for c in configurations}
    # Every run's files stay until the last run has ended: ext4 passes over the inodes freed in the last
    # minute when it makes a file, up to a millisecond of CPU a file next to a deleted run's replays.
    with tempfile.TemporaryDirectory() as parent:
        for _ in range(args.repeats):
            for configuration in configurations:
                times[configuration].append(run_from_scratch(*configuration, parent))
    runs = {c: sorted(done, key=lambda run: run.seconds)[len(done) // 2] for c, done in times.items()}  # the median
    load_after = os.getloadavg()[0]
    game = []
    for seed in range(50):
        started = time.perf_counter()
        play_match("othello", [RandomAgent(), RandomAgent()], seed=seed)
        game.append(time.perf_counter() - started)
    in_process = statistics.median(game)
    rows = []
    by_size = sorted(runs.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1]))  # size, entrants, workers
    cpus = os.cpu_count()
    for (entrants, workers, size), run in by_size:
        matches, seconds, sandboxes, first_match, busy = run
        speed_up = runs[entrants, 1, size].seconds / seconds
        rows.append(f"| {entrants} | {size} | {workers} | {matches} | {seconds:.2f} s | {matches / seconds:.1f} | "
                    f"{speed_up:.2f}x | {seconds / matches * 1000:.1f} ms | {sandboxes} | {first_match:.2f} s | "
                    f"{busy:.2f} s | {cpus_busy(run, cpus):.0%} |")
    speed_ups = [f"**{runs[4, 1, size].seconds / runs[4, 2, size].seconds:.2f}x** with {size} games a pairing "
                 f"({runs[4, 1, size].matches} matches)" for size in args.games_per_pair]
    after_start = [f"{after_first_match(runs[4, 2, size]) / after_first_match(runs[4, 1, size]):.2f}x"
                   for size in args.games_per_pair]
    four, eight = runs[4, 2, first], runs[8, 2, first]
    longest = args.games_per_pair[-1]
    one, two = runs[4, 1, longest], runs[4, 2, longest]
    per_match = runs[4, 1, first].seconds / runs[4, 1, first].matches
    body = "\n".join([
        "Othello round robins of random submissions, sandboxed, replays saved, results in SQLite, each run a new "
        f"process timed from the backend's creation (start-up of players, launcher and sandboxes included); the "
        f"median of {args.repeats} interleaved runs of each configuration:",
        "",
        "| entrants | games a pairing | workers | matches | wall time | matches/s | speed-up | wall time a match | "
        "sandboxes started | first match recorded | CPU busy | CPUs busy |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        f"4 entrants: `--workers 2` plays {listed(speed_ups)} the matches a second of `--workers 1` "
        "(target: at least 1.7x). Both wait alike for the sandbox launcher's start (a new Python importing what "
        "the agents' processes load) before the first match; from the first recorded match on, two workers play "
        f"{listed(after_start)} the matches a second of one.",
        f"CPU busy: the seconds this machine's {cpus} CPUs spent busy during the run, all processes together "
        f"(/proc/stat). With {longest} games a pairing, one worker keeps {cpus_busy(one, cpus):.0%} of them busy: "
        "its recording thread, the sandbox launcher's start and the kernel's work for them run beside its matches "
        f"on another CPU. Two workers do about as much work ({two.busy:.2f} s of CPU against {one.busy:.2f} s) and "
        f"keep {cpus_busy(two, cpus):.0%} busy; with every CPU busy throughout they would take "
        f"{two.busy / cpus:.2f} s, {one.seconds / (two.busy / cpus):.2f}x one worker's wall time: the most two "
        "workers can gain while the work stays what it is.",
        f"8 entrants against 4, two workers: {eight.matches / four.matches:.1f}x the matches in "
        f"**{eight.seconds / four.seconds:.1f}x** the wall time (wall time a match "
        f"{eight.seconds / eight.matches * 1000:.1f} ms against {four.seconds / four.matches * 1000:.1f} ms).",
        f"Harness overhead per match: {(per_match - in_process) * 1000:.1f} ms "
        f"({per_match * 1000:.1f} ms a match with one worker, 4 entrants and {first} games a pairing, of which "
        f"{in_process * 1000:.1f} ms is the game itself between in-process agents): sandbox round trips for about 60 "
        "moves, the replay file and the database transaction.",
        PLACEMENT,
        *earlier_recordings(EARLIER),
        f"This host's cgroup2 mount options: {cgroup2_options()} (README, Tournaments: `favordynmods`).",
        f"Load average (1 min) before and after the runs: {load_before:.1f}, {load_after:.1f}.",
    ])
    print(body)
    if args.record:
        record("Tournament: matches per second", body)


if __name__ == "__main__":
    main()
