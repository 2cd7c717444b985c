"""The run's store: one SQLite file shared by the self-play, training and evaluation processes.

| table | holds |
| --- | --- |
| `meta` | the run's AlphaZeroConfig (JSON) |
| `networks` | every network snapshot: id (its generation), weights, status `promoted`, `candidate`, `rejected` or `skipped` |
| `games` | self-play games (their arrays, versioned: `arena.alphazero.records`), with the network that played them (-1: rollout search) |
| `matches` | gating results: candidate against the best network of the time |
| `trainer` | the trainer's latest checkpoint (network, optimizer, step, random state, games consumed) |
| `metrics` | named scalars by step: losses, throughput, ratings |

Network 0, the untrained one, is promoted when the run starts. A generation whose buffer still
held too few positions to train on is stored `skipped`: the unchanged network, never gated. The
best network is the latest promoted one. Each process opens its own connection; WAL mode lets
readers and one writer work at once, and a busy timeout covers the brief write locks.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arena.alphazero.config import AlphaZeroConfig
from arena.alphazero.records import Game, GameFormatError, decode, encode
from arena.search.network import PolicyValueNet, network_bytes, network_from_bytes

__all__ = ["Match", "Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS networks (
    id INTEGER PRIMARY KEY, created REAL NOT NULL, train_step INTEGER NOT NULL,
    status TEXT NOT NULL, weights BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS games (
    id INTEGER PRIMARY KEY, network INTEGER NOT NULL, created REAL NOT NULL,
    positions INTEGER NOT NULL, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS matches (
    id INTEGER PRIMARY KEY, candidate INTEGER NOT NULL, best INTEGER NOT NULL,
    wins INTEGER NOT NULL, draws INTEGER NOT NULL, losses INTEGER NOT NULL,
    promoted INTEGER NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS trainer (id INTEGER PRIMARY KEY CHECK (id = 1), state BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS metrics (name TEXT NOT NULL, step INTEGER NOT NULL, value REAL NOT NULL, created REAL NOT NULL);
"""


@dataclass(frozen=True)
class Match:
    """A gating match, from the candidate's side."""

    candidate: int
    best: int
    wins: int
    draws: int
    losses: int
    promoted: bool

    @property
    def games(self) -> int:
        return self.wins + self.draws + self.losses

    @property
    def score(self) -> float:
        return (self.wins + 0.5 * self.draws) / self.games if self.games else 0.5


class Store:
    """An AlphaZero run in one SQLite file; `Store.create` starts one, `Store(path)` opens it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"no AlphaZero store at {self.path}: start a run there first "
                                    f"(arena train GAME --algo alphazero --store PATH creates it)")
        self._db = _connect(self.path)
        self.config = AlphaZeroConfig.from_json(self._one("SELECT value FROM meta WHERE key = 'config'"))

    @classmethod
    def create(cls, path: str | Path, config: AlphaZeroConfig, first_network: PolicyValueNet) -> Store:
        """A new store at `path` for `config`, with `first_network` as promoted network 0."""
        path = Path(path)
        taken = FileExistsError(f"{path} already holds a store: open it to resume, or pick a new path")
        if path.exists():
            raise taken
        path.parent.mkdir(parents=True, exist_ok=True)
        # Made whole under another name, then linked into place: roles started together on a new
        # path each see either no store or a whole one, and only one of them makes it.
        partial = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.part")
        try:
            db = _connect(partial)
            with db:
                db.execute("INSERT INTO meta VALUES ('config', ?)", (config.to_json(),))
                db.execute("INSERT INTO networks VALUES (0, ?, 0, 'promoted', ?)",
                           (time.time(), network_bytes(first_network)))
            db.close()
            try:
                os.link(partial, path)
            except FileExistsError:
                raise taken from None
        finally:
            for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
                leftover.unlink(missing_ok=True)
        return cls(path)

    def close(self) -> None:
        self._db.close()

    def save_config(self, config: AlphaZeroConfig) -> None:
        """Replace the stored config (settings such as the budget may change between sessions)."""
        with self._db:
            self._db.execute("UPDATE meta SET value = ? WHERE key = 'config'", (config.to_json(),))
        self.config = config

    # ---- networks

    def add_candidate(self, net: PolicyValueNet, train_step: int, trainer_state: bytes) -> int:
        """Store a trained network for gating, and the trainer checkpoint that produced it, at once."""
        with self._db:
            cursor = self._db.execute("INSERT INTO networks (created, train_step, status, weights) "
                                      "VALUES (?, ?, 'candidate', ?)", (time.time(), train_step, network_bytes(net)))
            self._db.execute("INSERT OR REPLACE INTO trainer VALUES (1, ?)", (trainer_state,))
        return int(cursor.lastrowid)

    def skip_generation(self, net: PolicyValueNet, train_step: int, trainer_state: bytes) -> int:
        """Record a generation that trained nothing (too few positions yet): its row keeps the generations
        numbered and is never gated; the trainer checkpoint (the games it has read) is stored with it."""
        with self._db:
            cursor = self._db.execute("INSERT INTO networks (created, train_step, status, weights) "
                                      "VALUES (?, ?, 'skipped', ?)", (time.time(), train_step, network_bytes(net)))
            self._db.execute("INSERT OR REPLACE INTO trainer VALUES (1, ?)", (trainer_state,))
        return int(cursor.lastrowid)

    def network(self, network_id: int) -> PolicyValueNet:
        return network_from_bytes(self._one("SELECT weights FROM networks WHERE id = ?", network_id))

    def best_network_id(self) -> int:
        return int(self._one("SELECT MAX(id) FROM networks WHERE status = 'promoted'"))

    def latest_network_id(self) -> int:
        return int(self._one("SELECT MAX(id) FROM networks"))

    def candidates(self) -> list[int]:
        """Networks awaiting their gating match, oldest first."""
        return [row[0] for row in self._db.execute("SELECT id FROM networks WHERE status = 'candidate' ORDER BY id")]

    def network_step(self, network_id: int) -> int:
        return int(self._one("SELECT train_step FROM networks WHERE id = ?", network_id))

    # ---- games

    def add_games(self, records: list, network_id: int) -> None:
        """Store self-play games (GameRecords or `records.Game`s) played by `network_id`."""
        rows = [(network_id, time.time(), len(r), encode(r)) for r in records]
        with self._db:
            self._db.executemany("INSERT INTO games (network, created, positions, record) VALUES (?, ?, ?, ?)", rows)

    def game_count(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM games"))

    def last_game_id(self) -> int:
        return int(self._one("SELECT COALESCE(MAX(id), 0) FROM games"))

    def games(self, after: int, through: int | None = None) -> list[tuple[int, Game]]:
        """(id, Game) of the games with `after` < id <= `through`, in id order."""
        query = "SELECT id, record FROM games WHERE id > ? AND id <= ? ORDER BY id"
        rows = self._db.execute(query, (after, through if through is not None else self.last_game_id()))
        try:
            return [(game_id, decode(blob)) for game_id, blob in rows]
        except GameFormatError as exc:
            raise GameFormatError(f"{self.path}: {exc}") from None

    def replay_window(self, through: int, positions: int) -> tuple[int, int]:
        """(after, positions_before): the latest games up to id `through` holding at least
        `positions` positions start after game `after`; `positions_before` are in games up to it."""
        rows = self._db.execute("SELECT id, positions FROM games WHERE id <= ? ORDER BY id DESC", (through,))
        held, after = 0, 0
        for game_id, count in rows:
            if held >= positions:
                after = game_id
                break
            held += count
        before = self._one("SELECT COALESCE(SUM(positions), 0) FROM games WHERE id <= ?", after)
        return after, int(before)

    # ---- gating matches

    def add_match(self, match: Match) -> None:
        with self._db:
            self._db.execute("INSERT INTO matches (candidate, best, wins, draws, losses, promoted, created) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (match.candidate, match.best, match.wins, match.draws, match.losses, int(match.promoted),
                              time.time()))
            self._db.execute("UPDATE networks SET status = ? WHERE id = ?",
                             ("promoted" if match.promoted else "rejected", match.candidate))

    def matches(self) -> list[Match]:
        rows = self._db.execute("SELECT candidate, best, wins, draws, losses, promoted FROM matches ORDER BY id")
        return [Match(*row[:5], promoted=bool(row[5])) for row in rows]

    # ---- trainer checkpoint

    def trainer_state(self) -> bytes | None:
        row = self._db.execute("SELECT state FROM trainer WHERE id = 1").fetchone()
        return None if row is None else row[0]

    # ---- metrics

    def log(self, step: int, **values: float) -> None:
        rows = [(name, step, float(value), time.time()) for name, value in values.items()]
        with self._db:
            self._db.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?)", rows)

    def metric(self, name: str) -> list[tuple[int, float]]:
        return [(int(s), float(v)) for s, v in self._db.execute(
            "SELECT step, value FROM metrics WHERE name = ? ORDER BY rowid", (name,))]

    def span(self) -> tuple[float, float]:
        """(first, last) time, in seconds since the epoch, that anything of the run was stored."""
        first, last = self._db.execute(
            "SELECT MIN(created), MAX(created) FROM (SELECT created FROM networks UNION ALL SELECT created FROM games "
            "UNION ALL SELECT created FROM matches UNION ALL SELECT created FROM metrics)").fetchone()
        return float(first), float(last)

    def _one(self, query: str, *params: Any) -> Any:
        row = self._db.execute(query, params).fetchone()
        if row is None:
            raise KeyError(f"{self.path}: nothing found for {query!r} with {params}")
        return row[0]


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=120)
    db.execute("PRAGMA journal_mode = WAL")
    db.executescript(_SCHEMA)
    return db
