"""The static leaderboard site: a folder of HTML pages to open from disk or put on any web server.

    write_site(build(store), "site/", videos=10)   # videos of the 10 most recent matches

    site/index.html          the table, the ratings plot, the head-to-head matrix, latest matches
    site/matches.html        every match, newest first
    site/matches/000012.html one match: seats, result, and its video or its moves
    site/replays/000012.json the match's replay file (copied from the tournament)
    site/videos/000012.mp4   its video, for the matches given one
    site/leaderboard.json    the same data as `arena leaderboard --json`
    site/style.css

Rendering a video re-simulates the match, so it costs about as long as the match took to play
plus encoding; `videos` says how many of the most recent matches get one (None: all). A video
already in the folder is kept, so building the site again after more matches only renders the
new ones. Every other match page shows the moves and the command that makes its video.
"""

from __future__ import annotations

import json
import time
from html import escape
from pathlib import Path
from dataclasses import replace
from typing import Callable

from arena.errors import ArenaError
from arena.leaderboard.match_page import Media, match_page
from arena.leaderboard.page import STYLE, ordinal, page, section
from arena.leaderboard.plot import ratings_svg
from arena.leaderboard.table import Leaderboard, result_of, to_json
from arena.ratings import BRADLEY_TERRY
from arena.sandbox.logs import public_detail
from arena.tournament.store import MatchRecord

LATEST = 10  # matches listed on the front page
NOTES = {
    BRADLEY_TERRY: "Elo scale, from a Bradley-Terry fit of every game: a lead of 100 points means an expected "
                   "score of 64%, 200 points 76%. The mean rating is 0. A draw counts as half a win; a crash, "
                   "timeout, illegal action or forfeit counts as a loss. The interval holds the true rating "
                   "with 95% confidence.",
}
OPENSKILL_NOTE = ("openskill (Plackett-Luce) ratings from every game's finishing order: everyone starts at 25, "
                  "and the rating is the mean of the skill estimate, with a 95% interval of ±1.96 sigma. "
                  "A crash, timeout, illegal action or forfeit places the agent last.")


def write_site(board: Leaderboard, folder: str | Path, videos: int | None = 0,
               progress: Callable[[int, int], None] = lambda done, total: None) -> Path:
    """Write the site for `board` into `folder`; returns the path of its index.html.

    `videos`: how many of the most recent matches get a video (None: every match);
    `progress(done, total)` is called as videos are rendered.
    """
    folder = Path(folder)
    for sub in ("matches", "replays", "videos"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    media = {m.match_id: _media(m, folder) for m in board.matches}
    wanted = [m for m in (board.matches if videos is None else board.matches[:videos])
              if media[m.match_id].video is None and media[m.match_id].replay is not None]
    for done, match in enumerate(wanted):
        media[match.match_id] = _render(media[match.match_id], match, folder)
        progress(done + 1, len(wanted))
    (folder / "style.css").write_text(STYLE, encoding="utf-8")
    (folder / "leaderboard.json").write_text(json.dumps(to_json(board, public=True), indent=1) + "\n", encoding="utf-8")
    (folder / "index.html").write_text(_index(board, media), encoding="utf-8")
    (folder / "matches.html").write_text(_matches_page(board, media), encoding="utf-8")
    for match in board.matches:
        (folder / "matches" / f"{match.match_id:06d}.html").write_text(
            match_page(board, match, media[match.match_id], folder), encoding="utf-8")
    return folder / "index.html"


# --- files -----------------------------------------------------------------------------------

def _media(match: MatchRecord, folder: Path) -> Media:
    """The match's replay, copied into the site, and its video if an earlier build made one."""
    replay = f"replays/{match.match_id:06d}.json"
    video = f"videos/{match.match_id:06d}.mp4"
    if not (folder / replay).exists():
        if not match.replay or not Path(match.replay).is_file():
            return Media(None, None, f"its replay file is missing (it was {Path(match.replay or '?').name})")
        # Published: the faults' details without the organiser's folders where the agents' logs are.
        (folder / replay).write_text(public_detail(Path(match.replay).read_text(encoding="utf-8")), encoding="utf-8")
    return Media(replay, video if (folder / video).exists() else None)


def _render(media: Media, match: MatchRecord, folder: Path) -> Media:
    """`media` with the match's video rendered into the site, or with the reason it could not be."""
    from arena import replay, video

    path = folder / f"videos/{match.match_id:06d}.mp4"
    try:
        if video.record(replay.load(folder / media.replay), path) is None:
            return replace(media, problem=video.NO_PICTURE)
    except ArenaError as exc:
        path.unlink(missing_ok=True)
        return replace(media, problem=str(exc))
    return replace(media, video=path.relative_to(folder).as_posix())


# --- pages -----------------------------------------------------------------------------------

def _meta(board: Leaderboard) -> str:
    last = max(m.finished_at for m in board.matches)
    parts = [board.settings.get("format", ""), f"{len(board.rows)} entrants", f"{len(board.matches)} matches",
             "last match " + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(last))]
    return " · ".join(escape(p) for p in parts if p)


def _heading(board: Leaderboard) -> str:
    return f"{board.env.replace('_', ' ').capitalize()} tournament"


def _index(board: Leaderboard, media: dict[int, Media]) -> str:
    body = [section("Leaderboard", _leaderboard_table(board), NOTES.get(board.method, OPENSKILL_NOTE))]
    rated = [(board.names[r.entrant.id], r.rating) for r in board.rows if r.rating is not None]
    if rated:
        scale = "Elo rating (0 = field average)" if board.method == BRADLEY_TERRY else "openskill rating (start = 25)"
        reference = 0.0 if board.method == BRADLEY_TERRY else 25.0
        body.append(section("Ratings with 95% intervals", ratings_svg(rated, reference, scale, board.number)))
    if board.head_to_head:
        what = "score" if board.two_player else "share of games finished ahead"
        body.append(section("Head to head", _head_to_head(board),
                            f"Each cell: the row entrant's {what} against the column entrant "
                            "(a draw or a shared place counts half). Hover a cell for the games."))
    latest = _match_table(board, board.matches[:LATEST], media)
    link = f'<p><a href="matches.html">All {len(board.matches)} matches →</a></p>'
    body.append(section("Latest matches", latest + link))
    return page(f"{_heading(board)}: leaderboard", _heading(board), _meta(board), "\n".join(body), "index.html")


def _leaderboard_table(board: Leaderboard) -> str:
    score_column = not board.two_player
    head = ("<tr><th>#</th><th>entrant</th><th>version</th><th class=num>rating</th><th class=num>95% interval</th>"
            "<th class=num>games</th><th class=num>W</th><th class=num>D</th><th class=num>L</th>"
            + ("<th class=num>avg score</th>" if score_column else "") + "<th>faults</th></tr>")
    lines = []
    for row in board.rows:
        r = row.rating
        rating = (f'<td class="num rating">{board.number(r.rating)}</td>'
                  f'<td class="num margin">{board.number(r.low)} … {board.number(r.high)}</td>' if r else '<td class="num none">—</td><td class="num none">no games</td>')
        faults = "".join(f'<span class="chip">{n} {escape(status.replace("_", " "))}</span>'
                         for status, n in row.faults.items() if n) or '<span class="none">none</span>'
        version = f'<span class="version">{escape(row.entrant.digest[:8])}</span>' + (
            "" if row.entrant.active else ' <span class="retired">retired</span>')
        lines.append(
            f'<tr class="top{row.rank or 0}"><td class="rank">{row.rank or "—"}</td>'
            f'<td class="entrant">{_entrant_cell(board, row)}</td><td>{version}</td>{rating}'
            f'<td class="num">{row.games}</td><td class="num wins">{row.wins}</td>'
            f'<td class="num draws">{row.draws}</td><td class="num losses">{row.losses}</td>'
            + (f'<td class="num">{row.score:.2f}</td>' if score_column else "") + f"<td>{faults}</td></tr>")
    return f'<table class="leaderboard"><thead>{head}</thead><tbody>\n' + "\n".join(lines) + "\n</tbody></table>"


def _entrant_cell(board: Leaderboard, row) -> str:
    """The entrant's name, with a warning chip when it may pass for another and its reason when
    it cannot play."""
    cell = escape(row.entrant.name)
    if row.entrant.id in board.warnings:
        cell += f' <span class="chip warn" title="{escape(board.warnings[row.entrant.id])}">look-alike name</span>'
    if row.entrant.problem:
        cell += f'<div class="note">cannot play: {escape(row.entrant.problem)}</div>'
    return cell


def _head_to_head(board: Leaderboard) -> str:
    rows = [r for r in board.rows if r.games]
    head = "<tr><th></th>" + "".join(
        f'<th class="col" title="{escape(board.names[r.entrant.id])}">#{r.rank or "—"}</th>' for r in rows) + "</tr>"
    lines = []
    for a in rows:
        cells = []
        for b in rows:
            games, points = board.head_to_head.get((a.entrant.id, b.entrant.id), (0, 0.0))
            if a is b:
                cells.append('<td class="cell self"></td>')
            elif not games:
                cells.append('<td class="cell none">·</td>')
            else:
                share = points / games
                hue = 130 * share  # red at 0%, amber at 50%, green at 100%
                tip = f"{board.names[a.entrant.id]} vs {board.names[b.entrant.id]}: {points:g} of {games} points"
                cells.append(f'<td class="cell" style="background: hsl({hue:.0f} 65% 86%)" '
                             f'title="{escape(tip)}">{share:.0%}</td>')
        lines.append(f'<tr><th>#{a.rank or "—"} {escape(board.names[a.entrant.id])}</th>{"".join(cells)}</tr>')
    return f'<table class="h2h"><thead>{head}</thead><tbody>\n' + "\n".join(lines) + "\n</tbody></table>"


def _seats(board: Leaderboard, match: MatchRecord) -> str:
    parts = []
    for seat in match.seats:
        place = "" if len(match.seats) == 2 else f'<span class="place">{ordinal(seat.rank)}</span>'
        fault = "" if seat.status == "ok" else f' <span class="chip">{escape(seat.status.replace("_", " "))}</span>'
        parts.append(f'<span class="seat {result_of(match, seat)}">{escape(board.names[seat.entrant_id])}</span>'
                     f"{place}{fault}")
    return '<span class="vs">vs</span>'.join(parts)


def _match_table(board: Leaderboard, matches: list[MatchRecord], media: dict[int, Media]) -> str:
    head = ("<tr><th class=num>match</th><th class=num>round</th><th>players</th><th>result</th>"
            "<th class=num>steps</th><th></th></tr>")
    lines = []
    for m in matches:
        link = (f'<a class="watch" href="matches/{m.match_id:06d}.html">'
                f'{"▶ video" if media[m.match_id].video else "moves"}</a>')
        lines.append(f'<tr><td class="num">{m.match_id}</td><td class="num">{m.round}</td><td>{_seats(board, m)}</td>'
                     f'<td class="outcome">{escape(public_detail(m.outcome))}</td><td class="num">{m.steps}</td><td>{link}</td></tr>')
    return f'<table class="matches"><thead>{head}</thead><tbody>\n' + "\n".join(lines) + "\n</tbody></table>"


def _matches_page(board: Leaderboard, media: dict[int, Media]) -> str:
    body = section(f"All {len(board.matches)} matches, newest first", _match_table(board, board.matches, media))
    return page(f"{_heading(board)}: matches", _heading(board), _meta(board), body, "matches.html")

