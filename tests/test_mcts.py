"""Native single-game MCTS: forced wins, exact endgames, budgets, determinism, tree reuse, PUCT."""

import numpy as np
import pytest
from conftest import OTHELLO_ENDGAMES, move_values, position, square

from arena._native import SearchConfig
from arena.envs.gomoku import GomokuBoard
from arena.envs.othello import OthelloBoard
from arena.search import make_search


@pytest.mark.parametrize("text", OTHELLO_ENDGAMES)
def test_rollout_search_finds_the_only_winning_move_of_an_othello_endgame(text):
    board = OthelloBoard.from_string(text)
    winning = [move for move, value in move_values(board).items() if value == 1]
    assert len(winning) == 1
    search = make_search("othello", simulations=20000, seed=0)
    search.search(board)
    assert search.best_action() == winning[0]
    # The winning move's own value, not the root's: the root's mean also counts UCT's visits
    # to the losing moves, which swing it by +-0.15 between seeds.
    assert search.values()[winning[0]] > 0.5


def wins_at_once(board) -> bool:
    """Whether the side to move has a move that wins on the spot."""
    for move in board.legal_moves():
        board.play(move)
        won = board.winner() >= 0
        board.undo()
        if won:
            return True
    return False


def forces_a_win(board, move: int) -> bool:
    """Whether `move` wins at once, or leaves the opponent no reply that stops an immediate win."""
    board = board.copy()
    board.play(move)
    if board.winner() >= 0:
        return True
    for reply in board.legal_moves():
        board.play(reply)
        if board.winner() >= 0 or not wins_at_once(board):
            return False
        board.undo()
    return True


def test_gomoku_search_completes_a_five():
    board = position("e8 f8 g8 h8", "d8 a1 a2 a3", to_move="X")
    search = make_search("gomoku", simulations=2000, seed=0)
    search.search(board)
    assert search.best_action() == square("i8") and search.values()[square("i8")] == 1.0


def test_gomoku_search_blocks_the_opponents_four():
    board = position("d8 a15 c15 n2", "e8 f8 g8 h8", to_move="X")
    search = make_search("gomoku", simulations=5000, seed=0)
    search.search(board)
    assert search.best_action() == square("i8")


@pytest.mark.parametrize(
    "board, simulations",
    [
        (position("d5 e5 f5 a1", "i9 a9 e6 i1", size=9), 20000),
        (position("f8 g8 h8 c3", "m13 n2 b14 f9"), 50000),
    ],
    ids=["9x9", "15x15"],
)
def test_gomoku_search_turns_an_open_three_into_an_unstoppable_open_four(board, simulations):
    search = make_search("gomoku", simulations=simulations, seed=0)
    search.search(board)
    assert forces_a_win(board, search.best_action())


@pytest.mark.parametrize("game, board", [("othello", OthelloBoard()), ("gomoku", GomokuBoard(9))])
def test_a_simulation_budget_runs_exactly_that_many_simulations(game, board):
    search = make_search(game, simulations=1234, seed=0)
    stats = search.search(board)
    assert stats.simulations == 1234 and search.root_visits == 1234
    assert search.visits().sum() == 1234  # every simulation went through one of the root's moves
    assert search.visits().dtype == np.int32 and len(search.visits()) == board.num_actions


def test_a_time_budget_stops_the_search_on_time():
    search = make_search("gomoku", simulations=0, time_limit=0.2, seed=0)
    stats = search.search(GomokuBoard())
    # It stops within a simulation (microseconds) of the limit; the margin is for a busy machine,
    # where the search may wait for a CPU just as time runs out.
    assert 0.2 <= stats.seconds < 1.2
    assert stats.simulations > 1000
    both = make_search("gomoku", simulations=500, time_limit=5.0, seed=0)
    assert both.search(GomokuBoard()).simulations == 500  # whichever budget runs out first


@pytest.mark.parametrize("game, board", [("othello", OthelloBoard()), ("gomoku", GomokuBoard(9))])
@pytest.mark.parametrize("evaluated", [False, True])
def test_a_search_whose_time_is_already_up_still_has_a_legal_move(game, board, evaluated):
    # An agent left with almost no time (or preempted as its search starts) must still get a move
    # it can play, not -1.
    search = make_search(game, simulations=0, time_limit=1e-9, seed=0)
    stats = search.search(board, evaluator=uniform(board.num_actions) if evaluated else None)
    assert stats.simulations >= 1
    assert board.is_legal(search.best_action())


@pytest.mark.parametrize("game, board", [("othello", OthelloBoard()), ("gomoku", GomokuBoard())])
def test_the_same_seed_gives_the_same_search(game, board):
    first, again, other = (make_search(game, simulations=3000, seed=s) for s in (7, 7, 8))
    for search in (first, again, other):
        search.search(board)
    np.testing.assert_array_equal(first.visits(), again.visits())
    np.testing.assert_array_equal(first.values(), again.values())
    assert first.principal_variation() == again.principal_variation()
    assert not np.array_equal(first.visits(), other.visits())


def test_advance_keeps_the_subtree_of_the_move_played():
    search = make_search("othello", simulations=5000, seed=0)
    search.search(OthelloBoard())
    move = search.best_action()
    kept = int(search.visits()[move])
    search.advance(move)
    assert search.root_visits == kept
    search.search()
    assert search.root_visits == kept + 5000
    with pytest.raises(ValueError, match="not legal"):
        search.advance(0)


def test_set_root_finds_the_position_after_the_reply_in_the_tree():
    board = OthelloBoard()
    search = make_search("othello", simulations=5000, seed=0)
    search.search(board)
    line = search.principal_variation(2)
    for move in line:
        board.play(move)
    search.set_root(board)
    assert search.root_visits > 0  # two plies on, the subtree was kept
    search.set_root(OthelloBoard.from_string(OTHELLO_ENDGAMES[0]))
    assert search.root_visits == 0  # an unrelated position starts afresh
    no_reuse = make_search("othello", simulations=5000, seed=0, reuse_tree=False)
    no_reuse.search(OthelloBoard())
    no_reuse.advance(no_reuse.best_action())
    assert no_reuse.root_visits == 0


def uniform(num_actions, value=0.0):
    """An evaluator with uniform priors and a constant value."""

    def evaluate(inputs):
        rows = len(inputs)
        return np.ones((rows, num_actions), np.float32), np.full(rows, value, np.float32)

    return evaluate


def test_evaluator_priors_steer_the_search():
    def likes_f5(inputs):
        policy = np.zeros((len(inputs), 65), np.float32)
        policy[:, 37] = 1.0
        return policy, np.zeros(len(inputs), np.float32)

    search = make_search("othello", simulations=400, seed=0)
    search.search(OthelloBoard(), evaluator=likes_f5)
    assert search.best_action() == 37 and search.visits()[37] > 0.9 * 399
    assert search.priors()[37] == pytest.approx(1.0)


def test_evaluator_sees_the_leaf_from_the_movers_view():
    seen = []

    def record(inputs):
        seen.append(inputs.copy())
        return uniform(65)(inputs)

    search = make_search("othello", simulations=2, seed=0)
    search.search(OthelloBoard(), evaluator=record)
    root, after_one_move = seen[0][0], seen[1][0]
    assert root.shape == (2, 8, 8) and root.dtype == np.float32
    np.testing.assert_array_equal(root, OthelloBoard().observation().transpose(2, 0, 1))
    assert after_one_move[0].sum() == 1 and after_one_move[1].sum() == 4  # white to move: 1 disc against 4


def test_puct_finds_a_win_that_terminal_positions_reveal():
    board = position("a1 b1 c1 d1", "a9 b9 c9 d9 i5", size=9)
    search = make_search("gomoku", simulations=300, seed=0)
    search.search(board, evaluator=uniform(81))
    assert search.best_action() == square("e1", 9)


def favours(cell, num_actions, weight=5.0):
    """An evaluator whose policy weighs `cell` `weight` times any other square, value 0."""

    def evaluate(inputs):
        policy = np.ones((len(inputs), num_actions), np.float32)
        policy[:, cell] = weight
        return policy, np.zeros(len(inputs), np.float32)

    return evaluate


def test_a_leaf_evaluated_once_keeps_its_policy_for_when_it_becomes_the_root():
    search = make_search("gomoku", simulations=30, seed=0)
    search.search(GomokuBoard(9), evaluator=favours(40, 81))
    visited_once = [action for action, visits in enumerate(search.visits()) if visits == 1]
    assert visited_once, "the search should leave leaves evaluated exactly once"
    search.advance(visited_once[0])
    priors = search.priors()
    # 80 empty squares: 79 of weight 1 and the favoured one of weight 5
    assert search.root_visits == 1 and np.count_nonzero(priors) == 80
    assert priors[40] == pytest.approx(5 / 84) and priors.sum() == pytest.approx(1.0)


def test_the_node_limit_bounds_the_tree_and_the_search_keeps_its_budget():
    search = make_search("gomoku", simulations=3000, seed=0, max_nodes=1000)
    stats = search.search(GomokuBoard(15), evaluator=uniform(225))
    assert stats.simulations == 3000 and search.root_visits == 3000
    assert 900 < search.tree_size <= 1000
    assert GomokuBoard(15).is_legal(search.best_action())


def test_several_leaves_per_call_keep_the_budget_and_spread_by_virtual_loss():
    batches = []

    def count(inputs):
        batches.append(len(inputs))
        return uniform(65)(inputs)

    search = make_search("othello", simulations=800, seed=0)
    stats = search.search(OthelloBoard(), evaluator=count, leaves_per_call=8)
    assert stats.simulations == 800 and search.root_visits == 800 and sum(batches) == 800
    assert max(batches) == 8 and len(batches) < 800 / 4


def test_dirichlet_noise_changes_the_root_priors_reproducibly():
    plain = make_search("othello", simulations=50, seed=3)
    plain.search(OthelloBoard(), evaluator=uniform(65))
    np.testing.assert_allclose(plain.priors()[[19, 26, 37, 44]], 0.25)
    priors = []
    for _ in range(2):
        noisy = make_search("othello", simulations=50, seed=3, noise_fraction=0.5, dirichlet_alpha=0.3)
        noisy.search(OthelloBoard(), evaluator=uniform(65))
        priors.append(noisy.priors())
    assert priors[0].sum() == pytest.approx(1.0) and not np.allclose(priors[0][[19, 26, 37, 44]], 0.25)
    np.testing.assert_array_equal(priors[0], priors[1])


@pytest.mark.parametrize(
    "evaluator, message",
    [
        (lambda x: np.ones((len(x), 64), np.float32), "policies, values"),
        (lambda x: (np.ones((len(x), 63), np.float32), np.zeros(len(x))), "shape \\(1, 65\\)"),
        (lambda x: (np.ones((len(x), 65), np.float32), np.zeros(3)), "one per row"),
    ],
)
def test_a_badly_shaped_evaluator_output_is_a_clear_error(evaluator, message):
    with pytest.raises(ValueError, match=message):
        make_search("othello", simulations=10).search(OthelloBoard(), evaluator=evaluator)


def test_an_evaluator_exception_propagates():
    def broken(inputs):
        raise RuntimeError("network on fire")

    with pytest.raises(RuntimeError, match="network on fire"):
        make_search("othello", simulations=10).search(OthelloBoard(), evaluator=broken)


def test_bad_settings_and_uses_are_clear_errors():
    with pytest.raises(ValueError, match="set simulations or time_limit"):
        make_search("othello", simulations=0)
    with pytest.raises(ValueError, match="unknown argument\\(s\\) simulatons; valid ones are .*simulations"):
        make_search("othello", simulatons=10)
    with pytest.raises(ValueError, match="noise_fraction"):
        SearchConfig(noise_fraction=2.0)
    with pytest.raises(ValueError, match="MCTS plays othello, gomoku"):
        make_search("chess")
    with pytest.raises(RuntimeError, match="set_root"):
        make_search("othello").search()
    with pytest.raises(ValueError, match="game is over"):
        make_search("gomoku").search(position("a1 a2 a3 a4 a5", "b1 b2 b3 b4", to_move="O"))


def test_config_round_trips_and_can_be_changed_between_searches():
    search = make_search("othello", simulations=100, c_uct=1.0, seed=4)
    assert search.config.simulations == 100 and search.config.c_uct == 1.0 and search.config.seed == 4
    config = search.config
    config.simulations = 300
    search.config = config
    assert search.search(OthelloBoard()).simulations == 300
    assert "simulations=300" in repr(search.config)
