"""Batched self-play: records that replay, one evaluator call per round, refilled slots, determinism."""

import numpy as np
import pytest

from arena.search import make_self_play
from arena.envs.gomoku import GomokuBoard
from arena.envs.othello import OthelloBoard


class Uniform:
    """A trivial evaluator that counts its calls: uniform priors, value 0."""

    def __init__(self, num_actions: int):
        self.num_actions = num_actions
        self.rows: list[int] = []

    def __call__(self, inputs: np.ndarray):
        self.rows.append(len(inputs))
        return np.ones((len(inputs), self.num_actions), np.float32), np.zeros(len(inputs), np.float32)


def board_for(game: str):
    return OthelloBoard() if game == "othello" else GomokuBoard(7)


@pytest.mark.parametrize("game, options", [("othello", {}), ("gomoku", {"size": 7})])
def test_records_replay_to_their_winner_with_inputs_and_policy_targets(game, options):
    play = make_self_play(game, batch_size=6, simulations=40, seed=0, noise_fraction=0.25, **options)
    records = play.play(Uniform(play.num_actions), games=6)
    assert sorted(r.index for r in records) == list(range(6))
    for record in records:
        board = board_for(game)
        searched = dict(zip(record.plies.tolist(), range(len(record))))
        for ply, move in enumerate(record.moves):
            if ply in searched:
                i = searched[ply]
                np.testing.assert_array_equal(record.planes[i], board.observation().transpose(2, 0, 1))
                assert record.players[i] == board.to_move
                policy = record.policies[i]
                assert policy.sum() == pytest.approx(1.0) and not policy[~board.legal_mask()].any()
            board.play(move)
        assert board.is_game_over() and board.winner() == record.winner
        expected = [0.0 if record.winner < 0 else (1.0 if p == record.winner else -1.0) for p in record.players]
        np.testing.assert_array_equal(record.outcomes, expected)
        assert record.planes.dtype == np.uint8 and record.policies.dtype == np.float32
        assert len(record) == len(record.plies) == len(record.root_values) > 0


def test_one_evaluator_call_per_round_and_finished_games_are_refilled():
    evaluator = Uniform(65)
    play = make_self_play("othello", batch_size=8, simulations=30, seed=0)
    records = play.play(evaluator, games=20)
    assert len(records) == 20
    # Rows stay at the batch size until the last games are under way: no slot idles.
    full = len(evaluator.rows) - evaluator.rows[::-1].index(8)
    assert all(rows == 8 for rows in evaluator.rows[:full])
    searched = sum(len(r) for r in records)
    # 30 simulations a searched move; those that reach a finished game need no evaluation.
    assert sum(evaluator.rows) == play.leaves_evaluated
    assert 0.9 * searched * 30 <= play.leaves_evaluated <= searched * 30


def test_threads_and_the_seed_fix_the_games():
    def games(**settings):
        play = make_self_play("gomoku", size=7, batch_size=5, simulations=30, seed=3, noise_fraction=0.25, **settings)
        return [(r.index, r.moves, r.policies.tolist()) for r in play.play(Uniform(49), games=7)]

    one = games(threads=1)
    assert len(one) == 7
    assert games(threads=3) == one
    assert games(threads=1) == one


def test_several_leaves_per_game_fill_bigger_batches_with_the_same_budget():
    evaluator = Uniform(65)
    play = make_self_play("othello", batch_size=4, leaves_per_game=4, simulations=32, seed=0)
    records = play.play(evaluator, games=4)
    assert play.capacity == 16 and max(evaluator.rows) == 16
    assert all(len(r.moves) >= 9 for r in records)  # an Othello game is long; search finished each move


def test_temperature_sampling_varies_openings_and_zero_temperature_does_not():
    def openings(temperature):
        play = make_self_play("othello", batch_size=8, simulations=20, seed=0, temperature=temperature,
                              temperature_moves=4)
        return {tuple(r.moves[:4]) for r in play.play(Uniform(65), games=8)}

    assert len(openings(1.0)) > 1
    assert len(openings(0.0)) == 1  # the same search in every game, without noise, plays the same moves


def test_a_strong_evaluator_shows_in_the_records():
    # Values that favour the side with more discs make the search prefer flipping many.
    def disc_count(inputs):
        mine, theirs = inputs[:, 0].sum((1, 2)), inputs[:, 1].sum((1, 2))
        return np.ones((len(inputs), 65), np.float32), np.tanh((mine - theirs) / 8).astype(np.float32)

    play = make_self_play("othello", batch_size=4, simulations=60, seed=0)
    records = play.play(disc_count, games=4)
    values = np.concatenate([r.root_values for r in records])
    assert np.abs(values).max() > 0.3  # the evaluator's values reach the search's root values


def test_stepping_rounds_by_hand_matches_play():
    evaluator = Uniform(49)
    auto = make_self_play("gomoku", size=7, batch_size=3, simulations=20, seed=1)
    expected = [r.moves for r in auto.play(evaluator, games=3)]
    manual = make_self_play("gomoku", size=7, batch_size=3, simulations=20, seed=1)
    manual.start(3)
    finished = []
    while rows := manual.collect():
        assert manual.inputs.shape == (3, 2, 7, 7)
        policies, values = evaluator(manual.inputs[:rows])
        manual.apply(policies, values)
        finished += manual.take_finished()
    finished += manual.take_finished()
    assert manual.done and [r.moves for r in finished] == expected


def test_bad_settings_and_bad_evaluations_are_clear_errors():
    with pytest.raises(ValueError, match="unknown argument\\(s\\) batch; valid ones are .*batch_size"):
        make_self_play("othello", batch=4)
    with pytest.raises(ValueError, match="simulation budget"):
        make_self_play("othello", simulations=0, time_limit=1.0)
    with pytest.raises(ValueError, match="rule must be"):
        make_self_play("gomoku", rule="renju")
    play = make_self_play("othello", batch_size=2, simulations=5)
    with pytest.raises(ValueError, match="shape \\(2, 65\\)"):
        play.play(lambda x: (np.ones((len(x), 63)), np.zeros(len(x))), games=2)
    play = make_self_play("othello", batch_size=2, simulations=5)
    play.start(2)
    play.collect()
    with pytest.raises(ValueError, match="one per collected row"):
        play.apply(np.ones((2, 65), np.float32), np.zeros(5, np.float32))


def test_records_pickle_for_other_processes():
    import pickle

    play = make_self_play("gomoku", size=7, batch_size=2, simulations=10, seed=0)
    for record in play.play(Uniform(49), games=2):
        again = pickle.loads(pickle.dumps(record))
        assert (again.index, again.moves, again.winner) == (record.index, record.moves, record.winner)
        for field in ("plies", "planes", "policies", "root_values", "players", "outcomes"):
            np.testing.assert_array_equal(getattr(again, field), getattr(record, field))
