"""The 8 x 8 move generator (line tables, bit scans, and perft's AVX2 / AVX-512 paths where the CPU
has them) against a plain square-by-square walk, on random positions and on every square, so a wrong
shortcut fails."""

import json
import os
import random
import subprocess
import sys

import pytest

from arena.envs.othello import OthelloBoard, perft

DIRECTIONS = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]


def walk_flips(cells, square, mover):
    """Squares (row * 8 + col) a disc of `mover` on `square` turns over, walking each direction one square at a time."""
    row, col = divmod(square, 8)
    flipped = []
    for dr, dc in DIRECTIONS:
        run, r, c = [], row + dr, col + dc
        while 0 <= r < 8 and 0 <= c < 8 and cells[r * 8 + c] == 3 - mover:
            run.append(r * 8 + c)
            r, c = r + dr, c + dc
        if 0 <= r < 8 and 0 <= c < 8 and cells[r * 8 + c] == mover:
            flipped += run
    return flipped


def walk_moves(cells, mover):
    return [sq for sq in range(64) if cells[sq] == 0 and walk_flips(cells, sq, mover)]


def walk_perft(cells, mover, depth):
    """perft as the board counts it: passes are plies, a finished game has no leaves below it."""
    if depth == 0:
        return 1
    moves = walk_moves(cells, mover)
    if not moves:
        if not walk_moves(cells, 3 - mover):
            return 0
        return walk_perft(cells, 3 - mover, depth - 1)
    if depth == 1:
        return len(moves)
    total = 0
    for sq in moves:
        child = list(cells)
        child[sq] = mover
        for f in walk_flips(cells, sq, mover):
            child[f] = mover
        total += walk_perft(child, 3 - mover, depth - 1)
    return total


def position(cells, mover):
    return "".join("-XO"[c] for c in cells) + " " + "-XO"[mover]


def random_cells(rng):
    """Any mix of discs, sparse to nearly full, lopsided either way: every run length and edge case turns up."""
    mine, theirs = rng.random(), rng.random()
    total = mine + theirs
    filled = rng.choice([0.3, 0.6, 0.85, 0.95, 1.0])
    cells = []
    for _ in range(64):
        x = rng.random()
        cells.append(0 if x >= filled else (1 if x < filled * mine / total else 2))
    return cells


def random_positions(count, seed):
    rng = random.Random(seed)
    return [(random_cells(rng), rng.choice([1, 2])) for _ in range(count)]


def board_cells(board):
    return [1 if board.black >> sq & 1 else 2 if board.white >> sq & 1 else 0 for sq in range(64)]


@pytest.mark.parametrize("seed", range(4))
def test_flips_on_every_square_match_the_walk(seed):
    for cells, mover in random_positions(400, seed):
        board = OthelloBoard.from_string(position(cells, mover))
        for sq in range(64):  # occupied squares too: flips() is defined there and must still agree
            assert board.count_flips(sq) == len(walk_flips(cells, sq, mover)), (position(cells, mover), sq)
        moves = walk_moves(cells, mover)
        if moves:
            assert board.legal_moves() == moves, position(cells, mover)
        for sq in moves:
            board.play(sq)
            expected = list(cells)
            expected[sq] = mover
            for f in walk_flips(cells, sq, mover):
                expected[f] = mover
            assert board_cells(board) == expected, (position(cells, mover), sq)
            board.undo()


def test_lines_of_opponent_discs_to_the_edge_flip_nothing():
    # The bit scan's stand-in for "no stop on the line" is bit 0 (a1): ours here, beside lines of theirs.
    for sq in range(1, 64):
        cells = [2] * 64
        cells[0], cells[sq] = 1, 0
        board = OthelloBoard.from_string(position(cells, 1))
        assert board.count_flips(sq) == len(walk_flips(cells, sq, 1)), sq
    cells = [2] * 64
    cells[63] = 0
    assert OthelloBoard.from_string(position(cells, 1)).count_flips(63) == 0


@pytest.mark.parametrize("seed", range(2))
def test_perft_from_random_positions_matches_the_walk(seed):
    for cells, mover in random_positions(60, 100 + seed):
        depth = 3 if cells.count(0) > 16 else 4
        assert perft(depth, position(cells, mover)) == walk_perft(cells, mover, depth), position(cells, mover)


@pytest.mark.parametrize("simd", ["none", "avx2"])
def test_every_perft_path_counts_as_the_default_one(simd):
    # perft uses AVX-512 or AVX2 where the CPU has them; ARENA_OTHELLO_SIMD caps that ("none": portable code).
    positions = [None] + [position(cells, mover) for cells, mover in random_positions(30, 7)]
    code = ("import json, sys; from arena.envs.othello import perft; "
            "print(json.dumps([perft(8 if p is None else 3, p) for p in json.loads(sys.argv[1])]))")
    env = dict(os.environ, ARENA_OTHELLO_SIMD=simd)
    out = subprocess.run([sys.executable, "-c", code, json.dumps(positions)], env=env, capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout) == [perft(8 if p is None else 3, p) for p in positions]
