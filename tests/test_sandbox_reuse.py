"""Sandboxes live as long as their entrant is needed: started once for a series of games, per
entrant and worker in a tournament, and replaced, never reused, after their agent faulted."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from arena.agents import RandomAgent
from arena.entrants import submission_handle
from arena.faults import Status
from arena.match import play_match
from arena.sandbox import Limits, SandboxedAgent
from arena.submission import load
from arena.tournament import Settings, Tournament
from arena.tournament import blocks
from arena.tournament.runner import Backend, ProcessPoolBackend, route

HOSTILE = Path(__file__).parent / "hostile"

# Raises in its first game in each process it runs in, plays every later game: a process that is
# reused after the fault would play game 2; a new one faults again. (Its modules run anew every game:
# the process's environment is what outlives them.)
FAULTS_IN_FIRST_GAME = '''
import os

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def reset(self):
        self.first = "PLAYED" not in os.environ
        os.environ["PLAYED"] = "1"

    def predict(self, obs):
        if self.first:
            raise RuntimeError("first game")
        return int(np.flatnonzero(obs["action_mask"])[0])
'''


def sandboxed(path, **limits) -> SandboxedAgent:
    return SandboxedAgent(load(path), time_per_move=0.5, limits=Limits(**limits) if limits else None)


def play_series_ok(agent: SandboxedAgent, games: int, max_steps: int) -> None:
    """Play `games` games of `agent`, seat 0, against a random agent (seeds 0 on), then close it: each ends ok."""
    try:
        results = [play_match("othello", [agent, RandomAgent()], seed, max_steps=max_steps) for seed in range(games)]
    finally:
        agent.close()
    assert [r.agents[0].status for r in results] == [Status.OK] * games, [r.agents[0].detail for r in results]


def comparable(result) -> dict:
    data = result.to_dict()
    data.pop("duration")
    for agent in data["agents"]:
        agent.pop("time_used")
        agent.pop("time_to_start")
    return data


def test_a_sandbox_is_started_once_for_a_series_of_games(submissions):
    with sandboxed(submissions / "random") as agent:
        results = [play_match("othello", [agent, RandomAgent()] if seed % 2 else [RandomAgent(), agent], seed)
                   for seed in range(4)]
        assert agent.processes_started == 1
    assert all(r.fault is None for r in results)


def test_a_kept_sandbox_plays_as_a_new_one(submissions):
    """Same seeds, same results, whether each game starts a new sandbox or one plays them all."""
    with sandboxed(submissions / "random") as kept:
        reused = [comparable(play_match("othello", [kept, RandomAgent()], seed)) for seed in range(3)]
    fresh = []
    for seed in range(3):
        with sandboxed(submissions / "random") as agent:
            fresh.append(comparable(play_match("othello", [agent, RandomAgent()], seed)))
    assert reused == fresh


# Sets up what it plays by in __init__, as the AI² competition's agents do (it built one for each battle):
# its n-th move is its (n mod legal moves)-th legal move, n counted from when it was built.
COUNTS_FROM_ITS_CONSTRUCTION = """
import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def __init__(self, file_path=None):
        super().__init__(file_path)
        self.moves = 0

    def predict(self, obs):
        legal = np.flatnonzero(obs["action_mask"])
        self.moves += 1
        return int(legal[self.moves % len(legal)])
"""


# Counts every move of every agent built in its process, in its own module and in a helper module of its
# folder: its n-th move is its (n mod legal moves)-th legal move, n counted from when its modules loaded.
COUNTS_IN_ITS_MODULES = """
import numpy as np

import tally
from arena.agents import Agent

BUILT = []


class SubmittedAgent(Agent):
    def __init__(self, file_path=None):
        super().__init__(file_path)
        BUILT.append(self)

    def predict(self, obs):
        legal = np.flatnonzero(obs["action_mask"])
        return int(legal[(tally.count() + len(BUILT)) % len(legal)])
"""
TALLY = """
moves = 0


def count():
    global moves
    moves += 1
    return moves
"""

# Draws from the generators every process shares: Python's and numpy's.
DRAWS_FROM_GLOBAL_GENERATORS = """
import random

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        legal = np.flatnonzero(obs["action_mask"])
        return int(legal[(random.randrange(7) + np.random.randint(7)) % len(legal)])
"""

# Draws its style as it is built, having imported the AI² competition's environment.agent as its
# participants do: a package that draws from `random` as it is imported (rich.style, which that module
# imports) drew in the first build of each process only, which then built another agent from the same seed.
DRAWS_AS_IT_IS_BUILT_BESIDE_THE_AI2_MODULE = """
import random

import numpy as np

from arena.compat.ai2.environment.agent import *  # noqa: F403
from arena.agents import Agent


class SubmittedAgent(Agent):
    def __init__(self, *args):
        super().__init__(*args)
        self.style = int(random.random() * 1000)

    def predict(self, obs):
        legal = np.flatnonzero(obs["action_mask"])
        return int(legal[self.style % len(legal)])
"""

# Imports a module once its seat is known (where the README says to load a model; as unpickling a model
# imports the modules its objects name) and draws its moves from it: a helper module of its folder that
# counts them, or torch, which seeds itself from the operating system as it is imported.
IMPORTS_ONCE_SEATED = """
import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def _initialize(self):
        import {module} as late

        self.late = late

    def predict(self, obs):
        legal = np.flatnonzero(obs["action_mask"])
        return int(legal[{pick} % len(legal)])
"""
COUNTS_IN_A_MODULE_IMPORTED_LATE = IMPORTS_ONCE_SEATED.format(module="tally", pick="self.late.count()")
DRAWS_FROM_TORCH_IMPORTED_LATE = IMPORTS_ONCE_SEATED.format(module="torch",
                                                            pick="self.late.randint(len(legal), ()).item()")

KEPT_STATES = {"counts from its construction": (COUNTS_FROM_ITS_CONSTRUCTION, {}),
               "counts in its modules": (COUNTS_IN_ITS_MODULES, {"tally.py": TALLY}),
               "counts in a module imported late": (COUNTS_IN_A_MODULE_IMPORTED_LATE, {"tally.py": TALLY}),
               "draws from global generators": (DRAWS_FROM_GLOBAL_GENERATORS, {}),
               "draws as it is built beside the AI² module": (DRAWS_AS_IT_IS_BUILT_BESIDE_THE_AI2_MODULE, {}),
               "draws from torch imported late": (DRAWS_FROM_TORCH_IMPORTED_LATE, {})}


@pytest.mark.parametrize("state", KEPT_STATES)
@pytest.mark.parametrize("sandbox", [True, False], ids=["sandboxed", "in-process"])
def test_every_game_gets_a_new_agent_so_it_plays_as_from_its_seed_alone(write_submission, sandbox, state):
    # A kept agent carried its count into the next game, and kept modules theirs: a game's result hung on
    # the games before it. Generators not seeded for its game (torch imported after the game's seeding,
    # and every generator in the harness's process) drew differently in every run.
    if "torch" in state:
        pytest.importorskip("torch")
    code, helpers = KEPT_STATES[state]
    spec = load(write_submission("counter", code, **helpers))
    kept = submission_handle(spec, "othello", sandbox=sandbox)
    try:
        series = [comparable(play_match("othello", [kept, RandomAgent()], seed)) for seed in range(3)]
    finally:
        kept.close()
    alone = []
    for seed in range(3):
        one = submission_handle(spec, "othello", sandbox=sandbox)
        try:
            alone.append(comparable(play_match("othello", [one, RandomAgent()], seed)))
        finally:
            one.close()
    assert {agent["status"] for game in series for agent in game["agents"]} == {"ok"}, series
    assert series == alone


@pytest.mark.parametrize("drawing", ["draws from global generators", "draws from torch imported late"])
def test_submissions_played_in_process_draw_from_generators_of_their_own_as_sandboxed(write_submission, drawing):
    # In the harness's process both seats drew from one stream, seeded for the seat seated last.
    if "torch" in drawing:
        pytest.importorskip("torch")
    code, helpers = KEPT_STATES[drawing]
    specs = [load(write_submission(name, code, **helpers)) for name in ("first", "second")]

    def games(sandbox: bool) -> list[dict]:
        handles = [submission_handle(spec, "othello", sandbox=sandbox) for spec in specs]
        try:
            return [comparable(play_match("othello", handles, seed)) for seed in range(2)]
        finally:
            for handle in handles:
                handle.close()

    sandboxed_games = games(sandbox=True)
    assert {agent["status"] for game in sandboxed_games for agent in game["agents"]} == {"ok"}, sandboxed_games
    assert games(sandbox=False) == sandboxed_games


def test_a_match_in_process_leaves_the_callers_generators_as_they_were(write_submission):
    import random

    import numpy as np

    spec = load(write_submission("draws", DRAWS_FROM_GLOBAL_GENERATORS))
    random.seed(1234)
    np.random.seed(1234)
    expected = (random.random(), np.random.random())
    random.seed(1234)
    np.random.seed(1234)
    handle = submission_handle(spec, "othello", sandbox=False)
    try:
        result = play_match("othello", [handle, RandomAgent()], 5)
    finally:
        handle.close()
    assert result.agents[0].status == Status.OK, result.agents[0].detail
    assert (random.random(), np.random.random()) == expected


def test_a_model_loaded_as_a_module_runs_is_freed_before_it_loads_again(write_submission):
    # The last game's module stayed, its functions and globals holding each other, until the garbage was
    # collected: two or three games later the agent was over its memory limit and was killed.
    code = """
import numpy as np

import model
from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        legal = np.flatnonzero(obs["action_mask"])
        return int(legal[int(model.WEIGHTS[0]) % len(legal)])
"""
    spec = load(write_submission("big_model", code, **{"model.py": "import numpy as np\n\nWEIGHTS = np.ones(300 * 2**20 // 8)\n"}))
    agent = sandboxed(spec.root, memory_mb=768)  # room for one model (300 MiB) beside Python's own, not three
    play_series_ok(agent, games=4, max_steps=4)
    assert agent.processes_started == 1


# Modules that set up, each time they run, something that stays until their process ends.
SETS_UP_AS_IT_LOADS = {
    "a thread": "import threading, time\n\nthreading.Thread(target=time.sleep, args=(3600,), daemon=True).start()\n",
    "an exit handler": "import atexit\n\natexit.register(print, 'bye')\n",
    "a logging handler": "import logging\n\nlogging.getLogger('mine').addHandler(logging.StreamHandler())\n",
}


@pytest.mark.parametrize("setup", SETS_UP_AS_IT_LOADS)
def test_a_sandbox_whose_modules_leave_something_behind_each_time_they_run_is_replaced(write_submission, setup):
    # Every game ran them again in the same process: a thread more each game, until the agent could start
    # none (its 256th game), or each line logged once more each game.
    code = "import setup\nfrom arena.agents import RandomAgent\n\n\nclass SubmittedAgent(RandomAgent):\n    pass\n"
    spec = load(write_submission("sets_up", code, **{"setup.py": SETS_UP_AS_IT_LOADS[setup]}))
    agent = sandboxed(spec.root)
    play_series_ok(agent, games=5, max_steps=4)
    assert agent.processes_started == 2  # a new one after game 4: none runs them more than four times


# Keeps a thread pool as long as its agent lives (its threads end a while after the agent is let go), and
# imports a package only in its second game (which adds a logging handler of its own, once).
HOLDS_A_POOL_AND_IMPORTS_LATE = """
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def __init__(self, file_path=None):
        super().__init__(file_path)
        self.pool = ThreadPoolExecutor(4)
        if os.path.exists("played"):
            import urllib3  # noqa: F401
        open("played", "w").close()

    def predict(self, obs):
        return self.pool.submit(lambda: int(np.flatnonzero(obs["action_mask"])[0])).result()
"""


def test_a_sandbox_whose_agent_sets_up_nothing_anew_each_game_is_kept(write_submission):
    # Its pool's threads, still ending as the next game began, and the package's handler, added once, each
    # counted as a rise: the process was replaced every few games.
    pytest.importorskip("urllib3")
    agent = sandboxed(write_submission("pooled", HOLDS_A_POOL_AND_IMPORTS_LATE))
    play_series_ok(agent, games=6, max_steps=6)
    assert agent.processes_started == 1


def test_a_sandbox_whose_agent_raised_is_replaced(tmp_path):
    folder = tmp_path / "faulty"
    folder.mkdir()
    (folder / "agent.py").write_text(FAULTS_IN_FIRST_GAME)
    with sandboxed(folder) as agent:
        first = play_match("othello", [agent, RandomAgent()], 0)
        second = play_match("othello", [agent, RandomAgent()], 1)
        assert agent.processes_started == 2
    assert first.agents[0].status == second.agents[0].status == Status.CRASH
    assert "first game" in second.agents[0].detail


# Seated anew at the start of every game (its _initialize runs again in a sandbox kept open), slowly.
SLOW_TO_SEAT = """
import time

from arena.agents import RandomAgent


class SubmittedAgent(RandomAgent):
    def _initialize(self):
        time.sleep(0.3)
"""


def test_each_games_start_is_timed_except_the_first_load_of_the_entrants_code(write_submission):
    folder = write_submission("slow_to_seat", SLOW_TO_SEAT)

    def starts(agent: SandboxedAgent, games: int) -> list[float]:
        return [play_match("othello", [agent, RandomAgent()], seed, max_steps=2).agents[0].time_to_start
                for seed in range(games)]

    with sandboxed(folder) as agent:
        kept = starts(agent, 3)
    with sandboxed(folder) as agent:
        agent.loaded_before = True  # as by a sandbox of this process closed to make room
        reloaded = starts(agent, 1)
    assert kept[0] == 0.0 and all(0.29 <= seconds < 6 for seconds in kept[1:] + reloaded), (kept, reloaded)


# Two kept at most, 1000 MiB for them. Holding 300, the first is closed to keep two (when a third plays);
# holding 450, to make room for the second's 600: either way its next load is on its time (a rule sparing
# some would let an entrant steer its loads there).
@pytest.mark.parametrize("held_mb, second_mb", [(300, 300), (450, 600)])
def test_a_sandbox_opened_again_keeps_its_moves_and_counts_its_load(monkeypatch, held_mb, second_mb):
    class Holding(blocks.ForfeitingAgent):
        def memory_held(self):
            return (held_mb if self.name == "e1" else second_mb) << 20

        memory_allowed = memory_held

    monkeypatch.setattr(blocks, "_open", lambda package, settings: Holding(package.label, "stands in"))
    cache = blocks._SandboxCache(capacity=2)
    first, second, third = (blocks.EntrantPackage(n, f"e{n}", f"digest{n}") for n in (1, 2, 3))
    settings = {"env": "othello", "process_memory_mb": 1000}
    try:
        (opened,) = cache.for_match([(first, 0)], settings)
        opened.recent_moves.append(0.001)
        cache.for_match([(second, 0)], settings)
        cache.for_match([(third, 0)], settings)
        assert opened not in cache.handles.values()
        (again,) = cache.for_match([(first, 0)], settings)
    finally:
        cache.close_all()
    assert list(again.recent_moves) == [0.001]
    assert (opened.loaded_before, again.loaded_before) == (False, True)


@pytest.mark.parametrize("name", ["sleeper", "segfault", "illegal_move"])
def test_a_sandbox_that_timed_out_died_or_played_illegally_is_replaced(name):
    with sandboxed(HOSTILE / name) as agent:
        results = [play_match("othello", [agent, RandomAgent()], seed) for seed in range(2)]
        assert agent.processes_started == 2
    assert all(r.agents[0].status != Status.OK for r in results)


def test_a_fault_of_the_opponent_leaves_a_sandbox_in_use(submissions):
    with sandboxed(submissions / "random") as agent, sandboxed(HOSTILE / "predict_raises") as faulty:
        results = [play_match("othello", [agent, faulty], seed) for seed in range(2)]
        assert (agent.processes_started, faulty.processes_started) == (1, 2)
    assert [r.agents[1].status for r in results] == [Status.CRASH, Status.CRASH]


@pytest.fixture
def four(tmp_path, submissions):
    subs = tmp_path / "subs"
    for name in ("a", "b", "c", "d"):
        shutil.copytree(submissions / "random", subs / name)
        (subs / name / "arena.toml").write_text(f'name = "{name}"\nenv = "othello"\n')
        with open(subs / name / "agent.py", "a") as agent:  # an output file for each sandbox, to count them by
            agent.write('\nprint("a sandbox started", flush=True)\n')
    return subs


def play_tournament(folder: Path, db: Path, backend) -> tuple[list[dict], Counter]:
    """Every recorded result in match order, and how many sandboxes each (entrant, worker process) had."""
    tournament = Tournament(db, Settings(env="othello", games_per_pair=4, seed=5))
    tournament.register_folder(folder)
    assert tournament.play(backend) == 24
    results = []
    for r in tournament.store.results():
        data = json.loads(Path(r.replay).read_text())
        results.append({key: data[key] for key in ("seed", "actions", "outcome", "steps")})
    # A sandboxed handle writes its agent's output to NAME-PID-N.log in the tournament's log folder.
    sandboxes = Counter(tuple(log.stem.split("-")[:2]) for log in tournament.log_dir.glob("*.log"))
    return results, sandboxes


def test_a_tournament_starts_one_sandbox_per_entrant_per_worker_and_routes_blocks(four, tmp_path):
    one, sandboxes_one = play_tournament(four, tmp_path / "one.sqlite", Backend())
    two, sandboxes_two = play_tournament(four, tmp_path / "two.sqlite", ProcessPoolBackend(2))
    assert one == two  # same seeds, same games, however they were shared out
    assert set(sandboxes_one.values()) == {1} and len(sandboxes_one) == 4
    assert set(sandboxes_two.values()) == {1}
    assert len(sandboxes_two) <= 7  # not every entrant in both workers (8)


def test_route_shares_matches_evenly_among_queues_of_few_entrants():
    pairs = [(0, 3), (1, 2), (0, 2), (3, 1), (0, 1), (2, 3)]  # a round robin of 4, round by round
    blocks = [[(i * 10 + k, 0, pair) for k in range(4)] for i, pair in enumerate(pairs) for _ in range(2)]
    queues = route(blocks, 2)
    assert [sum(len(b) for b in q) for q in queues] == [24, 24]
    assert sorted(len({e for b in q for _, _, seats in b for e in seats}) for q in queues) == [3, 4]
    assert sorted(b[0][0] for q in queues for b in q) == sorted(b[0][0] for b in blocks)
    single = route([[(k, 0, (1, 2))] for k in range(10)], 3)
    assert [len(q) for q in single] == [4, 4, 2]


def test_run_match_in_a_loop_starts_each_sandbox_once(submissions):
    import arena
    from arena import play

    play.close_players()
    try:
        results = [arena.run_match(submissions / "random", submissions / "random", env="othello", seed=seed)
                   for seed in range(3)]
        kept = list(play._kept.handles.values())
        assert len(kept) == 2 and [h.processes_started for h in kept] == [1, 1]
        assert [a.name for a in results[-1].agents] == ["random", "random-2"]
        named = arena.run_match(submissions / "random", submissions / "random", agent_1_name="me", env="othello")
        assert [a.name for a in named.agents] == ["me", "random"]
        assert [h.processes_started for h in play._kept.handles.values()] == [1, 1]
    finally:
        play.close_players()
    assert play._kept.handles == {}


def test_an_idle_worker_takes_blocks_it_has_sandboxes_for_first():
    from collections import deque

    from arena.tournament.runner import steal

    queue = deque([[(1, 0, (0, 1))], [(2, 0, (2, 3))], [(3, 0, (0, 1))], [(4, 0, (2, 3))]])
    assert steal([deque(), queue], {0, 1}) == [(3, 0, (0, 1))]
    assert steal([deque(), queue], {5, 6}) is None  # three blocks left: not worth new sandboxes
    queue.extend([[(k, 0, (2, 3))] for k in range(5, 10)])
    assert steal([deque(), queue], {5, 6}) == [(9, 0, (2, 3))]
    assert steal([deque(), deque()], {0}) is None


def test_arena_match_starts_each_sandbox_once_for_all_its_games(submissions, tmp_path, monkeypatch):
    from arena.cli import main

    spawned = []
    spawn = SandboxedAgent._spawn
    monkeypatch.setattr(SandboxedAgent, "_spawn", lambda self, game: (spawned.append(self.name), spawn(self, game))[1])
    monkeypatch.chdir(tmp_path)
    assert main(["match", str(submissions / "random"), str(submissions / "greedy"), "--games", "4"]) == 0
    assert sorted(spawned) == ["greedy", "random"]


class BudgetBackend(Backend):
    """Plays here, with `process_mb` MiB for the agents of this process, those in play and those kept open."""

    def __init__(self, process_mb: int):
        self.process_mb = process_mb

    def memory_settings(self) -> dict[str, int]:
        return {"process_memory_mb": self.process_mb}


@pytest.mark.parametrize("process_mb, hoarder_kept", [(1000, False), (4000, True)])
def test_a_kept_sandbox_is_closed_when_what_it_holds_leaves_a_match_too_little_memory(
        four, tmp_path, process_mb, hoarder_kept):
    shutil.rmtree(four / "d")
    settings = Settings(env="othello", games_per_pair=1, seed=5, limits={"memory_mb": 400, "max_memory_mb": 400})
    with Tournament(tmp_path / "order.sqlite", settings) as order:  # which entrants play the last match
        order.register_folder(four)
        order.extend_schedule()
        names = {e.id: e.name for e in order.store.entrants()}
        playing_last = {names[entrant] for entrant in order.store.schedule()[-1].seats}
    (hoarder,) = {"a", "b", "c"} - playing_last
    agent = four / hoarder / "agent.py"  # holds 300 MiB from its start on, within its 400
    agent.write_text(agent.read_text() + '\nHELD = b"x" * (300 << 20)\n')
    tournament = Tournament(tmp_path / "t.sqlite", settings)
    tournament.register_folder(four)
    blocks.close_sandboxes()
    try:
        assert tournament.play(BudgetBackend(process_mb)) == 3
        open_now = {handle.name.split("@")[0] for handle in blocks._sandboxes.handles.values()}
    finally:
        blocks.close_sandboxes()
        tournament.close()
    # The last match needs 800 MiB at its agents' limits: beside it, the hoarder's 300 fit in 4000, not in 1000.
    assert open_now == (playing_last | {hoarder} if hoarder_kept else playing_last)


def test_on_a_small_machine_sandboxes_kept_between_games_fit_beside_a_matchs_agents_at_their_limits(monkeypatch):
    from arena.sandbox import memory
    from arena.tournament import with_memory_limits

    # A 16 GiB machine, 2 workers, the default limits: were each agent given all its even share, a match's two
    # agents at their limits would fill its process's share and no sandbox would be kept for later games.
    monkeypatch.setattr(memory, "machine_memory", lambda: 16 << 30)
    limits = with_memory_limits(Settings(env="othello", seed=0), None, 2, lambda text: None).limits
    budget = memory.process_share_mb(2)
    assert 2 * limits["memory_mb"] < budget

    class Playing(blocks.ForfeitingAgent):  # each at its limit while it plays, 200 MiB once kept
        def memory_allowed(self):
            return limits["memory_mb"] << 20

        def memory_held(self):
            return 200 << 20

    monkeypatch.setattr(blocks, "_open", lambda package, settings: Playing(package.label, "stands in"))
    cache = blocks._SandboxCache(capacity=8)
    packages = [blocks.EntrantPackage(n, f"e{n}", f"digest{n}") for n in range(4)]
    try:
        cache.for_match([(packages[0], 0), (packages[1], 0)], {"process_memory_mb": budget})
        cache.for_match([(packages[2], 0), (packages[3], 0)], {"process_memory_mb": budget})
        assert len(cache.handles) == 4  # the first match's two kept
    finally:
        cache.close_all()
