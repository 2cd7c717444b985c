"""arena serve end to end in a real browser: Playwright driving Debian's headless Chromium against a
running `arena serve` logs in, uploads a submission through the page, sees it validated and rated
on the leaderboard (which refreshes itself), opens one of its games and steps its replay player.

Needs Playwright (pip install playwright; no browser download: it drives /usr/bin/chromium) and
Debian's `chromium`; skipped where either is missing.
"""

import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, arena_command, free_port, stop, wait_for

pytest.importorskip("uvicorn", reason="arena serve needs its extra: pip install -e '.[serve]'")
playwright = pytest.importorskip("playwright.sync_api", reason="needs Playwright: pip install playwright")

from arena.serve.client import submit, zip_folder  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)")
WAIT_MS = 180_000  # for validation and play on a busy machine


@pytest.fixture
def server(tmp_path):
    """A running `arena serve` with two participants, greedy already uploaded by the second."""
    db = tmp_path / "competition.sqlite"
    alice = arena_command("serve", "users", "add", "alice", "--db", str(db)).stdout.strip().splitlines()[-1]
    rival = arena_command("serve", "users", "add", "rival", "--db", str(db)).stdout.strip().splitlines()[-1]
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "arena.cli", "serve", "--env", "othello", "--db", str(db), "--port", str(port),
         "--workers", "2", "--max-steps", "20", "--placement-games", "4", "--allow-weak-sandbox"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, cwd=tmp_path)

    def listening():
        assert process.poll() is None, "the server exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    try:
        wait_for(listening, 120, "the server to listen")
        address = f"http://127.0.0.1:{port}"
        submit(REPO / "submissions" / "greedy", address, rival)
        yield address, alice
    finally:
        stop(process)


def test_upload_through_the_page_then_watch_a_rated_game(server, tmp_path):
    address, token = server
    upload = tmp_path / "my_random.zip"
    upload.write_bytes(zip_folder(REPO / "submissions" / "random"))
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.set_default_timeout(WAIT_MS)

        page.goto(f"{address}/login")
        page.fill("input[name=token]", token)
        page.click("button[type=submit]")
        page.wait_for_url(f"{address}/me")
        page.set_input_files("input[name=file]", str(upload))
        page.click("button:text('Upload')")
        page.wait_for_selector("text=is being validated")

        for _ in range(WAIT_MS // 2000):  # the participant reloads their page until validation is done
            if page.locator("section .active").count():
                break
            page.wait_for_timeout(2000)
            page.reload()
        assert page.locator("section .active").count() == 1, page.content()

        page.goto(f"{address}/")  # no reload from here on: the table fills in by itself
        page.wait_for_function(
            """() => [...document.querySelectorAll('#rows tr')].some(row =>
                   row.cells[1].textContent === 'alice' && row.cells[3].textContent.trim() !== '')""")
        page.click("#rows a:text('random')")
        page.wait_for_selector("a[href^='/games/']")
        page.click("a[href^='/games/']")
        page.wait_for_selector("#board .cell")
        assert page.locator("#board .cell").count() == 64
        assert re.fullmatch(r"position 0 of \d+.*", page.text_content("#position"))
        stones = page.locator("#board .cell:not(:empty)").count()
        assert stones == 4
        page.click("#forward")
        assert page.text_content("#position").startswith("position 1 of")
        assert page.locator("#board .cell:not(:empty)").count() == 5  # a move adds one stone
        page.click("#back")
        assert page.text_content("#position").startswith("position 0 of")
        page.locator("#scrub").fill("3")
        assert page.text_content("#position").startswith("position 3 of")
        page.click("#play")
        page.wait_for_function("() => document.getElementById('play').textContent === 'play'")  # played to the end
        last = page.get_attribute("#scrub", "max")
        assert page.text_content("#position").startswith(f"position {last} of {last}")
        browser.close()
