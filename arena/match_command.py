"""`arena match`: two submissions play a series of games; a progress bar, a running tally, an honest exit status.

    arena match a/ b/ --games 100            # one bar with the tally as it goes, the table at the end
    arena match a/ b/ --games 4 --verbose    # each game's seats, result and replay
    arena match a/ b/ --json                 # one JSON object a game

Seats: the game's options (from the command line, else the manifests' `[options]`) decide how many
there are; the two submissions sit in turn (A, B, A, B, ...) and swap every game, each seat held by
its own copy (its own sandboxed process). A game that ends with a fault (crash, timeout, illegal
action) is reported as it happens, with the file that holds the agent's output and traceback, and
makes the command exit 1. Ctrl-C or SIGTERM stops it after printing the tally so far.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Callable, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from arena.envs import EnvSpec, entry
from arena.held_signals import signals_held
from arena.handle import AgentHandle
from arena.match import Fault, MatchResult, unique_names
from arena.names import file_name, terminal
from arena.outputs import write_failure
from arena.outcomes import Record  # a cooperative game's shared result counts as a draw
from arena.submission import AgentSpec


class Tally:
    """The running score of a series between entrants (by index), for the bar and the final table."""

    def __init__(self, labels: Sequence[str], cooperative: bool):
        self.labels = list(labels)
        self.cooperative = cooperative
        self.records = [Record() for _ in labels]
        self.team_scores: list[float] = []  # cooperative games: the team's score in each game
        self.faults = 0  # games that ended with a fault of an entrant

    @property
    def games(self) -> int:
        return self.records[0].wins + self.records[0].draws + self.records[0].losses

    def add(self, result: MatchResult, entrant_of: dict[str, int]) -> None:
        """Count `result`; `entrant_of` maps each agent name in it to its entrant."""
        if result.faults:
            self.faults += 1
        if self.cooperative:
            self.team_scores.append(result.agents[0].score)
        winner = None if self.cooperative or result.winner is None else entrant_of[result.winner]
        every_seat_faulted = {fault.seat for fault in result.faults} == {agent.seat for agent in result.agents}
        for entrant, record in enumerate(self.records):
            if every_seat_faulted and not self.cooperative:  # both failed to start, say: no draw, a loss each
                record.losses += 1
            elif winner is None:
                record.draws += 1
            elif winner == entrant:
                record.wins += 1
            else:
                record.losses += 1

    def line(self) -> str:
        """A short summary for the progress bar, e.g. 'greedy 12 · random 7 · draws 1'."""
        if self.cooperative:
            if not self.team_scores:
                return ""
            return f"team score mean {sum(self.team_scores) / len(self.team_scores):.1f}"
        wins = " · ".join(f"{terminal(label)} {r.wins}" for label, r in zip(self.labels, self.records))
        return f"{wins} · draws {self.records[0].draws}"

    def table(self) -> Table | str:
        if self.cooperative:
            scores = self.team_scores
            if not scores:
                return "no game finished"
            return (f"team score over {len(scores)} games: mean {sum(scores) / len(scores):.1f}, "
                    f"min {min(scores):g}, max {max(scores):g}")
        table = Table("agent", "wins", "draws", "losses", "points", box=None)
        for label, r in zip(self.labels, self.records):
            table.add_row(terminal(label), str(r.wins), str(r.draws), str(r.losses), f"{r.points:g}")
        return table


class Seats:
    """The handles that play the series: per entrant, one copy for each seat it may hold in a game."""

    def __init__(self, specs: Sequence[AgentSpec], seats: int, open_handle: Callable[[AgentSpec], AgentHandle]):
        self.specs = list(specs)
        self.seats = seats
        self.open_handle = open_handle
        self.labels = unique_names([spec.name for spec in specs])
        self.copies: list[list[AgentHandle]] = [[] for _ in specs]

    def for_game(self, game: int) -> list[tuple[int, AgentHandle]]:
        """(entrant, handle) for each seat of game number `game` (see `arena.entrants.seating`)."""
        from arena.entrants import seating

        used = [0] * len(self.specs)
        seated = []
        for entrant in seating(len(self.specs), self.seats, game):
            seated.append((entrant, self._copy(entrant, used[entrant])))
            used[entrant] += 1
        return seated

    def _copy(self, entrant: int, index: int) -> AgentHandle:
        copies = self.copies[entrant]
        while len(copies) <= index:
            handle = self.open_handle(self.specs[entrant])
            # '#' numbers the copies: '-N' already tells apart entrants of the same name (`unique_names`).
            handle.name = self.labels[entrant] if not copies else f"{self.labels[entrant]}#{len(copies) + 1}"
            copies.append(handle)
        return copies[index]

    def close(self) -> None:
        for copies in self.copies:
            for handle in copies:
                handle.close()


class Display:
    """What the command shows: a bar over the games with the tally (unless --verbose, --json or a single
    game, which print each game), faults as they happen, and a bar while a video is written."""

    def __init__(self, games: int, env_name: str, verbose: bool, as_json: bool, out: Console, err: Console):
        self.games, self.as_json = games, as_json
        self.each_game = verbose or as_json or games == 1
        self.err = err
        # Bars go to stderr with --json (stdout holds the JSON lines alone); on a terminal, what is
        # printed to stderr meanwhile shows above them.
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[note]}"), TimeRemainingColumn(),
                                 console=err if as_json else out, redirect_stdout=not as_json)
        self.bar = None if self.each_game else self.progress.add_task(env_name, total=games, note="")
        self.shown = False

    def __enter__(self) -> Display:
        if self.bar is not None:
            self._show()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self.shown:
            # Into a file or a pipe, Progress.stop ends the bars' last picture with a line break; with
            # every bar gone (a video's, once written) that picture is empty and the break an empty line.
            (self.progress.stop if self.progress.tasks else self.progress.live.stop)()

    def _show(self) -> None:
        if not self.shown:
            self.progress.start()
            self.shown = True

    def game_played(self, result: MatchResult, game: int, tally: Tally, files: dict[str, Path | None],
                    logs: dict[str, Path | None]) -> None:
        """Show game number `game`; `files` holds its replay and video paths, `logs` each agent's output file."""
        if self.as_json:
            print(json.dumps(_match_json(result, files["replay"], files["video"], logs)), flush=True)
        elif self.each_game:
            self._print_game(result, game, files)
        elif files["video"] is not None:  # shown above the bar: each game's file is named after the one asked for
            self.progress.console.print(f"[dim]game {game + 1}'s video:[/] {files['video']}")
        for fault in result.faults:
            self._print_fault(result, fault, game, logs)
        if self.bar is not None:
            self.progress.update(self.bar, advance=1, note=tally.line())

    def video_progress(self, game: int) -> Callable[[int, int], None]:
        """A callback for `arena.video.record` moving a bar for game number `game`'s video."""
        self._show()
        task = self.progress.add_task(f"video of game {game + 1}" if self.games > 1 else "video", total=None, note="")

        def advance(done: int, total: int) -> None:
            self.progress.update(task, completed=done, total=total)
            if done >= total:
                self.progress.remove_task(task)

        return advance

    def _print_game(self, result: MatchResult, game: int, files: dict[str, Path | None]) -> None:
        print_ = self.progress.console.print
        counter = f"game {game + 1}/{self.games} · " if self.games > 1 else ""
        seats = " vs ".join(f"{terminal(a.name)} ({a.seat})" for a in result.agents)
        print_(f"[dim]{counter}{result.env} · seed {result.seed} ·[/] {seats}")
        if entry(result.env).cooperative:
            verdict = "[bold]team result[/]"
        else:
            verdict = f"[bold]{terminal(result.winner)}[/] wins" if result.winner else "[bold]draw[/]"
        print_(f"  {verdict}: {terminal(result.shown_outcome, limit=600)}")
        video = f"  [dim]video:[/] {files['video']}" if files["video"] else ""
        print_(f"  [dim]replay:[/] {files['replay']}{video}")

    def _print_fault(self, result: MatchResult, fault: Fault, game: int, logs: dict[str, Path | None]) -> None:
        agent = result.agent(fault.seat)
        where = f"game {game + 1} (seed {result.seed})" if self.games > 1 else f"seed {result.seed}"
        self.err.print(f"[red]{where}: {terminal(agent.name)}: {agent.status}[/] — "
                       f"{terminal(agent.detail, limit=400)}")
        log = logs.get(agent.name)
        if log is not None:
            self.err.print(f"  [dim]its output and traceback:[/] {log}")
        elif fault.traceback:  # the agent's word: one of its lines could read as another's fault
            self.err.print(shown_lines(quoted(fault.traceback.rstrip())))


def play_series(args: argparse.Namespace, env: EnvSpec, seats: Seats, display: Display, tally: Tally) -> None:
    """Play `args.games` games of `env` (seed `args.seed` + game number), recording each in `tally`."""
    from arena import replay, video
    from arena.match import play_match

    for game in range(args.games):
        seated = seats.for_game(game)
        result = play_match(env, [handle for _, handle in seated], args.seed + game, max_steps=args.max_steps)
        replay_path = Path(args.replay_dir) / game_file_name(result)
        video_path = None if args.video is None else _video_path(args.video, replay_path, game, args.games)
        with signals_held():  # a Ctrl-C now stops the series once the game is counted and its replay written
            # Counted before its files are written: a game whose replay cannot be written still shows in the tally.
            tally.add(result, {handle.name: entrant for entrant, handle in seated})
            try:
                replay.save(result, replay_path)
            except OSError as exc:
                raise write_failure(f"game {game + 1}'s replay", exc.filename or replay_path, exc) from None
        files: dict[str, Path | None] = {"replay": replay_path, "video": None}
        try:
            if video_path is not None:
                files["video"] = video.record(result, video_path, on_frame=display.video_progress(game))
        except OSError as exc:
            raise write_failure(f"game {game + 1}'s video", video_path, exc) from None
        finally:  # a counted game is shown (with --json, its line printed) even if its video is not whole
            logs = {handle.name: getattr(handle, "output_file", None) for _, handle in seated}
            display.game_played(result, game, tally, files, logs)


def game_file_name(result: MatchResult) -> str:
    """`ENV[-OPTIONS]-A-vs-B-sSEED.json`: the options given name the file too, so that games of the
    same seats and seed on another board do not replace each other's replays."""
    names = "-vs-".join(file_name(a.name, limit=40) for a in result.agents)
    options = "".join(f"-{key}{value}" for key, value in sorted(result.env_options.items()))
    return f"{file_name(result.env + options, limit=80)}-{names}-s{result.seed}.json"


QUOTE = "  │ "  # before each line an agent wrote (its traceback): none of them passes for one of arena's own


def quoted(text: str) -> str:
    """`text`, which an agent wrote (a traceback it sent), with QUOTE before each line, for `shown_lines`."""
    return "\n".join(QUOTE + line for line in text.splitlines())


def shown_lines(text: str) -> str:
    """Text of several lines (a message, a traceback) for rich: each line printable and escaped,
    its indentation kept (after QUOTE, on the lines `quoted` marked)."""

    def shown(line: str) -> str:
        mark = QUOTE if line.startswith(QUOTE) else ""
        line = line[len(mark):]
        return mark + line[: len(line) - len(line.lstrip(" "))] + terminal(line, limit=2000)

    return "\n".join(map(shown, text.splitlines()))


def _video_path(requested: str, replay_path: Path, game: int, games: int) -> Path:
    if not requested:
        return replay_path.with_suffix(".mp4")
    path = Path(requested)
    return path if games == 1 else path.with_name(f"{path.stem}-g{game + 1}{path.suffix}")


def _match_json(result: MatchResult, replay_path: Path | None, video_path: Path | None,
                logs: dict[str, Path | None]) -> dict[str, Any]:
    """A game as `--json` prints it: each agent's result with why it faulted and its output file, if any."""
    return {
        "env": result.env,
        "seed": result.seed,
        "agents": [{"name": a.name, "score": a.score, "rank": a.rank, "status": str(a.status), "detail": a.detail,
                    "log": None if logs.get(a.name) is None else str(logs[a.name])} for a in result.agents],
        "winner": result.winner,
        "replay": str(replay_path),
        "outcome": result.outcome,
        "cut_short": result.cut_short,
        "video": None if video_path is None else str(video_path),
    }
