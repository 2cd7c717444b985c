"""The `arena` command: play matches, check submissions, replay games.

    arena match submissions/random submissions/greedy --env othello --seed 0 --video match.mp4
    arena validate my_agent/
    arena replay replays/othello-random-vs-greedy-s0.json --video replay.mp4
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import re
import signal
import sys
from typing import Any, Sequence

from arena import __version__, arguments
from arena.errors import ArenaError, HarnessError, missing_extra

# Each command imports what it needs when it runs: `arena --help` loads argparse and little else.


PIPED_WIDTH = 1000  # columns for output that goes to no terminal


class _Console:
    """A rich Console made on first use (rich is not imported until something is printed)."""

    def __init__(self, stderr: bool = False):
        self.stderr = stderr
        self._console = None

    @property
    def real(self):
        if self._console is None:
            from arena.consoles import QuietOnBrokenPipe

            stream = sys.stderr if self.stderr else sys.stdout
            # Piped into grep or a file, a table keeps each row on one line; rich would fold it to 80 columns.
            width = None if stream.isatty() or "COLUMNS" in os.environ else PIPED_WIDTH
            self._console = QuietOnBrokenPipe(stderr=self.stderr, highlight=False, soft_wrap=True, width=width)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


out = _Console()
err = _Console(stderr=True)


def terminal(text: str, **options: Any) -> str:
    """`arena.names.terminal`, imported when first needed (it loads rich)."""
    from arena.names import terminal as shown

    return shown(text, **options)


def warn(text: str) -> None:
    err.print(f"[yellow]warning:[/] {text}")


# Commands defined in other modules: (module, function adding them, their one-line help). The
# module is imported only when one of its commands is the one run; `arena --help` lists the help.
ELSEWHERE = {
    "tournament": ("arena.tournament_command", "add_tournament_command",
                   "play every submission in a folder against the others"),
    "leaderboard": ("arena.leaderboard.cli", "add_leaderboard_command",
                    "show a tournament's ratings and standings; write them as JSON or a website"),
    "serve": ("arena.serve.cli", "add_serve_commands",
              "host a competition: uploads, validation, continuous rated play, a live leaderboard"),
    "submit": ("arena.serve.cli", "add_serve_commands", "upload a submission to a competition's server"),
    "train": ("arena.train.cli", "add_train_commands",
              "train an agent: stable-baselines3 with a self-play league, or AlphaZero for othello and gomoku"),
    "export": ("arena.train.cli", "add_train_commands", "write a trained run as a submission folder"),
    "tt": ("arena.agents.tt.cli", "add_tt_command", "TTNN ports: run policies on Tenstorrent hardware"),
}

EPILOG = """\
examples:
  arena match submissions/random submissions/greedy --env othello --video match.mp4
  arena match submissions/random submissions/greedy --env othello --games 10 --seed 0
  arena replay replays/othello-random-vs-greedy-s0.json --video replay.mp4
  arena validate my_agent/
  arena match my_agent.zip submissions/greedy --json
  arena analyse "---------------------------OX------XO--------------------------- X" --env othello
  arena envs

A submission is a folder (or a zip of one) with agent.py defining SubmittedAgent, a subclass of
arena.agents.Agent, and an optional arena.toml manifest (name, env, entry, weights, time_per_move,
and an [options] table: the game it is built for, number of players included).
"""


def main(argv: Sequence[str] | None = None) -> int:
    as_the_program = argv is None  # not a caller's own call
    argv = _position_as_one_argument(sys.argv[1:] if argv is None else list(argv))
    parser = _parser(_command_in(argv))
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    if as_the_program and getattr(args, "sandbox", True) is False:
        _run_as_a_sandbox_would()
    previous = signal.signal(signal.SIGTERM, _stop)  # kill PID stops as cleanly as Ctrl-C
    try:
        return args.run(args)
    except ArenaError as exc:
        _print_error(str(exc))
        return HarnessError.EXIT_STATUS if isinstance(exc, HarnessError) else 1
    except ModuleNotFoundError as exc:
        hint = missing_extra(exc)
        if hint is None:
            raise
        _print_error(hint)
        return 1
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        err.print("interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}")
        return 128 + signum
    except BrokenPipeError:  # its output went to a reader that stopped reading (| head): a quiet end, as Unix tools
        _silence_stdout()
        return 128 + signal.SIGPIPE
    except Exception as exc:
        from arena.db import server_lost

        lost = server_lost(exc)
        if lost is None:
            raise
        _print_error(str(lost))
        return HarnessError.EXIT_STATUS
    finally:
        signal.signal(signal.SIGTERM, previous)  # a program that called main() keeps its own handler


# What a sandbox's process runs with that decides how its agent plays: Python's string hashing (the order of a
# set of names), the math libraries' threads (the order of a float sum's terms).
PLAYS_BY = ("PYTHONHASHSEED", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _run_as_a_sandbox_would() -> None:
    """Run this command again (the program's own, never a caller's `main`) with what a sandbox's process plays
    by, where this one lacks it: submissions played in this process (--no-sandbox) then play the games they
    play sandboxed from the same seed."""
    from arena.sandbox.launcher import WORKER_ENVIRONMENT

    wanted = {key: WORKER_ENVIRONMENT[key] for key in PLAYS_BY}
    if not sys.executable or all(os.environ.get(key) == value for key, value in wanted.items()):
        return
    os.execve(sys.executable, [sys.executable, "-m", "arena.cli", *sys.argv[1:]], {**os.environ, **wanted})


def _print_error(text: str) -> None:
    from arena.match_command import shown_lines

    err.print(f"[bold red]error:[/] {shown_lines(text)}")


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises no second BrokenPipeError."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class Stopped(KeyboardInterrupt):
    """A signal asking the command to stop (SIGTERM): it unwinds and cleans up as Ctrl-C does."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: Any) -> None:
    raise Stopped(signum)


BOARD_TEXT = re.compile(r"[-.XOxo*]{16,}")  # a board's squares in text; it may start with '-' (an empty square)


def _position_as_one_argument(argv: list[str]) -> list[str]:
    """`arena analyse BOARD SIDE` given unquoted: one POSITION argument, which argparse would otherwise
    take for options (the board starts with '-') and an extra argument. A board alone (its side to move
    left out) goes last, after `--`, for analyse itself to say what is missing."""
    if not argv or argv[0] != "analyse":
        return argv
    for index in range(1, len(argv) - 1):
        if BOARD_TEXT.fullmatch(argv[index]) and argv[index + 1] in ("X", "O", "x", "o"):
            return [*argv[:index], f"{argv[index]} {argv[index + 1]}", *argv[index + 2:]]
    for index in range(1, len(argv)):
        if BOARD_TEXT.fullmatch(argv[index]) and argv[index].startswith("-") and "--" not in argv[:index]:
            return [*argv[:index], *argv[index + 1:], "--", argv[index]]
    return argv


def _command_in(argv: Sequence[str]) -> str | None:
    """The command `argv` names: its first word that is not an option (`arena` itself has no option
    that takes a value)."""
    return next((word for word in argv if not word.startswith("-")), None)


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The `arena` parser; of the commands defined elsewhere only `command`'s is built in full, the
    others are listed by name and help."""
    parser = arguments.Parser(
        prog="arena",
        description="Run AI competitions: play submitted agents against each other safely and reproducibly.",
        epilog=EPILOG,
        formatter_class=arguments.ParagraphsHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"arena {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    match = commands.add_parser(
        "match",
        help="play two submissions against each other",
        description="Play one or more games between two submissions (folders or zips) and print who won and why. "
        "Every game is saved as a replay that re-simulates exactly. The env options (from -o, else the manifests' "
        "[options]) decide how many seats the game has; A and B sit in turn (A, B, A, B, ...), each seat held by "
        "its own copy. Several games show one progress bar with the running tally, and the table at the end "
        "(also when stopped with Ctrl-C or SIGTERM). Exits 1 when a submission faulted in any game (crash, "
        "timeout, illegal action); the file printed with the fault holds what it printed and its traceback. "
        "Exits 75 when this machine failed the match (a full disk, no processes left: try again), 130 after "
        "Ctrl-C, 143 after SIGTERM.",
        epilog="examples:\n"
        "  arena match submissions/random submissions/greedy --env othello --video match.mp4\n"
        "  arena match my_agent/ submissions/greedy --games 10 --seed 7\n"
        "  arena match my_agent.zip submissions/mcts --env gomoku -o size=9 --verbose\n"
        "  arena match my_agent/ submissions/based_fighter --env fighting --json",
        formatter_class=arguments.ParagraphsHelpFormatter,
    )
    match.add_argument("first", metavar="A", help="first submission: a folder or a zip of one")
    match.add_argument("second", metavar="B", help="second submission: a folder or a zip of one")
    # A newcomer checking their one agent: the command for that, and one to play it against.
    arguments.advise_when_missing(match, "B", "a match plays two submissions, e.g. arena match my_agent/ "
                                  "submissions/random; arena validate A checks one alone")
    match.add_argument("--env", help="game to play (default: the one env both manifests declare)")
    match.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE",
                       help="env option, e.g. -o size=6 for 6x6 Othello or -o num_snakes=2; repeatable; "
                            "replaces that option of the manifests' [options], whose others stay")
    match.add_argument("--seed", type=arguments.seed,
                       help="seed of the first game; game i uses seed + i (default: drawn at random, so that the "
                            "agents cannot rebuild their games from it, and shown with each game and in its replay)")
    match.add_argument("--games", type=arguments.positive_int, default=1,
                       help="number of games (default: 1); A and B swap seats every game")
    match.add_argument("--verbose", "-v", action="store_true",
                       help="print every game's seats, result and replay instead of a progress bar")
    match.add_argument("--video", nargs="?", const="", metavar="PATH",
                       help="also write a video (.mp4, .avi, .mkv, .mov or .gif); without PATH, next to the replay")
    match.add_argument("--replay-dir", default="replays", help="folder for the replay files (default: replays)")
    match.add_argument("--time-per-move", type=arguments.seconds, metavar="SECONDS",
                       help="per-move time limit (default: the game's; a manifest may ask for less)")
    match.add_argument("--time-bank", type=arguments.bank_seconds, metavar="SECONDS",
                       help="seconds a game each agent may spend over its per-move limits in all (default: the "
                            "game's bank, see arena envs)")
    match.add_argument("--max-steps", type=arguments.positive_int, help=arguments.MAX_STEPS_HELP)
    match.add_argument("--json", action="store_true", help="print one JSON object per game instead of text")
    _add_sandbox_options(match)
    match.set_defaults(run=_run_match)

    validate = commands.add_parser(
        "validate",
        help="check that a submission loads and plays",
        description="Unpack and check a submission, build its agent and play one game in each seat of the game its "
        "manifest declares, built with the manifest's [options] (which also decide how many seats there are), "
        "RandomAgent holding the other seats. Exits 0 when all is well, 1 with a one-line reason otherwise.",
        epilog="examples:\n"
        "  arena validate my_agent/\n"
        "  arena validate my_agent.zip --env othello -o size=6\n"
        "  arena validate my_agent/ --no-sandbox      # errors show their full traceback",
        formatter_class=arguments.ParagraphsHelpFormatter,
    )
    validate.add_argument("path", help="the submission: a folder or a zip of one")
    validate.add_argument("--env", help="game to check it on (default: every game its manifest declares, "
                                        "every game if it declares none)")
    validate.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE",
                          help="env option, e.g. -o size=9; repeatable; replaces that option of the "
                               "manifest's [options], whose others stay")
    validate.add_argument("--max-steps", type=arguments.positive_int, default=200,
                          help="moves per check game (default: 200)")
    _add_sandbox_options(validate)
    validate.set_defaults(run=_run_validate)

    replay = commands.add_parser(
        "replay",
        help="re-simulate a replay file, optionally to video",
        description="Re-play the recorded actions of a match, check that the result is the recorded one, "
        "and optionally render it to a video.",
        epilog="examples:\n"
        "  arena match submissions/random submissions/greedy --env othello --seed 0  # the replay below\n"
        "  arena replay replays/othello-random-vs-greedy-s0.json\n"
        "  arena replay replays/othello-random-vs-greedy-s0.json --video replay.gif --fps 4",
        formatter_class=arguments.ParagraphsHelpFormatter,
    )
    replay.add_argument("file", help="a replay file written by arena match")
    replay.add_argument("--video", metavar="PATH", help="write a video (.mp4, .avi, .mkv, .mov or .gif)")
    replay.add_argument("--fps", type=float, help="video frames per second (default: the env's)")
    replay.set_defaults(run=_run_replay)

    analyse = commands.add_parser(
        "analyse",
        help="show the search's best moves in a position",
        description="Search a position with rollout MCTS and print its top moves with visit counts, values "
        "(for the side to move, -1 to +1) and expected lines. POSITION is the board's text format: the squares "
        "row by row from a1 ('-' empty, 'X' black, 'O' white), a space, then the side to move.",
        epilog="examples:\n"
        '  arena analyse "---------------------------OX------XO--------------------------- X"\n'
        '  arena analyse "--XXXXX--OOOXX-O-OOOXXOX-OXOXOXXOXXXOXXX--XOXOXX-XXXOOO--OOOOO-- X" --solve\n'
        "  arena analyse --obf positions.obf --solve --time 10",
        formatter_class=arguments.ParagraphsHelpFormatter,
    )
    analyse.add_argument("position", metavar="POSITION", nargs="?", help="the position, quoted")
    analyse.add_argument("--obf", metavar="FILE",
                         help="analyse every position of an OBF file (Othello: 64 squares, side to move, ';' items)")
    analyse.add_argument("--solve", action="store_true",
                         help="Othello: the exact score of every legal move under perfect play, in FFO's line format "
                         "(G8:+18; H1:+12; ...); with --obf one OBF line per position")
    analyse.add_argument("--env", default="othello", help="othello (default) or gomoku")
    analyse.add_argument("--rule", default="freestyle", help="gomoku's rule: freestyle (default) or exact_five")
    analyse.add_argument("--simulations", type=int, default=20000, help="simulations (default: 20000)")
    analyse.add_argument("--time", type=float, metavar="SECONDS", help="stop after this many seconds instead")
    analyse.add_argument("--seed", type=arguments.seed, default=0, help="seed of the search (default: 0)")
    analyse.add_argument("--top", type=int, default=5, help="moves to show (default: 5)")
    analyse.set_defaults(run=_run_analyse)

    chosen = ELSEWHERE.get(command, (None, None))[:2]
    for name, (module, function, summary) in ELSEWHERE.items():
        if (module, function) == chosen and name not in commands.choices:
            getattr(importlib.import_module(module), function)(commands)
        if name not in commands.choices:
            commands.add_parser(name, help=summary, add_help=False)

    envs = commands.add_parser("envs", help="list the games", description="List the registered games, each with "
                               "its kind and clock: the time a move and the bank of extra time a game.",
                               epilog="examples:\n"
                               "  arena envs\n"
                               "  arena match my_agent/ submissions/random --env pgx:connect_four",
                               formatter_class=arguments.ParagraphsHelpFormatter)
    envs.set_defaults(run=_run_envs)
    return parser


def _add_sandbox_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                        help="run the agents inside this process (each in its own folder, as sandboxed): "
                             "for debugging trusted code, errors then show their full traceback")
    parser.add_argument("--log-dir", default="logs",
                        help="folder for what sandboxed agents print (default: logs)")
    parser.add_argument("--memory-mb", type=arguments.memory_mb, help=arguments.memory_mb_help(keeping_sandboxes=False))
    parser.add_argument("--accelerators", action="store_true", help=arguments.ACCELERATORS_HELP)


def _handles(specs, env_name: str, args: argparse.Namespace, agents_at_once: int):
    from arena.entrants import submission_handle
    from arena.sandbox import Limits
    from arena.sandbox.memory import memory_limits

    limits = Limits(**memory_limits(args.memory_mb, agents_at_once), accelerators=args.accelerators)
    return [submission_handle(spec, env_name, getattr(args, "time_per_move", None),
                              time_bank=getattr(args, "time_bank", None), sandbox=args.sandbox, limits=limits,
                              log_dir=args.log_dir) for spec in specs]


def _run_match(args: argparse.Namespace) -> int:
    last_seed = arguments.MAX_SEED
    if args.seed is not None and args.seed + args.games - 1 > last_seed:  # game i plays seed + i
        raise ArenaError(f"--games {args.games} from --seed {args.seed} would pass the last seed, 2**63 - 1: give a "
                         f"--seed of at most {last_seed - args.games + 1}")
    if args.sandbox:
        from arena.sandbox import launcher

        launcher.warm_up()  # it loads while the submissions and the game do
    from pathlib import Path

    if args.video:
        _check_video_name(args.video)
    made = _missing_folders(args.replay_dir, *([Path(args.video).parent] if args.video else []),
                            *([args.log_dir] if args.sandbox else []))
    try:
        _option_folder(args.replay_dir, "--replay-dir")
        if args.video:
            _video_folder(args.video)
        if args.sandbox:
            _option_folder(args.log_dir, "--log-dir")
        return _play_match(args)
    finally:
        for folder in made:  # made for this match's files, and none came: a failed command leaves nothing
            _remove_if_empty(folder)


def _missing_folders(*folders) -> list:
    """The folders that making `folders` would create, the deepest first."""
    from pathlib import Path

    missing = set()
    for folder in folders:
        path = Path(folder).absolute()
        missing.update(p for p in (path, *path.parents) if not p.exists())
    return sorted(missing, key=lambda p: len(p.parts), reverse=True)


def _play_match(args: argparse.Namespace) -> int:
    from arena.entrants import choose_env, choose_options, seat_count, seats_hint, shown_options
    from arena.envs import EnvSpec, entry
    from arena.held_signals import signals_held
    from arena.match_command import Display, Seats, Tally, play_series
    from arena.seeding import match_seed
    from arena.settings import parse_overrides
    from arena.submission import load

    specs = [load(args.first), load(args.second)]
    env_name = choose_env(args.env, specs)
    env = EnvSpec(env_name, choose_options(env_name, parse_overrides(args.option), specs))
    seat_total = seat_count(env)
    if seat_total < 2:
        hint = seats_hint(env_name, 2)
        raise ArenaError(f"{env_name} with {shown_options(env.options) or 'its default options'} has one seat: "
                         f"a match of two submissions needs two or more" + (f" ({hint})" if hint else ""))
    seats = Seats(specs, seat_total, lambda spec: _handles([spec], env_name, args, seat_total)[0])
    tally = Tally(seats.labels, entry(env_name).cooperative)
    if args.seed is None:
        args.seed = match_seed()
    try:
        with Display(args.games, env_name, args.verbose, args.json, out.real, err.real) as display:
            play_series(args, env, seats, display, tally)
    except (KeyboardInterrupt, ArenaError):
        err.print(f"stopped after {tally.games} of {args.games} games")
        if tally.games:
            err.print(tally.table())
        raise
    finally:
        with signals_held():  # cleaning up
            seats.close()
    if args.games > 1 and not args.json:
        out.print(tally.table())
        out.print(f"[dim]seeds {args.seed} to {args.seed + args.games - 1} (--seed {args.seed} plays them again)[/]")
    if tally.faults:
        err.print(f"[red]{tally.faults} of {args.games} games ended with a fault of a submission[/] (see above)")
        return 1
    return 0


def _remove_if_empty(folder: str) -> None:
    import os

    with contextlib.suppress(OSError):
        os.rmdir(folder)


def _option_folder(folder, option: str) -> None:
    """Make the folder `option` names before any work starts; ArenaError naming the option if it cannot be."""
    from arena.outputs import output_folder

    output_folder(folder, f"{option} {folder}", f"give {option} another folder")


def _video_folder(video: str) -> None:
    """Make the folder of the --video file before any work starts; ArenaError quoting the path given if it cannot be."""
    from pathlib import Path

    from arena.outputs import output_folder

    output_folder(Path(video).parent, f"--video {video}", "choose another path", what="its folder")


def _run_validate(args: argparse.Namespace) -> int:
    from arena.entrants import choose_env
    from arena.settings import parse_overrides
    from arena.submission import load

    if args.sandbox:
        from arena.sandbox import launcher

        launcher.warm_up()  # it loads while the submission does (off Linux: says where arena runs)
    spec = load(args.path)
    if args.env is None and not spec.manifest.env:
        return _validate_on_every_game(spec, _games_taking(parse_overrides(args.option)), args)
    for env_name in [choose_env(args.env, [spec])] if args.env is not None else spec.manifest.env:
        _validate_on(spec, env_name, args)
    return 0


def _games_taking(overrides: dict[str, Any]) -> list[str]:
    """The games that have every -o option given: the others are no game the submission is meant for. An option
    no game has is an ArenaError naming it (a typo, most often), not a failure of the submission in every game."""
    from arena.envs import names, option_names
    from arena.errors import closest

    games = {name: option_names(name) for name in names()}
    for key in overrides:
        if not any(key in options for options in games.values()):
            meant = closest(key, sorted({option for options in games.values() for option in options}))
            hint = f"did you mean {meant!r}? " if meant is not None else ""
            raise ArenaError(f"-o {key}: no game has an option {key!r}; {hint}give --env GAME to see that game's "
                             "options (arena envs lists the games)")
    return [name for name, options in games.items() if set(overrides) <= set(options)]


def _validate_on_every_game(spec, games: list[str], args: argparse.Namespace) -> int:
    """A submission whose manifest names no game may play any: it passes if it plays one of them,
    and the others are said, with how to name its game."""
    played, failed, failed_in_play = [], {}, set()
    for env_name in games:
        try:
            _validate_on(spec, env_name, args)
            played.append(env_name)
        except ArenaError as exc:
            reason = str(exc).removeprefix(f"{spec.source}: ")
            failed[env_name] = reason.removeprefix(f"{env_name}: ")
            if getattr(exc, "phase", "start") != "start":
                failed_in_play.add(env_name)
    if not played:
        raise _plays_no_game(spec, failed, failed_in_play)
    for game, reason in failed.items():
        err.print(f"[yellow]does not play {terminal(game)}:[/] {terminal(reason, limit=400)}")
    if failed:
        declare = (f'add env = "{played[0]}" to its arena.toml' if len(played) == 1 else
                   'add env = "..." naming the game it is made for to its arena.toml')
        warn(f"{terminal(spec.name)} declares no env in arena.toml, so every game was tried: it plays "
              f"{', '.join(played)}; {declare}, or give --env")
    return 0


def _plays_no_game(spec, failed: dict[str, str], failed_in_play: set[str]) -> ArenaError:
    """The error of a submission declaring no game that failed in each: the reason once where it is the same in
    every game, else each game's."""
    game, first = next(iter(failed.items()))
    if all(_without_log(reason) == _without_log(first) for reason in failed.values()):
        if game not in failed_in_play:
            return ArenaError(f"{spec.source}: {first}")  # it could not start: nothing to do with the game
        # Named, as its log is that game's, and to try it again with --env.
        return ArenaError(f"{spec.source}: {game} (and the same in every other game): {first}")
    return ArenaError(f"{spec.source}: declares no env in arena.toml, and plays none of the games:\n  "
                      + "\n  ".join(f"{game}: {reason}" for game, reason in failed.items())
                      + '\n(add env = "..." naming the game it is made for to its arena.toml, or give --env)')


class _CheckGameFault(ArenaError):
    """A submission's fault in one of validate's games; `phase` is when it came: start, reset or move."""

    def __init__(self, message: str, phase: str):
        super().__init__(message)
        self.phase = phase


def _without_log(reason: str) -> str:
    """A fault's reason without the log file it names (each game writes its own)."""
    return re.sub(r"\s*\(its output and traceback: [^()]*\)$", "", reason)


def _validate_on(spec, env_name: str, args: argparse.Namespace) -> None:
    """Play the submission in each seat of `env_name`, RandomAgent in the others; ArenaError on any fault."""
    import time

    from arena.agents import RandomAgent
    from arena.entrants import choose_options, seat_count
    from arena.envs import EnvSpec
    from arena.held_signals import signals_held
    from arena.match import play_match
    from arena.match_command import quoted
    from arena.settings import parse_overrides

    env = EnvSpec(env_name, choose_options(env_name, parse_overrides(args.option), [spec]))
    seats = seat_count(env)
    [handle] = _handles([spec], env_name, args, agents_at_once=1)  # RandomAgent holds the other seats
    started = time.perf_counter()
    moves = 0
    try:
        for seat in range(seats):
            players = [handle if other == seat else RandomAgent() for other in range(seats)]
            result = play_match(env, players, seed=seat, max_steps=args.max_steps)
            mine = result.agents[seat]
            if mine.status != "ok":
                log = getattr(handle, "output_file", None)
                where = f" (its output and traceback: {log})" if log is not None else ""
                fault = result.fault_of(mine.seat)
                shown = fault.traceback if log is None and fault and fault.traceback else ""
                raise _CheckGameFault(f"{spec.source}: {env_name}: {mine.status}: {mine.detail}{where}"
                                      + (f"\n{quoted(shown.rstrip())}" if shown else ""),
                                      fault.phase if fault else "start")
            moves += mine.moves
        printed = getattr(handle, "output_file", None)  # what it printed, a newcomer's debugging among it
    finally:
        with signals_held():  # cleaning up
            handle.close()
    elapsed = time.perf_counter() - started
    options = "".join(f", {key}={value}" for key, value in env.options.items())
    out.print(f"[green]ok:[/] {terminal(spec.name)} ({terminal(str(spec.source), limit=400)}) plays {env_name}: "
              f"{moves} moves in {seats} games (one in each seat, RandomAgent in the others{terminal(options)}), "
              f"{elapsed:.2f} s in all" + (f"; what it printed: {terminal(str(printed), limit=400)}" if printed else ""))


def _check_video_name(name: str) -> None:
    """ArenaError, before any game is played, for a --video file arena cannot write (its format)."""
    from arena.video import why_not_writable

    refusal = why_not_writable(name)
    if refusal is not None:
        raise ArenaError(f"--video {name}: {refusal}")


def _run_replay(args: argparse.Namespace) -> int:
    from arena import replay, video

    if args.video:
        _check_video_name(args.video)
        _video_folder(args.video)
    recorded = replay.load(args.file)
    again = replay.resimulate(recorded)
    # The scores are what is checked; the text shown is the re-simulation's, never the file's own.
    out.print(f"{terminal(args.file, limit=400)}: re-simulated {again.steps} steps; "
              f"result reproduced: {terminal(again.outcome, limit=400)}")
    if not replay.same_outcome_text(recorded, again):
        out.print(f"[yellow]note:[/] the file's own text says {terminal(recorded.outcome, limit=400)}, which is not "
                  "what its moves give (its scores, not its text, are checked: edited, or written by another version)")
    if args.video:
        path = video.record(recorded, args.video, fps=args.fps)
        out.print(f"video: {path}" if path is not None else f"no video: {video.NO_PICTURE}")
    return 0


def _run_analyse(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from arena.analyse import analyse, read_positions, solve_position

    if (args.position is None) == (args.obf is None):
        raise ArenaError("analyse: give either a POSITION or --obf FILE")
    if args.solve and args.env != "othello":
        raise ArenaError(f"analyse --solve solves Othello endgames; got --env {args.env!r}")
    positions = [args.position] if args.obf is None else read_positions(args.obf)
    simulations = 0 if args.time else args.simulations
    for position in positions:
        if args.solve:
            solution = solve_position(position, args.time)
            out.print(escape(str(solution) if args.obf is None else solution.obf()), soft_wrap=True)
        else:
            out.print(escape(str(analyse(position, args.env, simulations, args.seed, args.time, args.top, args.rule))))
    return 0


def _run_envs(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from rich.markup import escape
    from rich.table import Table

    from arena.envs import entry, names

    table = Table("env", "kind", "time per move", "bank", "what it is", box=None)
    rows = [(name, entry(name)) for name in names()]
    rows.append(("pgx:<game>", replace(entry("pgx:game"), summary="any pgx game (pgx:connect_four, pgx:chess, ...) "
                                                                   "on the CPU, with the jax extra")))
    for name, e in rows:
        table.add_row(escape(name), "turn-based" if e.kind == "aec" else "simultaneous", f"{e.time_per_move:g} s",
                      f"{e.time_bank:g} s", escape(e.summary))
    out.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
