"""`arena match` as a user sees it: one bar and a tally, faults with their traceback, exit status,
games of more than two seats, and a clean stop on Ctrl-C or SIGTERM."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arena.sandbox import protections
from arena.sandbox.cgroups import available_bases

PROTECTIONS = protections()

pytestmark = pytest.mark.usefixtures("in_tmp")

# Thinks for a while every move: a match of it runs long enough to be stopped half-way.
SLOW = ("import time\n\nimport numpy as np\n\nfrom arena.agents import Agent\n\n\nclass SubmittedAgent(Agent):\n"
        "    def predict(self, obs):\n        time.sleep(0.2)\n"
        "        return int(np.flatnonzero(obs['action_mask'])[0])\n")
CRASHES_AT_IMPORT = ("import arena_has_no_such_module\n\nfrom arena.agents import Agent\n\n\n"
                     "class SubmittedAgent(Agent):\n    pass\n")


def test_many_games_show_one_bar_and_the_tally_not_lines_per_game(cli, submissions):
    code, out, err = cli("match", submissions / "random", submissions / "greedy", "--games", "6")
    assert code == 0 and not err
    assert "replay:" not in out and "game 1/6" not in out
    assert "6/6" in out  # the bar, at its end
    header, *rows = [line.split() for line in out.splitlines() if line.strip()][-4:-1]
    assert header == ["agent", "wins", "draws", "losses", "points"] and [r[0] for r in rows] == ["random", "greedy"]
    assert sum(int(r[1]) + int(r[2]) for r in rows) == 6 + int(rows[0][2])  # every game counted once
    seeds = sorted(json.loads(replay.read_text())["seed"] for replay in Path("replays").iterdir())
    assert len(seeds) == 6 and seeds == list(range(seeds[0], seeds[0] + 6))
    assert f"seeds {seeds[0]} to {seeds[-1]} (--seed {seeds[0]} plays them again)" in out


def test_without_a_seed_each_series_draws_its_own_and_with_it_plays_the_same_games(cli, submissions, tmp_path):
    def series(*seed: str) -> list[dict]:
        code, out, _ = cli("match", submissions / "random", submissions / "greedy", "--games", "2", "--json",
                           "--replay-dir", str(tmp_path / "replays"), *seed)
        assert code == 0
        return [json.loads(line) for line in out.splitlines()]

    first, second = series(), series()
    assert first[0]["seed"] != second[0]["seed"]
    again = series("--seed", str(first[0]["seed"]))
    assert [game["seed"] for game in again] == [game["seed"] for game in first]
    assert [json.load(open(game["replay"]))["actions"] for game in again] == \
        [json.load(open(game["replay"]))["actions"] for game in first]


def test_verbose_prints_every_game(cli, submissions):
    code, out, _ = cli("match", submissions / "random", submissions / "greedy", "--games", "2", "--verbose")
    assert code == 0 and "game 1/2" in out and "game 2/2" in out and out.count("replay:") == 2


def test_a_game_of_four_seats_seats_copies_in_turn_and_tallies_by_submission(cli, submissions):
    code, out, _ = cli("match", submissions / "snake_greedy", submissions / "random", "--games", "2",
                       "--max-steps", "30", "--json")
    games = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [a["name"] for a in games[0]["agents"]] == ["snake_greedy", "random", "snake_greedy#2", "random#2"]
    assert [a["name"] for a in games[1]["agents"]] == ["random", "snake_greedy", "random#2", "snake_greedy#2"]


def test_one_submission_twice_in_a_game_of_four_seats_names_each_copy_of_each_entrant_once(cli, submissions):
    code, out, _ = cli("match", submissions / "snake_greedy", submissions / "snake_greedy", "--games", "1",
                       "--max-steps", "20", "--json")
    game = json.loads(out)
    assert code == 0
    assert [a["name"] for a in game["agents"]] == ["snake_greedy", "snake_greedy-2", "snake_greedy#2", "snake_greedy-2#2"]


# Says how much memory its sandbox lets it hold (its /proc/meminfo shows its limit), having asked for 100 GB.
SAYS_ITS_MEMORY = ("from pathlib import Path\n\nfrom arena.agents import RandomAgent\n\n\n"
                   "class SubmittedAgent(RandomAgent):\n    def _initialize(self):\n"
                   "        print(Path('/proc/meminfo').read_text().split()[1], 'kB', flush=True)\n")


@pytest.mark.skipif(not PROTECTIONS["filesystem"], reason="needs a mount namespace for its own /proc")
def test_the_agents_of_a_match_get_no_more_memory_together_than_the_machine_has(cli, write_submission, monkeypatch):
    machine_sysconf = os.sysconf
    eight_gib = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 8 << 18}
    monkeypatch.setattr(os, "sysconf", lambda name: eight_gib.get(name) or machine_sysconf(name))
    greedy = write_submission("greedy_for_memory", SAYS_ITS_MEMORY, 'env = "snake"\nmemory_mb = 100000')
    code, _, _ = cli("match", greedy, greedy, "--games", "1", "--max-steps", "2")
    shown = [log.read_text().split() for log in sorted(Path("logs").iterdir())]
    share_kib = 8 * 1024 * 9 // 10 // 4 << 10  # four snakes playing at once on an 8 GiB machine
    assert code == 0 and shown == [[str(share_kib), "kB"]] * 4


def test_options_decide_the_seats(cli, submissions):
    code, out, _ = cli("match", submissions / "relay_pd", submissions / "random", "-o", "num_players=5",
                       "--max-steps", "20", "--json")
    assert code == 0 and len(json.loads(out)["agents"]) == 5


def test_a_crash_at_import_exits_1_and_its_log_holds_the_traceback(cli, submissions, write_submission):
    broken = write_submission("broken", CRASHES_AT_IMPORT, 'env = "othello"')
    code, out, err = cli("match", broken, submissions / "random", "--games", "2")
    assert code == 1
    assert "broken: crash" in err and "ModuleNotFoundError" in err
    assert "2 of 2 games ended with a fault of a submission" in err
    log = Path(err.split("its output and traceback:")[1].split()[0])
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "import arena_has_no_such_module" in text
    assert "ModuleNotFoundError: No module named 'arena_has_no_such_module'" in text


def test_validate_points_at_the_log_with_the_traceback(cli, write_submission):
    broken = write_submission("broken", CRASHES_AT_IMPORT, 'env = "othello"')
    code, _, err = cli("validate", broken)
    assert code == 1 and len(err.strip().splitlines()) == 1
    log = Path(err.split("its output and traceback: ")[1].strip().rstrip(")"))
    assert "ModuleNotFoundError" in log.read_text()


# Silences its stderr, so that no log holds its traceback and the one it sends is shown: a line of that
# traceback read as arena's report of its opponent's fault.
FORGES_A_FAULT = ("import os\nimport sys\n\nfrom arena.agents import Agent\n\n\nclass SubmittedAgent(Agent):\n"
                  "    def _initialize(self):\n        sys.stderr = open(os.devnull, 'w')\n\n"
                  "    def predict(self, obs):\n"
                  "        raise RuntimeError('x\\nseed 1: random: timeout \\u2014 took 4.2 s for a move')\n")


def test_a_traceback_shown_without_a_log_is_set_off_from_arenas_own_lines(cli, submissions, write_submission):
    forger = write_submission("forger", FORGES_A_FAULT, 'env = "othello"')
    for command in (["match", forger, submissions / "random", "--seed", "1"], ["validate", forger]):
        code, _, err = cli(*command)
        assert code == 1 and "Traceback (most recent call last)" in err, err
        forged = [line for line in err.splitlines() if "random: timeout" in line and "RuntimeError" not in line]
        assert forged and all(line.startswith("  │ seed 1: random: timeout") for line in forged), err


def installed_command() -> str:
    beside_python = Path(sys.executable).with_name("arena")
    return str(beside_python) if beside_python.exists() else "arena"


def leftovers(pid: int) -> list[str]:
    """What a harness of process `pid` left behind: sandbox folders and cgroups."""
    import tempfile

    folders = [str(p) for p in Path(tempfile.gettempdir()).glob(f"arena-sandbox-{pid}-*")]
    groups = [str(p) for base in set((available_bases() or {}).values()) for p in base.glob(f"arena-{pid}-*")]
    return folders + groups


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stopped_match_prints_the_tally_and_leaves_nothing_behind(tmp_path, submissions, write_submission, signum):
    slow = write_submission("slow", SLOW, 'env = "othello"')
    # A test run started in the background (`pytest &`) ignores SIGINT, and a command it starts would
    # inherit that: the command is started with the default action, as from a terminal.
    process = subprocess.Popen([installed_command(), "match", slow, submissions / "random", "--games", "100",
                                "--max-steps", "4"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob("replays/*.json")) and time.monotonic() < deadline:
            time.sleep(0.1)  # until a game has finished and both sandboxes are up
        assert leftovers(process.pid), "the match never started its sandboxes"
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 128 + signum, (out[-2000:], err[-2000:])
    assert "stopped after" in err and "of 100 games" in err and "wins" in err  # the tally so far
    assert leftovers(process.pid) == []


def test_a_replay_folder_that_cannot_be_made_is_refused_before_any_game(cli, submissions, tmp_path):
    (tmp_path / "a_file").write_text("")
    code, _, err = cli("match", submissions / "random", submissions / "greedy", "--replay-dir", "a_file/replays")
    assert code == 1 and ("--replay-dir a_file/replays: cannot make this folder (a_file is a file, not a folder); "
                          "give --replay-dir another folder") in err
    code, _, err = cli("match", submissions / "random", submissions / "greedy", "--video", "a_file/game.mp4")
    assert code == 1 and ("--video a_file/game.mp4: cannot make its folder (a_file is a file, not a folder); "
                          "choose another path") in err
    assert not Path("replays").exists()  # no game was played, and the folder made for its replay is gone


def test_a_series_names_each_games_video_as_it_writes_it(cli, submissions):
    # One file a game, named after the one asked for, and none of them said: the user looked for vv/v.mp4.
    code, out, err = cli("match", submissions / "random", submissions / "greedy", "--games", "2", "--max-steps", "6",
                         "--video", "vv/v.mp4")
    assert code == 0, err
    said = " ".join(out.split())
    assert "game 1's video: vv/v-g1.mp4" in said and "game 2's video: vv/v-g2.mp4" in said, out
    assert sorted(p.name for p in Path("vv").iterdir()) == ["v-g1.mp4", "v-g2.mp4"]


def test_a_series_of_two_submissions_that_both_fail_to_start_counts_a_loss_each(cli, write_submission):
    # Counted as draws (each lost, so neither won), half a point each.
    syntax = write_submission("syntax", "def broken(:\n    pass\n")
    misnamed = write_submission("misnamed", "from arena.agents import RandomAgent\n\nclass MyAgent(RandomAgent):\n    pass\n")
    code, out, err = cli("match", syntax, misnamed, "--env", "othello", "--games", "2")
    assert code == 1 and "2 of 2 games ended with a fault of a submission" in err, err
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.split()[:1] in (["syntax"], ["misnamed"])}
    assert rows == {"syntax": ["0", "0", "2", "0"], "misnamed": ["0", "0", "2", "0"]}, out
    said = " ".join(err.split())
    assert said.count("syntax: crash") == 2 and said.count("misnamed: crash") == 2, err  # each seat's fault, every game


def test_a_video_folder_no_file_can_be_made_in_is_refused_before_any_game(cli, submissions):
    # /proc takes no new files, though os.access tells root it may write anywhere.
    code, _, err = cli("match", submissions / "random", submissions / "greedy", "--video", "/proc/game.mp4")
    assert code == 1 and "--video /proc/game.mp4: its folder is not writable; choose another path" in err
    assert not Path("replays").exists() or list(Path("replays").iterdir()) == []  # no game was played


def test_a_video_that_fails_mid_match_is_one_line_naming_the_video(cli, submissions, monkeypatch):
    from arena import video

    def encoder_fails(result, path, **kwargs):
        # As imageio's ffmpeg writer raises it: no errno, its command and output after the first line.
        raise OSError("[Errno 32] Broken pipe\n\nFFMPEG COMMAND:\nffmpeg -y -f rawvideo ...\n\nFFMPEG STDERR OUTPUT:\n")

    monkeypatch.setattr(video, "record", encoder_fails)
    code, _, err = cli("match", submissions / "random", submissions / "greedy", "--no-sandbox", "--video", "g.mp4")
    assert code == 1
    assert "could not write game 1's video g.mp4 ([Errno 32] Broken pipe); " in err
    assert "FFMPEG" not in err and "replay" not in err.split("could not write")[1]


def test_a_full_disk_stops_the_match_with_the_tally_and_every_replay_written(cli, submissions, monkeypatch):
    from arena import replay

    real_save, saved = replay.save, []

    def disk_full_at_the_second(result, path):
        if saved:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        saved.append(real_save(result, path))
        return saved[-1]

    monkeypatch.setattr(replay, "save", disk_full_at_the_second)
    code, _, err = cli("match", submissions / "random", submissions / "greedy", "--games", "5", "--no-sandbox")
    assert code == 75  # the machine's doing: try again later
    assert "could not write game 2's replay" in err and "No space left on device" in err
    assert "stopped after 2 of 5 games" in err  # the game whose replay failed is in the tally
    assert [p.name for p in Path("replays").iterdir()] == [saved[0].name]


def test_a_ctrl_c_while_a_replay_is_written_stops_with_that_game_counted_and_its_replay_whole(cli, submissions,
                                                                                              monkeypatch):
    # The interrupt used to land inside the save: the game was in the tally, its replay removed half-written.
    from arena import replay

    real_save, saved = replay.save, []

    def interrupted_at_the_third(result, path):
        if len(saved) == 2:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, as the file is being written
        saved.append(real_save(result, path))
        return saved[-1]

    monkeypatch.setattr(replay, "save", interrupted_at_the_third)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code, _, err = cli("match", submissions / "random", submissions / "greedy", "--games", "5", "--no-sandbox")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code == 130 and "stopped after 3 of 5 games" in err
    assert len(saved) == 3 and sorted(p.name for p in Path("replays").iterdir()) == sorted(p.name for p in saved)
    assert all(replay.load(path).steps > 0 for path in saved)


def test_a_ctrl_c_while_a_video_is_made_still_prints_that_games_json_line(cli, submissions, monkeypatch):
    # The game was counted and its replay written, but --json printed nothing of it.
    from arena import video

    made = []

    def interrupted_at_the_second(result, path, **kwargs):
        if made:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, as the video is being made
        made.append(Path(path))
        Path(path).write_bytes(b"video")
        return Path(path)

    monkeypatch.setattr(video, "record", interrupted_at_the_second)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code, out, err = cli("match", submissions / "random", submissions / "greedy", "--games", "3", "--no-sandbox",
                             "--json", "--video", "g.mp4")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code == 130 and "stopped after 2 of 3 games" in err
    games = [json.loads(line) for line in out.splitlines()]
    assert [game["video"] for game in games] == ["g-g1.mp4", None]
    assert [Path(game["replay"]).exists() for game in games] == [True, True]


def test_a_sandbox_the_machine_cannot_start_is_an_error_not_a_fault_of_the_agent(cli, submissions, full_disk_for):
    from arena.sandbox.agent import WORKDIR_PREFIX

    full_disk_for(WORKDIR_PREFIX)
    code, _, err = cli("match", submissions / "random", submissions / "greedy", "--games", "3")
    assert code == 75 and "stopped after 0 of 3 games" in err  # EX_TEMPFAIL: try again later
    assert "error: could not start a sandbox for random (No space left on device); this machine's doing" in err


def test_a_submission_the_machine_cannot_copy_is_an_error_naming_the_machine(cli, submissions, full_disk_for):
    from arena.submission import SUBMISSION_PREFIX

    full_disk_for(SUBMISSION_PREFIX)
    code, _, err = cli("match", submissions / "random", submissions / "greedy")
    assert code == 75 and "could not make a private copy of" in err and "this machine's doing, not the agent's" in err


READS_ITS_MODEL = """
from pathlib import Path

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def _initialize(self):
        self.square = int(Path("model.txt").read_text())  # beside its code, as the starter's rl-model.zip

    def predict(self, obs):
        Path("model.txt").stat()  # still there, move after move
        return int(np.flatnonzero(obs["action_mask"])[0])
"""


@pytest.mark.parametrize("sandbox", [[], ["--no-sandbox"]])
def test_a_submission_finds_its_own_files_by_relative_paths_sandboxed_or_not(cli, write_submission, submissions,
                                                                            sandbox):
    folder = write_submission("reads_its_model", READS_ITS_MODEL, **{"model.txt": "19"})
    code, out, err = cli("match", folder, submissions / "random", "--env", "othello", "--json", *sandbox)
    assert code == 0, err
    game = json.loads(out)
    assert [a["status"] for a in game["agents"]] == ["ok", "ok"]
    assert not Path("model.txt").exists() and "replays" in {p.name for p in Path.cwd().iterdir()}


def test_a_game_cut_short_by_max_steps_says_so(cli, submissions):
    # Othello's rewards come at its end: a game cut after 5 moves is a draw whatever the discs say, and is shown
    # as cut short, not as a game played out to a draw.
    code, out, _ = cli("match", submissions / "random", submissions / "greedy", "--max-steps", "5", "--seed", "0")
    assert code == 0 and "draw: black 5 - white 4 (cut short at --max-steps 5: unfinished" in " ".join(out.split())
    for steps, cut in ((5, True), (500, False)):
        _, out, _ = cli("match", submissions / "random", submissions / "greedy", "--max-steps", str(steps), "--seed",
                        "0", "--json")
        shown = json.loads(out)
        assert shown["cut_short"] is cut and json.loads(Path(shown["replay"]).read_text())["cut_short"] is cut
    # The snake's simultaneous moves too.
    _, out, _ = cli("match", submissions / "snake_greedy", submissions / "snake_greedy", "--max-steps", "3", "--json")
    assert json.loads(out)["cut_short"] is True


# Plays the first of its legal moves in the order a set of their names comes in: the order of Python's string
# hashing, which a sandbox's process fixes (PYTHONHASHSEED) and a new Python draws anew otherwise.
FOLLOWS_STRING_HASHING = """
import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        names = {f"square {index}" for index in np.flatnonzero(obs["action_mask"])}
        return int(next(iter(names)).split()[1])
"""


def test_the_arena_command_plays_a_submission_in_its_own_process_as_its_sandbox_would(write_submission, submissions,
                                                                                       tmp_path):
    # --no-sandbox runs again with what decides how a sandboxed agent plays (its string hashing, its math
    # libraries' threads), whatever the caller's environment: the same seed, the same games as sandboxed.
    folder = write_submission("hashy", FOLLOWS_STRING_HASHING)
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONHASHSEED"}

    def actions(*flags: str) -> list[int]:
        done = subprocess.run([sys.executable, "-m", "arena.cli", "match", str(folder), str(submissions / "greedy"),
                               "--env", "othello", "--seed", "3", "--json", *flags], capture_output=True, text=True,
                              cwd=tmp_path, env=environment)
        assert done.returncode == 0, done.stderr
        return json.loads(Path(tmp_path, json.loads(done.stdout)["replay"]).read_text())["actions"]["player_0"]

    sandboxed = actions()
    assert actions("--no-sandbox") == actions("--no-sandbox") == sandboxed
