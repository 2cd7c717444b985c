"""The leaderboard: rows and records from a results store, its JSON, the command, and the website."""

import argparse
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import othello_store
from rich.console import Console

from arena import replay
from arena.agents import GreedyOthelloAgent, RandomAgent
from arena.errors import ArenaError
from arena.faults import Status
from arena.handle import LocalAgent
from arena.leaderboard import SCHEMA, build, to_json, write_site
from arena.leaderboard.cli import add_leaderboard_command, print_table
from arena.leaderboard.plot import nice_ticks
from arena.match import AgentResult, MatchResult, play_match
from arena.ratings import BRADLEY_TERRY, PLACKETT_LUCE
from arena.tournament.store import ResultsStore

def synthetic_store(path: Path, env: str, matches: list[list[tuple[str, float, int, str]]]) -> ResultsStore:
    """A store whose matches are given as seats (entrant name, score, rank, status), no replays."""
    store = ResultsStore(path)
    store.save_settings({"env": env, "format": "free-for-all"})
    ids = {}
    for seats in matches:
        for name, *_ in seats:
            if name not in ids:
                ids[name] = store.register(name, f"{name}-digest", f"/subs/{name}", f"/archive/{name}")[0].id
    store.add_to_schedule([(0, i, tuple(ids[name] for name, *_ in seats)) for i, seats in enumerate(matches)])
    for scheduled, seats in zip(store.schedule(), matches):
        agents = [AgentResult(name, f"player_{i}", score, rank, Status(status), "" if status == "ok" else "it broke")
                  for i, (name, score, rank, status) in enumerate(seats)]
        store.record(scheduled, MatchResult(env, {}, scheduled.seed, agents, "made up", {}, 5), None)
    return store


@pytest.fixture(scope="module")
def othello(tmp_path_factory) -> ResultsStore:
    return othello_store(tmp_path_factory.mktemp("othello"))


def test_rows_carry_ranks_ratings_and_records(tmp_path):
    store = synthetic_store(tmp_path / "r.sqlite", "othello", [
        [("alpha", 1, 1, "ok"), ("beta", -1, 2, "ok")],
        [("beta", 0, 1, "ok"), ("alpha", 0, 1, "ok")],
        [("alpha", 1, 1, "ok"), ("gamma", -1, 2, "crash")],
        [("gamma", -1, 2, "timeout"), ("beta", 1, 1, "ok")],
        [("gamma", 1, 1, "ok"), ("alpha", -1, 2, "illegal_action")],
    ])
    board = build(store)
    assert board.method == BRADLEY_TERRY and board.two_player
    rows = {row.entrant.name: row for row in board.rows}
    assert [row.entrant.name for row in board.rows] == ["alpha", "beta", "gamma"]
    assert [row.rank for row in board.rows] == [1, 2, 3]
    assert (rows["alpha"].games, rows["alpha"].wins, rows["alpha"].draws, rows["alpha"].losses) == (4, 2, 1, 1)
    assert rows["alpha"].faults == {"crash": 0, "timeout": 0, "illegal_action": 1, "forfeit": 0}
    assert rows["gamma"].faults == {"crash": 1, "timeout": 1, "illegal_action": 0, "forfeit": 0}
    assert (rows["gamma"].wins, rows["gamma"].losses) == (1, 2)
    alpha, beta = rows["alpha"].entrant.id, rows["beta"].entrant.id
    assert board.head_to_head[(alpha, beta)] == (2, 1.5) and board.head_to_head[(beta, alpha)] == (2, 0.5)
    assert [m.match_id for m in board.matches] == [5, 4, 3, 2, 1]  # newest first


def test_a_game_both_sides_forfeited_is_a_loss_for_each_and_rates_neither(tmp_path):
    # Two submissions that cannot be loaded meet: neither played, so neither drew.
    store = synthetic_store(tmp_path / "r.sqlite", "othello", [
        [("alpha", 1, 1, "ok"), ("broken", -1, 2, "forfeit")],
        [("alpha", 1, 1, "ok"), ("unreadable", -1, 2, "forfeit")],
        [("broken", -1, 1, "forfeit"), ("unreadable", -1, 1, "forfeit")],
        [("unreadable", -1, 1, "crash"), ("broken", -1, 1, "forfeit")],
    ])
    board = build(store)
    rows = {row.entrant.name: row for row in board.rows}
    for name in ("broken", "unreadable"):
        assert (rows[name].games, rows[name].wins, rows[name].draws, rows[name].losses) == (3, 0, 0, 3)
    broken, unreadable = rows["broken"].entrant.id, rows["unreadable"].entrant.id
    assert board.head_to_head[(broken, unreadable)] == (2, 0.0) == board.head_to_head[(unreadable, broken)]
    alone = build(synthetic_store(tmp_path / "alone.sqlite", "othello", [
        [("alpha", 1, 1, "ok"), ("broken", -1, 2, "forfeit")],
        [("alpha", 1, 1, "ok"), ("unreadable", -1, 2, "forfeit")]]))
    for name in ("alpha", "broken", "unreadable"):  # the games between the two broken ones told nothing
        assert rows[name].rating == next(r.rating for r in alone.rows if r.entrant.name == name)


def test_a_new_version_replaces_the_old_one_unless_all_versions_are_asked_for(othello, tmp_path):
    store = othello_store(tmp_path)
    newer, _ = store.register("greedy", "greedy-v2-digest", "/subs/greedy", "/archive/greedy-v2")
    store.add_to_schedule([(9, 1, (newer.id, 2)), (9, 2, (2, newer.id))])
    for match in store.pending():
        seated = [LocalAgent(GreedyOthelloAgent() if e == newer.id else RandomAgent(), name=str(e)) for e in match.seats]
        store.record(match, play_match("othello", seated, match.seed), None)
    active = build(store)
    assert sorted(row.entrant.label for row in active.rows) == sorted(
        ["greedy@greedy-v", "random@randomra", "random_b@random_b"])
    everyone = build(store, all_versions=True)
    assert len(everyone.rows) == 4 and sum(not row.entrant.active for row in everyone.rows) == 1
    assert everyone.names[newer.id] == "greedy@greedy-v" and everyone.names[2] == "random"
    assert len(active.matches) == 8  # the retired version's games still inform the ratings


def test_json_follows_the_documented_schema(othello):
    data = json.loads(json.dumps(to_json(build(othello))))
    assert data["schema"] == SCHEMA == "arena-leaderboard/1"
    assert set(data) == {"schema", "env", "settings", "rating_method", "rating_scale", "interval", "matches",
                         "entrants", "head_to_head"}
    assert (data["env"], data["rating_method"], data["rating_scale"], data["matches"]) == ("othello", "bradley-terry",
                                                                                           "elo", 6)
    assert [e["rank"] for e in data["entrants"]] == sorted(e["rank"] for e in data["entrants"])
    for entrant in data["entrants"]:
        assert set(entrant) == {"rank", "id", "name", "label", "digest", "active", "rating", "low", "high", "games",
                                "wins", "draws", "losses", "score", "faults", "problem", "name_warning"}
        assert entrant["problem"] is None and entrant["name_warning"] is None
        assert entrant["low"] <= entrant["rating"] <= entrant["high"]
        assert entrant["wins"] + entrant["draws"] + entrant["losses"] == entrant["games"] == 4
    assert sum(e["rating"] for e in data["entrants"]) == pytest.approx(0, abs=0.05)
    pairs = {(p["row"], p["column"]): p for p in data["head_to_head"]}
    assert len(pairs) == 6
    for (a, b), pair in pairs.items():
        assert pair["points"] + pairs[(b, a)]["points"] == pair["games"] == 2


def test_games_with_more_seats_use_openskill_and_cooperative_games_have_no_head_to_head(tmp_path):
    snake = synthetic_store(tmp_path / "snake.sqlite", "snake", [
        [("a", 3, 1, "ok"), ("b", 2, 2, "ok"), ("c", 1, 3, "ok")],
        [("c", 3, 1, "ok"), ("a", 2, 2, "ok"), ("b", -1, 3, "crash")],
    ])
    board = build(snake)
    assert board.method == PLACKETT_LUCE and not board.two_player
    assert [row.entrant.name for row in board.rows][0] == "a"
    a, b = (next(r.entrant.id for r in board.rows if r.entrant.name == n) for n in "ab")
    assert board.head_to_head[(a, b)] == (2, 2.0)  # finished ahead of b both times
    relay = synthetic_store(tmp_path / "relay.sqlite", "cartpole_relay", [
        [("a", 500, 1, "ok"), ("b", 500, 1, "ok")], [("c", 20, 1, "ok"), ("d", 20, 1, "ok")]])
    relay_board = build(relay)
    assert relay_board.method == PLACKETT_LUCE and relay_board.head_to_head == {}
    assert [row.entrant.name for row in relay_board.rows][:2] in (["a", "b"], ["b", "a"])


def test_an_entrant_in_several_seats_of_a_game_has_one_game_of_it(tmp_path):
    # Too few entrants for the seats: "a" sits twice in each game (as arena serve seats them).
    snake = synthetic_store(tmp_path / "snake.sqlite", "snake", [
        [("a", 9, 1, "ok"), ("b", 5, 3, "ok"), ("a", 9, 1, "ok"), ("c", 1, 4, "ok")],
        [("b", 7, 1, "ok"), ("a", -1, 3, "crash"), ("c", 2, 2, "ok"), ("a", -1, 3, "crash")],
    ])
    board = build(snake)
    a, b = (next(r for r in board.rows if r.entrant.name == n) for n in "ab")
    assert (a.games, a.wins, a.draws, a.losses) == (2, 1, 0, 1)  # its copies sharing first place: a win, not a draw
    assert a.faults["crash"] == 1 and a.score == 4.0
    assert (b.games, b.wins, b.losses) == (2, 1, 1)
    assert board.head_to_head[(a.entrant.id, b.entrant.id)] == (2, 1.0)
    assert board.head_to_head[(b.entrant.id, a.entrant.id)] == (2, 1.0)


def run_command(*args: str) -> int:
    parser = argparse.ArgumentParser(prog="arena")
    add_leaderboard_command(parser.add_subparsers())
    parsed = parser.parse_args(["leaderboard", *args])
    return parsed.run(parsed)


def test_the_command_prints_the_table_and_json(othello, capsys):
    assert run_command("--db", str(othello.path)) == 0
    table = capsys.readouterr().out
    assert "Bradley-Terry" in table and "greedy" in table and "random_b" in table
    assert len(re.findall(r"^\s+[123]\s+\w", table, re.M)) == 3
    assert run_command("--db", str(othello.path), "--json") == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(to_json(build(othello))))


def test_the_command_explains_bad_input(tmp_path, capsys):
    missing = tmp_path / "missing.sqlite"
    with pytest.raises(ArenaError, match="no such results database; arena tournament creates it"):
        run_command("--db", str(missing))
    assert not missing.exists()
    with pytest.raises(ArenaError, match=r"a folder, not a results database; give the file arena tournament --db "
                                         r"wrote, e.g. --db results.sqlite$"):
        run_command("--db", str(tmp_path))
    empty = ResultsStore(tmp_path / "empty.sqlite")
    empty.register("a", "digest-a", "/a", "/a")
    with pytest.raises(ArenaError, match="no finished match yet; play some with arena tournament"):
        run_command("--db", str(empty.path))
    playing = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom arena.tournament.store import ResultsStore\n"
                                "ResultsStore(sys.argv[1]).acquire_lease()\nprint('playing', flush=True)\ntime.sleep(60)",
                                str(empty.path)], stdout=subprocess.PIPE, text=True)
    try:
        assert playing.stdout.readline().strip() == "playing"
        with pytest.raises(ArenaError, match=f"no finished match yet; process {playing.pid} on .* is playing it: "
                                             "run this again once it has recorded some"):
            run_command("--db", str(empty.path))
    finally:
        playing.kill()
        playing.wait()
    with pytest.raises(ArenaError, match="--videos renders videos into the website: add --html DIR"):
        run_command("--db", str(empty.path), "--videos", "3")
    (tmp_path / "a_file").write_text("")
    with pytest.raises(ArenaError, match="a_file is a file, not a folder\\); give --html another folder"):
        run_command("--db", str(empty.path), "--html", str(tmp_path / "a_file"))
    with pytest.raises(SystemExit):
        run_command("--db", str(empty.path), "--videos", "-1")
    assert "--videos must be 0 or more" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_command("--help")
    help_text = capsys.readouterr().out
    assert "arena leaderboard --db results.sqlite --html site/ --videos 20" in help_text
    assert "Bradley-Terry" in help_text and "openskill" in help_text


def test_the_published_json_keeps_the_tournaments_seed_secret(tmp_path):
    store = othello_store(tmp_path)
    store.save_settings({"env": "othello", "format": "round-robin", "games_per_pair": 2, "seed": 123456789})
    board = build(store)
    assert to_json(board)["settings"]["seed"] == 123456789  # the organiser's own --json
    assert to_json(board, public=True)["settings"]["seed"] is None
    write_site(board, tmp_path / "site", videos=0)
    published = (tmp_path / "site" / "leaderboard.json").read_text()
    assert json.loads(published)["settings"]["seed"] is None and "123456789" not in published


def test_the_site_has_the_table_plot_matrix_and_a_page_per_match(othello, tmp_path):
    site = tmp_path / "site"
    (site / "videos").mkdir(parents=True)
    (site / "videos" / "000002.mp4").write_bytes(b"an earlier build's video")  # kept, not rendered again
    index = write_site(build(othello), site, videos=0)
    html = index.read_text()
    leaderboard = html.split('<table class="leaderboard">')[1].split("</table>")[0]
    assert leaderboard.count("<tr class=") == 3
    svg = html.split('<svg class="ratings-plot"')[1].split("</svg>")[0]
    bars, points = re.findall(r'<rect class="interval" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg), \
        re.findall(r'<circle class="point" cx="([\d.]+)"', svg)
    assert len(bars) == len(points) == 3
    assert all(float(x) <= float(cx) <= float(x) + float(w) for (x, w), cx in zip(bars, points))
    assert len(re.findall(r'<td class="cell" style="background: hsl', html)) == 6
    assert html.count('href="matches/0000') == 6 and "All 6 matches" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert (site / "matches.html").read_text().count('class="watch"') == 6
    assert json.loads((site / "leaderboard.json").read_text())["schema"] == SCHEMA
    with_video = (site / "matches" / "000002.html").read_text()
    assert '<video controls preload="metadata" src="../videos/000002.mp4">' in with_video
    without = (site / "matches" / "000001.html").read_text()
    assert "arena replay replays/000001.json --video 000001.mp4" in without
    assert (site / "replays" / "000001.json").is_file() and 'href="../replays/000001.json"' in without
    recorded = replay.load(site / "replays" / "000001.json")
    moves = without.split('<table class="moves">')[1].split("</table>")[0]
    assert moves.count("<tr><td class=num>") == max(len(a) for a in recorded.actions.values())


def test_a_match_whose_replay_is_gone_still_gets_a_page(tmp_path):
    store = synthetic_store(tmp_path / "r.sqlite", "othello", [[("a", 1, 1, "ok"), ("b", -1, 2, "ok")]])
    write_site(build(store), tmp_path / "site", videos=None)
    page = (tmp_path / "site" / "matches" / "000001.html").read_text()
    assert "No video: its replay file is missing" in page and "<video" not in page


def test_the_site_never_shows_the_organisers_folders_where_an_agents_log_is(tmp_path):
    secret = tmp_path / "organisers-own-folders"
    log = f"{secret}/logs/broken-4242-0.log"
    store = ResultsStore(tmp_path / "r.sqlite")
    store.save_settings({"env": "othello", "format": "round-robin"})
    ids = [store.register(name, f"{name}-digest", f"/subs/{name}", f"/archive/{name}")[0].id for name in "ab"]
    store.add_to_schedule([(0, 1, tuple(ids)), (0, 2, tuple(ids))])
    for scheduled in store.schedule():
        agents = [AgentResult("a", "player_0", -1, 2, Status.CRASH, f"predict(): it raised; see {log}"),
                  AgentResult("b", "player_1", 1, 1, Status.OK, "")]
        result = MatchResult("othello", {}, scheduled.seed, agents, f"a crashed; see {log}",
                             {"player_0": [], "player_1": []}, 0)
        kept = replay.save(result, secret / f"{scheduled.match_id}.json") if scheduled.match_id == 1 else None
        store.record(scheduled, result, str(kept) if kept else str(secret / "gone.json"))
    site = tmp_path / "site"
    write_site(build(store), site, videos=None)
    published = {path: path.read_text() for path in site.rglob("*") if path.is_file()}
    assert published and not [path for path, text in published.items() if str(secret) in text]
    assert "; the organiser has its log" in published[site / "matches" / "000001.html"]
    assert replay.load(site / "replays" / "000001.json").agents[0].detail == "predict(): it raised; the organiser has its log"
    assert "its replay file is missing" in published[site / "matches" / "000002.html"]


def test_plot_ticks_are_round_and_cover_the_range():
    assert nice_ticks(-212, 318) == [-300, -200, -100, 0, 100, 200, 300, 400]
    assert nice_ticks(21.3, 27.9) == [20, 22, 24, 26, 28]
    assert nice_ticks(5, 5) == [5.0, 5.2]  # a single value still gets an axis


def test_look_alike_names_and_entrants_that_cannot_play_are_shown(tmp_path):
    cyrillic_e = "\u0435"
    store = synthetic_store(tmp_path / "r.sqlite", "othello", [
        [("greedy", 1, 1, "ok"), (f"gr{cyrillic_e}edy", -1, 2, "ok")],
        [("<script>alert(1)</script>", 1, 1, "ok"), ("[bold]loud[/bold]", -1, 2, "forfeit")],
    ])
    broken, _ = store.register("broken", "broken-digest", "/subs/broken", "", problem="/subs/broken: pipe is a FIFO")
    board = build(store)
    impostor = next(r.entrant.id for r in board.rows if r.entrant.name == f"gr{cyrillic_e}edy")
    original = next(r.entrant.id for r in board.rows if r.entrant.name == "greedy")
    assert board.warnings == {impostor: "looks like greedy", original: f"looks like gr{cyrillic_e}edy"}
    data = {e["name"]: e for e in to_json(board)["entrants"]}
    assert data["greedy"]["name_warning"] == f"looks like gr{cyrillic_e}edy"
    assert data["broken"]["problem"] == "/subs/broken: pipe is a FIFO" and data["greedy"]["problem"] is None

    wide = Console(file=io.StringIO(), width=200)
    print_table(board, wide)
    table = wide.file.getvalue()
    assert "[bold]loud[/bold]" in table  # printed as written, not read as markup
    assert f"gr{cyrillic_e}edy: its name looks like greedy" in table
    assert "broken cannot play: /subs/broken: pipe is a FIFO" in table

    html = write_site(board, tmp_path / "site").read_text()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("look-alike name</span>") == 2 and "cannot play: /subs/broken: pipe is a FIFO" in html
