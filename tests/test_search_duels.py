"""Duels with a search of each side's own (budget, exploration, temperature, leaf values), rollout
sides with no network, and leaves that take a policy's priors with random playouts' values."""

import numpy as np
import pytest

from arena.search import ROLLOUTS, DuelSide, make_search, make_self_play, play_duel, policy_evaluator
from arena.envs.gomoku import GomokuBoard
from arena.envs.othello import OthelloBoard


class Counting:
    """Uniform priors and a constant value; counts the rows it evaluates."""

    def __init__(self, num_actions: int, value: float = 0.0):
        self.num_actions, self.value = num_actions, value
        self.rows = 0

    def __call__(self, inputs: np.ndarray):
        self.rows += len(inputs)
        return np.ones((len(inputs), self.num_actions), np.float32), np.full(len(inputs), self.value, np.float32)


def one_hot(cell: int, num_actions: int, value: float = 0.0):
    """An evaluator whose policy puts all its weight on `cell`, with a constant value."""

    def evaluate(inputs):
        policy = np.zeros((len(inputs), num_actions), np.float32)
        policy[:, cell] = 1.0
        return policy, np.full(len(inputs), value, np.float32)

    return evaluate


def positions_by_side(records) -> tuple[int, int]:
    """Searched positions of the first side (black in even games) and of the second."""
    first = sum(int(((r.players ^ (r.index % 2)) == 0).sum()) for r in records)
    return first, sum(len(r) for r in records) - first


def replay(game: str, record, **options):
    board = OthelloBoard(**options) if game == "othello" else GomokuBoard(**options)
    for move in record.moves:
        board.play(move)
    return board


# ---- a search of each side's own


def test_each_side_of_a_duel_spends_its_own_simulations():
    play = make_self_play("othello", size=6, batch_size=8, simulations=6, opponent_simulations=40, seed=0, duel=True)
    first, second = Counting(37), Counting(37)
    records = play.play(first, games=8, opponent=second)
    mine, theirs = positions_by_side(records)
    assert mine > 50 and theirs > 50
    # One evaluation per simulation, but for the few that end in a finished game.
    assert 0.8 * 6 <= first.rows / mine <= 6
    assert 0.8 * 40 <= second.rows / theirs <= 40


def test_without_opponent_settings_both_sides_search_alike():
    play = make_self_play("othello", size=6, batch_size=8, simulations=12, seed=0, duel=True)
    first, second = Counting(37), Counting(37)
    records = play.play(first, games=8, opponent=second)
    mine, theirs = positions_by_side(records)
    assert 0.8 * 12 <= first.rows / mine <= 12 and 0.8 * 12 <= second.rows / theirs <= 12


def graded(num_actions: int):
    """An evaluator whose priors rise with the action's number (so that visits rarely tie), value 0."""
    weights = np.arange(1, num_actions + 1, dtype=np.float32) ** 2

    def evaluate(inputs):
        return np.tile(weights, (len(inputs), 1)), np.zeros(len(inputs), np.float32)

    return evaluate


def test_each_side_samples_its_moves_at_its_own_temperature():
    # The first side always plays its most visited move; the second draws its moves of the first 12 plies.
    play = make_self_play("gomoku", size=7, batch_size=8, simulations=60, seed=2, duel=True, temperature_moves=0,
                          opponent_temperature=5.0, opponent_temperature_moves=12)
    records = play.play(graded(49), games=8, opponent=graded(49))
    greedy, sampled = [], []
    for record in records:
        for position, ply, player in zip(record.policies, record.plies, record.players):
            most_visited = position[record.moves[ply]] == position.max()
            if player == record.index % 2:
                greedy.append(most_visited)
            elif ply < 12:
                sampled.append(most_visited)
    assert len(greedy) > 20 and all(greedy)
    assert len(sampled) > 20 and not all(sampled)


def test_a_rollout_side_plays_without_a_network():
    play = make_self_play("gomoku", size=7, batch_size=4, simulations=10, opponent_simulations=200, seed=1, duel=True)
    network = Counting(49)
    records = play.play(network, games=4, opponent=ROLLOUTS)
    mine, theirs = positions_by_side(records)
    assert theirs > 0 and 0.8 * 10 <= network.rows / mine <= 10  # the network scores its own moves' leaves only
    rollouts = play.leaves_evaluated - network.rows  # the rollout side's playouts
    assert 0.5 * 200 <= rollouts / theirs <= 200
    for record in records:
        board = replay("gomoku", record, size=7)
        assert board.is_game_over() and board.winner() == record.winner


def test_two_rollout_sides_with_different_budgets():
    strong, weak = DuelSide(ROLLOUTS, simulations=1000), DuelSide(ROLLOUTS, simulations=10)
    result = play_duel("gomoku", strong, weak, games=8, seed=0, size=7)
    assert result.games == 8 and len(result.records) == 8
    assert result.wins >= 6  # the same search with a hundred times the simulations
    assert result == play_duel("gomoku", strong, weak, games=8, seed=0, size=7)  # the seed decides everything


def test_a_duel_of_a_policy_against_raw_rollouts_reports_its_result():
    network = Counting(37)
    side = DuelSide(network, simulations=4, c_puct=2.5, leaf_playouts=2)
    result = play_duel("othello", side, DuelSide(ROLLOUTS, simulations=300, c_puct=1.5), games=6, seed=3, size=6)
    assert result.wins + result.draws + result.losses == 6 and network.rows > 0
    assert result.losses >= 4  # four simulations against three hundred
    assert result.score == pytest.approx((result.wins + 0.5 * result.draws) / 6)
    first, _ = positions_by_side(result.records)
    assert network.rows <= 4 * first


def test_duel_settings_are_checked():
    with pytest.raises(ValueError, match="only a duel has"):
        make_self_play("othello", opponent_simulations=10)
    with pytest.raises(ValueError, match="unknown argument"):
        make_self_play("othello", duel=True, opponent_seed=3)
    with pytest.raises(ValueError, match="simulations"):
        make_self_play("othello", duel=True, opponent_simulations=0)
    with pytest.raises(ValueError, match="leaf_playouts"):
        make_self_play("othello", opponent_leaf_playouts=-1, duel=True)
    play = make_self_play("othello", size=6, batch_size=2, simulations=5, duel=True)
    with pytest.raises(ValueError, match='"rollouts"'):
        play.play(Counting(37), games=2, opponent="rollout")
    with pytest.raises(ValueError, match="a duel needs an opponent"):
        play.play(ROLLOUTS, games=2)
    with pytest.raises(ValueError, match="callable or 'rollouts'"):
        DuelSide("random")


# ---- leaves valued by random playouts, priors from the policy


def lost_for_white() -> GomokuBoard:
    """5x5, white to move on the two last empty squares; black has a four through each: every game ends
    with black's five, whatever is played."""
    rows = [".XXXX", "OOOOX", "OOXOO", "XOOOX", "XXXX."]
    return GomokuBoard.from_string("".join(rows).replace(".", "-") + " O")


def test_leaf_values_come_from_playouts_not_from_the_evaluator():
    board = lost_for_white()
    liar = Counting(25, value=1.0)  # says the player to move at every leaf wins
    playouts = make_search("gomoku", simulations=3, leaf_playouts=4, seed=0)
    playouts.search(board, evaluator=liar)
    assert liar.rows > 0  # the evaluator still gives the priors
    assert playouts.root_value == -1.0 and np.nanmax(playouts.values()) == -1.0
    trusting = make_search("gomoku", simulations=3, seed=0)
    trusting.search(board, evaluator=Counting(25, value=1.0))
    assert trusting.root_value > -1.0


def test_leaf_priors_come_from_the_policy():
    search = make_search("gomoku", simulations=300, leaf_playouts=2, seed=0)
    search.search(GomokuBoard(7), evaluator=one_hot(24, 49, value=-1.0))  # all prior on the centre
    assert search.priors()[24] == pytest.approx(1.0)
    assert search.visits()[24] > 0.8 * search.root_visits and search.best_action() == 24
    uniform = make_search("gomoku", simulations=300, leaf_playouts=2, seed=0)
    uniform.search(GomokuBoard(7), evaluator=Counting(49))
    assert uniform.priors()[24] == pytest.approx(1 / 49) and uniform.visits()[24] < 0.5 * uniform.root_visits


@pytest.mark.parametrize("game, options, actions", [("othello", {"size": 6}, 37), ("gomoku", {"size": 7}, 49)])
def test_self_play_with_leaf_playouts_ignores_the_evaluators_values(game, options, actions):
    def records(value: float, **settings):
        play = make_self_play(game, batch_size=4, simulations=16, seed=5, **options, **settings)
        return play.play(Counting(actions, value), games=4)

    hopeful, gloomy = records(0.9, leaf_playouts=3), records(-0.9, leaf_playouts=3)
    assert [r.moves for r in hopeful] == [r.moves for r in gloomy]
    for a, b in zip(hopeful, gloomy):
        np.testing.assert_array_equal(a.root_values, b.root_values)
    trusting = records(0.9)
    assert [r.root_values.tolist() for r in trusting] != [r.root_values.tolist() for r in hopeful]


def test_a_policy_without_a_value_head_makes_an_evaluator():
    evaluate = policy_evaluator(lambda inputs: np.ones((len(inputs), 49)))
    policies, values = evaluate(np.zeros((3, 2, 7, 7), np.float32))
    assert policies.shape == (3, 49) and policies.dtype == np.float32 and not values.any()
    result = play_duel("gomoku", DuelSide(evaluate, simulations=20, leaf_playouts=4), DuelSide(ROLLOUTS, simulations=20),
                       games=4, seed=0, size=7)
    assert result.games == 4



def test_an_othello_policy_of_the_squares_alone_plays_as_one_with_a_zero_pass():
    # rlscout's Othello networks have one output per square: the pass is the rules' to play.
    weights = np.random.default_rng(3).random(36).astype(np.float32)

    def moves(columns: int) -> list:
        policy = np.zeros(columns, np.float32)
        policy[:36] = weights[:columns]
        evaluate = policy_evaluator(lambda inputs: np.tile(policy, (len(inputs), 1)))
        play = make_self_play("othello", size=6, batch_size=2, simulations=24, leaf_playouts=2, seed=1)
        return [r.moves for r in play.play(evaluate, games=2)]

    squares_alone = moves(36)
    assert squares_alone == moves(37) and all(len(m) > 20 for m in squares_alone)
    with pytest.raises(ValueError, match=r"evaluator policies must have shape \(\d+, 37\), got \(\d+, 35\)"):
        moves(35)


def test_a_log_softmax_policy_is_refused_until_exponentiated():
    # rlscout's action networks end in LogSoftmax; its backends take exp() before the search sees
    # them. Handed over as they come out, the log-probabilities would invert the priors.
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(2 * 7 * 7, 7 * 7), torch.nn.LogSoftmax(dim=1))

    def log_probs(boards):
        with torch.no_grad():
            return model(torch.from_numpy(boards)).numpy()

    def probs(boards):
        return np.exp(log_probs(boards))

    with pytest.raises(ValueError, match=r"negative .*exp"):
        play_duel("gomoku", DuelSide(policy_evaluator(log_probs), simulations=20, leaf_playouts=4),
                  DuelSide(ROLLOUTS, simulations=20), games=2, seed=0, size=7)
    result = play_duel("gomoku", DuelSide(policy_evaluator(probs), simulations=20, leaf_playouts=4),
                       DuelSide(ROLLOUTS, simulations=20), games=2, seed=0, size=7)
    assert result.games == 2
