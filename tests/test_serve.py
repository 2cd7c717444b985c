"""arena serve: the HTTP API and pages through a test client, validation, limits, security, and a
server killed during play that finds every scheduled game exactly once when started again."""

import hashlib
import io
import json
import os
import re
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import types
import zipfile
from pathlib import Path

import pytest
from conftest import HOSTILE_NAME, REPO, SUBMISSIONS, Site, arena_command, free_port, hidden_csrf, stop, wait_for

pytest.importorskip("starlette", reason="arena serve needs its extra: pip install -e '.[serve]'")
pytest.importorskip("httpx", reason="the test client needs httpx: pip install -e '.[test]'")

from arena.sandbox import protections  # noqa: E402
from arena.serve.client import zip_folder  # noqa: E402
from arena.serve.scheduler import Scheduler  # noqa: E402
from arena.serve.store import ACTIVE, REFUSED, RETIRED, VALIDATING  # noqa: E402
from arena.serve.uploads import UploadLimits  # noqa: E402
from arena.serve.validation import remove_retired_files  # noqa: E402
from arena.tournament import Settings, Tournament  # noqa: E402
from arena.tournament.runner import Backend  # noqa: E402
from arena.tournament.store import ResultsStore  # noqa: E402


def _zip(files: dict[str, bytes | str], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


RANDOM_AGENT = "from arena.agents import RandomAgent\n\n\nclass SubmittedAgent(RandomAgent):\n    pass\n"


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path)
    yield site
    site.client.close()
    site.app.state.competition.close()
    site.store.close()


# --- uploads and validation -------------------------------------------------------------------------


def test_an_upload_is_validated_off_the_web_process_and_becomes_an_active_entrant(site):
    answer = site.upload(zip_folder(REPO / "submissions" / "random"), filename="random.zip")
    assert answer.status_code == 201, answer.text
    submission = answer.json()
    assert submission["status"] == VALIDATING and submission["name"] == "random"

    assert site.validator.validate_next()
    assert not site.validator.validate_next()  # nothing else waits

    shown = site.client.get(f"/api/submissions/{submission['id']}",
                            headers={"Authorization": f"Bearer {site.alice_token}"}).json()
    assert shown["status"] == ACTIVE and shown["reason"] == ""
    assert "ok:" in shown["log_tail"]
    results = ResultsStore(site.db)
    [entrant] = results.entrants(active_only=True)
    results.close()
    assert entrant.digest == submission["digest"]
    assert Path(entrant.archive, "agent.py").is_file()


def test_the_organisers_console_hears_of_each_submission_validated_and_of_games_played(site):
    news = []
    site.validator.on_news = news.append
    site.upload(zip_folder(REPO / "submissions" / "random"), filename="random.zip")
    site.upload(_zip({"agent.py": 'raise RuntimeError("broken on purpose")\n'}))
    while site.validator.validate_next():
        pass
    assert news[0] == "submission 1 (random, by alice) passed its validation: it plays from now on"
    assert news[1].startswith("submission 2 (agent, by alice) refused: ") and "broken on purpose" in news[1]

    from arena.serve.cli import GamesNews

    said, now = [], [0.0]
    games = GamesNews(10, said.append, every=60.0, clock=lambda: now[0])
    games(4)  # the first batch at once, then at most a line a minute
    now[0] = 30.0
    games(4)
    now[0] = 61.0
    games(2)
    assert said == ["4 games played (14 in all)", "6 games played (20 in all)"]
    now[0] = 70.0
    games(3)
    games.rest()  # the last games are said as play comes to rest, not at the next batch, which may never come
    assert said[2:] == ["3 games played (23 in all)", "play rests until a new submission: no two entrants of different "
                        "participants have games left to play (--games-per-pair)"]


def test_the_organisers_console_hears_of_retirements_pauses_and_the_last_games_before_a_stop(tmp_path):
    from arena.serve.cli import GamesNews

    site = Site(tmp_path, UploadLimits(max_active=1))
    news = []
    site.validator.on_news = news.append
    site.enter_two()
    assert site.upload(_zip({"agent.py": RANDOM_AGENT + "# newer\n"})).status_code == 201
    while site.validator.validate_next():
        pass
    assert news[-2:] == ["submission 3 (agent, by alice) passed its validation: it plays from now on",
                         "submission 1 (random, by alice) retired: a newer submission took its place (at most 1 play "
                         "at once)"]

    said = []
    games = GamesNews(0, said.append)
    paused = [False]
    with Tournament(site.db, Settings(env="othello", max_steps=8, format="continuous")) as tournament:
        scheduler = Scheduler(tournament, Backend(), batch_games=2, paused=lambda: paused[0], on_batch=games,
                              on_pause=games.pause)
        assert scheduler.tick() == 2
        paused[0] = True
        assert scheduler.tick() == 0 and scheduler.tick() == 0  # said once
        paused[0] = False
        assert scheduler.tick() == 2
        games.stop(tournament.store.finished_count())
    assert said == ["2 games played (2 in all)", "play paused by the organiser (/admin); the games in play were "
                    "finished", "play resumes", "2 games played (4 in all)", "stopped, with 4 games recorded"]


class DiskFullFor(Backend):
    """A backend whose replays cannot be written for its first `failing` batches: the disk fills, then has room."""

    def __init__(self, failing: int):
        self.failing = failing

    def run(self, settings, packages, blocks, withdrawn=frozenset()):
        from arena.errors import HarnessError

        if self.failing:
            self.failing -= 1
            raise HarnessError("could not write the replay (No space left on device); free some space there")
        yield from super().run(settings, packages, blocks, withdrawn)


def test_a_batch_that_keeps_failing_is_tried_again_less_and_less_often_and_told_of_once(site, capsys):
    site.enter_two()
    capsys.readouterr()
    with Tournament(site.db, Settings(env="othello", max_steps=8, format="continuous")) as tournament:
        scheduler = Scheduler(tournament, DiskFullFor(8), batch_games=2)
        waits = [scheduler.wait_seconds()]
        for _ in range(8):
            assert scheduler.tick() == 0
            waits.append(scheduler.wait_seconds())
        told = capsys.readouterr().err
        assert scheduler.tick() == 2 and scheduler.wait_seconds() == 2  # the same batch, once there is room
    assert waits == [2, 2, 4, 8, 16, 32, 64, 64, 64]
    assert told.count("stopped a batch") == 1 and "No space left on device" in told and "again in 2 s" in told
    assert "the scheduler plays again" in capsys.readouterr().err


def test_games_a_dead_worker_left_unplayed_are_told_of_once_and_played_at_the_next_start(site, capsys):
    class WorkerKilled(Backend):
        def run(self, settings, packages, blocks, withdrawn=frozenset()):
            (match_id, _, _), *rest = blocks[0]  # its worker killed as it played the batch's first game
            yield [(match_id, "the worker playing it failed: its process ended (killed by SIGKILL)")]
            yield from super().run(settings, packages, [rest, *blocks[1:]], withdrawn)

    site.enter_two()
    capsys.readouterr()
    with Tournament(site.db, Settings(env="othello", max_steps=8, format="continuous")) as tournament:
        scheduler = Scheduler(tournament, WorkerKilled(), batch_games=4)
        assert scheduler.tick() == 3
        told = capsys.readouterr().err
        assert ("arena serve: 1 game could not be played (the worker playing it failed: its process ended (killed "
                "by SIGKILL)); it is played when the server starts again") in told
        assert scheduler.tick() == 3 and "could not be played" in capsys.readouterr().err  # the next batch's own
        assert len(tournament.store.failures()) == 2
    with Tournament(site.db) as tournament:  # started again
        scheduler = Scheduler(tournament, Backend(), batch_games=4)
        scheduler.store.clear_failures()
        assert scheduler.tick() == 2 and not tournament.store.failures()
        assert "could not be played" not in capsys.readouterr().err


class _FullDisk(io.TextIOBase):
    """A console whose file sits on a full disk: every line written to it fails."""

    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")


def test_play_and_validation_go_on_when_the_console_they_report_to_cannot_be_written(site, monkeypatch):
    from arena.serve.cli import _news

    site.enter_two()
    monkeypatch.setattr(sys, "stderr", _FullDisk())  # the server's log beside the competition, on the same disk
    monkeypatch.setattr(sys, "stdout", _FullDisk())
    _news("2 games played (2 in all)")  # lost, and nothing else with it
    with Tournament(site.db, Settings(env="othello", max_steps=8, format="continuous")) as tournament:
        scheduler = Scheduler(tournament, DiskFullFor(1), batch_games=2)
        assert scheduler.tick() == 0  # the failure cannot be told, and play is not stopped for it
        assert scheduler.tick() == 2  # nor for telling that it plays again
    looks = []

    def database_busy() -> bool:
        looks.append(True)
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(site.validator, "validate_next", database_busy)
    site.validator.start()
    try:
        wait_for(lambda: looks, 60, "the validator's first look for a submission")
        site.validator.wake()
        wait_for(lambda: len(looks) >= 2, 60, "the validator to look again after a failure it could not tell")
    finally:
        site.validator.stop()


def test_the_log_tail_names_a_submission_without_a_manifest_by_its_name_not_the_servers_folder(site):
    submission = site.upload(_zip({"agent.py": RANDOM_AGENT + 'print("hello", flush=True)\n'}),
                             filename="nameless.zip").json()
    assert submission["name"] == "nameless"
    site.validator.validate_next()
    record = site.store.submission(submission["id"])
    assert record.status == ACTIVE
    assert "ok: nameless (submission) plays othello" in record.log_tail
    assert "--- nameless-" in record.log_tail  # its agent's output file
    assert Path(record.folder).name not in record.log_tail


def test_a_submission_that_fails_validation_is_refused_with_its_reason_and_its_own_log_tail(site):
    agent = 'print("hello from my agent")\nraise RuntimeError("broken on purpose")\n'
    submission = site.upload(_zip({"agent.py": agent})).json()
    site.validator.validate_next()
    record = site.store.submission(submission["id"])
    assert record.status == REFUSED
    assert "broken on purpose" in record.reason and "\n" not in record.reason
    assert "hello from my agent" in record.log_tail
    assert str(site.db.parent) not in record.reason + record.log_tail  # the server's paths stay private
    assert "Traceback" in record.log_tail and str(REPO) not in record.log_tail and sys.prefix not in record.log_tail
    assert "its output and traceback" not in record.reason  # a file on the server

    headers = {"Authorization": f"Bearer {site.bob_token}"}
    assert site.client.get(f"/api/submissions/{submission['id']}", headers=headers).status_code == 404
    assert site.client.get("/api/submissions", headers=headers).json() == {"submissions": []}
    site.log_in(site.bob_token)
    assert "hello from my agent" not in site.client.get("/me").text


def test_a_long_refusal_reason_keeps_its_start_and_the_advice_at_its_end(site):
    # The AI² template's _gdown() downloads from Google Drive: its error names a long URL, and the cut
    # fell in the middle of arena's advice.
    agent = ('raise ConnectionError("HTTPSConnectionPool(host=\'drive.google.com\', port=443): Max retries '
             'exceeded with url: /uc?id=' + "x" * 500 + '")\n')
    submission = site.upload(_zip({"agent.py": agent})).json()
    site.validator.validate_next()
    reason = site.store.submission(submission["id"]).reason
    assert len(reason) <= 600 and "ConnectionError: HTTPSConnectionPool(host='drive.google.com'" in reason
    assert " … " in reason and reason.endswith("and arena downloads it before the match)")


@pytest.mark.skipif(not protections()["cgroups"], reason="needs cgroups to cap an agent's memory")
def test_a_validated_agent_holds_no_more_memory_than_the_games_allow(site):
    # One that fits only a machine's share is refused under the games' cap: it could not play, and
    # validated beside the games it would take their memory.
    hog = ("import numpy as np\nfrom arena.agents import Agent\nHELD = np.ones(300 << 17)  # 300 MiB\n"
           "class SubmittedAgent(Agent):\n    def predict(self, obs):\n"
           "        return int(np.flatnonzero(obs['action_mask'])[0])\n")
    submission = site.upload(_zip({"agent.py": hog})).json()
    site.validator.memory_mb = 200
    site.validator.validate_next()
    record = site.store.submission(submission["id"])
    assert record.status == REFUSED and "memory limit (200 MiB" in record.reason, record.reason


def test_a_validation_starts_its_process_without_python_between_fork_and_exec_and_ends_with_the_server(tmp_path):
    # The server forked its validating child with a preexec_fn: Python (and OpenBLAS's fork handler, which
    # waits for a rating's matrix product in another thread while the GIL is held) ran in the forked copy of a
    # process of forty threads, and the whole server hung for good. The child now makes itself die with the
    # server, after exec.
    import types

    from arena.serve import validation

    folder = tmp_path / "slow"
    folder.mkdir()
    (folder / "agent.py").write_text("import time\nfrom arena.agents import Agent\n\n\nclass SubmittedAgent(Agent):\n"
                                     "    def __init__(self, *args, **kwargs):\n        time.sleep(600)\n")
    started = []
    real_run = subprocess.run

    def noted(command, **kwargs):
        started.append(kwargs)
        return real_run(command, **kwargs)

    checker = validation.Validator(None, tmp_path / "c.sqlite", "othello", {}, 2, timeout=1, sandbox=False)
    validation.subprocess.run, saved = noted, validation.subprocess.run
    try:
        checker.check(types.SimpleNamespace(folder=str(folder), name="slow"))
    finally:
        validation.subprocess.run = saved
    assert "preexec_fn" not in started[0]

    server = subprocess.Popen([sys.executable, "-c", (
        "import sys, types; from arena.serve.validation import Validator; "
        f"Validator(None, {str(tmp_path / 'c.sqlite')!r}, 'othello', {{}}, 2, sandbox=False)"
        f".check(types.SimpleNamespace(folder={str(folder)!r}, name='slow'))")])

    def validating() -> list[int]:
        return [int(pid) for pid in os.listdir("/proc") if pid.isdigit() and str(folder).encode() in
                _cmdline(int(pid)) and b"validate" in _cmdline(int(pid))]

    try:
        wait_for(validating, 60, "the validation to start")
        server.kill()
        server.wait()
        wait_for(lambda: not validating(), 30, "the validation to end with the server")
    finally:
        server.kill()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_a_validation_the_machine_fails_waits_for_another_while_the_next_ones_are_validated(site):
    import resource

    submission = site.upload(_zip({"agent.py": RANDOM_AGENT, "weights.bin": os.urandom(2 << 20)})).json()
    behind = site.upload(_zip({"agent.py": RANDOM_AGENT}), filename="small.zip").json()
    site.validator.machine_retry_seconds = 1.0
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, hard))  # the validation's copy meets a full disk
    try:
        assert site.validator.validate_next()
        record = site.store.submission(submission["id"])
        assert record.status == VALIDATING and record.reason == "", record  # not refused: it waits, unclaimed
        assert site.validator.validate_next()  # the one behind it is not held up
        assert site.store.submission(behind["id"]).status == ACTIVE
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    while site.store.submission(submission["id"]).status == VALIDATING:  # tried again once its wait is over
        if not site.validator.validate_next():
            time.sleep(0.1)
    assert site.store.submission(submission["id"]).status == ACTIVE


def test_a_validation_its_database_failed_midway_is_validated_again(site, monkeypatch):
    from arena.tournament.store import ResultsStore

    submission = site.upload(_zip({"agent.py": RANDOM_AGENT})).json()
    register = ResultsStore.register
    lost = []

    def server_gone_once(self, *args, **kwargs):
        if not lost:
            lost.append(True)
            raise sqlite3.OperationalError("the database's server went away")
        return register(self, *args, **kwargs)

    monkeypatch.setattr(ResultsStore, "register", server_gone_once)
    with pytest.raises(sqlite3.OperationalError):
        site.validator.validate_next()
    assert site.validator.validate_next()  # not left claimed, shown as being validated until a restart
    assert site.store.submission(submission["id"]).status == ACTIVE


@pytest.mark.parametrize("data, status, words", [
    (b"these bytes are not a zip", 400, "not a zip file"),
    (_zip({"agent.py": RANDOM_AGENT, "../escape.py": "x = 1\n"}), 400, "outside the submission"),
    (_zip({"agent.py": RANDOM_AGENT}, links={"weights.bin": "/etc/passwd"}), 400, "symbolic link"),
    (_zip({"README.md": "no agent here\n"}), 400, "no agent.py"),
    (_zip({"agent.py": RANDOM_AGENT, "zeros.bin": bytes(60 << 20)}), 400, "zip bomb"),
    (_zip({"agent.py": RANDOM_AGENT, "arena.toml": 'env = "snake"\n'}), 400, "not othello"),
    (_zip({"agent.py": RANDOM_AGENT, "arena.toml": 'env = "othello"\n[options]\nsize = 6\n'}), 400,
     "asks for size = 6 in [options]; this competition plays othello with size = 8"),
], ids=["not-a-zip", "dot-dot", "link", "no-agent", "bomb", "other-game", "other-board"])
def test_bad_uploads_are_refused_at_once_with_a_clear_message_and_change_nothing(site, data, status, words):
    answer = site.upload(data)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["error"]
    assert site.store.submissions() == []
    assert site.files_kept() == []


def test_a_submission_named_to_pass_for_another_participant_is_refused(site):
    # A game's page lists its seats by submission name alone.
    site.store.add_participant("carol")
    for name, words in (("carol", "'carol' passes for participant 'carol'"),
                        ("Car\u043el", "passes for participant 'carol'"),  # a Cyrillic o
                        ("p\u0430ypal", "mixes the letters of several scripts")):  # a Cyrillic a
        answer = site.upload(_zip({"agent.py": RANDOM_AGENT, "arena.toml": f'name = "{name}"\n'}))
        assert answer.status_code == 400 and words in answer.json()["error"], answer.text
    assert site.store.submissions() == []
    answer = site.upload(_zip({"agent.py": RANDOM_AGENT, "arena.toml": 'name = "alice"\n'}))
    assert answer.status_code == 201 and answer.json()["name"] == "alice"  # its own participant's name


def test_an_upload_over_the_size_cap_is_refused(tmp_path):
    site = Site(tmp_path, UploadLimits(max_bytes=64 << 10))
    big = _zip({"agent.py": RANDOM_AGENT, "noise.bin": os.urandom(100 << 10)})
    answer = site.upload(big)
    assert answer.status_code == 413 and "larger than" in answer.json()["error"]
    assert site.store.submissions() == [] and site.files_kept() == []


def test_an_upload_larger_unpacked_than_its_agent_may_hold_is_refused_before_it_is_written(tmp_path):
    site = Site(tmp_path, UploadLimits(max_unpacked_bytes=1 << 20))
    answer = site.upload(_zip({"agent.py": RANDOM_AGENT, "weights.bin": os.urandom(2 << 20)}))
    assert answer.status_code == 400 and "more than 1 MiB in all" in answer.json()["error"]
    assert site.store.submissions() == [] and site.files_kept() == []
    assert site.upload(_zip({"agent.py": RANDOM_AGENT, "weights.bin": bytes(1 << 19)})).status_code == 201


def test_weights_named_by_link_are_downloaded_into_the_upload_and_nothing_is_cached(site, monkeypatch, tmp_path):
    weights = os.urandom(4 << 10)
    monkeypatch.setenv("ARENA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setitem(sys.modules, "gdown", types.SimpleNamespace(
        download=lambda url, output, **kwargs: Path(output).write_bytes(weights) and output))
    manifest = (f'weights = "model.bin"\nweights_url = "https://example.com/model.bin"\n'
                f'weights_sha256 = "{hashlib.sha256(weights).hexdigest()}"\n')
    answer = site.upload(_zip({"agent.py": RANDOM_AGENT, "arena.toml": manifest}))
    assert answer.status_code == 201, answer.text
    folder = Path(site.store.submission(answer.json()["id"]).folder)
    assert (folder / "model.bin").read_bytes() == weights and not (tmp_path / "cache").exists()


def test_an_upload_whose_weights_cannot_be_downloaded_just_now_is_to_be_tried_later_and_not_held_against_it(
        site, monkeypatch):
    # Slow links holding every download slot once made others' uploads count as refused, until they were locked out.
    import arena.weights

    weights = os.urandom(4 << 10)
    monkeypatch.setitem(sys.modules, "gdown", types.SimpleNamespace(
        download=lambda url, output, **kwargs: Path(output).write_bytes(weights) and output))
    manifest = (f'weights = "model.bin"\nweights_url = "https://example.com/model.bin"\n'
                f'weights_sha256 = "{hashlib.sha256(weights).hexdigest()}"\n')
    upload = _zip({"agent.py": RANDOM_AGENT, "arena.toml": manifest})
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(arena.weights, "_DOWNLOADS", slots)
    with slots:  # every slot taken by others' downloads
        answers = [site.upload(upload) for _ in range(25)]
    assert {answer.status_code for answer in answers} == {503}
    assert "other submissions' weights just now; try again in a few minutes" in answers[0].json()["error"]
    assert site.upload(upload).status_code == 201 and site.files_kept() != []


def test_an_upload_the_servers_disk_cannot_hold_is_to_be_tried_later_and_leaves_nothing(site):
    import resource

    data = _zip({"agent.py": RANDOM_AGENT, "noise.bin": os.urandom(64 << 10)})
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 10, hard))  # files past 16 KiB: the disk is full
    try:
        answer = site.upload(data)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == ("the server could not store the upload now (File too large); try again "
                                      "later, and tell the organiser if it goes on")
    assert site.store.submissions() == [] and site.files_kept() == []
    assert site.upload(data).status_code == 201


def test_an_upload_whose_submission_cannot_be_written_leaves_no_folder(site, monkeypatch):
    def locked(*args):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(site.app.state.competition.store, "add_submission", locked)
    with pytest.raises(sqlite3.OperationalError):
        site.upload(_zip({"agent.py": RANDOM_AGENT}))
    assert site.files_kept() == []


def test_the_same_content_twice_is_refused(site):
    data = _zip({"agent.py": RANDOM_AGENT})
    assert site.upload(data).status_code == 201
    again = site.upload(data, token=site.bob_token)
    assert again.status_code == 409 and "identical" in again.json()["error"]


# --- limits -------------------------------------------------------------------------------------------


def test_a_flood_of_token_checks_is_answered_503_instead_of_holding_the_servers_threads(site, monkeypatch):
    import threading

    import arena.serve.store

    release, started = threading.Event(), threading.Semaphore(0)
    real = arena.serve.store.secret_matches

    def slow_check(secret, stored):  # scrypt of the flood's tokens, taking their time
        started.release()
        release.wait(30)
        return real(secret, stored)

    monkeypatch.setattr(arena.serve.store, "secret_matches", slow_check)
    served = site.app.state.competition.store  # the store the web app checks tokens with
    flood = [threading.Thread(target=served.participant_for_token, args=(f"1_guess{i}",))
             for i in range(arena.serve.store.SCRYPT_AT_ONCE)]
    for thread in flood:
        thread.start()
    for _ in flood:
        assert started.acquire(timeout=30)
    _, carol_token = site.store.add_participant("carol")  # a token not checked yet
    try:
        answer = site.client.get("/api/submissions", headers={"Authorization": f"Bearer {carol_token}"})
    finally:
        release.set()
    assert answer.status_code == 503 and "checking many tokens" in answer.json()["error"]
    for thread in flood:
        thread.join(30)
    assert site.client.get("/api/submissions", headers={"Authorization": f"Bearer {carol_token}"}).status_code == 200


def test_an_address_sending_unknown_tokens_is_turned_away_before_they_cost_a_check(site, monkeypatch):
    from starlette.testclient import TestClient

    import arena.serve.store
    from arena.serve.competition import GUESS_SITE_FACTOR, GUESSES_ALLOWED

    checks = []
    check = arena.serve.store.secret_matches
    monkeypatch.setattr(arena.serve.store, "secret_matches", lambda *args: checks.append(1) or check(*args))

    def asking(address: str, token: str) -> int:
        client = TestClient(site.app, client=(address, 40000))
        return client.get("/api/submissions", headers={"Authorization": f"Bearer {token}"}).status_code

    assert asking("203.0.113.7", site.alice_token) == 200  # alice, behind an address she shares
    answers = [asking("203.0.113.7", f"1_guess{i}") for i in range(GUESSES_ALLOWED + 3)]
    assert answers == [401] * GUESSES_ALLOWED + [429] * 3
    assert len(checks) == 1 + GUESSES_ALLOWED  # alice's, then the guesses before the address was turned away
    assert asking("203.0.113.7", site.alice_token) == 200  # a token checked before still passes
    _, carol_token = site.store.add_participant("carol")
    assert asking("203.0.113.7", carol_token) == 429  # one not checked yet waits for the window to pass
    assert asking("198.51.100.9", carol_token) == 200  # from elsewhere it is checked
    for i in range(GUESSES_ALLOWED):  # an IPv6 machine counts with its /64
        asking(f"2001:db8:1:2::{i + 1:x}", f"1_v6guess{i}")
    assert asking("2001:db8:1:2:ffff::1", f"1_v6guess{GUESSES_ALLOWED}") == 429
    assert asking("2001:db8:1:3::1", "1_elsewhere") == 401
    for i in range(GUESSES_ALLOWED * GUESS_SITE_FACTOR):  # and with its /48, however many /64s it uses
        asking(f"2001:db8:2:{i:x}::1", f"1_site{i}")
    assert asking("2001:db8:2:ffff::1", "1_site_more") == 429
    assert asking("2001:db8:3::1", "1_other_site") == 401
    # Malformed tokens, or tokens naming no participant, are guesses too: one /64 cannot fill its /48 with them.
    answers = [asking("2001:db8:4:1::1", token) for token in ["x", "999_abc"] * (GUESSES_ALLOWED + 2)]
    assert answers == [401] * GUESSES_ALLOWED + [429] * (GUESSES_ALLOWED + 4)
    assert asking("2001:db8:4:2::1", "1_next_door") == 401
    for i in range(GUESSES_ALLOWED):  # IPv4 clients of a dual-stack socket are each their own IPv4 address
        asking("::ffff:192.0.2.44", f"1_mapped{i}")
    assert asking("::ffff:192.0.2.44", "1_mapped_more") == 429
    assert asking("::ffff:192.0.2.45", "1_mapped_elsewhere") == 401
    for i in range(GUESSES_ALLOWED):  # a forwarded header's "unknown" is an address like any other
        asking("unknown", f"1_unknown{i}")
    assert asking("unknown", "1_more") == 429
    for i in range(GUESSES_ALLOWED + 1):  # a proxy on this machine: everyone's address, never turned away
        assert asking("127.0.0.1", f"1_local{i}") == 401
    table = site.app.state.competition.guesses._times
    before = len(table)
    _, dave_token = site.store.add_participant("dave")
    assert asking("192.0.2.77", dave_token) == 200 and len(table) == before  # a token checked adds no address


def test_unknown_tokens_sent_together_from_one_address_cost_no_more_checks_than_sent_one_by_one(site, monkeypatch):
    import asyncio

    import httpx

    import arena.serve.store
    from arena.serve.competition import GUESSES_ALLOWED

    checks = []
    check = arena.serve.store.secret_matches
    monkeypatch.setattr(arena.serve.store, "secret_matches", lambda *args: checks.append(1) or check(*args))

    async def asking(port: int, token: str) -> int:
        transport = httpx.ASGITransport(app=site.app, client=("203.0.113.12", port))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return (await client.get("/api/submissions", headers={"Authorization": f"Bearer {token}"})).status_code

    async def together(tokens: list[str]) -> list[int]:
        return list(await asyncio.gather(*(asking(40000 + i, token) for i, token in enumerate(tokens))))

    assert asyncio.run(together([site.alice_token])) == [200]  # alice, behind an address she shares
    checks.clear()
    answers = asyncio.run(together([f"1_guess{i}" for i in range(6 * GUESSES_ALLOWED)]))
    assert len(checks) <= GUESSES_ALLOWED and answers.count(401) <= GUESSES_ALLOWED
    assert set(answers) <= {401, 429, 503} and 429 in answers
    assert asyncio.run(together([site.alice_token] * 3)) == [200] * 3  # her token, checked before, passes even so
    assert site.client.get("/api/leaderboard").status_code == 200


def test_refused_uploads_are_counted_and_one_upload_is_checked_at_a_time(site):
    not_a_submission = _zip({"readme.txt": "no agent here"})
    answers = [site.upload(not_a_submission) for _ in range(21)]
    assert [a.status_code for a in answers] == [400] * 20 + [429]  # each unpacked before it was refused: it costs alike
    assert answers[-1].json()["error"].endswith("try again in 60 minutes")  # when the first refusal is an hour old
    assert site.upload(not_a_submission, token=site.bob_token).status_code == 400  # others are not held back

    from arena.serve.uploads import UploadGate, UploadRefused

    gate = UploadGate()
    with gate.entered(7):
        with pytest.raises(UploadRefused, match="still being checked") as caught:
            with gate.entered(7):
                pass
        assert caught.value.status == 429
    with gate.entered(7):
        pass


def test_a_second_upload_while_one_is_checked_is_refused_before_its_body_is_read(site):
    """One participant holds at most one upload's bytes in the server, however many it sends at once."""
    pulled = []

    def body():  # streamed without a Content-Length, past the size cap
        for _ in range(64):
            pulled.append(1)
            yield bytes(1 << 20)

    alice = site.store.participant_for_token(site.alice_token)
    with site.app.state.competition.upload_gate.entered(alice.id):  # her first upload, being checked
        answer = site.client.post("/api/submissions", content=body(),
                                  headers={"Authorization": f"Bearer {site.alice_token}"})
    assert answer.status_code == 429 and "still being checked" in answer.json()["error"]
    assert len(pulled) <= 1
    assert site.upload(_zip({"agent.py": RANDOM_AGENT})).status_code == 201


def test_a_submission_refused_at_validation_leaves_no_files(site):
    crashing = "class SubmittedAgent:\n    def __init__(self, *a, **k):\n        raise RuntimeError('no')\n"
    submission = site.upload(_zip({"agent.py": crashing})).json()
    folder = Path(site.store.submission(submission["id"]).folder)
    assert folder.is_dir()
    site.validator.validate_next()
    refused = site.store.submission(submission["id"])
    assert refused.status == REFUSED and "failed to start" in refused.reason and not folder.exists()
    assert refused.folder == ""  # as a retired one's: the database names no folder that is gone


def test_a_submission_disqualified_while_it_is_validated_keeps_its_files_when_it_fails(site):
    crashing = "class SubmittedAgent:\n    def __init__(self, *a, **k):\n        raise RuntimeError('no')\n"
    number = site.upload(_zip({"agent.py": crashing})).json()["id"]
    check = site.validator.check

    def disqualified_meanwhile(submission):
        site.app.state.competition.disqualify(number, "cheats")
        return check(submission)

    site.validator.check = disqualified_meanwhile
    site.validator.validate_next()
    kept = site.store.submission(number)
    assert kept.status == "disqualified" and Path(kept.folder).is_dir()


def test_uploads_a_day_are_capped(tmp_path):
    site = Site(tmp_path, UploadLimits(per_day=2))
    for number in range(2):
        assert site.upload(_zip({"agent.py": RANDOM_AGENT + f"# {number}\n"})).status_code == 201
    third = site.upload(_zip({"agent.py": RANDOM_AGENT + "# 2\n"}))
    assert third.status_code == 429 and third.json()["error"].endswith("24 hours, the most allowed; try again in 24 hours")
    assert site.upload(_zip({"agent.py": RANDOM_AGENT + "# bob\n"}), token=site.bob_token).status_code == 201


def test_a_newer_valid_submission_retires_the_oldest_beyond_the_active_limit(tmp_path):
    site = Site(tmp_path, UploadLimits(max_active=1))
    first = site.upload(_zip({"agent.py": RANDOM_AGENT + "# first\n"})).json()
    second = site.upload(_zip({"agent.py": RANDOM_AGENT + "# second\n"})).json()
    while site.validator.validate_next():
        pass
    assert site.store.submission(first["id"]).status == RETIRED
    assert site.store.submission(second["id"]).status == ACTIVE
    results = ResultsStore(site.db)
    active = results.entrants(active_only=True)
    results.close()
    assert [e.id for e in active] == [site.store.submission(second["id"]).entrant_id]


def test_a_retired_submissions_files_go_before_the_next_batch_and_the_same_upload_plays_from_its_own(tmp_path):
    site = Site(tmp_path, UploadLimits(max_active=1))
    assert site.upload(zip_folder(SUBMISSIONS / "greedy"), token=site.bob_token).status_code == 201
    first_zip = _zip({"agent.py": RANDOM_AGENT + "# first\n"})
    first = site.upload(first_zip).json()
    site.upload(_zip({"agent.py": RANDOM_AGENT + "# second\n"}))
    while site.validator.validate_next():
        pass
    retired = Path(site.store.submission(first["id"]).folder)
    assert site.store.submission(first["id"]).status == RETIRED and retired.is_dir()
    with Tournament(site.db, Settings(env="othello", max_steps=8, seed=0)) as tournament:
        scheduler = Scheduler(tournament, Backend(), batch_games=2,
                              between_batches=lambda: remove_retired_files(site.store, tournament.store))
        assert scheduler.step() == 2
        assert not retired.exists() and site.store.submission(first["id"]).folder == ""
        assert not [name for name in site.files_kept() if name.startswith(retired.name)]  # nor its logs

        again = site.upload(first_zip).json()  # a participant's own retired version may come back
        while site.validator.validate_next():
            pass
        back = site.store.submission(again["id"])
        assert back.status == ACTIVE and back.entrant_id == site.store.submission(first["id"]).entrant_id
        assert scheduler.step() == 2
        played = [seat for match in tournament.store.results()[2:] for seat in match.seats]
        assert {seat.entrant_id for seat in played} >= {back.entrant_id}
        assert {seat.status for seat in played} == {"ok"}, [seat.detail for seat in played]
        assert Path(back.folder).is_dir()  # the active entrant's files stay


# --- who may do what ----------------------------------------------------------------------------------


def test_the_api_needs_a_valid_token(site):
    data = _zip({"agent.py": RANDOM_AGENT})
    missing = site.client.post("/api/submissions", content=data)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    for token in ("nonsense", f"{site.alice.id}_wrong-secret", f"{site.bob.id}_{site.alice_token.split('_', 1)[1]}"):
        answer = site.upload(data, token=token)
        assert answer.status_code == 401 and "unknown token" in answer.json()["error"]
    assert site.store.submissions() == []
    assert site.client.get("/me", follow_redirects=False).headers["location"] == "/login"


def test_tokens_are_kept_only_as_salted_hashes(site):
    secret = site.alice_token.split("_", 1)[1]
    rows = sqlite3.connect(site.db).execute("SELECT token_hash FROM participants").fetchall()
    assert all(secret not in row[0] and row[0].startswith("scrypt$") for row in rows)
    assert rows[0][0] != rows[1][0]
    assert site.store.participant_for_token(site.alice_token).id == site.alice.id
    new = site.store.new_token("alice")
    assert site.store.participant_for_token(site.alice_token) is None  # the old one, though checked before
    assert site.store.participant_for_token(new).id == site.alice.id
    assert site.upload(_zip({"agent.py": RANDOM_AGENT}), token=site.alice_token).status_code == 401


def test_a_token_spelt_another_way_is_no_token_and_costs_no_check(site, monkeypatch):
    import arena.serve.store

    checks = []
    check = arena.serve.store.secret_matches
    monkeypatch.setattr(arena.serve.store, "secret_matches", lambda *args: checks.append(1) or check(*args))
    number, _, secret = site.alice_token.partition("_")
    # int() reads these as alice's number: each would cost a check, and none would be remembered.
    for spelt in (f"0{number}_{secret}", f"{chr(0x0660)}{number}_{secret}",
                  "".join(chr(0x0660 + int(d)) for d in number) + f"_{secret}"):
        assert site.store.participant_for_token(spelt) is None
    for malformed in ("\xb2_x", "99999999999999999999_x"):  # isdigit() but no int; past a 64-bit id
        assert site.client.get("/api/submissions", headers={"Authorization": f"Bearer {malformed}".encode("latin-1")}).status_code == 401
    assert checks == []
    assert site.store.participant_for_token(site.alice_token).id == site.alice.id and checks == [1]


def test_logging_in_again_and_again_keeps_only_the_newest_sessions(site):
    import arena.serve.store

    opened = [site.store.open_session(site.alice.id)[0] for _ in range(arena.serve.store.SESSIONS_KEPT + 5)]
    rows = sqlite3.connect(site.db).execute("SELECT COUNT(*) FROM sessions WHERE participant_id = ?",
                                            (site.alice.id,)).fetchone()[0]
    assert rows == arena.serve.store.SESSIONS_KEPT
    assert site.store.session(opened[0]) is None and site.store.session(opened[-1])[0].id == site.alice.id


def test_forms_are_refused_without_their_csrf_token(site):
    login = site.client.post("/login", data={"token": site.alice_token}, follow_redirects=False)
    assert login.status_code == 403 and "CSRF" in login.text
    site.client.get("/login")
    csrf = site.client.cookies.get("arena_login_csrf")
    forged = site.client.post("/login", data={"csrf": csrf, "token": site.alice_token},
                              headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert forged.status_code == 403

    real = site.log_in()
    files = {"file": ("agent.zip", _zip({"agent.py": RANDOM_AGENT}), "application/zip")}
    for wrong in ({}, {"csrf": "guessed"}, {"csrf": csrf}):
        answer = site.client.post("/upload", data=wrong, files=files)
        assert answer.status_code == 403
    assert site.store.submissions() == []
    assert site.client.post("/logout", data={"csrf": "guessed"}, follow_redirects=False).status_code == 403
    answer = site.client.post("/upload", data={"csrf": real}, files=files)
    assert answer.status_code == 200 and "received" in answer.text
    assert len(site.store.submissions()) == 1
    assert site.client.post("/logout", data={"csrf": real}, follow_redirects=False).status_code == 303
    assert site.client.get("/me", follow_redirects=False).status_code == 303


def test_over_https_a_cookie_another_site_of_the_domain_set_logs_no_one_in(site):
    # A site beside the competition's (students' pages beside arena.example.edu) may set a cookie for the whole
    # parent domain: read as a session, it logged a visitor in as that site's own participant, who then got the
    # visitor's uploads; sent after the visitor's own cookie, it even took that one's place.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    bobs, _ = site.store.open_session(site.bob.id)
    with TestClient(site.app, base_url="https://testserver") as browser:
        browser.cookies.set("arena_session", bobs)  # as the browser sends one set for the parent domain
        assert browser.get("/me", follow_redirects=False).status_code == 303  # to /login: no one is logged in

        csrf = hidden_csrf(browser.get("/login").text)
        login = browser.post("/login", data={"csrf": csrf, "token": site.alice_token}, follow_redirects=False)
        assert login.status_code == 303
        cookie = login.headers["set-cookie"].lower()
        assert cookie.startswith("__host-arena_session=") and "secure" in cookie and "domain" not in cookie
        page = browser.get("/me")
        assert page.status_code == 200 and "<h1>alice</h1>" in page.text
        logout = browser.post("/logout", data={"csrf": hidden_csrf(page.text)}, follow_redirects=False)
        assert logout.status_code == 303 and "__Host-arena_session" not in browser.cookies
    assert site.store.session(bobs) is not None  # the sibling's cookie was never the session logged out


def test_forms_sent_through_a_proxy_that_names_the_server_otherwise_are_taken_and_other_sites_still_refused(site):
    # nginx's proxy_pass sends the server Host: 127.0.0.1:PORT (and plain http), while the browser's Origin is the
    # site's public https address: comparing the two refused every login from a browser as forged.
    site.client.get("/login")
    csrf = site.client.cookies.get("arena_login_csrf")
    behind_proxy = {"Host": "127.0.0.1:8000", "Origin": "https://arena.example.org"}
    for fetched_from in ("cross-site", "same-site"):
        forged = site.client.post("/login", data={"csrf": csrf, "token": site.alice_token}, follow_redirects=False,
                                  headers={**behind_proxy, "Sec-Fetch-Site": fetched_from})
        assert forged.status_code == 403, fetched_from
    login = site.client.post("/login", data={"csrf": csrf, "token": site.alice_token}, follow_redirects=False,
                             headers={**behind_proxy, "Sec-Fetch-Site": "same-origin"})
    assert login.status_code == 303, login.text


def test_a_form_body_larger_than_its_few_fields_need_is_refused_before_it_is_parsed(site, monkeypatch):
    # Forms are parsed on the web server's event loop: anyone could post megabytes of "&" to /login or /logout and
    # keep it busy for seconds a megabyte, every other request waiting.
    from starlette import formparsers

    parsed = []
    for parser in (formparsers.FormParser, formparsers.MultiPartParser):
        def counted(self, parse=parser.parse):
            parsed.append(type(self).__name__)
            return parse(self)

        monkeypatch.setattr(parser, "parse", counted)
    flood = b"&" * (1 << 20)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for path in ("/login", "/logout", "/admin/pause"):
        answer = site.client.post(path, content=flood, headers=form, follow_redirects=False)
        assert answer.status_code == 413, (path, answer.status_code)
        chunked = site.client.post(path, content=iter([flood[:4096]] * 256), headers=form, follow_redirects=False)
        assert chunked.status_code == 413, (path, chunked.status_code)
    assert parsed == []

    site.log_in()  # the upload form's body is the zip: it is sent as multipart, never as a long url-encoded form
    parsed.clear()
    answer = site.client.post("/upload", content=flood, headers=form)
    assert answer.status_code == 415 and "from the form" in answer.text
    assert parsed == [] and site.store.submissions() == []


def test_the_upload_form_shows_refusals(site):
    csrf = site.log_in()
    files = {"file": ("agent.zip", b"not a zip", "application/zip")}
    answer = site.client.post("/upload", data={"csrf": csrf}, files=files)
    assert answer.status_code == 400 and "not a zip file" in answer.text


def test_names_reasons_and_logs_are_escaped_everywhere(site):
    agent = 'print("<script>alert(1)</script>")\nraise RuntimeError("<b>bold</b> & <i>more</i>")\n'
    manifest = 'name = "<svg onload=alert(1)>"\nenv = "othello"\n'
    site.upload(_zip({"agent.py": agent, "arena.toml": manifest}), token=site.bob_token)
    site.upload(_zip({"agent.py": RANDOM_AGENT, "arena.toml": manifest.replace("svg", "svg2")}),
                token=site.bob_token)
    while site.validator.validate_next():
        pass
    site.log_in(site.bob_token)
    page = site.client.get("/me").text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;more&lt;/i&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    board = site.client.get("/")
    assert "&lt;svg2 onload=alert(1)&gt;" in board.text and "&lt;img src=x onerror=alert(1)&gt;" in board.text
    for text in (page, board.text):
        assert "<script>alert" not in text and "<img src=x" not in text and "<svg" not in text and "<b>" not in text
    assert "script-src 'self'" in board.headers["content-security-policy"]
    # the page's script writes the JSON's strings as text, never as HTML
    script = site.client.get("/static/leaderboard.js").text
    assert "textContent" in script and "innerHTML" not in script


def test_the_leaderboard_api_feeds_the_page_without_a_reload(site):
    empty = site.client.get("/api/leaderboard").json()
    assert empty["rows"] == [] and empty["games"] == 0
    assert site.client.get("/api/results").json()["entrants"] == []
    assert '<script src="/static/leaderboard.js">' in site.client.get("/").text


def test_the_results_api_never_gives_away_the_secret_seed_the_games_to_come_derive_from(site):
    site.enter_two()
    with Tournament(site.db, Settings(env="othello", max_steps=16, format="continuous")) as tournament:
        secret = tournament.settings.seed
        assert Scheduler(tournament, Backend(), batch_games=2).step() == 2
    answer = site.client.get("/api/results")
    assert answer.json()["settings"]["seed"] is None and answer.json()["matches"] == 2
    assert str(secret) not in answer.text and str(secret) not in site.client.get("/api/leaderboard").text


def test_the_results_api_tells_how_often_two_entrants_meet_before_play_between_them_rests(site):
    site.play(2)  # stored as any tournament's settings, with a tournament's games a pairing
    site.config.games_per_pair = 50  # what the server plays by: `arena serve --games-per-pair 50`
    assert site.client.get("/api/results").json()["settings"]["games_per_pair"] == 50


def test_registration_is_off_unless_the_organiser_opens_it(site, tmp_path):
    assert site.client.get("/register").status_code == 404
    assert site.client.post("/register", data={"name": "mallory"}).status_code == 404
    assert "register" not in site.client.get("/login").text.lower().replace("log in", "")

    site.config.open_registration = True
    page = site.client.get("/register")
    assert page.status_code == 200
    csrf = hidden_csrf(page.text)
    assert site.client.post("/register", data={"name": "carol"}).status_code == 403
    assert site.client.post("/register", data={"csrf": csrf, "name": "alice"}).status_code == 400  # taken
    answer = site.client.post("/register", data={"csrf": csrf, "name": "<i>carol</i>"})
    assert answer.status_code == 200 and "&lt;i&gt;carol&lt;/i&gt;" in answer.text and "<i>carol" not in answer.text
    token = re.search(r'<pre id="token">([^<]+)</pre>', answer.text).group(1)
    assert site.upload(_zip({"agent.py": RANDOM_AGENT}), token=token).status_code == 201
    assert answer.headers["cache-control"] == "no-store"



def test_no_cache_keeps_a_page_shown_to_a_logged_in_participant(site):
    # Every page shown to a session holds its participant's name and form token.
    anonymous = site.client.get("/")
    assert "cache-control" not in anonymous.headers and anonymous.headers["vary"] == "Cookie"
    csrf = site.log_in()
    for path in ("/", f"/participants/{site.alice.id}", "/me"):
        page = site.client.get(path)
        assert page.status_code == 200 and csrf in page.text, path
        assert page.headers["cache-control"] == "no-store" and page.headers["vary"] == "Cookie", path


def test_one_address_may_take_only_its_share_of_the_registrations(site):
    from starlette.testclient import TestClient

    from arena.serve.competition import REGISTRATIONS_PER_ADDRESS

    site.config.open_registration = True

    def registering(address: str, name: str) -> int:
        client = TestClient(site.app, client=(address, 40000))
        csrf = hidden_csrf(client.get("/register").text)
        return client.post("/register", data={"csrf": csrf, "name": name}).status_code

    answers = [registering("203.0.113.7", f"sock{i}") for i in range(REGISTRATIONS_PER_ADDRESS + 2)]
    assert answers == [200] * REGISTRATIONS_PER_ADDRESS + [429] * 2
    assert registering("198.51.100.9", "newcomer") == 200  # the others still may
    assert registering("2001:db8:5:1::1", "taken") == 200 and registering("2001:db8:5:1::2", "taken") == 400
    for i in range(REGISTRATIONS_PER_ADDRESS - 1):  # a refused name costs no registration
        registering(f"2001:db8:5:1::{i + 3:x}", f"v6sock{i}")
    assert registering("2001:db8:5:1::ffff", "one_more") == 429  # an IPv6 machine counts with its /64
    for i in range(REGISTRATIONS_PER_ADDRESS):  # its /48 may take twice as many, however many /64s it uses
        registering(f"2001:db8:5:{i + 2:x}::1", f"site{i}")
    assert registering("2001:db8:5:ffff::1", "site_more") == 429
    assert registering("127.0.0.1", "behind_the_proxy") == 200  # a proxy on this machine: everyone's address

def _registering_together(site, address: str, names: list[str]) -> list[int]:
    """The statuses of registrations of `names` sent together from `address`, each on its own connection."""
    import asyncio

    import httpx

    async def registering(port: int, name: str) -> int:
        transport = httpx.ASGITransport(app=site.app, client=(address, port))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            csrf = hidden_csrf((await client.get("/register")).text)
            return (await client.post("/register", data={"csrf": csrf, "name": name})).status_code

    async def all_of_them() -> list[int]:
        return list(await asyncio.gather(*(registering(40000 + i, name) for i, name in enumerate(names))))

    return asyncio.run(all_of_them())


def test_registrations_sent_together_from_one_address_take_no_more_than_its_share(site):
    from arena.serve.competition import REGISTRATIONS_PER_ADDRESS

    site.config.open_registration = True
    before = len(site.store.participants())
    answers = _registering_together(site, "203.0.113.8", [f"crowd{i}" for i in range(3 * REGISTRATIONS_PER_ADDRESS)])
    assert sorted(answers) == [200] * REGISTRATIONS_PER_ADDRESS + [429] * (2 * REGISTRATIONS_PER_ADDRESS)
    assert len(site.store.participants()) == before + REGISTRATIONS_PER_ADDRESS
    assert site.client.get("/api/leaderboard").status_code == 200  # and the server serves on


def test_registering_a_taken_name_again_and_again_costs_no_tokens_hash(site, monkeypatch):
    import arena.serve.store as store

    hashed = []
    monkeypatch.setattr(store, "hash_secret", lambda secret: hashed.append(secret) or "scrypt$1$1$1$00$00")
    site.config.open_registration = True
    answers = _registering_together(site, "198.51.100.4", ["alice"] * 30)
    assert answers == [400] * 30 and hashed == []
    assert [p.name for p in site.store.participants()].count("alice") == 1
    assert _registering_together(site, "198.51.100.4", ["carol"]) == [200] and len(hashed) == 1


# --- the organiser ---------------------------------------------------------------------------------


def test_organisers_pause_play_and_disqualify_others_may_not(site):
    organiser, organiser_token = site.store.add_participant("the organiser", organiser=True)
    submission = site.upload(_zip({"agent.py": RANDOM_AGENT})).json()
    site.validator.validate_next()
    participant = {"Authorization": f"Bearer {site.alice_token}"}
    for path in ("/api/admin/pause", f"/api/admin/submissions/{submission['id']}/disqualify"):
        assert site.client.post(path, headers=participant).status_code == 403
    assert site.client.get("/api/admin/submissions", headers=participant).status_code == 403
    assert not site.store.paused()

    boss = {"Authorization": f"Bearer {organiser_token}"}
    assert site.client.post("/api/admin/pause", headers=boss).json() == {"paused": True}
    assert site.store.paused() and "paused" in site.client.get("/api/leaderboard").json()["summary"]
    answer = site.client.post(f"/api/admin/submissions/{submission['id']}/disqualify", headers=boss,
                              json={"reason": "copied <code>"})
    assert answer.json()["status"] == "disqualified" and "copied <code>" in answer.json()["reason"]
    results = ResultsStore(site.db)
    assert results.entrants(active_only=True) == []
    results.close()
    listed = site.client.get("/api/admin/submissions", headers=boss).json()["submissions"]
    assert [s["participant"] for s in listed] == ["alice"]

    csrf = site.log_in(organiser_token)
    page = site.client.get("/admin")
    assert "copied &lt;code&gt;" in page.text and "Resume play" in page.text
    assert site.client.post("/admin/resume", data={"csrf": "guessed"}).status_code == 403
    assert site.store.paused()
    assert "Play resumed" in site.client.post("/admin/resume", data={"csrf": csrf}).text
    assert not site.store.paused()

    site.log_in(site.alice_token)
    assert site.client.get("/admin").status_code == 403


def test_a_disqualification_whose_body_is_not_a_short_reason_is_answered_400_or_413_and_changes_nothing(site):
    _, organiser_token = site.store.add_participant("the organiser", organiser=True)
    submission = site.upload(_zip({"agent.py": RANDOM_AGENT})).json()
    site.validator.validate_next()
    boss, path = {"Authorization": f"Bearer {organiser_token}"}, f"/api/admin/submissions/{submission['id']}/disqualify"
    nested = site.client.post(path, headers=boss, content=b"[" * 4000)
    assert nested.status_code == 400 and "reason" in nested.json()["error"]
    huge = site.client.post(path, headers=boss, content=b'{"reason": "' + b"x" * (1 << 20) + b'"}')
    assert huge.status_code == 413
    assert site.client.get(f"/api/submissions/{submission['id']}",
                           headers={"Authorization": f"Bearer {site.alice_token}"}).json()["status"] != "disqualified"


def test_a_disqualified_or_another_participants_entrant_cannot_come_back_by_the_same_content(site):
    organiser, organiser_token = site.store.add_participant("the organiser", organiser=True)
    boss = {"Authorization": f"Bearer {organiser_token}"}
    data = _zip({"agent.py": RANDOM_AGENT})
    first = site.upload(data).json()
    site.validator.validate_next()
    site.client.post(f"/api/admin/submissions/{first['id']}/disqualify", headers=boss, json={"reason": "copied"})
    for token in (site.alice_token, site.bob_token):  # its author again, or someone else with its zip
        again = site.upload(data, token=token)
        assert again.status_code == 409 and "disqualified" in again.json()["error"], again.text

    # Another participant's retired version: taking it would put another name on its entrant.
    older = site.upload(_zip({"agent.py": RANDOM_AGENT + "# 1\n"})).json()
    site.validator.validate_next()
    site.store.set_status(older["id"], RETIRED)
    taken = site.upload(_zip({"agent.py": RANDOM_AGENT + "# 1\n"}), token=site.bob_token)
    assert taken.status_code == 409 and "another participant's" in taken.json()["error"]
    # Its author may bring it back.
    assert site.upload(_zip({"agent.py": RANDOM_AGENT + "# 1\n"})).status_code == 201
    site.validator.validate_next()
    results = ResultsStore(site.db)
    assert [e.digest for e in results.entrants(active_only=True)] == [older["digest"]]
    results.close()


def test_content_disqualified_in_any_copy_never_plays_again_even_from_an_upload_already_waiting(tmp_path):
    site = Site(tmp_path, UploadLimits(max_active=1))
    evil = _zip({"agent.py": RANDOM_AGENT + "# evil\n"})

    def validated(data: bytes) -> int:
        number = site.upload(data).json()["id"]
        while site.validator.validate_next():
            pass
        return number

    validated(evil)
    validated(_zip({"agent.py": RANDOM_AGENT + "# other\n"}))  # retires the first
    comeback = validated(evil)  # one's own retired content may come back: the same entrant
    validated(_zip({"agent.py": RANDOM_AGENT + "# third\n"}))  # retires the comeback
    waiting = site.upload(evil).json()["id"]  # queued before the organiser acts
    site.app.state.competition.disqualify(comeback, "cheats")
    while site.validator.validate_next():
        pass
    refused = site.store.submission(waiting)
    assert refused.status == REFUSED and f"identical to submission {comeback}, which was disqualified" in refused.reason
    results = ResultsStore(site.db)
    entrant = [e for e in results.entrants() if e.id == site.store.submission(comeback).entrant_id]
    results.close()
    assert [e.active for e in entrant] == [False]


def test_retiring_never_overwrites_a_disqualification_and_disqualified_files_stay(tmp_path):
    site = Site(tmp_path, UploadLimits(max_active=1))
    first = site.upload(_zip({"agent.py": RANDOM_AGENT + "# first\n"})).json()["id"]
    site.validator.validate_next()
    site.upload(_zip({"agent.py": RANDOM_AGENT + "# second\n"}))
    listed = site.store.submissions

    def disqualified_as_they_are_read(*args, **kwargs):  # the organiser acts between the read and the write
        found = listed(*args, **kwargs)
        site.app.state.competition.disqualify(first, "cheats")
        return found

    site.store.submissions = disqualified_as_they_are_read
    site.validator.validate_next()
    site.store.submissions = listed
    kept = site.store.submission(first)
    assert kept.status == "disqualified" and Path(kept.folder).is_dir()
    with Tournament(site.db, Settings(seed=0, env="othello", max_steps=4)) as tournament:
        remove_retired_files(site.store, tournament.store)
    assert Path(site.store.submission(first).folder).is_dir()  # evidence for the organiser


def test_identical_uploads_that_crossed_are_one_entrant_of_the_first_participant(site):
    # Both uploads checked before either was stored: validation still refuses the second.
    first = site.upload(_zip({"agent.py": RANDOM_AGENT})).json()
    bob = site.store.participant_for_token(site.bob_token)
    crossed = site.store.add_submission(bob.id, "random", first["digest"], site.store.submission(first["id"]).folder)
    assert site.validator.validate_next() and site.validator.validate_next()
    assert site.store.submission(first["id"]).status == ACTIVE
    second = site.store.submission(crossed.id)
    assert second.status == REFUSED and "identical to another participant's" in second.reason


def test_the_scheduler_plays_nothing_while_paused(site):
    site.enter_two()
    site.store.set_paused(True)
    with Tournament(site.db, Settings(seed=0, env="othello", max_steps=4)) as tournament:
        scheduler = Scheduler(tournament, Backend(), batch_games=2, paused=site.store.paused)
        assert scheduler.tick() == 0
        assert tournament.store.schedule() == []
        site.store.set_paused(False)
        assert scheduler.tick() == 2
        assert len(tournament.store.results()) == 2


# --- continuous play ------------------------------------------------------------------------------


def test_the_scheduler_places_a_newcomer_then_plays_the_least_certain_pairs_with_seats_swapped(site):
    site.enter_two()
    with Tournament(site.db, Settings(seed=0, env="othello", max_steps=12)) as tournament:
        scheduler = Scheduler(tournament, Backend(), batch_games=4, placement_games=4)
        first = scheduler.plan()
        assert len(first) == 4
        assert [seats for _, _, seats in first[:2]] in ([(1, 2), (2, 1)], [(2, 1), (1, 2)])
        recorded = 0
        while recorded < 12:
            recorded += scheduler.step()
        results = tournament.store.results()
        assert len(results) == len({m.match_id for m in results}) == len(tournament.store.schedule())
        firsts = [m.seats[0].entrant_id for m in results]
        assert firsts.count(1) == firsts.count(2)  # every pairing is played from both seats
    board = site.client.get("/api/leaderboard").json()
    assert board["games"] == recorded
    assert {row["participant"] for row in board["rows"]} == {"alice", HOSTILE_NAME}
    assert all(row["rating"] is not None for row in board["rows"])


def test_ratings_are_built_once_for_all_who_ask_and_pages_of_one_game_do_not_wait_for_them(site, monkeypatch):
    import arena.leaderboard.table as table
    from arena.serve import competition as competition_module

    site.upload(_zip({"agent.py": RANDOM_AGENT}))
    site.play(2)
    competition = site.app.state.competition
    built, build = [], table.build
    monkeypatch.setattr(table, "build", lambda store: built.append(1) or build(store))
    now = [1000.0]
    monkeypatch.setattr(competition_module.time, "monotonic", lambda: now[0])
    competition._built = competition._table = None
    answers = [site.client.get(path).json() for path in ("/api/results", "/api/leaderboard", "/api/results")]
    assert len(built) == 1 and answers[0] == answers[2] and answers[0]["matches"] == 2
    now[0] += competition_module.LEADERBOARD_CACHE_SECONDS
    site.client.get("/api/results")
    assert len(built) == 2
    competition._built = (now[0], 10.0, competition._built[2])  # a build that took 10 s is kept 40 s
    now[0] += 39.0
    site.client.get("/api/results")
    assert len(built) == 2
    with competition._board_lock:  # a build under way
        assert site.client.get("/games/1").status_code == 200 and site.client.get("/games/2/replay.json").status_code == 200


def test_submission_and_game_pages_with_the_replay_player(site):
    agent = 'print("my private log line")\nraise RuntimeError("my private reason")\n'
    refused = site.upload(_zip({"agent.py": agent})).json()
    site.play(2)
    board = site.client.get("/api/leaderboard").json()
    random_row = next(row for row in board["rows"] if row["name"] == "random")
    page = site.client.get(f"/submissions/{random_row['submission']}").text
    assert "alice" in page and 'href="/games/1"' in page and 'href="/games/2"' in page
    # Each seat with its participant: two participants' submissions may share a name.
    assert page.count("random (alice) vs greedy (&lt;img src=x onerror=alert(1)&gt;)") + page.count(
        "greedy (&lt;img src=x onerror=alert(1)&gt;) vs random (alice)") == 2
    private = site.client.get(f"/submissions/{refused['id']}").text
    assert "refused" in private and "my private" not in private  # reasons and logs are the owner's alone

    game = site.client.get("/games/1").text
    assert '<script src="/static/replay.js">' in game and "&lt;img src=x onerror=alert(1)&gt;" in game
    assert "(cut short at --max-steps 16: unfinished, scored by the rewards given so far)" in game  # not played out
    frames = site.client.get("/api/games/1/frames").json()
    assert frames["size"] == 8 and frames["frames"][0] == "-" * 27 + "OX" + "-" * 6 + "XO" + "-" * 27 + " X"
    assert len(frames["frames"]) == 17  # the start and one position a step (max_steps=16)
    replay = site.client.get("/games/1/replay.json")
    assert replay.status_code == 200 and replay.json()["env"] == "othello"
    for missing in ("/games/99", "/games/99/replay.json", "/submissions/99"):
        assert site.client.get(missing).status_code == 404
    assert site.client.get("/api/games/99/frames").status_code == 404
    past_any_id = 2 ** 63  # past the databases' ids: names nothing, as any other
    for path in ("/games/{}", "/games/{}/replay.json", "/games/{}/video.mp4", "/api/games/{}/frames", "/submissions/{}",
                 "/participants/{}", "/api/submissions/{}"):
        assert site.client.get(path.format(past_any_id), headers={"Authorization": f"Bearer {site.alice_token}"}
                               ).status_code == 404, path


def test_each_participant_has_a_public_page_of_their_submissions(site):
    site.play(2)
    rows = site.client.get("/api/leaderboard").json()["rows"]
    hostile = next(row for row in rows if row["participant"] == HOSTILE_NAME)
    assert f'href="/participants/{hostile["participant_id"]}"' in site.client.get("/").text
    page = site.client.get(f"/participants/{hostile['participant_id']}").text
    assert f'href="/submissions/{hostile["submission"]}"' in page and "active" in page
    assert HOSTILE_NAME not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert hostile["rating_text"] in page and site.bob_token not in page
    submission = site.client.get(f"/submissions/{hostile['submission']}").text
    assert f'href="/participants/{hostile["participant_id"]}"' in submission
    assert site.client.get("/participants/99").status_code == 404


def test_a_retired_submission_keeps_its_games_and_last_rating_on_its_pages(tmp_path, monkeypatch):
    from arena.serve import competition as serve_competition

    monkeypatch.setattr(serve_competition, "LEADERBOARD_CACHE_SECONDS", 0.0)
    site = Site(tmp_path, UploadLimits(max_active=1))
    site.play(4)
    first = site.client.get("/api/leaderboard").json()["rows"]
    mine = next(row for row in first if row["participant"] == "alice")
    assert mine["games"] == 4
    assert site.upload(_zip({"agent.py": RANDOM_AGENT + "# newer\n"})).status_code == 201
    while site.validator.validate_next():
        pass
    assert site.store.submission(mine["submission"]).status == RETIRED
    assert mine["submission"] not in [row["submission"] for row in site.client.get("/api/leaderboard").json()["rows"]]

    shown = site.app.state.competition.participant_page(site.alice.id)["submissions"]
    retired = next(s for s in shown if s["id"] == mine["submission"])
    assert retired["row"]["games"] == 4 and retired["row"]["rating_text"] == mine["rating_text"]
    page = site.client.get(f"/participants/{site.alice.id}").text
    assert re.search(r'retired</span></td>\s*<td class="num">' + re.escape(mine["rating_text"]), page)
    assert site.app.state.competition.submission_page(mine["submission"])["row"]["games"] == 4


CHATTY_AGENT = """
import os

from arena.agents import Agent

if "STARTED" not in os.environ:  # once a process (its module runs every game): its output tells the sandboxes apart
    os.environ["STARTED"] = "1"
    print("a sandbox started", flush=True)


class SubmittedAgent(Agent):
    def predict(self, obs):
        return int(obs["action_mask"].nonzero()[0][0])
"""


def test_the_servers_workers_and_their_sandboxes_stay_up_from_batch_to_batch(site, write_submission):
    from arena.serve.client import zip_folder
    from arena.tournament.runner import ProcessPoolBackend

    for name, token in (("chatty", site.alice_token), ("talkative", site.bob_token)):
        agent = write_submission(name, CHATTY_AGENT + f"# {name}'s\n")  # the same file twice is refused
        assert site.upload(zip_folder(agent), token=token).status_code == 201
    while site.validator.validate_next():
        pass
    backend = ProcessPoolBackend(2)
    with Tournament(site.db, Settings(env="othello", max_steps=8, seed=0)) as tournament:
        scheduler = Scheduler(tournament, backend, batch_games=8)
        try:
            assert scheduler.step() == 8
            started = sorted(tournament.log_dir.glob("*.log"))  # one output file per sandbox started
            assert started
            assert scheduler.step() == 8
            assert sorted(tournament.log_dir.glob("*.log")) == started
            assert all(log.read_text() == "a sandbox started\n" for log in started)
        finally:
            backend.close()


def test_the_server_plays_through_ray_as_through_its_own_process(tmp_path):
    pytest.importorskip("ray", reason="the Ray backend is tested where the ray extra is installed")
    from arena.tournament.runner import RayBackend

    tables = []
    for name, backend in (("here", Backend()), ("ray", RayBackend(2, None))):
        site = Site(tmp_path / name)
        try:
            site.enter_two()
            with Tournament(site.db, Settings(env="othello", max_steps=8, seed=1)) as tournament:
                assert Scheduler(tournament, backend, batch_games=6).step() == 6
                tables.append([(r.match_id, r.seed, r.outcome, [(s.name, s.score, s.status) for s in r.seats])
                               for r in tournament.store.results()])
        finally:
            site.client.close()
            site.app.state.competition.close()
            site.store.close()
    assert tables[0] == tables[1] and len(tables[0]) == 6


def test_a_competition_of_a_game_of_more_seats_serves_and_is_continuous_play(tmp_path):
    from arena.tournament import CONTINUOUS, Tournament

    port = free_port()
    command = [sys.executable, "-m", "arena.cli", "serve", "--env", "snake", "--db", str(tmp_path / "snakes.sqlite"),
               "--port", str(port), "--allow-weak-sandbox"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)

    def listening():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            assert process.poll() is None, process.stdout.read()
            return False

    try:
        wait_for(listening, 120, "the snake competition's server to listen")
    finally:
        stop(process)
    with Tournament(tmp_path / "snakes.sqlite") as stored:  # what the leaderboard shows: not a round robin
        assert stored.settings.format == CONTINUOUS and stored.extend_schedule() == 0


def test_a_server_killed_during_play_loses_and_repeats_no_game(tmp_path):
    from arena.serve.client import submit

    db = tmp_path / "competition.sqlite"
    tokens = [arena_command("serve", "users", "add", name, "--db", str(db)).stdout.strip().splitlines()[-1]
              for name in ("alice", "bob")]  # a participant's own entrants do not meet
    port = free_port()
    server = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "arena.cli", "serve", "--env", "othello", "--db", str(db), "--port", str(port),
               "--workers", "2", "--max-steps", "30", "--allow-weak-sandbox"]

    def start() -> subprocess.Popen:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True, cwd=tmp_path)

        def listening():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                assert process.poll() is None, "the server exited"
                return False

        wait_for(listening, 120, "the server to listen")
        return process

    def counts() -> tuple[set[int], list[int], set[int]]:
        with sqlite3.connect(db, timeout=30) as connection:
            scheduled = {row[0] for row in connection.execute("SELECT match_id FROM schedule WHERE cancelled = 0")}
            recorded = [row[0] for row in connection.execute("SELECT match_id FROM results")]
            seat_rows = {row[0] for row in connection.execute("SELECT match_id FROM result_seats")}
        return scheduled, recorded, seat_rows

    first = start()
    try:
        for name, token in zip(("random", "greedy"), tokens):
            submit(REPO / "submissions" / name, server, token)
        wait_for(lambda: len(counts()[1]) >= 6 and len(counts()[0]) > len(counts()[1]), 300,
                  "games to be recorded while others wait")
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    scheduled_before, recorded_before, _ = counts()
    assert scheduled_before - set(recorded_before)  # the kill left unplayed games in the queue

    second = start()
    try:
        wait_for(lambda: scheduled_before <= set(counts()[1]), 300, "the games scheduled before the kill")
    finally:
        stop(second)
    scheduled, recorded, seat_rows = counts()
    assert len(recorded) == len(set(recorded))
    assert set(recorded) <= scheduled and set(recorded) == seat_rows
    assert set(recorded_before) <= set(recorded)
    replays = sorted((db.parent / "competition-replays").glob("*.json"))
    assert sorted(int(p.name.split("-")[0]) for p in replays) == sorted(recorded)
    for path in replays[:3]:
        assert json.loads(path.read_text())["env"] == "othello"


def test_a_reload_after_a_form_sends_nothing_again(site):
    # The answer to an upload or an organiser's form was a page at the form's address: reloading it (to see
    # the submission's validation, say) asked to send the form again, and sending it uploaded again.
    csrf = site.log_in()
    files = {"file": ("agent.zip", _zip({"agent.py": RANDOM_AGENT}), "application/zip")}
    answer = site.client.post("/upload", data={"csrf": csrf}, files=files, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/me?received=1"
    page = site.client.get(answer.headers["location"])
    assert "Submission #1 received" in page.text and '<a href="/submissions/1">#1 ' in page.text
    assert len(site.store.submissions()) == 1

    _, organiser_token = site.store.add_participant("the organiser", organiser=True)
    csrf = site.log_in(organiser_token)
    paused = site.client.post("/admin/pause", data={"csrf": csrf}, follow_redirects=False)
    page = site.client.get(paused.headers["location"]).text
    assert paused.status_code == 303 and "Play paused." in page
    assert "Play is <strong>paused</strong>" in page and "paused by the organiser" not in page  # said once
    gone = site.client.post("/admin/disqualify", data={"csrf": csrf, "submission": "1", "reason": "copied"},
                            follow_redirects=False)
    assert gone.status_code == 303 and "Submission 1 disqualified." in site.client.get(gone.headers["location"]).text
    refused = site.client.post("/admin/disqualify", data={"csrf": csrf, "submission": "99"})
    assert refused.status_code == 404 and '<p class="error">No submission 99.</p>' in refused.text  # not shown as done


def test_pages_fit_a_phone_and_name_their_fields(site):
    site.play(2)
    site.log_in()
    for path in ("/", "/me", "/submissions/1", "/participants/1", "/games/1"):
        page = site.client.get(path).text
        assert '<link rel="icon"' in page  # no request for a missing /favicon.ico, an error in the console
        assert page.count("<table>") == page.count('<div class="scroll"><table>')  # a wide table scrolls in its box
    assert re.search(r"<label>[^<]*<input type=\"file\"", site.client.get("/me").text)
    _, organiser_token = site.store.add_participant("the organiser", organiser=True)
    site.log_in(organiser_token)
    admin = site.client.get("/admin").text
    assert 'aria-label="why submission 1 is disqualified"' in admin and '<a href="/submissions/1">' in admin


def test_an_unknown_address_gets_the_site_s_page_and_the_api_json(site):
    page = site.client.get("/leaderbord")
    assert page.status_code == 404 and "<nav>" in page.text and "There is no such page" in page.text
    answer = site.client.get("/api/leaderbord")
    assert answer.status_code == 404 and "error" in answer.json()


def test_a_game_names_its_seats_as_its_page_does_not_by_name_and_hash(site):
    site.play(2)
    page = site.client.get("/games/1").text
    assert not re.search(r"\w@[0-9a-f]{8}", page)
    players = site.client.get("/api/games/1/frames").json()["players"]
    assert sorted(p["name"] for p in players) == sorted([f"greedy ({HOSTILE_NAME})", "random (alice)"])


def test_an_upload_too_large_for_the_form_says_it_was_refused(tmp_path):
    from arena.serve.uploads import UploadLimits

    small = Site(tmp_path, limits=UploadLimits(max_bytes=1 << 20))
    csrf = small.log_in()
    files = {"file": ("agent.zip", b"x" * (2 << 20), "application/zip")}
    answer = small.client.post("/upload", data={"csrf": csrf}, files=files)
    assert answer.status_code == 413 and "Upload refused: the upload is larger than 1 MiB" in answer.text
