"""Who plays whom: the pairings of each tournament format, with seats balanced and seeds fixed.

Every function returns matches as (round, seed, seats) with seats a tuple of entrant ids in seat
order. A pairing plays `games` games; game k swaps the seats of game k - 1. Each game has a seed of
its own: two games sharing one would hide the same draws (snake's fruit, the weapons' schedule),
and an agent that remembered the first (its sandbox is kept between games, and sandboxes can pass
signs to each other) would know them in the second. Seeds derive from the tournament seed and the
entrant ids, so a rerun repeats every game.
"""

from __future__ import annotations

import copy
import math
import random
from collections import deque
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
    """One Swiss round: entrants sorted by points (then id) are paired top-down, each with the highest placed
    entrant it has not met that still lets those below all pair without a rematch (but one if their count is
    odd); where no partner does, it sits the round out, so a field that cannot all pair leaves out entrants
    from the top until the rest can.
    With an odd count one sits out: the lowest placed of those that sat out fewest rounds so far
    (`sat_out`, by entrant) whom leaving out lets the others all pair without a rematch, so that a
    bye, which scores nothing, does not fall to the last placed round after round.
    Of a pair, the one that has opened fewer games than it answered so far (`opened`: games in the
    first seat less those in the second, by entrant) opens; when they are level, the higher placed
    opens in even rounds and the lower placed in odd ones.
    Whether the others can all pair is read from a maximum matching of the pairs that have not met, so a
    round takes time polynomial in the field's size, however few pairs are left unmet."""
    order = [e for e, _ in sorted(standings, key=lambda s: (-s[1], s[0]))]
    matching = _Matching(order, played_pairs)
    if len(order) % 2:
        byes = sat_out or {}
        for bye in sorted(reversed(order), key=lambda e: byes.get(e, 0)):
            without_bye = matching.without(bye)
            if without_bye.pairs_everyone():
                order.remove(bye)
                matching = without_bye
                break
    seated = [_opener_first(a, b, opened or {}, round_number) for a, b in _pairs_from_the_top(order, matching)]
    return [m for a, b in seated for m in pairing_games(a, b, games, round_number, base_seed)]


def _opener_first(higher: int, lower: int, opened: Mapping[int, int], round_number: int) -> tuple[int, int]:
    if opened.get(higher, 0) != opened.get(lower, 0):
        return (higher, lower) if opened.get(higher, 0) < opened.get(lower, 0) else (lower, higher)
    return (higher, lower) if round_number % 2 == 0 else (lower, higher)


def _pairs_from_the_top(order: list[int], matching: _Matching) -> list[tuple[int, int]]:
    """The pairs of `order` top-down without a rematch: each entrant in turn takes the highest placed one it has
    not met that leaves the others all able to pair, or sits out if none does. `matching` is a maximum matching
    of the unmet pairs of `order`."""
    pairs = []
    left = list(order)
    while len(left) > 1:
        first = left.pop(0)
        without_first = matching.without(first)
        # Where those left cannot all pair, no partner leaves the others all paired (they would all pair with it).
        if matching.pairs_everyone():
            for partner in left:
                if partner not in matching.unmet[first]:
                    continue
                without_both = without_first.without(partner)
                if without_both.pairs_everyone():
                    pairs.append((first, partner))
                    left.remove(partner)
                    without_first = without_both
                    break
        matching = without_first
    return pairs


class _Matching:
    """A maximum matching of the pairs that have not met among some entrants (Edmonds' blossom algorithm),
    kept maximum as entrants leave: it tells whether those left can all pair, but one if their count is odd."""

    def __init__(self, entrants: Sequence[int], played: set[frozenset[int]]):
        self.unmet = {a: {b for b in entrants if b != a and frozenset((a, b)) not in played} for a in entrants}
        self.left = set(entrants)
        self.mate: dict[int, int] = {}  # both ways
        # One search from each entrant is enough: no path from it now means none after later augmentations.
        for e in entrants:
            if e not in self.mate:
                self._augment(e)

    def pairs_everyone(self) -> bool:
        return len(self.mate) // 2 == len(self.left) // 2

    def without(self, entrant: int) -> _Matching:
        """The maximum matching of the others: a path that would now enlarge it has to end at the entrant's
        partner, which was left alone (any other would have enlarged this matching already)."""
        other = copy.copy(self)  # shares the unmet pairs, which never change
        other.left, other.mate = self.left - {entrant}, dict(self.mate)
        partner = other.mate.pop(entrant, None)
        if partner is not None:
            del other.mate[partner]
            other._augment(partner)
        return other

    def _augment(self, root: int) -> bool:
        """Finds a path from the unpaired `root` to another unpaired entrant whose pairs alternate between
        unmet and matched, and swaps them along it (one more pair); odd cycles shrink to their base as found.
        Takes time quadratic in the number of entrants."""
        mate, left = self.mate, self.left
        base = {e: e for e in left}  # the base of the shrunk odd cycle each entrant is in, or itself
        parent: dict[int, int] = {}  # the tree's unmatched links, towards the root
        outer, queue = {root}, deque([root])  # entrants an even path from the root reaches

        def common_base(a: int, b: int) -> int:
            seen = set()
            while True:
                a = base[a]
                seen.add(a)
                if a == root:
                    break
                a = parent[mate[a]]
            while base[b] not in seen:
                b = parent[mate[base[b]]]
            return base[b]

        def mark_cycle(v: int, cycle_base: int, child: int, cycle: set[int]) -> None:
            # Links the cycle's outer entrants back the other way, so that a path can go round either side.
            while base[v] != cycle_base:
                cycle |= {base[v], base[mate[v]]}
                parent[v] = child
                child = mate[v]
                v = parent[child]

        while queue:
            v = queue.popleft()
            for to in self.unmet[v]:
                if to not in left or base[v] == base[to] or mate.get(v) == to:
                    continue
                if to == root or (to in mate and mate[to] in parent):  # `to` is outer too: an odd cycle
                    cycle_base, cycle = common_base(v, to), set()
                    mark_cycle(v, cycle_base, to, cycle)
                    mark_cycle(to, cycle_base, v, cycle)
                    for e in left:
                        if base[e] in cycle:
                            base[e] = cycle_base
                            if e not in outer:
                                outer.add(e)
                                queue.append(e)
                elif to not in parent:
                    parent[to] = v
                    if to not in mate:  # an unpaired entrant: swap the pairs along the path back to the root
                        while to is not None:
                            v = parent[to]
                            following = mate.get(v)
                            mate[to], mate[v] = v, to
                            to = following
                        return True
                    outer.add(mate[to])
                    queue.append(mate[to])
        return False


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
