"""arena serve's game players beyond the board games, and the rating history of a submission's page.

Tiny competitions of snake, the cart-pole relay and the fighting game (random agents, a few
steps) are recorded straight into a results store and served: the frames the browser's player
draws are the states of the re-simulated game, the fighting game's video is rendered once,
cached beside its replay and served as mp4, and a submission's page plots its rating after each
of its games. The last test drives headless Chromium (skipped without it) through the canvas
players.
"""

import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import HOSTILE_NAME, free_port, wait_for

pytest.importorskip("starlette", reason="arena serve needs its extra: pip install -e '.[serve]'")
pytest.importorskip("httpx", reason="the test client needs httpx: pip install -e '.[test]'")

from arena import replay  # noqa: E402
from arena.serve import games  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Tiny:
    """A competition of `env` with games already recorded (random agents), served by a test client."""

    def __init__(self, folder: Path, env: str, options: dict, seats: int, games_played: int = 1,
                 max_steps: int = 40, entrants: int | None = None):
        import warnings

        from arena.agents import RandomAgent
        from arena.envs import make
        from arena.handle import LocalAgent
        from arena.match import play_match
        from arena.serve.app import ServeConfig, create_app
        from arena.serve.store import ACTIVE, CompetitionStore
        from arena.tournament.store import ResultsStore

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient

        self.folder, self.db = folder, folder / "competition.sqlite"
        results = ResultsStore(self.db)
        results.save_settings({"env": env, "env_options": options})
        competition = CompetitionStore(self.db)
        owner, _ = competition.add_participant(HOSTILE_NAME)
        self.submissions = []
        for number in range(entrants or seats):
            name = f"<b>bot{number}</b>&"
            entrant = results.register(name, f"{number:064d}", f"/subs/{number}", f"/archive/{number}")[0]
            submission = competition.add_submission(owner.id, name, f"{number:064d}", f"/subs/{number}")
            competition.finish_validation(submission.id, ACTIVE, "", "", entrant.id)
            self.submissions.append((submission.id, entrant.id))
        ids = [entrant for _, entrant in self.submissions]
        results.add_to_schedule([(g, 100 + g, tuple(ids[(g + k) % len(ids)] for k in range(seats)))
                                 for g in range(games_played)])
        self.results = []
        for match in results.schedule():
            seated = [LocalAgent(RandomAgent(), name=f"<b>bot{e - 1}</b>&") for e in match.seats]
            result = play_match(make(env, **options), seated, match.seed, max_steps=max_steps)
            path = replay.save(result, folder / "replays" / f"{match.match_id:06d}-{env}.json")
            results.record(match, result, str(path))
            self.results.append((result, path))
        results.close()
        competition.close()
        self.app = create_app(ServeConfig(self.db, env))
        self.client = TestClient(self.app, base_url="http://testserver")


def test_snake_frames_are_the_re_simulated_grid_step_by_step(tmp_path):
    tiny = Tiny(tmp_path, "snake", {"num_snakes": 3, "height": 9, "width": 11, "num_fruits": 3}, 3)
    result, path = tiny.results[0]
    page = tiny.client.get("/games/1").text
    assert '<script src="/static/replay.js">' in page and 'data-frames="/api/games/1/frames"' in page
    answer = tiny.client.get("/api/games/1/frames")
    assert answer.status_code == 200
    data = answer.json()
    assert (data["player"], data["height"], data["width"]) == ("snake", 9, 11)
    # Each seat as the game's page names it: its submission, then its participant.
    assert [p["name"].startswith(f"<b>bot{i}</b>& (") for i, p in enumerate(data["players"])] == [True] * 3
    assert len(data["frames"]) == result.steps + 1  # the start, then one state a step

    grids = []  # the game's own text picture: 'A' heads, 'a' bodies, '*' fruit
    replay.resimulate(replay.load(path), on_step=lambda env: grids.append(env.render()), render_mode="ansi")
    assert len(grids) == len(data["frames"])
    for frame, grid in zip(data["frames"], grids):
        assert _snake_text(frame, 9, 11) == grid
        for seat, body in enumerate(frame["snakes"]):
            if frame["alive"][seat]:
                assert len(body) == frame["length"][seat]
                rows_cols = [divmod(cell, 11) for cell in body]  # head to tail, each cell next to the one before
                assert all(abs(r - s) + abs(c - d) == 1 for (r, c), (s, d) in zip(rows_cols, rows_cols[1:]))
            else:
                assert body == []


def _snake_text(frame: dict, height: int, width: int) -> str:
    cells = ["."] * (height * width)
    for cell in frame["fruit"]:
        cells[cell] = "*"
    for seat, body in enumerate(frame["snakes"]):
        for k, cell in enumerate(body):
            cells[cell] = chr(ord("A" if k == 0 and frame["alive"][seat] else "a") + seat)
    wall = "#" * (width + 2)
    return "\n".join([wall, *("#" + "".join(cells[r * width:(r + 1) * width]) + "#" for r in range(height)), wall])


def test_relay_frames_follow_the_cart_the_pole_and_the_baton(tmp_path):
    tiny = Tiny(tmp_path, "cartpole_relay", {"num_players": 3, "leg_length": 4}, 3, max_steps=60)
    result, path = tiny.results[0]
    data = tiny.client.get("/api/games/1/frames").json()
    header = (data["player"], data["mode"], data["leg_length"], data["track"], data["pole"])
    assert header == ("relay", "relay", 4, 2.4, 1.0)
    assert len(data["frames"]) == result.steps + 1
    states = []
    replay.resimulate(replay.load(path), on_step=lambda env: states.append(
        (env.unwrapped.state.copy(), env.unwrapped.baton, env.unwrapped.last_action, env.unwrapped.credits.tolist())))
    assert len(states) == len(data["frames"])
    for step, (frame, (state, baton, action, credits)) in enumerate(zip(data["frames"], states)):
        assert frame["x"] == pytest.approx(float(state[0]), abs=1e-5)
        assert frame["angle"] == pytest.approx(float(state[2]), abs=1e-5)
        assert frame["baton"] == baton == (step // 4) % 3
        assert (frame["action"], frame["credits"]) == (action, credits)
    assert data["frames"][0]["action"] is None and data["frames"][0]["credits"] == [0, 0, 0]
    assert sum(data["frames"][-1]["credits"]) in (result.steps, result.steps - 1)  # the fall's step is no one's


def test_the_fighting_game_is_shown_as_a_video_rendered_once_and_cached(tmp_path, monkeypatch):
    if games.video_problem():
        pytest.skip(games.video_problem())
    from arena import video

    tiny = Tiny(tmp_path, "fighting", {}, 2, max_steps=30)
    _, path = tiny.results[0]
    page = tiny.client.get("/games/1").text
    assert '<video id="video"' in page and 'src="/games/1/video.mp4"' in page and "/static/replay.js" not in page
    assert tiny.client.get("/api/games/1/frames").status_code == 404  # no drawn player: the video stands for it

    renders = []
    real = video.record

    def counted(*args, **kwargs):
        renders.append(args[1])
        time.sleep(0.5)  # long enough for the second request to arrive during the render
        return real(*args, **kwargs)

    monkeypatch.setattr(video, "record", counted)
    answers = []
    requests = [threading.Thread(target=lambda: answers.append(tiny.client.get("/games/1/video.mp4")))
                for _ in range(2)]
    for request in requests:
        request.start()
    for request in requests:
        request.join(120)
    assert [a.status_code for a in answers] == [200, 200] and len(renders) == 1
    cached = path.with_suffix(".mp4")
    assert cached == tmp_path / "replays" / "000001-fighting.mp4" and cached.is_file()
    assert sorted(p.name for p in cached.parent.iterdir()) == ["000001-fighting.json", "000001-fighting.mp4"]
    for answer in answers:
        assert answer.headers["content-type"] == "video/mp4"
        assert answer.content == cached.read_bytes() and answer.content[4:8] == b"ftyp"
    again = tiny.client.get("/games/1/video.mp4", headers={"Range": "bytes=0-99"})
    assert again.status_code == 206 and len(again.content) == 100 and len(renders) == 1


def test_requests_for_videos_past_what_the_server_renders_at_once_are_answered_503(tmp_path, monkeypatch):
    if games.video_problem():
        pytest.skip(games.video_problem())
    from arena import video

    tiny = Tiny(tmp_path, "fighting", {}, 2, max_steps=5)
    monkeypatch.setattr(games, "_render_waiters", threading.BoundedSemaphore(1))
    rendering, finish = threading.Event(), threading.Event()
    real = video.record

    def held(*args, **kwargs):  # a render that takes its time
        rendering.set()
        finish.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(video, "record", held)
    first = []
    request = threading.Thread(target=lambda: first.append(tiny.client.get("/games/1/video.mp4")))
    request.start()
    try:
        assert rendering.wait(60)
        answer = tiny.client.get("/games/1/video.mp4")  # it would have waited on a thread of the server
        assert answer.status_code == 503 and "busy rendering other videos" in answer.text
    finally:
        finish.set()
        request.join(120)
    assert first[0].status_code == 200


def test_without_ffmpeg_the_game_page_and_the_video_say_why(tmp_path, monkeypatch):
    import imageio_ffmpeg

    def missing():
        raise RuntimeError("No ffmpeg exe could be found")

    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", missing)
    tiny = Tiny(tmp_path, "fighting", {}, 2, max_steps=5)
    page = tiny.client.get("/games/1").text
    assert "No video of this game: the server has no ffmpeg" in page and "<video" not in page
    answer = tiny.client.get("/games/1/video.mp4")
    assert answer.status_code == 503 and "No ffmpeg exe could be found" in answer.text
    assert not list((tmp_path / "replays").glob("*.mp4"))


def test_the_videos_kept_are_the_latest_watched_within_their_cap(tmp_path, monkeypatch):
    """Anyone may ask for every game's video: those kept beside the replays must not fill the disk."""
    from arena import video

    tiny = Tiny(tmp_path, "fighting", {}, 2, games_played=3, max_steps=5)
    renders = []

    def rendered(recorded, path, **kwargs):  # a video of 1,000 bytes, whatever the game
        renders.append(recorded.seed)
        Path(path).write_bytes(b"\0" * 1000)
        return Path(path)

    monkeypatch.setattr(games, "video_problem", lambda: None)
    monkeypatch.setattr(video, "record", rendered)
    monkeypatch.setattr(games, "VIDEOS_KEPT_BYTES", 2500)  # two videos
    folder = tmp_path / "replays"

    def kept() -> list[str]:
        return sorted(p.name for p in folder.glob("*.mp4"))

    for number in (1, 2):
        assert tiny.client.get(f"/games/{number}/video.mp4").status_code == 200
        time.sleep(0.05)  # each watched at its own time
    assert kept() == ["000001-fighting.mp4", "000002-fighting.mp4"] and len(renders) == 2
    assert tiny.client.get("/games/1/video.mp4").status_code == 200 and len(renders) == 2  # watched again
    time.sleep(0.05)
    assert tiny.client.get("/games/3/video.mp4").status_code == 200
    assert kept() == ["000001-fighting.mp4", "000003-fighting.mp4"]  # game 2's, watched longest ago, went
    assert sorted(p.name for p in folder.glob("*.json")) == [f"00000{n}-fighting.json" for n in (1, 2, 3)]
    assert tiny.client.get("/games/2/video.mp4").status_code == 200 and len(renders) == 4  # rendered again
    assert len(kept()) == 2


def test_other_games_have_no_video(tmp_path):
    tiny = Tiny(tmp_path, "cartpole_relay", {"num_players": 2}, 2, max_steps=5)
    assert tiny.client.get("/games/1/video.mp4").status_code == 404
    assert tiny.client.get("/games/2/video.mp4").status_code == 404


def test_a_submissions_page_plots_its_rating_after_each_of_its_games(tmp_path):
    from arena.ratings import rate
    from arena.serve.history import rating_history

    tiny = Tiny(tmp_path, "othello", {}, 2, games_played=7, max_steps=8, entrants=3)
    submission, entrant = tiny.submissions[0]
    page = tiny.client.get(f"/submissions/{submission}").text
    plot = page[page.index("<svg"):page.index("</svg>")]
    results = tiny.app.state.competition.results.results()
    mine = [m for m in results if any(s.entrant_id == entrant for s in m.seats)]
    assert len(mine) == 5  # games 0, 2, 3, 5 and 6 of seven among three entrants
    assert plot.count("<circle") == len(mine)
    assert "Rating of &lt;b&gt;bot0&lt;/b&gt;&amp; after each of its games" in plot
    assert "<b>" not in plot and HOSTILE_NAME not in page
    assert f"after game 5 (#{mine[-1].match_id})" in plot

    history = rating_history(results, entrant, "othello")
    assert [p.match_id for p in history.points] == [m.match_id for m in mine]
    assert history.points[-1].rating == rate(results).by_player[entrant]  # the last point is the leaderboard's
    sampled = rating_history(results, entrant, "othello", points=3)
    assert [p.game for p in sampled.points] == [1, 3, 5] and sampled.games == 5
    assert sampled.points[-1].rating == history.points[-1].rating


def test_rating_histories_are_computed_one_at_a_time_and_at_most_once_a_minute_while_games_come(tmp_path, monkeypatch):
    """A visitor's reload costs no new history while games are being recorded, and visitors asking
    at once do not each compute one: whoever finds one being computed is shown the last one made."""
    from arena.serve import history

    tiny = Tiny(tmp_path, "othello", {}, 2, games_played=4, max_steps=8, entrants=2)
    (submission, entrant), (other, _) = tiny.submissions[:2]
    results = tiny.app.state.competition.results.results()
    now = [1000.0]
    monkeypatch.setattr(history.time, "monotonic", lambda: now[0])
    reads = []

    def every_result():
        reads.append(len(results))
        return results

    def shown(recorded, who=entrant):
        return history.remembered_history(str(tmp_path), every_result, recorded, who, "othello")

    first = shown(4)
    assert len(reads) == 1 and first.games == 4
    assert shown(4) is first and shown(5) is first and len(reads) == 1  # a game since, but made moments ago
    now[0] += history.FRESH_SECONDS
    first_again = shown(5)
    assert first_again is not first and len(reads) == 2
    with history._drawing:  # another visitor's history is being computed
        assert shown(6) is first_again and len(reads) == 2  # the last one made, not a new one
        assert shown(6, who=2) is None  # none made yet for this one
        page = tiny.client.get(f"/submissions/{other}").text
        assert "Being drawn: reload the page in a moment." in page and "<svg" not in page
    _join_drawer(history)  # it draws in turn once the other was
    assert shown(6, who=2).games == 4 and len(reads) == 3


def test_a_competition_of_many_games_pays_little_for_its_histories(tmp_path, monkeypatch):
    """Fewer points where games are many, and a history that took long to make is made again only after
    many times as long."""
    from arena.serve import history

    tiny = Tiny(tmp_path, "othello", {}, 2, games_played=7, max_steps=8, entrants=3)
    _, entrant = tiny.submissions[0]
    results = tiny.app.state.competition.results.results()
    monkeypatch.setattr(history, "FIT_BUDGET", 3 * len(results))
    assert len(history.rating_history(results, entrant, "othello").points) == 3
    now, clock = [1000.0], iter([0.0, 10.0])  # made in 10 s
    monkeypatch.setattr(history.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(history.time, "perf_counter", lambda: next(clock))
    made = []

    def shown(recorded):
        return history.remembered_history(f"{tmp_path}/costly", lambda: made.append(1) or results, recorded, entrant,
                                          "othello")

    _join_drawer(history)
    first = shown(7)
    now[0] += 10 * history.FRESH_SECONDS  # games recorded since, but it took 10 s: kept 100 times as long
    assert shown(8) is first and len(made) == 1
    now[0] += history.COST_SHARE * 10
    monkeypatch.setattr(history.time, "perf_counter", iter([0.0, 0.01]).__next__)
    assert shown(9) is not first and len(made) == 2


def test_a_history_never_drawn_is_drawn_before_those_shown_old_however_many_are_asked(tmp_path, monkeypatch):
    """Someone cycling through many submissions' pages cannot keep another visitor's plot from being drawn."""
    from arena.serve import history

    tiny = Tiny(tmp_path, "othello", {}, 2, games_played=4, max_steps=8, entrants=2)
    results = tiny.app.state.competition.results.results()
    now = [1000.0]
    monkeypatch.setattr(history.time, "monotonic", lambda: now[0])
    drawn = []

    def shown(who, source, recorded=4):
        return history.remembered_history(source, lambda: drawn.append(source) or results, recorded, who, "othello")

    _join_drawer(history)  # any left from another test
    for source in range(20):
        assert shown(1, f"old{source}") is not None
    now[0] += history.FRESH_SECONDS
    drawn.clear()
    with history._drawing:
        for source in range(20):  # games were recorded since: each shown its old history, drawn again later
            assert shown(1, f"old{source}", recorded=5) is not None
            assert shown(1, f"old{source}", recorded=5) is not None  # asked twice, drawn once
        assert shown(2, "new") is None
    _join_drawer(history)
    assert len(drawn) == 21 and drawn[0] == "new" and sorted(drawn[1:]) == sorted(f"old{source}" for source in range(20))


def _join_drawer(history) -> None:
    """Wait for the thread drawing the histories asked for to have drawn them all (the clock is the test's)."""
    drawer = history._drawer
    if drawer is not None:
        drawer.join(60)
        assert not drawer.is_alive()


def test_a_submission_without_games_has_no_plot(tmp_path):
    tiny = Tiny(tmp_path, "othello", {}, 2, games_played=0, entrants=2)
    page = tiny.client.get(f"/submissions/{tiny.submissions[0][0]}").text
    assert "<svg" not in page and "Rating history" not in page


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)")
def test_the_canvas_players_draw_and_step_in_a_browser(tmp_path):
    uvicorn = pytest.importorskip("uvicorn")
    playwright = pytest.importorskip("playwright.sync_api", reason="needs Playwright: pip install playwright")
    tinies = {env: Tiny(tmp_path / env, env, options, seats, max_steps=30)
              for env, options, seats in (("snake", {"num_snakes": 2, "height": 10, "width": 10}, 2),
                                          ("cartpole_relay", {"num_players": 2, "leg_length": 3}, 2))}
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for env, tiny in tinies.items():
                port = free_port()
                server = uvicorn.Server(uvicorn.Config(tiny.app, host="127.0.0.1", port=port, log_level="warning"))
                thread = threading.Thread(target=server.run, daemon=True)
                thread.start()
                wait_for(lambda: server.started, 60, "the server to start")
                try:
                    page = browser.new_page()
                    errors = []
                    page.on("pageerror", lambda error: errors.append(str(error)))
                    page.goto(f"http://127.0.0.1:{port}/games/1")
                    page.wait_for_selector("canvas#board")
                    last = tiny.results[0][0].steps
                    assert page.text_content("#position").startswith(f"step 0 of {last}")
                    page.click("#forward")
                    assert page.text_content("#position").startswith(f"step 1 of {last}")
                    colours = page.evaluate("""() => {
                        const c = document.getElementById('board'), pixels = c.getContext('2d')
                            .getImageData(0, 0, c.width, c.height).data, seen = new Set();
                        for (let i = 0; i < pixels.length; i += 4 * 7) seen.add(pixels.slice(i, i + 3).join());
                        return seen.size; }""")
                    assert colours > 5  # drawn, not a blank canvas
                    page.click("#play")
                    page.wait_for_function("() => document.getElementById('play').textContent === 'play'")
                    assert page.text_content("#position").startswith(f"step {last} of {last}")
                    assert errors == []
                finally:
                    server.should_exit = True
                    thread.join(30)
        finally:
            browser.close()
