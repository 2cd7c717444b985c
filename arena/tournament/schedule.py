"""Who plays whom: the pairings of each tournament format, with seats balanced and seeds fixed.

Every function returns matches as (round, seed, seats) with seats a tuple of entrant ids in seat
order. A pairing plays `games` games; game k swaps the seats of game k - 1. Each game has a seed of
its own: two games sharing one would hide the same draws (snake's fruit, the weapons' schedule),
and an agent that remembered the first (its sandbox is kept between games, and sandboxes can pass
signs to each other) would know them in the second. Seeds derive from the tournament seed and the
entrant ids, so a rerun repeats every game.
"""

from __future__ import annotations

import math
import random
from typing import Mapping, Sequence

from arena.seeding import derive_seed, one_way_seed

Match = tuple[int, int, tuple[int, ...]]  # round, seed, seats


def game_seed(base_seed: int, *keys: int) -> int:
    """A game's seed: 63 bits, so that an agent cannot find it (nor what it decides: the opponent's
    random stream, the game's hidden draws) by trying them all, and one-way, so that the seeds shown
    with played games do not give away the tournament's secret seed, nor with it those to come."""
    return one_way_seed(b"arena game seed", base_seed, *keys)


def pairing_games(a: int, b: int, games: int, round_number: int, base_seed: int) -> list[Match]:
    """`games` games between entrants a and b, seats alternating, each game its own seed."""
    low, high = min(a, b), max(a, b)
    return [(round_number, game_seed(base_seed, low, high, game), (a, b) if game % 2 == 0 else (b, a))
            for game in range(games)]


def round_robin_rounds(entrants: Sequence[int]) -> list[list[tuple[int, int]]]:
    """Berger tables (the circle method): n - 1 rounds in which everyone plays once (a bye if n is odd).

    The last entrant stays put while the others rotate; each entrant opens and answers in turn,
    round after round, so that over the whole table it opens as often as it answers, or once more
    or less when it plays an odd number of games.
    """
    players: list[int | None] = list(entrants) + ([None] if len(entrants) % 2 else [])
    n = len(players)
    rounds = []
    for r in range(n - 1):
        # The one that stays put opens in every other round; of the others, the one an odd number of
        # places ahead of the round's position opens: a rotating entrant's distance falls by one each round.
        pairs = [(players[-1], players[r]) if r % 2 == 0 else (players[r], players[-1])]
        pairs += [(players[(r + i) % (n - 1)], players[(r - i) % (n - 1)]) if i % 2 else
                  (players[(r - i) % (n - 1)], players[(r + i) % (n - 1)]) for i in range(1, n // 2)]
        rounds.append([(a, b) for a, b in pairs if a is not None and b is not None])
    return rounds


def round_robin(entrants: Sequence[int], games: int, base_seed: int, played_pairs: set[frozenset[int]] = frozenset(),
                first_round: int = 0) -> list[Match]:
    """Every pair of `entrants` not in `played_pairs` plays `games` games, round by round."""
    matches: list[Match] = []
    round_number = first_round
    for pairs in round_robin_rounds(entrants):
        fresh = [(a, b) for a, b in pairs if frozenset((a, b)) not in played_pairs]
        for a, b in fresh:
            matches += pairing_games(a, b, games, round_number, base_seed)
        round_number += bool(fresh)
    return matches


def gauntlet(challenger: int, field: Sequence[int], games: int, base_seed: int,
             played_pairs: set[frozenset[int]] = frozenset(), first_round: int = 0) -> list[Match]:
    """The challenger plays `games` games against each entrant of the field it has not met yet, a round
    each; it opens the first game of every other round, so it opens about as often as it answers."""
    opponents = [e for e in field if e != challenger and frozenset((challenger, e)) not in played_pairs]
    return [m for r, e in enumerate(opponents, start=first_round)
            for m in pairing_games(*((challenger, e) if r % 2 == 0 else (e, challenger)), games, r, base_seed)]


def swiss_round(standings: Sequence[tuple[int, float]], played_pairs: set[frozenset[int]], games: int,
                round_number: int, base_seed: int, sat_out: Mapping[int, int] | None = None,
                opened: Mapping[int, int] | None = None) -> list[Match]:
    """One Swiss round: entrants sorted by points (then id) are paired top-down with someone they
    have not met, backtracking where a greedy choice would leave someone without an opponent.
    With an odd count one sits out: the lowest placed of those that sat out fewest rounds so far
    (`sat_out`, by entrant) whom leaving out lets the others all pair without a rematch, so that a
    bye, which scores nothing, does not fall to the last placed round after round.
    Of a pair, the one that has opened fewer games than it answered so far (`opened`: games in the
    first seat less those in the second, by entrant) opens; when they are level, the higher placed
    opens in even rounds and the lower placed in odd ones."""
    order = [e for e, _ in sorted(standings, key=lambda s: (-s[1], s[0]))]
    known: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    pairs = _pair_without_rematches(order, played_pairs, known)
    if len(order) % 2:
        byes = sat_out or {}
        for bye in sorted(reversed(order), key=lambda e: byes.get(e, 0)):
            rest = [e for e in order if e != bye]
            pairs_without = _pair_without_rematches(rest, played_pairs, known)
            if len(pairs_without) == len(rest) // 2:
                pairs = pairs_without
                break
    seated = [_opener_first(a, b, opened or {}, round_number) for a, b in pairs]
    return [m for a, b in seated for m in pairing_games(a, b, games, round_number, base_seed)]


def _opener_first(higher: int, lower: int, opened: Mapping[int, int], round_number: int) -> tuple[int, int]:
    if opened.get(higher, 0) != opened.get(lower, 0):
        return (higher, lower) if opened.get(higher, 0) < opened.get(lower, 0) else (lower, higher)
    return (higher, lower) if round_number % 2 == 0 else (lower, higher)


def _pair_without_rematches(order: list[int], played: set[frozenset[int]],
                            known: dict[tuple[int, ...], list[tuple[int, int]]] | None = None) -> list[tuple[int, int]]:
    """The pairs of `order` top-down without a rematch; `known` holds those of the lists already worked out,
    which the backtracking meets again and again (without it, a field whose unmet pairs leave no way to pair
    everyone takes time exponential in its size)."""
    known = {} if known is None else known
    key = tuple(order)
    if key not in known:
        known[key] = _pairs_from_the_top(order, played, known)
    return known[key]


def _pairs_from_the_top(order: list[int], played: set[frozenset[int]],
                        known: dict[tuple[int, ...], list[tuple[int, int]]]) -> list[tuple[int, int]]:
    if len(order) < 2:
        return []
    first, rest = order[0], order[1:]
    for i, partner in enumerate(rest):
        if frozenset((first, partner)) in played:
            continue
        remaining = rest[:i] + rest[i + 1:]
        tail = _pair_without_rematches(remaining, played, known)
        if len(tail) == len(remaining) // 2:  # everyone left is paired, but one if the count is odd
            return [(first, partner), *tail]
    # No partner for `first` lets everyone else pair: it sits this round out.
    return _pair_without_rematches(rest, played, known)


def swiss_rounds_for(entrants: int) -> int:
    """The usual Swiss length: enough rounds to separate a single winner."""
    return max(1, math.ceil(math.log2(max(entrants, 2))))


def free_for_all_round(entrants: Sequence[int], seats: int, round_number: int, base_seed: int) -> list[Match]:
    """Shuffle the entrants into groups of `seats` (one match each); a short last group is
    filled with entrants from the first groups, so everyone plays at least once a round."""
    if len(entrants) < seats:
        raise ValueError(f"a {seats}-seat game needs at least {seats} entrants, got {len(entrants)}")
    order = list(entrants)
    random.Random(derive_seed(base_seed, round_number)).shuffle(order)
    groups = [order[i:i + seats] for i in range(0, len(order), seats)]
    if len(groups[-1]) < seats:
        short = groups[-1]
        short += [e for e in order if e not in short][: seats - len(short)]
    return [(round_number, game_seed(base_seed, round_number, g + 1), tuple(group)) for g, group in enumerate(groups)]
