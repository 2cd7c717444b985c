"""The competition as the web server sees it: the stores it reads and writes, and what it tells the workers.

`Competition` builds what the pages and the API show (the leaderboard, kept for a moment so that many
viewers cost one computation; a game's, a submission's and a participant's page), registers
participants within the limits on an address, and disqualifies submissions. It knows nothing of
HTTP: `arena.serve.app` turns requests into its calls and its answers into responses.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from arena.consoles import counted
from arena.db import files_beside
from arena.errors import ArenaError
from arena.sandbox.logs import public_detail
from arena.serve.address_limits import AddressLimit
from arena.serve.scheduler import SLOW_FACTOR, slowness
from arena.serve.store import ACTIVE, DISQUALIFIED, PLAY_CHANGES, CompetitionStore, Participant, Submission
from arena.serve.uploads import UploadGate, UploadLimits
from arena.tournament.store import MatchRecord, ResultsStore

if TYPE_CHECKING:
    from arena.leaderboard.table import Leaderboard, Row
    from arena.serve.history import History

LEADERBOARD_CACHE_SECONDS = 1.0
GAMES_SHOWN = 50  # on a submission's page, the latest
GUESSES_ALLOWED, GUESS_WINDOW_SECONDS = 10, 60.0  # unknown tokens one address may send (`AddressLimit`)...
GUESS_SITE_FACTOR = 16  # ... and how many times as many from its IPv6 /48
REGISTRATIONS_AN_HOUR = 60  # with open registration, for everyone together...
REGISTRATIONS_PER_ADDRESS = 10  # ... and from one address an hour (twice as many from its IPv6 /48)
REGISTRATION_WAIT_SECONDS = 2.0  # the longest a registration waits for the one being made


@dataclass
class ServeConfig:
    """What the web server needs to know about the competition."""

    db: str | Path  # an SQLite file's path or a postgresql:// URL
    env: str
    options: dict[str, Any] = field(default_factory=dict)  # the game's options, e.g. {"size": 6}
    limits: UploadLimits = field(default_factory=UploadLimits)
    open_registration: bool = False  # anyone may register on /register and get a token
    games_per_pair: int | None = None  # play between two entrants rests once they met this often (None: never)

    @property
    def uploads_dir(self) -> Path:
        return files_beside(self.db, "uploads")


class Competition:
    """The stores the web process reads and writes, and what it tells the workers."""

    def __init__(self, config: ServeConfig, on_upload: Callable[[], None] = lambda: None,
                 on_withdraw: Callable[[int], None] = lambda entrant_id: None):
        self.config = config
        self.upload_gate = UploadGate()
        self.guesses = AddressLimit(GUESSES_ALLOWED, GUESS_WINDOW_SECONDS, GUESS_SITE_FACTOR)  # unknown tokens sent
        self.registrations = AddressLimit(REGISTRATIONS_PER_ADDRESS, 3600.0, 2)
        self._registering = threading.Lock()  # one registration at a time (`register`)
        self.store = CompetitionStore(config.db)
        self.results = ResultsStore(config.db)
        self.on_upload = on_upload
        self.on_withdraw = on_withdraw
        self._results_lock = threading.Lock()
        # The ratings of every result, built on a connection of their own so that pages reading a few
        # rows do not wait for a build; (when built, seconds it took, the board or None before any game).
        self._board_source = ResultsStore(config.db)
        self._board_lock = threading.Lock()
        self._built: tuple[float, float, Leaderboard | None] | None = None
        self._table: tuple[float, dict[str, Any]] | None = None  # (when built, the leaderboard's table)
        self._table_lock = threading.Lock()

    def close(self) -> None:
        self.store.close()
        self.results.close()
        self._board_source.close()

    def board(self) -> Leaderboard | None:
        """Every result rated (None before the first), built again once older than a second, or than
        four times what building it took: however many ask, building takes at most a fifth of the time."""
        from arena.leaderboard.table import build

        with self._board_lock:
            if self._built is not None:
                at, took, board = self._built
                if time.monotonic() - at < max(LEADERBOARD_CACHE_SECONDS, 4 * took):
                    return board
            started = time.monotonic()
            try:
                board = build(self._board_source)
            except ArenaError:  # no game recorded yet
                board = None
            self._built = (time.monotonic(), time.monotonic() - started, board)
            return board

    def leaderboard(self) -> dict[str, Any]:
        """The leaderboard page's table, kept for a moment and built again by one request at a time: while
        it is, the others get the table before (many viewers cost one computation)."""
        fresh = self._fresh_table()
        if fresh is not None:
            return fresh
        before = self._table
        if not self._table_lock.acquire(blocking=before is None):
            return before[1]
        try:
            fresh = self._fresh_table()  # built while this request waited
            if fresh is None:
                fresh = self._leaderboard(self.board())
                self._table = (time.monotonic(), fresh)
            return fresh
        finally:
            self._table_lock.release()

    def _fresh_table(self) -> dict[str, Any] | None:
        table = self._table
        return table[1] if table is not None and time.monotonic() - table[0] < LEADERBOARD_CACHE_SECONDS else None

    def _leaderboard(self, board: Leaderboard | None) -> dict[str, Any]:
        from arena.leaderboard.table import Row

        submissions = {s.entrant_id: s for s in self.store.submissions() if s.entrant_id is not None}
        owners = {entrant: s.participant_id for entrant, s in submissions.items()}
        names = {p.id: p.name for p in self.store.participants()}
        if board is not None:
            rows, digits, games = board.rows, board.digits, len(board.matches)
        else:
            with self._results_lock:
                rows, digits, games = [Row(None, e, None) for e in self.results.entrants(active_only=True)], 0, 0
        # The scheduler holds back an entrant that takes much more play time a game than most, rated among
        # those it plays (not those with a problem): its page says so.
        playing = [row.entrant.id for row in rows if not row.entrant.problem]
        slow = slowness(playing, board.matches[::-1]) if board is not None else {}
        shown = []
        for row in rows:
            held_back = slow.get(row.entrant.id, 0.0) > SLOW_FACTOR
            shown.append({
                "rank": row.rank, "name": row.entrant.name, "participant": names.get(owners.get(row.entrant.id), ""),
                "participant_id": owners.get(row.entrant.id),
                "submission": submissions[row.entrant.id].id if row.entrant.id in submissions else None,
                **_record(row, digits), "slowness": round(slow[row.entrant.id]) if held_back else None})
        with self._results_lock:
            pending = self.results.pending_count()
        paused = " Play is paused by the organiser." if self.store.paused() else ""
        progress = f"{counted(games, 'game')} played, {pending} waiting to be played."
        return {"env": self.config.env, "games": games, "pending": pending, "rows": shown,
                "paused": bool(paused), "progress": progress, "summary": f"{progress}{paused}"}

    def register(self, name: str, address: str | None) -> tuple[Participant, str]:
        """A participant registered from `address` as `name`, with its token; RegistrationRefused (429
        past the limits of an address or of everyone, 400 for a name that cannot be had). One at a time:
        requests sent together must not all pass the limits before any of them counts, nor cost a token's
        hash each at once."""
        if not self._registering.acquire(timeout=REGISTRATION_WAIT_SECONDS):
            raise RegistrationRefused("Many registrations are being made just now; try again in a moment.", 503)
        try:
            if (wait := self.registrations.seconds_to_wait(address)) > 0:
                raise RegistrationRefused(f"Too many registrations came from your address in the last hour; try "
                                          f"again in {math.ceil(wait / 60)} minutes.", 429)
            if self.store.participants_since(time.time() - 3600) >= REGISTRATIONS_AN_HOUR:
                raise RegistrationRefused("Too many registrations in the last hour; try again later.", 429)
            try:
                participant, token = self.store.add_participant(name)
            except ArenaError as exc:
                raise RegistrationRefused(str(exc), 400) from None
            self.registrations.count(address)
            return participant, token
        finally:
            self._registering.release()

    def disqualify(self, submission_id: int, reason: str) -> Submission | None:
        """Take a submission out of play (its recorded games stay); None if there is no such one."""
        reason = " ".join(reason.split())[:200]
        with PLAY_CHANGES:  # not between a validator's checks of the same content and its activation
            submission = self.store.submission(submission_id)
            if submission is None:
                return None
            if submission.entrant_id is not None:  # out of play first: a server killed before the status keeps it out
                with self._results_lock:
                    self.results.set_active(submission.entrant_id, False)
                self.on_withdraw(submission.entrant_id)  # nor does it finish the games under way
                self._built = self._table = None
            self.store.set_status(submission_id, DISQUALIFIED,
                                  "disqualified by the organiser" + (f": {reason}" if reason else ""))
            for twin in self.store.submissions(status=ACTIVE):  # the same content uploaded again: its entrant is out
                if submission.entrant_id is not None and twin.entrant_id == submission.entrant_id:
                    self.store.set_status(twin.id, DISQUALIFIED, f"the same files as submission {submission_id}, "
                                                                 f"which the organiser disqualified")
        return self.store.submission(submission_id)

    def game(self, match_id: int) -> dict[str, Any] | None:
        """What a game's page shows, or None if no such game is recorded."""
        with self._results_lock:
            found = self.results.results(match_id=match_id)
        if not found:
            return None
        match = found[0]
        submissions = {s.entrant_id: s for s in self.store.submissions() if s.entrant_id is not None}
        names = {p.id: p.name for p in self.store.participants()}
        with self._results_lock:
            labels = {e.id: e.label for e in self.results.entrants()}
        outcome = public_detail(match.outcome)
        seats = []
        for number, seat in enumerate(match.seats):
            submission = submissions.get(seat.entrant_id)
            participant = names.get(submission.participant_id, "") if submission else ""
            shown = f"{seat.name} ({participant})" if participant else seat.name
            if seat.entrant_id in labels:  # the games name entrants by name@hash; the pages by name and participant
                outcome = outcome.replace(labels[seat.entrant_id], shown)
            seats.append({"seat": number + 1, "name": seat.name, "shown": shown, "score": f"{seat.score:g}",
                          "status": seat.status, "detail": public_detail(seat.detail),
                          "submission": submission.id if submission else None, "participant": participant,
                          "participant_id": submission.participant_id if submission else None})
        return {"match": replace(match, outcome=outcome), "seats": seats}

    def submission_page(self, submission_id: int) -> dict[str, Any] | None:
        """What a submission's public page shows (never its reason or logs), or None."""
        from arena.leaderboard.table import result_of

        submission = self.store.submission(submission_id)
        if submission is None:
            return None
        owner = self.store.participant(submission.participant_id)
        games = []
        if submission.entrant_id is not None:
            with self._results_lock:
                mine = self.results.results(entrant_id=submission.entrant_id, latest=GAMES_SHOWN)
            owners = self._owner_names()  # two participants' submissions may share a name
            for match in reversed(mine):
                seat = next(s for s in match.seats if s.entrant_id == submission.entrant_id)
                seats = " vs ".join(f"{s.name} ({owners[s.entrant_id]})" if s.entrant_id in owners else s.name
                                    for s in match.seats)
                games.append({"id": match.match_id, "seats": seats, "result": result_of(match, seat)})
        return {"submission": submission, "owner": owner.name if owner else "", "owner_id": owner.id if owner else None,
                "row": self._records().get(submission.id), "games": games}

    def _records(self) -> dict[int, dict[str, Any]]:
        """Submission id -> its row of the leaderboard, or for one out of play (retired, disqualified) its
        last rating and record, unranked."""
        rows = {r["submission"]: r for r in self.leaderboard()["rows"] if r["submission"] is not None}
        board = self.board()
        if board is not None:
            submissions = {s.entrant_id: s.id for s in self.store.submissions() if s.entrant_id is not None}
            for entrant, row in board.unshown.items():
                if entrant in submissions and submissions[entrant] not in rows:
                    rows[submissions[entrant]] = {"rank": None, **_record(row, board.digits)}
        return rows

    def _owner_names(self) -> dict[int, str]:
        """The name of the participant each entrant was uploaded by."""
        names = {p.id: p.name for p in self.store.participants()}
        return {entrant: names[owner] for entrant, owner in self.store.entrant_owners().items() if owner in names}

    def rating_history(self, submission: Submission) -> History | None:
        """The submission's rating after each of its games (see `arena.serve.history`); None until it
        is first drawn, while other histories are."""
        from arena.serve.history import remembered_history

        def every_result() -> list[MatchRecord]:
            with self._results_lock:
                return self.results.results()

        with self._results_lock:
            recorded = self.results.finished_count()
        return remembered_history(str(self.config.db), every_result, recorded, submission.entrant_id, self.config.env)

    def participant_page(self, participant_id: int) -> dict[str, Any] | None:
        """What a participant's public page shows: their submissions, statuses and ratings (never a
        reason, a log or a token), or None."""
        participant = self.store.participant(participant_id)
        if participant is None:
            return None
        rows = self._records()
        submissions = [{"id": s.id, "name": s.name, "status": s.status, "row": rows.get(s.id)}
                       for s in reversed(self.store.submissions(participant_id))]
        return {"participant": participant, "submissions": submissions}

    def all_submissions(self) -> list[dict[str, Any]]:
        names = {p.id: p.name for p in self.store.participants()}
        return [{**submission_json(s), "participant": names.get(s.participant_id, "")}
                for s in reversed(self.store.submissions())]

    def results_json(self) -> dict[str, Any]:
        from arena.leaderboard.table import to_json

        board = self.board()
        if board is None:
            return {"schema": "arena-leaderboard/1", "env": self.config.env, "matches": 0, "entrants": []}
        results = to_json(board, public=True)  # anyone may read it: never the seed the games to come derive from
        # Stored as any tournament's settings; a server plays by its own (`arena serve --games-per-pair`).
        results["settings"] = {**results["settings"], "games_per_pair": self.config.games_per_pair}
        return results


def _record(row: Row, digits: int) -> dict[str, Any]:
    """A leaderboard row's rating and record as the pages and the API show them."""
    rating = row.rating
    return {"rating": None if rating is None else round(rating.rating, 2),
            "margin": None if rating is None else round(rating.margin, 2),
            "rating_text": "" if rating is None else f"{rating.rating:.{digits}f}",
            "margin_text": "" if rating is None else f"{rating.margin:.{digits}f}",
            "games": row.games, "wins": row.wins, "draws": row.draws, "losses": row.losses}


class RegistrationRefused(Exception):
    """A registration not made; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message, self.status = message, status


def submission_json(submission: Submission) -> dict[str, Any]:
    """A submission as the API shows it to its owner and to organisers."""
    return {"id": submission.id, "name": submission.name, "status": submission.status, "reason": submission.reason,
            "log_tail": submission.log_tail, "digest": submission.digest, "created_at": submission.created_at,
            "validated_at": submission.validated_at}
