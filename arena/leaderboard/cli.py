"""`arena leaderboard`: a tournament's standings in the terminal, as JSON, or as a static website.

    arena leaderboard --db results.sqlite
    arena leaderboard --db results.sqlite --json
    arena leaderboard --db results.sqlite --html site/ --videos 10
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from arena import arguments
from arena.consoles import QuietOnBrokenPipe
from arena.db import as_target, is_url
from arena.errors import ArenaError, missing_path_hint
from arena.leaderboard.site import write_site
from arena.leaderboard.table import Leaderboard, build, to_json
from arena.names import terminal
from arena.outputs import output_folder
from arena.ratings import BRADLEY_TERRY
from arena.tournament.store import ResultsStore

EPILOG = """\
examples:
  arena leaderboard --db results.sqlite
  arena leaderboard --db results.sqlite --json > leaderboard.json
  arena leaderboard --db results.sqlite --html site/ --videos 20
  arena leaderboard --db results.sqlite --all        # retired versions of submissions too

ratings:
  Two-player games are rated on the Elo scale by a Bradley-Terry fit of every game at once:
  a lead of 100 points means an expected score of 64%, 200 points 76%; the mean is 0. Games
  with more seats (snake) or teams (cartpole_relay) are rated by openskill's Plackett-Luce
  model, where everyone starts at 25. Each rating has a 95% interval. A draw counts as half
  a win; a crash, timeout, illegal action or forfeit counts as a loss.

the website (--html DIR):
  index.html has the table, the ratings plot and the head-to-head matrix; matches.html lists
  every match, each with its own page: its video for the --videos N most recent matches
  ('all' for every one; rendering re-plays the match, so it takes a while), otherwise its
  moves and the `arena replay` command that makes the video. Open DIR/index.html in a
  browser, or copy DIR to any static web server: it needs nothing from the internet.
"""

out = QuietOnBrokenPipe(highlight=False, soft_wrap=True)
err = QuietOnBrokenPipe(stderr=True, highlight=False, soft_wrap=True)


def add_leaderboard_command(subparsers) -> argparse.ArgumentParser:
    """Add `arena leaderboard` to the `arena` command's subparsers."""
    parser = subparsers.add_parser(
        "leaderboard",
        help="show a tournament's ratings and standings; write them as JSON or a website",
        description="Rate every entrant of the tournament in --db from its recorded matches and print the "
        "leaderboard: rank, rating with its 95% interval, games, wins, draws, losses and faults.",
        epilog=EPILOG,
        formatter_class=arguments.ParagraphsHelpFormatter,
    )
    parser.add_argument("--db", required=True, help="the tournament's results database, an SQLite file or a "
                        "postgresql:// URL (from arena tournament --db)")
    arguments.advise_when_missing(parser, "--db", "name the tournament's results file, e.g. --db results.sqlite")
    parser.add_argument("--json", action="store_true",
                        help="print the leaderboard as JSON (schema arena-leaderboard/1) instead of a table")
    parser.add_argument("--html", metavar="DIR", help="also write the leaderboard website into DIR")
    parser.add_argument("--all", dest="all_versions", action="store_true",
                        help="list every version of every submission, not only the latest ones")
    parser.add_argument("--videos", type=_video_count, default=0, metavar="N",
                        help="with --html: render videos of the N most recent matches, or 'all' (default: 0)")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Carry out `arena leaderboard`; returns the exit code."""
    db = as_target(args.db)
    if not is_url(db) and db.is_dir():  # the submissions, or the replays or entrants kept beside a store
        stores = sorted(str(found) for found in db.glob("*.sqlite"))[:3]
        raise ArenaError(f"{db}: a folder, not a results database; give the file arena tournament --db wrote"
                         + (f" (here: {', '.join(stores)})" if stores else ", e.g. --db results.sqlite"))
    if not is_url(db) and not db.is_file():
        raise ArenaError(f"{db}: no such results database" + (missing_path_hint(db) or (
            f"; arena tournament creates it, e.g. arena tournament submissions/ --env othello --db {db}")))
    if args.videos != 0 and not args.html:
        raise ArenaError("--videos renders videos into the website: add --html DIR")
    if args.html:
        output_folder(args.html, f"--html {args.html}", "give --html another folder")
    store = ResultsStore(db)
    try:
        board = build(store, args.all_versions)
    finally:
        store.close()
    if args.json:
        print(json.dumps(to_json(board), indent=1))
    else:
        print_table(board)
    if args.html:
        index = _write_site(board, Path(args.html), args.videos)
        (err if args.json else out).print(f"website: {escape(str(index))}")
    return 0


def print_table(board: Leaderboard, console: Console = out) -> None:
    """The leaderboard as a rich table."""
    elo = board.method == BRADLEY_TERRY
    console.print(f"[bold]{escape(board.env)}[/] · {escape(str(board.settings.get('format', '')))} · "
                  f"{len(board.matches)} matches · ratings: "
                  + ("Bradley-Terry, Elo scale (mean 0)" if elo else "openskill Plackett-Luce (start 25)")
                  + ", 95% intervals")
    table = Table(box=None, header_style="bold")
    for name, justify in (("#", "right"), ("entrant", "left"), ("version", "left"), ("rating", "right"),
                          ("95% interval", "right"), ("games", "right"), ("W", "right"), ("D", "right"),
                          ("L", "right"), ("faults", "left")):
        table.add_column(name, justify=justify)
    for row in board.rows:
        r = row.rating
        faults = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in row.faults.items() if n)
        version = row.entrant.digest[:8] + ("" if row.entrant.active else " (retired)")
        warned = " [yellow]⚠[/]" if row.entrant.id in board.warnings else ""
        table.add_row(str(row.rank or "-"), terminal(row.entrant.name) + warned, f"[dim]{escape(version)}[/]",
                      f"[bold]{board.number(r.rating)}[/]" if r else "-",
                      f"{board.number(r.low)} … {board.number(r.high)}" if r else "no games",
                      str(row.games), f"[green]{row.wins}[/]", f"[yellow]{row.draws}[/]", f"[red]{row.losses}[/]",
                      f"[red]{faults}[/]" if faults else "[dim]none[/]")
    console.print(table)
    for row in board.rows:
        name = terminal(row.entrant.name)
        if row.entrant.id in board.warnings:
            console.print(f"[yellow]⚠ {name}:[/] its name {terminal(board.warnings[row.entrant.id], limit=400)}")
        if row.entrant.problem:
            console.print(f"[red]{name} cannot play:[/] {terminal(row.entrant.problem, limit=400)}")


def _write_site(board: Leaderboard, folder: Path, videos: int | None) -> Path:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("videos"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task("videos", total=None)
        return write_site(board, folder, videos, lambda done, total: progress.update(task, completed=done, total=total))


def _video_count(text: str) -> int | None:
    """--videos: a count of at least 0, or 'all' (None)."""
    if text == "all":
        return None
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of videos; give N or 'all'") from None
    if count < 0:
        raise argparse.ArgumentTypeError(f"--videos must be 0 or more, got {count}")
    return count
