"""`arena tournament`: register a folder of submissions, play the format's matches sandboxed, record each.

    arena tournament submissions/ --env othello --games-per-pair 4 --workers 2 --db results.sqlite
    arena tournament --db results.sqlite --resume

The tournament itself (schedule, store, backends) is `arena.tournament`; this module is the command
around it: its options, the progress bar, and what is said when it ends or stops.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
from typing import TYPE_CHECKING

from arena import arguments
from arena.cli import err, out, terminal, warn
from arena.consoles import counted
from arena.errors import ArenaError, HarnessError
from arena.settings import parse_overrides

if TYPE_CHECKING:
    from pathlib import Path

# The command imports the tournament when it runs: `arena tournament --help` stays light.

MAX_FAULTED_SHOWN = 10  # entrants whose faults a tournament's end names
DEFAULT_FORMAT, DEFAULT_GAMES_PER_PAIR = "round-robin", 2  # a new tournament's, unless given


def add_tournament_command(commands) -> None:
    """Add `tournament` to the `arena` command's subparsers."""
    tournament = commands.add_parser(
        "tournament",
        help="play every submission in a folder against the others",
        description="Register the submissions in FOLDER (sub-folders and zips), schedule the format and play every "
        "match sandboxed, recording each as it finishes in the --db database. Run it again on the same folder to add "
        "new or changed submissions (a changed one is a new entrant); --resume finishes an interrupted tournament. "
        "A submission that cannot be read is listed with the reason and forfeits its matches; one process plays "
        "a --db at a time. Exits 75 when this machine failed it (a full disk, no processes left): what was "
        "recorded stays, and the same command carries on.",
        epilog="examples:\n"
        "  arena tournament submissions/ --env othello --games-per-pair 4 --workers 2 --db results.sqlite\n"
        "  arena tournament --db results.sqlite --resume\n"
        "  arena tournament subs/ --env othello --format gauntlet --challenger my_agent --db gauntlet.sqlite\n"
        "  arena tournament subs/ --env snake --format free-for-all --rounds 20 --db snake.sqlite",
        formatter_class=arguments.ParagraphsHelpFormatter,
    )
    tournament.add_argument("folder", nargs="?", help="folder of submissions to register")
    tournament.add_argument("--db", required=True, help="the results database: an SQLite file, created if "
                            "missing, or a postgresql://user@host/dbname URL")
    arguments.advise_when_missing(tournament, "--db", "name the file that holds (or is to hold) the tournament, "
                                  "e.g. --db results.sqlite, also with --resume")
    tournament.add_argument("--resume", action="store_true",
                            help="carry on with the settings stored in --db (what is unplayed is played)")
    tournament.add_argument("--env", help="game to play")
    tournament.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE",
                            help="env option, e.g. -o size=6; repeatable")
    tournament.add_argument("--format", default=DEFAULT_FORMAT, choices=("round-robin", "gauntlet", "swiss", "free-for-all"),
                            help="who plays whom (default: round-robin)")
    tournament.add_argument("--games-per-pair", type=arguments.positive_int, default=DEFAULT_GAMES_PER_PAIR,
                            help="games per pairing, seats swapped every game (default: 2)")
    tournament.add_argument("--rounds", type=int, help="rounds of swiss or free-for-all (default: a swiss plays enough to "
                                                       "separate a single winner, log2 of the entrants rounded up; a "
                                                       f"free-for-all {arguments.FREE_FOR_ALL_ROUNDS})")
    tournament.add_argument("--challenger", help="gauntlet: the name of the entrant that plays the field")
    tournament.add_argument("--seed", type=arguments.seed,
                            help="tournament seed; every game's seed derives from it (default: drawn at random "
                                 "and stored, so that entrants cannot rebuild their games; the same command "
                                 "run again carries on with it)")
    tournament.add_argument("--time-per-move", type=arguments.seconds, metavar="SECONDS",
                            help="per-move limit for every agent (default: the game's, see arena envs); "
                                 "a manifest may ask for less, never more")
    tournament.add_argument("--time-bank", type=float, metavar="SECONDS",
                            help="seconds a game each agent may spend over its per-move limits in all "
                                 "(default: the game's bank, see arena envs)")
    tournament.add_argument("--max-steps", type=arguments.positive_int, help=arguments.MAX_STEPS_HELP)
    tournament.add_argument("--memory-mb", type=int, help=arguments.memory_mb_help(keeping_sandboxes=True))
    tournament.add_argument("--accelerators", action="store_true",
                            help=arguments.ACCELERATORS_HELP + "; kept with the tournament")
    tournament.add_argument("--workers", type=arguments.positive_int, default=2,
                            help="matches played at once (default: 2)")
    tournament.add_argument("--backend", default="process", choices=("process", "ray"),
                            help="process: a pool on this machine (default); ray: Ray tasks")
    tournament.add_argument("--address", help="Ray cluster address HOST:PORT (default: start a local Ray)")
    tournament.add_argument("--allow-weak-sandbox", action="store_true",
                            help="play even where this machine lacks some of the sandbox's isolating layers "
                                 "(namespaces, cgroups): only for entrants you trust")
    tournament.set_defaults(run=_run_tournament)


def resume_hint(typed: str, shown: str) -> str:
    """How to finish an interrupted tournament held in --db `typed`, which messages show as `shown`: a
    database URL's password is never printed, so its place is pointed out instead."""
    from arena.db import describe

    hint = f"arena tournament --db {terminal(shlex.quote(shown), limit=400)} --resume plays the rest"
    return hint + (" (with the URL's password where *** stands)" if describe(typed) != typed else "")


def _run_tournament(args: argparse.Namespace) -> int:
    from arena.tournament import files_a_start_makes, submissions_folder
    from arena.tournament.runner import backend_for

    check_isolation(args.allow_weak_sandbox)
    if args.folder:
        submissions_folder(args.folder)  # before the store and its folders are made
    backend = backend_for(args.backend, args.workers, args.address)
    new_files = [] if args.resume else files_a_start_makes(args.db)
    try:
        tournament = _started_tournament(args, new_files)
    except BaseException:
        backend.close()
        raise
    with tournament, contextlib.closing(backend):
        store = tournament.store
        try:
            played = _play_with_progress(tournament, backend)
        except KeyboardInterrupt:  # what was played is recorded: say how to go on
            recorded, planned = store.finished_count(), tournament.matches_planned()
            err.print(f"{recorded} of {counted(planned, 'match')} recorded; " + (
                resume_hint(args.db, str(store.path)) if recorded < planned else "the tournament is over"))
            raise
        out.print(f"{counted(played, 'match')} played; {store.finished_count()} of {len(store.schedule())} recorded in "
                  f"{terminal(str(store.path), limit=400)}")
        _show_faulted(store)
        _show_left_out(tournament)
        failures = store.failures()
        for match_id, reason in failures.items():
            err.print(f"[yellow]match {match_id} not played:[/] {terminal(reason, limit=400)}")
        if failures:
            err.print(f"{len(failures)} matches could not be played; run the same command again to retry them")
            return HarnessError.EXIT_STATUS  # not a result: the tournament is not over
    return 0


def _started_tournament(args: argparse.Namespace, new_files: list[Path]):
    """The tournament opened, its entrants registered and its first matches planned: where any of it
    fails on what was asked (no entrant plays the game, a mistyped challenger), it is closed again, and
    the `new_files` its start made are removed, so that the corrected command starts afresh. Only once
    opened, that is leased: a start refused because another run holds the store must not remove that
    run's files, made since they were listed."""
    from arena.tournament import remove_unstarted

    tournament = _open_tournament(args)
    try:
        if args.folder:
            for line in tournament.register_folder(args.folder):
                out.print(terminal(line, limit=400))
        tournament.extend_schedule()
    except BaseException as error:
        tournament.close()
        if isinstance(error, ArenaError):
            remove_unstarted(new_files)  # nothing planned, nothing to keep: no store of the wrong game left
        raise
    return tournament


def _show_faulted(store) -> None:
    """Name the entrants whose games ended in their faults, and why: a submission that cannot even start
    (an extra it needs is not installed, say) should not be found out from a leaderboard's last row."""
    from arena.tournament.report import faulted_entrants

    faulted = faulted_entrants(store.results())
    for entrant in faulted[:MAX_FAULTED_SHOWN]:
        err.print(f"[yellow]{terminal(entrant.line(), limit=400)}[/]")
    if len(faulted) > MAX_FAULTED_SHOWN:
        err.print(f"and {len(faulted) - MAX_FAULTED_SHOWN} more entrants faulted: arena leaderboard --db "
                  f"{terminal(str(store.path), limit=400)} shows them all")


def _show_left_out(tournament) -> None:
    """Name the entrants that joined a swiss or free-for-all after its last round: registered, they play no game."""
    rounds = 1 + max((match.round for match in tournament.store.schedule()), default=-1)
    for entrant in tournament.left_out():
        warn(terminal(f"{entrant.label} ({entrant.source}) joined once this {tournament.settings.format} had played "
                       f"all its rounds ({rounds}): it plays no game in it; start another tournament (another --db) "
                       "to play it with the others", limit=400))


def check_isolation(allow_weak: bool) -> None:
    """ArenaError naming each isolating layer this machine lacks, unless the organiser allows that."""
    from arena.sandbox import missing_isolation
    from arena.sandbox.protections import platform_problem

    if problem := platform_problem():  # no layer at all: there is nothing weak to play with
        raise ArenaError(problem)
    missing = missing_isolation()
    if not missing:
        return
    layers = "\n".join(f"  - {line}" for line in missing)
    if not allow_weak:
        raise ArenaError(f"this machine cannot isolate untrusted entrants fully; missing:\n{layers}\n"
                         "fix that, or pass --allow-weak-sandbox to play anyway (only with entrants you trust)")
    from arena.match_command import shown_lines

    err.print(f"[yellow]warning:[/] playing with a weak sandbox (--allow-weak-sandbox); missing:\n{shown_lines(layers)}")


# A tournament's settings, stored as it starts (flag, argument, default when not given, its field of Settings).
STORED_SETTINGS_FLAGS = (("-o", "option", [], "options"), ("--format", "format", DEFAULT_FORMAT, "format"),
                         ("--games-per-pair", "games_per_pair", DEFAULT_GAMES_PER_PAIR, "games_per_pair"),
                         ("--rounds", "rounds", None, "rounds"), ("--challenger", "challenger", None, "challenger"),
                         ("--seed", "seed", None, "seed"), ("--time-per-move", "time_per_move", None, "time_per_move"),
                         ("--time-bank", "time_bank", None, "time_bank"), ("--max-steps", "max_steps", None, "max_steps"),
                         ("--memory-mb", "memory_mb", None, None), ("--accelerators", "accelerators", False, None))


def _open_tournament(args: argparse.Namespace):
    from arena.tournament import Settings, Tournament, limits_flags_as_stored, with_memory_limits

    from arena.db import as_target, is_url

    db = as_target(args.db)
    # Run again on its folder, a tournament goes on with its own settings: --env is not needed, and with it no
    # setting left at its default is asked for. A database on a server is opened to tell where --env is not
    # given (one that holds none says so, asking for --env).
    settings_given = any(getattr(args, dest) != default for _, dest, default, _ in STORED_SETTINGS_FLAGS)
    if is_url(db):
        going_on = args.folder and not args.env
    else:
        going_on = args.folder and db.is_file() and not (args.env and settings_given)
    if args.resume or going_on:
        if not is_url(db) and not db.is_file():  # nothing to resume: and no empty store left behind
            raise ArenaError(f"{db}: no tournament to resume; start one with a submissions folder and --env")
        tournament = Tournament(args.db)
        try:
            arguments.not_taken(args, STORED_SETTINGS_FLAGS, tournament.settings, f"{db}: a tournament that goes on",
                                limits_flags_as_stored(tournament.settings, args.memory_mb, args.accelerators))
        except ArenaError:
            tournament.close()
            raise
        if args.env and args.env != tournament.settings.env:
            tournament.close()
            raise ArenaError(f"{args.db} holds a tournament of {tournament.settings.env}, not {args.env}; "
                             f"use another --db for {args.env}")
        _warn_of_memory_on_resume(tournament.settings, args.workers)
        return tournament
    if not args.folder or not args.env:
        raise ArenaError("a new tournament needs a folder of submissions and --env (or --resume with --db)")
    settings = Settings(
        env=args.env, options=parse_overrides(args.option), format=args.format, games_per_pair=args.games_per_pair,
        seed=args.seed, rounds=args.rounds, challenger=args.challenger, time_per_move=args.time_per_move,
        max_steps=args.max_steps, time_bank=args.time_bank)
    return Tournament(args.db, with_memory_limits(settings, args.memory_mb, args.workers, warn,
                                                  accelerators=args.accelerators))


def _warn_of_memory_on_resume(settings, workers: int) -> None:
    """Its agents' memory was shared out for the workers it began with: say so where more now would not fit."""
    from arena.sandbox.memory import resume_warning

    most = settings.limits.get("max_memory_mb", settings.limits.get("memory_mb"))
    warning = resume_warning(most, settings.seats, workers) if most is not None else None
    if warning is not None:
        warn(warning)


def _play_with_progress(tournament, backend) -> int:
    """Play the tournament to its end under a progress bar; how many matches were recorded."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    tournament.extend_schedule()
    store = tournament.store
    if not store.pending():  # finished, or all its rounds played: no bar to show
        return tournament.play(backend)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]:.2f} matches/s"), TimeRemainingColumn())
    with Progress(*columns, console=out.real) as progress:
        task = progress.add_task(tournament.settings.env, total=tournament.matches_planned(),
                                 completed=store.finished_count(), rate=0.0)
        first_done = store.finished_count()

        def advance(result) -> None:
            progress.update(task, advance=1)
            if progress.tasks[task].finished:  # a round of a swiss or free-for-all played: what comes is known better
                progress.update(task, total=tournament.matches_planned())
            elapsed = progress.tasks[task].elapsed or 1e-9
            progress.update(task, rate=(store.finished_count() - first_done) / elapsed)

        return tournament.play(backend, advance)
