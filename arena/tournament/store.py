"""The results store of a tournament: one SQLite file, the single source of truth.

It holds the tournament's settings, its entrants (one per submission version: a changed
submission has a new content hash and is a new entrant), the schedule, and one row per finished
match with a row per seat. Every finished match is written in one transaction, so a tournament
killed at any moment has each match either fully recorded or not at all, and a match is never
recorded twice (its schedule id is the primary key).

    store = ResultsStore("results.sqlite")
    for match in store.results():
        print(match.match_id, [(seat.name, seat.score, seat.status) for seat in match.seats])
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from arena import __version__
from arena.errors import ArenaError

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entrants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,          -- where the submission was found
    archive TEXT NOT NULL,         -- the registered copy that matches are played from
    active INTEGER NOT NULL DEFAULT 1,
    registered_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS schedule (
    match_id INTEGER PRIMARY KEY,
    round INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    seats TEXT NOT NULL,           -- JSON list of entrant ids, in seat order
    cancelled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS results (
    match_id INTEGER PRIMARY KEY REFERENCES schedule(match_id),
    env TEXT NOT NULL,
    env_options TEXT NOT NULL,
    seed INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    replay TEXT,
    steps INTEGER NOT NULL,
    duration REAL NOT NULL,
    arena_version TEXT NOT NULL,
    finished_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS result_seats (
    match_id INTEGER NOT NULL REFERENCES results(match_id),
    seat INTEGER NOT NULL,
    entrant_id INTEGER NOT NULL REFERENCES entrants(id),
    score REAL NOT NULL,
    rank INTEGER NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL,
    moves INTEGER NOT NULL,
    PRIMARY KEY (match_id, seat)
);
"""


@dataclass(frozen=True)
class Entrant:
    """One version of one submission in the tournament."""

    id: int
    name: str
    digest: str
    source: str
    archive: str
    active: bool  # False once a newer version of the same source is registered

    @property
    def label(self) -> str:
        """The name with a short content hash, to tell versions apart."""
        return f"{self.name}@{self.digest[:8]}"


@dataclass(frozen=True)
class ScheduledMatch:
    match_id: int
    round: int
    seed: int
    seats: tuple[int, ...]  # entrant ids in seat order


@dataclass(frozen=True)
class SeatRecord:
    entrant_id: int
    name: str
    score: float
    rank: int
    status: str  # ok, timeout, crash, illegal_action, forfeit
    detail: str
    moves: int


@dataclass(frozen=True)
class MatchRecord:
    """A finished match as stored."""

    match_id: int
    round: int
    seed: int
    env: str
    env_options: dict[str, Any]
    seats: tuple[SeatRecord, ...]  # in seat order
    outcome: str
    replay: str | None
    steps: int
    duration: float
    arena_version: str
    finished_at: float

    @property
    def winner(self) -> int | None:
        """Entrant id of the single first-ranked seat; None for a draw."""
        first = [s.entrant_id for s in self.seats if s.rank == 1]
        return first[0] if len(first) == 1 else None


class ResultsStore:
    """A tournament's SQLite database (created on first use)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a recorded match survives a power cut
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ArenaError(f"{self.path}: not a usable results database ({exc})") from None

    def close(self) -> None:
        self._db.close()

    def _transaction(self):
        return _Transaction(self._db)

    # --- settings --------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return {key: json.loads(value) for key, value in self._db.execute("SELECT key, value FROM settings")}

    def save_settings(self, settings: dict[str, Any]) -> None:
        with self._transaction():
            self._db.executemany("INSERT OR REPLACE INTO settings VALUES (?, ?)",
                                 [(k, json.dumps(v)) for k, v in settings.items()])

    # --- entrants --------------------------------------------------------------------------

    def register(self, name: str, digest: str, source: str, archive: str) -> tuple[Entrant, bool]:
        """The entrant for this submission version, added if new; True when it was added.

        A new version of an already registered source retires the older versions.
        """
        with self._transaction():
            row = self._db.execute("SELECT * FROM entrants WHERE digest = ?", (digest,)).fetchone()
            if row is not None:
                return _entrant(row), False
            self._db.execute("UPDATE entrants SET active = 0 WHERE source = ?", (source,))
            self._db.execute(
                "INSERT INTO entrants (name, digest, source, archive, registered_at) VALUES (?, ?, ?, ?, ?)",
                (name, digest, source, archive, time.time()))
            return _entrant(self._db.execute("SELECT * FROM entrants WHERE digest = ?", (digest,)).fetchone()), True

    def entrants(self, active_only: bool = False) -> list[Entrant]:
        query = "SELECT * FROM entrants" + (" WHERE active = 1" if active_only else "") + " ORDER BY id"
        return [_entrant(row) for row in self._db.execute(query)]

    # --- schedule --------------------------------------------------------------------------

    def add_to_schedule(self, matches: list[tuple[int, int, tuple[int, ...]]]) -> None:
        """Append (round, seed, seats) matches; ids continue from the last one."""
        with self._transaction():
            self._db.executemany("INSERT INTO schedule (round, seed, seats) VALUES (?, ?, ?)",
                                 [(r, seed, json.dumps(list(seats))) for r, seed, seats in matches])

    def schedule(self) -> list[ScheduledMatch]:
        """Every match that is, or was, to be played (cancelled ones excluded)."""
        rows = self._db.execute("SELECT match_id, round, seed, seats FROM schedule WHERE cancelled = 0 ORDER BY match_id")
        return [ScheduledMatch(i, r, s, tuple(json.loads(seats))) for i, r, s, seats in rows]

    def pending(self) -> list[ScheduledMatch]:
        """Scheduled matches with no recorded result, in schedule order."""
        done = {row[0] for row in self._db.execute("SELECT match_id FROM results")}
        return [m for m in self.schedule() if m.match_id not in done]

    def cancel_unplayed_with_retired(self) -> int:
        """Cancel unplayed matches involving retired entrants; how many were cancelled."""
        retired = {e.id for e in self.entrants() if not e.active}
        doomed = [m.match_id for m in self.pending() if retired & set(m.seats)]
        with self._transaction():
            self._db.executemany("UPDATE schedule SET cancelled = 1 WHERE match_id = ?", [(i,) for i in doomed])
        return len(doomed)

    # --- results ---------------------------------------------------------------------------

    def record(self, match: ScheduledMatch, result: Any, replay: str | None) -> bool:
        """Store a finished match (a MatchResult) in one transaction; False if it was already stored."""
        with self._transaction():
            try:
                self._db.execute(
                    "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (match.match_id, result.env, json.dumps(result.env_options), result.seed, result.outcome, replay,
                     result.steps, result.duration, __version__, time.time()))
            except sqlite3.IntegrityError:
                return False
            self._db.executemany(
                "INSERT INTO result_seats VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(match.match_id, seat, entrant, a.score, a.rank, str(a.status), a.detail, a.moves)
                 for seat, (entrant, a) in enumerate(zip(match.seats, result.agents))])
        return True

    def results(self) -> list[MatchRecord]:
        """Every finished match, in match id order."""
        names = {e.id: e.name for e in self.entrants()}
        seats: dict[int, list[SeatRecord]] = {}
        for row in self._db.execute("SELECT * FROM result_seats ORDER BY match_id, seat"):
            match_id, _, entrant, score, rank, status, detail, moves = row
            seats.setdefault(match_id, []).append(SeatRecord(entrant, names[entrant], score, rank, status, detail, moves))
        rows = self._db.execute(
            "SELECT r.match_id, s.round, r.seed, r.env, r.env_options, r.outcome, r.replay, r.steps, r.duration, "
            "r.arena_version, r.finished_at FROM results r JOIN schedule s USING (match_id) ORDER BY r.match_id")
        return [MatchRecord(i, rnd, seed, env, json.loads(options), tuple(seats.get(i, ())), outcome, replay, steps,
                            duration, version, finished)
                for i, rnd, seed, env, options, outcome, replay, steps, duration, version, finished in rows]

    def finished_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error: all of a write or none of it."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *_: Any) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _entrant(row: tuple) -> Entrant:
    entrant_id, name, digest, source, archive, active, _ = row
    return Entrant(entrant_id, name, digest, source, archive, bool(active))


def iter_two_player_games(results: list[MatchRecord]) -> Iterator[tuple[int, int, float]]:
    """(first entrant, second entrant, first's points: 1, 0.5 or 0) for every two-seat match."""
    for match in results:
        if len(match.seats) == 2:
            a, b = match.seats
            yield a.entrant_id, b.entrant_id, 1.0 if a.rank < b.rank else (0.5 if a.rank == b.rank else 0.0)
