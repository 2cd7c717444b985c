"""Tournaments: register submissions, schedule a format, play every match sandboxed, record all.

    arena tournament submissions/ --env othello --format round-robin --games-per-pair 4 --db results.sqlite
    arena tournament --db results.sqlite --resume

The results store (`store`) is the single source of truth; `schedule` decides who plays whom;
`runner` plays the pending matches on a process pool or a Ray cluster. Running the command again
on the same folder registers changed or new submissions (a new content hash is a new entrant;
the older version retires) and schedules only what is missing, so a tournament grows in place.
Killed at any moment, it resumes without losing or repeating a finished match.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from arena.envs import entry, make_raw
from arena.errors import ArenaError, SubmissionError
from arena.match import MatchResult
from arena.tournament import schedule
from arena.tournament.runner import Backend, play_pending
from arena.tournament.store import ResultsStore, iter_two_player_games

FORMATS = ("round-robin", "gauntlet", "swiss", "free-for-all")


@dataclass
class Settings:
    """How a tournament is played; saved in its store, so a resume needs nothing else."""

    env: str
    options: dict[str, Any] = field(default_factory=dict)
    format: str = "round-robin"
    games_per_pair: int = 2
    seed: int = 0
    rounds: int | None = None  # swiss and free-for-all (default: log2 of the entrants / 10)
    challenger: str | None = None  # gauntlet: the entrant name facing the field
    time_per_move: float | None = None  # default: each manifest's, else the env's
    max_steps: int | None = None
    limits: dict[str, Any] = field(default_factory=dict)  # arena.sandbox.Limits fields

    def __post_init__(self) -> None:
        entry(self.env)
        if self.format not in FORMATS:
            raise ArenaError(f"unknown format {self.format!r}: choose one of {', '.join(FORMATS)}")
        if self.games_per_pair < 1:
            raise ArenaError(f"--games-per-pair must be at least 1, got {self.games_per_pair}")
        if self.format == "gauntlet" and not self.challenger:
            raise ArenaError("a gauntlet needs --challenger NAME: the entrant that plays the field")


class Tournament:
    """A tournament stored in `db`, with its replays, logs and registered entrants beside it."""

    def __init__(self, db: str | Path, settings: Settings | None = None):
        self.store = ResultsStore(db)
        stored = self.store.settings()
        if settings is None:
            if not stored:
                raise ArenaError(f"{db}: no tournament here yet; start one with a submissions folder and --env")
            settings = Settings(**stored)
        elif stored and stored != asdict(settings):
            changed = ", ".join(k for k in asdict(settings) if stored.get(k) != asdict(settings)[k])
            raise ArenaError(f"{db}: this tournament was started with other settings ({changed}); "
                             f"use --resume, or a new --db")
        else:
            self.store.save_settings(asdict(settings))
        self.settings = settings
        base = Path(db)
        self.replay_dir = base.with_name(f"{base.stem}-replays")
        self.archive_dir = base.with_name(f"{base.stem}-entrants")
        self.log_dir = base.with_name(f"{base.stem}-logs")

    # --- entrants ---------------------------------------------------------------------------

    def register_folder(self, folder: str | Path) -> list[str]:
        """Register every submission in `folder` (sub-folders and zips); a line of news for each."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ArenaError(f"{folder}: not a folder of submissions")
        candidates = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and (p.is_dir() or p.suffix == ".zip"))
        news = [self.register(path) for path in candidates]
        if not self.store.entrants(active_only=True):
            raise ArenaError(f"{folder}: no submission in it plays {self.settings.env}")
        return news

    def register(self, path: Path) -> str:
        from arena.submission import load

        try:
            spec = load(path)
        except SubmissionError as exc:
            return f"skipped {path}: {exc}"
        if not spec.manifest.plays(self.settings.env):
            return f"skipped {path}: it plays {', '.join(spec.manifest.env)}, not {self.settings.env}"
        archive = self.archive_dir / spec.digest[:16]
        if not archive.exists():
            shutil.copytree(spec.root, archive)
        entrant, added = self.store.register(spec.name, spec.digest, str(path.resolve()), str(archive))
        return f"{'registered' if added else 'unchanged'} {entrant.label} ({path})"

    # --- schedule ---------------------------------------------------------------------------

    def extend_schedule(self) -> int:
        """Schedule what is due and not yet scheduled; how many matches were added."""
        self.store.cancel_unplayed_with_retired()
        active = [e.id for e in self.store.entrants(active_only=True)]
        played = {frozenset(m.seats) for m in self.store.schedule()}
        existing = self.store.schedule()
        next_round = 1 + max((m.round for m in existing), default=-1)
        s = self.settings
        if s.format == "round-robin":
            matches = schedule.round_robin(active, s.games_per_pair, s.seed, played, next_round)
        elif s.format == "gauntlet":
            matches = schedule.gauntlet(self._challenger(), active, s.games_per_pair, s.seed, played, next_round)
        else:
            matches = self._next_round(active, existing, played, next_round)
        self.store.add_to_schedule(matches)
        return len(matches)

    def _challenger(self) -> int:
        named = [e for e in self.store.entrants(active_only=True) if e.name == self.settings.challenger]
        if not named:
            raise ArenaError(f"no entrant is called {self.settings.challenger!r}; the challenger must be one of "
                             f"{', '.join(e.name for e in self.store.entrants(active_only=True))}")
        return named[0].id

    def _next_round(self, active: list[int], existing, played, next_round: int) -> list[schedule.Match]:
        """Swiss and free-for-all schedule a round at a time, once the previous one is finished."""
        s = self.settings
        if self.store.pending():
            return []
        if s.format == "swiss":
            if next_round >= (s.rounds or schedule.swiss_rounds_for(len(active))):
                return []
            return schedule.swiss_round(self.standings(active), played, s.games_per_pair, next_round, s.seed)
        if next_round >= (s.rounds or 10):
            return []
        seats = len(make_raw(s.env, **s.options).possible_agents)
        return schedule.free_for_all_round(active, seats, next_round, s.seed)

    def standings(self, entrant_ids: list[int]) -> list[tuple[int, float]]:
        """(entrant, points) with a win worth 1 and a draw 0.5, over every two-seat match."""
        points = dict.fromkeys(entrant_ids, 0.0)
        for first, second, score in iter_two_player_games(self.store.results()):
            for entrant, got in ((first, score), (second, 1.0 - score)):
                if entrant in points:
                    points[entrant] += got
        return list(points.items())

    # --- play -------------------------------------------------------------------------------

    def play(self, backend: Backend, on_match: Callable[[MatchResult], None] = lambda result: None) -> int:
        """Play until nothing is left to schedule; how many matches were recorded."""
        settings = {**asdict(self.settings), "log_dir": str(self.log_dir)}
        recorded = 0
        while True:
            self.extend_schedule()
            played = play_pending(self.store, settings, self.replay_dir, backend, on_match)
            recorded += played
            if not played:
                return recorded
