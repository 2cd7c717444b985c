"""Ratings: known strengths are recovered, intervals are honest, draws, symmetry, faults and teams."""

import itertools
import math

import numpy as np
import pytest

from arena.ratings import BRADLEY_TERRY, PLACKETT_LUCE, bradley_terry, plackett_luce, rate
from arena.tournament.store import MatchRecord, SeatRecord

TRUE_ELO = {f"p{i}": 100.0 * i for i in range(6)}  # six players, 100 Elo points apart


def expected_score(lead: float) -> float:
    return 1 / (1 + 10 ** (-lead / 400))


def round_robins(rounds: int, seed: int) -> list[tuple[str, str, float]]:
    """`rounds` games between every pair of TRUE_ELO players, won as the Elo model says."""
    rng = np.random.default_rng(seed)
    games = []
    for _ in range(rounds):
        for a, b in itertools.combinations(TRUE_ELO, 2):
            first, second = (a, b) if rng.random() < 0.5 else (b, a)
            won = rng.random() < expected_score(TRUE_ELO[first] - TRUE_ELO[second])
            games.append((first, second, 1.0 if won else 0.0))
    return games


def centred_truth() -> dict[str, float]:
    mean = sum(TRUE_ELO.values()) / len(TRUE_ELO)
    return {p: r - mean for p, r in TRUE_ELO.items()}


def test_bradley_terry_recovers_the_known_order_from_300_games():
    ratings = bradley_terry(round_robins(20, seed=1))
    assert list(ratings) == ["p5", "p4", "p3", "p2", "p1", "p0"]
    assert sum(r.rating for r in ratings.values()) == pytest.approx(0, abs=1e-6)  # anchored at the mean
    truth = centred_truth()
    assert all(abs(r.rating - truth[p]) < 100 for p, r in ratings.items())
    assert all(r.low < r.rating < r.high for r in ratings.values())


def test_intervals_shrink_with_more_games_and_contain_the_truth_95_percent_of_the_time():
    few, many = bradley_terry(round_robins(10, seed=2)), bradley_terry(round_robins(40, seed=2))
    for player in TRUE_ELO:
        assert many[player].margin < few[player].margin
        assert many[player].margin / few[player].margin == pytest.approx(0.5, abs=0.1)  # 1 / sqrt(4)
    truth = centred_truth()
    covered = [r.low <= truth[p] <= r.high for seed in range(100)
               for p, r in bradley_terry(round_robins(20, seed=100 + seed)).items()]
    assert 0.90 <= np.mean(covered) <= 0.99


def test_a_draw_counts_as_half_a_win():
    by_draws = bradley_terry([("a", "b", 1.0), ("a", "b", 1.0), ("a", "b", 0.5), ("b", "a", 0.5)])
    by_wins = bradley_terry([("a", "b", 1.0), ("a", "b", 1.0), ("a", "b", 1.0), ("b", "a", 1.0)])
    for player in "ab":
        assert by_draws[player].rating == pytest.approx(by_wins[player].rating)
        assert by_draws[player].margin == pytest.approx(by_wins[player].margin)
    lead = by_draws["a"].rating - by_draws["b"].rating
    full_lead = -400 * math.log10(1 / 0.75 - 1)  # 191 points: the lead that predicts a 75% score
    assert 0.6 * full_lead < lead < full_lead  # the prior shrinks four games' worth a little
    only_draws = bradley_terry([("a", "b", 0.5)] * 6)
    assert only_draws["a"].rating == pytest.approx(0, abs=1e-9) == only_draws["b"].rating


def test_symmetric_results_give_equal_ratings():
    cycle = [("a", "b", 1.0), ("b", "c", 1.0), ("c", "a", 1.0)] * 3
    ratings = bradley_terry(cycle)
    assert [r.rating for r in ratings.values()] == pytest.approx([0, 0, 0], abs=1e-9)
    assert len({round(r.margin, 9) for r in ratings.values()}) == 1
    mirrored = bradley_terry([("a", "b", 1.0), ("b", "a", 1.0), ("c", "d", 0.0), ("d", "c", 0.0)])
    assert mirrored["a"].rating == pytest.approx(mirrored["b"].rating)
    assert mirrored["c"].rating == pytest.approx(mirrored["d"].rating)


def test_perfect_records_stay_finite_and_in_order():
    games = [("top", other, 1.0) for other in ("mid1", "mid2", "bottom")] * 5
    games += [("mid1", "mid2", 0.5), ("mid1", "bottom", 1.0), ("mid2", "bottom", 1.0)] * 5
    ratings = bradley_terry(games)
    assert list(ratings)[0] == "top" and list(ratings)[-1] == "bottom"
    assert all(math.isfinite(v) for r in ratings.values() for v in (r.rating, r.low, r.high))
    assert ratings["top"].low > ratings["mid1"].rating  # clearly ahead, by a finite distance
    more = bradley_terry(games * 4)
    assert ratings["top"].rating < more["top"].rating < 2000  # more perfect games, further ahead


def test_the_fit_is_deterministic_and_ignores_the_order_of_games():
    games = round_robins(5, seed=3)
    shuffled = [games[i] for i in np.random.default_rng(0).permutation(len(games))]
    first, again, reordered = bradley_terry(games), bradley_terry(games), bradley_terry(shuffled)
    assert first == again
    assert list(first) == list(reordered)
    for player, r in first.items():
        assert (r.rating, r.low, r.high) == pytest.approx((reordered[player].rating, reordered[player].low,
                                                           reordered[player].high), abs=1e-6)


def test_impossible_games_are_refused():
    with pytest.raises(ValueError, match="cannot play itself"):
        bradley_terry([("a", "a", 1.0)])
    with pytest.raises(ValueError, match="between 0 and 1"):
        bradley_terry([("a", "b", 2.0)])


def free_for_all(contests: int, seats: int, seed: int) -> list[list[tuple[list[str], int]]]:
    """Finishing orders drawn from Plackett-Luce with strengths 10 ** (Elo / 400)."""
    rng = np.random.default_rng(seed)
    drawn = []
    for _ in range(contests):
        left = list(rng.choice(list(TRUE_ELO), seats, replace=False))
        order = []
        while left:
            strength = np.array([10 ** (TRUE_ELO[p] / 400) for p in left])
            order.append(left.pop(rng.choice(len(left), p=strength / strength.sum())))
        drawn.append([([p], order.index(p) + 1) for p in order])
    return drawn


def test_openskill_recovers_the_known_order_of_a_free_for_all():
    ratings = plackett_luce(free_for_all(300, seats=4, seed=4))
    assert list(ratings) == ["p5", "p4", "p3", "p2", "p1", "p0"]
    few = plackett_luce(free_for_all(40, seats=4, seed=4))
    assert all(ratings[p].margin < few[p].margin for p in TRUE_ELO)
    assert all(r.low < r.rating < r.high for r in ratings.values())


def test_openskill_gives_tied_and_symmetric_players_equal_ratings():
    ties = plackett_luce([[(["a"], 1), (["b"], 1), (["c"], 1)]] * 5)
    assert [r.rating for r in ties.values()] == pytest.approx([25, 25, 25])
    rotation = [[(["a"], 1), (["b"], 2), (["c"], 3)], [(["b"], 1), (["c"], 2), (["a"], 3)],
                [(["c"], 1), (["a"], 2), (["b"], 3)]]
    ratings = plackett_luce(rotation * 4)
    # Updates are online, so the order of equally strong results leaves a trace, well inside the doubt.
    spread = max(r.rating for r in ratings.values()) - min(r.rating for r in ratings.values())
    assert spread < min(r.margin for r in ratings.values()) / 3


def record(match_id: int, round_number: int, seats: list[tuple[int, float, int, str]], env: str) -> MatchRecord:
    """A stored match; seats are (entrant, score, rank, status)."""
    return MatchRecord(match_id, round_number, match_id, env, {},
                       tuple(SeatRecord(e, f"e{e}", score, rank, status, "", 10) for e, score, rank, status in seats),
                       "", None, 10, 0.0, "0.1.0", 0.0)


def test_faults_count_as_losses():
    ordinary = [record(1, 0, [(1, 1, 1, "ok"), (2, -1, 2, "ok")], "othello"),
                record(2, 0, [(2, 1, 1, "ok"), (1, -1, 2, "ok")], "othello")]
    with_faults = [record(1, 0, [(1, 1, 1, "ok"), (2, -1, 2, "crash")], "othello"),
                   record(2, 0, [(2, 1, 1, "ok"), (1, -1, 2, "timeout")], "othello"),
                   record(3, 0, [(1, 1, 1, "ok"), (2, -1, 2, "illegal_action")], "othello")]
    assert rate(ordinary).by_player[1].rating == pytest.approx(rate(ordinary).by_player[2].rating)
    ratings = rate(with_faults)
    assert ratings.method == BRADLEY_TERRY
    assert ratings.by_player[1].rating > 0 > ratings.by_player[2].rating
    snake = [record(1, 0, [(1, 1, 2, "ok"), (2, 2, 1, "ok"), (3, -1, 3, "forfeit")], "snake")]
    assert list(rate(snake).by_player) == [2, 1, 3]
    assert rate(snake).method == PLACKETT_LUCE


def test_a_game_that_both_seats_faulted_is_not_rated_as_a_draw():
    one_sided = [record(1, 0, [(1, 1, 1, "ok"), (2, -1, 2, "forfeit")], "othello"),
                 record(2, 0, [(1, 1, 1, "ok"), (3, -1, 2, "crash")], "othello")]
    both_out = [record(3, 0, [(2, -1, 1, "forfeit"), (3, -1, 1, "forfeit")], "othello"),
                record(4, 0, [(3, -1, 1, "timeout"), (2, -1, 1, "crash")], "othello")]
    assert rate(one_sided + both_out).by_player == rate(one_sided).by_player
    # Nor is a free-for-all game that every seat faulted a four-way tie.
    played = [record(5, 0, [(1, 3, 1, "ok"), (2, 2, 2, "ok"), (3, 1, 3, "ok"), (4, 0, 4, "ok")], "snake")]
    all_out = [record(6, 1, [(e, -1, 1, "crash") for e in (4, 3, 2, 1)], "snake")]
    assert rate(played + all_out).by_player == rate(played).by_player
    # Seats of a snake game taken out one after another are still ranked by how long they lasted.
    one_by_one = [record(7, 1, [(e, -1, place, "crash") for place, e in enumerate((4, 3, 2, 1), 1)], "snake")]
    assert list(rate(played + one_by_one).by_player) != list(rate(played).by_player)


def test_cooperative_rounds_rate_agents_by_how_their_teams_did():
    """Relay teams with random partners: a round's teams are compared; better agents make better teams."""
    rng = np.random.default_rng(5)
    skill = {e: 40.0 * e for e in range(1, 10)}
    matches = []
    for round_number in range(60):
        order = [int(e) for e in rng.permutation(list(skill))]
        for team in (order[0:3], order[3:6], order[6:9]):
            steps = sum(skill[e] for e in team) + rng.normal(0, 60)
            matches.append(record(len(matches) + 1, round_number, [(e, steps, 1, "ok") for e in team], "cartpole_relay"))
    ratings = rate(matches, cooperative=True)
    assert ratings.method == PLACKETT_LUCE
    order = list(ratings.by_player)
    assert order[0] == 9 and order[-1] == 1
    assert np.corrcoef([order.index(e) for e in skill], [-s for s in skill.values()])[0, 1] > 0.9
    # A match ended by a seat's fault is rated on its own: the faulting agent lost to its partners.
    crashed = [record(1, 0, [(1, 1, 1, "ok"), (2, -1, 3, "crash"), (3, 1, 1, "ok")], "cartpole_relay")]
    assert list(rate(crashed, cooperative=True).by_player)[-1] == 2


def test_no_games_rate_nobody_and_training_curves_use_the_same_fit():
    from arena.train.evaluation import elo_ratings

    assert bradley_terry([]) == {}
    games = [("a", "b", 1.0), ("a", "b", 0.5), ("b", "c", 1.0), ("a", "c", 1.0)]
    fitted = {player: rating.rating for player, rating in bradley_terry(games).items()}
    elo = elo_ratings(games, anchor="b")
    assert elo["b"] == 1000.0
    for player in "ac":
        assert elo[player] - elo["b"] == pytest.approx(fitted[player] - fitted["b"])
