"""Shared test set-up and helpers: headless rendering, the repository's example submissions, the `arena`
command in this process or its own, servers, known positions and a small results store.

Fixtures (`submissions`, `write_submission`, `in_tmp`, `cli`) come by name; the plain helpers are imported
like any module of this folder: `from conftest import free_port, position`.
"""

import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

# Rendering tests must run on servers without a display.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

REPO = Path(__file__).resolve().parent.parent
SUBMISSIONS = REPO / "submissions"


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true",
                     help="also run the tests marked slow: strength and training runs (.ci/run does)")


@pytest.fixture(autouse=True, scope="session")
def sb3_logs_in_pytests_folder(tmp_path_factory):
    """Where stable-baselines3 puts the logs of models given no logger (the competitions' training
    scripts): pytest's own temporary folder, not a new SB3-<date> folder in /tmp for every run."""
    patch = pytest.MonkeyPatch()
    patch.setenv("SB3_LOGDIR", str(tmp_path_factory.mktemp("sb3-logs")))
    yield
    patch.undo()


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="a slow strength or training run: pytest --slow runs it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def submissions() -> Path:
    """The repository's example submissions folder."""
    return SUBMISSIONS


@pytest.fixture
def full_disk_for(monkeypatch):
    """full_disk_for(prefix) -> restore(): the temporary folders `arena.tempdirs` makes with `prefix`
    (sandboxes', submissions' copies) meet a full disk, until restore() is called."""
    from arena import tempdirs

    real_make = tempdirs.make

    def full_disk(prefix: str):
        def make(asked: str):
            if asked == prefix:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_make(asked)

        monkeypatch.setattr(tempdirs, "make", make)
        return lambda: monkeypatch.setattr(tempdirs, "make", real_make)

    return full_disk


@pytest.fixture
def write_submission(tmp_path):
    """write_submission(name, agent_code, manifest=None, **extra_files) -> folder of a new submission."""

    def write(name: str, agent_code: str, manifest: str | None = None, **extra_files: str) -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True)
        (folder / "agent.py").write_text(agent_code)
        if manifest is not None:
            (folder / "arena.toml").write_text(manifest)
        for file_name, text in extra_files.items():
            (folder / file_name).write_text(text)
        return folder

    return write


# ---- the `arena` command


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    """Run the test in its temporary folder (commands write replays/ and the like there)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def cli(capsys):
    """cli(*argv) -> (exit status, stdout, stderr) of the `arena` command run in this process."""
    from arena.cli import main

    def run(*argv) -> tuple[int, str, str]:
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def arena_command(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """The `arena` command run as its own process (it must succeed); its output."""
    return subprocess.run([sys.executable, "-m", "arena.cli", *args], capture_output=True, text=True, check=True,
                          **kwargs)


# ---- servers and processes


def is_alive(pid: int) -> bool:
    """Whether process `pid` still runs (a zombie has already died)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds: float, what: str):
    """`condition()`'s first true value, asked every 0.25 s; AssertionError naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"gave up waiting for {what}")


def stop(process: subprocess.Popen, seconds: float = 60) -> None:
    """SIGTERM, then SIGKILL if `process` has not ended within `seconds`."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# ---- positions


OTHELLO_START = "---------------------------OX------XO--------------------------- X"

# Othello endgames (11 empties) where exactly one move wins; solve() below proves it.
OTHELLO_ENDGAMES = [
    "-X-OOO-X-X-XOOOO-XOOOOOOXX-OOOOOXXXXOXOOOOOOOOX-OX-XXXXX--XXXXXO O",
    "--X-XOO---XXXXXXOOXOOOOXOOXXOOX-OOXOXOX-OOOXOXOOOOOOOOOOO-OOOX-- O",
    "-X-OOOO--XXX-X-OXXXXO-O-OXOXOOOOOXXXOXOO-XXOXOOO-XXXOOOXXXXXXXO- O",
    "O-XO-X-XO--OOXX-OOOOXX--OOXOXXXXOOOOXXXX-OOXXXXXOOXO-XXXXX-XXXXX O",
]


def solve(board) -> int:
    """The exact result for the side to move (+1 win, 0 draw, -1 loss): negamax with alpha-beta."""

    def negamax(alpha: int, beta: int) -> int:
        if board.is_game_over():
            winner = board.winner()
            return 0 if winner < 0 else (1 if winner == board.to_move else -1)
        best = -2
        for move in board.legal_moves():
            board.play(move)
            best = max(best, -negamax(-beta, -alpha))
            board.undo()
            alpha = max(alpha, best)
            if alpha >= beta:
                break
        return best

    return negamax(-2, 2)


def move_values(board) -> dict[int, int]:
    """Each legal move's exact result for the side to move."""
    values = {}
    for move in board.legal_moves():
        board.play(move)
        values[move] = -solve(board)
        board.undo()
    return values


def square(name: str, size: int = 15) -> int:
    """Gomoku's 'h8' -> row 7 * size + col 7."""
    return (int(name[1:]) - 1) * size + ord(name[0]) - ord("a")


def position(black: str, white: str = "", to_move: str = "X", size: int = 15, rule: str = "freestyle"):
    """A gomoku board with stones on the named squares, e.g. position("h8 i8", "h9")."""
    from arena.envs.gomoku import GomokuBoard

    cells = ["-"] * size * size
    for name in black.split():
        cells[square(name, size)] = "X"
    for name in white.split():
        cells[square(name, size)] = "O"
    return GomokuBoard.from_string("".join(cells) + " " + to_move, rule)


# ---- results stores


def othello_store(folder: Path, games_per_pair: int = 2):
    """A small real round robin: three entrants, Othello games with replays saved beside the store."""
    from arena import replay
    from arena.agents import GreedyOthelloAgent, RandomAgent
    from arena.handle import LocalAgent
    from arena.match import play_match
    from arena.tournament.store import ResultsStore

    agents = {"greedy": GreedyOthelloAgent, "random": RandomAgent, "random_b": RandomAgent}
    store = ResultsStore(folder / "results.sqlite")
    store.save_settings({"env": "othello", "format": "round-robin", "games_per_pair": games_per_pair})
    names = {store.register(name, name * 8, f"/subs/{name}", f"/archive/{name}")[0].id: name for name in agents}
    pairs = [(1, 2), (1, 3), (2, 3)]
    store.add_to_schedule([(r, 100 + 10 * r + g, pair if g % 2 == 0 else pair[::-1])
                           for r, pair in enumerate(pairs) for g in range(games_per_pair)])
    for match in store.schedule():
        seated = [LocalAgent(agents[names[e]](), name=names[e]) for e in match.seats]
        result = play_match("othello", seated, match.seed)
        store.record(match, result, str(replay.save(result, folder / "replays" / f"{match.match_id}.json")))
    return store


# ---- arena serve (its extra: the test modules that use these skip without starlette and httpx)


HOSTILE_NAME = "<img src=x onerror=alert(1)>"


class Site:
    """A competition in a temporary folder: its stores, a validator and a test client (alice and a
    participant with a hostile name)."""

    def __init__(self, tmp_path: Path, limits=None):
        import warnings

        from arena.serve.app import ServeConfig, create_app
        from arena.serve.store import CompetitionStore
        from arena.serve.uploads import UploadLimits
        from arena.serve.validation import Validator

        with warnings.catch_warnings():  # newer Starlette suggests another httpx package; this one works
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient

        limits = UploadLimits() if limits is None else limits
        self.db = tmp_path / "competition.sqlite"
        self.store = CompetitionStore(self.db)
        self.alice, self.alice_token = self.store.add_participant("alice")
        self.bob, self.bob_token = self.store.add_participant(HOSTILE_NAME)
        self.config = ServeConfig(self.db, "othello", limits=limits)
        self.app = create_app(self.config)
        self.client = TestClient(self.app, base_url="http://testserver")
        self.validator = Validator(self.store, self.db, "othello", {}, limits.max_active)

    def upload(self, data: bytes, token: str | None = None, filename: str = "agent.zip"):
        token = self.alice_token if token is None else token
        return self.client.post(f"/api/submissions?filename={filename}", content=data,
                                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/zip"})

    def log_in(self, token: str | None = None) -> str:
        """Log in through the form; the session's CSRF token, read from the participant page."""
        page = self.client.get("/login")
        csrf = hidden_csrf(page.text)
        answer = self.client.post("/login", data={"csrf": csrf, "token": token or self.alice_token},
                                  follow_redirects=False)
        assert answer.status_code == 303, answer.text
        return hidden_csrf(self.client.get("/me").text)

    def files_kept(self) -> list[str]:
        folder = self.config.uploads_dir
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    def enter_two(self) -> None:
        """Upload and validate random (alice's) and greedy (the hostile name's)."""
        from arena.serve.client import zip_folder

        for folder, token in (("random", self.alice_token), ("greedy", self.bob_token)):
            assert self.upload(zip_folder(SUBMISSIONS / folder), token=token).status_code == 201
        while self.validator.validate_next():
            pass

    def play(self, games: int) -> None:
        """Enter random and greedy (`enter_two`), then record `games` short games."""
        from arena.serve.scheduler import Scheduler
        from arena.tournament import Settings, Tournament
        from arena.tournament.runner import Backend

        self.enter_two()
        with Tournament(self.db, Settings(seed=0, env="othello", max_steps=16)) as tournament:
            scheduler = Scheduler(tournament, Backend(), batch_games=games)
            assert scheduler.step() == games


def hidden_csrf(html: str) -> str:
    """The CSRF token of a page's form."""
    marker = 'name="csrf" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


@pytest.fixture
def othello_entrants(tmp_path, submissions):
    """Four Othello submissions: random, greedy and two more greedy variants."""
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("random", "greedy"):
        shutil.copytree(submissions / name, subs / name)
    for name in ("greedy_b", "greedy_c"):
        shutil.copytree(submissions / "greedy", subs / name)
        (subs / name / "arena.toml").write_text(f'name = "{name}"\nenv = "othello"\n')
    for agent in subs.glob("*/agent.py"):  # each sandbox writes an output file: tests count sandboxes by them
        agent.write_text(agent.read_text() + '\nprint("a sandbox started", flush=True)\n')
    return subs
