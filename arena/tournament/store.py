"""The results store of a tournament: one database, the single source of truth.

It holds the tournament's settings, its entrants (one per submission version: a changed
submission has a new content hash and is a new entrant), the schedule, and one row per finished
match with a row per seat. Every finished match is written in one transaction, so a tournament
killed at any moment has each match either fully recorded or not at all, and a match is never
recorded twice (its schedule id is the primary key).

One process plays a store at a time: it holds the store's lease (its pid, host and start time,
refreshed while it plays). A second player is refused with the owner's name; a lease whose
process is gone (or, from another host, that has not been refreshed for LEASE_STALE_SECONDS) is
taken over. A match that could not be played for a reason no entrant caused is noted as a
failure, skipped for the rest of that run and tried again by the next one.

The database is an SQLite file (a path) or a PostgreSQL database (a postgresql:// URL), through
`arena.db`; the SQL is the same for both.

    store = ResultsStore("results.sqlite")     # or ResultsStore("postgresql://arena@dbhost/arena")
    for match in store.results():
        print(match.match_id, [(seat.name, seat.score, seat.status) for seat in match.seats])
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arena import __version__
from arena.content_digest import upgrade_stored_digests
from arena.db import files_beside, is_url, open_database, read_only, unusable
from arena.errors import ArenaError, HarnessError
from arena.processes import running

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entrants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,          -- where the submission was found
    archive TEXT NOT NULL,         -- the registered copy that matches are played from
    active INTEGER NOT NULL DEFAULT 1,
    registered_at REAL NOT NULL,
    problem TEXT NOT NULL DEFAULT ''  -- why it cannot play (it forfeits every match), if so
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
    time_used REAL NOT NULL DEFAULT 0,  -- seconds its clock charged it
    time_to_start REAL NOT NULL DEFAULT 0,  -- seconds its start took it, off its clock
    time_held REAL NOT NULL DEFAULT 0,  -- seconds it held a game where all move at once, off its clock
    PRIMARY KEY (match_id, seat)
);
CREATE TABLE IF NOT EXISTS failures (  -- matches the current run could not play, and why
    match_id INTEGER PRIMARY KEY REFERENCES schedule(match_id),
    reason TEXT NOT NULL,
    failed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS identity (  -- a token of this store's own (`ResultsStore.identity`)
    id INTEGER PRIMARY KEY CHECK (id = 1),
    token TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lease (     -- the one process playing this store
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    process_start TEXT NOT NULL,   -- tells a live owner from a later process given the same pid
    token TEXT NOT NULL,           -- this taking of the lease (a process may open a store twice)
    started_at REAL NOT NULL,
    refreshed_at REAL NOT NULL
);
"""
_ENTRANT_COLUMNS = "id, name, digest, source, archive, active, problem"  # the fields of Entrant, in order
# A seat's columns, named: stores upgraded from older versions hold them in another order.
_SEAT_COLUMNS = "match_id, seat, entrant_id, score, rank, status, detail, moves, time_used, time_to_start, time_held"
_DONE = "SELECT match_id FROM results UNION SELECT match_id FROM failures"  # matches recorded or failed
_LEASE_COLUMNS = ("id", "pid", "host", "process_start", "token", "started_at", "refreshed_at")
READ_AT_ONCE = 500  # match ids a query of new results names (SQLite allows 999 parameters, or more)
LEASE_REFRESH_SECONDS = 30.0
LEASE_STALE_SECONDS = 600.0  # a lease from another host not refreshed for this long is abandoned


class StoreBusy(ArenaError):
    """Another live process is playing this results store."""


@dataclass(frozen=True)
class Entrant:
    """One version of one submission in the tournament."""

    id: int
    name: str
    digest: str
    source: str
    archive: str
    active: bool  # False once a newer version of the same source is registered
    problem: str = ""  # why its submission cannot play (it forfeits every match); "" when it can

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


@dataclass(frozen=True, slots=True)
class SeatRecord:
    entrant_id: int
    name: str
    score: float
    rank: int
    status: str  # ok, timeout, crash, illegal_action, forfeit
    detail: str
    moves: int
    time_used: float = 0.0  # seconds its clock charged it: who came close to their budget
    time_to_start: float = 0.0  # seconds its start took it, off its clock (`AgentResult`)
    time_held: float = 0.0  # seconds it held a game where all move at once, off its clock (`AgentResult`)


@dataclass(frozen=True, slots=True)
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


def _chosen_matches(match_id: int | None, entrant_id: int | None, latest: int | None) -> tuple[str | None, list[int]]:
    """`ResultsStore.results`' choice as a query of match ids (None: every match), and its arguments."""
    conditions, arguments = [], []
    if match_id is not None:
        conditions.append("match_id = ?")
        arguments.append(int(match_id))
    if entrant_id is not None:
        conditions.append("match_id IN (SELECT match_id FROM result_seats WHERE entrant_id = ?)")
        arguments.append(int(entrant_id))
    if not conditions and latest is None:
        return None, arguments
    ids = "SELECT match_id FROM results" + (" WHERE " + " AND ".join(conditions) if conditions else "")
    if latest is not None:
        ids += " ORDER BY match_id DESC LIMIT ?"
        arguments.append(int(latest))
    return ids, arguments


class ResultsStore:
    """A tournament's database (created on first use): an SQLite file's path or a postgresql:// URL."""

    def __init__(self, path: str | Path):
        self._target = path
        self._db = open_database(path, "results database")
        self.path = self._db.name  # the file, or the URL without its password
        try:
            self._check_integrity()
            self._db.script(SCHEMA)
            self._upgrade()
            self._anchor_relative_paths()  # before the digests' upgrade, which reads the copies
            upgrade_stored_digests(self._db, "entrants", "archive")
        except self._db.DatabaseError as exc:
            self._db.close()
            raise unusable(self.path, "results database", exc) from None
        self._lease: _LeaseKeeper | None = None
        self._finished: dict[int, MatchRecord] = {}  # every finished match read so far (`results`), by id
        self._finished_lock = threading.Lock()
        self._identity: str | None = None  # this store's token, once read (`identity`)

    def close(self) -> None:
        try:
            self.release_lease()
        except (self._db.Error, HarnessError):
            pass  # a full disk, say: the next run takes over the lease of an owner that is gone
        finally:
            self._db.close()

    def _check_integrity(self) -> None:
        problems = self._db.problems()
        if problems:
            raise ArenaError(f"{self.path}: the results database is damaged ({'; '.join(problems[:3])}); "
                             f"restore it from a copy or start a new one with another --db")

    def _upgrade(self) -> None:
        """Add what stores written by older versions lack."""
        if "problem" not in self._db.columns("entrants"):
            self._db.script("ALTER TABLE entrants ADD COLUMN problem TEXT NOT NULL DEFAULT ''")
        if "time_used" not in self._db.columns("result_seats"):
            self._db.script("ALTER TABLE result_seats ADD COLUMN time_used REAL NOT NULL DEFAULT 0")
        for column in ("time_to_start", "time_held"):
            if column not in self._db.columns("result_seats"):
                self._db.script(f"ALTER TABLE result_seats ADD COLUMN {column} REAL NOT NULL DEFAULT 0")

    def _anchor_relative_paths(self) -> None:
        """Name the entrants' copies and the replays beside an SQLite store by absolute paths, as they are
        stored now: an earlier arena, given the store by a relative path, kept them relative to the folder
        it ran in, and its sandboxes, which read an entrant's copy where it lies, start elsewhere."""
        if is_url(self._target):
            return
        changes = []
        for table, column, key, kind in (("entrants", "archive", "id", "entrants"),
                                         ("results", "replay", "match_id", "replays")):
            beside = files_beside(self._target, kind)
            # Only the relative ones are read: a store opened at every start may hold a great many results.
            for row_id, stored in self._db.execute(f"SELECT {key}, {column} FROM {table} "
                                                   f"WHERE {column} != '' AND {column} NOT LIKE '/%'").fetchall():
                path = Path(stored)
                if path.parent.name == beside.name:
                    changes.append((f"UPDATE {table} SET {column} = ? WHERE {key} = ?",
                                    (str(beside / path.name), row_id)))
        if not changes:
            return
        try:
            with self._transaction():
                for statement, values in changes:
                    self._db.execute(statement, values)
        except self._db.DatabaseError as exc:
            if not read_only(exc):  # a store this process may only read is left as it is
                raise

    def _transaction(self):
        return self._db.transaction()

    # --- settings --------------------------------------------------------------------------

    def identity(self) -> str:
        """A token of this store's own, made on first use: it tells the store from another database of its
        name (`arena.db.claim_folder`). It never changes: read once."""
        if self._identity is None:
            with self._transaction():
                self._db.execute(self._db.ignoring("INSERT INTO identity VALUES (1, ?)"), (secrets.token_hex(16),))
                self._identity = self._db.execute("SELECT token FROM identity").fetchone()[0]
        return self._identity

    def settings(self) -> dict[str, Any]:
        return {key: json.loads(value) for key, value in self._db.execute("SELECT key, value FROM settings")}

    def save_settings(self, settings: dict[str, Any]) -> None:
        with self._transaction():
            self._db.executemany(self._db.upsert("settings", ("key", "value"), ("key",)),
                                 [(k, json.dumps(v)) for k, v in settings.items()])

    # --- entrants --------------------------------------------------------------------------

    def register(self, name: str, digest: str, source: str, archive: str, problem: str = "") -> tuple[Entrant, bool]:
        """The entrant for this submission version, added if new; True when it was added.

        A new version of an already registered source retires the older versions. `problem`
        says why a submission cannot play: it is registered all the same and forfeits its matches.
        """
        with self._transaction():
            known = self.entrant_with(digest)
            if known is not None:
                return known, False
            self._db.execute("UPDATE entrants SET active = 0 WHERE source = ?", (_text(source),))
            self._db.execute(
                "INSERT INTO entrants (name, digest, source, archive, registered_at, problem) VALUES (?, ?, ?, ?, ?, ?)",
                (_text(name), digest, _text(source), _text(archive), time.time(), _text(problem)))
            return self.entrant_with(digest), True

    def make_current(self, entrant: Entrant) -> None:
        """Make `entrant` the version of its source that plays again (its folder went back to its files),
        retiring the source's other versions."""
        with self._transaction():
            self._db.execute("UPDATE entrants SET active = 0 WHERE source = ?", (_text(entrant.source),))
            self._db.execute("UPDATE entrants SET active = 1 WHERE id = ?", (entrant.id,))

    def retire_source(self, source: str) -> int:
        """Retire every version of `source` (its folder holds another entrant's files now); how many played."""
        with self._transaction():
            return self._db.execute("UPDATE entrants SET active = 0 WHERE source = ? AND active = 1",
                                    (_text(source),)).rowcount

    def entrant_with(self, digest: str) -> Entrant | None:
        """The entrant registered with these files, if any."""
        row = self._db.execute(f"SELECT {_ENTRANT_COLUMNS} FROM entrants WHERE digest = ?", (digest,)).fetchone()
        return None if row is None else _entrant(row)

    def set_active(self, entrant_id: int, active: bool, archive: str | None = None) -> None:
        """Retire an entrant (it is scheduled no more; its games still count) or bring it back, playing
        from `archive` if given (the same files, kept elsewhere)."""
        with self._transaction():
            if archive is None:
                self._db.execute("UPDATE entrants SET active = ? WHERE id = ?", (int(active), entrant_id))
            else:
                self._db.execute("UPDATE entrants SET active = ?, archive = ? WHERE id = ?",
                                 (int(active), _text(archive), entrant_id))

    def entrants(self, active_only: bool = False) -> list[Entrant]:
        query = f"SELECT {_ENTRANT_COLUMNS} FROM entrants" + (" WHERE active = 1" if active_only else "") + " ORDER BY id"
        return [_entrant(row) for row in self._db.execute(query)]

    # --- schedule --------------------------------------------------------------------------

    def add_to_schedule(self, matches: list[tuple[int, int, tuple[int, ...]]]) -> None:
        """Append (round, seed, seats) matches; ids continue from the last one."""
        with self._transaction():
            self._db.executemany("INSERT INTO schedule (round, seed, seats) VALUES (?, ?, ?)",
                                 [(r, seed, json.dumps(list(seats))) for r, seed, seats in matches])

    def schedule(self) -> list[ScheduledMatch]:
        """Every match that is, or was, to be played (cancelled ones excluded)."""
        return self._scheduled("")

    def pending(self) -> list[ScheduledMatch]:
        """Scheduled matches with no recorded result nor failure, in schedule order."""
        return self._scheduled(f" AND match_id NOT IN ({_DONE})")

    def _scheduled(self, condition: str) -> list[ScheduledMatch]:
        rows = self._db.execute(
            f"SELECT match_id, round, seed, seats FROM schedule WHERE cancelled = 0{condition} ORDER BY match_id")
        return [ScheduledMatch(i, r, s, tuple(json.loads(seats))) for i, r, s, seats in rows]

    def last_round(self) -> int | None:
        """The highest round number scheduled (cancelled matches included), None before any."""
        return self._db.execute("SELECT MAX(round) FROM schedule").fetchone()[0]

    def pending_count(self) -> int:
        """How many matches `pending` would list, counted by the database."""
        return self._db.execute(f"SELECT COUNT(*) FROM schedule WHERE cancelled = 0 AND match_id NOT IN ({_DONE})"
                                ).fetchone()[0]

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
        return self.record_many([(match, result, replay)]) == 1

    def record_many(self, finished: list[tuple[ScheduledMatch, Any, str | None]]) -> int:
        """Store finished matches (scheduled match, MatchResult, replay path) in one transaction;
        how many were new (one already stored is left as it was)."""
        stored = 0
        with self._transaction():
            self.check_lease()
            for match, result, replay in finished:
                added = self._db.execute(
                    self._db.ignoring("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                    (match.match_id, result.env, json.dumps(result.env_options), result.seed,
                     _text(result.shown_outcome), replay, result.steps, result.duration, __version__, time.time()))
                if added.rowcount != 1:
                    continue
                self._db.executemany(
                    f"INSERT INTO result_seats ({_SEAT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(match.match_id, seat, entrant, a.score, a.rank, str(a.status), _text(a.detail), a.moves, a.time_used,
                      a.time_to_start, a.time_held)
                     for seat, (entrant, a) in enumerate(zip(match.seats, result.agents))])
                stored += 1
        return stored

    def results(self, match_id: int | None = None, entrant_id: int | None = None,
                latest: int | None = None) -> list[MatchRecord]:
        """Finished matches in match id order: every one, or only match `match_id`, only those in which
        `entrant_id` had a seat, only the `latest` ones, or these together (a page shows a few
        without reading them all)."""
        ids, arguments = _chosen_matches(match_id, entrant_id, latest)
        if ids is None:
            return self._every_result()
        # The ids first, then those matches: a subquery run once per table would choose other matches in
        # each when one is recorded between them (`latest`).
        return self._read_ids([i for (i,) in self._db.execute(ids, arguments)])

    def _every_result(self) -> list[MatchRecord]:
        """Every finished match: those read before are kept, as a stored result never changes, and only
        the others are read (a server reads them all before each batch and for its leaderboard)."""
        with self._finished_lock:
            known = self._finished
            count = self.finished_count()
            if not known:
                known.update((r.match_id, r) for r in self._read("", []))
            elif count != len(known):
                last = max(known)
                new = [i for (i,) in self._db.execute("SELECT match_id FROM results WHERE match_id > ?", (last,))]
                if len(known) + len(new) != count:  # some finished after later ones (or were recorded meanwhile)
                    new = [i for (i,) in self._db.execute("SELECT match_id FROM results") if i not in known]
                known.update((r.match_id, r) for r in self._read_ids(new))
                if new and min(new) < last:
                    self._finished = dict(sorted(known.items()))
            return list(self._finished.values())

    def _read_ids(self, match_ids: list[int]) -> list[MatchRecord]:
        """The finished matches among `match_ids`, in match id order, READ_AT_ONCE ids per query."""
        found: list[MatchRecord] = []
        for start in range(0, len(match_ids), READ_AT_ONCE):
            chosen = match_ids[start:start + READ_AT_ONCE]
            found += self._read(f" WHERE match_id IN ({', '.join('?' * len(chosen))})", chosen)
        return sorted(found, key=lambda match: match.match_id)

    def _read(self, only: str, arguments: list[int]) -> list[MatchRecord]:
        """The finished matches whose ids `only` (a WHERE clause on match_id, or "") chooses, in match id order."""
        # Results, then seats, then names, each its own query while games are recorded: a match is recorded
        # with its seats in one transaction and its entrants before it, so each match read finds them all;
        # seats of matches recorded since are left. (The join's USING makes match_id one column.)
        rows = self._db.execute(
            "SELECT r.match_id, s.round, r.seed, r.env, r.env_options, r.outcome, r.replay, r.steps, r.duration, "
            f"r.arena_version, r.finished_at FROM results r JOIN schedule s USING (match_id){only} "
            "ORDER BY r.match_id", arguments).fetchall()
        seat_rows = self._db.execute(f"SELECT {_SEAT_COLUMNS} FROM result_seats{only} ORDER BY match_id, seat",
                                     arguments).fetchall()
        names = {e.id: e.name for e in self.entrants()}
        seats: dict[int, list[SeatRecord]] = {}
        for match, _, entrant, score, rank, status, detail, moves, *times in seat_rows:
            seats.setdefault(match, []).append(SeatRecord(entrant, names[entrant], score, rank, status, detail, moves,
                                                          *times))
        return [MatchRecord(i, rnd, seed, env, json.loads(options), tuple(seats.get(i, ())), outcome, replay, steps,
                            duration, version, finished)
                for i, rnd, seed, env, options, outcome, replay, steps, duration, version, finished in rows]

    def finished_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def record_failure(self, match_id: int, reason: str) -> None:
        """Note that `match_id` could not be played, and why; this run leaves it."""
        with self._transaction():
            self.check_lease()
            self._db.execute(self._db.upsert("failures", ("match_id", "reason", "failed_at"), ("match_id",)),
                             (match_id, _text(reason), time.time()))

    def failures(self) -> dict[int, str]:
        """Match id -> why it could not be played, for the matches the last run left."""
        return dict(self._db.execute("SELECT match_id, reason FROM failures ORDER BY match_id"))

    def clear_failures(self) -> None:
        """Make every failed match pending again, for a new run to try."""
        with self._transaction():
            self._db.execute("DELETE FROM failures")

    # --- the lease -------------------------------------------------------------------------

    def acquire_lease(self) -> None:
        """Become the one process playing this store, or StoreBusy naming the one that is.

        The lease is refreshed in the background until `release_lease` (or `close`).
        """
        if self._lease is not None:
            return
        me = _Owner.this_process()
        with self._transaction():
            row = self._lease_row()
            if row is not None and not me.same_process(row) and _alive(row):
                raise StoreBusy(f"{self.path} is being played by {_player(row)}; wait for it to finish "
                                f"or stop it, then run again (one process plays a results database at a time)")
            now = time.time()
            self._db.execute(self._db.upsert("lease", _LEASE_COLUMNS, ("id",)),
                             (1, me.pid, me.host, me.process_start, me.token, now, now))
        self._lease = _LeaseKeeper(self._target, me)

    def release_lease(self) -> None:
        if self._lease is None:
            return
        self._lease.stop()
        token, self._lease = self._lease.owner.token, None
        with self._transaction():
            self._db.execute("DELETE FROM lease WHERE token = ?", (token,))

    def check_lease(self) -> None:
        """StoreBusy if this store was leased by this process and another has taken the lease over, ArenaError
        if its file was deleted or replaced (checked inside every write, and before files beside the store are
        written)."""
        if self._lease is None:
            return
        self._db.check_in_place()
        row = self._lease_row()
        if row is None or row[3] != self._lease.owner.token:
            raise StoreBusy(f"{self.path}: another run took this results database over (it thought this one "
                            f"gone, or it is a later opening of it); stopping without recording more")

    def player(self) -> str | None:
        """The live process playing this store now ("process 12 on HOST since ..."), None if none is."""
        row = self._lease_row()
        return _player(row) if row is not None and _alive(row) else None

    def _lease_row(self) -> tuple | None:
        return self._db.execute("SELECT pid, host, process_start, token, started_at, refreshed_at FROM lease").fetchone()


def _entrant(row: tuple) -> Entrant:
    entrant_id, name, digest, source, archive, active, problem = row
    return Entrant(entrant_id, name, digest, source, archive, bool(active), problem)


def _text(value: str) -> str:
    """`value` as a database can store it: file names and agents' words may hold lone surrogates."""
    return value.encode("utf-8", "replace").decode("utf-8")


@dataclass(frozen=True)
class _Owner:
    """Who takes a lease: a process (told apart from a later one with its pid by its start time)
    and a token for this taking."""

    pid: int
    host: str
    process_start: str
    token: str

    @classmethod
    def this_process(cls) -> _Owner:
        return cls(os.getpid(), socket.gethostname(), _process_start(os.getpid()), secrets.token_hex(8))

    def same_process(self, row: tuple) -> bool:
        return (self.pid, self.host, self.process_start) == tuple(row[:3])


def _player(row: tuple) -> str:
    """The owner of a lease row, as messages name it."""
    pid, host, _, _, started, _ = row
    # In UTC, as the pages show times: a local time without its zone reads hours off from elsewhere.
    return f"process {pid} on {host} since {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(started))}"


def _alive(row: tuple) -> bool:
    """Whether the owner of a lease row (pid, host, process_start, token, started_at, refreshed_at) still plays."""
    pid, host, process_start, _, _, refreshed_at = row
    if host != socket.gethostname():
        return time.time() - refreshed_at < LEASE_STALE_SECONDS
    return running(pid) and _process_start(pid) == process_start != ""  # a zombie no longer plays


def _process_start(pid: int) -> str:
    """When process `pid` started, in the kernel's clock ticks since boot; "" if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)  # no /proc here: all we can tell is whether the pid is taken
        except ProcessLookupError:
            return ""
        except PermissionError:
            pass
        return "unknown"
    fields = stat.rsplit(")", 1)[1].split()
    return "" if fields[0] in ("Z", "X") else fields[19]  # a zombie has finished playing


class _LeaseKeeper:
    """Refreshes a lease every LEASE_REFRESH_SECONDS from a thread of its own, until stopped."""

    def __init__(self, target: str | Path, owner: _Owner):
        self.owner = owner
        self._stop = threading.Event()
        self._db = open_database(target, "results database")
        self._thread = threading.Thread(target=self._run, name="arena-lease", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(LEASE_REFRESH_SECONDS):
            try:
                self._db.execute("UPDATE lease SET refreshed_at = ? WHERE token = ?", (time.time(), self.owner.token))
            except self._db.Error:
                pass  # busy or gone for a moment: the next refresh comes well before the lease is stale

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._db.close()
