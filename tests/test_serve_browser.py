"""arena serve's pages in a real browser (Debian's headless Chromium): the leaderboard refreshes
itself from the API without a reload, and the replay player draws a game's positions.

Needs `/usr/bin/chromium` (Debian package `chromium`) and the [serve] extra; skipped otherwise.
"""

import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import Site, free_port, wait_for

pytest.importorskip("uvicorn", reason="arena serve needs its extra: pip install -e '.[serve]'")
pytest.importorskip("httpx", reason="the test client needs httpx: pip install -e '.[test]'")

import uvicorn  # noqa: E402

from arena.serve import competition as serve_competition  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)")


def dump_dom(tmp_path: Path, url: str, virtual_ms: int) -> str:
    """The page's DOM after `virtual_ms` of the page's own (virtual) time, scripts run."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'chromium-profile'}", f"--virtual-time-budget={virtual_ms}",
               "--dump-dom", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A competition with two games played, served over HTTP on a free port; its Site and address."""
    monkeypatch.setattr(serve_competition, "LEADERBOARD_CACHE_SECONDS", 0.0)
    site = Site(tmp_path)
    site.play(2)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, 60, "the server to start")
    yield site, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(30)


def test_the_leaderboard_refreshes_itself_without_a_reload(served, tmp_path, monkeypatch):
    site, address = served
    competition = site.app.state.competition
    real = competition._leaderboard
    calls = []

    def changing(rated):  # the page shows the first answer; the script's fetch gets a later one
        calls.append(time.monotonic())
        board = real(rated)
        if len(calls) > 1:
            board = {**board, "summary": "refreshed by the script",
                     "rows": [{**board["rows"][0], "name": "<b>arrived later</b>"}] + board["rows"]}
        return board

    monkeypatch.setattr(competition, "_leaderboard", changing)
    dom = dump_dom(tmp_path, f"{address}/", 7000)
    assert "refreshed by the script" in dom
    assert "&lt;b&gt;arrived later&lt;/b&gt;" in dom and "<b>arrived" not in dom
    assert len(re.findall(r'href="/submissions/\d+"', dom)) == 3


def test_the_replay_player_draws_the_start_and_a_linked_position(served, tmp_path):
    site, address = served
    start = dump_dom(tmp_path, f"{address}/games/1", 3000)
    assert len(re.findall(r'class="cell"', start)) == 64
    assert start.count("\u25cf") + start.count("\u25cb") == 4  # the four stones of the start
    assert "position 0 of 16" in start
    later = dump_dom(tmp_path, f"{address}/games/1#position-16", 3000)
    frames = site.client.get("/api/games/1/frames").json()["frames"]
    final = frames[16].split(" ")[0]
    assert later.count("\u25cf") == final.count("X") and later.count("\u25cb") == final.count("O")
    assert "position 16 of 16" in later


def test_the_replay_player_says_whose_move_it_is_and_how_the_game_ended(served, tmp_path):
    # It said "X to move", a letter the page shows nowhere (its stones are black and white discs), and the
    # last position said whose move it was after the game had ended.
    _, address = served
    start = dump_dom(tmp_path, f"{address}/games/1", 3000)
    assert re.search(r"position 0 of 16 \u00b7 black to move: \S+ \(", start)
    assert 'id="first"' in start and 'id="last"' in start
    end = dump_dom(tmp_path, f"{address}/games/1#position-16", 3000)
    assert "position 16 of 16 \u00b7 the end" in end and "to move" not in end
