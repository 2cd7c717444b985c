"""Continuous rated play: the games queue is the results store's schedule.

The scheduler plays the active entrants without end, a batch at a time: when nothing is left
unplayed it plans the next batch, writes it into the schedule (one transaction), and plays it
with the tournament's runner on the chosen backend, each game recorded as it finishes. A server
killed at any moment finds the unplayed games of its last batch in the schedule when it starts
again and plays them first; a recorded game is never played again (its schedule id is the key
of its result).

Who plays whom:
- an entrant with fewer than `placement_games` games is placed first: it plays the entrants it
  has met least, two games a pairing with the seats swapped;
- then pairs are chosen where a game teaches the ratings most: the most uncertain ratings
  (widest intervals) that are closest together, again two games a pairing, seats swapped;
- a participant's own entrants never meet (one could lose to the other on purpose), and no entrant
  sits in more than its share of a batch (as many games as each would play if all played alike):
  one that plays slowly keeps a wide interval, and would otherwise take most of every batch;
- an entrant that takes much more play time a game than most (SLOW_FACTOR times the median
  entrant's, its own time in each of its latest games: its clock's, its start's and its holds',
  with a share of the rest) plays in a batch only by a draw weighted against its slowness
  (`slowness`): time it spends at the start of each game (its `_initialize`, off its clock) would
  otherwise take most of everyone's play;
- play rests once every two entrants have met `games_per_pair` times, until a newcomer comes;
- games of more seats seat newcomers first and draw the other seats, one entrant of a participant
  at a table while enough participants play.
Ratings come from `arena.ratings.rate` over every recorded game.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
import threading
from collections import Counter
from typing import Callable

from arena.consoles import counted, tell
from arena.envs import entry, make_raw
from arena.ratings import rate
from arena.seeding import derive_seed
from arena.tournament import Tournament
from arena.tournament.blocks import one_line
from arena.tournament.runner import Backend, play_pending
from arena.tournament.schedule import game_seed
from arena.tournament.store import MatchRecord

UNRATED_MARGIN = 800.0  # how uncertain a rating is before any game, in Elo points
SLOW_FACTOR = 2.0  # how many times the median entrant's play time a game an entrant may take before it is held back
DURATION_GAMES = 20  # an entrant's latest games whose mean says how much play time it takes a game
IDLE_SECONDS = 2.0  # between looks for a batch to play while there is none (an upload wakes it at once)
LONGEST_RETRY_SECONDS = 64.0  # the most a batch that failed waits to be tried again, the wait doubling


class Scheduler:
    """Plans and plays batches of games on `tournament`'s store until stopped."""

    def __init__(self, tournament: Tournament, backend: Backend, *, batch_games: int = 8,
                 placement_games: int = 10, on_batch: Callable[[int], None] = lambda recorded: None,
                 paused: Callable[[], bool] = lambda: False, between_batches: Callable[[], None] = lambda: None,
                 owners: Callable[[], dict[int, int]] = dict, games_per_pair: int | None = None,
                 on_rest: Callable[[], None] = lambda: None, on_pause: Callable[[bool], None] = lambda paused: None):
        self.tournament = tournament
        self.store = tournament.store
        self.backend = backend
        self.batch_games = max(2, batch_games)
        self.placement_games = placement_games
        self.on_batch = on_batch
        settings = tournament.settings
        self.seats = len(make_raw(settings.env, **settings.options).possible_agents)
        self.cooperative = entry(settings.env).cooperative
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._withdrawn: set[int] = set()  # entrants taken out of play during the batch under way
        self.paused = paused  # asked before each batch: the organiser may pause play
        self.on_pause = on_pause  # called with True as play stops for a pause, with False as it resumes
        self._was_paused = False
        # Called before each batch is planned, once retired entrants' games are cancelled: no game is in play.
        self.between_batches = between_batches
        self.owners = owners  # asked before each batch: entrant id -> its participant's, for those that have one
        # Play rests once every two entrants (of two participants) have met this often (None: never).
        self.games_per_pair = games_per_pair
        self.on_rest = on_rest  # called as play comes to rest (until a newcomer, or the server's next start)
        self._resting_on: tuple | None = None  # the entrants and games count when it last found all settled
        self._failures = 0  # batches stopped in a row (a full disk, say): each waits twice as long for the next
        self._failure_told: str | None = None  # the last failure told of: the same one again is not repeated
        self._unplayed_told: set[int] = set()  # games the machine left unplayed (a worker killed) told of

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="arena-scheduler", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def withdraw(self, entrant_id: int) -> None:
        """Take an entrant out of the batch under way, once the store has it out of play (retired,
        disqualified): its games not yet begun are not played, those under way not recorded."""
        self._withdrawn.add(entrant_id)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def join(self, timeout: float) -> bool:
        """Wait for the batch in play to end after `stop`; whether it did within `timeout` seconds."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def run(self) -> None:
        self.store.clear_failures()
        while not self._stop.is_set():
            if not self.tick():
                self._wake.wait(self.wait_seconds())
                self._wake.clear()

    def wait_seconds(self) -> float:
        """How long to wait for something to play, or before a batch that failed is tried again: a full
        disk would otherwise have every game of the batch played again every few seconds, for nothing."""
        if not self._failures:
            return IDLE_SECONDS
        return min(IDLE_SECONDS * 2 ** (self._failures - 1), LONGEST_RETRY_SECONDS)

    def tick(self) -> int:
        """One turn of the loop: a batch unless play is paused; how many games were recorded."""
        try:
            paused = self.paused()
            if paused != self._was_paused:
                self._was_paused = paused
                self.on_pause(paused)
            if paused:
                return 0
            recorded = self.step()
        except Exception as exc:  # the store busy for long, or its server restarting, say: note it and try again
            self._failures += 1
            why = one_line(exc)
            if why != self._failure_told:
                tell(f"arena serve: the scheduler stopped a batch: {why}; trying again in {self.wait_seconds():.0f} s, "
                     f"then less often while it fails alike")
                self._failure_told = why
            return 0
        if self._failures:
            tell("arena serve: the scheduler plays again")
            self._failures, self._failure_told = 0, None
        return recorded

    def step(self) -> int:
        """Plan a batch if nothing is unplayed, then play what is; how many games were recorded."""
        self._withdrawn.clear()  # first: one withdrawn before is out of play in the store, read from here on
        self.store.cancel_unplayed_with_retired()
        self.between_batches()
        if not self.store.pending():
            planned = self.plan()
            if not planned:
                return 0
            self.store.add_to_schedule(planned)
        settings = self.tournament.play_settings(self.backend)
        recorded = play_pending(self.store, settings, self.tournament.replay_dir, self.backend,
                                withdrawn=self._withdrawn)
        self._tell_unplayed()
        self.on_batch(recorded)
        return recorded

    def _tell_unplayed(self) -> None:
        """Tell of the games of the batch that the machine could not play (its worker killed, a sandbox it
        could not start): they wait in the store, as failures, for the server's next start."""
        unplayed = {match_id: why for match_id, why in self.store.failures().items()
                    if match_id not in self._unplayed_told}
        if not unplayed:
            return
        self._unplayed_told.update(unplayed)
        count = len(unplayed)
        tell(f"arena serve: {counted(count, 'game')} could not be played ({next(iter(unplayed.values()))}); "
             f"{'it is' if count == 1 else 'they are'} played when the server starts again")

    def plan(self) -> list[tuple[int, int, tuple[int, ...]]]:
        """The next batch: (round, seed, seats) for each game, or [] while too few entrants play."""
        active = [e.id for e in self.store.entrants(active_only=True) if not e.problem]
        if len(active) < 2:
            return []
        resting_on = (tuple(active), self.store.finished_count())
        if resting_on == self._resting_on:  # nothing changed since it found every pair settled: not read again
            return []
        last_round = self.store.last_round()
        round_number = 0 if last_round is None else last_round + 1
        rng = random.Random(derive_seed(self.tournament.settings.seed, round_number, bits=63))
        results = self.store.results()
        owners = self.owners()
        met = _meetings(results)
        unsettled = self._unsettled(active, met, owners)
        if sum(count > 0 for count in unsettled.values()) < 2:
            self._resting_on = resting_on
            self.on_rest()
            return []
        playing = _within_time_shares(active, results, rng, self.seats)
        # Those the draw left may all be one participant's, who never meet: then everyone plays this batch.
        games = (self._games(playing, unsettled, met, results, rng, owners)
                 or self._games(active, unsettled, met, results, rng, owners))
        seed = self.tournament.settings.seed
        return [(round_number, game_seed(seed, round_number, number), seats) for number, seats in enumerate(games)]

    def _settled(self, pair: frozenset, met: Counter[frozenset]) -> bool:
        """Whether the two of `pair` met `games_per_pair` times: a game of theirs teaches the ratings little more."""
        return self.games_per_pair is not None and met[pair] >= self.games_per_pair

    def _unsettled(self, active: list[int], met: Counter[frozenset], owners: dict[int, int]) -> Counter[int]:
        """How many of its pairings (with those of `active` of another participant) each of `active` has yet
        to play enough."""
        return Counter({e: sum(not self._settled(frozenset(pair), met) for pair in _pairings(e, active, owners))
                        for e in active})

    def _games(self, active: list[int], unsettled: Counter[int], met: Counter[frozenset], results: list[MatchRecord],
               rng: random.Random, owners: dict[int, int]) -> list[tuple[int, ...]]:
        """The seats of each game of a batch among `active` (`owners`: entrant -> its participant), none of
        pairs alone that met often enough where it can be helped."""
        if self.seats == 2:  # (the pairs that met often enough are left out)
            return [seats for a, b in self._pairs(active, met, results, rng, owners) for seats in ((a, b), (b, a))]
        return self._tables(active, unsettled, met, results, rng, owners)

    def _pairs(self, active: list[int], met: Counter[frozenset], results: list[MatchRecord], rng: random.Random,
               owners: dict[int, int]) -> list[tuple[int, int]]:
        played = Counter(s.entrant_id for m in results for s in m.seats)
        pairs = [pair for pair in itertools.combinations(active, 2) if not _same_owner(pair, owners)
                 and not self._settled(frozenset(pair), met)]
        rng.shuffle(pairs)
        ratings = rate(results, self.cooperative).by_player if results else {}

        def teaches(pair: tuple[int, int]) -> float:
            a, b = (ratings.get(e) for e in pair)
            if a is None or b is None:
                return 2 * UNRATED_MARGIN
            return a.margin + b.margin - abs(a.rating - b.rating)

        pairs.sort(key=lambda pair: (-teaches(pair), met[frozenset(pair)]))
        newcomers = [e for e in active if played[e] < self.placement_games]
        if newcomers:  # its pairings first, those it has met least first; then as above
            placing = sorted((pair for pair in pairs if newcomers[0] in pair), key=lambda pair: met[frozenset(pair)])
            pairs = placing + [pair for pair in pairs if newcomers[0] not in pair]
        wanted = self.batch_games // 2

        def pairings_left(pair: tuple[int, int]) -> float:  # of two games each, before the pair has met enough
            if self.games_per_pair is None:
                return math.inf
            return math.ceil((self.games_per_pair - met[frozenset(pair)]) / 2)

        return _within_shares(pairs, wanted, share=math.ceil(2 * wanted / len(active)), most=pairings_left)

    def _tables(self, active: list[int], unsettled: Counter[int], met: Counter[frozenset], results: list[MatchRecord],
                rng: random.Random, owners: dict[int, int]) -> list[tuple[int, ...]]:
        """Games of more than two seats: newcomers sit first, else one of those with the most pairings yet to
        play enough (`unsettled`); the other seats are drawn at random, those yet to meet the first enough
        first, one entrant of each participant at a table while enough participants play."""
        played = Counter(s.entrant_id for m in results for s in m.seats)
        newcomers = [e for e in active if played[e] < self.placement_games]
        most = max(unsettled[e] for e in active)
        games = []
        for number in range(self.batch_games):
            first = newcomers[number % len(newcomers)] if newcomers else rng.choice(
                [e for e in active if unsettled[e] == most])
            others = [e for e in active if e != first]
            rng.shuffle(others)
            others.sort(key=lambda e: self._settled(frozenset((first, e)), met))  # the unsettled ones first
            seats = [first]
            for entrant in others:
                if len(seats) < self.seats and not any(_same_owner((entrant, seated), owners) for seated in seats):
                    seats.append(entrant)
            seats += [e for e in others if e not in seats][:self.seats - len(seats)]  # too few participants
            seats += [rng.choice(others) for _ in range(self.seats - len(seats))]  # too few entrants: some sit twice
            rng.shuffle(seats)
            games.append(tuple(seats))
        return games


def _within_time_shares(active: list[int], results: list[MatchRecord], rng: random.Random,
                        seats: int) -> list[int]:
    """The entrants that play this batch: each that takes more than SLOW_FACTOR times the median
    entrant's play time a game only with a chance of one in its slowness, so that over many batches
    it takes about the time the others do; all of them where too few would be left to fill a game's
    `seats`."""
    slow = slowness(active, results)
    playing = [e for e in active if slow.get(e, 0.0) <= SLOW_FACTOR or rng.random() < 1 / slow[e]]
    return playing if len(playing) >= seats else active


def slowness(active: list[int], results: list[MatchRecord]) -> dict[int, float]:
    """How many times the median entrant's play time a game each of `active` takes, over its latest
    DURATION_GAMES games (for those with one game or more). Its play time in a game is its own time
    (what its clock charged it, what its start took it and how long it held the game: `SeatRecord`)
    and what a seat adds besides, the same for all: the game's and the harness's work, the median
    over the games read of what their seats' own time leaves of their duration, a seat's share. So
    an opponent's slowness is never counted as its (nor is a sandbox's first load of its code, which
    no seat's time includes), and an entrant slow in some of its games is counted slow in just those."""
    own: dict[int, list[float]] = {entrant: [] for entrant in active}
    besides: list[float] = []
    unfinished = len(own)  # entrants with fewer than DURATION_GAMES games read so far
    for match in reversed(results):
        seconds = [seat.time_used + seat.time_to_start + seat.time_held for seat in match.seats]
        besides.append(max(match.duration - sum(seconds), 0.0) / max(len(seconds), 1))
        for seat, spent in zip(match.seats, seconds):
            games = own.get(seat.entrant_id)
            if games is not None and len(games) < DURATION_GAMES:
                games.append(spent)
                unfinished -= len(games) == DURATION_GAMES
        if not unfinished:
            break
    typical = {entrant: statistics.fmean(games) for entrant, games in own.items() if games}
    if not typical:
        return {}
    shared = statistics.median(besides)
    usual = max(statistics.median(typical.values()) + shared, 1e-3)
    return {entrant: (seconds + shared) / usual for entrant, seconds in typical.items()}


def _meetings(results: list[MatchRecord]) -> Counter[frozenset]:
    """How often each two entrants sat at one game."""
    return Counter(frozenset(pair) for match in results
                   for pair in itertools.combinations({seat.entrant_id for seat in match.seats}, 2))


def _pairings(entrant: int, active: list[int], owners: dict[int, int]) -> list[tuple[int, int]]:
    """The pairs `entrant` may play in: with each of `active` of another participant."""
    return [(entrant, other) for other in active if other != entrant and not _same_owner((entrant, other), owners)]


def _same_owner(pair: tuple[int, int], owners: dict[int, int]) -> bool:
    """Whether both entrants of `pair` are one participant's."""
    first, second = (owners.get(entrant) for entrant in pair)
    return first is not None and first == second


def _within_shares(ranked: list[tuple[int, int]], wanted: int, share: int,
                   most: Callable[[tuple[int, int]], float]) -> list[tuple[int, int]]:
    """Up to `wanted` pairs from `ranked`, in its order and again from its start, leaving out those that
    would seat an entrant more than `share` times, or take a pair more than `most(pair)` times."""
    chosen: list[tuple[int, int]] = []
    seated: Counter[int] = Counter()
    taken: Counter[tuple[int, int]] = Counter()
    while len(chosen) < wanted:
        before = len(chosen)
        for pair in ranked:
            if len(chosen) < wanted and all(seated[entrant] < share for entrant in pair) and taken[pair] < most(pair):
                chosen.append(pair)
                seated.update(pair)
                taken[pair] += 1
        if len(chosen) == before:  # every pair left would exceed a share
            break
    return chosen
