"""What a hosted competition keeps beside its results: participants, their sessions and submissions.

It lives in the same database as the tournament's results store (`arena.tournament.store`),
whose entrants, schedule and results are the games queue: a submission that passes validation
becomes an entrant there. That database is an SQLite file (a path) or a PostgreSQL database (a
postgresql:// URL), through `arena.db`. Tokens and session ids are kept only as hashes; a token
is shown once, when it is made, and reads `<participant id>_<secret>` so that checking it costs
one hash.

    store = CompetitionStore("competition.sqlite")
    participant, token = store.add_participant("alice")
    store.participant_for_token(token)   # -> Participant(id=1, name='alice', ...)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Collection

from arena.content_digest import upgrade_stored_digests
from arena.db import open_database, unusable
from arena.errors import ArenaError
from arena.names import lookalikes

SCHEMA = """
CREATE TABLE IF NOT EXISTS participants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL,      -- scrypt$n$r$p$salt$hash of the secret part of the token
    created_at REAL NOT NULL,
    organiser INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,      -- sha256 of the cookie's random session id
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    csrf TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    folder TEXT NOT NULL,          -- the unpacked submission the server keeps ('' once deleted)
    status TEXT NOT NULL,          -- validating, active, refused, retired
    reason TEXT NOT NULL DEFAULT '',
    log_tail TEXT NOT NULL DEFAULT '',
    entrant_id INTEGER,            -- its entrant in the results store, once active
    created_at REAL NOT NULL,
    validated_at REAL,
    claimed_at REAL                -- when a validator took it (cleared when the server starts)
);
CREATE INDEX IF NOT EXISTS submissions_by_participant ON submissions (participant_id, created_at);
CREATE TABLE IF NOT EXISTS competition (key TEXT PRIMARY KEY, value TEXT NOT NULL);  -- e.g. paused
"""
VALIDATING, ACTIVE, REFUSED, RETIRED, DISQUALIFIED = "validating", "active", "refused", "retired", "disqualified"
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
SCRYPT_AT_ONCE = 4  # token checks running at once (each takes 16 MiB and tens of milliseconds)
SCRYPT_WAIT_SECONDS = 0.5  # the longest a request waits for one
CHECKED_TOKENS = 10_000  # tokens remembered as checked
SESSION_SECONDS = 7 * 24 * 3600
SESSIONS_KEPT = 20  # a participant's newest sessions (browsers logged in); an older one is logged out
MAX_NAME_CHARS = 40
# Held while a submission starts or stops playing (validated, retired, disqualified): what decides whether
# content may play and the writes that make it play cannot be split by another such change. One server
# process plays a competition at a time (the results store's lease), so a lock of this process suffices;
# reentrant, so that a change made while one is under way in the same thread does not wait for itself.
PLAY_CHANGES = threading.RLock()


class TokenChecksBusy(ArenaError):
    """Every token check is taken (a flood of bad tokens, say): the request is to be made again later."""


@dataclass(frozen=True)
class Participant:
    id: int
    name: str
    created_at: float
    organiser: bool = False  # may pause play and disqualify submissions


@dataclass(frozen=True)
class Submission:
    id: int
    participant_id: int
    name: str
    digest: str
    folder: str
    status: str
    reason: str
    log_tail: str
    entrant_id: int | None
    created_at: float
    validated_at: float | None


_SUBMISSION_COLUMNS = ("id, participant_id, name, digest, folder, status, reason, log_tail, entrant_id, "
                       "created_at, validated_at")


def hash_secret(secret: str) -> str:
    """A salted scrypt hash of `secret`, with its parameters, as one string."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, dklen=32, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def secret_matches(secret: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def name_problem(name: str) -> str | None:
    """Why `name` cannot name a participant, or None."""
    if not name.strip():
        return "a participant's name cannot be empty"
    if len(name) > MAX_NAME_CHARS:
        return f"a participant's name has at most {MAX_NAME_CHARS} characters"
    if any(not ch.isprintable() for ch in name):
        return "a participant's name cannot hold control characters or line breaks"
    return None


class CompetitionStore:
    """Participants, sessions and submissions in the competition's database (created on first use):
    an SQLite file's path or a postgresql:// URL.

    One connection, shared by the server's threads under a lock.
    """

    def __init__(self, path: str | Path):
        self._lock = threading.RLock()
        self._checked: dict[str, str] = {}  # sha256 of a token -> the stored hash it matched
        self._scrypt_slots = threading.BoundedSemaphore(SCRYPT_AT_ONCE)
        self._db = open_database(path, "competition database")
        self.path = self._db.name  # the file, or the URL without its password
        try:
            self._db.script(SCHEMA)
            if "organiser" not in self._db.columns("participants"):  # made before organisers were
                self._db.script("ALTER TABLE participants ADD COLUMN organiser INTEGER NOT NULL DEFAULT 0")
            upgrade_stored_digests(self._db, "submissions", "folder")
        except self._db.DatabaseError as exc:
            self._db.close()
            raise unusable(self.path, "competition database", exc) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, args: tuple = ()) -> int:
        """Run a change; how many rows it changed."""
        with self._lock:
            return self._db.execute(sql, args).rowcount

    def _insert(self, sql: str, args: tuple = ()) -> int:
        """Run an INSERT; the new row's id."""
        with self._lock:
            return self._db.insert(sql, args)

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- participants ----------------------------------------------------------------------

    def add_participant(self, name: str, organiser: bool = False) -> tuple[Participant, str]:
        """A new participant (an organiser if `organiser`) and its token (shown once; only its hash is kept)."""
        if problem := name_problem(name):
            raise ArenaError(f"{problem}: {name!r}")
        names = [p.name for p in self.participants()]
        if name in names:  # before the token's hash: a taken name must cost nothing
            raise ArenaError(f"a participant is already called {name!r}; choose another name")
        flagged = lookalikes([*names, name])
        if name in flagged:  # it would pass for another participant on the leaderboard
            twins = flagged[name]
            raise ArenaError(f"{name!r} looks like participant {twins[0]!r}; choose a name that does not" if twins
                             else f"{name!r} mixes the letters of several scripts; write it in one")
        secret = secrets.token_urlsafe(32)
        try:
            participant_id = self._insert(
                "INSERT INTO participants (name, token_hash, created_at, organiser) VALUES (?, ?, ?, ?)",
                (name, hash_secret(secret), time.time(), int(organiser)))
        except self._db.IntegrityError:
            raise ArenaError(f"a participant is already called {name!r}; choose another name") from None
        participant = self.participant(participant_id)
        return participant, f"{participant.id}_{secret}"

    def new_token(self, name: str) -> str:
        """Replace the token of participant `name` (the old one stops working); the new token."""
        found = [p for p in self.participants() if p.name == name]
        if not found:
            raise ArenaError(f"no participant is called {name!r}; add one with arena serve users add NAME")
        secret = secrets.token_urlsafe(32)
        self._write("UPDATE participants SET token_hash = ? WHERE id = ?", (hash_secret(secret), found[0].id))
        self._write("DELETE FROM sessions WHERE participant_id = ?", (found[0].id,))
        return f"{found[0].id}_{secret}"

    def participants(self) -> list[Participant]:
        return [_participant(row) for row in
                self._rows("SELECT id, name, created_at, organiser FROM participants ORDER BY id")]

    def participants_since(self, since: float) -> int:
        return self._rows("SELECT COUNT(*) FROM participants WHERE created_at >= ?", (since,))[0][0]

    def participant(self, participant_id: int) -> Participant | None:
        rows = self._rows("SELECT id, name, created_at, organiser FROM participants WHERE id = ?", (participant_id,))
        return _participant(rows[0]) if rows else None

    def participant_for_token(self, token: str, before_check: Callable[[], None] | None = None) -> Participant | None:
        """The participant whose token this is, or None; `before_check` is called for a token not
        remembered, before it costs a check, and may raise to refuse it.

        A token checked once is remembered (by its SHA-256, with the hash it matched) so that a
        script's every request does not cost a scrypt; a new token for the participant forgets it.
        At most SCRYPT_AT_ONCE checks run at a time, which bounds what a flood of bad tokens costs;
        TokenChecksBusy when none is free within SCRYPT_WAIT_SECONDS.
        """
        token = token.strip()
        number, _, secret = token.partition("_")
        # As the server writes them: ASCII digits, no leading zero. Another spelling of one token (Unicode
        # digits, zeros in front), which int() reads alike, would cost a check each, never remembered.
        well_formed = (number.isascii() and number.isdigit() and len(number) <= 18 and number == str(int(number))
                       and secret and len(token) <= 200)  # 18 digits: any database's 64-bit ids
        rows = self._rows("SELECT token_hash FROM participants WHERE id = ?", (int(number),)) if well_formed else []
        key = _sha256(token)
        if not rows or not hmac.compare_digest(self._checked.get(key, ""), rows[0][0]):
            # Every token not remembered, malformed or naming no one too: each counts as a guess.
            if before_check is not None:
                before_check()
            if not rows:
                return None
            # A flood of bad tokens must not hold the web server's threads waiting for a slot.
            if not self._scrypt_slots.acquire(timeout=SCRYPT_WAIT_SECONDS):
                raise TokenChecksBusy("the server is checking many tokens just now; try again in a moment")
            try:
                if not secret_matches(secret, rows[0][0]):
                    return None
            finally:
                self._scrypt_slots.release()
            if len(self._checked) >= CHECKED_TOKENS:
                self._checked.clear()
            self._checked[key] = rows[0][0]
        return self.participant(int(number))

    # --- sessions --------------------------------------------------------------------------

    def open_session(self, participant_id: int) -> tuple[str, str]:
        """(session id for the cookie, CSRF token for its forms)."""
        session, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = time.time()
        self._write("INSERT INTO sessions VALUES (?, ?, ?, ?)", (_sha256(session), participant_id, csrf, now))
        # Logging in again and again must not grow the table without end: expired ones and all but the newest go.
        self._write("DELETE FROM sessions WHERE participant_id = ? AND (created_at < ? OR id_hash NOT IN "
                    "(SELECT id_hash FROM sessions WHERE participant_id = ? ORDER BY created_at DESC LIMIT ?))",
                    (participant_id, now - SESSION_SECONDS, participant_id, SESSIONS_KEPT))
        return session, csrf

    def session(self, session: str) -> tuple[Participant, str] | None:
        """(participant, CSRF token) of a live session, or None."""
        rows = self._rows("SELECT participant_id, csrf, created_at FROM sessions WHERE id_hash = ?", (_sha256(session),))
        if not rows or time.time() - rows[0][2] > SESSION_SECONDS:
            return None
        participant = self.participant(rows[0][0])
        return (participant, rows[0][1]) if participant else None

    def close_session(self, session: str) -> None:
        self._write("DELETE FROM sessions WHERE id_hash = ?", (_sha256(session),))

    # --- submissions -----------------------------------------------------------------------

    def add_submission(self, participant_id: int, name: str, digest: str, folder: str) -> Submission:
        submission_id = self._insert(
            "INSERT INTO submissions (participant_id, name, digest, folder, status, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (participant_id, name, digest, folder, VALIDATING, time.time()))
        return self.submission(submission_id)

    def submission(self, submission_id: int) -> Submission | None:
        rows = self._rows(f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE id = ?", (submission_id,))
        return Submission(*rows[0]) if rows else None

    def submissions(self, participant_id: int | None = None, status: str | None = None) -> list[Submission]:
        where, args = [], []
        if participant_id is not None:
            where.append("participant_id = ?")
            args.append(participant_id)
        if status is not None:
            where.append("status = ?")
            args.append(status)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return [Submission(*row) for row in
                self._rows(f"SELECT {_SUBMISSION_COLUMNS} FROM submissions{clause} ORDER BY id", tuple(args))]

    def uploads_since(self, participant_id: int, since: float) -> list[float]:
        """When `participant_id` uploaded each submission since `since`, oldest first."""
        return [row[0] for row in self._rows("SELECT created_at FROM submissions WHERE participant_id = ? AND "
                                             "created_at >= ? ORDER BY created_at", (participant_id, since))]

    def same_content(self, digest: str, participant_id: int) -> Submission | None:
        """The submission with this content that keeps `participant_id`'s upload of it out, if any: one
        validating or active, one disqualified (it would play again), or one of another participant's
        that was not refused (the upload would take over its entrant). A participant's own retired
        version may come back."""
        rows = self._rows(f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE digest = ? AND "
                          f"(status IN (?, ?, ?) OR (participant_id != ? AND status != ?)) ORDER BY id",
                          (digest, VALIDATING, ACTIVE, DISQUALIFIED, participant_id, REFUSED))
        return Submission(*rows[0]) if rows else None

    def release_claims(self) -> None:
        """Make every submission a validator had taken wait for validation again (at start-up)."""
        self._write("UPDATE submissions SET claimed_at = NULL WHERE status = ?", (VALIDATING,))

    def claim_for_validation(self, skip: Collection[int] = ()) -> Submission | None:
        """The next submission waiting for validation but those in `skip`, taken by the caller; None
        if none waits. Participants take turns: the oldest waiting submission of the participant whose
        last validation began longest ago (or never), so that one who uploads many slow agents holds
        up the others' by one validation at a time, not by all of theirs."""
        skipped = "".join(f" AND s.id != {int(submission_id)}" for submission_id in skip)
        with self._lock, self._db.transaction():
            row = self._db.execute(
                "SELECT s.id FROM submissions s WHERE s.status = ? AND s.claimed_at IS NULL"
                f"{skipped} ORDER BY (SELECT COALESCE(MAX(o.claimed_at), 0) FROM submissions o "
                "WHERE o.participant_id = s.participant_id), s.id LIMIT 1", (VALIDATING,)).fetchone()
            if row is not None:
                self._db.execute("UPDATE submissions SET claimed_at = ? WHERE id = ?", (time.time(), row[0]))
        return None if row is None else self.submission(row[0])

    def release_claim(self, submission_id: int) -> None:
        """Make a submission a validator had taken wait for validation again."""
        self._write("UPDATE submissions SET claimed_at = NULL WHERE id = ? AND status = ?", (submission_id, VALIDATING))

    def finish_validation(self, submission_id: int, status: str, reason: str, log_tail: str,
                          entrant_id: int | None = None) -> bool:
        """Write a validation's outcome; False if the submission was meanwhile disqualified."""
        changed = self._write("UPDATE submissions SET status = ?, reason = ?, log_tail = ?, entrant_id = ?, "
                              "validated_at = ? WHERE id = ? AND status = ?",
                              (status, reason, log_tail, entrant_id, time.time(), submission_id, VALIDATING))
        return changed == 1

    def set_status(self, submission_id: int, status: str, reason: str = "") -> None:
        self._write("UPDATE submissions SET status = ?, reason = ? WHERE id = ?", (status, reason, submission_id))

    def retire(self, submission_id: int, reason: str) -> bool:
        """Retire an active submission; False if it is no longer active (disqualified meanwhile, say)."""
        return self._write("UPDATE submissions SET status = ?, reason = ? WHERE id = ? AND status = ?",
                           (RETIRED, reason, submission_id, ACTIVE)) == 1

    def disqualified_with(self, digest: str) -> Submission | None:
        """The first disqualified submission of this content, if any."""
        rows = self._rows(f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE digest = ? AND status = ? "
                          f"ORDER BY id LIMIT 1", (digest, DISQUALIFIED))
        return Submission(*rows[0]) if rows else None

    def entrant_owners(self) -> dict[int, int]:
        """The participant of each entrant a submission became (only its own uploads join an entrant)."""
        return dict(self._rows("SELECT entrant_id, participant_id FROM submissions WHERE entrant_id IS NOT NULL"))

    def forget_folder(self, submission_id: int) -> None:
        """Note that a submission's files were deleted (its folder reads '' from now on)."""
        self._write("UPDATE submissions SET folder = '' WHERE id = ?", (submission_id,))

    def counts(self) -> dict[str, Any]:
        return dict(self._rows("SELECT status, COUNT(*) FROM submissions GROUP BY status"))

    # --- the organiser's switches ------------------------------------------------------------

    def paused(self) -> bool:
        """Whether the organiser has paused play (uploads and validation go on)."""
        return bool(self._rows("SELECT value FROM competition WHERE key = 'paused' AND value = '1'"))

    def set_paused(self, paused: bool) -> None:
        self._write(self._db.upsert("competition", ("key", "value"), ("key",)), ("paused", "1" if paused else "0"))


def _participant(row: tuple) -> Participant:
    participant_id, name, created_at, organiser = row
    return Participant(participant_id, name, created_at, bool(organiser))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
