"""Tournaments: exact schedules, growth by new submissions, resume after kill -9, and both backends."""

import errno
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from arena import cli, seeding
from arena.consoles import counted
from arena.errors import ArenaError, HarnessError
from arena.submission import SUBMISSION_PREFIX
from arena.tournament import Settings, Tournament, schedule
from arena.tournament.runner import Backend, backend_for, blocks_of
from arena.tournament.store import ResultsStore

SIX_ENTRANT_ROUNDS = [
    [(6, 1), (2, 5), (4, 3)],
    [(2, 6), (3, 1), (5, 4)],
    [(6, 3), (4, 2), (1, 5)],
    [(4, 6), (5, 3), (2, 1)],
    [(6, 5), (1, 4), (3, 2)],
]


def test_six_entrant_round_robin_gives_the_exact_schedule():
    matches = schedule.round_robin([1, 2, 3, 4, 5, 6], games=2, base_seed=9)
    expected = [(r, pair) for r, pairs in enumerate(SIX_ENTRANT_ROUNDS) for a, b in pairs for pair in ((a, b), (b, a))]
    assert [(r, seats) for r, _, seats in matches] == expected
    pairs = {frozenset(seats) for _, _, seats in matches}
    assert len(pairs) == 15 and len(matches) == 30
    first_seat = [seats[0] for _, _, seats in matches]
    assert all(first_seat.count(e) == 5 for e in range(1, 7))  # everyone opens as often as it answers
    seeds = [seed for _, seed, _ in matches]
    assert len(set(seeds)) == 30  # each game its own: none tells an agent another's hidden draws
    assert schedule.round_robin([1, 2, 3, 4, 5, 6], 2, 9) == matches  # a rerun repeats it


# Notes what its seed draws at each game's start.
NOTES_ITS_GAMES = """
import random
from arena.agents import RandomAgent


class SubmittedAgent(RandomAgent):
    def reset(self):
        super().reset()
        print("drew", random.random(), flush=True)
"""


def test_no_two_games_of_a_tournament_share_their_draws_or_an_agents_random_stream(tmp_path, write_submission):
    # Sandboxes are kept between games: an agent that remembered one game would know any other of its seed.
    for name in ("a", "b", "c"):
        write_submission(f"field/{name}", NOTES_ITS_GAMES, f'name = "{name}"\n')
    settings = Settings(env="snake", options={"num_snakes": 2}, games_per_pair=4, seed=5, max_steps=5)
    with Tournament(tmp_path / "t.sqlite", settings) as tournament:
        tournament.register_folder(tmp_path / "field")
        assert tournament.play(Backend()) == 12
        draws = [line for log in tournament.log_dir.glob("*.log") for line in log.read_text().splitlines()]
        seeds = [m.seed for m in tournament.store.results()]  # what decides the game's hidden draws
    assert len(draws) == 24 and len(set(draws)) == 24
    assert len(set(seeds)) == 12


def test_a_tournament_made_in_python_without_a_seed_draws_a_secret_one(tmp_path):
    seeds = []
    for name in ("a", "b"):
        with Tournament(tmp_path / f"{name}.sqlite", Settings(env="othello")) as tournament:
            seeds.append(tournament.settings.seed)
    assert seeds[0] != seeds[1] and min(seeds) >= 2**32  # too many to try


def test_game_seeds_are_one_way_children_of_the_tournament_seed():
    # Shown on every game's page and in its replay, they must not give away the seed of the games to come.
    assert schedule.game_seed(9, 1, 2, 0) == seeding.one_way_seed(b"arena game seed", 9, 1, 2, 0)
    assert schedule.game_seed(9, 1, 2, 0) != seeding.derive_seed(9, 1, 2, 0, bits=63)


def test_odd_entrants_get_a_bye_and_played_pairs_are_not_repeated():
    rounds = schedule.round_robin_rounds([1, 2, 3, 4, 5])
    assert len(rounds) == 5 and all(len(r) == 2 for r in rounds)
    assert len({frozenset(p) for r in rounds for p in r}) == 10
    later = schedule.round_robin([1, 2, 3], 1, 0, played_pairs={frozenset((1, 2))}, first_round=7)
    assert [frozenset(s) for _, _, s in later] in ([{1, 3}, {2, 3}], [{2, 3}, {1, 3}])
    assert {r for r, _, _ in later} == {7, 8}


@pytest.mark.parametrize("entrants", range(2, 13))
@pytest.mark.parametrize("games", [1, 3])
def test_round_robin_seats_everyone_first_as_often_as_second_when_pairs_play_an_odd_number_of_games(entrants, games):
    # Othello's first mover, say, has the edge: over a tournament nobody may get it more than once extra.
    matches = schedule.round_robin(list(range(1, entrants + 1)), games, base_seed=0)
    for entrant in range(1, entrants + 1):
        first = sum(seats[0] == entrant for _, _, seats in matches)
        second = sum(seats[1] == entrant for _, _, seats in matches)
        assert first + second == games * (entrants - 1)
        assert abs(first - second) == (1 if entrants % 2 == 0 else 0), (entrant, first, second)


def test_a_gauntlets_challenger_opens_against_half_the_field_when_pairs_play_an_odd_number_of_games():
    matches = schedule.gauntlet(1, [1, 2, 3, 4, 5, 6], games=1, base_seed=0)
    assert sorted(e for _, _, seats in matches for e in seats if e != 1) == [2, 3, 4, 5, 6]
    assert [seats[0] == 1 for _, _, seats in matches].count(True) in (2, 3)
    # A newcomer's game goes on alternating where the earlier rounds left off.
    later = schedule.gauntlet(1, [1, 2, 3, 4, 5, 6, 7], 1, 0, {frozenset((1, e)) for e in range(2, 7)}, first_round=5)
    assert [seats for _, _, seats in later] == [(7, 1)]


def test_swiss_pairs_neighbours_without_rematches():
    standings = [(1, 3.0), (2, 2.0), (3, 2.0), (4, 1.0), (5, 0.0), (6, 0.0)]
    played = {frozenset((1, 2)), frozenset((3, 4)), frozenset((5, 6))}
    pairs = [seats for _, _, seats in schedule.swiss_round(standings, played, games=1, round_number=3, base_seed=0)]
    assert pairs == [(1, 3), (2, 4), (5, 6)] or not any(frozenset(p) in played for p in pairs)
    assert all(frozenset(p) not in played for p in pairs) and len(pairs) == 3
    assert sorted(e for p in pairs for e in p) == [1, 2, 3, 4, 5, 6]


def test_swiss_seats_first_whoever_has_opened_less_so_far():
    # One game a pairing: the higher placed opening every game would hand the leaders the first seat's edge.
    rng = np.random.default_rng(0)
    points, played, opened = dict.fromkeys(range(1, 17), 0.0), set(), dict.fromkeys(range(1, 17), 0)
    for round_number in range(6):
        matches = schedule.swiss_round(list(points.items()), played, 1, round_number, 0, opened=opened)
        for _, _, (first, second) in matches:
            played.add(frozenset((first, second)))
            opened[first] += 1
            opened[second] -= 1
            points[first if rng.random() < 0.5 else second] += 1
    assert max(abs(balance) for balance in opened.values()) <= 2, opened
    assert sorted(opened.values()).count(0) >= 8


def counted_pairing_searches(monkeypatch, budget: int) -> list[int]:
    """Counts the pairing's searches for a path that pairs one more entrant (each polynomial in the field's size)."""
    search, calls = schedule._Matching._augment, []

    def counted(self, root):
        calls.append(1)
        assert len(calls) <= budget, f"the pairing search went on past {budget} steps"
        return search(self, root)

    monkeypatch.setattr(schedule._Matching, "_augment", counted)
    return calls


def test_swiss_pairing_a_field_that_cannot_all_pair_does_not_search_every_way(monkeypatch):
    # Late in a long swiss, two groups that have each met everyone in the other cannot both pair fully
    # (both are odd): the pairing must not try each of the groups' pairings again for every choice.
    groups = list(range(1, 30)), list(range(30, 61))
    played = {frozenset((a, b)) for a in groups[0] for b in groups[1]}
    counted_pairing_searches(monkeypatch, budget=300)  # it takes 89
    matches = schedule.swiss_round([(e, 0.0) for e in range(1, 61)], played, 1, 0, 0)
    assert len(matches) == 29 and not any(frozenset(seats) in played for _, _, seats in matches)
    assert 1 not in {e for _, _, seats in matches for e in seats}  # the top one that no partner lets all pair sits out


def test_swiss_played_until_almost_everyone_has_met_pairs_each_round_in_polynomial_time(monkeypatch):
    # 41 entrants, 40 rounds: late rounds leave few unmet pairs and many ways that almost pair everyone.
    rng = random.Random(0)
    points, played, sat_out, opened = dict.fromkeys(range(1, 42), 0.0), set(), defaultdict(int), defaultdict(int)
    calls = counted_pairing_searches(monkeypatch, budget=300)  # a round's: it takes 87 at most
    for round_number in range(40):
        calls.clear()
        matches = schedule.swiss_round(list(points.items()), played, 1, round_number, 0, sat_out, opened)
        seated = [e for _, _, seats in matches for e in seats]
        assert len(seated) == len(set(seated)) and not any(frozenset(seats) in played for _, _, seats in matches)
        for _, _, (first, second) in matches:
            played.add(frozenset((first, second)))
            opened[first] += 1
            opened[second] -= 1
            points[first if rng.random() < 0.5 else second] += 1
        for e in set(points) - set(seated):
            sat_out[e] += 1
    assert len(played) > 700


def reference_swiss_round(standings, played_pairs, games, round_number, base_seed, sat_out=None, opened=None):
    """The swiss pairing as it was by backtracking (exponential at worst): what the faster one must equal."""
    order = [e for e, _ in sorted(standings, key=lambda s: (-s[1], s[0]))]
    known = {}

    def pair_without_rematches(order):
        key = tuple(order)
        if key not in known:
            known[key] = pairs_from_the_top(order)
        return known[key]

    def pairs_from_the_top(order):
        if len(order) < 2:
            return []
        first, rest = order[0], order[1:]
        for i, partner in enumerate(rest):
            if frozenset((first, partner)) in played_pairs:
                continue
            remaining = rest[:i] + rest[i + 1:]
            tail = pair_without_rematches(remaining)
            if len(tail) == len(remaining) // 2:
                return [(first, partner), *tail]
        return pair_without_rematches(rest)

    pairs = pair_without_rematches(order)
    if len(order) % 2:
        byes = sat_out or {}
        for bye in sorted(reversed(order), key=lambda e: byes.get(e, 0)):
            rest = [e for e in order if e != bye]
            pairs_without = pair_without_rematches(rest)
            if len(pairs_without) == len(rest) // 2:
                pairs = pairs_without
                break
    seated = [schedule._opener_first(a, b, opened or {}, round_number) for a, b in pairs]
    return [m for a, b in seated for m in schedule.pairing_games(a, b, games, round_number, base_seed)]


def test_swiss_pairs_exactly_as_the_backtracking_search_did():
    # Stored tournaments were paired by the backtracking search: the same standings must give the same rounds,
    # including which entrants sit out where not everyone can pair (fields of every size, often with many met).
    rng = random.Random(1)
    left_out = set()
    for case in range(3_000):
        n = rng.randrange(0, 15)
        ids = rng.sample(range(1, 40), n)
        standings = [(e, float(rng.randrange(4))) for e in ids]
        density = rng.random()
        if case % 4 == 0:  # two groups that have each met the whole other group, as late in a long swiss
            cut = rng.randrange(n + 1)
            played = {frozenset((a, b)) for a in ids[:cut] for b in ids[cut:]}
        else:
            played = {frozenset((a, b)) for a in ids for b in ids if a < b and rng.random() < density}
        sat_out = {e: rng.randrange(3) for e in ids if rng.random() < 0.5}
        opened = {e: rng.randrange(-2, 3) for e in ids if rng.random() < 0.5}
        args = standings, played, rng.randrange(1, 3), rng.randrange(6), rng.randrange(100), sat_out, opened
        matches = schedule.swiss_round(*args)
        assert matches == reference_swiss_round(*args), args
        left_out.add(min(n - len({e for _, _, seats in matches for e in seats}), 3))
    assert left_out == {0, 1, 2, 3}  # all paired, one bye, and fields where more sit out were all compared


def test_a_whole_swiss_pairs_as_the_backtracking_search_did():
    for n, seed in [(9, 0), (10, 1), (11, 2), (12, 3)]:
        rng = random.Random(seed)
        points, played, sat_out, opened = dict.fromkeys(range(1, n + 1), 0.0), set(), defaultdict(int), defaultdict(int)
        for round_number in range(n + 1):
            args = list(points.items()), played, 1, round_number, seed, sat_out, opened
            matches = schedule.swiss_round(*args)
            assert matches == reference_swiss_round(*args), (n, round_number)
            for _, _, (first, second) in matches:
                played.add(frozenset((first, second)))
                opened[first] += 1
                opened[second] -= 1
                points[first if rng.random() < 0.5 else second] += rng.choice([0.5, 1.0])
            for e in set(points) - {e for _, _, seats in matches for e in seats}:
                sat_out[e] += 1


def test_swiss_bye_goes_to_the_lowest_placed_that_has_not_sat_out_yet():
    # Five entrants, no games yet: the last by id sits out round 0; it then has no points, but must not sit out again.
    standings = [(1, 0.0), (2, 0.0), (3, 0.0), (4, 0.0), (5, 0.0)]
    first = [seats for _, _, seats in schedule.swiss_round(standings, set(), 1, 0, 0)]
    assert sorted(e for p in first for e in p) == [1, 2, 3, 4]
    standings = [(1, 1.0), (2, 0.0), (3, 1.0), (4, 0.0), (5, 0.0)]
    played = {frozenset(p) for p in first}
    second = [seats for _, _, seats in schedule.swiss_round(standings, played, 1, 1, 0, sat_out={5: 1})]
    seated = sorted(e for p in second for e in p)
    assert 5 in seated and len(seated) == 4 and not any(frozenset(p) in played for p in second)
    assert seated == [1, 2, 3, 5]  # the lowest placed of those that have not sat out, 4, sits out


def test_free_for_all_fills_every_seat_and_everyone_plays():
    matches = schedule.free_for_all_round(list(range(1, 11)), seats=4, round_number=0, base_seed=1)
    assert len(matches) == 3 and all(len(seats) == 4 and len(set(seats)) == 4 for _, _, seats in matches)
    assert set().union(*(set(s) for _, _, s in matches)) == set(range(1, 11))
    with pytest.raises(ValueError, match="needs at least 4 entrants"):
        schedule.free_for_all_round([1, 2], 4, 0, 0)


def test_blocks_group_consecutive_games_of_a_pairing():
    store_matches = [type("M", (), {"match_id": i, "seed": 0, "seats": s})() for i, s in
                     enumerate([(1, 2), (2, 1), (1, 2), (2, 1), (1, 2), (3, 1)], start=1)]
    assert [[m[0] for m in b] for b in blocks_of(store_matches, size=4)] == [[1, 2, 3, 4], [5], [6]]


def test_a_round_robin_plays_every_scheduled_match_once_and_grows_in_place(othello_entrants, tmp_path):
    db = tmp_path / "rr.sqlite"
    tournament = Tournament(db, Settings(env="othello", games_per_pair=2, seed=3))
    news = tournament.register_folder(othello_entrants)
    assert [line.split()[0] for line in news] == ["registered"] * 4
    assert tournament.play(Backend()) == 12
    store = ResultsStore(db)
    results = store.results()
    assert len(results) == 12 and [r.match_id for r in results] == list(range(1, 13))
    assert all(m.seed < 2**63 for m in store.schedule()) and any(m.seed >= 2**32 for m in store.schedule())
    assert all(Path(r.replay).is_file() for r in results)
    # Each seat keeps the time its clock charged it: sandboxed agents always think for some time.
    assert all(0 < s.time_used < 30 * 0.5 for r in results for s in r.seats)
    assert {frozenset(s.entrant_id for s in r.seats) for r in results} == {
        frozenset(p) for p in [(1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)]}
    # A changed submission is a new entrant; only its pairings are added.
    changed = othello_entrants / "greedy_c" / "agent.py"
    changed.write_text(changed.read_text() + "\n# v2\n")
    again = Tournament(db, Settings(env="othello", games_per_pair=2, seed=3))
    assert any(line.startswith("registered greedy_c@") for line in again.register_folder(othello_entrants))
    assert again.play(Backend()) == 6
    assert [(e.name, e.active) for e in store.entrants()] == [
        ("greedy", True), ("greedy_b", True), ("greedy_c", False), ("random", True), ("greedy_c", True)]
    new_results = store.results()[12:]
    assert all(5 in {s.entrant_id for s in r.seats} for r in new_results)


def test_a_tournament_stored_by_a_relative_path_plays_on_from_any_folder(othello_entrants, tmp_path, monkeypatch):
    # Its entrants' copies and replays were stored relative to the folder it was started in: resumed
    # from another, every entrant forfeited its remaining games, and the leaderboard found no replay.
    (tmp_path / "league").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "league")
    Tournament("rr.sqlite", Settings(env="othello", games_per_pair=2, seed=3)).register_folder(othello_entrants)
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert Tournament("../league/rr.sqlite").play(Backend()) == 12
    results = ResultsStore(tmp_path / "league" / "rr.sqlite").results()
    assert {seat.status for result in results for seat in result.seats} == {"ok"}
    monkeypatch.chdir(tmp_path)
    assert all(Path(result.replay).is_file() for result in results)


def test_a_store_that_an_earlier_arena_kept_by_relative_paths_plays_on_from_any_folder(othello_entrants, tmp_path,
                                                                                       monkeypatch):
    # An earlier arena stored the folders beside a --db given as a relative path relatively: its entrants
    # could not be played from there (every match "could not be played"), nor its replays found elsewhere.
    (tmp_path / "league").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "league")
    Tournament("rr.sqlite", Settings(env="othello", games_per_pair=2, seed=3)).register_folder(othello_entrants)
    db = sqlite3.connect("rr.sqlite")
    with db:
        db.execute("UPDATE entrants SET archive = 'rr-entrants/' || substr(digest, 1, 16)")
    for folder in Path("rr-entrants").iterdir():
        folder.rename(folder.with_name(folder.name[:16]))
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert Tournament("../league/rr.sqlite").play(Backend()) == 12
    with db:
        db.execute("UPDATE results SET replay = 'rr-replays/' || replace(replay, rtrim(replay, "
                   "replace(replay, '/', '')), '')")
    db.close()
    results = ResultsStore(tmp_path / "league" / "rr.sqlite").results()
    assert {seat.status for result in results for seat in result.seats} == {"ok"}
    assert all(Path(result.replay).is_file() for result in results)


def test_a_store_inside_the_submissions_folder_is_not_taken_for_entrants(othello_entrants):
    tournament = Tournament(othello_entrants / "league.sqlite", Settings(seed=0, env="othello"))
    assert {p.name for p in othello_entrants.iterdir()} >= {"league-replays", "league-entrants", "league-logs"}
    news = tournament.register_folder(othello_entrants)
    tournament.close()
    registered = sorted(line.split()[1].split("@")[0] for line in news if line.startswith("registered"))
    assert registered == ["greedy", "greedy_b", "greedy_c", "random"]
    skipped = sorted(line for line in news if line.startswith("skipped"))  # said so, as the README says
    assert [line.split()[1].rsplit("/", 1)[1].rstrip(":") for line in skipped] == ["league-entrants", "league-logs",
                                                                                    "league-replays"]
    assert all(line.endswith(": this tournament's own files") for line in skipped), skipped


def test_folders_that_are_plainly_no_submission_are_skipped_and_a_misnamed_one_forfeits(othello_entrants, tmp_path):
    Tournament(othello_entrants / "league.sqlite", Settings(seed=0, env="othello")).close()  # its folders, beside it
    (othello_entrants / "site" / "replays").mkdir(parents=True)
    (othello_entrants / "site" / "index.html").write_text("<html></html>")
    (othello_entrants / "misnamed").mkdir()
    (othello_entrants / "misnamed" / "Agent.py").write_text("x = 1\n")  # a participant's mistake: shown, forfeits
    tournament = Tournament(tmp_path / "other.sqlite", Settings(seed=0, env="othello"))
    news = tournament.register_folder(othello_entrants)
    tournament.close()
    skipped = sorted(line.split()[1].rsplit("/", 1)[1].rstrip(":") for line in news if line.startswith("skipped"))
    assert skipped == ["league-entrants", "league-logs", "league-replays", "site"]
    assert any(line.startswith("registered misnamed@") and "forfeits" in line for line in news)


def test_a_submission_made_for_other_options_is_skipped_saying_which(othello_entrants, tmp_path):
    # Its agent was made for them (a trained policy's input size, say): in the tournament's game it would crash.
    (othello_entrants / "greedy_c" / "arena.toml").write_text('name = "greedy_c"\nenv = "othello"\n[options]\nsize = 6\n')
    (othello_entrants / "greedy_b" / "arena.toml").write_text('name = "greedy_b"\nenv = "othello"\n[options]\nsize = 8\n')
    tournament = Tournament(tmp_path / "league.sqlite", Settings(seed=0, env="othello"))
    news = tournament.register_folder(othello_entrants)
    names = sorted(e.name for e in tournament.store.entrants(active_only=True))
    tournament.close()
    assert names == ["greedy", "greedy_b", "random"]  # asking for the size played is fine
    assert (f"skipped {othello_entrants / 'greedy_c'}: its arena.toml asks for size = 6 in [options]; this tournament "
            "plays othello with size = 8: remove them from [options] or set them to these values, or play othello "
            "with -o size=6 (a new --db)") in news


def test_a_copy_of_a_registered_submission_is_skipped_naming_the_one_it_copies(othello_entrants, tmp_path):
    shutil.copytree(othello_entrants / "random", othello_entrants / "random_copy")
    tournament = Tournament(tmp_path / "league.sqlite", Settings(seed=0, env="othello"))
    news = tournament.register_folder(othello_entrants)
    again = tournament.register(othello_entrants / "random")
    tournament.close()
    [copy] = [line for line in news if "random_copy" in line]
    assert copy.startswith(f"skipped {othello_entrants / 'random_copy'}: the same files as random@")
    assert copy.endswith(f"({othello_entrants / 'random'}), which is registered")
    assert again.startswith("unchanged random@")  # the same folder registered again



def test_what_plays_for_a_folder_is_what_it_holds_now(othello_entrants, tmp_path):
    agent = othello_entrants / "greedy_c" / "agent.py"
    first = agent.read_text()
    tournament = Tournament(tmp_path / "league.sqlite", Settings(seed=0, env="othello"))
    tournament.register_folder(othello_entrants)
    agent.write_text(first + "\n# v2\n")
    tournament.register(othello_entrants / "greedy_c")
    agent.write_text(first)  # the change undone: its first version plays again, the second retires
    back = tournament.register(othello_entrants / "greedy_c")
    versions = [e.active for e in tournament.store.entrants() if e.source == str(othello_entrants / "greedy_c")]
    shutil.rmtree(othello_entrants / "greedy_c")  # now a copy of another entrant: no version of its own plays
    shutil.copytree(othello_entrants / "random", othello_entrants / "greedy_c")
    copied = tournament.register(othello_entrants / "greedy_c")
    left = [e.active for e in tournament.store.entrants() if e.source == str(othello_entrants / "greedy_c")]
    tournament.close()
    assert back.startswith("registered greedy_c@") and "again" in back, back
    assert versions == [True, False]
    assert copied.startswith(f"skipped {othello_entrants / 'greedy_c'}: the same files as random@"), copied
    assert "retires" in copied and left == [False, False], (copied, left)


def test_a_submission_whose_hash_begins_as_anothers_plays_its_own_files(othello_entrants, tmp_path, monkeypatch):
    # Two submissions made to share their hashes' first 64 bits (a birthday search of 2^32 tries): the
    # second must not be played from the first's registered copy, which would pass the first off as it.
    from arena import submission

    with Tournament(tmp_path / "league.sqlite", Settings(seed=0, env="othello")) as tournament:
        tournament.register(othello_entrants / "greedy")
        [greedy] = tournament.store.entrants()
        real_digest = submission.content_digest
        random_agent = (othello_entrants / "random" / "agent.py").read_text()
        monkeypatch.setattr(submission, "content_digest", lambda root: greedy.digest[:16] + "0" * 48
                            if (root / "agent.py").read_text() == random_agent else real_digest(root))
        assert tournament.register(othello_entrants / "random").startswith("registered random@")
        random = next(e for e in tournament.store.entrants() if e.name == "random")
        assert (Path(random.archive) / "agent.py").read_text() == random_agent
        assert (Path(greedy.archive) / "agent.py").read_text() == (othello_entrants / "greedy" / "agent.py").read_text()

def test_a_harness_killed_while_copying_a_submission_leaves_no_part_of_it_to_play(othello_entrants, tmp_path,
                                                                                  monkeypatch):
    weights = othello_entrants / "greedy" / "weights.bin"
    weights.write_bytes(os.urandom(1 << 20))
    real_copy = shutil.copy2

    def killed_halfway(source, target, **options):  # the copy of the big file is cut short, and the harness dies
        real_copy(source, target, **options)
        if Path(source).name == "weights.bin":
            os.truncate(target, 1000)
            raise KeyboardInterrupt

    monkeypatch.setattr(shutil, "copy2", killed_halfway)
    killed = Tournament(tmp_path / "t.sqlite", Settings(seed=0, env="othello"))
    with pytest.raises(KeyboardInterrupt):
        killed.register(othello_entrants / "greedy")
    killed.store.close()
    monkeypatch.setattr(shutil, "copy2", real_copy)
    with Tournament(tmp_path / "t.sqlite", Settings(seed=0, env="othello")) as again:
        assert again.register(othello_entrants / "greedy").startswith("registered greedy@")
        [greedy] = again.store.entrants()
        assert (Path(greedy.archive) / "weights.bin").read_bytes() == weights.read_bytes()


def test_a_disk_too_full_to_keep_a_submission_stops_the_tournament_rather_than_forfeit_it(othello_entrants, tmp_path,
                                                                                          monkeypatch):
    real_copy = shutil.copy2

    def disk_full(source, target, **options):
        if Path(source).name == "agent.py":
            Path(target).write_bytes(b"# half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), target)
        return real_copy(source, target, **options)

    monkeypatch.setattr(shutil, "copy2", disk_full)
    db = tmp_path / "t.sqlite"
    with Tournament(db, Settings(seed=0, env="othello")) as full:
        with pytest.raises(HarnessError, match=r"could not write a copy of .*greedy in .*t-entrants "
                                               r"\(No space left on device\); free some space"):
            full.register(othello_entrants / "greedy")
        assert full.store.entrants() == []  # nobody is charged with the machine's fault
        assert os.listdir(full.archive_dir) == []  # nor is its disk left fuller
    monkeypatch.setattr(shutil, "copy2", real_copy)
    with Tournament(db, Settings(seed=0, env="othello")) as freed:
        assert freed.register(othello_entrants / "greedy").startswith("registered greedy@")
        [greedy] = freed.store.entrants()
        assert not greedy.problem


def test_no_room_to_unpack_a_submission_stops_the_tournament_rather_than_forfeit_it(othello_entrants, tmp_path,
                                                                                   monkeypatch):
    from arena import tempdirs

    def full_tmp(prefix):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(tempdirs, "make", full_tmp)
    with Tournament(tmp_path / "t.sqlite", Settings(seed=0, env="othello")) as full:
        with pytest.raises(HarnessError, match="No space left on device"):
            full.register(othello_entrants / "greedy")
        assert full.store.entrants() == []


def test_an_entrant_whose_kept_files_cannot_be_loaded_forfeits_naming_itself_not_where_it_is_kept(othello_entrants,
                                                                                                    tmp_path):
    tournament = Tournament(tmp_path / "t.sqlite", Settings(seed=0, env="othello", max_steps=4))
    tournament.register(othello_entrants / "random")
    tournament.register(othello_entrants / "greedy")
    [random] = [e for e in tournament.store.entrants() if e.name == "random"]
    shutil.rmtree(random.archive)  # the tournament's copy, gone
    assert tournament.play(Backend()) == 2  # a game from each seat
    seats = [s for r in tournament.store.results() for s in r.seats if s.entrant_id == random.id]
    tournament.close()
    assert {s.status for s in seats} == {"forfeit"}, seats
    assert all(s.detail.startswith(f"its submission cannot be loaded: {random.label}: ") for s in seats), seats
    assert not any(str(tmp_path) in s.detail for s in seats), seats


def test_settings_must_match_a_stored_tournament(othello_entrants, tmp_path):
    db = tmp_path / "t.sqlite"
    started = Tournament(db, Settings(seed=0, env="othello"))
    started.register_folder(othello_entrants)
    started.extend_schedule()
    started.close()
    with pytest.raises(ArenaError, match="started with other settings \\(games_per_pair\\)"):
        Tournament(db, Settings(seed=0, env="othello", games_per_pair=4))
    # Memory limits come from --memory-mb, or from --workers without it: the message says so.
    with pytest.raises(ArenaError, match="other settings \\(limits: .* --memory-mb or else .* --workers, and "
                                         "--accelerators\\); "
                                         "leave out the flags that set them to go on with its own"):
        Tournament(db, Settings(seed=0, env="othello", limits={"memory_mb": 512, "max_memory_mb": 512}))
    with pytest.raises(ArenaError, match="no tournament here yet"):
        Tournament(tmp_path / "empty.sqlite")
    with pytest.raises(ArenaError, match="unknown format"):
        Settings(env="othello", format="league")
    with pytest.raises(ArenaError, match="needs --challenger"):
        Settings(env="othello", format="gauntlet")


def test_agents_open_the_machines_accelerators_only_in_a_tournament_started_with_accelerators(submissions, tmp_path):
    from arena.sandbox import Limits
    from arena.tournament import with_memory_limits

    two = tmp_path / "two"
    for name in ("random", "greedy"):
        shutil.copytree(submissions / name, two / name)

    def started(*flags: str) -> Settings:
        db = tmp_path / f"t{len(flags)}.sqlite"
        assert cli.main(["tournament", str(two), "--env", "othello", "--db", str(db), "--games-per-pair", "1",
                         "--workers", "1", *flags]) == 0
        tournament = Tournament(db)
        try:
            return tournament.settings
        finally:
            tournament.close()

    assert not Limits(**started().limits).accelerators
    assert Limits(**started("--accelerators").limits).accelerators
    plain = with_memory_limits(Settings(seed=0, env="othello"), None, 2, print)
    assert "accelerators" not in plain.limits  # tournaments stored before keep their settings


def test_a_mistyped_challenger_is_corrected_by_running_the_command_again(othello_entrants, tmp_path):
    db = tmp_path / "t.sqlite"
    mistyped = Tournament(db, Settings(seed=0, env="othello", format="gauntlet", challenger="greedy_bb"))
    mistyped.register_folder(othello_entrants)
    with pytest.raises(ArenaError, match="no entrant is called 'greedy_bb'; did you mean 'greedy_b'"):
        mistyped.extend_schedule()
    mistyped.close()
    corrected = Tournament(db, Settings(seed=0, env="othello", format="gauntlet", challenger="greedy_b"))  # nothing was planned
    assert corrected.extend_schedule() == 6 and corrected.settings.challenger == "greedy_b"


def test_a_submission_named_like_the_challenger_cannot_take_its_place(othello_entrants, tmp_path):
    impostor = othello_entrants / "a_impostor"  # registered first: its folder sorts first
    shutil.copytree(othello_entrants / "random", impostor)
    (impostor / "arena.toml").write_text('name = "greedy_b"\nenv = "othello"\n')
    db = tmp_path / "t.sqlite"
    ambiguous = Tournament(db, Settings(seed=0, env="othello", format="gauntlet", challenger="greedy_b"))
    ambiguous.register_folder(othello_entrants)
    with pytest.raises(ArenaError, match=r"2 entrants are called 'greedy_b': greedy_b@\w+ \(.*a_impostor\), "):
        ambiguous.extend_schedule()
    real = next(e for e in ambiguous.store.entrants() if Path(e.source).name == "greedy_b")
    ambiguous.close()
    by_label = Tournament(db, Settings(seed=0, env="othello", format="gauntlet", challenger=real.label))
    assert by_label.extend_schedule() == 8
    assert all(real.id in m.seats for m in by_label.store.schedule())
    by_label.close()


@pytest.mark.parametrize("settings, message", [
    (dict(env="snake"), "a round-robin tournament seats two entrants a game, and snake has 4 seats: "
                        "use --format free-for-all, or -o num_snakes=2"),
    (dict(env="snake", format="swiss", options={"num_snakes": 3}), "and snake with num_snakes=3 has 3 seats"),
])
def test_formats_of_two_seats_refuse_games_of_more(settings, message):
    with pytest.raises(ArenaError, match=message.replace("(", "\\(")):
        Settings(**settings)


def test_a_free_for_all_needs_as_many_entrants_as_seats(tmp_path, submissions):
    for name in ("a", "b", "c"):
        shutil.copytree(submissions / "snake_greedy", tmp_path / "snakes" / name)
        (tmp_path / "snakes" / name / "arena.toml").write_text(f'name = "{name}"\nenv = "snake"\n')
    tournament = Tournament(tmp_path / "t.sqlite", Settings(seed=0, env="snake", format="free-for-all", rounds=1))
    tournament.register_folder(tmp_path / "snakes")
    with pytest.raises(ArenaError, match="snake has 4 seats and only 3 entrants play it: add entrants, or -o num_snakes=3"):
        tournament.extend_schedule()


def test_gauntlet_and_swiss_schedule_through_the_store(othello_entrants, tmp_path):
    gauntlet = Tournament(tmp_path / "g.sqlite", Settings(seed=0, env="othello", format="gauntlet", challenger="greedy_b"))
    gauntlet.register_folder(othello_entrants)
    gauntlet.play(Backend())
    challenger = next(e.id for e in gauntlet.store.entrants() if e.name == "greedy_b")
    assert len(gauntlet.store.results()) == 6
    assert all(challenger in {s.entrant_id for s in r.seats} for r in gauntlet.store.results())

    swiss = Tournament(tmp_path / "s.sqlite", Settings(seed=0, env="othello", format="swiss", games_per_pair=1, rounds=3))
    swiss.register_folder(othello_entrants)
    swiss.extend_schedule()
    assert len(swiss.store.schedule()) == 2 and swiss.matches_planned() == 6  # a round planned at a time
    swiss.play(Backend())
    results = swiss.store.results()
    assert sorted({r.round for r in results}) == [0, 1, 2] and len(results) == 6 == swiss.matches_planned()
    pairs = [frozenset(s.entrant_id for s in r.seats) for r in results]
    assert len(set(pairs)) == 6  # no rematch in three rounds of four


def test_swiss_with_an_odd_field_never_sits_one_entrant_out_twice(othello_entrants, tmp_path):
    shutil.copytree(othello_entrants / "greedy", othello_entrants / "greedy_d")
    (othello_entrants / "greedy_d" / "arena.toml").write_text('name = "greedy_d"\nenv = "othello"\n')
    swiss = Tournament(tmp_path / "odd.sqlite", Settings(seed=0, env="othello", format="swiss", games_per_pair=1, rounds=3))
    swiss.register_folder(othello_entrants)
    swiss.play(Backend())
    entrants = {e.id for e in swiss.store.entrants()}
    assert len(entrants) == 5
    rounds = defaultdict(set)
    for result in swiss.store.results():
        rounds[result.round] |= {s.entrant_id for s in result.seats}
    sat_out = [e for number in sorted(rounds) for e in entrants - rounds[number]]
    assert len(sat_out) == 3 and len(set(sat_out)) == 3, sat_out  # a bye each for three entrants


def test_an_entrant_joining_after_the_last_round_is_told_it_plays_no_game(othello_entrants, tmp_path, capsys):
    db = tmp_path / "swiss.sqlite"
    command = ["tournament", str(othello_entrants), "--db", str(db), "--workers", "1"]
    assert cli.main([*command, "--env", "othello", "--format", "swiss", "--rounds", "1", "--games-per-pair", "1"]) == 0
    capsys.readouterr()
    shutil.copytree(othello_entrants / "greedy", othello_entrants / "late")
    (othello_entrants / "late" / "arena.toml").write_text('name = "late"\nenv = "othello"\n')
    assert cli.main(command) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "late@" in err and "joined once this swiss had played all its rounds (1): it plays no game in it" in err
    assert "another --db" in err


def test_an_entrant_sitting_out_the_only_round_of_an_odd_swiss_is_not_told_it_joined_late(othello_entrants, tmp_path,
                                                                                          capsys):
    # Three entrants, one round: one has the bye. It was there from the start; the warning for a newcomer
    # that joined after the last round named it, on the first run and on every run after.
    shutil.rmtree(othello_entrants / "greedy_c")
    command = ["tournament", str(othello_entrants), "--db", str(tmp_path / "swiss.sqlite"), "--workers", "1"]
    assert cli.main([*command, "--env", "othello", "--format", "swiss", "--rounds", "1", "--games-per-pair", "1"]) == 0
    assert cli.main(command) == 0
    assert "joined once" not in capsys.readouterr().err


@pytest.mark.parametrize("lost", ["deleted", "emptied"])
def test_a_new_tournament_is_refused_beside_the_files_of_one_whose_database_is_gone(othello_entrants, tmp_path, lost):
    """Its store deleted or moved (or made anew, empty), the same command would start a tournament whose
    replays overwrite the earlier one's: restoring the store afterwards would find its replays wrong."""
    db = tmp_path / "league.sqlite"
    with Tournament(db, Settings(env="othello", games_per_pair=1, seed=3)) as league:
        league.register_folder(othello_entrants)
        assert league.play(Backend()) == 6
        first = sorted(league.replay_dir.iterdir())
        recorded = {path: path.read_bytes() for path in first}
    for path in tmp_path.glob("league.sqlite*"):
        path.unlink()
    if lost == "emptied":
        sqlite3.connect(db).close()
    with pytest.raises(ArenaError, match=r"league.sqlite: no tournament in it, but .*league-replays beside it "
                                         r"holds one's files: was its database deleted or moved\?"):
        Tournament(db, Settings(env="othello", games_per_pair=1, seed=4))
    assert {path: path.read_bytes() for path in first} == recorded


def test_kill_minus_9_then_resume_records_every_match_exactly_once(othello_entrants, tmp_path):
    db = tmp_path / "killed.sqlite"
    command = [sys.executable, "-m", "arena.cli", "tournament", str(othello_entrants), "--env", "othello",
               "--games-per-pair", "6", "--workers", "2", "--db", str(db)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 600  # only a broken or very busy machine takes more than seconds
    while time.monotonic() < deadline and (not db.exists() or ResultsStore(db).finished_count() < 6):
        time.sleep(0.05)
    killed = processes_in_group(process.pid)  # the harness and its players, whose copies the resumed run sweeps
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    while time.monotonic() < deadline and group_alive(process.pid):
        time.sleep(0.05)  # its pool workers too are gone before the run is resumed
    interrupted = ResultsStore(db).finished_count()
    assert 6 <= interrupted < 36
    resumed = subprocess.run([sys.executable, "-m", "arena.cli", "tournament", "--db", str(db), "--resume",
                              "--workers", "2"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    store = ResultsStore(db)
    assert len(store.schedule()) == 36
    ids = [r.match_id for r in store.results()]
    assert ids == list(range(1, 37))
    assert f"{counted(36 - interrupted, 'match')} played" in resumed.stdout
    assert folders_of(SUBMISSION_PREFIX, killed) == []  # the killed harness's copies of the entrants


def test_ctrl_c_says_how_many_matches_are_recorded_and_how_to_play_the_rest(othello_entrants, tmp_path):
    db = tmp_path / "stopped.sqlite"
    command = [sys.executable, "-m", "arena.cli", "tournament", str(othello_entrants), "--env", "othello",
               "--games-per-pair", "6", "--workers", "2", "--db", str(db)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and (not db.exists() or ResultsStore(db).finished_count() < 2):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C in its terminal
    _, err = process.communicate(timeout=120)
    recorded = ResultsStore(db).finished_count()
    assert process.returncode == 128 + signal.SIGINT and recorded < 36, err
    assert f"{recorded} of 36 matches recorded; arena tournament --db {db} --resume plays the rest" in \
        " ".join(err.split()), err


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def processes_in_group(group: int) -> set[int]:
    """The pids of the processes in process group `group` now."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == group:
            found.add(int(stat.parent.name))
    return found


def folders_of(prefix: str, pids: set[int]) -> list[Path]:
    """The temporary `<prefix><pid>-` folders of the processes `pids` (other runs on the machine may have theirs)."""
    folders = Path(tempfile.gettempdir()).glob(f"{prefix}*-*")
    return [f for f in folders if (pid := f.name[len(prefix):].split("-")[0]).isdigit() and int(pid) in pids]


def test_process_pool_gives_the_same_results_as_playing_in_one_process(othello_entrants, tmp_path):
    tables = []
    for name, backend in (("inline", Backend()), ("pool", backend_for("process", 2))):
        tournament = Tournament(tmp_path / f"{name}.sqlite", Settings(env="othello", games_per_pair=2, seed=5))
        tournament.register_folder(othello_entrants)
        tournament.play(backend)
        tables.append(results_table(tournament.store))
    assert tables[0] == tables[1] and len(tables[0]) == 12


def results_table(store: ResultsStore) -> list[tuple]:
    return [(r.match_id, r.seed, r.outcome, tuple((s.name, s.score, s.rank, s.status) for s in r.seats))
            for r in store.results()]


def test_ray_backend_gives_the_same_results_as_the_process_pool(othello_entrants, tmp_path):
    pytest.importorskip("ray", reason="the Ray backend is tested where the ray extra is installed")
    tables = []
    for name in ("process", "ray"):
        tournament = Tournament(tmp_path / f"{name}.sqlite", Settings(env="othello", games_per_pair=2, seed=5))
        tournament.register_folder(othello_entrants)
        tournament.play(backend_for(name, 2))
        tables.append(results_table(tournament.store))
    assert tables[0] == tables[1] and len(tables[0]) == 12


def test_a_match_the_env_cannot_finish_is_noted_and_the_next_run_tries_it_again(othello_entrants, tmp_path,
                                                                                 monkeypatch):
    from arena.tournament import blocks

    real_play_match = blocks.play_match
    broken_seed = schedule.round_robin([1, 2, 3, 4], 2, 0)[0][1]

    def fails_on_one_seed(env, handles, seed, **kwargs):
        if seed == broken_seed:
            raise RuntimeError("the env fell over")
        return real_play_match(env, handles, seed, **kwargs)

    monkeypatch.setattr(blocks, "play_match", fails_on_one_seed)
    db = tmp_path / "failing.sqlite"
    with Tournament(db, Settings(env="othello", seed=0)) as tournament:
        tournament.register_folder(othello_entrants)
        assert tournament.play(Backend()) == 11
        failures = tournament.store.failures()
        assert sorted(failures) == [1]
        assert all(r.startswith("the match could not be played: RuntimeError: the env fell over") for r in failures.values())
    monkeypatch.setattr(blocks, "play_match", real_play_match)
    with Tournament(db) as again:
        assert again.play(Backend()) == 1 and again.store.failures() == {}
        assert [r.match_id for r in again.store.results()] == list(range(1, 13))


def test_a_folder_beside_the_database_that_cannot_be_made_is_refused_before_play(tmp_path):
    (tmp_path / "cup-replays").write_text("not a folder")
    with pytest.raises(ArenaError, match=r"cup-replays \(the replays of the tournament in --db .*cup.sqlite\): "
                                         r"cannot make this folder \(.*cup-replays is a file, not a folder\)"):
        Tournament(tmp_path / "cup.sqlite", Settings(seed=0, env="othello"))
    (tmp_path / "cup-replays").unlink()
    with Tournament(tmp_path / "cup.sqlite", Settings(seed=0, env="othello")) as cup:  # the failed opening let the store go
        assert cup.replay_dir.is_dir() and cup.log_dir.is_dir()


def test_a_full_disk_under_the_database_stops_with_exit_75_and_resuming_loses_and_repeats_nothing(othello_entrants,
                                                                                                   tmp_path):
    import resource

    db = tmp_path / "full.sqlite"
    command = [sys.executable, "-m", "arena.cli", "tournament", str(othello_entrants), "--env", "othello",
               "--games-per-pair", "20", "--db", str(db)]

    def disk_of_200_kib():
        resource.setrlimit(resource.RLIMIT_FSIZE, (200 << 10, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    stopped = subprocess.run(command, capture_output=True, text=True, timeout=300, preexec_fn=disk_of_200_kib)
    assert stopped.returncode == 75, stopped.stderr[-2000:]
    assert "could not write to the database" in stopped.stderr and "Traceback" not in stopped.stderr
    kept = ResultsStore(db).finished_count()
    resumed = subprocess.run([sys.executable, "-m", "arena.cli", "tournament", "--db", str(db), "--resume"],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{counted(120 - kept, 'match')} played" in resumed.stdout
    assert [r.match_id for r in ResultsStore(db).results()] == list(range(1, 121))


def test_a_tournament_allowed_64_open_files_plays_every_match(othello_entrants, tmp_path):
    import resource

    def files_64():  # soft and hard: the harness cannot raise it
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    db = tmp_path / "few.sqlite"
    played = subprocess.run([sys.executable, "-m", "arena.cli", "tournament", str(othello_entrants), "--env", "othello",
                             "--db", str(db)], capture_output=True, text=True, timeout=300, preexec_fn=files_64)
    assert played.returncode == 0, played.stderr[-2000:]
    assert ResultsStore(db).finished_count() == 12


@pytest.mark.parametrize("format", ["round-robin", "swiss", "gauntlet"])
def test_a_tournament_of_one_entrant_says_it_needs_another_rather_than_end_having_played_nothing(
        tmp_path, submissions, format):
    shutil.copytree(submissions / "random", tmp_path / "one" / "random")
    tournament = Tournament(tmp_path / "t.sqlite", Settings(seed=0, env="othello", format=format, challenger="random"))
    tournament.register_folder(tmp_path / "one")
    with pytest.raises(ArenaError, match="a .* needs two entrants or more, and only 1 entrant plays othello: add entrants"):
        tournament.play(Backend())
