"""The leaderboard website in a real browser: Debian's headless Chromium, from file:// and over HTTP.

Needs `/usr/bin/chromium` (Debian package `chromium`); skipped where it is not installed.
"""

import functools
import http.server
import re
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import othello_store
from PIL import Image

from arena.leaderboard import build, write_site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)")

ACCENT_SOFT = (0xBF, 0xD4, 0xFB)  # the interval bars of the ratings plot
HEADER = (0x1E, 0x29, 0x3B)  # the page header's background


def chromium(tmp_path: Path, url: str, *action: str) -> str:
    """Run headless Chromium on `url` with `action` (--screenshot=... or --dump-dom); its stdout."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", "--autoplay-policy=no-user-gesture-required",
               f"--user-data-dir={tmp_path / 'chromium-profile'}", *action, url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site of a small real Othello round robin, the most recent match with a video."""
    folder = tmp_path_factory.mktemp("browser")
    write_site(build(othello_store(folder)), folder / "site", videos=1)
    return folder / "site"


def screenshot(tmp_path: Path, url: str, size: str) -> np.ndarray:
    path = tmp_path / "shot.png"
    chromium(tmp_path, url, f"--screenshot={path}", f"--window-size={size}")
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def bands(mask: np.ndarray) -> list[tuple[int, int]]:
    """The runs of consecutive True rows of a per-row mask, as (first, last)."""
    rows = np.flatnonzero(mask)
    if not len(rows):
        return []
    breaks = np.flatnonzero(np.diff(rows) > 1)
    starts, ends = np.r_[rows[0], rows[breaks + 1]], np.r_[rows[breaks], rows[-1]]
    return list(zip(starts.tolist(), ends.tolist()))


def test_the_front_page_renders_the_table_plot_and_matrix(site, tmp_path):
    url = (site / "index.html").as_uri()
    dom = chromium(tmp_path, url, "--dump-dom")
    table = dom.split('<table class="leaderboard">')[1].split("</table>")[0]
    assert len(re.findall(r'<tr class="top\d">', table)) == 3
    assert {"greedy", "random", "random_b"} == set(re.findall(r'<td class="entrant">([^<]+)</td>', table))
    assert dom.count('<rect class="interval"') == 3 and dom.count('<circle class="point"') == 3
    assert len(re.findall(r'<td class="cell" style="background', dom)) == 6

    pixels = screenshot(tmp_path, url, "1280,1900")
    assert pixels.std() > 30 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200  # not a blank page
    header_rows = bands((np.abs(pixels - HEADER).sum(axis=2) < 6).mean(axis=1) > 0.5)
    assert header_rows and header_rows[0][0] == 0 and header_rows[0][1] > 80  # the dark header on top
    bar_pixels = (np.abs(pixels - ACCENT_SOFT).sum(axis=2) < 12).sum(axis=1) > 20
    bars = bands(bar_pixels)
    assert len(bars) == 3 and all(6 <= last - first + 1 <= 14 for first, last in bars)  # one bar per entrant


def test_a_match_page_plays_its_video_and_others_show_moves_over_http(site, tmp_path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        newest = max(int(p.stem) for p in (site / "matches").glob("*.html"))
        pixels = screenshot(tmp_path, f"{base}/matches/{newest:06d}.html", "1000,1100")
        board_green = (pixels[:, :, 1] > pixels[:, :, 0] + 40) & (pixels[:, :, 1] > pixels[:, :, 2] + 30)
        assert board_green.sum() > 50_000  # the video's first frame: the Othello board is on screen
        dom = chromium(tmp_path, f"{base}/matches/000001.html", "--dump-dom")
        assert "<video" not in dom and "arena replay replays/000001.json --video 000001.mp4" in dom
        assert len(re.findall(r"<tr><td class=\"?num\"?>\d+</td>", dom)) > 20  # the move list
        matches = chromium(tmp_path, f"{base}/matches.html", "--dump-dom")
        assert matches.count('class="watch"') == 6 and matches.count("▶ video") == 1
    finally:
        server.shutdown()
        server.server_close()
