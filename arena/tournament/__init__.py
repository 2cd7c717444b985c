"""Tournaments: register submissions, schedule a format, play every match sandboxed, record all.

    arena tournament submissions/ --env othello --format round-robin --games-per-pair 4 --db results.sqlite
    arena tournament --db results.sqlite --resume

The results store (`store`) is the single source of truth; `schedule` decides who plays whom;
`runner` plays the pending matches on a process pool or a Ray cluster. Running the command again
on the same folder registers changed or new submissions (a new content hash is a new entrant;
the older version retires) and schedules only what is missing, so a tournament grows in place.
Killed at any moment, it resumes without losing or repeating a finished match.

Submissions are untrusted: whatever one is (unreadable, hostile, broken) and whatever it does,
it is registered with a one-line reason and forfeits or loses its own matches; the tournament
goes on. Only the organiser's settings (clock, options, limits) govern play; a submission whose
manifest asks for other options (made for another game) is skipped, saying so.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import math
import os
import secrets
import shutil
import stat
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from arena.arguments import FREE_FOR_ALL_ROUNDS
from arena.db import BESIDE_DATABASE, check_no_lost_files, claim_folder, describe, files_beside, is_url
from arena.entrants import options_conflict, seats_hint, shown_options
from arena.envs import entry, make_raw
from arena.errors import ArenaError, HarnessError, closest, missing_path_hint
from arena.match import MatchResult
from arena.outputs import output_folder, write_failure
from arena.sandbox import Limits
from arena.sandbox.memory import MIN_MEMORY_MB, memory_limits, memory_warning
from arena.tournament import schedule
from arena.tournament.blocks import one_line
from arena.tournament.runner import Backend, play_pending
from arena.ratings import iter_two_player_games
from arena.tournament.store import Entrant, ResultsStore

FORMATS = ("round-robin", "gauntlet", "swiss", "free-for-all")
TWO_SEAT_FORMATS = ("round-robin", "gauntlet", "swiss")
CONTINUOUS = "continuous"  # `arena serve`'s play: its scheduler plans the games, none is scheduled here
MAX_SECONDS = 3600.0  # the longest per-move budget or bank an organiser may set
MAX_GAMES_PER_PAIR = 1000
FOLDERS = ("replays", "entrants", "logs")  # the kinds of a tournament's files beside its store, in that order


@dataclass
class Settings:
    """How a tournament is played; saved in its store, so a resume needs nothing else."""

    env: str
    options: dict[str, Any] = field(default_factory=dict)
    format: str = "round-robin"
    games_per_pair: int = 2
    seed: int | None = None  # None: the stored tournament's, or for a new one a secret seed drawn at random
    rounds: int | None = None  # swiss and free-for-all (default: log2 of the entrants / 10)
    challenger: str | None = None  # gauntlet: the entrant name facing the field
    time_per_move: float | None = None  # default: the env's; a manifest may ask for less, never more
    max_steps: int | None = None
    limits: dict[str, Any] = field(default_factory=dict)  # arena.sandbox.Limits fields
    time_bank: float | None = None  # default: the env's

    def __post_init__(self) -> None:
        entry(self.env)
        if self.format not in (*FORMATS, CONTINUOUS):
            raise ArenaError(f"unknown format {self.format!r}: choose one of {', '.join(FORMATS)}")
        _check_whole("--games-per-pair", self.games_per_pair, 1, MAX_GAMES_PER_PAIR)
        for flag, value in (("--rounds", self.rounds), ("--max-steps", self.max_steps)):
            if value is not None:
                _check_whole(flag, value, 1, 1 << 40)
        _check_seconds("--time-per-move", self.time_per_move, positive=True)
        _check_seconds("--time-bank", self.time_bank, positive=False)
        if self.format == "gauntlet" and not self.challenger:
            raise ArenaError("a gauntlet needs --challenger NAME: the entrant that plays the field")
        _check_limits(self.limits)
        try:
            seats = len(make_raw(self.env, **self.options).possible_agents)
        except (ArenaError, ValueError, TypeError) as exc:  # the env's own checks name the option
            raise ArenaError(str(exc)) from None
        if self.format in TWO_SEAT_FORMATS and seats != 2:
            raise ArenaError(f"a {self.format} tournament seats two entrants a game, and {self._game()} has "
                             f"{seats} seats: use --format free-for-all{self._or_seats(2)}")

    def _game(self) -> str:
        return f"{self.env} with {shown_options(self.options)}" if self.options else self.env

    def _or_seats(self, seats: int) -> str:
        hint = seats_hint(self.env, seats)
        return f", or {hint}" if hint else ""

    @property
    def seats(self) -> int:
        """Agents in one game."""
        return len(make_raw(self.env, **self.options).possible_agents)


def _check_whole(flag: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ArenaError(f"{flag} must be a whole number from {low} to {high}, got {value!r}")


def _check_seconds(flag: str, value: Any, positive: bool) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not (0 < value if positive else 0 <= value) or value > MAX_SECONDS:
        lowest = "above 0" if positive else "from 0"
        raise ArenaError(f"{flag} must be a number of seconds {lowest} up to {MAX_SECONDS:g}, got {value!r}")


def with_memory_limits(settings: Settings, memory_mb: int | None, workers: int,
                       warn: Callable[[str], None], validators: int = 0, accelerators: bool = False) -> Settings:
    """`settings` with the sandbox limits of an organiser's `--memory-mb` for `workers` games at once
    and `validators` submissions checked beside them, one agent each (`memory_limits`), passing
    `warn` what `memory_warning` says of them; with `accelerators`, agents may open the machine's
    GPUs and Tenstorrent cards (`Limits.accelerators`)."""
    agents_at_once = workers * settings.seats + validators
    warning = memory_warning(memory_mb, agents_at_once)
    if warning is not None:
        warn(warning)
    limits = memory_limits(memory_mb, agents_at_once, keeping_sandboxes=True)
    return replace(settings, limits={**limits, "accelerators": True} if accelerators else limits)


def submissions_folder(folder: str | Path) -> Path:
    """`folder` as a Path; ArenaError unless it is a folder (of submissions to register)."""
    from arena.submission import is_submission_root

    folder = Path(folder)
    if not folder.exists():
        raise ArenaError(f"{folder}: no such folder{missing_path_hint(folder)}")
    if folder.suffix == ".zip" or is_submission_root(folder):
        raise ArenaError(f"{folder}: one submission, not a folder of them; put it in a folder with the submissions "
                         "it should play, and give that folder instead")
    if not folder.is_dir():
        raise ArenaError(f"{folder}: not a folder of submissions")
    return folder


def limits_flags_as_stored(settings: Settings, memory_mb: int | None, accelerators: bool) -> list[str]:
    """Those of `--memory-mb` and `--accelerators`, given, that ask for what `settings.limits` already
    holds: a tournament that goes on with its own settings takes them as they are."""
    same = []
    stored_memory = {key: value for key, value in settings.limits.items() if key != "accelerators"}
    if memory_mb is not None and memory_limits(memory_mb, 1) == stored_memory:
        same.append("--memory-mb")
    if accelerators and settings.limits.get("accelerators"):
        same.append("--accelerators")
    return same


# Settings a command line sets other than by a flag of their name.
SETTINGS_SET_BY = {"limits": "limits: the memory each agent may hold, set by --memory-mb or else by this machine's "
                             "memory shared among the agents of --workers, and --accelerators"}


def _check_limits(limits: dict[str, Any]) -> None:
    try:
        Limits(**limits)
    except TypeError as exc:
        raise ArenaError(f"sandbox limits: {exc}") from None
    if "memory_mb" in limits:
        _check_whole("--memory-mb", limits["memory_mb"], MIN_MEMORY_MB, 1 << 20)


class Tournament:
    """A tournament stored in `db` (an SQLite file's path or a postgresql:// URL), with its replays,
    logs and registered entrants beside it (`arena.db.files_beside`)."""

    def __init__(self, db: str | Path, settings: Settings | None = None):
        """Open (or start, with `settings`) the tournament in `db`, as the one process playing it.

        ArenaError if another process plays it (`StoreBusy`), if the store is damaged, or if
        `settings` differ from those it was started with.
        """
        self.store = ResultsStore(db)
        self._joined: set[int] = set()  # the entrants this run registered (or made current again)
        self._planned = False  # whether this run scheduled matches: those registered before were in their field
        try:
            self.store.acquire_lease()
            self.settings = self._settings(self.store.path, settings)
            self.replay_dir, self.archive_dir, self.log_dir = (_folder_beside(db, kind) for kind in FOLDERS)
            for folder in (self.replay_dir, self.archive_dir, self.log_dir):
                claim_folder(folder, db, self.store.identity)
        except BaseException:
            self.store.close()
            raise

    def _settings(self, db: str | Path, settings: Settings | None) -> Settings:
        stored = self.store.settings()
        if settings is None:
            if not stored:
                raise ArenaError(f"{db}: no tournament here yet; start one with a submissions folder and --env")
            return _stored_settings(db, stored)
        if settings.seed is None:  # entrants must not be able to guess it: they could rebuild their games
            planned = stored and self.store.schedule()
            settings = replace(settings, seed=stored.get("seed") if planned else secrets.randbits(63))
        if not stored:
            check_no_lost_files(db, ["replays"], "tournament")
            self.store.save_settings(asdict(settings))
            return settings
        if stored.get("env") != settings.env:
            raise ArenaError(f"{db} holds a tournament of {stored.get('env')}, not {settings.env}; "
                             f"use another --db for {settings.env}")
        if not self.store.schedule():  # nothing planned yet (a mistyped --challenger, say): the corrected command's
            self.store.save_settings(asdict(settings))
            return settings
        known, asked = asdict(_stored_settings(db, stored)), asdict(settings)
        if known != asked:
            changed = ", ".join(SETTINGS_SET_BY.get(k, k) for k in asked if known.get(k) != asked[k])
            raise ArenaError(f"{db}: this tournament was started with other settings ({changed}); leave out the "
                             f"flags that set them to go on with its own (or use --resume), or use a new --db")
        return settings

    def close(self) -> None:
        """Give up playing the store (its lease), so another process may."""
        self.store.close()

    def __enter__(self) -> Tournament:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # --- entrants ---------------------------------------------------------------------------

    def register_folder(self, folder: str | Path) -> list[str]:
        """Register every submission in `folder` (sub-folders and zips); a line of news for each."""
        folder = submissions_folder(folder)
        own = {self.replay_dir.resolve(), self.archive_dir.resolve(), self.log_dir.resolve()}  # a --db inside the folder
        candidates = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and (p.is_dir() or p.suffix == ".zip"))
        news = [f"skipped {path}: {why}" if (why := "this tournament's own files" if path.resolve() in own
                                            else _not_a_submission(path)) else self.register(path)
                for path in candidates]
        if not self.store.entrants(active_only=True):
            raise ArenaError(f"{folder}: no submission in it plays {self.settings.env}")
        return news

    def register(self, path: Path) -> str:
        """Register the submission at `path`; a line of news. One that cannot be read or copied is
        registered all the same, with the reason, and forfeits its matches."""
        from arena.submission import load

        if not _is_plain(path):
            return f"skipped {path}: not a folder or a regular file"
        try:
            spec = load(path)
            if not spec.manifest.plays(self.settings.env):
                return f"skipped {path}: it plays {', '.join(spec.manifest.env)}, not {self.settings.env}"
            conflict = options_conflict(spec.manifest.options, self.settings.env, self.settings.options,
                                        "this tournament", organiser=True)
            if conflict is not None:
                return f"skipped {path}: {conflict}"
        except HarnessError:  # the machine's doing (a full disk): no submission is charged with it
            raise
        except Exception as exc:  # anything a submission holds must not stop the tournament
            return self._register_unplayable(path, one_line(exc))
        known = self.store.entrant_with(spec.digest)
        # Kept where first registered; else named by the whole hash: two submissions made to share a prefix
        # of it must not share a copy, one played as the other.
        archive = Path(known.archive) if known is not None and known.archive else self.archive_dir / spec.digest
        if not archive.exists():
            _copy_whole(spec.root, archive, path)
        source = _source(path)
        entrant, added = self.store.register(spec.name, spec.digest, source, str(archive))
        # What plays for a folder is what it holds now: a folder made a copy of another entrant has no version
        # of its own playing, and one whose change was undone plays its earlier version again.
        if not added and entrant.source != source:
            retired = self.store.retire_source(source)
            return (f"skipped {path}: the same files as {entrant.label} ({entrant.source}), which is registered"
                    + ("; the version registered from it before retires" if retired else ""))
        if added or not entrant.active:
            self._joined.add(entrant.id)
        if not added and not entrant.active:
            self.store.make_current(entrant)
            return f"registered {entrant.label} ({path}) again, as its files are once more: its newer version retires"
        return f"{'registered' if added else 'unchanged'} {entrant.label} ({path})"

    def _register_unplayable(self, path: Path, reason: str) -> str:
        """Register a submission that cannot play, so the table shows it and why; it forfeits."""
        source = _source(path)
        fingerprint = f"{source}\0{reason}\0{_changed_at(path)}".encode("utf-8", "surrogateescape")
        digest = hashlib.sha256(b"unplayable\0" + fingerprint).hexdigest()
        entrant, added = self.store.register(path.stem or path.name, digest, source, "", problem=reason)
        return f"{'registered' if added else 'unchanged'} {entrant.label} ({path}), which forfeits: {reason}"

    # --- schedule ---------------------------------------------------------------------------

    def extend_schedule(self) -> int:
        """Schedule what is due and not yet scheduled; how many matches were added."""
        self.store.cancel_unplayed_with_retired()
        active = [e.id for e in self.store.entrants(active_only=True)]
        played = {frozenset(m.seats) for m in self.store.schedule()}
        existing = self.store.schedule()
        next_round = 1 + max((m.round for m in existing), default=-1)
        s = self.settings
        if s.format == CONTINUOUS:
            return 0
        if not existing and len(active) < 2:  # else it would end at once, having played nothing
            raise ArenaError(f"a {s.format} needs two entrants or more, and {_entrants(len(active))} {s._game()}: "
                             "add entrants")
        if s.format == "round-robin":
            matches = schedule.round_robin(active, s.games_per_pair, s.seed, played, next_round)
        elif s.format == "gauntlet":
            matches = schedule.gauntlet(self._challenger(), active, s.games_per_pair, s.seed, played, next_round)
        else:
            matches = self._next_round(active, existing, played, next_round)
        self.store.add_to_schedule(matches)
        self._planned = self._planned or bool(matches)
        return len(matches)

    def _challenger(self) -> int:
        entrants = self.store.entrants(active_only=True)
        named = [e for e in entrants if self.settings.challenger in (e.name, e.label)]
        if len(named) > 1:
            # A submission chooses its own name: one named like the challenger must not take its place (the
            # first registered would, its folder sorting first). Once planned, the challenger is the one seated.
            seated = Counter(s for m in self.store.schedule() for s in m.seats)
            named.sort(key=lambda e: seated[e.id], reverse=True)
            if seated[named[0].id] == seated[named[1].id]:
                which = ", ".join(f"{e.label} ({e.source})" for e in named)
                raise ArenaError(f"{len(named)} entrants are called {self.settings.challenger!r}: {which}; name the "
                                 f"challenger by its label (--challenger {named[0].label}), or rename the others")
        if not named:
            meant = closest(self.settings.challenger, (e.name for e in entrants))
            guess = f"did you mean {meant!r}? " if meant else ""
            raise ArenaError(f"no entrant is called {self.settings.challenger!r}; {guess}the challenger must be one of "
                             f"{', '.join(e.name for e in entrants)}")
        return named[0].id

    def _next_round(self, active: list[int], existing, played, next_round: int) -> list[schedule.Match]:
        """Swiss and free-for-all schedule a round at a time, once the previous one is finished."""
        s = self.settings
        if self.store.pending():
            return []
        if next_round >= self.rounds(len(active)):
            return []
        if s.format == "swiss":
            return schedule.swiss_round(self.standings(active), played, s.games_per_pair, next_round, s.seed,
                                        sat_out=rounds_sat_out(active, existing), opened=games_opened(existing))
        if len(active) < s.seats:
            raise ArenaError(f"{s._game()} has {s.seats} seats and {_entrants(len(active))} it: add "
                             f"entrants{s._or_seats(len(active)) if len(active) > 1 else ''}")
        return schedule.free_for_all_round(active, s.seats, next_round, s.seed)

    def rounds(self, entrants: int) -> int:
        """How many rounds a swiss or free-for-all of `entrants` plays."""
        s = self.settings
        return s.rounds or (schedule.swiss_rounds_for(entrants) if s.format == "swiss" else FREE_FOR_ALL_ROUNDS)

    def matches_planned(self) -> int:
        """How many matches the tournament plays in all, as far as known now: a swiss or free-for-all plans a
        round at a time, and each of its rounds to come is counted as its latest."""
        scheduled = self.store.schedule()
        if self.settings.format not in ("swiss", "free-for-all") or not scheduled:
            return len(scheduled)
        last = max(match.round for match in scheduled)
        to_come = self.rounds(len(self.store.entrants(active_only=True))) - last - 1
        return len(scheduled) + max(0, to_come) * sum(match.round == last for match in scheduled)

    def left_out(self) -> list[Entrant]:
        """The entrants this run registered that can play but are in no scheduled match: in a swiss or
        free-for-all that had played all its rounds, newcomers (a round-robin or gauntlet schedules a newcomer's
        pairings). Not one that sat out the rounds planned since it joined: a swiss's bye of an odd field."""
        if self.settings.format not in ("swiss", "free-for-all") or self._planned:
            return []
        seated = {entrant for match in self.store.schedule() for entrant in match.seats}
        return [e for e in self.store.entrants(active_only=True)
                if not e.problem and e.id in self._joined and e.id not in seated]

    def standings(self, entrant_ids: list[int]) -> list[tuple[int, float]]:
        """(entrant, points) with a win worth 1 and a draw 0.5, over every two-seat match."""
        points = dict.fromkeys(entrant_ids, 0.0)
        for first, second, score in iter_two_player_games(self.store.results()):
            for entrant, got in ((first, score), (second, 1.0 - score)):
                if entrant in points:
                    points[entrant] += got
        return list(points.items())

    # --- play -------------------------------------------------------------------------------

    def play_settings(self, backend: Backend) -> dict[str, Any]:
        """What the processes playing its matches on `backend` are told: its settings, where agents' logs go,
        and how much memory the agents they keep open may hold (else each would take its machine's share
        per CPU, and close the sandboxes it keeps for later games to make room)."""
        return {**asdict(self.settings), "log_dir": str(self.log_dir), **backend.memory_settings()}

    def play(self, backend: Backend, on_match: Callable[[MatchResult], None] = lambda result: None) -> int:
        """Play until nothing is left to schedule; how many matches were recorded."""
        self.store.clear_failures()  # what an earlier run could not play is tried again
        settings = self.play_settings(backend)
        recorded = 0
        while True:
            self.extend_schedule()
            played = play_pending(self.store, settings, self.replay_dir, backend, on_match)
            recorded += played
            if not played:
                return recorded


def rounds_sat_out(entrant_ids: list[int], scheduled: Sequence[Any]) -> Counter[int]:
    """How many of the scheduled rounds each entrant had no match in (those before it joined included)."""
    seated: dict[int, set[int]] = defaultdict(set)
    for match in scheduled:
        seated[match.round].update(match.seats)
    return Counter(e for playing in seated.values() for e in entrant_ids if e not in playing)


def games_opened(scheduled: Sequence[Any]) -> Counter[int]:
    """How many more of the scheduled two-seat games each entrant opens than it answers (negative: fewer)."""
    opened: Counter[int] = Counter()
    for match in scheduled:
        if len(match.seats) == 2:
            opened[match.seats[0]] += 1
            opened[match.seats[1]] -= 1
    return opened


def files_a_start_makes(db: str | Path) -> list[Path]:
    """What starting a tournament in SQLite file `db` would make that is not there yet: the file,
    SQLite's files beside it and the tournament's folders (none for a URL: a server's tables are
    shared, not this command's to drop). A start that fails before planning a match removes them
    (`remove_unstarted`), so the corrected command (another --env included) starts afresh."""
    if is_url(db):
        return []
    path = Path(db)
    candidates = [path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal")),
                  *(files_beside(path, kind) for kind in FOLDERS)]
    return [p for p in candidates if not os.path.lexists(p)]


def remove_unstarted(paths: list[Path]) -> None:
    """Remove what `files_a_start_makes` listed, once the store is closed."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _entrants(count: int) -> str:
    """'only 3 entrants play', 'only 1 entrant plays' or 'no entrant plays' (a game follows)."""
    if count == 0:
        return "no entrant plays"
    return f"only {count} entrant plays" if count == 1 else f"only {count} entrants play"


def _not_a_submission(path: Path) -> str | None:
    """Why the folder `path` is plainly no submission (the files arena keeps beside a database there, a
    folder with no Python file and no manifest in it or in its folders), to be skipped rather than
    entered as one that forfeits; None for a zip, or a folder that may be one."""
    from arena.manifest import MANIFEST_FILE

    if not path.is_dir() or path.is_symlink():
        return None
    stem, dash, kind = path.name.rpartition("-")
    if dash and kind in BESIDE_DATABASE and any(_is_sqlite(p) for p in path.parent.glob(f"{glob.escape(stem)}.*")):
        return f"the {kind} of the database {stem} beside it"
    try:
        near = [*path.iterdir(), *(child for sub in path.iterdir() if sub.is_dir() and not sub.is_symlink()
                                   for child in sub.iterdir())]
    except OSError:  # unreadable: registered, to forfeit with the reason
        return None
    if not any(p.suffix == ".py" or p.name == MANIFEST_FILE for p in near):
        return f"no Python file or {MANIFEST_FILE} in it"
    return None


def _is_sqlite(path: Path) -> bool:
    if not path.is_file():  # never open a FIFO
        return False
    try:
        with path.open("rb") as file:
            return file.read(16) == b"SQLite format 3\0"
    except OSError:
        return False


def _folder_beside(db: str | Path, kind: str) -> Path:
    """The folder of the tournament's `kind` (replays, entrants, logs) beside `db`, made now: one
    that cannot be is an error before any match is played."""
    folder = files_beside(db, kind)
    return output_folder(folder, f"{folder} (the {kind} of the tournament in --db {describe(db)})",
                         "move what is there away, or give another --db")


def _stored_settings(db: str | Path, stored: dict[str, Any]) -> Settings:
    try:
        return Settings(**stored)
    except TypeError as exc:
        raise ArenaError(f"{db}: its settings were written by another version of arena ({exc})") from None


def _copy_whole(source: Path, target: Path, shown: Path) -> None:
    """Copy the folder `source` (the loaded copy of submission `shown`) to `target`, which then holds all
    of it or does not exist: a copy is made beside it and renamed, so that a harness killed while copying
    leaves no part of a submission to be played as if whole. A copy that fails is removed, and raises
    HarnessError (a full disk) or ArenaError (a folder made read-only): the tournament's folder failed, not
    the submission, which must not forfeit for it."""
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)  # what a killed harness left
    failed: list[OSError] = []

    def copy(file: str, to: str) -> None:
        try:
            shutil.copy2(file, to)
        except OSError as exc:  # copytree keeps only its words: its errno tells whether the machine ran short
            failed.append(exc)
            raise

    try:
        shutil.copytree(source, partial, copy_function=copy)
        os.rename(partial, target)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)  # a full disk is left no fuller
        raise write_failure(f"a copy of {shown} in", target.parent, failed[0] if failed else exc) from None


def _is_plain(path: Path) -> bool:
    """A folder or a regular file (following links the organiser made): never a pipe or a device,
    which would block whoever opens it."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISDIR(mode) or stat.S_ISREG(mode)


def _source(path: Path) -> str:
    """Where a submission was found: what tells its versions apart from other submissions."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):  # a loop of links, say
        return str(path.absolute())


def _changed_at(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
