"""The native self-play modes AlphaZero uses: rollout search, resignation, and duels between two evaluators."""

import pickle

import numpy as np
import pytest
from arena.search import make_self_play
from arena.envs.gomoku import GomokuBoard
from arena.envs.othello import OthelloBoard


class Discs:
    """Uniform priors; the value is the disc (or stone) balance for the mover, squashed (`sign` -1: the reverse)."""

    def __init__(self, num_actions: int, sign: float = 1.0):
        self.num_actions, self.sign = num_actions, sign
        self.calls = 0

    def __call__(self, inputs: np.ndarray):
        self.calls += 1
        balance = inputs[:, 0].sum((1, 2)) - inputs[:, 1].sum((1, 2))
        values = self.sign * np.tanh(balance / 8.0)
        return np.ones((len(inputs), self.num_actions), np.float32), values.astype(np.float32)


def replay(game: str, record, **options):
    board = OthelloBoard(**options) if game == "othello" else GomokuBoard(**options)
    for move in record.moves:
        board.play(move)
    return board


@pytest.mark.parametrize("game, options", [("othello", {"size": 6}), ("gomoku", {"size": 7})])
def test_rollout_search_plays_without_a_network(game, options):
    play = make_self_play(game, batch_size=4, simulations=50, seed=3, **options)
    records = play.play(None, games=6)
    assert sorted(r.index for r in records) == list(range(6))
    assert play.leaves_evaluated > 0  # the random playouts count as evaluations
    for record in records:
        board = replay(game, record, **options)
        assert board.is_game_over() and board.winner() == record.winner and not record.resigned
        assert np.allclose(record.policies.sum(1), 1.0)
    again = make_self_play(game, batch_size=4, simulations=50, seed=3, **options).play(None, games=6)
    assert [r.moves for r in again] == [r.moves for r in records]


def test_rollout_search_has_no_opponent():
    with pytest.raises(ValueError, match="rollout search"):
        make_self_play("othello", batch_size=2, simulations=5, duel=True).play(None, games=2, opponent=None)
    with pytest.raises(ValueError, match="rollout search"):
        make_self_play("othello", batch_size=2, simulations=5).play(None, games=2, opponent=Discs(65))


def test_losers_resign_below_the_threshold_unless_the_game_is_played_out():
    def games(resign_value, no_resign_fraction):
        play = make_self_play("othello", size=6, batch_size=8, simulations=24, seed=1, resign_value=resign_value,
                              no_resign_fraction=no_resign_fraction)
        return play.play(Discs(37), games=16)

    for record in games(-1.0, 0.0):  # -1: nobody ever resigns
        assert not record.could_resign and not record.resigned
        assert replay("othello", record, size=6).is_game_over()
    resigning = games(-0.5, 0.0)
    assert all(r.could_resign for r in resigning) and sum(r.resigned for r in resigning) >= 12
    for record in resigning:
        if record.resigned:
            board = replay("othello", record, size=6)
            assert not board.is_game_over()
            assert record.root_values[-1] < -0.5 <= record.root_values[:-1].min()
            assert record.winner == 1 - record.players[-1] == 1 - board.to_move
            assert pickle.loads(pickle.dumps(record)).resigned
    mixed = games(-0.5, 0.5)
    played_out = [r for r in mixed if not r.could_resign]
    assert 3 <= len(played_out) <= 13 and not any(r.resigned for r in played_out)
    # Which games are played out depends on the seed and the game's number alone.
    assert [r.could_resign for r in sorted(mixed, key=lambda r: r.index)] == \
        [r.could_resign for r in sorted(games(-0.5, 0.5), key=lambda r: r.index)]


@pytest.mark.parametrize("game, options", [("othello", {"size": 6}), ("gomoku", {"size": 7})])
def test_a_duel_seats_the_first_evaluator_black_in_even_games(game, options):
    play = make_self_play(game, batch_size=8, simulations=32, seed=0, duel=True, temperature_moves=2, **options)
    actions = play.num_actions
    good, bad = Discs(actions), Discs(actions, sign=-1.0)
    records = play.play(good, games=16, opponent=bad)
    assert len(records) == 16 and good.calls > 0 and bad.calls > 0
    if game == "othello":  # the disc balance is a real guide in Othello, its reverse a bad one
        first_won = [r.winner == r.index % 2 for r in records]
        assert sum(first_won) >= 13


def test_a_duel_puts_each_sides_rows_in_its_own_block():
    play = make_self_play("othello", size=6, batch_size=6, simulations=8, seed=0, duel=True)
    play.start(6)
    firsts = set()
    while rows := play.collect():
        first = play.first_rows
        assert 0 <= first <= rows
        firsts.add(first)
        play.apply(np.ones((rows, 37), np.float32), np.zeros(rows, np.float32))
    # Black to move in even games is the first evaluator, in odd games the second: both blocks appear.
    assert any(0 < first < 6 for first in firsts)


def test_a_duel_needs_an_opponent_and_only_a_duel_takes_one():
    with pytest.raises(ValueError, match="a duel needs an opponent"):
        make_self_play("othello", batch_size=2, simulations=5, duel=True).play(Discs(65), games=2)
    with pytest.raises(ValueError, match="only in a duel"):
        make_self_play("othello", batch_size=2, simulations=5).play(Discs(65), games=2, opponent=Discs(65))


def test_resignation_settings_are_checked():
    with pytest.raises(ValueError, match="resign_value"):
        make_self_play("othello", resign_value=-2.0)
    with pytest.raises(ValueError, match="no_resign_fraction"):
        make_self_play("othello", no_resign_fraction=1.5)
