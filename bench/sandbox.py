"""Sandbox overhead against its floor: a predict() round trip and a sandboxed match step.

    python bench/sandbox.py            # print the numbers
    python bench/sandbox.py --record   # also write them into bench/RESULTS.md

Each figure is measured side by side with its reference in the same run, in alternating rounds,
so that whatever else the machine is doing falls on both alike:

- one predict() through the sandbox (first-legal-move agent, an Othello observation) against a raw
  `os.pipe` round trip of the same bytes with a child process that answers with the reply's bytes
  and against the same exchange with an unconfined child (codec, predict(), codec: no sandbox),
  and the CPU time of both processes per round trip (the harness's own, plus the agent's cgroup or
  the echoing child); once with the two processes pinned to one CPU (a round trip is two context
  switches) and once to a CPU each (two wake-ups of another CPU, which a VM makes dear);
- a sandboxed Othello match step (random against random, both sandboxed, workers started once)
  against the in-process step plus one round trip, and the sandboxed games' steps a second, also
  with the agents left wherever the scheduler puts them (`share_cpu_in_turns=False`).

Targets: round trip at most 2x the pipe's median, CPU at most 2x the pipe's; a sandboxed step at
most 3x the in-process step plus one round trip; at least 10,000 sandboxed steps a second.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from arena.agents import RandomAgent
from arena.envs import make_raw, seat_view
from arena.handle import LocalAgent
from arena.match import play_match
from arena.sandbox import Limits, SandboxedAgent, codec, protections
from arena.sandbox.protocol import Kind
from arena.submission import instantiate, load
from results import command_line, earlier_recordings, record

FIRST_LEGAL = """
from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        return int(obs["action_mask"].nonzero()[0][0])
"""

# The pipe's other end: answers every read with the reply's bytes, as a worker answers a frame.
ECHO = """
import os, sys
read_fd, write_fd, reply = int(sys.argv[1]), int(sys.argv[2]), bytes(int(sys.argv[3]))
while os.read(read_fd, 4096):
    os.write(write_fd, reply)
"""


# The same exchange with no sandbox and no clock: an unconfined child reads each request frame, decodes it
# with the sandbox's codec, asks the same predict() and writes the encoded answer's frame.
UNCONFINED = """
import os, sys
from arena.sandbox import codec
read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
while frame := os.read(read_fd, 4096):
    obs = codec.decode(frame, 5)
    payload = codec.encode(int(obs["action_mask"].nonzero()[0][0]))
    os.write(write_fd, len(payload).to_bytes(4, "little") + bytes([KIND]) + payload)
"""


# The same figures before: earlier recordings of this bench, each with what changed since (a line each in RESULTS.md).
EARLIER = (
    "On an Intel Xeon machine of 2 cores: this bench's previous version (2026-12-01, not pinned: the scheduler "
    "kept the two processes on one CPU) measured a round trip of 44.2 and 46.3 µs median in two runs and a "
    "sandboxed random-vs-random Othello game of 29.1 and 7.6 ms (about 2,100 and 7,900 steps a second), with the "
    "load.",
    "Before each sandbox kept its env copy and seat view between games and the harness stopped copying the spaces"
    " of a sandboxed seat (same day, load 1.7 to 2.4): 9,401 sandboxed steps a second, a game's start about 28% "
    "of it.",
    "Before an agent shown asleep on its pipe was left unfrozen between its calls (every call ended in a freeze, "
    "a wait for it to stop and a thaw; 2026-12-04, that machine then 1.3x slower by the in-process step): a round"
    " trip 41.6 µs (one CPU) and 145.7 µs (a CPU each), 6,995 sandboxed steps a second.",
    "On 2026-12-05, both ways in turn in one run, 6,270 to 8,165 steps a second freezing after every call against"
    " 10,674 to 15,611 without freezing, and then 36.2 µs a round trip on one CPU (the pipe's 3.0 µs) and 102.8 "
    "µs on a CPU each (the pipe's 64.3 µs: 1.6x its median, 1.9x its CPU) and 10,578 sandboxed steps a second.",
    "The machine matters: on an AMD EPYC machine of 2 cores, where in-process Python is about 3x slower and a "
    "wake-up of another CPU cheaper, the code of 2026-12-05 measured 64.9 and 109.9 µs a round trip and 6,806 "
    "steps a second.",
    "On the AMD EPYC machine, before an agent still on its way back to its read just after its answer was looked "
    "at again instead of frozen (a quarter of the random agent's calls were), 5,740 steps a second.",
    "On the AMD EPYC machine, before the idle proof read the signals caught from /proc/PID/stat (the seccomp "
    "filter refusing handlers for real-time signals), the read's descriptor through an open /proc/PID/fd and no "
    "wait channel, and each game's start asked /proc for the harness's CPU, 66.8 and 114.0 µs a round trip and "
    "6,650 steps a second.",
    "On the AMD EPYC machine on 2026-12-06, the code of 39065d1: 55.1 and 97.5 µs a round trip (the pipe's 6.5 "
    "and 40.0 µs; on a CPU each 2.4x its median and 3.1x its CPU) and 8,160 sandboxed steps a second.",
    "The code of 39065d1 on the Intel machine, before the clock took the agent's waits for a CPU from the idle "
    "proof's own reads and the proof named the pipe by its /proc link (three kernel-counter reads and a stat a "
    "call fewer), 44.7 and 108.8 µs a round trip (the pipe's 3.0 and 63.8 µs; on a CPU each 1.7x its median and "
    "2.1x its CPU) and 10,449 sandboxed steps a second.",
    "The code of 1deacbd on the Intel machine (its filter grown by the calls it now refuses or hands to its "
    "supervisor, none of them on a round trip's path), in four runs in one hour: 35.5 µs a round trip on one CPU "
    "(the pipe's 3.0 µs) and, on a CPU each, 1.97x, 2.02x, 1.91x and 1.91x the pipe's CPU (1.63x, 1.60x, 1.58x "
    "and 1.59x its median), 10,877 to 13,117 sandboxed steps a second: the CPU target met in some runs and not in"
    " others.",
    "The code of 42d2892, which reads an answer without copying what was read ahead twice, decodes a lone integer"
    " without the general reader, splits only the idle proof's fields it reads, and whose launcher starts reading"
    " the shared libraries before it imports the sandbox's parts, on this machine: 34.8 µs a round trip on one "
    "CPU, and on a CPU each 2.00x the pipe's CPU and 1.67x its median, 14,722 sandboxed steps a second (an hour "
    "earlier, its launcher as before: 34.8 µs, 1.98x and 1.66x, 15,570 steps a second); run again just before "
    "this run, 32.9 µs (33.5 µs of CPU), 1.97x and 1.64x, 15,339 steps a second.",
    "The code of 729e150, which writes a call that fits the pipe at once, without the bookkeeping of a timed wait"
    " (0.5 to 0.7 µs less of the harness's CPU a call, measured in rounds alternating with the old way in one "
    "process, less than this bench's spread from one run to the next): 33.9 µs a round trip on one CPU (34.7 µs "
    "of CPU), and on a CPU each 1.98x the pipe's CPU and 1.62x its median, 15,526 sandboxed steps a second.",
    "The code of 031918e, which reads the signals the agent catches (/proc/PID/stat) only once at first and after"
    " its supervisor told of a call setting a signal's action: 29.5 µs a round trip on one CPU (30.1 µs of CPU), "
    "and on a CPU each 1.82x the pipe's CPU and 1.54x its median, 16,910 sandboxed steps a second.",
    "The code of b51d645, which also reads the link of the descriptor the agent reads its calls from only at "
    "first and after its supervisor told of a call that could put another file there: 26.4 µs a round trip on one"
    " CPU (4.96x the pipe's median, 4.83x its CPU), and on a CPU each 1.39x the pipe's median and 1.65x its CPU, "
    "16,745 sandboxed steps a second.",
    "The code of 8b12e67 (its round trip that of b51d645; from here on this bench splits the CPU by process): "
    "28.1 µs a round trip on one CPU (28.9 µs of CPU: the harness's 19.6, the agent's 9.3; 5.00x the pipe's "
    "median, 4.90x its CPU), and on a CPU each 1.46x the pipe's median and 1.72x its CPU, 17,701 sandboxed steps "
    "a second; the code of 58cd977 (later changes off a round trip's path) in three runs of 8 rounds: 30.5, 31.6 "
    "and 27.8 µs on one CPU.",
    "This run's harness reads its end of the answers' pipe before it polls, and polls only when nothing is there "
    "yet: in 12 rounds alternating with the old way in one process, 27.0 µs a round trip on one CPU against 28.0 "
    "µs, and 63.0 against 64.2 µs on a CPU each (within that placement's spread from round to round).",
    "The code of that run (2026-12-06, AMD EPYC): 26.9 µs a round trip on one CPU (27.5 µs of CPU: the harness's "
    "18.4, the agent's 9.1; 4.86x the pipe's median, 4.72x its CPU), and on a CPU each 1.47x the pipe's median and "
    "1.76x its CPU, 17,683 sandboxed steps a second.",
    "The code of a269183 (2026-12-07, AMD EPYC), whose harness also reads the agent's memory (two reads of one "
    "counter a call) to see work it left the kernel to do on its opponent's turn (`deferred_frees`) and builds a "
    "new agent every game: 30.1 µs a round trip on one CPU (5.53x the pipe's median, 5.43x its CPU), on a CPU each "
    "1.55x the pipe's median and 1.90x its CPU, 14,092 sandboxed steps a second, a game's start 1.52 ms.",
    "The code of 051d3ce (2026-12-07, AMD EPYC), whose harness reads the agent's kernel memory alone and runs the "
    "submission's own modules anew every game: 29.8 µs a round trip on one CPU (5.39x the pipe's median, 5.30x its "
    "CPU), on a CPU each 1.55x the pipe's median and 1.88x its CPU, 13,727 sandboxed steps a second, a game's start "
    "1.46 ms.",
    "The code of 19f1b60 (2026-12-07, AMD EPYC), whose worker also collects the last game's modules before they run "
    "again and counts what they left behind (about 45 µs of each sandbox's game start, two a game): 30.3 µs a round "
    "trip on one CPU (5.37x the pipe's median, 5.25x its CPU), on a CPU each 1.54x the pipe's median and 1.85x its "
    "CPU, 12,793 sandboxed steps a second, a game's start 1.58 ms. This run's code changes nothing on a round "
    "trip's path; a game's start also keeps the agent's submission for as long as the agent lives and imports "
    "the packages that draw from `random` as they load before the build's seeding (the median of 200 starts, two "
    "runs of each code one after the other on this machine: 1.70 and 1.66 ms before, 1.70 and 1.74 ms after, "
    "within its spread).",
)


def verdict(met: bool) -> str:
    return "met" if met else "not met"


def cpu_cells(stats: dict[str, float], bold: bool = False) -> str:
    """A round trip's CPU per call, both processes together, then this process's and the other's (table cells)."""
    mark = "**" if bold else ""
    return (f"{mark}{stats['cpu'] * 1e6:.1f} µs{mark} | {stats['cpu_here'] * 1e6:.1f} µs | "
            f"{stats['cpu_there'] * 1e6:.1f} µs")


def frame(kind: Kind, value) -> bytes:
    payload = codec.encode(value)
    return len(payload).to_bytes(4, "little") + bytes([kind]) + payload


class Echo:
    """A child process at the other end of two raw pipes, running `code` (ECHO, or UNCONFINED: then each
    reply is decoded here too)."""

    def __init__(self, reply_bytes: int, code: str = ECHO):
        to_child, self._to_child = os.pipe()
        self._from_child, from_child = os.pipe()
        flags = ["-S"] if code == ECHO else []  # the unconfined child imports arena
        program = code.replace("KIND", str(int(Kind.ACTION)))
        self.process = subprocess.Popen([sys.executable, *flags, "-c", program, str(to_child), str(from_child),
                                         str(reply_bytes)], pass_fds=(to_child, from_child))
        self._decoded = code != ECHO
        os.close(to_child)
        os.close(from_child)

    def round_trip(self, request: bytes) -> None:
        os.write(self._to_child, request)
        reply = os.read(self._from_child, 4096)
        if self._decoded:
            codec.decode(reply, 5)

    def cpu_ns(self) -> int:
        return _schedstat_cpu(self.process.pid)

    def close(self) -> None:
        os.close(self._to_child)
        self.process.wait()
        os.close(self._from_child)


def _schedstat_cpu(pid: int) -> int:
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def timed_calls(call, calls: int) -> tuple[list[float], float]:
    """Seconds of each of `calls` calls, and this process's CPU seconds for all of them."""
    times = []
    cpu = time.process_time()
    for _ in range(calls):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times, time.process_time() - cpu


def place(cpu_of_harness: int, cpu_of_others: int, pids: list[int]) -> None:
    """Pin this thread to one CPU and the processes `pids` to another (or the same)."""
    os.sched_setaffinity(0, {cpu_of_harness})
    for pid in pids:
        os.sched_setaffinity(pid, {cpu_of_others})


def left_asleep(boxed: SandboxedAgent, observation) -> None:
    """Call the agent until it is left unfrozen after its answer, asleep on its pipe: the proof then
    makes every read it makes between calls (on a frozen agent it stops at the first)."""
    for _ in range(1000):
        boxed.act(observation)
        if boxed._idle is not None and not boxed._freezer.frozen and boxed._idle.holds():
            return
    raise SystemExit("this kernel does not show an agent asleep on its pipe: the sandbox freezes it instead")


def round_trips(boxed: SandboxedAgent, local: LocalAgent, echo: Echo, unconfined: Echo, observation, request: bytes,
                rounds: int, calls: int) -> dict[str, dict[str, float]]:
    """Median, p90 and CPU per call of the sandbox, the raw pipe, the unconfined exchange and the in-process
    call, in alternating rounds."""
    for _ in range(3000):  # warm up where the processes now run
        boxed.act(observation)
        echo.round_trip(request)
        unconfined.round_trip(request)
    samples = {"pipe": [], "unconfined": [], "sandbox": [], "local": [], "clock": [], "proof": []}
    timer = boxed._timer  # the fair clock's own kernel-counter read in a call that ends with the agent shown asleep
    idle = boxed._idle  # the reads that show the agent asleep on its pipe after a call, as the harness makes them

    def proof() -> None:
        idle.look()  # how it stood when its answer came in, then the proof
        idle.holds()

    def clock_reads() -> None:
        timer.group_cpu()  # the agent's waits for a CPU, at the call's start and end, are what the proof read

    # CPU seconds per round, this process's and the other side's (the echoing child, or the agent's cgroup)
    cpu: dict[str, list[tuple[float, float]]] = {"pipe": [], "unconfined": [], "sandbox": []}
    for _ in range(rounds):
        for name, child in (("pipe", echo), ("unconfined", unconfined)):
            before = child.cpu_ns()
            times, mine = timed_calls(lambda: child.round_trip(request), calls)
            samples[name] += times
            cpu[name].append((mine, (child.cpu_ns() - before) / 1e9))
        before = boxed._timer.group_cpu()  # the agent's cgroup: every process of the sandbox
        times, mine = timed_calls(lambda: boxed.act(observation), calls)
        samples["sandbox"] += times
        cpu["sandbox"].append((mine, (boxed._timer.group_cpu() - before) / 1e9))
        samples["local"] += timed_calls(lambda: local.act(observation), calls)[0]
        samples["clock"] += timed_calls(clock_reads, calls)[0]
        left_asleep(boxed, observation)
        samples["proof"] += timed_calls(proof, calls)[0]
    stats = {}
    for name, times in samples.items():
        times.sort()
        rounds_cpu = cpu.get(name, [(0.0, 0.0)])
        stats[name] = {"median": statistics.median(times), "p90": times[int(0.9 * len(times))],
                       "cpu": statistics.median(here + there for here, there in rounds_cpu) / calls,
                       "cpu_here": statistics.median(here for here, _ in rounds_cpu) / calls,
                       "cpu_there": statistics.median(there for _, there in rounds_cpu) / calls}
    return stats


def match_steps(games: int) -> dict[str, dict[str, float]]:
    """Random-vs-random Othello game by game in turn: both sandboxed, both sandboxed without sharing the
    harness's CPU, both in-process. Seconds a step, a game, and steps a second for each."""
    random_submission = load(Path(__file__).parents[1] / "submissions" / "random")
    apart = replace(Limits(), share_cpu_in_turns=False)
    sandboxes = {"sandboxed": [SandboxedAgent(random_submission, 1.0) for _ in range(2)],
                 "apart": [SandboxedAgent(random_submission, 1.0, limits=apart) for _ in range(2)]}
    played: dict[str, list[tuple[float, int]]] = {"sandboxed": [], "apart": [], "local": []}
    starts = []  # a game of the sandboxed pair cut before its first move: both agents started and reset
    try:
        for boxed in sandboxes.values():
            play_match("othello", boxed, seed=0)  # start the workers
        for seed in range(1, games + 1):
            for name, agents in [*sandboxes.items(), ("local", None)]:
                agents = agents or [RandomAgent(), RandomAgent()]
                started = time.perf_counter()
                result = play_match("othello", agents, seed=seed)
                played[name].append((time.perf_counter() - started, result.steps))
                assert all(a.status == "ok" for a in result.agents), result.outcome
            started = time.perf_counter()
            play_match("othello", sandboxes["sandboxed"], seed=seed, max_steps=0)
            starts.append(time.perf_counter() - started)
    finally:
        for boxed in sandboxes.values():
            for agent in boxed:
                agent.close()
    return {name: {"step": statistics.median(t / s for t, s in games_),
                   "game": statistics.median(t for t, _ in games_),
                   "steps": statistics.median(s for _, s in games_),
                   "per_second": sum(s for _, s in games_) / sum(t for t, _ in games_),
                   "start": statistics.median(starts)}
            for name, games_ in played.items()}


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds of round trips (default: 10)")
    parser.add_argument("--calls", type=int, default=2000, help="round trips a round, each way (default: 2000)")
    parser.add_argument("--games", type=int, default=40, help="Othello games each way (default: 40)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp()) / "first_legal"
    folder.mkdir()
    (folder / "agent.py").write_text(FIRST_LEGAL)
    spec = load(folder)
    env = make_raw("othello")
    env.reset(seed=0)
    observation = env.observe("player_0")
    seat = seat_view(env, "player_0", 0)
    request = frame(Kind.ACT, observation)
    reply = frame(Kind.ACTION, int(observation["action_mask"].nonzero()[0][0]))

    load_before = os.getloadavg()[0]
    local = LocalAgent(instantiate(spec))
    local.start(seat)
    startups = []  # the first starts the process's sandbox launcher too; the others are forked by it
    for _ in range(4):
        boxed = SandboxedAgent(spec, time_per_move=1.0)
        started = time.perf_counter()
        boxed.start(seat)
        startups.append(time.perf_counter() - started)
        if len(startups) < 4:
            boxed.close()
    boxed.act(observation)  # the harness finds the agent's own process in its namespace
    echo, unconfined = Echo(len(reply)), Echo(len(reply), UNCONFINED)
    cpus = sorted(os.sched_getaffinity(0))
    placements = {"one CPU for both processes": (cpus[0], cpus[0]),
                  **({"a CPU each": (cpus[0], cpus[1])} if len(cpus) > 1 else {})}
    trips = {}
    try:
        for placement, (mine, theirs) in placements.items():
            boxed._place(theirs)  # its cpuset too, where the host has one: its affinity alone cannot leave it
            place(mine, theirs, [echo.process.pid, unconfined.process.pid, boxed._process.pid, boxed._agent_pid])
            trips[placement] = round_trips(boxed, local, echo, unconfined, observation, request, args.rounds,
                                           args.calls)
    finally:
        os.sched_setaffinity(0, set(cpus))
        boxed.close()
        echo.close()
        unconfined.close()
        shutil.rmtree(folder.parent)
    steps = match_steps(args.games)
    load_after = os.getloadavg()[0]

    us = 1e6
    rows, ratios = [], []
    for placement, stats in trips.items():
        pipe, sandbox = stats["pipe"], stats["sandbox"]
        median_ratio, cpu_ratio = sandbox["median"] / pipe["median"], sandbox["cpu"] / pipe["cpu"]
        ratios.append(f"{placement}: **{median_ratio:.2f}x** the median, **{cpu_ratio:.2f}x** the CPU "
                      f"({verdict(median_ratio <= 2 and cpu_ratio <= 2)})")
        rows += [
            f"| {placement} | raw `os.pipe` round trip of the same bytes (echoing child) | {pipe['median'] * us:.1f} µs | "
            f"{pipe['p90'] * us:.1f} µs | {cpu_cells(pipe)} |",
            f"| {placement} | the same exchange unconfined: a child decoding each request with the sandbox's codec, "
            f"asking predict() and encoding the answer, decoded here (no isolation, no clock) | "
            f"{stats['unconfined']['median'] * us:.1f} µs | {stats['unconfined']['p90'] * us:.1f} µs | "
            f"{cpu_cells(stats['unconfined'])} |",
            f"| {placement} | `SandboxedAgent` (every isolation layer on, fair clock) | "
            f"**{sandbox['median'] * us:.1f} µs** | {sandbox['p90'] * us:.1f} µs | {cpu_cells(sandbox, bold=True)} |",
        ]
    local_median = statistics.median(stats["local"]["median"] for stats in trips.values())
    one_cpu = next(iter(trips.values()))
    floor = sum(one_cpu[part]["median"] for part in ("pipe", "clock", "proof", "local"))
    round_trip = min(stats["sandbox"]["median"] for stats in trips.values())
    boxed, apart, local = steps["sandboxed"], steps["apart"], steps["local"]
    step_budget = 3 * (local["step"] + round_trip)
    body = "\n".join([
        f"One predict() on an Othello observation ({len(request)}-byte request, {len(reply)}-byte reply), "
        f"{args.rounds} alternating rounds of {args.calls:,} calls each way, first-legal-move agent, with the harness "
        "and the other process pinned to one CPU, then to a CPU each:",
        "",
        "| placement | path | median | p90 | CPU per call, both processes | the harness's | the other process's |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        f"| | in-process `LocalAgent` | {local_median * us:.1f} µs | | | | |",
        "",
        f"Sandbox / pipe (targets: at most 2x each): {'; '.join(ratios)}.",
        f"With both processes on one CPU, a round trip that keeps the fair clock and lets nothing of the agent run "
        f"between calls cannot cost less than the pipe's round trip, the clock's read of the agent's CPU time "
        f"({one_cpu['clock']['median'] * us:.1f} µs), the reads that show the agent asleep on its pipe after its "
        f"answer ({one_cpu['proof']['median'] * us:.1f} µs; freezing it instead costs more) and the agent's own "
        f"predict() ({one_cpu['local']['median'] * us:.1f} µs in-process): {floor * us:.1f} µs, "
        f"**{floor / one_cpu['pipe']['median']:.1f}x** the pipe's median before any encoding, decoding or Python "
        f"dispatch; the sandbox is {one_cpu['sandbox']['median'] / floor:.1f}x that floor. The exchange itself, "
        f"without any isolation or clock, is {one_cpu['unconfined']['median'] / one_cpu['pipe']['median']:.1f}x the "
        f"pipe's median on one CPU: that target leaves the clock and every isolating layer "
        f"{max(2 * one_cpu['pipe']['median'] - one_cpu['unconfined']['median'], 0) * us:.1f} µs a call. "
        f"Of the sandbox's CPU on one CPU, the harness's side is {one_cpu['sandbox']['cpu_here'] * us:.1f} µs "
        f"(the unconfined exchange's {one_cpu['unconfined']['cpu_here'] * us:.1f} µs) and the agent's "
        f"{one_cpu['sandbox']['cpu_there'] * us:.1f} µs (the unconfined child's "
        f"{one_cpu['unconfined']['cpu_there'] * us:.1f} µs).",
        "",
        f"Random vs random Othello, {args.games} games each way in turn, workers started once:",
        "",
        "| agents | a step | a game | steps a second |",
        "| --- | ---: | ---: | ---: |",
        f"| both sandboxed | **{boxed['step'] * us:.1f} µs** | {boxed['game'] * 1000:.2f} ms | "
        f"**{boxed['per_second']:,.0f}** |",
        f"| both sandboxed, not kept on the harness's CPU (`share_cpu_in_turns=False`, as before) | "
        f"{apart['step'] * us:.1f} µs | {apart['game'] * 1000:.2f} ms | {apart['per_second']:,.0f} |",
        f"| both in-process | {local['step'] * us:.1f} µs | {local['game'] * 1000:.2f} ms | {local['per_second']:,.0f} |",
        "",
        f"A sandboxed step is {boxed['step'] / (local['step'] + round_trip):.1f}x the in-process step plus one round "
        f"trip (the faster placement's median; target: at most 3x, {step_budget * us:.0f} µs here: "
        f"{verdict(boxed['step'] <= step_budget)}). A step includes its share of each game's start and reset "
        f"({boxed['steps']:.0f} moves a game). Target: at least 10,000 sandboxed steps a second: "
        f"{verdict(boxed['per_second'] >= 10_000)}.",
        f"A sandboxed game's start (both agents seated and reset; a game cut before its first move): "
        f"{boxed['start'] * 1000:.2f} ms, {boxed['start'] / boxed['game']:.0%} of a game.",
        *earlier_recordings(EARLIER),
        f"Start-up of one sandboxed agent (process, namespaces, filesystem, cgroups, agent load): "
        f"{statistics.median(startups[1:]) * 1000:.0f} ms forked by the launcher; the process's first "
        f"{startups[0]:.2f} s, which starts the launcher (a new Python importing what workers load before "
        "confining themselves).",
        f"Confinement active: {protections()}.",
        f"Load average (1 min) before and after the run: {load_before:.1f}, {load_after:.1f}.",
    ])
    print(body)
    if args.record:
        record("Sandbox: predict round trip", body)


if __name__ == "__main__":
    main()
