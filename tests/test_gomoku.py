"""Gomoku: the native board's rules and position format, OpenSpiel agreement, and the PettingZoo env."""

import copy
import pickle

import gymnasium
import numpy as np
import pytest
from conftest import position, square
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import api_test, seed_test

import arena.envs
from arena.envs.gomoku import GomokuBoard, board_from_observation


# ---- the board


def test_moves_alternate_and_undo_restores_everything():
    board = GomokuBoard()
    start = board.copy()
    board.play(112)
    board.play(113)
    assert board.to_move == 0 and board.ply == 2 and board.last_move == 113 and board.stones == 2
    assert not board.is_legal(112) and 112 not in board.legal_moves() and len(board.legal_moves()) == 223
    board.undo()
    board.undo()
    assert board == start and board.last_move == -1
    with pytest.raises(IndexError, match="no move"):
        board.undo()


@pytest.mark.parametrize(
    "stones, line",
    [
        ("d4 e4 f4 g4 h4", "d4 e4 f4 g4 h4"),  # a row
        ("k1 k2 k3 k4 k5", "k1 k2 k3 k4 k5"),  # a column, from the edge
        ("a1 b2 c3 d4 e5", "a1 b2 c3 d4 e5"),  # a diagonal from the corner
        ("o1 n2 m3 l4 k5", "o1 n2 m3 l4 k5"),  # an anti-diagonal from the other corner
        ("k11 l12 m13 n14 o15", "k11 l12 m13 n14 o15"),  # into the far corner
    ],
)
def test_five_in_any_direction_wins_and_reports_its_line(stones, line):
    board = GomokuBoard()
    names = stones.split()
    fillers = iter(square(n) for n in ["a15", "c15", "e15", "g15", "i15"])
    for i, name in enumerate(names):
        assert not board.is_game_over()
        board.play(square(name))
        if i < len(names) - 1:
            board.play(next(fillers))
    assert board.is_game_over() and board.winner() == 0
    assert sorted(board.winning_line()) == sorted(square(n) for n in line.split())
    assert board.legal_moves() == [] and not board.legal_mask().any()


def test_lines_do_not_wrap_around_the_board_edge():
    # n8 o8 on one row and a9 b9 c9 on the next are consecutive squares 118..122, but no five.
    board = position("n8 o8 a9 b9", "a1 b1 c1 d1")
    board.play(square("c9"))
    assert not board.is_game_over()


def test_overlines_win_freestyle_but_not_exact_five():
    for rule, wins in (("freestyle", True), ("exact_five", False)):
        board = position("c8 d8 e8 g8 h8", "a1 a2 a3 b1 c1", rule=rule)
        board.play(square("f8"))  # c8..h8: six in a row
        assert board.is_game_over() is wins
        if wins:
            assert len(board.winning_line()) == 6
    exact = position("c8 d8 e8 g8", "a1 b1 c1 d1", rule="exact_five")
    exact.play(square("f8"))  # exactly five
    assert exact.winner() == 0 and len(exact.winning_line()) == 5


def test_a_full_board_without_five_is_a_draw():
    # Columns of two alternate colours, shifted every two rows: no line of five anywhere.
    rows = ["XXOOX", "OOXXO", "XXOOX", "OOXXO", "XXOOX"]
    board = GomokuBoard.from_string("".join(rows)[:-1] + "- O")
    assert not board.is_game_over()
    board.play(24)
    assert board.is_game_over() and board.winner() == -1 and board.winning_line() == []
    assert "draw" in str(board)


def test_position_strings_round_trip_and_name_the_side_to_move():
    board = position("h8 i9", "h9", to_move="O")
    text = board.to_string()
    assert len(text) == 225 + 2 and text.endswith(" O")
    again = GomokuBoard.from_string(text)
    assert again == board and again.to_string() == text and again.to_move == 1
    assert GomokuBoard.from_string(text.replace("-", ".")) == board
    assert eval(repr(board), {"GomokuBoard": GomokuBoard}) == board
    assert GomokuBoard.from_string("-" * 81 + " X").size == 9


def test_a_parsed_position_knows_a_finished_game_and_its_line():
    board = position("a1 a2 a3 a4 a5", "b1 b2 b3 b4", to_move="O")
    assert board.is_game_over() and board.winner() == 0
    assert sorted(board.winning_line()) == [square(n) for n in ["a1", "a2", "a3", "a4", "a5"]]


def test_copies_and_pickles_are_independent_and_keep_the_rule():
    board = GomokuBoard(9, "exact_five")
    board.play(40)
    for other in (board.copy(), copy.copy(board), copy.deepcopy(board), pickle.loads(pickle.dumps(board))):
        assert other == board and other.rule == "exact_five"
        other.play(41)
        assert other != board


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: GomokuBoard(4), "between 5 and 19"),
        (lambda: GomokuBoard(20), "between 5 and 19"),
        (lambda: GomokuBoard(15, "renju"), "'freestyle' or 'exact_five'"),
        (lambda: GomokuBoard.from_string("X" * 10 + " O"), "N\\*N squares"),
        (lambda: GomokuBoard.from_string("-" * 25 + " Z"), "side to move"),
        (lambda: GomokuBoard.from_string("XXXXX" + "OOOOO" + "-" * 15 + " X"), "both players"),
    ],
)
def test_bad_boards_and_positions_raise_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_illegal_moves_say_why():
    board = GomokuBoard(9)
    board.play(40)
    with pytest.raises(ValueError, match="taken"):
        board.play(40)
    with pytest.raises(ValueError, match="0..80"):
        board.play(81)


def test_text_drawing_shows_coordinates_and_whose_move_it_is():
    board = position("h8", "h9", size=15)
    text = str(board)
    assert text.splitlines()[0].split() == list("abcdefghijklmno")
    assert text.splitlines()[8].split()[:9] == ["8", ".", ".", ".", ".", ".", ".", ".", "X"]
    assert text.endswith("X (black) to move")
    assert board.move_name(square("h8")) == "h8"


# ---- OpenSpiel agreement


@pytest.mark.parametrize("size, games", [(15, 120), (9, 200)])
def test_legal_moves_and_outcomes_agree_with_openspiel(size, games):
    pyspiel = pytest.importorskip("pyspiel", reason="the OpenSpiel oracle needs open_spiel (in the test extra)")
    if "gomoku" not in pyspiel.registered_names():
        pytest.skip("this open_spiel has no gomoku (added in open_spiel 2.0, which needs Python 3.11+)")
    game = pyspiel.load_game("gomoku", {"size": size})
    rng = np.random.default_rng(size)
    outcomes = {0: 0, 1: 0, -1: 0}
    for _ in range(games):
        state, board = game.new_initial_state(), GomokuBoard(size)
        while not state.is_terminal():
            assert state.legal_actions() == board.legal_moves()
            assert state.current_player() == board.to_move
            move = int(rng.choice(board.legal_moves()))
            state.apply_action(move)
            board.play(move)
        assert board.is_game_over() and board.legal_moves() == []
        black, white = state.returns()
        winner = 0 if black > 0 else (1 if white > 0 else -1)
        assert board.winner() == winner
        outcomes[winner] += 1
    assert outcomes[0] > 0 and outcomes[1] > 0  # the comparison saw both players win


# ---- the env


@pytest.mark.parametrize("options", [{}, {"size": 9, "rule": "exact_five"}])
def test_passes_pettingzoo_api_and_seed_tests(options):
    api_test(arena.envs.make("gomoku", **options), num_cycles=300)
    seed_test(lambda: arena.envs.make("gomoku", **options), num_cycles=300)


def test_observation_is_from_the_movers_view_and_masks_only_the_mover():
    env = arena.envs.make("gomoku")
    env.reset(seed=0)
    env.step(112)
    white = env.observe("player_1")
    assert white["observation"].shape == (15, 15, 2) and white["observation"].dtype == np.uint8
    assert white["action_mask"].shape == (225,) and white["action_mask"].dtype == np.int8
    assert white["observation"][7, 7].tolist() == [0, 1] and white["action_mask"].sum() == 224
    black = env.observe("player_0")
    assert black["observation"][7, 7].tolist() == [1, 0] and not black["action_mask"].any()
    assert board_from_observation(white) == env.unwrapped.board


def test_board_from_observation_recovers_the_colours():
    board = position("h8 i8", "h9 a1", to_move="X")
    assert board_from_observation(board.observation()) == board
    board.play(square("j8"))  # now white to move, one stone behind
    assert board_from_observation(board.observation()) == board


def test_five_in_a_row_ends_the_game_with_plus_minus_one():
    env = arena.envs.make("gomoku", size=9)
    env.reset(seed=0)
    for black, white in zip(range(4), range(9, 13)):
        env.step(black)
        env.step(white)
    env.step(4)
    assert all(env.terminations.values())
    assert env.rewards == {"player_0": 1, "player_1": -1}
    assert env.unwrapped.outcome_text() == "black wins: five from a1 to e1"


def test_illegal_move_through_make_loses_the_game():
    env = arena.envs.make("gomoku", size=9)
    env.reset(seed=0)
    env.step(40)
    env.step(40)  # taken
    assert env.rewards["player_1"] == -1 and all(env.terminations.values())


def test_bad_options_raise_value_errors_naming_the_valid_ones():
    with pytest.raises(ValueError, match="5 to 19"):
        arena.envs.make("gomoku", size=25)
    with pytest.raises(ValueError, match="freestyle, exact_five"):
        arena.envs.make("gomoku", rule="renju")


def test_renders_stones_and_the_winning_line():
    env = arena.envs.make("gomoku", size=9, render_mode="rgb_array")
    env.reset(seed=0)
    before = env.render()
    for black, white in zip(range(10, 14), range(63, 67)):
        env.step(black)
        env.step(white)
    env.step(14)
    after = env.render()
    assert before.shape == after.shape and before.dtype == np.uint8
    assert before.shape[0] % 16 == 0 and before.shape[1] % 16 == 0
    red = (after[..., 0] > 180) & (after[..., 1] < 80) & (after[..., 2] < 80)
    rows, cols = np.nonzero(red)
    assert red.sum() > 500 and cols.max() - cols.min() > 4 * (rows.max() - rows.min())  # a long horizontal stroke
    text = arena.envs.make("gomoku", size=9, render_mode="ansi")
    text.reset()
    assert "X (black) to move" in text.render()


def test_single_agent_gymnasium_view_passes_the_env_checker():
    env = gymnasium.make("arena/Gomoku-v0", size=9)
    check_env(env.unwrapped)
    obs, _ = env.reset(seed=1)
    assert obs["observation"].shape == (9, 9, 2)


@pytest.mark.parametrize("rule", ["freestyle", "exact_five"])
def test_winning_moves_are_exactly_the_squares_that_complete_a_line(rule):
    rng = np.random.default_rng(1)
    checked = 0
    for _ in range(40):
        board = GomokuBoard(9, rule)
        while not board.is_game_over():
            for player in (0, 1):
                expected = [m for m in board.legal_moves() if _with_stone(board, m, player).winner() == player]
                assert board.winning_moves(player) == expected
                checked += len(expected)
            board.play(int(rng.choice(board.legal_moves())))
    assert checked > 50  # the positions had threats to find


def _with_stone(board: GomokuBoard, move: int, player: int) -> GomokuBoard:
    text = board.to_string()
    return GomokuBoard.from_string(text[:move] + "XO"[player] + text[move + 1:], board.rule)


def _reference_perft(board: GomokuBoard, depth: int) -> int:
    if depth == 0:
        return 1
    total = 0
    for move in board.legal_moves():
        board.play(move)
        total += _reference_perft(board, depth - 1)
        board.undo()
    return total


def test_perft_counts_leaves_and_stops_at_won_games():
    assert GomokuBoard(5).perft(3) == 25 * 24 * 23
    threats = position("a1 b1 c1 d1", "a7 b7 c7 d7 g2", size=7)  # both sides one move from five
    assert threats.perft(3) == _reference_perft(threats, 3) < (49 - 9) * (48 - 9) * (47 - 9)
    with pytest.raises(ValueError, match="depth"):
        threats.perft(-1)
