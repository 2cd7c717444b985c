"""The native Othello board: perft counts, rules against a plain-Python reference, the position format."""

import copy
import pickle

import pytest

from arena.envs.othello import OthelloBoard, perft

START = "---------------------------OX------XO--------------------------- X"


@pytest.mark.parametrize(
    "depth, leaves",
    [(1, 4), (2, 12), (3, 56), (4, 244), (5, 1396), (6, 8200), (7, 55092), (8, 390216), (9, 3005288), (10, 24571056)],
)
def test_perft_from_the_start_matches_the_standard_counts(depth, leaves):
    assert perft(depth) == leaves


class ReferenceOthello:
    """Othello in plain Python lists, written for clarity: the oracle for the bitboards."""

    DIRECTIONS = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]

    def __init__(self, size):
        self.n = size
        self.cells = [[0] * size for _ in range(size)]  # 1 black, 2 white
        lo, hi = size // 2 - 1, size // 2
        self.cells[lo][lo] = self.cells[hi][hi] = 2
        self.cells[hi][lo] = self.cells[lo][hi] = 1
        self.mover = 1

    def flips(self, row, col, player):
        if self.cells[row][col]:
            return []
        flipped = []
        for dr, dc in self.DIRECTIONS:
            run, r, c = [], row + dr, col + dc
            while 0 <= r < self.n and 0 <= c < self.n and self.cells[r][c] == 3 - player:
                run.append((r, c))
                r, c = r + dr, c + dc
            if run and 0 <= r < self.n and 0 <= c < self.n and self.cells[r][c] == player:
                flipped += run
        return flipped

    def placements(self, player):
        return [r * self.n + c for r in range(self.n) for c in range(self.n) if self.flips(r, c, player)]

    def play(self, move):
        if move < self.n * self.n:
            row, col = divmod(move, self.n)
            for r, c in self.flips(row, col, self.mover):
                self.cells[r][c] = self.mover
            self.cells[row][col] = self.mover
        self.mover = 3 - self.mover

    def perft(self, depth):
        if depth == 0:
            return 1
        moves = self.placements(self.mover)
        if not moves:
            if not self.placements(3 - self.mover):
                return 0
            moves = [self.n * self.n]
        total = 0
        for move in moves:
            saved = ([row[:] for row in self.cells], self.mover)
            self.play(move)
            total += self.perft(depth - 1)
            self.cells, self.mover = saved
        return total


@pytest.mark.parametrize("size, depth", [(4, 9), (6, 6), (8, 5)])
def test_perft_agrees_with_the_reference_on_every_board_size(size, depth):
    assert OthelloBoard(size).perft(depth) == ReferenceOthello(size).perft(depth)


def test_random_games_follow_the_reference_rules_move_by_move():
    import random

    rng = random.Random(7)
    for size in (4, 6, 8):
        for _ in range(20):
            board, reference = OthelloBoard(size), ReferenceOthello(size)
            while not board.is_game_over():
                expected = reference.placements(reference.mover) or [size * size]
                assert board.legal_moves() == expected
                move = rng.choice(expected)
                board.play(move)
                reference.play(move)
                assert board.empties == sum(row.count(0) for row in reference.cells)
            assert not reference.placements(1) and not reference.placements(2)
            black = sum(row.count(1) for row in reference.cells)
            white = sum(row.count(2) for row in reference.cells)
            assert board.score() == (black, white)
            assert board.winner() == (0 if black > white else 1 if white > black else -1)


def test_start_position_numbering_matches_pgx_and_openspiel():
    board = OthelloBoard()
    assert board.to_string() == START
    assert board.legal_moves() == [19, 26, 37, 44]  # d3, c4, f5, e6
    assert [board.move_name(m) for m in board.legal_moves()] == ["d3", "c4", "f5", "e6"]
    planes = board.observation()
    assert planes.shape == (8, 8, 2) and planes.dtype.name == "uint8"
    assert planes[3, 4, 0] == planes[4, 3, 0] == 1  # e4, d5 black (the mover)
    assert planes[3, 3, 1] == planes[4, 4, 1] == 1  # d4, e5 white


def test_play_flips_and_undo_restores():
    board = OthelloBoard()
    board.play(19)  # d3 flips d4
    assert board.score() == (4, 1)
    assert board.to_move == 1 and board.last_move == 19 and board.ply == 1
    board.undo()
    assert board == OthelloBoard() and board.ply == 0 and board.last_move == -1
    with pytest.raises(IndexError):
        board.undo()


def test_illegal_moves_raise_with_the_reason():
    board = OthelloBoard()
    with pytest.raises(ValueError, match=r"illegal move 0 \(a1\) for black"):
        board.play(0)
    with pytest.raises(ValueError, match="passing is only legal"):
        board.play(board.pass_move)
    with pytest.raises(ValueError):
        board.play(65)


def test_forced_pass_is_the_only_legal_move_and_switches_sides():
    # White to move has no placement; black still has one (h1 would flip g1).
    board = OthelloBoard.from_string("XXXXXXO-" + "X" * 56 + " O")
    assert not board.is_game_over()
    assert board.must_pass()
    assert board.legal_moves() == [64]
    assert board.legal_mask().nonzero()[0].tolist() == [64]
    board.play(64)
    assert board.to_move == 0 and board.legal_moves() == [7]
    board.play(7)
    assert board.is_game_over() and board.score() == (64, 0) and board.winner() == 0


def test_game_over_when_neither_side_can_move():
    board = OthelloBoard.from_string("X" * 63 + "- O")
    assert board.is_game_over() and not board.must_pass()
    assert board.legal_moves() == [] and not board.legal_mask().any()
    assert board.winner() == 0


def test_position_string_round_trips_and_rejects_bad_input():
    board = OthelloBoard()
    for move in (19, 18, 17):
        board.play(move)
    text = board.to_string()
    again = OthelloBoard.from_string(text)
    assert again == board and again.to_string() == text
    assert OthelloBoard.from_string("-" * 14 + "XO" + "-" * 20 + " O").size == 6
    with pytest.raises(ValueError, match="expected 16, 36 or 64 squares"):
        OthelloBoard.from_string("XO X")
    with pytest.raises(ValueError, match="unknown square character 'Z'"):
        OthelloBoard.from_string("Z" * 64 + " X")
    with pytest.raises(ValueError, match="side to move"):
        OthelloBoard.from_string("-" * 64 + " Q")


def test_copies_are_independent_and_pickle():
    board = OthelloBoard()
    board.play(19)
    for duplicate in (board.copy(), copy.copy(board), copy.deepcopy(board), pickle.loads(pickle.dumps(board))):
        assert duplicate == board
        duplicate.play(duplicate.legal_moves()[0])
        assert duplicate != board
    assert board.copy().ply == 1  # copies keep the history, so undo works on them


def test_text_drawing_shows_coordinates_and_side_to_move():
    text = str(OthelloBoard())
    assert text.splitlines()[0].split() == list("abcdefgh")
    assert text.splitlines()[4] == "4 . . . O X . . ."
    assert text.endswith("X (black) to move")
    assert repr(OthelloBoard()) == f"OthelloBoard.from_string('{START}')"


def test_invalid_board_sizes_are_refused():
    for size in (3, 5, 10):
        with pytest.raises(ValueError, match="size must be 4, 6 or 8"):
            OthelloBoard(size)
