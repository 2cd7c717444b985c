"""Ratings from match results: one number per entrant with a 95% interval, for leaderboards.

    ratings = bradley_terry([("greedy", "random", 1.0), ("random", "greedy", 0.5), ...])
    for player, r in ratings.items():          # best first
        print(player, f"{r.rating:+.0f} ± {r.margin:.0f}")

- `bradley_terry(games)`: two-player games, on the Elo scale. A maximum-likelihood fit over
  every game at once (as BayesElo and Ordo do), so the order games were played in does not
  matter. A lead of 100 points means an expected score of 64% against that opponent, 200
  points 76%, 400 points 91%; ratings are relative, so the mean of the rated players is 0.
- `plackett_luce(contests)`: games with more seats (snake) and teams (the cart-pole relay),
  through openskill's Plackett-Luce model, on openskill's scale (everyone starts at 25).
- `rate(results, cooperative)`: what a leaderboard calls: picks the method for a tournament's
  stored matches and turns them into games or contests.

Both give a `Rating` per player, best first: the rating and its 95% interval, so tables and
plots treat them alike. Faults need no special case: a seat that crashed, timed out, played an
illegal action or forfeited is ranked last in its match result, so it counts as a loss. A
game that every seat faulted, all ranked level, is left out: no one won it, and it says nothing of
which is stronger.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Hashable, Iterable, Iterator, Sequence, TypeVar

import numpy as np

from arena.match import rank

if TYPE_CHECKING:
    from arena.tournament.store import MatchRecord

P = TypeVar("P", bound=Hashable)

ELO = 400 / math.log(10)  # Elo points per unit of log-odds
PRIOR_SD = 400.0  # standard deviation of the prior on each rating, in Elo points
CONFIDENCE = 0.95

BRADLEY_TERRY = "bradley-terry"
PLACKETT_LUCE = "plackett-luce"


@dataclass(frozen=True)
class Rating:
    """One player's rating and the ends of its 95% interval."""

    rating: float
    low: float
    high: float

    @property
    def margin(self) -> float:
        """Half the width of the interval: the "± 35" in "120 ± 35"."""
        return (self.high - self.low) / 2


@dataclass(frozen=True)
class Ratings:
    """The ratings of a tournament's entrants (best first) and the method that produced them."""

    method: str  # BRADLEY_TERRY (Elo scale) or PLACKETT_LUCE (openskill's scale)
    by_player: dict[int, Rating]


def bradley_terry(games: Iterable[tuple[P, P, float]], *, prior_sd: float = PRIOR_SD,
                  confidence: float = CONFIDENCE) -> dict[P, Rating]:
    """Elo-scale ratings of the players in `games`, best first, from a Bradley-Terry fit.

    `games` are (first player, second player, first's points: 1 win, 0.5 draw, 0 loss). The model
    is P(i beats j) = 1 / (1 + 10 ** ((R_j - R_i) / 400)), fitted by Newton's method on the log
    posterior, which is concave, so the answer is unique, deterministic and order-independent.

    Draws count as half a win and half a loss. The rating difference then predicts the expected
    score (draws included), the quantity a points table counts, and no draw-rate parameter has
    to be estimated; a Davidson draw term would change how likely draws are said to be, not the
    order or the gaps that matter for a leaderboard.

    A weak prior keeps every rating finite: each rating starts as Normal(0, `prior_sd`), 400
    Elo points by default. Without it a player that won (or lost) every game would have an
    infinite maximum-likelihood rating. The pull of the prior on a player 300 points from the
    mean is that of two thirds of one game between equals: small next to the dozens of games
    a tournament plays, while a perfect record stays finite, ahead by a distance that grows
    with its number of games.

    Intervals come from the curvature of the log posterior at the fit (the observed Fisher
    information plus the prior's): its inverse is the covariance of the ratings. Ratings are
    anchored at their mean, so the covariance is projected onto that constraint before taking
    each rating's standard error; an interval is how far that player's distance from the field
    average could be, not the uncertainty of the average itself. This is the normal
    approximation BayesElo uses; a bootstrap would need random resampling (and would still
    fail on perfect records), where this is exact arithmetic on the data.
    """
    index: dict[P, int] = {}
    checked = _checked(games, index)
    n = len(index)
    if n == 0:
        return {}
    played = np.zeros((n, n))
    points = np.zeros((n, n))
    for first, second, score in checked:
        i, j = index[first], index[second]
        played[i, j] += 1
        played[j, i] += 1
        points[i, j] += score
        points[j, i] += 1 - score
    theta, information = _fit(played, points, precision=(ELO / prior_sd) ** 2)
    centre = np.eye(n) - 1 / n
    covariance = centre @ np.linalg.inv(information) @ centre
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    margins = (z * np.sqrt(np.clip(np.diag(covariance), 0, None)) * ELO).tolist()
    centred = ((theta - theta.mean()) * ELO).tolist()
    return _best_first({player: Rating(centred[i], centred[i] - margins[i], centred[i] + margins[i])
                        for player, i in index.items()})


def _checked(games: Iterable[tuple[P, P, float]], index: dict[P, int]) -> list[tuple[P, P, float]]:
    """The games as a checked list; numbers the players in `index` in order of appearance."""
    checked = []
    for first, second, score in games:
        if first == second:
            raise ValueError(f"a player cannot play itself: {first!r}")
        if not 0 <= score <= 1:
            raise ValueError(f"points must be between 0 and 1, got {score!r} for {first!r} vs {second!r}")
        index.setdefault(first, len(index))
        index.setdefault(second, len(index))
        checked.append((first, second, float(score)))
    return checked


def _fit(played: np.ndarray, points: np.ndarray, precision: float) -> tuple[np.ndarray, np.ndarray]:
    """The log-odds ratings maximising the log posterior, and its negated Hessian there.

    `played[i, j]` games between i and j; `points[i, j]` of them scored by i; `precision` is
    1 / variance of the Normal(0, .) prior in log-odds units.
    """
    n = len(played)

    def log_posterior(theta: np.ndarray) -> float:
        lead = theta[:, None] - theta[None, :]
        return float(-(points * np.logaddexp(0, -lead)).sum() - precision / 2 * theta @ theta)

    theta = np.zeros(n)
    for _ in range(100):
        expected = 1 / (1 + np.exp(theta[None, :] - theta[:, None]))  # P(i beats j)
        gradient = (points - played * expected).sum(axis=1) - precision * theta
        weights = played * expected * expected.T
        information = np.diag(weights.sum(axis=1)) - weights + precision * np.eye(n)
        step = np.linalg.solve(information, gradient)
        before = log_posterior(theta)
        while log_posterior(theta + step) < before and np.abs(step).max() > 1e-12:
            step /= 2  # Newton overshoots only far from the optimum; halving keeps it climbing
        theta = theta + step
        if np.abs(step).max() < 1e-10:
            break
    expected = 1 / (1 + np.exp(theta[None, :] - theta[:, None]))
    weights = played * expected * expected.T
    return theta, np.diag(weights.sum(axis=1)) - weights + precision * np.eye(n)


def plackett_luce(contests: Iterable[Sequence[tuple[Sequence[P], float]]], *,
                  confidence: float = CONFIDENCE) -> dict[P, Rating]:
    """openskill ratings from multi-seat or team results, best first, with 95% intervals.

    A contest is a list of (team, rank) with rank 1 best and equal ranks for ties; a team is a
    list of players (a free-for-all seat is a team of one). openskill's Plackett-Luce model
    keeps a Normal(mu, sigma) belief about each player's skill and updates it one contest at a
    time, in the order given (the stored match order, so the result is deterministic).

    The numbers are openskill's own: every player starts at mu = 25, sigma = 25/3, and a team
    performs as the sum of its members. The rating is mu and the interval mu ± 1.96 sigma.
    openskill's `ordinal`, mu - 3 sigma, is the low end of a 99.7% interval; ranking by mu
    instead keeps the order the best estimate, as the Bradley-Terry table does, and lets the
    interval show the doubt. Skill does not drift (tau = 0): an entrant never changes, since a
    new version is a new entrant. A player who fills a second seat in the same contest (a
    short last group of a free-for-all round) counts towards that team's strength but is
    updated only from its first seat.

    This scale is not Elo: openskill's unit depends on how many teams a contest has. Compare
    ratings within one tournament. Being online, the method lets the order of results leave a
    small trace: players with mirror-image records end up close, well inside their intervals,
    but not exactly level as they would in `bradley_terry`.
    """
    from openskill.models import PlackettLuce

    model = PlackettLuce(tau=0.0)
    beliefs: dict[P, Any] = {}
    for contest in contests:
        if len(contest) < 2:
            continue
        owners: list[list[P | None]] = []
        teams = []
        for members, _ in contest:
            owners.append([])
            teams.append([])
            for player in members:
                belief = beliefs.setdefault(player, model.rating())
                first_seat = not any(player in team for team in owners)
                owners[-1].append(player if first_seat else None)
                teams[-1].append(belief if first_seat else model.rating(belief.mu, belief.sigma))
        updated = model.rate(teams, ranks=[float(place) for _, place in contest])
        for team_owners, team in zip(owners, updated):
            for player, belief in zip(team_owners, team):
                if player is not None:
                    beliefs[player] = belief
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    return _best_first({player: Rating(b.mu, b.mu - z * b.sigma, b.mu + z * b.sigma)
                        for player, b in beliefs.items()})


def rate(results: Sequence[MatchRecord], cooperative: bool = False) -> Ratings:
    """Rate a tournament's entrants from its stored matches.

    Two-seat competitive games go to `bradley_terry`. Anything else goes to `plackett_luce`:
    each match of a free-for-all game is a contest of one-seat teams ranked as they finished.
    In a cooperative game (every seat shares the team's result) one match says nothing about
    its own seats, so the matches of a round are compared with each other instead: a round is a
    contest whose teams are its matches, ranked by team score; an agent is rated by how its
    teams did with different partners. A cooperative match that a seat's fault ended is rated
    as a free-for-all contest, where the faulting seat lost to its partners.
    """
    if not cooperative and all(len(match.seats) == 2 for match in results):
        return Ratings(BRADLEY_TERRY, bradley_terry(iter_two_player_games(results)))
    return Ratings(PLACKETT_LUCE, plackett_luce(contests(results, cooperative)))


def _all_out_together(match: MatchRecord) -> bool:
    """Whether every seat of `match` faulted and they share one place: no tie, as it says nothing of who is
    stronger (seats of a snake game taken out one after another are ranked by how long they lasted)."""
    return all(s.status != "ok" for s in match.seats) and len({s.rank for s in match.seats}) == 1


def iter_two_player_games(results: Sequence[MatchRecord]) -> Iterator[tuple[int, int, float]]:
    """(first entrant, second entrant, first's points: 1, 0.5 or 0) for every two-seat match but those both
    seats faulted together (ranked level, which is no draw)."""
    for match in results:
        if len(match.seats) == 2 and not _all_out_together(match):
            a, b = match.seats
            yield a.entrant_id, b.entrant_id, 1.0 if a.rank < b.rank else (0.5 if a.rank == b.rank else 0.0)


def contests(results: Sequence[MatchRecord], cooperative: bool) -> list[list[tuple[list[int], float]]]:
    """The contests `plackett_luce` rates, from stored matches (see `rate`)."""
    seat_by_seat = [[([s.entrant_id], s.rank) for s in match.seats] for match in results
                    if not _all_out_together(match) and (not cooperative or any(s.status != "ok" for s in match.seats))]
    if not cooperative:
        return seat_by_seat
    rounds: dict[int, list[MatchRecord]] = defaultdict(list)
    for match in results:
        if all(s.status == "ok" for s in match.seats):
            rounds[match.round].append(match)
    by_round = []
    for number in sorted(rounds):
        places = rank([match.seats[0].score for match in rounds[number]])
        by_round.append([([s.entrant_id for s in match.seats], place)
                         for match, place in zip(rounds[number], places)])
    return seat_by_seat + by_round


def _best_first(ratings: dict[P, Rating]) -> dict[P, Rating]:
    return dict(sorted(ratings.items(), key=lambda item: -item[1].rating))
