"""The leaderboard of a tournament as data: its rows, its head-to-head scores and its matches.

    board = build(ResultsStore("results.sqlite"))
    for row in board.rows:
        print(row.rank, row.entrant.label, row.rating, row.wins, row.draws, row.losses)
    json.dumps(to_json(board))

Ratings are fitted on every recorded match, retired versions included (their games tell us
about the entrants they played); the rows show the active entrants only unless `all_versions`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from arena.envs import entry
from arena.errors import ArenaError
from arena.names import lookalikes
from arena.ratings import BRADLEY_TERRY, Rating, rate
from arena.tournament.store import Entrant, MatchRecord, ResultsStore, SeatRecord

SCHEMA = "arena-leaderboard/1"
FAULTS = ("crash", "timeout", "illegal_action", "forfeit")


@dataclass(frozen=True)
class Row:
    """One entrant's line: its place, rating and record."""

    rank: int | None  # 1 is best, equal ratings share a rank; None until it has a rated game
    entrant: Entrant
    rating: Rating | None
    games: int = 0
    wins: int = 0  # finished first alone
    draws: int = 0  # shared first place, by a seat that did not fault
    losses: int = 0
    score: float = 0.0  # mean of its match scores (the game's own points)
    faults: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAULTS, 0))


@dataclass(frozen=True)
class Leaderboard:
    """Everything a leaderboard shows, computed once from the store."""

    settings: dict[str, Any]
    method: str  # how ratings were computed: arena.ratings.BRADLEY_TERRY or PLACKETT_LUCE
    rows: list[Row]  # best first
    head_to_head: dict[tuple[int, int], tuple[int, float]]  # (row id, column id) -> (games, row's points)
    matches: list[MatchRecord]  # every recorded match, newest first
    names: dict[int, str]  # entrant id -> its name, or its label where versions share the name
    warnings: dict[int, str] = field(default_factory=dict)  # entrant id -> why its name may mislead
    unshown: dict[int, Row] = field(default_factory=dict)  # entrant id -> the unranked row of one not in `rows`

    @property
    def env(self) -> str:
        return self.settings.get("env") or (self.matches[0].env if self.matches else "?")

    @property
    def two_player(self) -> bool:
        return all(len(m.seats) == 2 for m in self.matches)

    @property
    def cooperative(self) -> bool:
        return _cooperative(self.env)

    @property
    def digits(self) -> int:
        """Decimals worth showing: whole Elo points; tenths on openskill's smaller scale."""
        return 0 if self.method == BRADLEY_TERRY else 1

    def number(self, value: float) -> str:
        """A rating as tables and plots show it (never "-0")."""
        text = f"{value:.{self.digits}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text


def build(store: ResultsStore, all_versions: bool = False) -> Leaderboard:
    """The leaderboard of the tournament in `store`; ArenaError if no match has finished yet."""
    results = store.results()
    if not results:
        playing = store.player()
        if playing is not None:
            raise ArenaError(f"{store.path}: no finished match yet; {playing} is playing it: run this again "
                             "once it has recorded some")
        raise ArenaError(f"{store.path}: no finished match yet; play some with "
                         f"arena tournament --db {store.path} --resume")
    settings = store.settings()
    cooperative = _cooperative(settings.get("env") or results[0].env)
    ratings = rate(results, cooperative)
    everyone = store.entrants()
    shown = [e for e in everyone if all_versions or e.active]
    ids = {e.id for e in shown}
    records = _records(everyone, ratings.by_player, results)
    rows = _ranked([records[e.id] for e in shown])
    pairs = {} if cooperative else _head_to_head(results, ids)
    versions = Counter(e.name for e in everyone)
    names = {e.id: e.label if versions[e.name] > 1 else e.name for e in everyone}
    unshown = {e.id: records[e.id] for e in everyone if e.id not in ids}
    return Leaderboard(settings, ratings.method, rows, pairs, results[::-1], names, name_warnings(shown), unshown)


def name_warnings(entrants: list[Entrant]) -> dict[int, str]:
    """Entrant id -> a warning for each name that passes for another entrant's or mixes scripts
    (an impersonation is spotted where the names are shown side by side)."""
    flagged = lookalikes(e.name for e in entrants)
    return {e.id: ("looks like " + ", ".join(flagged[e.name]) if flagged[e.name] else "mixes scripts")
            for e in entrants if e.name in flagged}


def _cooperative(env: str) -> bool:
    try:
        return entry(env).cooperative
    except ArenaError:
        return False  # a game this installation does not know: rate it as a competitive one


def _records(entrants: list[Entrant], ratings: dict[int, Rating], results: list[MatchRecord]) -> dict[int, Row]:
    """Each entrant's unranked row, from one pass over the results."""
    tallies = {e.id: _Tally() for e in entrants}
    for match in results:
        for entrant_id, seats in _seats_by_entrant(match).items():
            if entrant_id in tallies:
                tallies[entrant_id].add(match, seats)
    return {e.id: tallies[e.id].row(e, ratings.get(e.id)) for e in entrants}


class _Tally:
    """One entrant's games, results, points and faults, counted match by match."""

    def __init__(self) -> None:
        self.results: Counter[str] = Counter()
        self.total = 0.0
        self.faults = dict.fromkeys(FAULTS, 0)

    def add(self, match: MatchRecord, seats: list[SeatRecord]) -> None:
        """One match, in which the entrant held `seats` (more than one where too few entrants filled a
        game): one game, with the result and score of its first seat, as its rating counts it."""
        self.results[result_of(match, seats[0])] += 1
        self.total += seats[0].score
        for status in {seat.status for seat in seats} & set(self.faults):
            self.faults[status] += 1

    def row(self, entrant: Entrant, rating: Rating | None) -> Row:
        games = self.results.total()
        return Row(None, entrant, rating, games, self.results["win"], self.results["draw"], self.results["loss"],
                   self.total / games if games else 0.0, self.faults)


def _seats_by_entrant(match: MatchRecord) -> dict[int, list[SeatRecord]]:
    """Each entrant of `match` with its seats, in seat order (several where too few entrants filled it)."""
    seats: dict[int, list[SeatRecord]] = {}
    for seat in match.seats:
        seats.setdefault(seat.entrant_id, []).append(seat)
    return seats


def result_of(match: MatchRecord, seat: SeatRecord) -> str:
    """"win" (first alone), "draw" (a first place shared with another entrant) or "loss", for one seat of
    a match (an entrant holding several seats shares nothing with itself). A fault is a loss, even where
    every seat faulted and so shares the place."""
    if seat.rank != 1 or seat.status != "ok":
        return "loss"
    shared = any(s.rank == 1 and s.entrant_id != seat.entrant_id for s in match.seats)
    return "draw" if shared else "win"


def _ranked(rows: list[Row]) -> list[Row]:
    """Best rating first, unrated last; competition ranks (1, 2, 2, 4)."""
    rated = sorted((r for r in rows if r.rating is not None), key=lambda r: (-r.rating.rating, r.entrant.id))
    unrated = [r for r in rows if r.rating is None]
    keys = [round(r.rating.rating, 6) for r in rated]
    return [replace(r, rank=1 + sum(other > key for other in keys)) for r, key in zip(rated, keys)] + unrated


def _head_to_head(results: list[MatchRecord], ids: set[int]) -> dict[tuple[int, int], tuple[int, float]]:
    """For every ordered pair of shown entrants that met: games together and the row's points.

    A point for finishing ahead of the other, half for the same place unless the row's seat faulted
    (a fault is a loss); in a two-player game that is the game's score. An entrant holding several
    seats of a match counts by its first.
    """
    table: dict[tuple[int, int], tuple[int, float]] = {}
    for match in results:
        first_seats = [seats[0] for seats in _seats_by_entrant(match).values()]
        for a in first_seats:
            for b in first_seats:
                if a.entrant_id != b.entrant_id and {a.entrant_id, b.entrant_id} <= ids:
                    games, points = table.get((a.entrant_id, b.entrant_id), (0, 0.0))
                    won = 1.0 if a.rank < b.rank else 0.5 if a.rank == b.rank and a.status == "ok" else 0.0
                    table[(a.entrant_id, b.entrant_id)] = (games + 1, points + won)
    return table


def to_json(board: Leaderboard, public: bool = False) -> dict[str, Any]:
    """The leaderboard as JSON-ready data; its layout is SCHEMA (documented in arena.leaderboard).

    `public`: for the entrants' eyes (a website, a server's API), with the tournament's seed left
    out (null): every game to come derives its seed from it, so an agent that knew it could rebuild
    their hidden draws and its opponents' random streams."""
    settings = {**board.settings, "seed": None} if public and "seed" in board.settings else board.settings
    return {
        "schema": SCHEMA,
        "env": board.env,
        "settings": settings,
        "rating_method": board.method,
        "rating_scale": "elo" if board.method == BRADLEY_TERRY else "openskill",
        "interval": 0.95,
        "matches": len(board.matches),
        "entrants": [_row_json(row, board.warnings.get(row.entrant.id)) for row in board.rows],
        "head_to_head": [{"row": a, "column": b, "games": games, "points": points}
                         for (a, b), (games, points) in sorted(board.head_to_head.items())],
    }


def _row_json(row: Row, warning: str | None) -> dict[str, Any]:
    rating = row.rating
    return {
        "rank": row.rank,
        "id": row.entrant.id,
        "name": row.entrant.name,
        "label": row.entrant.label,
        "digest": row.entrant.digest,
        "active": row.entrant.active,
        "rating": None if rating is None else round(rating.rating, 2),
        "low": None if rating is None else round(rating.low, 2),
        "high": None if rating is None else round(rating.high, 2),
        "games": row.games,
        "wins": row.wins,
        "draws": row.draws,
        "losses": row.losses,
        "score": round(row.score, 4),
        "faults": row.faults,
        "problem": row.entrant.problem or None,
        "name_warning": warning,
    }
