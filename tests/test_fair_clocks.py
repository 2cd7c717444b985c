"""Fair clocks: an agent is charged its own time, never the time it waited for a CPU others held,
and it works only on its own time.

The tests load every core with busy processes outside the sandboxes, as a shared or busy machine
would, and check that only an agent that is really slow runs out of time.
"""

import errno
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from arena.agents import Agent, RandomAgent, TimeControl
from arena.envs import entry, make_raw, seat_view
from arena.faults import Status
from arena.handle import LocalAgent
from arena.match import play_match
from arena.sandbox import Limits, SandboxedAgent, cgroups, confine, protections, sysinfo
from arena.sandbox.agent import LATER_START
from arena.submission import load

HOSTILE = Path(__file__).parent / "hostile"

FIGHTING = entry("fighting")


@pytest.fixture
def busy_machine():
    """Two busy processes per core, for the length of the test."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2 * os.cpu_count())]
    yield
    for hog in hogs:
        hog.kill()
        hog.wait()


def sandboxed(folder, per_move=FIGHTING.time_per_move, bank=FIGHTING.time_bank):
    return SandboxedAgent(load(folder), per_move, bank)


def on_a_short_clock(folder, submissions):
    """The results of a fighting match (100 frames at most) of the submission in `folder`, on a clock
    of 0.05 s a move and a 1 s bank, against the random submission."""
    agents = [SandboxedAgent(load(folder), time_per_move=0.05, time_bank=1.0), sandboxed(submissions / "random")]
    try:
        return play_match("fighting", agents, seed=0, max_steps=100).agents
    finally:
        for agent in agents:
            agent.close()


@pytest.mark.skipif(not protections()["processes"], reason="the agent's own process is followed through its PID namespace")
def test_a_fighting_match_between_sandboxed_agents_on_a_busy_machine_ends_with_both_ok(submissions, busy_machine):
    agents = [sandboxed(submissions / "based_fighter"), sandboxed(submissions / "random")]
    try:
        result = play_match("fighting", agents, seed=0, max_steps=900)
    finally:
        for agent in agents:
            agent.close()
    assert [a.status for a in result.agents] == [Status.OK, Status.OK], [a.detail for a in result.agents]
    assert result.steps > 300  # hundreds of moves each, to the last stock or the time limit
    # Each was charged something, and far less than a bank's worth: the waits were not counted.
    assert all(0 < a.time_used < FIGHTING.time_per_move * 900 for a in result.agents)


def test_an_agent_that_really_is_slow_times_out_saying_what_it_took_and_what_it_had(write_submission, submissions):
    code = """
import time
from arena.agents import Agent

class SubmittedAgent(Agent):
    def predict(self, obs):
        time.sleep(0.7)
        return self.action_space.sample() * 0
"""
    # The first move takes 0.65 s of the 1 s bank, the second needs more than is left; the margins
    # (up to 0.35 s more on the first move) absorb a busy machine's delays.
    mine, other = on_a_short_clock(write_submission("slow", code), submissions)
    assert (mine.status, other.status) == (Status.TIMEOUT, Status.OK)
    assert mine.moves == 1
    took, left = re.fullmatch(r"predict\(\) was stopped after (\S+) s of its own time(?: \(it also waited \S+ s for a CPU, not counted\))?; "
                              r"the limit is 0.05 s a move plus (\S+) s left of a 1 s bank", mine.detail).groups()
    assert 0 < float(left) <= 0.36 and float(took) >= 0.05 + float(left) - 0.01  # it was stopped at its limit
    assert mine.time_used >= 0.65  # the first move's sleep, charged


def test_reset_is_charged_to_the_games_clock(write_submission, submissions):
    """reset() takes 0.8 s of a 1 s bank: the first move's 0.4 s is then more than is left (had
    reset been free, two moves would have fitted)."""
    code = """
import time
from arena.agents import RandomAgent

class SubmittedAgent(RandomAgent):
    def reset(self):
        time.sleep(0.8)

    def predict(self, obs):
        time.sleep(0.4)
        return super().predict(obs)
"""
    mine, _ = on_a_short_clock(write_submission("slow_reset", code), submissions)
    assert (mine.status, mine.moves) == (Status.TIMEOUT, 0), mine.detail
    assert mine.time_used >= 0.75  # the reset's 0.8 s sleep, charged (to the clock's precision)


@pytest.mark.parametrize("case, status", [("infinite_loop", Status.TIMEOUT), ("works_then_exits", Status.CRASH)])
def test_a_move_that_ends_in_a_fault_is_charged_as_an_answered_one(case, status):
    """A move stopped at its limit, or whose process died after 0.3 s of work, took the agent's time as
    an answered move does: `arena serve` shares play by the time charged, where an agent that looped
    forever in every game showed none."""
    agent = SandboxedAgent(load(HOSTILE / case), time_per_move=0.5)
    try:
        mine = play_match("othello", [agent, RandomAgent()], seed=0).agents[0]
    finally:
        agent.close()
    assert (mine.status, mine.moves) == (status, 0), mine.detail
    assert mine.time_used >= 0.25


@pytest.mark.parametrize("time_per_move", [None, 0.1])
def test_an_in_process_move_that_raises_is_charged_as_in_a_sandbox(time_per_move):
    """A move that worked 0.3 s and then raised took the agent's time, with or without a clock."""
    class WorksThenRaises(RandomAgent):
        def predict(self, obs):
            time.sleep(0.3)
            raise RuntimeError("gave up")

    mine = LocalAgent(WorksThenRaises(), time_per_move=time_per_move, time_bank=5.0)
    result = play_match("othello", [mine, RandomAgent()], seed=0).agents[0]
    assert (result.status, result.moves) == (Status.CRASH, 0), result.detail
    assert result.time_used >= 0.25
    if time_per_move is not None:
        assert mine.clock.bank_left <= 5.0 - 0.15  # past the move's own 0.1 s, from the bank


def test_a_later_games_start_has_a_short_budget_off_the_clock(write_submission):
    """The first start may take the start-up budget; a later game's get_env_info (here 1.5 s of
    thinking with that game's seat) only `game_start_seconds`, so no agent thinks a minute a game
    on nobody's time."""
    code = """
import time
from arena.agents import RandomAgent

class SubmittedAgent(RandomAgent):
    starts = 0

    def _initialize(self):
        SubmittedAgent.starts += 1
        time.sleep(1.5)
"""
    spec = load(write_submission("ponders_at_start", code))
    agent = SandboxedAgent(spec, 1.0, limits=Limits(game_start_seconds=0.5))
    try:
        first = play_match("othello", [agent, RandomAgent()], seed=0)
        second = play_match("othello", [RandomAgent(), agent], seed=1)
    finally:
        agent.close()
    assert first.agents[0].status == Status.OK, first.agents[0].detail  # 1.5 s of a 60 s start-up budget
    mine = second.agents[1]
    assert mine.status == Status.TIMEOUT and mine.moves == 0, mine.detail
    stopped = re.match(rf"{re.escape(LATER_START)} was stopped after (\S+) s of its own time.*; the limit is (\S+) s$",
                       mine.detail)
    took, limit = map(float, stopped.groups())
    assert took >= limit and 0.5 <= limit < 0.6  # (and 1.5 times building it, a few milliseconds)


def test_a_later_games_start_may_run_its_modules_as_long_as_they_took_to_run_first(write_submission):
    """Every game runs its own modules anew: one that loads a model as it runs (1 s, here) takes that
    every game, beyond `game_start_seconds`."""
    code = """
import model
from arena.agents import RandomAgent


class SubmittedAgent(RandomAgent):
    pass
"""
    spec = load(write_submission("loads_as_it_runs", code, **{"model.py": "import time\n\ntime.sleep(1.0)\n"}))
    agent = SandboxedAgent(spec, 1.0, limits=Limits(game_start_seconds=0.5))
    try:
        games = [play_match("othello", [agent, RandomAgent()], seed=seed, max_steps=4) for seed in range(3)]
    finally:
        agent.close()
    assert [game.agents[0].status for game in games] == [Status.OK] * 3, [game.agents[0].detail for game in games]
    assert agent.processes_started == 1
    assert all(game.agents[0].time_to_start >= 1.0 for game in games[1:])


def three_tenths_late(function):
    """`function`, called 0.3 s late, as a harness stopped or kept off the CPU on a busy machine would."""
    def late(*args, **kwargs):
        time.sleep(0.3)
        return function(*args, **kwargs)

    return late


@pytest.fixture
def harness_reads_late(monkeypatch):
    from arena.sandbox.protocol import Channel

    monkeypatch.setattr(Channel, "receive", three_tenths_late(Channel.receive))


@pytest.mark.parametrize("late_to", [
    pytest.param("see its processes stopped", marks=pytest.mark.skipif(not protections()["freezing"],
                                                                       reason="needs a cgroup freezer")),
    pytest.param("read its answer", marks=pytest.mark.skipif(
        not protections()["processes"] or not protections()["cgroups"],
        reason="the scheduler is asked about the agent's own tasks, found through its cgroup")),
    pytest.param("read its answer, then see it asleep on its pipe", marks=pytest.mark.skipif(
        not protections()["processes"] or not protections()["freezing"],
        reason="the idle proof and the scheduler look at the agent's own tasks, found through its cgroup")),
    pytest.param("see it asleep on its pipe, once back in its read after its answer", marks=pytest.mark.skipif(
        not protections()["processes"] or not protections()["freezing"],
        reason="the idle proof and the scheduler look at the agent's own tasks, found through its cgroup")),
    "make its call"])
def test_a_harness_late_every_move_costs_the_agent_nothing(late_to, submissions, monkeypatch):
    """Only the agent's own time counts: a harness 0.3 s late each move to make its call (kept off a busy
    CPU before the call is written, which the agent cannot act on before), to see its processes stopped,
    or to read its answer, or to see it asleep on its pipe after its answer, costs it nothing of a 0.1 s budget."""
    from arena.sandbox.idle import IdleProof
    from arena.sandbox.protocol import Channel

    if late_to.startswith("read its answer"):
        monkeypatch.setattr(Channel, "receive", three_tenths_late(Channel.receive))
    if late_to.startswith("see it asleep on its pipe"):
        monkeypatch.setattr(IdleProof, "look", lambda proof: None)  # not yet asleep as its answer was read
    if "see it asleep on its pipe" in late_to:
        monkeypatch.setattr(IdleProof, "holds", three_tenths_late(IdleProof.holds))
    elif late_to == "make its call":
        monkeypatch.setattr(Channel, "post", three_tenths_late(Channel.post))
    elif late_to == "see its processes stopped":
        monkeypatch.setattr(SandboxedAgent, "_until_stopped", three_tenths_late(SandboxedAgent._until_stopped))
    agent = SandboxedAgent(load(submissions / "random"), time_per_move=0.1)
    try:
        mine, _ = play_match("othello", [agent, RandomAgent()], seed=0, max_steps=4).agents
    finally:
        agent.close()
    assert mine.status == Status.OK and mine.moves == 2, mine.detail
    assert mine.time_used < 0.2


THREADED = '''
import threading
import time
import numpy as np
from arena.agents import Agent

def briefly():
    time.sleep(0.05)

class SubmittedAgent(Agent):
    def __init__(self, file_path=None):
        super().__init__(file_path)
        helper = threading.Thread(target=briefly)  # a task that ends before any move
        helper.start()
        helper.join()

    def predict(self, obs):
        if {during_moves}:
            helper = threading.Thread(target=briefly)
            helper.start()
            helper.join()
        return int(np.flatnonzero(obs["action_mask"])[0])
'''


@pytest.mark.skipif(not protections()["processes"] or not protections()["cgroups"],
                    reason="the scheduler is asked about the agent's own tasks, found through its cgroup")
@pytest.mark.parametrize("during_moves", [False, True])
def test_a_late_reading_is_forgiven_unless_a_task_of_the_agent_ended_during_the_call(during_moves, write_submission,
                                                                                     harness_reads_late):
    """A task that ended during the call might have answered after every task left had fallen asleep
    (a thread waiting on a GPU, its main thread asleep from the call's start): the harness's late
    reading is then charged. Tasks that ended before the call began change nothing."""
    folder = write_submission("threaded", THREADED.replace("{during_moves}", str(during_moves)))
    agent = SandboxedAgent(load(folder), time_per_move=0.2)
    try:
        mine, _ = play_match("othello", [agent, RandomAgent()], seed=0, max_steps=2).agents
    finally:
        agent.close()
    if during_moves:
        assert mine.status == Status.TIMEOUT, mine.detail
    else:
        assert mine.status == Status.OK and mine.time_used < 0.3, mine.detail


def test_an_agent_cannot_buy_later_starts_more_time_by_saying_its_build_took_long(write_submission):
    """Its process reports what building took, with the process's own clock, which its code may replace:
    believed up to what its whole first start took by the harness's clock."""
    code = """
import os
import time

from arena.agents import RandomAgent

_monotonic = time.monotonic
time.monotonic = lambda: _monotonic() + 1000.0 * _monotonic()  # each reading far ahead of the last


class SubmittedAgent(RandomAgent):
    def _initialize(self):
        if os.path.exists("started_before"):
            time.sleep(1.5)  # thinking at a later game's start, on nobody's time
        open("started_before", "w").close()
"""
    agent = SandboxedAgent(load(write_submission("says_it_built_long", code)), 1.0, limits=Limits(game_start_seconds=0.5))
    try:
        first = play_match("othello", [agent, RandomAgent()], seed=0, max_steps=4)
        second = play_match("othello", [agent, RandomAgent()], seed=1, max_steps=4)
    finally:
        agent.close()
    assert first.agents[0].status == Status.OK, first.agents[0].detail
    assert second.agents[0].status == Status.TIMEOUT and f"{LATER_START} was stopped after" in second.agents[0].detail


def test_a_process_that_ended_between_games_starts_again_on_a_later_games_budget(write_submission):
    """A process gone between games without a fault (ended by itself after its last move, say) must
    not buy the next game a first start-up's budget off the clock."""
    code = """
import time
from arena.agents import RandomAgent

class SubmittedAgent(RandomAgent):
    def _initialize(self):
        time.sleep(1.0)
"""
    agent = SandboxedAgent(load(write_submission("slow_to_start", code)), 1.0, limits=Limits(game_start_seconds=0.5))
    try:
        first = play_match("othello", [agent, RandomAgent()], seed=0, max_steps=4)
        os.kill(agent._process.pid, signal.SIGKILL)  # gone after the game, as if it had ended itself
        agent._process.wait()
        second = play_match("othello", [agent, RandomAgent()], seed=1, max_steps=4)
    finally:
        agent.close()
    assert first.agents[0].status == Status.OK, first.agents[0].detail
    assert second.agents[0].status == Status.TIMEOUT and f"{LATER_START} was stopped after" in second.agents[0].detail


class Deliberate(Agent):
    """Takes 0.2 s a move, as an agent that searches for a fixed time does."""

    def predict(self, obs):
        time.sleep(0.2)
        return int(np.flatnonzero(obs["action_mask"])[0])


FREEZERS = {"v2 where the host has it": lambda: cgroups.freezer_base(),
            "v1": lambda: cgroups._v1_bases().get(cgroups.FREEZER),
            "none (the measure's control)": lambda: None}


@pytest.mark.parametrize("freezer", FREEZERS)
def test_nothing_an_agent_started_works_on_its_opponents_time(freezer, monkeypatch, tmp_path):
    """The agent's child counts without end: while its opponent has the move it is frozen, and it
    counts only during its own moves. The opponent's moves take four times as long as its own."""
    if not protections()["cgroups"]:
        pytest.skip("needs cgroups")
    base = FREEZERS[freezer]()
    if base is None and freezer != "none (the measure's control)":
        pytest.skip(f"this host has no {freezer} freezer")
    monkeypatch.setattr(cgroups, "freezer_base", lambda: base)
    groups_before = set(base.glob(f"arena-{os.getpid()}-*")) if base else set()
    agent = SandboxedAgent(load(HOSTILE / "works_off_turn"), time_per_move=5.0, log_dir=tmp_path)
    try:
        result = play_match("othello", [agent, Deliberate()], seed=0, max_steps=16)
    finally:
        agent.close()
    assert [a.status for a in result.agents] == [Status.OK, Status.OK], result.agents[0].detail
    log = agent.log_path.read_text()
    own = sum(int(n) for n in re.findall(r"counted in its own move: (\d+)", log))
    away = sum(int(n) for n in re.findall(r"counted while away: (\d+)", log))
    assert own > 0, log
    if base is None:
        assert away > own, log  # unfrozen, it counts all through the opponent's longer moves
    else:
        # What it counts between the answer and the freeze, and between the thaw and predict(), on its own
        # time: on a loaded machine the harness may take milliseconds to freeze it, still far from the
        # four times its own moves it counts unfrozen (the control).
        assert away < own, log
        assert set(base.glob(f"arena-{os.getpid()}-*")) <= groups_before  # thawed to be killed, and removed


# Agents whose one process looks as if it waits for its next call once it has answered, but that
# could wake on their own 20 ms later, on the opponent's time, were they left unfrozen.
WAKES_AFTER_ITS_ANSWER = {
    "a timer's signal handler": """
import signal

    def predict(self, obs):
        answered = time.monotonic()
        signal.signal(signal.SIGALRM, lambda *_: woke(answered))
        signal.setitimer(signal.ITIMER_REAL, 0.02)
        return first_legal(obs)
""",
    # Its first calls leave it unfrozen, its signals read once: the handler set later is told of by its supervisor.
    "a timer's signal handler, set after calls that left it unfrozen": """
import signal

calls = []

    def predict(self, obs):
        answered = time.monotonic()
        calls.append(answered)
        if len(calls) > 3:
            signal.signal(signal.SIGALRM, lambda *_: woke(answered))
            signal.setitimer(signal.ITIMER_REAL, 0.02)
        return first_legal(obs)
""",
    "a real-time signal's handler, from a POSIX timer": """
import ctypes
import signal

libc = ctypes.CDLL(None, use_errno=True)
SIGNAL = signal.SIGRTMIN + 2  # beyond the 31 signals /proc/PID/stat's mask shows
EVENT = (ctypes.c_int * 16)(0, 0, SIGNAL, 0)  # struct sigevent: no value, SIGNAL, SIGEV_SIGNAL

    def predict(self, obs):
        answered = time.monotonic()
        try:
            signal.signal(SIGNAL, lambda *_: woke(answered))
        except OSError as exc:  # refused by the seccomp filter
            print(f"handler refused ({exc.errno})", flush=True)
            return first_legal(obs)
        timer = ctypes.c_void_p()
        libc.timer_create(1, EVENT, ctypes.byref(timer))  # on CLOCK_MONOTONIC
        libc.timer_settime(timer, 0, (ctypes.c_long * 4)(0, 0, 0, 20_000_000), None)  # once, in 20 ms
        return first_legal(obs)
""",
    "an answer sent by its own code, then a sleep elsewhere": """
import gc

from arena.sandbox.protocol import Channel, Kind

    def predict(self, obs):
        channel = next(o for o in gc.get_objects() if isinstance(o, Channel))
        channel.__dict__.pop("send", None)
        answered = time.monotonic()
        channel.send(Kind.ACTION, first_legal(obs))
        time.sleep(0.02)
        woke(answered)
        channel.send = lambda *_: None  # the worker's own answer: sent already
        return first_legal(obs)
""",
    "a thread asleep in a timed wait": """
import threading

    def predict(self, obs):
        answered = time.monotonic()
        threading.Timer(0.02, woke, [answered]).start()
        return first_legal(obs)
""",
}


def waking_agent(way: str) -> str:
    imports, predict = WAKES_AFTER_ITS_ANSWER[way].split("\n\n    def predict", 1)
    return f"""import time
{imports}
import numpy as np

from arena.agents import Agent


def first_legal(obs):
    return int(np.flatnonzero(obs["action_mask"])[0])


def woke(answered):
    print(f"woke {{time.monotonic() - answered:.3f}} s after its answer", flush=True)


class SubmittedAgent(Agent):
    def predict{predict}"""


@pytest.mark.skipif(not protections()["freezing"], reason="needs a cgroup freezer")
@pytest.mark.parametrize("way", WAKES_AFTER_ITS_ANSWER)
def test_an_agent_that_could_wake_after_its_answer_sleeps_until_its_next_call(way, write_submission, tmp_path):
    """Frozen between its calls: it wakes only once the opponent's 0.2 s move is over, not 20 ms after its
    answer. (`test_sandbox_idle.py` shows each case refused by the proof that lets an agent go unfrozen.)"""
    agent = SandboxedAgent(load(write_submission("wakes", waking_agent(way))), time_per_move=5.0, log_dir=tmp_path)
    try:
        result = play_match("othello", [agent, Deliberate()], seed=0, max_steps=16)
    finally:
        agent.close()
    assert [a.status for a in result.agents] == [Status.OK, Status.OK], result.agents[0].detail
    log = agent.log_path.read_text()
    if "handler refused" in log:  # where its seccomp filter refuses handlers for real-time signals
        assert f"handler refused ({errno.EINVAL})" in log and confine.filters_system_calls(), log
        assert "woke" not in log, log
        return
    woke = [float(s) for s in re.findall(r"woke ([\d.]+) s after its answer", log)]
    assert len(woke) >= 3 and min(woke) > 0.1, woke


WORKS_IN_A_THREAD = """
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from arena.agents import Agent


def think():
    total = 0
    for i in range(1_500_000):
        total += i * i
    return time.thread_time()


class SubmittedAgent(Agent):
    def _initialize(self):
        self.worker = ThreadPoolExecutor(1)
        self.cpu = self.worker.submit(think).result()  # the thread, started before the calls that count

    def predict(self, obs):
        cpu, self.cpu = self.cpu, self.worker.submit(think).result()  # the worker's CPU time before and after
        print(f"worker CPU {self.cpu - cpu:.6f}", flush=True)
        return int(np.flatnonzero(obs["action_mask"])[0])
"""


@pytest.mark.skipif(not (protections()["processes"] and protections()["freezing"]),
                    reason="needs the agent's processes in a PID namespace and a cgroup freezer")
def test_an_agent_whose_thread_works_is_not_charged_for_that_threads_waits_for_a_cpu(write_submission, tmp_path):
    """Its first thread waits for the worker's answer, asleep: the waits for a CPU that stretch the move are
    the worker's, behind three busy processes on its CPU, and are not its time (nor would be those behind kernel
    threads freeing memory another agent left)."""
    folder = write_submission("threaded", WORKS_IN_A_THREAD, 'env = "othello"')
    agent = SandboxedAgent(load(folder), time_per_move=30.0, log_dir=tmp_path / "logs")
    env = make_raw("othello")
    env.reset(seed=0)
    cpus = os.sched_getaffinity(0)
    cpu = min(cpus)
    os.sched_setaffinity(0, {cpu})  # the agent is kept on the harness's CPU once seated
    hogs = [subprocess.Popen([sys.executable, "-c", f"import os; os.sched_setaffinity(0, {{{cpu}}})\nwhile True: pass"])
            for _ in range(3)]
    try:
        agent.start(seat_view(env, "player_0", 0))
        agent.reset()
        for _ in range(8):
            agent.act(env.observe("player_0"))
        charged = agent.clock.used
    finally:
        agent.close()
        for hog in hogs:
            hog.kill()
            hog.wait()
        os.sched_setaffinity(0, cpus)
    worked = [float(line.split()[-1]) for line in agent.log_path.read_text().splitlines() if line.startswith("worker")]
    assert len(worked) == 8 and all(seconds > 0 for seconds in worked)
    # Charged for its worker's waits behind them, it would be twice what it used or more.
    assert charged < 1.5 * sum(worked) + 8 * 0.01, (charged, sum(worked))


@pytest.mark.skipif(not protections()["freezing"], reason="needs a cgroup freezer")
def test_an_agent_asleep_on_its_pipe_between_calls_is_left_unfrozen(submissions, monkeypatch):
    """The freeze it does not need is skipped (`arena.sandbox.idle`): it costs as much again as the
    rest of a round trip. Skipped for at least one call (a loaded machine may catch it before it sleeps)."""
    freezes = []
    freeze = cgroups.Freezer.freeze
    monkeypatch.setattr(cgroups.Freezer, "freeze", lambda self: (freezes.append(self), freeze(self)))
    result = game_shown_idle(submissions)
    calls = 2 + (result.steps + 1) // 2  # start, reset and its moves
    assert len(freezes) < calls


TOUCHES_ITS_CALLS_DESCRIPTOR = """
import os

import numpy as np

from arena.agents import Agent

calls = []


class SubmittedAgent(Agent):
    def predict(self, obs):
        calls.append(obs)
        if len(calls) == 6:
            os.dup2(3, 3)  # changes nothing, yet could have put another file there: its supervisor is told
        return int(np.flatnonzero(obs["action_mask"])[0])
"""


@pytest.mark.skipif(not protections()["freezing"], reason="needs a cgroup freezer")
def test_what_the_agent_reads_calls_from_is_looked_at_first_and_after_it_touched_that_descriptor(
        write_submission, monkeypatch):
    """Told of by its supervisor (`arena.sandbox.sysinfo`), the proof reads the descriptor again after the
    call that touched it, and not after the others (where the harness may not hear of them, after each)."""
    agent = SandboxedAgent(load(write_submission("touches", TOUCHES_ITS_CALLS_DESCRIPTOR)), time_per_move=5.0)
    env = make_raw("othello")
    env.reset(seed=0)
    observation = env.observe("player_0")
    links = []
    readlink = os.readlink
    monkeypatch.setattr(os, "readlink", lambda *a, **k: links.append(1) or readlink(*a, **k))
    looked = []
    try:
        agent.start(seat_view(env, "player_0", 0))
        for _ in range(12):
            before = len(links)
            agent.act(observation)
            looked.append(len(links) - before)
        if agent._idle is None:
            pytest.skip("this kernel does not show what the proof reads (pids.peak: Linux 6.1)")
    finally:
        agent.close()
    if sysinfo.answered_here() and sysinfo.tells_changes() and confine.filters_system_calls():
        # Once read, the link is not read again until the change; then once, and not after. (A loaded machine may
        # freeze the agent after some call, not yet back in its read: that call reads nothing, nor learns it.)
        assert 0 in looked[1:5] and sum(looked[5:]) >= 1 and 0 in looked[6:], looked
    else:
        assert min(looked) >= 1, looked


def game_shown_idle(submissions):
    """An Othello game of the random example, sandboxed, against an in-process agent; skipped where
    this kernel does not show what the idle proof reads."""
    agent = SandboxedAgent(load(submissions / "random"), time_per_move=5.0)
    try:
        result = play_match("othello", [agent, RandomAgent()], seed=0)
        if agent._idle is None:
            pytest.skip("this kernel does not show what the proof reads (pids.peak: Linux 6.1)")
    finally:
        agent.close()
    assert [a.status for a in result.agents] == [Status.OK, Status.OK], result.agents[0].detail
    return result


def test_in_a_simultaneous_game_no_agent_is_charged_for_the_time_another_takes(write_submission, submissions):
    """Both think at once; the harness takes each answer as it comes, not in seat order, so the
    quick agent in the second seat is not charged for the slow one's 0.2 s a frame."""
    code = """
import time
from arena.agents import RandomAgent

class SubmittedAgent(RandomAgent):
    def predict(self, obs):
        time.sleep(0.2)
        return super().predict(obs)
"""
    slow, quick = sandboxed(write_submission("slow", code)), sandboxed(submissions / "random")
    try:
        result = play_match("fighting", [slow, quick], seed=0, max_steps=10)
    finally:
        slow.close()
        quick.close()
    assert [a.status for a in result.agents] == [Status.OK, Status.OK], [a.detail for a in result.agents]
    slow_time, quick_time = (a.time_used for a in result.agents)
    assert slow_time >= 10 * 0.2
    assert quick_time < slow_time / 4  # in seat order it was charged as much as the slow one


# Maps a GiB of fresh zeroed pages in one system call: the freezer stops a process only once it
# leaves the kernel, so a call begun just before an answer runs on after it.
POPULATE = """
import ctypes
import time

import numpy as np

from arena.agents import Agent, RandomAgent

SIZE = 1 << 30
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
READ_WRITE, PRIVATE_ANONYMOUS, FIXED, POPULATE = 3, 0x22, 0x10, 0x8000


def populate(address):
    return libc.mmap(address, SIZE, READ_WRITE, PRIVATE_ANONYMOUS | FIXED | POPULATE, -1, 0)
"""
LEAVES_KERNEL_WORK = POPULATE + """
import os


class SubmittedAgent(Agent):
    def _initialize(self):
        # A process of its own: the agent's answer must not wait on the mapping's lock.
        reader, self.go = os.pipe()
        if os.fork() == 0:
            address = libc.mmap(None, SIZE, READ_WRITE, PRIVATE_ANONYMOUS, -1, 0)
            while os.read(reader, 1):
                populate(address)
            os._exit(0)

    def predict(self, obs):
        os.write(self.go, b"!")
        time.sleep(0.003)  # the child is in the kernel: answer
        if isinstance(obs, dict):
            return int(np.flatnonzero(obs["action_mask"])[0])
        return self.action_space.sample() * 0
"""


def seconds_to_populate() -> float:
    """The CPU time this machine takes for the system call the agent leaves running (CPU, not wall
    time: once the agent has answered, only the CPU its processes use counts): the least of three
    tries, as a machine short of free memory makes some take longer than the agent's will."""
    namespace: dict = {}
    exec(POPULATE, namespace)
    libc, size = namespace["libc"], namespace["SIZE"]
    address = libc.mmap(None, size, 3, 0x22, -1, 0)
    try:
        tries = []
        for _ in range(3):
            started = time.thread_time()
            namespace["populate"](address)
            tries.append(time.thread_time() - started)
        return min(tries)
    finally:
        libc.munmap.argtypes = [namespace["ctypes"].c_void_p, namespace["ctypes"].c_size_t]
        libc.munmap(address, size)


def leaving_kernel_work(write_submission, code: str, game: str, opponent, max_steps: int):
    """The results of a short match of `code`, an agent whose system calls take a third of a move more
    than it has each, against `opponent`."""
    per_move = max(0.01, seconds_to_populate() / 3)
    agent = SandboxedAgent(load(write_submission("kernel_work", code)), time_per_move=per_move)
    try:
        return play_match(game, [agent, opponent], seed=0, max_steps=max_steps).agents
    finally:
        agent.close()


@pytest.mark.skipif(not protections()["freezing"], reason="needs a cgroup freezer")
def test_in_a_game_of_turns_the_opponent_moves_only_once_every_process_of_the_agent_has_stopped(write_submission):
    """The agent's answer comes in milliseconds, but a system call it left running takes a third of a
    move more: its opponent's turn waits for it, on its clock, and it runs out of time."""
    mine, other = leaving_kernel_work(write_submission, LEAVES_KERNEL_WORK, "othello", Deliberate(), 8)
    assert (mine.status, other.status) == (Status.TIMEOUT, Status.OK), mine.detail
    assert mine.detail.endswith("its processes went on working after its answer")


@pytest.mark.skipif(not protections()["freezing"], reason="needs a cgroup freezer")
def test_work_left_running_after_a_reset_is_on_the_resets_clock(write_submission):
    code = LEAVES_KERNEL_WORK.replace("    def predict(self, obs):", """    def reset(self):
        os.write(self.go, b"!")
        time.sleep(0.003)

    def predict(self, obs):""")
    mine, other = leaving_kernel_work(write_submission, code, "othello", Deliberate(), 8)
    assert (mine.status, other.status) == (Status.TIMEOUT, Status.OK), mine.detail
    assert mine.detail.startswith("reset()") and mine.detail.endswith("its processes went on working after its answer")


@pytest.mark.skipif(not protections()["freezing"], reason="needs a cgroup freezer")
def test_where_all_move_at_once_the_next_seat_thinks_only_once_every_process_of_the_agent_has_stopped(write_submission):
    """The seats take turns there too: the system call left running after the answer is on the
    agent's clock, never on the next seat's."""
    mine, other = leaving_kernel_work(write_submission, LEAVES_KERNEL_WORK, "fighting", RandomAgent(), 20)
    assert (mine.status, other.status) == (Status.TIMEOUT, Status.OK), mine.detail
    assert mine.detail.endswith("its processes went on working after its answer")


@pytest.mark.skipif(not protections()["freezing"], reason="needs a cgroup freezer (and the idle proof beside it)")
def test_the_harness_taking_an_answer_in_is_not_the_agents_time(submissions, monkeypatch):
    """Once an agent is shown asleep on its pipe after its answer (`arena.sandbox.idle`), what the harness
    does next (here 20 ms of it each call, as a harness on a CPU left cold by the other seat's long turn,
    or a busy one, takes) is not charged to it: its game costs it no more than a generous multiple of
    the same game with a quick harness, measured here too (on a busy machine, one game's own time may
    be several times the other's, tens of milliseconds apart)."""
    def game() -> float:
        return game_shown_idle(submissions).agents[0].time_used

    quick = game()
    charge = SandboxedAgent._charge

    def slow_charge(self, what, allowance):
        time.sleep(0.02)
        return charge(self, what, allowance)

    monkeypatch.setattr(SandboxedAgent, "_charge", slow_charge)
    slow = game()  # 30 moves and a reset: 0.6 s more where the harness's 20 ms a call were charged
    assert slow < 3 * quick + 0.15, (slow, quick)


def shut_in_before_the_harness_looks(monkeypatch, later: SandboxedAgent, seconds: float) -> None:
    """Have the harness wait `seconds` once it has asked `later` to start: by the time it looks, both new
    sandboxes have said they are shut in."""
    request_start = SandboxedAgent.request_start

    def then_wait(agent, seat):
        request_start(agent, seat)
        if agent is later:
            time.sleep(seconds)

    monkeypatch.setattr(SandboxedAgent, "request_start", then_wait)


def played_and_closed(agents, **options):
    """An Othello game of `agents` (seed 0), their sandboxes closed after it."""
    try:
        return play_match("othello", agents, seed=0, **options)
    finally:
        for agent in agents:
            agent.close()


LONG_START = """
import time
import numpy as np
from arena.agents import Agent


class SubmittedAgent(Agent):
    def _initialize(self):
        time.sleep(3.0)

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
"""


def test_a_long_start_does_not_run_down_the_start_of_an_opponent_whose_call_waited_on_it(
        write_submission, submissions, monkeypatch):
    # Both new sandboxes shut themselves in before the harness looks: each start call then goes out at
    # once and both are waited on together, the quick one's clock never running while the other starts.
    slow = SandboxedAgent(load(write_submission("long_start", LONG_START)), 1.0)
    quick = SandboxedAgent(load(submissions / "random"), 1.0)
    quick.loaded_before = True  # so that its start's time is counted and shown
    shut_in_before_the_harness_looks(monkeypatch, quick, 2.0)
    result = played_and_closed([slow, quick], max_steps=2)
    assert [a.status for a in result.agents] == [Status.OK, Status.OK]
    assert quick.time_to_start < 1.0, quick.time_to_start  # not the 3 s the other took


@pytest.mark.parametrize("last_stopped_ago, charged", [(0.0, 0.010 + 0.300 - 0.050), (0.295, 0.010 + 0.005)])
def test_the_wait_for_its_processes_to_stop_after_its_answer_is_its_own_time(monkeypatch, last_stopped_ago, charged):
    """A system call waiting on a disk cannot be frozen before it returns, and the opponent's turn waits for
    it: the time from the answer until every process of the agent is seen stopped is charged, though it
    is no CPU, less the harness's own waits for a CPU; or, where the scheduler tells when the last of
    them stopped, until then (a harness late to look costs the agent nothing)."""
    from types import SimpleNamespace

    from arena.sandbox import clock

    now, harness = [100.0], [0]
    monkeypatch.setattr(clock, "time", SimpleNamespace(monotonic=lambda: now[0]))
    monkeypatch.setattr(clock, "harness_waits", lambda: harness[0])
    timer = clock.MoveTimer(None)  # no cgroup: no CPU time to count
    timer.start()
    now[0] += 0.010
    timer.answered()
    now[0] += 0.300
    harness[0] += 50_000_000  # 0.05 s of it the harness waited for a CPU
    timer.stopped_for(last_stopped_ago)
    now[0] += 1.0  # what the harness does next
    assert timer.stop() == pytest.approx(charged)


def test_the_wait_for_a_cpu_the_idle_proof_read_is_the_agent_s_until_its_next_call():
    """Shown asleep until its next call, the agent cannot wait for a CPU before that call: what the proof read
    in its /proc/PID/schedstat line ends this call's count and begins the next one's."""
    from arena.sandbox import clock

    child = subprocess.Popen(["sleep", "60"])
    try:
        timer = clock.MoveTimer(None)
        timer.watch(child.pid)
        timer.start()
        delay = int(Path(f"/proc/{child.pid}/schedstat").read_bytes().split()[1])
        timer.fell_asleep(time.monotonic(), child.pid, b"5 %d 1\n" % (delay + 7_000_000))
        assert timer.waited() == pytest.approx(0.007)
        timer.stop()
        timer.start()
        # Counted from the line the proof read, not from the counter read anew (7 ms less here).
        assert timer.waited() == pytest.approx(-0.007, abs=0.001)
        timer.close()
    finally:
        child.kill()
        child.wait()


def test_a_sandbox_killed_as_its_start_call_goes_out_ends_the_game_with_its_fault(submissions, monkeypatch):
    """Its call is sent once it says it is shut in, as the harness waits on the other seat's start: a
    process gone by then is that seat's recorded fault, never a game ended without one."""
    first = SandboxedAgent(load(submissions / "random"), 1.0)
    second = SandboxedAgent(load(submissions / "greedy"), 1.0)
    shut_in = SandboxedAgent._shut_in

    def killed_first(agent, what):
        if agent is first:
            os.kill(agent._process.pid, signal.SIGKILL)
            time.sleep(0.2)
        return shut_in(agent, what)

    monkeypatch.setattr(SandboxedAgent, "_shut_in", killed_first)
    shut_in_before_the_harness_looks(monkeypatch, second, 1.0)
    mine, theirs = played_and_closed([first, second], max_steps=4).agents
    assert (mine.status, theirs.status) == (Status.CRASH, Status.OK), mine.detail
    assert mine.detail.startswith("start: the agent's process was killed")


ENDS_WHILE_FROZEN = """
import mmap
import os
import signal

import numpy as np

from arena.agents import Agent

SIZE = 1 << 30


class SubmittedAgent(Agent):
    def _initialize(self):
        self.memory = mmap.mmap(-1, SIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        for offset in range(0, SIZE, mmap.PAGESIZE):
            self.memory[offset] = 1

    def predict(self, obs):
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        for child in range(6):
            if os.fork() == 0:  # its copy of the page tables, torn down as it ends
                signal.setitimer(signal.ITIMER_REAL, 0.005 + 0.02 * child)  # SIGALRM, not caught: it ends, frozen
                while True:
                    signal.pause()
        return int(np.flatnonzero(obs["action_mask"])[0])
"""


class ThinksForAWhile(Agent):
    """Thinks for 0.15 s of wall time a move, as a search with a time budget does, noting the CPU it got."""

    shares: list[float]

    def predict(self, obs):
        wall, cpu = time.monotonic(), time.thread_time()
        while time.monotonic() - wall < 0.15:
            pass
        self.shares.append((time.thread_time() - cpu) / (time.monotonic() - wall))
        return int(np.flatnonzero(obs["action_mask"])[0])


@pytest.mark.skipif(not protections()["freezing"], reason="needs a cgroup freezer")
def test_a_process_ended_while_frozen_does_not_take_the_opponents_cpu(write_submission):
    """Each move the agent leaves processes that a timer's signal ends once it is frozen: no freeze stops a
    process ending, and their exits (the teardown of their page tables) ran on the opponent's CPU while it
    thought, so that an opponent thinking for a time of its own got a quarter less done. They now wait for a
    CPU nothing else wants: the opponent gets nearly as much CPU as beside a quiet agent, measured here too."""
    cpu = (cgroups.available_bases() or {}).get("cpu")
    if cpu is None or not (cpu / "cpu.idle").exists():
        pytest.skip("needs the CPU controller's cpu.idle (Linux 5.15)")

    def opponents_share(folder) -> float:
        opponent = ThinksForAWhile()
        opponent.shares = []
        agent = SandboxedAgent(load(folder), time_per_move=5.0)
        try:
            result = play_match("othello", [agent, opponent], seed=0, max_steps=16)
        finally:
            agent.close()
        assert [a.status for a in result.agents] == [Status.OK, Status.OK], [a.detail for a in result.agents]
        return float(np.median(opponent.shares))

    quiet_agent = write_submission("quiet", "from arena.agents import RandomAgent as SubmittedAgent\n")
    attacker = write_submission("ends_while_frozen", ENDS_WHILE_FROZEN)
    # About 0.75 x before. A busy machine moves both alike, mostly: each pair is measured side by side, up to three
    # times, so that a burst of other work during one match alone does not decide it.
    shares = []
    for _ in range(3):
        shares.append((opponents_share(attacker), opponents_share(quiet_agent)))
        if shares[-1][0] > 0.88 * shares[-1][1]:
            break
    else:
        pytest.fail(f"the opponent's share of its CPU beside the attacker, and beside a quiet agent: {shares}")


# Maps 16 GiB it may only read, reads a byte every 2 MiB (each the shared zero page, but a page table
# each) and unmaps it all as it answers: the kernel frees those page tables later, on its opponent's turn.
LEAVES_PAGE_TABLES = """
import mmap

import numpy as np

from arena.agents import Agent

SIZE, STEP = 16 << 30, 2 << 20


class SubmittedAgent(Agent):
    def predict(self, obs):
        space = mmap.mmap(-1, SIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, prot=mmap.PROT_READ)
        sum(space[offset] for offset in range(0, SIZE, STEP))
        space.close()
        return int(np.flatnonzero(obs["action_mask"])[0])
"""
# Thinks 30 ms a move: long enough for a grace period to pass, and the kernel's frees to come, in its turn.
THINKS = """
import time

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        time.sleep(0.03)
        return int(np.flatnonzero(obs["action_mask"])[-1])
"""


# Takes 256 MiB as it plays: each game's new agent, holding none, lets the last one's go as the game starts.
HOLDS_MEMORY = THINKS.replace("        time.sleep(0.03)\n",
                              "        time.sleep(0.03)\n        self.held = np.ones(32 << 20)\n")


# Makes 8,000 files in its /tmp and deletes them as it answers: the kernel frees their inodes and names
# later, on its opponent's turn (about 5 ms of it a move here), some 7 MiB of its kernel memory.
LEAVES_DELETED_FILES = """
import os

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        names = [f"/tmp/{index}" for index in range(8000)]
        for name in names:
            os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o600))
        for name in names:
            os.unlink(name)
        return int(np.flatnonzero(obs["action_mask"])[0])
"""


@pytest.mark.skipif(not protections()["freezing"], reason="needs a cgroup freezer (frees are seen while it is stopped)")
@pytest.mark.parametrize("leaves", [LEAVES_PAGE_TABLES, LEAVES_DELETED_FILES], ids=["page tables", "deleted files"])
def test_an_agent_leaving_kernel_memory_to_free_on_its_opponents_turn_waits_for_it_on_its_own_clock(
        write_submission, leaves):
    agents = [SandboxedAgent(load(write_submission("leaves", leaves)), 1.0, 5.0),
              SandboxedAgent(load(write_submission("holds", HOLDS_MEMORY)), 1.0, 5.0)]
    try:
        leaver, holder = agents
        results = []
        # Seen once its frees fall wholly on its opponent's turn: most moves, but on a busy machine the kernel
        # may be late with them (into its next call) for a while.
        while len(results) < 2 or not leaver._frees.drains and len(results) < 8:
            results.append(play_match("othello", agents, seed=len(results), max_steps=12))
        assert (leaver._frees.drains, holder._frees.drains) == (True, False), results
        assert {agent.status for result in results for agent in result.agents} == {Status.OK}
    finally:
        for agent in agents:
            agent.close()


# Reads the first 32 MiB of a file of the shared install each move: what the disk gives it is charged to
# its group, for the host to reclaim whenever it likes, which is no work it left behind.
READS_A_FILE = """
import numpy as np

from arena.agents import Agent

PATH = {path!r}


class SubmittedAgent(Agent):
    def predict(self, obs):
        with open(PATH, "rb", buffering=0) as file:
            for _ in range(32):
                file.read(1 << 20)
        return int(np.flatnonzero(obs["action_mask"])[0])
"""


def evict(path: str) -> None:
    """Drop `path`'s pages from the page cache, as the host reclaiming memory would."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


class EvictsOnItsTurn(Agent):
    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def predict(self, obs):
        evict(self.path)
        return int(np.flatnonzero(obs["action_mask"])[-1])


@pytest.mark.skipif(not protections()["freezing"], reason="needs a cgroup freezer (frees are seen while it is stopped)")
def test_the_host_reclaiming_the_pages_of_files_an_agent_read_is_not_taken_for_work_it_left(write_submission):
    import imageio_ffmpeg  # a large file every install has, which no process maps

    path = imageio_ffmpeg.get_ffmpeg_exe()
    evict(path)  # so that the agent's reads charge its pages to its group
    reader = SandboxedAgent(load(write_submission("reader", READS_A_FILE.format(path=path))), 1.0, 5.0)
    try:
        result = play_match("othello", [reader, EvictsOnItsTurn(path)], seed=0, max_steps=12)
        assert {agent.status for agent in result.agents} == {Status.OK}, result
        assert not reader._frees.drains
    finally:
        reader.close()


# Looks up every file of the installation's packages each move: the names and inodes the kernel caches
# for that (once the host dropped them) are kernel memory charged to its group.
LOOKS_UP_FILES = """
import os

import numpy as np

from arena.agents import Agent

PACKAGES = os.path.dirname(os.path.dirname(np.__file__))


class SubmittedAgent(Agent):
    def predict(self, obs):
        for folder, _, files in os.walk(PACKAGES):
            for name in files:
                os.stat(os.path.join(folder, name))
        return int(np.flatnonzero(obs["action_mask"])[0])
"""
DROP_CACHES = Path("/proc/sys/vm/drop_caches")


class DropsCachesOnItsTurn(Agent):
    def predict(self, obs):
        DROP_CACHES.write_text("2")  # the caches of files' names and inodes
        return int(np.flatnonzero(obs["action_mask"])[-1])


@pytest.mark.skipif(not protections()["freezing"], reason="needs a cgroup freezer (frees are seen while it is stopped)")
@pytest.mark.skipif(not os.access(DROP_CACHES, os.W_OK), reason="needs to write /proc/sys/vm/drop_caches (root)")
def test_the_host_dropping_its_caches_of_files_an_agent_looked_up_is_not_taken_for_work_it_left(write_submission):
    looker = SandboxedAgent(load(write_submission("looker", LOOKS_UP_FILES)), 5.0, 20.0)
    try:
        result = play_match("othello", [looker, DropsCachesOnItsTurn()], seed=0, max_steps=8)
        assert {agent.status for agent in result.agents} == {Status.OK}, result
        assert not looker._frees.drains
    finally:
        looker.close()


KNOWS_ITS_CLOCK = """
from arena.agents import RandomAgent


class SubmittedAgent(RandomAgent):
    def _initialize(self):
        super()._initialize()
        print("clock", self.time_control.per_move, self.time_control.bank, flush=True)
"""


def _log_of_a_sandboxed_game(submission: Path, per_move: float, bank: float, steps: int) -> str:
    """What the sandboxed agent of `submission` printed in an Othello game of `steps` steps under that clock."""
    sandboxed = SandboxedAgent(load(submission), per_move, time_bank=bank)
    try:
        play_match("othello", [sandboxed, RandomAgent()], seed=0, max_steps=steps)
    finally:
        sandboxed.close()
    return sandboxed.log_path.read_text()


def test_an_agent_is_told_its_games_clock_before_it_initializes_sandboxed_or_in_process(write_submission):
    assert "clock 0.25 3.0" in _log_of_a_sandboxed_game(write_submission("knows_its_clock", KNOWS_ITS_CLOCK),
                                                         0.25, 3.0, 2)

    class Told(RandomAgent):
        def _initialize(self):
            super()._initialize()
            self.told = self.time_control

    in_process = Told()
    play_match("othello", [LocalAgent(in_process, time_per_move=0.5, time_bank=2.0), RandomAgent()], seed=0,
               max_steps=2)
    assert in_process.told == TimeControl(0.5, 2.0)
    alone = Told()
    play_match("othello", [alone, RandomAgent()], seed=0, max_steps=2)  # played with no clock: none told
    assert alone.told is None


WATCHES_ITS_BANK = """
import time

from arena.agents import RandomAgent


class SubmittedAgent(RandomAgent):
    def predict(self, obs):
        print("bank left", self.time_control.bank_left, flush=True)
        time.sleep(0.3)  # 0.2 s over its time a move, taken from the bank
        return super().predict(obs)
"""


def _banks_told(lines: list[str]) -> list[float]:
    return [float(line.split()[-1]) for line in lines if line.startswith("bank left")]


def _assert_drawn_down_move_by_move(banks: list[float]) -> None:
    assert banks[0] == 3.0
    for before, after in zip(banks, banks[1:]):
        assert before - 0.5 < after <= before - 0.2


def test_an_agent_is_told_what_is_left_of_its_bank_before_each_move_sandboxed_or_in_process(write_submission):
    log = _log_of_a_sandboxed_game(write_submission("watches_its_bank", WATCHES_ITS_BANK), 0.1, 3.0, 6)
    _assert_drawn_down_move_by_move(_banks_told(log.splitlines()))

    class Watches(RandomAgent):
        def _initialize(self):
            super()._initialize()
            self.banks = []

        def predict(self, obs):
            self.banks.append(self.time_control.bank_left)
            time.sleep(0.3)
            return super().predict(obs)

    in_process = Watches()
    play_match("othello", [LocalAgent(in_process, time_per_move=0.1, time_bank=3.0), RandomAgent()], seed=0,
               max_steps=6)
    _assert_drawn_down_move_by_move(in_process.banks)
    assert len(in_process.banks) == 3


HEARS_ITS_CLOCK_BADLY = """
import time

from arena.agents import RandomAgent


class SubmittedAgent(RandomAgent):
    told = 0

    @property
    def time_control(self):
        return None

    @time_control.setter
    def time_control(self, clock):
        self.told += 1
        if self.told > 1:  # the first is its game's clock, before get_env_info; then what is left of its bank
            raise ValueError("no clocks here")

    def predict(self, obs):
        time.sleep(0.3)  # 0.2 s over its time a move, taken from the bank
        return super().predict(obs)
"""


def test_what_an_agent_raises_as_it_is_told_its_bank_is_its_move_failing_sandboxed_or_in_process(write_submission):
    sandboxed = SandboxedAgent(load(write_submission("hears_its_clock_badly", HEARS_ITS_CLOCK_BADLY)), 0.1,
                               time_bank=3.0)
    try:
        result = play_match("othello", [sandboxed, RandomAgent()], seed=0, max_steps=6)
    finally:
        sandboxed.close()
    crashed = result.agents[0]
    assert crashed.status == Status.CRASH
    assert crashed.detail.startswith("predict() failed: ValueError: no clocks here (agent.py line")  # not an exit code

    class HearsBadly(RandomAgent):
        @property
        def time_control(self):
            return None

        @time_control.setter
        def time_control(self, clock):
            if clock.bank_left != clock.bank:
                raise ValueError("no clocks here")

        def predict(self, obs):
            time.sleep(0.3)
            return super().predict(obs)

    result = play_match("othello", [LocalAgent(HearsBadly(), time_per_move=0.1, time_bank=3.0), RandomAgent()],
                        seed=0, max_steps=6)  # the harness's own call raised it
    assert result.agents[0].status == Status.CRASH
    assert result.agents[0].detail.startswith("predict() failed: ValueError: no clocks here")


def test_an_agent_thinking_as_it_is_told_its_bank_does_so_on_its_moves_time_in_process():
    class ThinksWhenTold(RandomAgent):
        @property
        def time_control(self):
            return self._told

        @time_control.setter
        def time_control(self, clock):
            self._told = clock
            if clock.bank_left != clock.bank:
                time.sleep(0.3)  # its search, off the clock were the telling not timed

        def predict(self, obs):
            time.sleep(0.15)  # 0.05 s over its time a move: it is told its bank before every move after this
            return super().predict(obs)

    result = play_match("othello", [LocalAgent(ThinksWhenTold(), time_per_move=0.1, time_bank=1.0), RandomAgent()],
                        seed=0, max_steps=20)
    assert result.agents[0].status == Status.TIMEOUT
