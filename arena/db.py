"""The stores' way to their database: an SQLite file (a path) or a PostgreSQL server (a URL).

Both stores (`arena.tournament.store`, `arena.serve.store`) write their SQL once, in SQLite's
dialect with `?` placeholders, and run it through a `Database`, which smooths over what differs:

    SQLite: a path                       PostgreSQL: postgresql://user@host:port/dbname
    ?                                    %s
    BEGIN IMMEDIATE: one writer at once  BEGIN and an advisory lock held to COMMIT: one writer at once
    INSERT OR REPLACE / OR IGNORE        ON CONFLICT DO UPDATE / DO NOTHING      (upsert, ignoring)
    cursor.lastrowid                     INSERT ... RETURNING id                 (insert)
    INTEGER, REAL, INTEGER PRIMARY KEY   BIGINT, DOUBLE PRECISION, identity      (script)
    PRAGMA table_info, quick_check       information_schema                      (columns, problems)
    sqlite3's errors                     psycopg's      (db.Error, db.DatabaseError, db.IntegrityError)
    text holding NUL characters          NUL stored as U+FFFD (PostgreSQL's text cannot hold it)

    db = open_database("results.sqlite", "results database")   # or "postgresql://arena@dbhost/arena"
    with db.transaction():
        db.execute("UPDATE entrants SET active = 0 WHERE id = ?", (3,))

An SQLite file is opened exactly as it always was (WAL journal, synchronous=FULL, a 30-second
busy timeout), so the databases of earlier versions open unchanged. PostgreSQL needs psycopg 3,
which the `serve` extra installs; the files a store keeps beside
its database (replays, uploads, registered entrants) then go in the current folder, named after
the database (`files_beside`).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Iterator, Sequence
from urllib.parse import urlsplit

from arena.errors import ArenaError, HarnessError, install_hint
from arena.outputs import why_not_made, write_failure

BUSY_SECONDS = 30  # how long a write waits for another writer before it fails
BUSY = "database is locked"  # SQLite's words when it did (its error code is Python 3.11's)
CONNECT_SECONDS = 10  # how long reaching a PostgreSQL server may take (unless the URL says otherwise)
WRITER_LOCK = 0x6172656E61  # "arena": the advisory lock a PostgreSQL transaction holds, as BEGIN IMMEDIATE would
POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_url(target: str | Path) -> bool:
    """Whether --db `target` is a URL (scheme://...) rather than an SQLite file's path."""
    return isinstance(target, str) and re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", target) is not None


def as_target(value: str | Path) -> str | Path:
    """A --db value as the stores take it: a URL stays text, anything else is an SQLite file's path."""
    return value if is_url(value) else Path(value)


def describe(target: str | Path) -> str:
    """`target` for messages: a path, or a URL without its password (nor its client key's, sslpassword=)."""
    if not is_url(target):
        return str(target)
    scheme, _, rest = str(target).partition("://")
    # Up to the last @ (a password typed with a reserved character, not percent-encoded, splits a URL's
    # parts elsewhere): nothing of it is shown, at worst more than it.
    credentials, at, place = rest.rpartition("@")
    if at and ":" in credentials:
        rest = f"{credentials.partition(':')[0]}:***@{place}"
    return f"{scheme}://" + re.sub(r"([?&](?:ssl)?password=)[^&#]*", r"\1***", rest, flags=re.IGNORECASE)


BESIDE_DATABASE = ("replays", "entrants", "logs", "uploads")  # the kinds of files kept beside a database


def files_beside(target: str | Path, suffix: str) -> Path:
    """The folder for files kept beside database `target`: `NAME-suffix` next to an SQLite file
    NAME.sqlite, or `DBNAME-suffix` in the current folder for a PostgreSQL database DBNAME. Its path is
    absolute: the store keeps its files' paths, which must name them from whatever folder it is opened in."""
    if not is_url(target):
        path = Path(target).absolute()
        return path.with_name(f"{path.stem}-{suffix}")
    name = re.sub(r"[^\w.-]", "_", _database_name(str(target))) or "arena"
    return Path.cwd() / f"{name}-{suffix}"


def check_no_lost_files(target: str | Path, kinds: Iterable[str], what: str, known: Collection[str] = ()) -> None:
    """ArenaError where SQLite file `target`, about to hold a new `what` (a tournament, a competition), has
    an earlier one's files beside it (`kinds` of `files_beside`: those a new one would lose), its database
    deleted or moved: the new one would write its replays over those (and a competition delete the uploads
    as unfinished), so that restoring the database from a copy would find them wrong. Entries named in
    `known` are the new one's own (uploads its database records already). A PostgreSQL database's folders
    carry their owner's mark instead (`claim_folder`)."""
    if is_url(target):
        return
    for kind in kinds:
        folder = files_beside(target, kind)
        if folder.is_dir() and any(entry.name not in known for entry in folder.iterdir()):
            raise ArenaError(f"{target}: no {what} in it, but {folder} beside it holds one's files: was its "
                             f"database deleted or moved? Restore the database from a copy, or move the "
                             f"{Path(target).stem}-* folders away to start a new {what} here")


def _database_name(url: str) -> str:
    """The name of the database `url` connects to, as libpq reads it: a password may hold ? or # as they
    are, and a dbname= parameter names the database over the path."""
    try:
        from psycopg import Error
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:  # such a URL is refused when opened, saying to install the driver
        return urlsplit(url).path.lstrip("/")
    try:
        return str(conninfo_to_dict(url).get("dbname") or "")
    except Error:  # not a URL libpq reads: opening it says so
        return urlsplit(url).path.lstrip("/")


FOLDER_OWNER = ".arena-database"  # in each folder beside a PostgreSQL database: the token of the one it serves


def claim_folder(folder: Path, target: str | Path, identity: Callable[[], str]) -> None:
    """Mark `folder` (made if missing), beside the PostgreSQL database `target` whose token `identity` gives,
    as holding its files (an SQLite file's folders are its own: nothing to do).

    Such folders are named after the database in the folder it is started from, so two servers' databases
    of one name started there would share them, each overwriting the other's replays and deleting its
    uploads: ArenaError where `folder` holds another's. A folder made before it was marked is taken as it is.
    """
    if not is_url(target):
        return
    token = identity()
    marker = folder / FOLDER_OWNER
    folder.mkdir(parents=True, exist_ok=True)
    # Written whole under another name, then linked into place: a start stopped midway (a full disk, a kill)
    # leaves no empty marker, which would refuse this database its own folder from then on.
    partial = folder / f"{FOLDER_OWNER}.{os.getpid()}-{threading.get_ident()}.part"
    try:
        partial.write_text(json.dumps({"token": token, "database": describe(target)}), encoding="utf-8")
        os.link(partial, marker)
        return
    except FileExistsError:
        pass
    except OSError as exc:  # a full disk, say: said as such, not as a traceback
        raise write_failure(f"the marker naming {describe(target)} as the owner of", folder, exc) from None
    finally:
        partial.unlink(missing_ok=True)
    try:  # only a regular file is read: a pipe put there would hold the start forever
        owner = json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else {}
    except (OSError, ValueError):
        owner = {}
    if not isinstance(owner, dict) or owner.get("token") != token:
        other = owner.get("database") if isinstance(owner, dict) else None
        raise ArenaError(f"--db {describe(target)}: {folder} holds the files of another database of this name "
                         f"({other or 'named in ' + str(marker)}), kept in the folder it was started from; start this "
                         "one from another folder (the files of a PostgreSQL database go in the current folder)")


def open_database(target: str | Path, what: str = "database") -> SQLiteDatabase | PostgresDatabase:
    """The database at `target`: an SQLite file (created if missing) or a postgresql:// URL.

    ArenaError, saying what to do, for a file that is not an SQLite database, a URL of another
    kind or without a database name, a missing psycopg, or a server that cannot be reached.
    `what` names the database in those messages ("results database").
    """
    if not is_url(target):
        return SQLiteDatabase(Path(target), what)
    scheme = str(target).partition("://")[0].lower()
    if scheme not in POSTGRES_SCHEMES:
        raise ArenaError(f"--db {describe(target)}: arena keeps its {what} in an SQLite file (give its path) or "
                         f"on a PostgreSQL server (give a postgresql://user@host/dbname URL), not {scheme}")
    return PostgresDatabase(str(target), what)


class SQLiteDatabase:
    """An SQLite file, one connection in autocommit mode, shared by the caller's threads."""

    Error = sqlite3.Error
    DatabaseError = sqlite3.DatabaseError
    IntegrityError = sqlite3.IntegrityError

    def __init__(self, path: Path, what: str = "database"):
        self.name: str | Path = path  # what messages call it
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArenaError(f"{path}: cannot make its folder ({why_not_made(path.parent, exc)}); "
                             "give another path with --db") from None
        if path.is_dir():
            raise ArenaError(f"{path} is a folder; give --db the path of a file in it (say {path / 'results.sqlite'})")
        try:
            self._connection = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None,
                                               check_same_thread=False)
        except sqlite3.OperationalError as exc:
            raise ArenaError(f"{path}: cannot open this {what} ({exc}); give another path with --db") from None
        try:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=FULL")  # a recorded write survives a power cut
        except sqlite3.DatabaseError as exc:
            self._connection.close()
            if path.exists() and not _writable_folder(path.parent):  # SQLite's "unable to open database file"
                raise ArenaError(f"{path}: cannot be opened where it is: its folder is read-only (a read-only disk, "
                                 "or another user's folder), and SQLite writes its journal beside it; copy it to a "
                                 "writable folder and give that path with --db (nothing in it is lost)") from None
            raise unusable(path, what, exc) from None
        self._path, self._file = path, _identity(path)

    def check_in_place(self) -> None:
        """ArenaError if the file opened is no longer at its path (deleted, or another put there): what is
        written from then on would go to a file no one finds, or beside another run's."""
        if _identity(self._path) != self._file:
            raise ArenaError(f"{self.name} was deleted or replaced while this run used it: stopping without "
                             "writing more (what it wrote went with the file it had open)")

    def execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._connection.execute(sql, args)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._connection.executemany(sql, rows)

    def insert(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run an INSERT into a table with an `id INTEGER PRIMARY KEY`; the new row's id."""
        return self._connection.execute(sql, args).lastrowid

    def script(self, sql: str) -> None:
        """Run statements without parameters (a schema); SQLite's types, as written."""
        self._connection.executescript(sql)

    @staticmethod
    @lru_cache(maxsize=None)
    def upsert(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
        """An INSERT of `columns` that replaces the row with the same `key` columns."""
        return f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

    @staticmethod
    def ignoring(sql: str) -> str:
        """INSERT `sql` that leaves a row with the same key as it was (rowcount 0) instead of failing."""
        return sql.replace("INSERT INTO", "INSERT OR IGNORE INTO", 1)

    def columns(self, table: str) -> set[str]:
        return {row[1] for row in self._connection.execute(f"PRAGMA table_info({table})")}

    def problems(self) -> list[str]:
        """What SQLite's quick check finds damaged; [] when nothing is."""
        found = [row[0] for row in self._connection.execute("PRAGMA quick_check")]
        return [] if found == ["ok"] else found

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error: all of a write or none of it, one writer at a time.
        A disk that cannot take the write is a HarnessError (what was committed before stays); a
        database this process may not write, an ArenaError."""
        try:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if BUSY in str(exc):  # BUSY_SECONDS waited for another writer, in vain
                raise HarnessError(f"{self.name}: another process has kept a write to it open for {BUSY_SECONDS} s "
                                   "(an sqlite3 shell in a transaction, say): end it, then run the same command "
                                   "again") from exc
            refused = read_only(exc)
            if not (refused or disk_failed(exc)):
                raise
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")
            if refused:
                raise ArenaError(f"{self.name}: cannot be written ({exc}); make the file and its folder writable "
                                 "for this user, or give another --db") from exc
            raise disk_failure(self.name, exc) from exc

    def close(self) -> None:
        self._connection.close()


def _writable_folder(folder: Path) -> bool:
    """Whether files can be made in `folder` by this process (not on a read-only mount, not another's)."""
    try:
        return not os.statvfs(folder).f_flag & os.ST_RDONLY and os.access(folder, os.W_OK)
    except OSError:
        return False


def _identity(path: Path) -> tuple[int, int] | None:
    """The file at `path` (its device and inode), or None where there is none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def unusable(name: str | Path, what: str, exc: Exception) -> ArenaError:
    """The error for a database that failed as it was opened: damaged, or on a disk that is full."""
    if disk_failed(exc):  # the machine's doing, not the file's
        return disk_failure(name, exc)
    return ArenaError(f"{name}: not a usable {what} ({exc}); restore it from a copy or start a new one with "
                      "another --db")


READ_ONLY = "attempt to write a readonly database"  # SQLite's words
READ_ONLY_POSTGRES = "read-only transaction"  # PostgreSQL's, on a standby or a read-only default
DISK_FAILURES = ("database or disk is full", "disk I/O error")  # SQLite's words (not "database disk image is malformed")


def read_only(exc: Exception) -> bool:
    """Whether a write failed because this process may only read the database."""
    return READ_ONLY in str(exc) or READ_ONLY_POSTGRES in str(exc)


def disk_failed(exc: Exception) -> bool:
    """Whether SQLite says its disk failed it, rather than the file (damaged) or anything else."""
    return any(words in str(exc) for words in DISK_FAILURES)


def disk_failure(name: str | Path, exc: Exception) -> HarnessError:
    return HarnessError(f"{name}: could not write to the database ({exc}); free some space on its disk, then run "
                        "the command again: what was recorded before is kept")


def server_lost(exc: BaseException) -> HarnessError | None:
    """The error to stop a command with where its database's server closed the connection or went away under it
    (psycopg's OperationalError: restarted, shut down, the network gone); None for any other exception."""
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(exc, psycopg.OperationalError):
        return None
    return HarnessError(f"the database server stopped answering ({' '.join(str(exc).split())}); what was recorded "
                        "before is kept: run the same command again once the server is back (a tournament goes on "
                        "where it stopped)")


class PostgresDatabase:
    """A database on a PostgreSQL server, one psycopg connection in autocommit mode, shared by the
    caller's threads (psycopg serialises them), and opened again once the server closed it."""

    _closed = False  # closed by its owner, not to be opened again

    def __init__(self, url: str, what: str = "database"):
        self.name: str | Path = describe(url)
        try:
            import psycopg
        except ImportError:
            raise ArenaError(f"--db {self.name}: a {what} on PostgreSQL needs psycopg, its driver for Python: "
                             f"{install_hint('serve')}") from None
        self.Error, self.DatabaseError, self.IntegrityError = (psycopg.Error, psycopg.DatabaseError,
                                                               psycopg.IntegrityError)
        self._psycopg, self._url, self._params = psycopg, url, _url_params(psycopg, url, self.name)
        self._reconnecting = threading.Lock()
        self._connection = self._connect()

    def _connect(self) -> Any:
        psycopg, params = self._psycopg, self._params
        extra = {} if "connect_timeout" in params else {"connect_timeout": CONNECT_SECONDS}
        try:
            connection = psycopg.connect(self._url, autocommit=True, **extra)
        except psycopg.Error as exc:
            host, port = params.get("host") or "localhost", params.get("port") or "5432"
            reason = " ".join(str(exc).split()) or type(exc).__name__
            # Not reached, or reached and refused (a wrong password, no such database): its reason tells which.
            raise ArenaError(f"--db {self.name}: could not connect to the PostgreSQL server at {host} port {port} "
                             f"(database {params['dbname']}): {reason}; check that the server runs there, takes "
                             f"connections from this machine and knows the user, its password and the database"
                             ) from None
        connection.execute(f"SET lock_timeout = '{BUSY_SECONDS}s'")
        return connection

    def _live(self) -> Any:
        """The connection, made anew where the server closed the last one (it restarted, say): the statement
        that met the closed connection failed, and those after it run. ArenaError while the server is away."""
        if self._connection.closed and not self._closed:
            with self._reconnecting:
                if self._connection.closed:
                    self._connection = self._connect()
        return self._connection

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        if not args:
            return self._live().execute(sql)
        return self._live().execute(_postgres_sql(sql), _postgres_args(args))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._live().cursor() as cursor:
            cursor.executemany(_postgres_sql(sql), [_postgres_args(row) for row in rows])

    def insert(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run an INSERT into a table with an `id INTEGER PRIMARY KEY`; the new row's id."""
        return self.execute(sql + " RETURNING id", args).fetchone()[0]

    def script(self, sql: str) -> None:
        """Run statements written for SQLite without parameters (a schema), with PostgreSQL's types,
        one writer at a time (creating the same table at once from two processes would fail)."""
        with self.transaction():
            self._connection.execute(_postgres_ddl(sql))

    @staticmethod
    @lru_cache(maxsize=None)
    def upsert(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
        """An INSERT of `columns` that replaces the row with the same `key` columns."""
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
        return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
                f"ON CONFLICT ({', '.join(key)}) DO " + (f"UPDATE SET {updates}" if updates else "NOTHING"))

    @staticmethod
    def ignoring(sql: str) -> str:
        """INSERT `sql` that leaves a row with the same key as it was (rowcount 0) instead of failing."""
        return sql + " ON CONFLICT DO NOTHING"

    def columns(self, table: str) -> set[str]:
        rows = self.execute("SELECT column_name FROM information_schema.columns "
                            "WHERE table_schema = current_schema() AND table_name = ?", (table,))
        return {row[0] for row in rows}

    def problems(self) -> list[str]:
        """Nothing: the server checks its own pages."""
        return []

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN ... COMMIT, or ROLLBACK on error, holding the database's writer lock from the start
        as SQLite's BEGIN IMMEDIATE does: what a transaction read stays true until it commits."""
        connection = self._live()
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
            yield

    def check_in_place(self) -> None:
        """A server's database has no file to be deleted under it."""

    def close(self) -> None:
        self._closed = True
        self._connection.close()


def _url_params(psycopg: Any, url: str, name: str) -> dict[str, str]:
    """The connection parameters of `url`; ArenaError for one libpq cannot read or that names no database."""
    example = "postgresql://user@host:5432/dbname"
    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error as exc:
        raise ArenaError(f"--db {name}: not a PostgreSQL URL that can be read ({' '.join(str(exc).split())}); "
                         f"write it as {example}") from None
    port = str(params.get("port") or "5432")
    if not all(part.isdigit() for part in port.split(",")):
        raise ArenaError(f"--db {name}: the port must be a number, got {port!r}; write it as {example}")
    if not params.get("dbname"):
        raise ArenaError(f"--db {name}: the URL names no database; write it as {example}")
    return params


@lru_cache(maxsize=256)
def _postgres_sql(sql: str) -> str:
    """SQLite's `?` placeholders as psycopg's `%s` (and a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _postgres_args(args: Sequence[Any]) -> Sequence[Any]:
    if any(isinstance(a, str) and "\0" in a for a in args):
        return [a.replace("\0", "\ufffd") if isinstance(a, str) else a for a in args]
    return args


@lru_cache(maxsize=16)
def _postgres_ddl(sql: str) -> str:
    """A schema written for SQLite in PostgreSQL's types: INTEGER is 64-bit (BIGINT), REAL is a
    double, and a column that is just `INTEGER PRIMARY KEY` numbers new rows (SQLite's rowid) as
    an identity column does."""
    sql = re.sub(r"\bINTEGER PRIMARY KEY(?=\s*(,|\n|$))", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", sql)
    sql = re.sub(r"\bINTEGER\b", "BIGINT", sql)
    return re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)
