"""Tournaments against hostile entrants: whatever a submission is or does, only it pays, the
tournament finishes, and its leaderboard shows why. Also: one process per store, dying cleanly."""

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from leases import hold_lease

from arena.entrants import move_budget, submission_handle
from arena.errors import ArenaError
from arena.faults import Status
from arena.handle import AgentHandle
from arena.names import file_name, lookalikes, mixes_scripts, skeleton, terminal
from arena.sandbox import cgroups
from arena.submission import load
from arena.tournament import Settings, Tournament, with_memory_limits
from arena.tournament.blocks import GuardedHandle
from arena.tournament.store import ResultsStore, StoreBusy

RANDOM_AGENT = "from arena.agents import RandomAgent\n\n\nclass SubmittedAgent(RandomAgent):\n    pass\n"
# Answers its first move with a frame that claims an action array of 100 dimensions, written
# straight into the pipe to the harness (found as the write-only pipe beyond stdout and stderr).
BAD_FRAME_AGENT = '''\
import fcntl, os, stat, struct
from arena.agents import RandomAgent


class SubmittedAgent(RandomAgent):
    def predict(self, obs):
        payload = b"a" + bytes([3]) + b"<i8" + bytes([100]) + struct.pack("<100q", *[1] * 100) + bytes(8)
        frame = struct.pack("<IB", len(payload), 11) + payload
        for fd in range(3, 256):
            try:
                if stat.S_ISFIFO(os.fstat(fd).st_mode) and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                    os.write(fd, frame)
            except OSError:
                pass
        return super().predict(obs)
'''
MARKUP_NAME = "[bold red]mark[reverse]up"  # rich would read it as markup


def folder_submission(parent: Path, name: str, manifest: str | None = None, agent: str = RANDOM_AGENT) -> Path:
    folder = parent / name
    folder.mkdir()
    (folder / "agent.py").write_text(agent)
    if manifest is not None:
        (folder / "arena.toml").write_text(manifest)
    return folder


def colliding_zip(path: Path) -> Path:
    """A zip whose members collide: a file `data` and a file inside a folder `data`, agent.py twice."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("agent.py", RANDOM_AGENT)
        archive.writestr("data", "a file")
        archive.writestr("data/inner.txt", "a file where a folder should be")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("agent.py", "raise SystemExit\n")
    return path


@pytest.fixture
def hostile_folder(tmp_path, submissions):
    """Two honest Othello entrants and one of each kind of hostile submission."""
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copytree(submissions / "greedy", subs / "greedy")
    shutil.copytree(submissions / "random", subs / "random")
    folder_submission(subs, "nan_clock", 'name = "nan_clock"\nenv = "othello"\ntime_per_move = nan\n')
    folder_submission(subs, "deep_manifest", "x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    colliding_zip(subs / "colliding.zip")
    os.mkfifo(folder_submission(subs, "fifo") / "pipe")
    folder_submission(subs, "l" * 200)
    folder_submission(subs, "markup", f'name = "{MARKUP_NAME}"\n')
    folder_submission(subs, "huge_options", 'name = "huge_options"\n\n[options]\nsize = 1000000000\n')
    folder_submission(subs, "bad_frame", 'name = "bad_frame"\n', agent=BAD_FRAME_AGENT)
    return subs


def arena_command(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "arena.cli", *map(str, args)], capture_output=True, text=True,
                          **kwargs)


def loads(path: Path) -> bool:
    """Whether arena.submission.load takes the submission: those it refuses must forfeit."""
    try:
        load(path)
    except Exception:
        return False
    return True


def test_hostile_entrants_pay_alone_and_the_tournament_finishes(hostile_folder, tmp_path):
    db = tmp_path / "hostile.sqlite"
    played = arena_command("tournament", hostile_folder, "--env", "othello", "--games-per-pair", "1",
                           "--workers", "2", "--db", db, timeout=900)
    assert played.returncode == 0, played.stderr
    store = ResultsStore(db)
    by_source = {e.source: e for e in store.entrants()}
    assert len(by_source) == 9  # huge_options asks for another game: skipped, saying so
    assert "huge_options: its arena.toml asks for size = 1000000000 in [options]" in played.stdout + played.stderr
    results = store.results()
    assert [r.match_id for r in results] == [m.match_id for m in store.schedule()] and len(results) == 36
    assert store.failures() == {}

    def entrant(name: str):
        return by_source[str((hostile_folder / name).resolve())]

    # Unreadable submissions forfeit, with the reason recorded once for the entrant; a raw frame
    # the harness cannot turn into an action is that agent's crash; the rest play if
    # arena.submission.load takes them, else they forfeit.
    expected = {entrant(name).id: "forfeit" for name in ("deep_manifest", "colliding.zip", "fifo")}
    expected[entrant("bad_frame").id] = "crash"
    for name in ("greedy", "random", "nan_clock", "l" * 200, "markup"):
        expected[entrant(name).id] = "ok" if loads(hostile_folder / name) else "forfeit"
    assert all(entrant(name).problem for name in ("deep_manifest", "colliding.zip", "fifo"))
    for match in results:
        faults = [seat for seat in match.seats if seat.status != "ok"]
        assert [(s.entrant_id, s.status) for s in faults] == expected_faults(match.seats, expected)
        assert all(s.detail and "\n" not in s.detail for s in faults)
    assert {r.env_options.get("size") for r in results} == {None}  # the organiser's options, not a manifest's
    replays = list((tmp_path / "hostile-replays").iterdir())
    assert len(replays) == 36 and all(len(p.name) < 40 for p in replays)
    assert all(len(p.name) < 100 for p in (tmp_path / "hostile-logs").glob("*"))

    board = arena_command("leaderboard", "--db", db, env={**os.environ, "COLUMNS": "200"})
    assert board.returncode == 0, board.stderr
    assert "forfeit" in board.stdout and "crash" in board.stdout
    if loads(hostile_folder / "markup"):
        assert MARKUP_NAME in board.stdout  # printed as written, not read as markup

    again = arena_command("tournament", "--db", db, "--resume", timeout=300)
    assert again.returncode == 0, again.stderr
    assert "0 matches played; 36 of 36 recorded" in again.stdout


def expected_faults(seats, expected: dict[int, str]) -> list[tuple[int, str]]:
    """The faults a match should end with: every seat that forfeits (at the start: none wins against
    another that could not play either), else a seat that crashes (when it moves), else none."""
    forfeits = [(seat.entrant_id, "forfeit") for seat in seats if expected[seat.entrant_id] == "forfeit"]
    crashes = [(seat.entrant_id, "crash") for seat in seats if expected[seat.entrant_id] == "crash"]
    return forfeits or crashes[:1]


class Exploding(AgentHandle):
    """A handle that fails the way no handle should: with an exception that is not an AgentFault."""

    name = "exploding"
    time_per_move = None

    def __init__(self, action=0, fail_in: str = ""):
        self.action, self.fail_in = action, fail_in

    def start(self, seat):
        self._maybe_fail("start")

    def reset(self):
        self._maybe_fail("reset")

    def request_action(self, observation):
        self._maybe_fail("request")

    def await_action(self):
        self._maybe_fail("await")
        return self.action

    def _maybe_fail(self, where: str) -> None:
        if where == self.fail_in:
            raise RuntimeError("the pipe broke")


@pytest.mark.parametrize("fail_in", ["start", "reset", "await"])
def test_whatever_a_handle_raises_is_its_agents_crash(fail_in):
    from arena.agents import RandomAgent
    from arena.match import play_match

    result = play_match("othello", [GuardedHandle(Exploding(fail_in=fail_in)), RandomAgent()], seed=1)
    mine, theirs = result.agents
    assert (mine.status, theirs.status) == (Status.CRASH, Status.OK)
    assert "RuntimeError: the pipe broke" in mine.detail


def test_an_action_that_cannot_even_be_checked_is_illegal():
    from arena.agents import RandomAgent
    from arena.match import play_match

    class Unreadable:
        def __index__(self):
            raise RuntimeError("no")

    result = play_match("fighting", [GuardedHandle(Exploding(action=[[Unreadable()]])), RandomAgent()], seed=1,
                        max_steps=3)
    assert result.agents[0].status == Status.ILLEGAL_ACTION and result.agents[1].status == Status.OK


# --- clocks and options come from the organiser ---------------------------------------------

def test_a_manifest_may_shorten_its_clock_but_never_lengthen_it(tmp_path, submissions):
    assert move_budget(1.0, 0.25) == 0.25
    assert move_budget(1.0, 5.0) == move_budget(1.0, float("nan")) == move_budget(1.0, -1.0) == 1.0
    slow = shutil.copytree(submissions / "random", tmp_path / "slow")
    (slow / "arena.toml").write_text('time_per_move = 30.0\n')
    handle = submission_handle(load(slow), "othello", time_bank=2.5)
    assert (handle.clock.per_move, handle.clock.bank) == (1.0, 2.5)
    organiser = submission_handle(load(slow), "fighting", time_per_move=0.02)
    assert (organiser.clock.per_move, organiser.clock.bank) == (0.02, 5.0)


@pytest.mark.parametrize("settings, message", [
    (dict(options={"size": 10 ** 9}), "size must be 5 to 19"),
    (dict(options={"size": "big"}), "size must be 5 to 19"),
    (dict(options={"colour": 1}), "has no option 'colour'"),
    (dict(time_per_move=float("nan")), "--time-per-move must be a number of seconds above 0"),
    (dict(time_bank=-1.0), "--time-bank must be a number of seconds from 0"),
    (dict(games_per_pair=10 ** 9), "--games-per-pair must be a whole number from 1 to 1000"),
    (dict(limits={"memory_mb": 1}), "--memory-mb must be a whole number from 64"),
])
def test_the_organisers_settings_are_checked_before_anything_plays(settings, message):
    with pytest.raises(ArenaError, match=message.replace("(", "\\(").replace("'", ".")):
        Settings(env="gomoku", **settings)


def test_the_agents_playing_at_once_cannot_be_given_more_memory_than_the_machine_has(monkeypatch):
    from arena.sandbox import memory

    assert memory.memory_limits(512, 4) == {"memory_mb": 512, "max_memory_mb": 512}  # the organiser's cap
    monkeypatch.setattr(os, "sysconf", lambda name: {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 24 << 18}[name])
    monkeypatch.setattr(cgroups, "own_memory_limit", lambda: None)  # not in a container
    assert memory.machine_share_mb(4) == 24 * 1024 * 9 // 10 // 4  # 5529 MiB of a 24 GiB machine
    assert memory.memory_limits(None, 4) == {"memory_mb": 4096, "max_memory_mb": 5529}
    assert memory.memory_limits(None, 16) == {"memory_mb": 1382, "max_memory_mb": 1382}
    assert memory.memory_limits(None, 10**6)["memory_mb"] == memory.MIN_MEMORY_MB
    # Where sandboxes are kept open between games, three quarters of it: the rest is room for them.
    assert memory.memory_limits(None, 4, keeping_sandboxes=True) == {"memory_mb": 4096, "max_memory_mb": 4146}
    assert memory.memory_limits(None, 16, keeping_sandboxes=True) == {"memory_mb": 1036, "max_memory_mb": 1036}
    # A server's validators play beside its games: their agents count, and what they may hold is set aside.
    served = with_memory_limits(Settings(env="othello"), None, 6, lambda text: None, validators=4)
    assert served.limits == {"memory_mb": 1036, "max_memory_mb": 1036}  # 16 agents at once
    assert memory.process_share_mb(6, reserved_mb=4 * 1036) == (24 * 1024 * 9 // 10 - 4 * 1036) // 6
    # An organiser's cap that could take more is kept, with a warning saying what would.
    assert memory.memory_warning(None, 4) is None and memory.memory_warning(5529, 4) is None
    assert memory.memory_warning(8192, 4).startswith(
        "--memory-mb 8192 lets the 4 agents playing at once take 32768 MiB, more than this machine can give them")
    # Resumed with more workers than it began with, its agents' memory may no longer fit.
    assert memory.resume_warning(4096, seats=2, workers=2) is None
    assert memory.resume_warning(4096, seats=2, workers=4).startswith(
        "this tournament's agents may hold 4096 MiB each, and with --workers 4 8 play at once: more than this")
    assert memory.resume_warning(4096, seats=2, workers=4).endswith("--workers 2 or fewer keeps them within it")


@pytest.mark.skipif(cgroups.available_bases() is None, reason="needs control groups this process may make")
def test_in_a_container_the_machines_memory_is_the_containers(tmp_path):
    memory_base = cgroups.available_bases()["memory"]
    container = memory_base / f"arena-test-container-{os.getpid()}"
    container.mkdir()
    try:
        limit_file = "memory.max" if (container / "memory.max").exists() else "memory.limit_in_bytes"
        (container / limit_file).write_text(str(1200 << 20))
        code = "from arena.sandbox import memory; print(memory.machine_memory_mb(), memory.process_share_mb(2))"
        inside = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                preexec_fn=lambda: (container / "cgroup.procs").write_text(str(os.getpid())))
    finally:
        container.rmdir()
    assert inside.stdout.split() == ["1200", str(1200 * 9 // 10 // 2)]


def test_snake_and_the_relay_bound_what_could_allocate():
    with pytest.raises(ArenaError, match="snake.: height must be 5 to 100"):
        Settings(env="snake", options={"height": 10 ** 6})
    with pytest.raises(ArenaError, match="cartpole_relay.: num_players must be 1 to 32"):
        Settings(env="cartpole_relay", options={"num_players": 10 ** 6})


# --- names -----------------------------------------------------------------------------------

def test_names_are_made_safe_for_terminals_and_files():
    assert terminal("[/]x[bold]\x1b[2J\u202e\n") == "\\[/]x\\[bold][2J"
    assert terminal("n" * 500).endswith("…") and len(terminal("n" * 500)) == 80
    assert file_name("../../etc/passwd") == "etc_passwd" and file_name(".hidden") == "hidden"
    assert file_name("") == file_name("...") == "entrant" and len(file_name("x" * 1000)) == 64
    assert "/" not in file_name("a/b\\c") and file_name("naïve bot") == "naive_bot"
    flagged = lookalikes(["paypal", "p\u0430ypal", "greedy", "ｇｒｅｅｄｙ", "random", "dr\u0430gon"])
    assert flagged == {"paypal": ["p\u0430ypal"], "p\u0430ypal": ["paypal"], "greedy": ["ｇｒｅｅｄｙ"],
                       "ｇｒｅｅｄｙ": ["greedy"], "dr\u0430gon": []}
    assert lookalikes(["alice", "aIice", "al1ce", "bob"]) == {  # capital I, small l, digit one: alike in sans-serif
        "alice": ["aIice", "al1ce"], "aIice": ["al1ce", "alice"], "al1ce": ["aIice", "alice"]}


def test_names_that_pass_for_another_in_any_script_unicode_lists_are_flagged():
    # Each of these once passed for "alice" or "bob": Lisu letters (alone or beside Latin ones), a Latin
    # alpha, a click letter for l, small capitals, a Thai zero.
    disguises = ["\ua4d0ob", "\ua4d0\ua4f3\ua4d0", "\u0251lice", "a\u01c0ice", "\u1d00lice", "\u0299ob", "b\u0e50b"]
    flagged = lookalikes(["alice", "bob", *disguises])
    assert sorted(flagged["alice"]) == sorted(d for d in disguises if skeleton(d) == skeleton("alice"))
    assert sorted(flagged["bob"]) == sorted(d for d in disguises if skeleton(d) == skeleton("bob"))
    assert set(flagged) == {"alice", "bob", *disguises} and skeleton("\ua4d0\ua4f3\ua4d0") == skeleton("bob")
    # A word of one script is fine, and so are Han, kana and Hangul beside Latin; Latin beside Lisu is not.
    assert lookalikes(["東京", "Tokyo東京", "とうきょう", "서울", "Zoë", "مرحبا", "bob"]) == {}
    assert lookalikes(["\ua4d0ob"]) == {"\ua4d0ob": []} and mixes_scripts("Tokyo\u0422")


def test_letters_drawn_blank_neither_disguise_a_name_nor_pad_a_line():
    # Hangul fillers (Korean script, allowed beside Latin) and the blank braille pattern are letters or
    # symbols, not spaces or controls: "alice" with one of them was another name that showed as "alice".
    blanks = ["alice\u3164", "alic\u115fe", "alice\u1160", "alice\uffa0", "alice\u2800"]
    assert lookalikes(["alice", *blanks])["alice"] == sorted(blanks)
    assert terminal("x" + "\u2800" * 200 + "random wins") == "x random wins"


# --- one process per store -------------------------------------------------------------------

@pytest.fixture
def othello_db(tmp_path, submissions) -> Path:
    db = tmp_path / "one.sqlite"
    with Tournament(db, Settings(seed=0, env="othello")):
        pass
    return db


def test_a_second_player_of_a_store_is_refused_with_the_owners_name(othello_db):
    owner = subprocess.Popen(["sleep", "600"])
    try:
        hold_lease(othello_db, owner.pid)
        with pytest.raises(StoreBusy, match=f"being played by process {owner.pid} on {socket.gethostname()}"):
            Tournament(othello_db)
        refused = arena_command("tournament", "--db", othello_db, "--resume", timeout=120)
        assert refused.returncode == 1 and f"process {owner.pid}" in refused.stderr
    finally:
        owner.kill()
        owner.wait()
    with Tournament(othello_db) as taken_over:  # its owner is gone: the lease is stale
        assert taken_over.settings.env == "othello"
    with Tournament(othello_db):  # and it was released on close
        pass


def test_a_process_that_opens_a_store_twice_plays_it_through_the_latest_opening(othello_db):
    first = Tournament(othello_db)
    second = Tournament(othello_db)
    with pytest.raises(StoreBusy, match="another run took this results database over"):
        first.store.record_failure(1, "no longer the one playing it")
    first.close()  # gives back nothing that is not its own
    second.store.record_failure(1, "still the one playing it")
    second.close()


def test_a_lease_from_another_host_holds_until_it_goes_stale(othello_db):
    hold_lease(othello_db, 1, host="elsewhere")
    with pytest.raises(StoreBusy, match="process 1 on elsewhere"):
        Tournament(othello_db)
    hold_lease(othello_db, 1, host="elsewhere", refreshed_at=time.time() - 3600)
    Tournament(othello_db).close()


def test_a_store_that_lost_its_lease_records_nothing_more(othello_db):
    tournament = Tournament(othello_db)
    owner = subprocess.Popen(["sleep", "600"])
    try:
        hold_lease(othello_db, owner.pid)
        with pytest.raises(StoreBusy, match="another run took this results database over"):
            tournament.store.record_failure(1, "a reason")
    finally:
        owner.kill()
        owner.wait()


def test_a_damaged_store_or_another_game_is_refused(othello_db, tmp_path):
    with pytest.raises(ArenaError, match="holds a tournament of othello, not gomoku"):
        Tournament(othello_db, Settings(seed=0, env="gomoku"))
    resumed = arena_command("tournament", "--db", othello_db, "--resume", "--env", "gomoku", timeout=120)
    assert resumed.returncode == 1 and "holds a tournament of othello, not gomoku" in resumed.stderr
    damaged = tmp_path / "damaged.sqlite"
    shutil.copyfile(othello_db, damaged)
    data = bytearray(damaged.read_bytes())
    data[4096:8192] = b"\xa5" * 4096  # the second page: a table's b-tree
    damaged.write_bytes(bytes(data))
    with pytest.raises(ArenaError, match="damaged|not a usable results database"):
        Tournament(damaged)
    # Cut short (a copy that stopped): damaged too, not a disk to free room on, nor worth trying again.
    truncated = tmp_path / "truncated.sqlite"
    truncated.write_bytes(Path(othello_db).read_bytes()[:Path(othello_db).stat().st_size // 2])
    for command in (["leaderboard", "--db", truncated], ["tournament", "--db", truncated, "--resume"]):
        run = arena_command(*command, timeout=120)
        assert run.returncode == 1 and "not a usable results database" in run.stderr, run.stderr
        assert "restore it from a copy" in run.stderr and "free some space" not in run.stderr


# --- dying cleanly ---------------------------------------------------------------------------

def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def start_tournament(folder: Path, db: Path) -> tuple[subprocess.Popen, set[int]]:
    """`arena tournament` under way, once its pool and agents are playing: it and its processes."""
    process = subprocess.Popen([sys.executable, "-m", "arena.cli", "tournament", str(folder), "--env", "othello",
                                "--games-per-pair", "40", "--workers", "2", "--db", str(db)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: set[int] = set()
    for _ in range(6000):  # up to ten minutes on a very busy machine
        seen |= descendants(process.pid)
        if db.exists() and ResultsStore(db).finished_count() >= 2 and len(seen) >= 4:
            return process, seen | descendants(process.pid)
        assert process.poll() is None, "the tournament ended before it could be stopped"
        time.sleep(0.1)
    raise AssertionError("the tournament did not get going")


def wait_until_gone(pids: set[int]) -> set[int]:
    for _ in range(600):
        if not alive(pids):
            break
        time.sleep(0.1)
    return alive(pids)


@pytest.fixture
def two_entrants(tmp_path, submissions) -> Path:
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copytree(submissions / "greedy", subs / "greedy")
    shutil.copytree(submissions / "random", subs / "random")
    return subs


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_tournament_leaves_no_process_behind(two_entrants, tmp_path, how):
    db = tmp_path / "killed.sqlite"
    process, processes = start_tournament(two_entrants, db)
    os.kill(process.pid, how)
    code = process.wait(timeout=120)
    survivors = wait_until_gone(processes)
    for pid in survivors:  # leave nothing running whatever the outcome
        os.kill(pid, signal.SIGKILL)
    assert survivors == set()
    assert code == (-signal.SIGKILL if how == signal.SIGKILL else 128 + signal.SIGTERM)  # as a shell reports it
    Tournament(db).close()  # its lease was given back, or is taken over from the dead process
