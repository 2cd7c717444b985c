"""The `arena` command as users run it: match, validate, replay, envs."""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import imageio.v2 as imageio
import pytest

from arena.cli import main
from arena.db import describe
from arena.envs import names
from arena.tournament_command import resume_hint
from conftest import arena_command

pytestmark = pytest.mark.usefixtures("in_tmp")

BROKEN_SYNTAX = "from arena.agents import Agent\n\nclass SubmittedAgent(Agent)\n    pass\n"
AI2_AGENT = "from environment.agent import Agent\n\nclass SubmittedAgent(Agent):\n    def predict(self, obs):\n        return 0\n"
NO_CLASS = "from arena.agents import Agent\n\nclass MyBot(Agent):\n    def predict(self, obs):\n        return 0\n"
NO_PREDICT = NO_CLASS.replace("MyBot", "SubmittedAgent").replace("predict", "act")


def installed_command() -> str:
    """The `arena` console script of the Python running the tests (venvs need not be on PATH)."""
    beside_python = Path(sys.executable).with_name("arena")
    return str(beside_python) if beside_python.exists() else "arena"


def test_match_from_the_readme_prints_the_winner_and_writes_replay_and_video(tmp_path, submissions):
    completed = subprocess.run(
        [installed_command(), "match", submissions / "random", submissions / "greedy", "--env", "othello", "--video", "match.mp4"],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "wins:" in completed.stdout or "draw:" in completed.stdout
    (replay_file,) = (tmp_path / "replays").iterdir()
    assert f"replay: replays/{replay_file.name}" in completed.stdout
    assert completed.stdout.endswith("video: match.mp4\n"), completed.stdout  # the video's bar leaves no empty line
    # No --seed: one drawn at random, too large for an agent to find by trying seeds, and shown.
    replay = json.loads(replay_file.read_text())
    seed = replay["seed"]
    assert seed >= 2**32 and replay_file.name == f"othello-random-vs-greedy-s{seed}.json"
    assert f"seed {seed} " in completed.stdout
    # The start, a picture a move, then the end held for 2 s at 2 frames a second (games end early at some seeds).
    assert imageio.get_reader(tmp_path / "match.mp4").count_frames() >= replay["steps"] + 1 + 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["match.mp4", "replays"]  # no logs of quiet agents


def test_a_video_of_a_small_board_is_padded_to_whole_blocks_not_stretched(tmp_path, submissions):
    completed = subprocess.run(
        [installed_command(), "match", submissions / "random", submissions / "greedy", "--env", "othello", "-o",
         "size=6", "--video", "small.mp4"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "WARNING" not in completed.stderr + completed.stdout  # the encoder's "resizing from ..." warning
    height, width, _ = imageio.get_reader(tmp_path / "small.mp4").get_data(0).shape
    assert height % 16 == width % 16 == 0


def test_match_json_has_the_documented_fields_and_games_alternate_seats(cli, submissions):
    code, out, _ = cli("match", submissions / "random", submissions / "greedy", "--games", "3", "--seed", "5",
                       "--json")
    assert code == 0
    games = [json.loads(line) for line in out.splitlines()]
    assert [g["seed"] for g in games] == [5, 6, 7]
    assert [[a["name"] for a in g["agents"]] for g in games] == [["random", "greedy"], ["greedy", "random"]] * 1 + [
        ["random", "greedy"]]
    first = games[0]
    assert set(first) >= {"env", "seed", "agents", "winner", "replay"} and first["env"] == "othello"
    assert set(first["agents"][0]) == {"name", "score", "rank", "status", "detail", "log"}
    winner = [a["name"] for a in first["agents"] if a["rank"] == 1]
    assert first["winner"] == (winner[0] if len(winner) == 1 else None)
    assert json.loads(open(first["replay"]).read())["seed"] == 5


SLOW_MOVER = """
import time

from arena.agents import RandomAgent


class SubmittedAgent(RandomAgent):
    def predict(self, obs):
        time.sleep(0.03)  # over a 0.01 s move: on the bank
        return super().predict(obs)
"""


def test_match_plays_on_the_time_bank_it_is_given(cli, submissions, write_submission):
    slow = write_submission("slow", SLOW_MOVER)
    clock = ["--env", "othello", "--seed", "0", "--max-steps", "10", "--time-per-move", "0.01", "--json"]
    statuses = []
    for bank in ("0", "5"):  # no bank: its first move loses; 5 s: it plays its moves
        code, out, err = cli("match", slow, submissions / "random", *clock, "--time-bank", bank)
        statuses.append((code, json.loads(out)["agents"][0]["status"]))
    assert statuses == [(1, "timeout"), (0, "ok")]  # a game ended by a fault exits 1


def test_match_is_reproducible_and_accepts_zips(cli, submissions, tmp_path):
    archive = shutil.make_archive(str(tmp_path / "greedy"), "zip", submissions / "greedy")
    _, zipped, _ = cli("match", submissions / "random", archive, "--seed", "3", "--json")
    _, folder, _ = cli("match", submissions / "random", submissions / "greedy", "--seed", "3", "--json")
    assert json.loads(zipped)["agents"] == json.loads(folder)["agents"]


def test_env_must_be_named_when_the_manifests_do_not_agree(cli, submissions):
    code, _, err = cli("match", submissions / "random", submissions / "random")
    assert code == 1 and "name one (--env, or env= in Python) of: " in err and "othello" in err


def test_a_game_the_manifest_does_not_declare_is_refused_with_the_two_ways_on(cli, submissions):
    code, _, err = cli("match", submissions / "greedy", submissions / "random", "--env", "gomoku")
    assert code == 1 and err == (f"error: {submissions / 'greedy'}: declares env othello in its arena.toml, not "
                                 "'gomoku': play it in othello (--env othello), or add gomoku to env there if it "
                                 "plays that too\n")


def test_env_options_reach_the_env(cli, submissions):
    code, out, _ = cli("match", submissions / "random", submissions / "greedy", "-o", "size=6", "--json", "--seed", "0")
    data = json.loads(out)
    assert code == 0 and json.load(open(data["replay"]))["env_options"] == {"size": 6}
    assert Path(data["replay"]).name == "othello-size6-random-vs-greedy-s0.json"  # not the 8x8 game's replay


@pytest.mark.parametrize("argv, message", [
    (["-o", "size=7"], "error: env 'othello': size must be 4, 6 or 8, got 7"),
    (["-o", "sise=6"], "error: env 'othello' has no option 'sise' (did you mean 'size'?): its options are size"),
    (["--seed", "-5"], "argument --seed: a seed is a whole number from 0 to 2**63 - 1, got '-5'"),
    (["--seed", str(2**63 - 2), "--games", "3"],  # the third game's seed is past a seed's range: a traceback
     "error: --games 3 from --seed 9223372036854775806 would pass the last seed, 2**63 - 1: give a --seed of at most "
     "9223372036854775805"),
    (["--time-per-move", "-1"], "argument --time-per-move: must be more than 0 seconds, got '-1'"),
    (["--time-bank", "-1"], "argument --time-bank: must be 0 seconds or more, got '-1'"),
    (["--max-steps", "0"], "argument --max-steps: must be at least 1, got '0'"),
    (["--env", "cartpole_relay", "-o", "num_players=1"], "has one seat: a match of two submissions needs two"),
    (["--env", "snake", "-o", "num_snakes=1"], "needs two or more (-o num_snakes=2)"),  # the game's own option
])
def test_bad_numbers_are_the_users_error_not_the_agents(cli, submissions, capsys, argv, message):
    try:
        code, _, err = cli("match", submissions / "random", submissions / "random", "--env", "othello", *argv)
    except SystemExit as usage:  # argparse's own errors: a usage error, one line as arena's own
        code, err = usage.code, capsys.readouterr().err
        assert err.endswith(" (arena match --help explains every option)\n") and err.count("\n") == 1, err
    assert code in (1, 2) and message in err, err


@pytest.mark.parametrize("argv, message", [
    (["match", "a", "b", "--env", "othello", "--gmaes", "3"],
     "arena match: error: unrecognized arguments: --gmaes 3 (did you mean --games?) "
     "(arena match --help explains every option)"),
    (["match", "a", "b", "--gmaes=3"], "arena match: error: unrecognized arguments: --gmaes=3 (did you mean --games?)"),
    (["match", "a", "b", "c"], "arena match: error: unrecognized arguments: c (arena match --help"),
    (["serve", "users", "add", "bob", "--dbb", "x"], "arena serve users add: error: unrecognized arguments: --dbb x "
                                                     "(did you mean --db?)"),
    (["--vesion"], "arena: error: unrecognized arguments: --vesion (did you mean --version?)"),
    (["mtach"], "arena: error: argument COMMAND: invalid choice: 'mtach'; did you mean 'match'? (choose from 'match', "),
    (["tournament", "subs", "--db", "t.sqlite", "--format", "swis"], "invalid choice: 'swis'; did you mean 'swiss'?"),
])
def test_a_mistyped_option_or_command_is_told_by_its_own_command_with_the_one_meant(capsys, argv, message):
    with pytest.raises(SystemExit) as usage:
        main(argv)
    err = capsys.readouterr().err
    assert usage.value.code == 2 and message in err and err.count("\n") == 1, err


@pytest.mark.parametrize("argv, message", [
    (["match", "my_agent"], "arena match: error: the following arguments are required: B: a match plays two "
                            "submissions, e.g. arena match my_agent/ submissions/random; arena validate A checks one "
                            "alone (arena match --help explains every option)"),
    (["tournament", "--resume"], "required: --db: name the file that holds (or is to hold) the tournament, e.g. "
                                 "--db results.sqlite, also with --resume (arena tournament --help"),
    (["leaderboard"], "required: --db: name the tournament's results file, e.g. --db results.sqlite (arena"),
    (["validate"], "arena validate: error: the following arguments are required: path (arena validate --help"),
])
def test_a_missing_argument_is_told_with_what_to_give(capsys, argv, message):
    with pytest.raises(SystemExit) as usage:
        main(argv)
    err = capsys.readouterr().err
    assert usage.value.code == 2 and message in err and err.count("\n") == 1, err


def test_submissions_made_for_different_games_are_told_they_cannot_play_each_other(cli, submissions):
    code, _, err = cli("match", submissions / "greedy", submissions / "based_fighter")
    assert code == 1 and "no game in common (greedy plays othello; based_fighter plays fighting" in err
    assert "they cannot play each other" in err and "--env" not in err  # no --env could help


def test_a_game_that_ended_before_its_first_position_has_no_video_and_says_so(cli, submissions, tmp_path):
    hostile = Path(__file__).parent / "hostile" / "init_raises"
    replays = tmp_path / "replays"
    code, out, _ = cli("match", hostile, submissions / "greedy", "--env", "othello", "--video", tmp_path / "crash.mp4",
                       "--replay-dir", replays)
    assert code == 1 and "replay:" in out and "video:" not in out and not (tmp_path / "crash.mp4").exists()
    code, out, _ = cli("replay", next(replays.glob("*.json")), "--video", tmp_path / "again.mp4")
    assert code == 0 and "no video: the game ended before its first position" in out
    assert not (tmp_path / "again.mp4").exists()


def test_a_video_name_of_another_format_stops_the_match_before_its_first_game(cli, submissions, tmp_path):
    replays = tmp_path / "replays"
    code, _, err = cli("match", submissions / "random", submissions / "greedy", "--env", "othello", "--games", "3",
                       "--video", tmp_path / "g.wmv", "--replay-dir", replays)
    assert code == 1 and "videos can be .mp4, .avi, .mkv, .mov or .gif" in err and not list(replays.glob("*.json"))
    _, out, _ = cli("match", submissions / "random", submissions / "greedy", "--env", "othello", "--replay-dir", replays)
    code, out, err = cli("replay", next(replays.glob("*.json")), "--video", tmp_path / "g.wmv")
    assert code == 1 and "videos can be .mp4, .avi, .mkv, .mov or .gif" in err and "re-simulated" not in out  # said before replaying


def test_an_mp4_without_its_encoder_installed_stops_the_match_before_its_first_game(cli, submissions, tmp_path,
                                                                                    monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # as where it is not installed
    replays = tmp_path / "replays"
    code, _, err = cli("match", submissions / "random", submissions / "greedy", "--env", "othello",
                       "--video", tmp_path / "g.mp4", "--replay-dir", replays)
    assert code == 1 and "not installed: pip install imageio-ffmpeg, or name a .gif" in " ".join(err.split()), err
    assert not replays.exists() or not list(replays.glob("*.json"))
    code, _, err = cli("match", submissions / "random", submissions / "greedy", "--env", "othello",
                       "--video", tmp_path / "g.gif", "--replay-dir", replays)
    assert code == 0 and (tmp_path / "g.gif").is_file(), err


def test_a_command_that_needs_an_extra_says_how_to_install_it(cli, monkeypatch):
    import arena.train.cli

    def without_sb3(args):
        raise ModuleNotFoundError("No module named 'stable_baselines3'", name="stable_baselines3")

    monkeypatch.setattr(arena.train.cli, "_run_train", without_sb3)
    code, _, err = cli("train", "fighting")
    assert code == 1 and "stable_baselines3 is not installed: pip install -e '.[train]' in arena's folder" in err


@pytest.mark.parametrize("gpu", [True, False])
def test_on_a_machine_without_a_gpu_the_torch_install_hint_points_at_torchs_cpu_build(monkeypatch, gpu):
    import shutil

    from arena.errors import missing_extra

    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/nvidia-smi" if gpu and name == "nvidia-smi" else None)
    hint = missing_extra(ModuleNotFoundError("No module named 'torch'", name="torch"))
    cpu_build = "--extra-index-url https://download.pytorch.org/whl/cpu"
    assert hint.startswith("torch is not installed: pip install -e '.[train]' in arena's folder")
    assert (cpu_build in hint) is not gpu
    assert cpu_build not in missing_extra(ModuleNotFoundError("No module named 'ray'", name="ray"))


@pytest.mark.parametrize("direct_url, hint", [
    (None, "pip install 'arena[train]'"),  # from an index: pip writes no direct_url.json
    ('{"url": "file:///src/arena", "dir_info": {"editable": true}}', "pip install -e '.[train]' in arena's folder"),
    ('{"url": "file:///wheels/arena-0.1.0-cp311-cp311-linux_x86_64.whl", "archive_info": {}}',
     "pip install '/wheels/arena-0.1.0-cp311-cp311-linux_x86_64.whl[train]'"),
    ('{"url": "file:///opt/my%20arena", "dir_info": {}}', "pip install '/opt/my arena[train]'"),
    ('{"url": "https://example.org/arena.git", "vcs_info": {"vcs": "git", "commit_id": "0ab1"}}',
     "pip install 'arena[train] @ git+https://example.org/arena.git@0ab1'"),
])
def test_an_extras_install_hint_fits_where_arena_was_installed_from(tmp_path, direct_url, hint):
    from importlib.metadata import PathDistribution

    from arena.errors import install_hint

    record = tmp_path / "arena-0.1.0.dist-info"  # as pip leaves it in site-packages
    record.mkdir()
    (record / "METADATA").write_text("Metadata-Version: 2.1\nName: arena\nVersion: 0.1.0\n")
    if direct_url is not None:
        (record / "direct_url.json").write_text(direct_url)
    assert install_hint("train", PathDistribution(record)) == hint


@pytest.mark.parametrize("platform, system", [("darwin", "macOS"), ("win32", "Windows")])
def test_off_linux_a_sandboxed_command_says_where_arena_runs_before_it_makes_anything(cli, submissions, tmp_path,
                                                                                      monkeypatch, platform, system):
    monkeypatch.setattr(sys, "platform", platform)
    replays = tmp_path / "replays"
    for argv in (["match", submissions / "random", submissions / "greedy", "--replay-dir", replays],
                 ["tournament", submissions, "--env", "othello", "--db", tmp_path / "t.db", "--allow-weak-sandbox"],
                 ["validate", submissions / "random"]):
        code, _, err = cli(*argv)
        assert code == 1, err
        assert err.startswith("error: arena runs on Linux"), err  # not told as the submission's fault
        assert f"which {system} does not have" in err and "WSL 2" in err
    assert not replays.exists() and not (tmp_path / "t.db").exists()


def test_manifest_options_build_the_env_unless_the_command_line_chooses(cli, submissions, tmp_path):
    nine = shutil.copytree(submissions / "random", tmp_path / "nine")
    (nine / "arena.toml").write_text('name = "nine"\nenv = "gomoku"\n\n[options]\nsize = 9\n')
    code, out, _ = cli("validate", nine)
    assert code == 0 and "plays gomoku" in out
    _, out, _ = cli("match", nine, submissions / "random", "--env", "gomoku", "--json")
    assert json.load(open(json.loads(out)["replay"]))["env_options"] == {"size": 9}
    _, out, _ = cli("match", nine, submissions / "random", "--env", "gomoku", "-o", "size=7", "--json")
    assert json.load(open(json.loads(out)["replay"]))["env_options"] == {"size": 7}
    eleven = shutil.copytree(nine, tmp_path / "eleven")
    (eleven / "arena.toml").write_text('name = "eleven"\nenv = "gomoku"\n\n[options]\nsize = 11\n')
    code, _, err = cli("match", nine, eleven)
    assert code == 1 and "ask for different env options" in err and "size=11" in err
    # An option given replaces that option only: the manifest's others stay.
    stacked = shutil.copytree(submissions / "snake_greedy", tmp_path / "stacked")
    (stacked / "arena.toml").write_text('name = "stacked"\nenv = "snake"\n\n[options]\nnum_snakes = 4\nframe_stack = 2\n')
    _, out, _ = cli("match", stacked, submissions / "snake_greedy", "-o", "num_snakes=2", "--max-steps", "3", "--json")
    assert json.load(open(json.loads(out)["replay"]))["env_options"] == {"num_snakes": 2, "frame_stack": 2}


def test_options_of_a_manifest_naming_no_game_that_the_chosen_game_refuses_name_the_manifest(cli, submissions,
                                                                                              tmp_path):
    five = shutil.copytree(submissions / "random", tmp_path / "five")
    (five / "arena.toml").write_text('name = "five"\n\n[options]\nsize = 5\n')  # any game: gomoku takes 5
    for argv in (("validate", five, "--env", "othello"), ("match", five, submissions / "greedy", "--env", "othello")):
        code, _, err = cli(*argv)
        assert code == 1 and err.strip() == (f"error: {five / 'arena.toml'}: [options]: env 'othello': "
                                             "size must be 4, 6 or 8, got 5"), err
    code, out, _ = cli("match", five, submissions / "greedy", "--env", "othello", "-o", "size=6", "--json")
    assert code == 0 and json.loads(out)["env"] == "othello"  # the command line's size replaces it


def test_a_start_refused_by_the_store_s_player_removes_none_of_the_files_that_run_made(cli, tmp_path, submissions,
                                                                                        monkeypatch):
    # Two starts at once on a new --db: both list the files a start makes before either has made them, and the
    # one the lease refused removed them all: the other's store, WAL and entrants, mid-play.
    from leases import hold_lease

    import arena.tournament
    from arena.tournament import Settings, Tournament

    db = tmp_path / "t.sqlite"
    listed = arena.tournament.files_a_start_makes
    other_run = subprocess.Popen(["sleep", "600"])

    def listed_then_the_other_run_starts(path):
        found = listed(path)
        with Tournament(db, Settings(seed=0, env="othello")):  # its files made
            pass
        hold_lease(db, other_run.pid)  # and it plays on
        return found

    monkeypatch.setattr(arena.tournament, "files_a_start_makes", listed_then_the_other_run_starts)
    try:
        code, _, err = cli("tournament", submissions, "--env", "othello", "--db", db)
    finally:
        other_run.kill()
        other_run.wait()
    assert code == 1 and f"is being played by process {other_run.pid}" in err
    assert db.exists() and (tmp_path / "t-replays").is_dir() and (tmp_path / "t-entrants").is_dir()


@pytest.mark.parametrize(("game", "option", "wants"), [("fighting", 'reward_manager = "x"', "RewardManager or None"),
                                                     ("fighting", 'platform_pauses = "x"', "bool"),
                                                     ("snake", 'reward_dict = "x"', "Mapping[str, float] or None")])
def test_a_manifest_option_of_the_wrong_type_is_refused_naming_the_manifest(cli, submissions, tmp_path, game, option,
                                                                            wants):
    # Left to the game, each failed at its first reset with an AttributeError or TypeError: a traceback, no result.
    odd = shutil.copytree(submissions / "random", tmp_path / "odd")
    (odd / "arena.toml").write_text(f'name = "odd"\nenv = "{game}"\n\n[options]\n{option}\n')
    key, value = option.split(" = ")
    for argv in (("validate", odd), ("match", odd, submissions / "random")):
        code, _, err = cli(*argv)
        assert code == 1 and err.strip() == (f"error: {odd / 'arena.toml'}: [options]: env '{game}': "
                                             f"{key} must be {wants}, got '{value.strip(chr(34))}'"), err


def test_a_crashing_submission_loses_the_match_with_the_reason(cli, submissions, write_submission):
    broken = write_submission("broken", BROKEN_SYNTAX, 'env = "othello"')
    code, out, err = cli("match", broken, submissions / "greedy")
    assert code == 1  # a submission under test faulted
    assert "greedy wins" in out and "SyntaxError" in out and "agent.py line 3" in out
    assert "broken: crash" in err and "SyntaxError" in err
    # Scripts read the same from --json: each agent's status, why, and its output file.
    code, out, _ = cli("match", broken, submissions / "greedy", "--json")
    mine = json.loads(out)["agents"][0]
    assert (mine["status"], mine["detail"].split(":")[0]) == ("crash", "failed to start")
    assert "SyntaxError" in Path(mine["log"]).read_text()


@pytest.mark.parametrize(
    "files, message",
    [({"agent.py": BROKEN_SYNTAX}, "crash: failed to start: SyntaxError: expected ':' (agent.py line 3)"),
     ({"agent.py": NO_CLASS}, "agent.py defines no class SubmittedAgent (classes defined there: MyBot)"),
     ({"agent.py": NO_PREDICT}, "crash: failed to start: agent.py: SubmittedAgent does not define predict(self, obs), "
                                "which arena calls for every move: rename act to predict"),
     ({"readme.txt": "hi"}, "no agent.py at its top level (found: readme.txt); put agent.py at the top"),
     # The AI² competition's template names its submission user/my_agent.py and imports environment.agent.
     ({"my_agent.py": AI2_AGENT.replace("environment.agent", "arena.agents"), "notes.py": ""},
      'no agent.py at its top level (found: my_agent.py, notes.py); rename my_agent.py to agent.py, or name it in '
      'arena.toml: entry = "my_agent.py:SubmittedAgent"'),
     ({"user/my_agent.py": AI2_AGENT.replace("environment.agent", "arena.agents"), "user/__init__.py": ""},
      'no agent.py at its top level (found: user); rename user/my_agent.py to agent.py, or name it in '
      'arena.toml: entry = "user/my_agent.py:SubmittedAgent"'),
     ({"agent.py": AI2_AGENT}, "No module named 'environment' (agent.py line 1) (the AI² competition's package "
                               "'environment' is 'arena.compat.ai2.environment' in arena: rename it in the imports"),
     ({"agent.py": "import marlenv\n"}, "No module named 'marlenv' (agent.py line 1) (marlenv is arena.compat.marlenv "
                                        "in arena: change 'import marlenv' to 'import arena.compat.marlenv as marlenv')"),
     ({"agent.py": "import sklearn_not_here\n"}, "No module named 'sklearn_not_here' (agent.py line 1) (sklearn_not_here is "
                                                 "neither in the submission nor installed where arena runs: add it to the "
                                                 "submission, or install it there)"),
     ({"agent.py": "from helpers import plan\n"}, "No module named 'helpers' (agent.py line 1) (helpers is neither in the "
                                                  "submission nor installed where arena runs"),
     ({"agent.py": "from .helpers import plan\n", "helpers.py": "plan = 0\n"},
      "ImportError: attempted relative import with no known parent package (agent.py line 1) (a file at the "
      "submission's top is in no package: import the files beside it without the dot, from helper import ... for "
      "from .helper import ...)")],
)
def test_validate_gives_one_clear_line_and_exit_1_for_broken_submissions(cli, tmp_path, files, message):
    folder = tmp_path / "sub"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    code, _, err = cli("validate", folder, "--env", "othello")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


@pytest.mark.parametrize("files, hint", [
    ({"agent.py": "import sklearn_not_here\n"}, "(sklearn_not_here is neither in the submission nor installed where "
                                               "arena runs: add it to the submission, or install it there)"),
    ({"agent.py": AI2_AGENT}, "(the AI² competition's package 'environment' is 'arena.compat.ai2.environment' in "
                              "arena: rename it in the imports"),
    ({"agent.py": "from .helpers import plan\n", "helpers.py": "plan = 0\n"},
     "(a file at the submission's top is in no package: import the files beside it without the dot"),
])
def test_a_submission_that_fails_to_start_in_process_gets_the_same_hint_as_in_a_sandbox(cli, tmp_path, files, hint):
    folder = tmp_path / "sub"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    code, _, err = cli("validate", folder, "--env", "othello", "--no-sandbox")
    assert code == 1 and hint in err


def test_validate_refuses_a_bad_zip(cli, tmp_path):
    (tmp_path / "agent.zip").write_bytes(b"PK\x03\x04 truncated")
    code, _, err = cli("validate", tmp_path / "agent.zip", "--env", "othello")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "agent.zip" in err


def test_validate_accepts_the_examples(cli, submissions):
    code, out, _ = cli("validate", submissions / "greedy")
    assert code == 0 and out.startswith("ok: greedy")
    code, out, _ = cli("validate", submissions / "greedy", "--accelerators")  # as `arena serve --accelerators` asks
    assert code == 0 and out.startswith("ok: greedy")


def test_validate_passes_a_submission_declaring_no_game_that_plays_one_and_says_how_to_name_it(cli, write_submission):
    code = "import numpy as np\nfrom arena.agents import Agent\n\n\nclass SubmittedAgent(Agent):\n" \
           "    def predict(self, obs):\n        return int(np.flatnonzero(obs['action_mask'])[0])\n"
    status, out, err = cli("validate", write_submission("my_agent", code), "--max-steps", "8")
    assert status == 0 and "plays othello" in out and "plays gomoku" in out
    assert "does not play fighting: crash: predict() failed: IndexError" in err
    assert "declares no env in arena.toml, so every game was tried: it plays gomoku, othello" in err
    snake_only = "from arena.agents import RandomAgent\n\n\nclass SubmittedAgent(RandomAgent):\n" \
                 "    def predict(self, obs):\n        assert obs.ndim == 3\n        return 0\n"
    status, _, err = cli("validate", write_submission("snake_only", snake_only), "--max-steps", "8")
    assert status == 0 and 'add env = "snake" to its arena.toml, or give --env' in err
    status, _, err = cli("validate", write_submission("plays_nothing", "from arena.agents import Agent\n\n\n"
                                                      "class SubmittedAgent(Agent):\n    def predict(self, obs):\n"
                                                      "        return 10 ** 6\n"), "--max-steps", "8")
    assert status == 1 and "declares no env in arena.toml, and plays none of the games:\n" in err
    assert "\n  othello: illegal_action: returned 1000000, outside the action space (an int in 0..64)\n" in err
    assert err.rstrip().endswith('(add env = "..." naming the game it is made for to its arena.toml, or give --env)')


def test_validate_says_once_why_a_submission_declaring_no_game_cannot_start(cli, write_submission):
    status, _, err = cli("validate", write_submission("broken", "class SubmittedAgent(object)\n    pass\n"))
    [line] = err.splitlines()  # the same in every game: said once, without a word of games
    assert status == 1 and re.fullmatch(r"error: \S*broken: crash: failed to start: SyntaxError: expected ':' "
                                        r"\(agent\.py line 1\) \(its output and traceback: \S+\.log\)", line), line


def test_validate_names_the_game_a_submission_declaring_no_game_failed_in_the_same_way_in_each(cli, write_submission):
    status, _, err = cli("validate", write_submission("pred", "from arena.agents import Agent\n\n\n"
                                                      "class SubmittedAgent(Agent):\n    def predict(self, obs):\n"
                                                      "        raise RuntimeError('boom')\n"), "--max-steps", "8")
    [line] = err.splitlines()  # said once, naming the game whose log it names
    assert status == 1 and re.fullmatch(rf"error: \S*pred: {names()[0]} \(and the same in every other game\): crash: "
                                        r"predict\(\) failed: RuntimeError: boom \(agent\.py line 6\) "
                                        r"\(its output and traceback: \S+\.log\)", line), line


def test_validate_checks_every_game_the_manifest_declares(cli, submissions):
    code, out, _ = cli("validate", submissions / "mcts", "--max-steps", "6")
    assert code == 0 and [line.split(" plays ")[1].split(":")[0] for line in out.splitlines()] == ["othello", "gomoku"]
    # One that declares no game plays every game: each is checked.
    code, out, _ = cli("validate", submissions / "random", "--max-steps", "6")
    assert code == 0 and [line.split(" plays ")[1].split(":")[0] for line in out.splitlines()] == names()


def test_validate_of_a_submission_declaring_no_game_with_an_option_no_game_has_says_so_in_one_line(cli, submissions):
    # Not "plays none of the games" with each game's refusal of the option and advice to declare a game.
    code, _, err = cli("validate", submissions / "random", "-o", "num_snake=2")
    [line] = err.splitlines()
    assert code == 1 and line == ("error: -o num_snake: no game has an option 'num_snake'; did you mean 'num_snakes'? "
                                  "give --env GAME to see that game's options (arena envs lists the games)")
    # An option some games have: only those are tried, and the others are not said to fail.
    code, out, err = cli("validate", submissions / "random", "-o", "size=6", "--max-steps", "6")
    assert code == 0 and [line.split(" plays ")[1].split(":")[0] for line in out.splitlines()] == ["gomoku", "othello"]
    assert "does not play" not in err


def test_validate_says_where_what_the_agent_printed_went(cli, write_submission):
    folder = write_submission("chatty", "import numpy as np\nfrom arena.agents import Agent\n\n"
                                        "class SubmittedAgent(Agent):\n    def predict(self, obs):\n"
                                        "        print('thinking', flush=True)\n"
                                        "        return int(np.flatnonzero(obs['action_mask'])[0])\n", 'env = "othello"')
    code, out, _ = cli("validate", folder, "--max-steps", "4")
    printed = Path(out.split("; what it printed: ")[1].strip())
    assert code == 0 and "thinking" in printed.read_text()
    quiet = write_submission("quiet", "import numpy as np\nfrom arena.agents import Agent\n\n"
                                      "class SubmittedAgent(Agent):\n    def predict(self, obs):\n"
                                      "        return int(np.flatnonzero(obs['action_mask'])[0])\n", 'env = "othello"')
    code, out, _ = cli("validate", quiet, "--max-steps", "4")
    assert code == 0 and "what it printed" not in out


def test_validate_keeps_an_agents_error_on_its_one_line_whatever_line_breaks_it_holds(cli, write_submission):
    forged = "ok: forger (forger) plays othello: 61 moves in 2 games"
    folder = write_submission("forger", "from arena.agents import Agent\n\nclass SubmittedAgent(Agent):\n"
                                        "    def predict(self, obs):\n"
                                        f"        raise RuntimeError('\\r\\n{forged}\\u2028done')\n", 'env = "othello"')
    code, out, err = cli("validate", folder)
    lines = err.strip().splitlines()
    assert code == 1 and not out and len(lines) == 1, err
    assert lines[0].startswith("error: ") and f"RuntimeError: {forged} done" in lines[0]


def test_validate_catches_an_agent_that_plays_illegal_moves(cli, write_submission):
    folder = write_submission("cheat", "from arena.agents import Agent\n\nclass SubmittedAgent(Agent):\n"
                                       "    def predict(self, obs):\n        return 0\n", 'env = "othello"')
    code, _, err = cli("validate", folder)
    assert code == 1 and "illegal_action: played a1 (0), which is not legal here" in err


def test_replay_command_reproduces_and_renders(cli, submissions, tmp_path):
    _, out, _ = cli("match", submissions / "random", submissions / "greedy", "--json")
    replay_file = json.loads(out)["replay"]
    code, out, _ = cli("replay", replay_file, "--video", "again.gif", "--fps", "8")
    assert code == 0 and "result reproduced" in out
    assert (tmp_path / "again.gif").is_file()
    # A file's own text is never shown as what reproduced.
    data = json.load(open(replay_file))
    true_outcome, data["outcome"] = data["outcome"], "black 50 - white 13"
    json.dump(data, open(replay_file, "w"))
    code, out, _ = cli("replay", replay_file)
    assert code == 0 and f"result reproduced: {true_outcome}" in " ".join(out.split())
    assert "note: the file's own text says black 50 - white 13, which is not what its moves give" in " ".join(out.split())


def test_replay_command_notes_no_difference_where_only_an_earlier_arenas_wording_differs(cli, tmp_path):
    # Snake and relay replays recorded before outcomes named the players instead of their seats.
    fixtures = Path(__file__).resolve().parent / "fixtures" / "old_replays"
    for name in ["snake-outcome-by-seat.json", "relay-outcome-by-seat.json"]:
        code, out, _ = cli("replay", fixtures / name)
        assert code == 0 and "result reproduced" in out and "note:" not in out
    data = json.loads((fixtures / "snake-outcome-by-seat.json").read_text())
    data["outcome"] = data["outcome"].replace("length 8", "length 9")
    (tmp_path / "edited.json").write_text(json.dumps(data))
    code, out, _ = cli("replay", tmp_path / "edited.json")
    assert code == 0 and "note: the file's own text says player_2 survived 60 steps (length 9" in " ".join(out.split())


def test_help_teaches_and_envs_lists_the_games(cli, capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "arena match submissions/random submissions/greedy" in capsys.readouterr().out
    code, out, _ = cli("envs")
    assert code == 0 and "othello" in out
    # serve's users command is optional, and its usage says so
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    usage = capsys.readouterr().out.splitlines()
    assert usage[:2] == ["usage: arena serve [options]", "       arena serve users {add,token,list} ... [--db DB]"]
    with pytest.raises(SystemExit):
        main(["serve", "users", "add", "--help"])
    assert capsys.readouterr().out.startswith("usage: arena serve users add ")


def test_the_helps_replay_example_replays_what_its_match_examples_write(cli, capsys, tmp_path, submissions):
    with pytest.raises(SystemExit):
        main(["--help"])
    examples = [shlex.split(line) for line in capsys.readouterr().out.splitlines() if line.startswith("  arena ")]
    (tmp_path / "submissions").symlink_to(submissions)  # the examples name the repository's submissions
    for example in [e for e in examples if e[1:3] == ["match", "submissions/random"]]:
        assert cli(*example[1:])[0] == 0
    [replay] = [e for e in examples if e[1] == "replay"]
    code, out, err = cli(*replay[1:])
    assert code == 0 and "result reproduced" in out, err


def test_without_the_sandbox_a_traceback_names_the_users_own_files(cli, write_submission):
    folder = write_submission("crashes", "from arena.agents import Agent\n\n\nclass SubmittedAgent(Agent):\n"
                                         "    def predict(self, obs):\n        raise RuntimeError('boom')\n")
    code, _, err = cli("validate", folder, "--env", "othello", "--no-sandbox")
    assert code == 1 and f'File "{folder / "agent.py"}", line 6, in predict' in err, err  # one to open, not a copy


def test_users_commands_refuse_a_competition_database_that_does_not_exist(cli, tmp_path):
    typo = tmp_path / "competiton.sqlite"
    for command in (["list"], ["token", "alice"]):
        code, _, err = cli("serve", "users", *command, "--db", typo)
        assert code == 1 and f"{typo}: no such competition database; arena serve users add NAME --db" in err
    assert not typo.exists()
    code, _, _ = cli("serve", "users", "add", "alice", "--db", typo)  # adding the first participant makes it
    assert code == 0 and cli("serve", "users", "list", "--db", typo)[0] == 0


def test_serve_says_what_stops_it_before_it_makes_a_database_or_says_it_serves(cli, tmp_path):
    pytest.importorskip("uvicorn", reason="arena serve needs its extra: pip install -e '.[serve]'")
    import socket

    new = tmp_path / "new.sqlite"
    code, out, err = cli("serve", "--db", new, "--allow-weak-sandbox")
    assert code == 1 and f"{new}: a new competition needs --env" in err and not new.exists()
    code, out, err = cli("serve", "--env", "othelo", "--db", new, "--allow-weak-sandbox")
    assert code == 1 and "unknown env 'othelo': did you mean 'othello'?" in err and not new.exists()
    code, out, err = cli("serve", "--env", "othello", "-o", "size=7", "--db", new, "--allow-weak-sandbox")
    assert code == 1 and "size must be 4, 6 or 8, got 7" in err and not new.exists()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = cli("serve", "--env", "othello", "--db", new, "--port", port, "--allow-weak-sandbox")
    assert code == 1 and f"http://127.0.0.1:{port}: Address already in use; serve on another port with --port N" in err
    assert "serving" not in out and not new.exists()
    # Started again with settings it does not take: refused, naming them (they were dropped unsaid).
    from arena.tournament import CONTINUOUS, Settings, Tournament

    Tournament(new, Settings(env="othello", format=CONTINUOUS, seed=1)).close()
    code, out, err = cli("serve", "--db", new, "-o", "size=6", "--time-per-move", "0.1", "--seed", "1",
                         "--allow-weak-sandbox")  # (its own seed)
    assert code == 1 and "-o, --time-per-move would not be taken" in err and "serving" not in out


@pytest.fixture
def never_serves(monkeypatch):
    """arena serve fails where it would begin to serve: a refusal that did not come fails the test, not serves."""
    pytest.importorskip("uvicorn", reason="arena serve needs its extra: pip install -e '.[serve]'")
    from arena.serve.http import Server

    def serves(self):
        raise AssertionError("it served")

    monkeypatch.setattr(Server, "run", serves)


def test_serve_refuses_to_start_anew_beside_the_files_of_a_competition_whose_database_is_gone(cli, tmp_path, monkeypatch,
                                                                                             submissions, never_serves):
    from arena.serve.store import CompetitionStore

    db = tmp_path / "competition.sqlite"
    upload = tmp_path / "competition-uploads" / "0123456789abcdef-01234567"  # a stored upload's folder
    upload.mkdir(parents=True)
    (upload / "agent.py").write_text("...\n")
    replay = tmp_path / "competition-replays" / "000001-othello.json"
    replay.parent.mkdir()
    replay.write_text("{}\n")
    code, out, err = cli("serve", "--env", "othello", "--db", db, "--allow-weak-sandbox")
    assert code == 1 and "serving" not in out and not db.exists()
    assert f"{db}: no competition in it, but {upload.parent} beside it holds one's files" in err
    assert "Restore the database from a copy, or move the competition-* folders away" in err
    assert (upload / "agent.py").is_file() and replay.is_file()  # nothing of them deleted or overwritten
    CompetitionStore(db).close()  # made again by arena serve users add, say
    code, out, err = cli("serve", "--env", "othello", "--db", db, "--allow-weak-sandbox")
    assert code == 1 and "no competition in it" in err and (upload / "agent.py").is_file()

    # Uploads its database records, stored before the first start by the organiser's own tools: a competition
    # about to begin, not a lost one.
    from arena.serve.client import zip_folder
    from arena.serve.uploads import UploadLimits, take_upload
    from arena.tournament import runner

    ready = tmp_path / "ready" / "competition.sqlite"
    ready.parent.mkdir()
    store = CompetitionStore(ready)
    participant, _ = store.add_participant("alice")
    take_upload(store, participant, zip_folder(submissions / "random"), "othello", ready.parent / "competition-uploads",
                UploadLimits())
    store.close()

    def opened(*args, **kwargs):  # the competition opened: stop before any thread of play starts
        raise AssertionError("opened")

    monkeypatch.setattr(runner, "backend_for", opened)
    with pytest.raises(AssertionError, match="opened"):
        cli("serve", "--env", "othello", "--db", ready, "--allow-weak-sandbox")


def test_serve_refuses_to_start_anew_beside_a_lost_competitions_uploads_its_new_database_does_not_know(
        cli, tmp_path, submissions, never_serves):
    from arena.serve.client import zip_folder
    from arena.serve.store import CompetitionStore
    from arena.serve.uploads import UploadLimits, take_upload

    db = tmp_path / "competition.sqlite"
    lost = tmp_path / "competition-uploads" / "0123456789abcdef-01234567"  # the lost competition's upload
    lost.mkdir(parents=True)
    (lost / "agent.py").write_text("...\n")
    # A new database, one upload stored in it before its first start: the lost one's files are still not its own.
    store = CompetitionStore(db)
    participant, _ = store.add_participant("alice")
    take_upload(store, participant, zip_folder(submissions / "random"), "othello", lost.parent, UploadLimits())
    store.close()
    code, out, err = cli("serve", "--env", "othello", "--db", db, "--allow-weak-sandbox")
    assert code == 1 and "serving" not in out
    assert f"{db}: no competition in it, but {lost.parent} beside it holds one's files" in err
    assert (lost / "agent.py").is_file()  # not deleted as an unfinished upload


def test_zip_with_a_single_top_folder_plays(cli, submissions, tmp_path):
    archive = tmp_path / "nested.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in (submissions / "greedy").iterdir():
            z.write(path, f"greedy/{path.name}")
    code, out, _ = cli("match", archive, submissions / "random", "--json")
    assert code == 0 and json.loads(out)["agents"][0]["name"] == "greedy"


def test_envs_lists_each_games_clock_with_its_bank(cli):
    code, out, _ = cli("envs")
    header, *rows = out.splitlines()
    assert code == 0 and "time per move" in header and "bank" in header
    fighting = next(row for row in rows if row.strip().startswith("fighting"))
    assert "0.05 s" in fighting and "5 s" in fighting
    assert any(row.strip().startswith("pgx:<game>") for row in rows)  # the family of names too


def test_piped_tables_keep_each_row_on_one_line():
    environ = {name: value for name, value in os.environ.items() if name != "COLUMNS"}
    rows = arena_command("envs", env=environ).stdout.splitlines()
    snake = next(row for row in rows if row.strip().startswith("snake"))
    assert "kills and head-on collisions" in snake  # the end of its description, folded away at 80 columns
    assert len(rows) == 1 + len(names()) + 1  # the header, a row for each game and one for pgx's family


def small_field(tmp_path: Path, submissions: Path) -> Path:
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("random", "greedy"):
        shutil.copytree(submissions / name, subs / name)
    return subs


def test_tournament_refuses_a_weak_sandbox_unless_the_organiser_allows_it(cli, tmp_path, submissions, monkeypatch):
    import arena.sandbox

    missing = ["namespaces: the kernel refused them", "cgroups: none writable"]
    monkeypatch.setattr(arena.sandbox, "missing_isolation", lambda: missing)
    subs = small_field(tmp_path, submissions)
    code, _, err = cli("tournament", subs, "--env", "othello", "--db", "t.sqlite", "--workers", "1")
    assert code == 1 and "--allow-weak-sandbox" in err
    assert all(line in err for line in missing) and not (tmp_path / "t.sqlite").exists()
    code, out, err = cli("tournament", subs, "--env", "othello", "--db", "t.sqlite", "--workers", "1",
                         "--games-per-pair", "1", "--allow-weak-sandbox")
    assert code == 0 and "1 match played" in out and "weak sandbox" in err and missing[0] in err


def test_a_tournament_without_a_seed_draws_a_secret_one_and_keeps_it(cli, tmp_path, submissions):
    from arena.tournament.store import ResultsStore

    subs = small_field(tmp_path, submissions)
    command = ["tournament", subs, "--env", "othello", "--games-per-pair", "1", "--max-steps", "4", "--workers", "1"]
    seeds = []
    for db in ("a.sqlite", "b.sqlite"):
        code, out, err = cli(*command, "--db", db)
        assert code == 0 and "1 match played" in out, err
        seeds.append(ResultsStore(tmp_path / db).settings()["seed"])
    assert seeds[0] != seeds[1] and 0 not in seeds  # a known seed would let entrants rebuild their games
    code, out, _ = cli(*command, "--db", "a.sqlite")  # the same command again carries on with the stored seed
    assert code == 0 and "0 matches played" in out
    assert ResultsStore(tmp_path / "a.sqlite").settings()["seed"] == seeds[0]
    code, _, err = cli(*command, "--db", "a.sqlite", "--seed", "5")
    assert code == 1 and "started with other settings (seed)" in err


def test_a_tournament_run_again_on_its_folder_goes_on_with_its_own_settings(cli, tmp_path, submissions):
    # Without --env it was refused as "a new tournament", though the README says to run it again on the folder.
    subs = small_field(tmp_path, submissions)
    code, out, err = cli("tournament", subs, "--env", "othello", "--games-per-pair", "1", "--max-steps", "4",
                         "--workers", "1", "--db", "t.sqlite")
    assert code == 0 and "1 match played" in out, err
    shutil.copytree(submissions / "mcts", subs / "mcts")
    code, out, err = cli("tournament", subs, "--workers", "1", "--db", "t.sqlite")
    assert code == 0 and "registered mcts" in out and "2 matches played; 3 of 3 recorded" in out, (out, err)
    shutil.copytree(submissions / "greedy", subs / "greedy_b")
    (subs / "greedy_b" / "arena.toml").write_text('name = "greedy_b"\nenv = "othello"\n')
    # The command it was started with, less the settings: their defaults are not asked for (2 games a pairing).
    code, out, err = cli("tournament", subs, "--env", "othello", "--workers", "1", "--db", "t.sqlite")
    assert code == 0 and "registered greedy_b" in out and "3 matches played; 6 of 6 recorded" in out, (out, err)
    code, _, err = cli("tournament", subs, "--env", "gomoku", "--workers", "1", "--db", "t.sqlite")
    assert code == 1 and "holds a tournament of othello, not gomoku" in err
    code, _, err = cli("tournament", subs, "--db", "other.sqlite")
    assert code == 1 and "a new tournament needs a folder of submissions and --env" in err
    for going_on in ([subs], ["--resume"]):  # settings it would not take are refused, not dropped unsaid
        code, _, err = cli("tournament", *going_on, "--db", "t.sqlite", "--games-per-pair", "4", "-o", "size=6",
                           "--max-steps", "4")  # (the tournament's own)
        assert code == 1 and "-o, --games-per-pair would not be taken" in err, err


def test_a_tournament_that_goes_on_takes_its_own_memory_and_accelerators_flags_again(cli, tmp_path, submissions):
    # Given as it was started (its command run again), --memory-mb or --accelerators was refused as not taken.
    subs = small_field(tmp_path, submissions)
    started = ["--memory-mb", "512", "--accelerators"]
    code, out, err = cli("tournament", subs, "--env", "othello", "--games-per-pair", "1", "--max-steps", "4",
                         "--workers", "1", "--db", "t.sqlite", *started)
    assert code == 0 and "1 match played" in out, err
    for going_on in ([subs], ["--resume"]):
        code, out, err = cli("tournament", *going_on, "--workers", "1", "--db", "t.sqlite", *started)
        assert code == 0 and "1 of 1 recorded" in out, err
        code, _, err = cli("tournament", *going_on, "--workers", "1", "--db", "t.sqlite", "--memory-mb", "1024",
                           "--accelerators")
        assert code == 1 and "; --memory-mb would not be taken" in err, err
    code, _, err = cli("tournament", subs, "--env", "othello", "--games-per-pair", "1", "--max-steps", "4",
                       "--workers", "1", "--db", "t.sqlite", "--memory-mb", "512")  # (without its accelerators)
    assert code == 1 and "started with other settings" in err, err
    code, _, err = cli("tournament", subs, "--workers", "1", "--db", "t.sqlite", "--memory-mb", "512")
    assert code == 0, err


def test_a_tournaments_end_names_the_entrants_that_faulted_and_why(cli, tmp_path, submissions, write_submission):
    subs = small_field(tmp_path, submissions)
    shutil.copytree(write_submission("needs_torch", "import not_installed_here\n"), subs / "needs_torch")
    code, out, err = cli("tournament", subs, "--env", "othello", "--games-per-pair", "2", "--max-steps", "4",
                         "--workers", "1", "--db", "t.sqlite", "--seed", "0")
    assert code == 0 and "matches played" in out
    assert "needs_torch: crash in 4 of its 4 games (failed to start: ModuleNotFoundError: No module named " \
           "'not_installed_here'" in " ".join(err.split()), err
    assert err.count("games (") == 1  # the others played without a fault


def test_tournament_options_are_the_organisers_and_are_bounded(cli, tmp_path, submissions, capsys):
    subs = small_field(tmp_path, submissions)
    code, _, err = cli("tournament", subs, "--env", "gomoku", "-o", "size=1000000000", "--db", "g.sqlite")
    assert code == 1 and "size must be 5 to 19 (a whole number), got 1000000000" in err
    with pytest.raises(SystemExit):
        cli("tournament", subs, "--env", "othello", "--time-per-move", "nan", "--db", "o.sqlite")
    assert "argument --time-per-move: must be more than 0 seconds, got 'nan'" in capsys.readouterr().err


def test_names_print_as_written_and_files_take_safe_names(cli, submissions, tmp_path):
    loud = shutil.copytree(submissions / "random", tmp_path / "loud")
    (loud / "arena.toml").write_text('name = "[blink]loud[reverse]"\nenv = "othello"\n')
    code, out, _ = cli("match", loud, submissions / "greedy", "--seed", "0")
    assert code == 0 and "[blink]loud[reverse] (player_0) vs greedy (player_1)" in out
    assert [p.name for p in (tmp_path / "replays").iterdir()] == ["othello-blink_loud_reverse-vs-greedy-s0.json"]


def test_main_called_from_a_program_leaves_its_sigterm_handler_in_place(cli, submissions):
    def programs_own(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, programs_own)
    try:
        code, _, _ = cli("match", submissions / "random", submissions / "greedy", "--no-sandbox")
        assert code == 0 and signal.getsignal(signal.SIGTERM) is programs_own
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_output_piped_to_a_reader_that_stops_ends_quietly(submissions):
    command = [sys.executable, "-m", "arena.cli", "match", str(submissions / "random"), str(submissions / "greedy"),
               "--games", "40", "--json", "--no-sandbox"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.read(10)  # as `| head -c 10` does
    process.stdout.close()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGPIPE and b"Traceback" not in err, err.decode()


def test_rich_output_piped_to_a_reader_that_stops_ends_as_quietly(tmp_path):
    # analyse (as leaderboard, envs and tt check) prints through rich, which exited 1, the status of a fault
    ffo = (Path(__file__).parent / "fixtures" / "ffo.obf").read_text().splitlines()
    first = next(line for line in ffo if not line.startswith("%"))  # FFO #1, solved in milliseconds
    positions = tmp_path / "positions.obf"
    positions.write_text((first + "\n") * 2000)
    command = [sys.executable, "-m", "arena.cli", "analyse", "--obf", str(positions), "--solve"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.read(10)
    process.stdout.close()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGPIPE and b"Traceback" not in err, err.decode()


def test_a_tournaments_end_says_when_an_extra_its_entrant_lacked_is_installed_now():
    # The summary kept telling the organiser to install torch, installed since.
    pytest.importorskip("torch")
    from arena.tournament.report import Faulted

    hint = "failed to start: ModuleNotFoundError: No module named 'torch' (torch is not installed: pip install -e '.[train]'"
    assert Faulted("az", 12, 16, "crash", hint + " in arena's folder, where arena runs)").line().endswith(
        "; torch is installed now: those games stay as they were played")
    unknown = "failed to start: ModuleNotFoundError (not_an_extra is not installed: pip install it)"
    assert Faulted("x", 1, 1, "crash", unknown).line() == f"x: crash in 1 of its 1 games ({unknown})"


def test_resuming_a_tournament_that_is_not_there_says_so_and_makes_nothing(cli, tmp_path):
    code, _, err = cli("tournament", "--db", tmp_path / "missing.sqlite", "--resume")
    assert code == 1 and "missing.sqlite: no tournament to resume" in err and not list(tmp_path.iterdir())


def test_interrupted_once_every_match_is_recorded_a_tournament_says_it_is_over(cli, othello_entrants, tmp_path,
                                                                               monkeypatch):
    import arena.tournament_command

    play = arena.tournament_command._play_with_progress

    def then_interrupted(tournament, backend):  # Ctrl-C as the last match is recorded
        play(tournament, backend)
        raise KeyboardInterrupt

    monkeypatch.setattr(arena.tournament_command, "_play_with_progress", then_interrupted)
    code, _, err = cli("tournament", othello_entrants, "--env", "othello", "--games-per-pair", "1",
                       "--db", tmp_path / "t.sqlite")
    assert code == 130 and "6 of 6 matches recorded; the tournament is over" in err and "--resume" not in err


def test_the_way_to_resume_points_out_where_a_database_urls_hidden_password_goes():
    url = "postgresql://organiser:s3cret@db.example/cup"
    hint = resume_hint(url, describe(url))
    assert hint == ("arena tournament --db 'postgresql://organiser:***@db.example/cup' --resume plays the rest "
                    "(with the URL's password where *** stands)") and "s3cret" not in hint
    assert resume_hint("postgresql:///cup", "postgresql:///cup") == \
        "arena tournament --db postgresql:///cup --resume plays the rest"
    assert resume_hint("runs/cup.sqlite", "/home/o/runs/cup.sqlite") == \
        "arena tournament --db /home/o/runs/cup.sqlite --resume plays the rest"


def test_a_tournament_of_a_folder_that_is_not_there_says_so_and_makes_nothing(cli, tmp_path):
    code, _, err = cli("tournament", tmp_path / "nosuch", "--env", "othello", "--db", tmp_path / "t.sqlite")
    assert code == 1 and err == f"error: {tmp_path / 'nosuch'}: no such folder\n" and not list(tmp_path.iterdir())
    (tmp_path / "file").write_text("")
    code, _, err = cli("tournament", tmp_path / "file", "--env", "othello", "--db", tmp_path / "t.sqlite")
    assert code == 1 and "file: not a folder of submissions" in err and not list(tmp_path.glob("t*"))


def test_a_mistyped_path_is_answered_with_the_one_meant(cli, tmp_path, submissions):
    shutil.copytree(submissions / "random", tmp_path / "subs" / "random")
    shutil.copytree(submissions / "greedy", tmp_path / "subs" / "greedy")
    code, _, err = cli("match", "subs/randm", "subs/greedy", "--env", "othello")
    assert code == 1 and err == "error: subs/randm: no such file or folder; did you mean 'subs/random'?\n"
    code, _, err = cli("validate", "sbus/greedy")
    assert code == 1 and err == "error: sbus/greedy: no such file or folder; did you mean 'subs/greedy'?\n"
    code, _, err = cli("tournament", "sub", "--env", "othello", "--db", "t.sqlite")
    assert code == 1 and err == "error: sub: no such folder; did you mean 'subs'?\n"
    code, _, err = cli("submit", "subs/randm", "--server", "http://127.0.0.1:9", "--token", "T")
    assert code == 1 and err == "error: subs/randm: no such file or folder; did you mean 'subs/random'?\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["subs"]


def test_a_replay_folder_or_mistyped_replay_file_is_answered_with_the_file_meant(cli, submissions):
    cli("match", submissions / "random", submissions / "greedy", "--env", "othello", "--seed", "0")
    code, _, err = cli("replay", "replays")
    assert code == 1 and err == ("error: replays: a folder, not a replay file; give one of the files in it, "
                                 "e.g. replays/othello-random-vs-greedy-s0.json\n")
    code, _, err = cli("replay", "replay/othello-random-vs-greedy-s0.json")
    assert code == 1 and err == ("error: replay/othello-random-vs-greedy-s0.json: no such replay file; "
                                 "did you mean 'replays/othello-random-vs-greedy-s0.json'?\n")


def test_the_readmes_obf_example_run_from_another_folder_says_where_the_file_is(cli, tmp_path):
    code, _, err = cli("analyse", "--obf", "tests/fixtures/ffo.obf", "--solve")
    own = Path(__file__).parent / "fixtures" / "ffo.obf"
    assert code == 1 and err == (f"error: --obf tests/fixtures/ffo.obf: no such file; relative paths start from the "
                                 f"current folder ({tmp_path}): arena's own is {own}\n")


def test_a_mistyped_results_database_is_answered_with_the_one_meant(cli, submissions):
    shutil.copytree(submissions / "random", Path("subs") / "random")
    shutil.copytree(submissions / "greedy", Path("subs") / "greedy")
    cli("tournament", "subs", "--env", "othello", "--db", "results.sqlite", "--games-per-pair", "1", "--workers", "1")
    code, _, err = cli("leaderboard", "--db", "result.sqlite")
    assert code == 1 and err == "error: result.sqlite: no such results database; did you mean 'results.sqlite'?\n"


@pytest.mark.parametrize("given", ["my_agent", "my_agent.zip"])
def test_a_tournament_given_one_submission_asks_for_the_folder_that_holds_them(cli, tmp_path, submissions, given):
    shutil.copytree(submissions / "random", tmp_path / "my_agent")
    shutil.make_archive(str(tmp_path / "my_agent"), "zip", tmp_path / "my_agent")
    code, _, err = cli("tournament", given, "--env", "othello", "--db", "t.sqlite")
    assert code == 1 and err == (f"error: {given}: one submission, not a folder of them; put it in a folder with "
                                 "the submissions it should play, and give that folder instead\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my_agent", "my_agent.zip"]


def test_arena_submit_of_a_file_that_is_no_zip_names_the_folder_to_submit(cli, tmp_path, submissions):
    shutil.copytree(submissions / "random", tmp_path / "my_agent")
    code, _, err = cli("submit", "my_agent/agent.py", "--server", "http://127.0.0.1:9", "--token", "T")
    assert code == 1 and err == ("error: my_agent/agent.py: not a zip; arena submit takes your agent's folder "
                                 "(agent.py at its top) or a zip of it: arena submit my_agent\n")


def test_replays_and_logs_a_match_run_inside_the_submission_wrote_stay_out_of_its_upload(cli, tmp_path, submissions,
                                                                                       monkeypatch):
    import io
    import zipfile

    from arena.serve.client import zip_folder

    shutil.copytree(submissions / "random", tmp_path / "my_agent")
    (tmp_path / "my_agent" / "data").mkdir()
    (tmp_path / "my_agent" / "data" / "book.json").write_text("{}")  # the agent's own
    monkeypatch.chdir(tmp_path / "my_agent")
    code, _, _ = cli("match", ".", str(submissions / "greedy"), "--env", "othello", "--seed", "1")
    assert code == 0 and any(Path("replays").iterdir())
    Path("logs").mkdir(exist_ok=True)
    Path("logs/random-123-0.log").write_text("printed\n")  # as a sandboxed agent's output is kept
    names = zipfile.ZipFile(io.BytesIO(zip_folder(Path(".")))).namelist()
    assert sorted(names) == ["agent.py", "arena.toml", "data/book.json"]
    _, _, err = cli("submit", ".", "--server", "http://127.0.0.1:9", "--token", "T")  # no server there: said after
    assert err.startswith("left out replays/, logs/: what arena match or validate wrote, run inside the folder\n")
    # A folder of the agent's own by that name goes in.
    Path("logs/notes.txt").write_text("mine\n")
    assert "logs/notes.txt" in zipfile.ZipFile(io.BytesIO(zip_folder(Path(".")))).namelist()


@pytest.mark.parametrize("wait", [False, True])
def test_arena_submit_to_a_server_that_hangs_up_before_answering_says_so_without_a_traceback(cli, tmp_path, submissions,
                                                                                            wait):
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def hang_up(answers: int) -> None:  # as a server killed (restarted) with the request in hand
        for number in range(answers + 1):
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                if number < answers:
                    body = b'{"id": 7, "name": "random", "status": "validating"}'
                    connection.sendall(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: "
                                       + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)

    server = threading.Thread(target=hang_up, args=(int(wait),), daemon=True)
    server.start()
    shutil.copytree(submissions / "random", tmp_path / "my_agent")
    code, _, err = cli("submit", "my_agent", "--server", f"http://127.0.0.1:{port}", "--token", "T",
                       *(["--wait"] if wait else []))
    server.join(10)
    listener.close()
    assert code == 1 and "Traceback" not in err, err
    assert err.startswith(f"error: http://127.0.0.1:{port} closed the connection before answering (restarting, "
                          f"say):"), err


def test_arena_submit_to_a_server_busy_just_now_asks_again_a_little_later(cli, tmp_path, submissions, monkeypatch):
    import socket
    import threading

    import arena.serve.client

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    waited = []
    monkeypatch.setattr(arena.serve.client, "_pause", waited.append)

    def busy_twice() -> None:  # as a server just started, checking many participants' tokens at once
        for number in range(3):
            connection, _ = listener.accept()
            with connection:
                request = b""
                while b"PK\x05\x06" not in request:  # the zip's last record: the whole upload was sent
                    request += connection.recv(65536)
                status, body = ((b"503 Service Unavailable", b'{"error": "the server is checking many tokens"}')
                                if number < 2 else (b"201 Created", b'{"id": 7, "name": "my_agent", "status": "validating"}'))
                connection.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\nContent-Length: "
                                   + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)

    server = threading.Thread(target=busy_twice, daemon=True)
    server.start()
    shutil.copytree(submissions / "random", tmp_path / "my_agent")
    code, out, err = cli("submit", "my_agent", "--server", f"http://127.0.0.1:{port}", "--token", "T")
    server.join(10)
    listener.close()
    assert code == 0 and "submission 7 (my_agent) uploaded; validating" in out, err
    assert waited == [1, 2]


def test_the_readme_examples_run_from_another_folder_say_where_the_examples_are(cli, tmp_path, submissions):
    code, _, err = cli("match", "submissions/random", "submissions/greedy", "--env", "othello")
    assert code == 1 and err == (f"error: submissions/random: no such file or folder; relative paths start from the "
                                 f"current folder ({tmp_path}): arena's own is {submissions / 'random'}\n")
    assert not list(tmp_path.iterdir())


def test_a_tournament_that_cannot_start_leaves_nothing_and_the_corrected_command_plays(cli, tmp_path, submissions):
    for copy in ("a", "b"):  # one entrant twice: the same code is the same entrant
        shutil.copytree(submissions / "random", tmp_path / "one" / copy)
    db = tmp_path / "t.sqlite"
    code, _, err = cli("tournament", tmp_path / "one", "--env", "othello", "--db", db)
    assert code == 1 and "only 1 entrant plays othello: add entrants" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one"]  # no store, no folders beside it
    shutil.copytree(submissions / "greedy", tmp_path / "one" / "greedy")
    code, out, err = cli("tournament", tmp_path / "one", "--env", "othello", "--db", db, "--games-per-pair", "1",
                         "--workers", "1")
    assert code == 0 and "1 match played" in out, err


@pytest.mark.parametrize("command", [[], ["match"], ["validate"], ["replay"], ["analyse"], ["tournament"],
                                     ["leaderboard"], ["serve"], ["serve", "users"], ["serve", "users", "add"],
                                     ["serve", "users", "token"], ["serve", "users", "list"], ["submit"], ["train"],
                                     ["export"], ["tt"], ["tt", "check"], ["envs"]])
def test_help_is_wrapped_to_the_terminal_and_keeps_its_examples(command, cli, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as done:
        cli(*command, "--help")
    text = capsys.readouterr().out
    assert done.value.code == 0 and max(map(len, text.splitlines())) <= 100, text
    assert "\nexamples:\n  arena " in text and f"\n  arena {' '.join(command)}" in text
    if not command:
        assert "\n  arena match submissions/random submissions/greedy --env othello --video match.mp4\n" in text


def test_a_server_address_without_a_scheme_is_taken_as_http():
    from arena.arguments import server_address

    assert server_address("127.0.0.1:8765") == "http://127.0.0.1:8765"
    assert server_address("https://arena.example.org") == "https://arena.example.org"


def test_a_submission_needing_an_extra_this_install_lacks_is_told_how_to_install_it(cli, write_submission):
    try:
        import ttnn  # noqa: F401
        pytest.skip("ttnn is installed here")
    except ImportError:
        pass
    needs_ttnn = write_submission("needs_ttnn", "import ttnn\nfrom arena.agents import RandomAgent\n\n\n"
                                                "class SubmittedAgent(RandomAgent):\n    pass\n", 'env = "othello"')
    code, _, err = cli("validate", needs_ttnn)
    assert code == 1 and "No module named 'ttnn'" in err
    assert "(ttnn is not installed: pip install -e '.[tt]' in arena's folder, where arena runs)" in err


def test_a_match_that_cannot_start_leaves_no_folders_behind(cli, tmp_path, submissions):
    code, _, err = cli("match", submissions / "random", tmp_path / "nosuch", "--env", "othello")
    assert code == 1 and "nosuch: no such file or folder" in err
    code, _, err = cli("match", submissions / "random", submissions / "greedy", "--env", "othelo", "--replay-dir",
                       "out/replays", "--log-dir", "out/logs", "--video", "videos/m.mp4")
    assert code == 1 and "unknown env 'othelo'" in err
    assert not list(tmp_path.iterdir())  # replays/, logs/, out/ and videos/ were made for files that never came
    (tmp_path / "replays").mkdir()  # a folder that was there stays, empty or not
    code, _, _ = cli("match", submissions / "random", tmp_path / "nosuch")
    assert code == 1 and [p.name for p in tmp_path.iterdir()] == ["replays"]
    code, out, _ = cli("match", submissions / "random", submissions / "greedy", "--env", "othello", "--video",
                       "videos/m.mp4")
    assert code == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["replays", "videos"]


def test_a_database_server_that_goes_away_mid_command_stops_it_saying_what_is_kept(cli, monkeypatch):
    # A tournament's or a server's PostgreSQL restarted under it: no traceback, the harness's exit status (run
    # again later), and what was recorded stays.
    psycopg = pytest.importorskip("psycopg")
    import arena.cli

    def server_restarting(args):
        raise psycopg.OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(arena.cli, "_run_envs", server_restarting)
    code, _, err = cli("envs")
    assert code == 75 and "Traceback" not in err
    assert err.startswith("error: the database server stopped answering (terminating connection due to administrator "
                          "command); what was recorded before is kept"), err
