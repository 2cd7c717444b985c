"""`arena serve` (the competition's server and its participants) and `arena submit`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Callable, Collection

from arena import arguments
from arena.consoles import QuietOnBrokenPipe, counted
from arena.errors import ArenaError, install_hint
from arena.names import terminal

out = QuietOnBrokenPipe(highlight=False, soft_wrap=True)
err = QuietOnBrokenPipe(stderr=True, highlight=False, soft_wrap=True)
DEFAULT_DB = "competition.sqlite"
STOP_WAIT_SECONDS = 5.0
BATCH_GAMES_A_WORKER = 16  # games planned at once: enough to keep workers busy, few enough to place newcomers soon
GAMES_PER_PAIR = 200  # games two entrants play before play between them rests


def add_serve_commands(commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="host a competition: uploads, validation, continuous rated play, a live leaderboard",
        # argparse would show its optional `users` command as if every call needed one
        usage="%(prog)s [options]\n       %(prog)s users {add,token,list} ... [--db DB]",
        description="Serve a competition on --db (an SQLite file, created if missing, or a PostgreSQL database "
        "given as postgresql://user@host/dbname): participants upload submissions "
        "(on the web page or with arena submit), each is validated as arena validate does, in the sandbox, and "
        "the active ones play each other without end (newcomers first, then the pairs whose ratings are least "
        "certain and closest; never a participant's own two, and none more than its share of a batch), rated "
        "over every recorded game. Stop it at any time; started again on the same "
        "--db, it carries on without losing or repeating a game.",
        epilog="examples:\n"
        "  arena serve --env othello --db competition.sqlite\n"
        "  arena serve users add alice --db competition.sqlite\n"
        "  arena submit my_agent/ --server http://127.0.0.1:8000 --token TOKEN",
        formatter_class=arguments.ParagraphsHelpFormatter,
    )
    serve.add_argument("--db", default=DEFAULT_DB, help=f"the competition's database: an SQLite file or a "
                       f"postgresql://user@host/dbname URL (default: {DEFAULT_DB})")
    serve.add_argument("--env", help="game to play (needed the first time; then the one stored in --db)")
    serve.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE",
                       help="env option, e.g. -o size=6; repeatable")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument("--workers", type=int, default=2, help="games played at once (default: 2)")
    serve.add_argument("--backend", default="process", choices=("process", "ray"),
                       help="process: a pool on this machine (default); ray: Ray tasks")
    serve.add_argument("--address", help="Ray cluster address HOST:PORT (default: start a local Ray)")
    serve.add_argument("--validators", type=int, default=1, help="submissions validated at once (default: 1)")
    serve.add_argument("--max-upload-mb", type=float, default=20.0, help="largest upload, in MiB (default: 20)")
    serve.add_argument("--max-unpacked-mb", type=int, default=512,
                       help="largest submission unpacked, weights from its weights_url included, in MiB (default: "
                            "512; never more than an agent's memory cap, as its files are held in that memory)")
    serve.add_argument("--uploads-per-day", type=int, default=5, help="uploads a participant may make in 24 "
                       "hours (default: 5)")
    serve.add_argument("--max-active", type=int, default=2, help="submissions of a participant that play at "
                       "once; a newer valid one retires the oldest (default: 2)")
    serve.add_argument("--max-logs-mb", type=int, default=1024,
                       help="what the agents' logs (DB-logs/, a file each time an agent's sandbox opens) may hold "
                            "in all, in MiB; the oldest are deleted past it, between batches (default: 1024)")
    serve.add_argument("--placement-games", type=int, default=10,
                       help="games a new submission plays first, against the field (default: 10)")
    serve.add_argument("--games-per-pair", type=arguments.positive_int, default=GAMES_PER_PAIR, metavar="N",
                       help="play rests once every two entrants have met this often, until a new one comes "
                            f"(default: {GAMES_PER_PAIR}; their ratings then hardly move)")
    serve.add_argument("--open-registration", action="store_true",
                       help="let anyone register on /register and get a token (default: the organiser adds "
                            "participants with arena serve users add)")
    serve.add_argument("--seed", type=arguments.seed,
                       help="seed every game's seed derives from, kept secret from the agents (default: drawn at "
                            "random and stored with the competition)")
    serve.add_argument("--time-per-move", type=float, metavar="SECONDS", help="per-move limit (default: the game's)")
    serve.add_argument("--max-steps", type=arguments.positive_int, help=arguments.MAX_STEPS_HELP)
    serve.add_argument("--memory-mb", type=int, help=arguments.memory_mb_help(keeping_sandboxes=True))
    serve.add_argument("--accelerators", action="store_true",
                       help=arguments.ACCELERATORS_HELP + "; kept with the competition")
    serve.add_argument("--allow-weak-sandbox", action="store_true",
                       help="serve even where this machine lacks some of the sandbox's isolating layers: "
                            "only for entrants you trust")
    serve.set_defaults(run=_run_serve)

    commands_of_serve = serve.add_subparsers(title="commands", metavar="COMMAND", prog=serve.prog)
    users_examples = ("examples:\n"
                      "  arena serve users add alice --db competition.sqlite      # prints alice's token, once\n"
                      "  arena serve users add bob --organiser --db competition.sqlite\n"
                      "  arena serve users token alice --db competition.sqlite    # a new token; the old one stops working\n"
                      "  arena serve users list --db competition.sqlite")
    taught = {"epilog": users_examples, "formatter_class": arguments.ParagraphsHelpFormatter}
    users = commands_of_serve.add_parser("users", help="manage participants", **taught,
                                         description="Add participants (each gets a token, printed once), give them "
                                                     "new tokens and list them.")
    users_commands = users.add_subparsers(title="commands", metavar="COMMAND", required=True)
    add = users_commands.add_parser("add", help="add a participant and print its token once", **taught)
    add.add_argument("name", help="the participant's name, shown on the leaderboard")
    add.add_argument("--organiser", action="store_true",
                     help="an organiser: may also pause play and disqualify submissions (/admin)")
    add.set_defaults(run=_run_users_add)
    token = users_commands.add_parser("token", help="give a participant a new token (the old one stops working)", **taught)
    token.add_argument("name", help="the participant's name")
    token.set_defaults(run=_run_users_token)
    listing = users_commands.add_parser("list", help="list the participants and their submissions", **taught)
    listing.set_defaults(run=_run_users_list)
    for parser in (add, token, listing):
        parser.add_argument("--db", default=argparse.SUPPRESS, help=f"the competition's database: an SQLite file or "
                            f"a postgresql://user@host/dbname URL (default: {DEFAULT_DB})")

    submit = commands.add_parser(
        "submit",
        help="upload a submission to a competition's server",
        description="Zip a submission folder (or take a zip) and upload it to an arena serve server; prints the "
        "submission's number, and with --wait its validation result. The token may come from ARENA_TOKEN.",
        epilog="examples:\n"
        "  arena submit my_agent/ --server http://127.0.0.1:8000 --token TOKEN --wait\n"
        "  ARENA_TOKEN=TOKEN arena submit my_agent.zip --server competition.example.org",
        formatter_class=arguments.ParagraphsHelpFormatter,
    )
    submit.add_argument("path", help="the submission: a folder (zipped for you) or a zip")
    submit.add_argument("--server", required=True, type=arguments.server_address,
                        help="the server's address, e.g. http://127.0.0.1:8000 (http:// when none is given)")
    submit.add_argument("--token", default=os.environ.get("ARENA_TOKEN"), help="your token (default: $ARENA_TOKEN)")
    submit.add_argument("--wait", action="store_true", help="wait for the validation's result and print it")
    submit.set_defaults(run=_run_submit)


def _run_users_add(args: argparse.Namespace) -> int:
    from arena.serve.store import CompetitionStore

    with closing(CompetitionStore(args.db)) as store:
        participant, token = store.add_participant(args.name, organiser=args.organiser)
    role = "organiser" if participant.organiser else "participant"
    out.print(f"added {terminal(participant.name)} ({role} {participant.id}); their token, shown only now:")
    print(token)
    return 0


def _run_users_token(args: argparse.Namespace) -> int:
    from arena.serve.store import CompetitionStore

    with closing(CompetitionStore(_existing(args.db))) as store:
        token = store.new_token(args.name)
    out.print(f"new token of {terminal(args.name)} (the old one no longer works), shown only now:")
    print(token)
    return 0


def _run_users_list(args: argparse.Namespace) -> int:
    from arena.serve.store import CompetitionStore

    with closing(CompetitionStore(_existing(args.db))) as store:
        for participant in store.participants():
            statuses = [s.status for s in store.submissions(participant.id)]
            summary = ", ".join(f"{statuses.count(s)} {s}" for s in sorted(set(statuses))) or "no submissions"
            role = "  organiser" if participant.organiser else ""
            out.print(f"{participant.id}  {terminal(participant.name)}{role}  ({summary})")
    return 0


def _existing(db: str):
    """`db` as a store target, refused when it names an SQLite file that does not exist (a mistyped name
    would otherwise be made into an empty competition)."""
    from arena.db import as_target, is_url

    target = as_target(db)
    if not is_url(target) and not target.is_file():
        raise ArenaError(f"{target}: no such competition database; arena serve users add NAME --db {target} "
                         f"or arena serve --env ENV --db {target} creates it")
    return target


def _run_submit(args: argparse.Namespace) -> int:
    from arena.serve.client import arenas_outputs, status, submit

    if not args.token:
        raise ArenaError("arena submit needs your token: --token TOKEN or the ARENA_TOKEN environment variable")
    if Path(args.path).is_dir() and (left_out := arenas_outputs(Path(args.path))):
        err.print(f"left out {', '.join(f'{name}/' for name in left_out)}: what arena match or validate wrote, "
                  "run inside the folder")
    answer = submit(args.path, args.server, args.token)
    out.print(f"submission {answer['id']} ({terminal(answer['name'])}) uploaded; {answer['status']}")
    if not args.wait:
        return 0
    while answer["status"] == "validating":
        time.sleep(2.0)
        answer = status(args.server, args.token, answer["id"])
    if answer["status"] == "refused":
        err.print(f"[red]refused:[/] {terminal(answer['reason'], limit=1000)}")
        return 1
    out.print(f"submission {answer['id']}: {answer['status']}")
    return 0


def _check_port_free(host: str, port: int) -> None:
    """ArenaError naming --port where another program listens on `port` already: said before the
    competition starts, not after it says it serves."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ArenaError(f"--host {host}: {exc.strerror}") from None
    family, kind, protocol, _, address = infos[0]
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: a port in TIME_WAIT is free
        try:
            probe.bind(address)
        except OSError as exc:
            raise ArenaError(f"http://{host}:{port}: {exc.strerror}; serve on another port with --port N") from None


# A competition's settings, stored as it starts (flag, argument, default when not given, its field of Settings).
STORED_SETTINGS_FLAGS = (("-o", "option", [], "options"), ("--seed", "seed", None, "seed"),
                         ("--time-per-move", "time_per_move", None, "time_per_move"),
                         ("--max-steps", "max_steps", None, "max_steps"), ("--memory-mb", "memory_mb", None, None),
                         ("--accelerators", "accelerators", False, None))


def _check_serving_flags(args: argparse.Namespace) -> None:
    """ArenaError naming the first of the server's limits given out of its range."""
    from arena.unpack import MAX_TOTAL_BYTES

    for flag, value in (("--validators", args.validators), ("--uploads-per-day", args.uploads_per_day),
                        ("--max-active", args.max_active), ("--max-logs-mb", args.max_logs_mb)):
        if value < 1:
            raise ArenaError(f"{flag} must be at least 1, got {value}")
    if not 0 < args.max_upload_mb <= 4096:
        raise ArenaError(f"--max-upload-mb must be above 0 and at most 4096, got {args.max_upload_mb}")
    if not 0 < args.max_unpacked_mb <= MAX_TOTAL_BYTES >> 20:
        raise ArenaError(f"--max-unpacked-mb must be above 0 and at most {MAX_TOTAL_BYTES >> 20}, "
                         f"got {args.max_unpacked_mb}")


def _open_competition(args: argparse.Namespace, db: str | Path):
    """The continuous tournament the competition in `db` plays: the one stored, checked against the flags
    given, or a new one from them. ArenaError for a store that holds another kind of tournament."""
    from arena.db import describe
    from arena.serve.store import CompetitionStore
    from arena.settings import parse_overrides
    from arena.tournament import CONTINUOUS, Settings, Tournament, limits_flags_as_stored, with_memory_limits
    from arena.tournament.store import ResultsStore

    probe = ResultsStore(db)
    stored = probe.settings()
    probe.close()
    if stored and stored.get("format") != CONTINUOUS:  # serving it would retire every entrant of that tournament
        raise ArenaError(f"{describe(db)} holds an arena tournament ({stored.get('format')} of {stored.get('env')}), "
                         f"not a competition; give arena serve a --db of its own (arena leaderboard shows that one)")
    competition = CompetitionStore(db)  # its tables, before anything reads them
    uploaded = [Path(s.folder) for s in competition.submissions() if s.folder]  # stored by the organiser's own tools
    competition.close()
    if stored:
        if args.env and args.env != stored.get("env"):
            raise ArenaError(f"{describe(db)} holds a competition of {stored.get('env')}, not {args.env}; "
                             f"use another --db")
        tournament = Tournament(db)
        try:
            arguments.not_taken(args, STORED_SETTINGS_FLAGS, tournament.settings,
                                f"{describe(db)}: the competition it holds",
                                limits_flags_as_stored(tournament.settings, args.memory_mb, args.accelerators))
        except ArenaError:
            tournament.close()
            raise
    else:
        if not args.env:
            raise ArenaError(f"{describe(db)}: a new competition needs --env (e.g. --env othello)")
        _check_no_lost_competition(db, uploaded)
        # No --seed: the tournament draws a secret one (an agent that knew it could replay its games).
        settings = Settings(env=args.env, options=parse_overrides(args.option), format=CONTINUOUS, seed=args.seed,
                            time_per_move=args.time_per_move, max_steps=args.max_steps)
        tournament = Tournament(db, with_memory_limits(settings, args.memory_mb, args.workers,
                                                       lambda text: err.print(f"[yellow]warning:[/] {text}"),
                                                       validators=args.validators, accelerators=args.accelerators))
    return tournament


def _check_no_lost_competition(db: str | Path, uploaded: Collection[Path] = ()) -> None:
    """ArenaError where a new competition in `db` would lose an earlier one's uploads or replays; the
    folders of the uploads its database records (`uploaded`, and their validation's logs) are its own."""
    from arena.db import check_no_lost_files
    from arena.serve.validation import validation_logs

    known = {name for folder in uploaded for name in (folder.name, validation_logs(folder).name)}
    check_no_lost_files(db, ["uploads", "replays"], "competition", known)


def _run_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        raise ArenaError(f"arena serve needs its web libraries: {install_hint('serve')}") from None

    from arena.db import as_target, claim_folder, describe
    from arena.envs import check_options
    from arena.serve.app import create_app
    from arena.serve.competition import ServeConfig
    from arena.serve.http import Server, TimelyProtocol, allow_open_files, trusted_proxies
    from arena.serve.scheduler import Scheduler
    from arena.serve.store import CompetitionStore
    from arena.serve.upkeep import recover, tidy
    from arena.serve.uploads import UploadLimits
    from arena.serve.validation import Validator
    from arena.settings import parse_overrides
    from arena.tournament.runner import backend_for
    from arena.tournament_command import check_isolation

    _check_serving_flags(args)
    check_isolation(args.allow_weak_sandbox)
    db = as_target(args.db)
    if isinstance(db, Path) and not db.exists():  # said before a file is made
        if not args.env:
            raise ArenaError(f"{describe(db)}: a new competition needs --env (e.g. --env othello)")
        _check_no_lost_competition(db)
    if args.env:  # a mistyped game or option too, before a file is made that a second try would find
        check_options(args.env, parse_overrides(args.option))
    _check_port_free(args.host, args.port)
    tournament = _open_competition(args, db)
    settings = tournament.settings
    scheduler = validator = None
    try:
        backend = backend_for(args.backend, args.workers, args.address)  # its players live as long as the server
        memory_mb = settings.limits.get("max_memory_mb")  # the most a game's agent may hold: a validated one too
        backend.reserved_mb = args.validators * (memory_mb or 0)  # the validators' agents, beside the games
        switches = CompetitionStore(db)
        news = GamesNews(tournament.store.finished_count(), _news)
        scheduler = Scheduler(tournament, backend, batch_games=BATCH_GAMES_A_WORKER * args.workers,
                              placement_games=args.placement_games, games_per_pair=args.games_per_pair,
                              paused=switches.paused, on_batch=news, on_rest=news.rest, on_pause=news.pause,
                              owners=switches.entrant_owners,
                              between_batches=lambda: tidy(switches, tournament.store, tournament.log_dir,
                                                           args.max_logs_mb << 20))
        unpacked_mb = min(args.max_unpacked_mb, memory_mb) if memory_mb else args.max_unpacked_mb
        limits = UploadLimits(int(args.max_upload_mb * (1 << 20)), args.uploads_per_day, args.max_active,
                              unpacked_mb << 20)
        config = ServeConfig(db, settings.env, settings.options, limits, open_registration=args.open_registration,
                             games_per_pair=args.games_per_pair)
        claim_folder(config.uploads_dir, db, tournament.store.identity)  # as the tournament's are
        validator = Validator(CompetitionStore(db), db, settings.env, settings.options, args.max_active,
                              threads=args.validators, memory_mb=memory_mb, on_active=scheduler.wake,
                              on_news=_news, accelerators=bool(settings.limits.get("accelerators")),
                              on_withdraw=scheduler.withdraw)
        app = create_app(config, on_upload=validator.wake, on_withdraw=scheduler.withdraw)
        left = recover(switches, tournament.store, config.uploads_dir)
        validator.start()
        scheduler.start()
        out.print(f"serving the {settings.env} competition in {terminal(describe(db), limit=400)} on "
                  f"http://{args.host}:{args.port} (Ctrl-C stops it)")
        if left is not None:
            _news(left)
        allow_open_files()
        Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", http=TimelyProtocol,
                              forwarded_allow_ips=trusted_proxies())).run()
    except BaseException:
        if scheduler is None:
            tournament.close()
            raise
        _stop_play(scheduler, validator, tournament, news, 130)
        raise
    _stop_play(scheduler, validator, tournament, news, 0)
    return 0


def _news(text: str) -> None:
    """A line for the organiser watching the server's console; lost where that cannot be written (its file on
    a full disk), as play goes on."""
    try:
        out.print(f"{time.strftime('%H:%M:%S')} {terminal(text, limit=400)}")
    except OSError:
        pass


class GamesNews:
    """Says how many games were played, at most once every `every` seconds (a batch takes seconds)."""

    def __init__(self, recorded_before: int, say: Callable[[str], None], every: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.total, self.unsaid, self.say, self.every, self.clock = recorded_before, 0, say, every, clock
        self.last = clock() - every  # the first batch is said at once

    def __call__(self, recorded: int) -> None:
        self.total += recorded
        self.unsaid += recorded
        if self.clock() - self.last >= self.every:
            self._say_played()

    def rest(self) -> None:
        """Play comes to rest: the games not said yet, and why no more come."""
        self._say_played()
        self.say("play rests until a new submission: no two entrants of different participants have games left to "
                 "play (--games-per-pair)")

    def pause(self, paused: bool) -> None:
        """Play stops for the organiser's pause (the games not said yet first), or resumes."""
        self._say_played()
        self.say("play paused by the organiser (/admin); the games in play were finished" if paused
                 else "play resumes")

    def stop(self, recorded: int) -> None:
        """The server stops with `recorded` games in all: the games not said yet first."""
        self._say_played()
        self.say(f"stopped, with {counted(recorded, 'game')} recorded")

    def _say_played(self) -> None:
        if self.unsaid:
            self.say(f"{counted(self.unsaid, 'game')} played ({self.total} in all)")
            self.unsaid, self.last = 0, self.clock()


def _stop_play(scheduler, validator, tournament, news: GamesNews, code: int) -> None:
    """Stop the workers; a batch still in play after STOP_WAIT_SECONDS is cut short by ending the process
    (its recorded games stay, the others are played at the next start; its workers die with it)."""
    validator.stop()
    scheduler.stop()
    if not scheduler.join(STOP_WAIT_SECONDS):
        err.print("stopped in the middle of a batch; its unplayed games are played when the server starts again")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    news.stop(tournament.store.finished_count())
    tournament.close()
