"""Ratings over generations: every network rated from the gating matches, network 0 at 0 Elo."""

from __future__ import annotations

from arena.alphazero.store import Match
from arena.ratings import Rating, bradley_terry

__all__ = ["generation_ratings"]


def generation_ratings(matches: list[Match]) -> dict[int, Rating]:
    """Elo ratings (with 95% intervals) of the networks in `matches`, by network id, shifted so
    that network 0 is 0: a Bradley-Terry fit over every gating game at once."""
    games = []
    for m in matches:
        games += [(m.candidate, m.best, 1.0)] * m.wins + [(m.candidate, m.best, 0.5)] * m.draws
        games += [(m.candidate, m.best, 0.0)] * m.losses
    if not games:
        return {}
    ratings = bradley_terry(games)
    anchor = ratings[0].rating if 0 in ratings else 0.0
    shifted = {n: Rating(r.rating - anchor, r.low - anchor, r.high - anchor) for n, r in ratings.items()}
    return dict(sorted(shifted.items()))
