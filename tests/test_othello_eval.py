"""The Othello solver's pattern evaluation: its patterns, its weights file, and the tools that make it."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from arena._native import (OthelloBoard, othello_evaluate, othello_load_evaluation, othello_pattern_indices,
                           othello_weights_per_stage)
from arena.envs.othello import EVALUATION_WEIGHTS, load_evaluation, read_obf, solve

REPO = Path(__file__).resolve().parents[1]
FFO = read_obf(Path(__file__).parent / "fixtures" / "ffo.obf")
sys.path.insert(0, str(REPO / "tools"))
import othello_eval_data  # noqa: E402

needs_scipy = pytest.mark.skipif(importlib.util.find_spec("scipy") is None,
                                 reason='fitting the evaluation needs scipy: pip install -e ".[test]"')

# The shapes as othello_eval.h declares them, as (row, column) lists: the first square is the
# most significant base-3 digit of a weight's index (0 empty, 1 own, 2 the opponent's).
SHAPES = [
    [(r, c) for r in range(3) for c in range(3)],
    [(r, c) for r in range(2) for c in range(5)],
    [(0, c) for c in range(8)] + [(1, 1), (1, 6)],
    [(1, c) for c in range(8)],
    [(2, c) for c in range(8)],
    [(3, c) for c in range(8)],
    *[[(i, i + 8 - n) for i in range(n)] for n in (8, 7, 6, 5, 4)],
]


def placements():
    """(offset of its shape's weights, squares) of every placement, in the order the native code lists them."""
    offset, out = 0, []
    for shape in SHAPES:
        seen = []
        for which in range(8):
            squares = []
            for r, c in shape:
                if which & 4:
                    r, c = c, r
                if which & 2:
                    r = 7 - r
                if which & 1:
                    c = 7 - c
                squares.append(8 * r + c)
            if set(squares) not in seen:
                seen.append(set(squares))
                out.append((offset, squares))
        offset += 3 ** len(shape)
    return out


def index_of(own: int, opp: int, squares: list[int]) -> int:
    index = 0
    for sq in squares:
        index = index * 3 + (own >> sq & 1) + 2 * (opp >> sq & 1)
    return index


def board_of(own: int, opp: int) -> OthelloBoard:
    cells = ["X" if own >> sq & 1 else "O" if opp >> sq & 1 else "-" for sq in range(64)]
    return OthelloBoard.from_string("".join(cells) + " X")


def test_pattern_indices_read_the_declared_squares():
    rng = np.random.default_rng(3)
    own = rng.integers(0, 2 ** 63, 300, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, 300, dtype=np.uint64)
    opp = rng.integers(0, 2 ** 63, 300, dtype=np.uint64) & ~own
    got = othello_pattern_indices(own, opp)
    expected = [[offset + index_of(int(o), int(p), squares) for offset, squares in placements()]
                for o, p in zip(own, opp)]
    assert got.shape == (300, 46)
    assert got.tolist() == expected
    assert othello_weights_per_stage == sum(3 ** len(shape) for shape in SHAPES)


def test_pattern_indices_reject_overlapping_sides():
    with pytest.raises(ValueError, match="both sides"):
        othello_pattern_indices(np.array([3], dtype=np.uint64), np.array([1], dtype=np.uint64))


def test_shipped_weights_estimate_the_ffo_scores():
    assert load_evaluation()
    errors = [abs(othello_evaluate(problem.board) - problem.best_score) for problem in FFO[:39]]
    # Always saying 0 is 13 discs off on these; the hand-made evaluation about 10.
    assert np.mean(errors) < 9


@pytest.mark.parametrize("damage, message", [
    (lambda data: data[:50], "too short"),
    (lambda data: b"XXXX" + data[4:], "not a version 1"),
    (lambda data: data[:-2], "bytes, expected"),
])
def test_damaged_weights_are_refused_and_the_loaded_ones_kept(damage, message):
    load_evaluation()
    before = othello_evaluate(FFO[0].board)
    with pytest.raises(ValueError, match=message):
        othello_load_evaluation(damage(EVALUATION_WEIGHTS.read_bytes()))
    assert othello_evaluate(FFO[0].board) == before


@pytest.mark.parametrize("policy", ["replies", "evaluation"])
def test_the_data_tool_scores_positions_exactly(policy):
    positions = othello_eval_data.scored_positions(seed=5, index=0, start=12, stop=10, policy=policy)
    assert len(positions) > 10
    for own, opp, score in positions[:12]:
        assert solve(board_of(own, opp)).score == score
    assert positions == othello_eval_data.scored_positions(seed=5, index=0, start=12, stop=10, policy=policy)


@needs_scipy
def test_the_error_is_measured_on_the_last_games_of_each_file(tmp_path):
    import fit_othello_eval

    files = []
    for name, count in (("a.txt", 20), ("b.txt", 7)):
        files.append(tmp_path / name)
        files[-1].write_text("".join(f"{i} {i + 1} {i % 5}\n" for i in range(count)))
    own, _, scores, held_out = fit_othello_eval.read_positions(files)
    assert len(scores) == 27 and own[20] == 0
    assert held_out.tolist() == [False] * 18 + [True] * 2 + [False] * 7  # a file of 7 lines keeps them all


@needs_scipy
def test_fitted_weights_load_and_fit_their_data(tmp_path):
    data = tmp_path / "positions.txt"
    subprocess.run([sys.executable, str(REPO / "tools" / "othello_eval_data.py"), "--games", "6", "--start", "12",
                    "--processes", "2", "--out", str(data)], check=True, capture_output=True)
    weights = tmp_path / "weights.bin"
    done = subprocess.run([sys.executable, str(REPO / "tools" / "fit_othello_eval.py"), str(data), "--out",
                           str(weights), "--damping", "0.1", "--window", "9"], check=True, capture_output=True, text=True)
    assert "wrote" in done.stdout
    code = (f"from arena._native import othello_load_evaluation, othello_evaluate; import sys; "
            f"sys.path.insert(0, {str(REPO / 'tests')!r}); from test_othello_eval import board_of; "
            f"othello_load_evaluation(open({str(weights)!r}, 'rb').read()); "
            f"rows = [line.split() for line in open({str(data)!r})]; "
            f"print(sum(abs(othello_evaluate(board_of(int(o), int(p))) - int(s)) for o, p, s in rows) / len(rows))")
    error = float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                 text=True).stdout)
    assert error < 2  # a few hundred positions, fitted almost exactly


def test_the_solver_is_exact_without_weights(tmp_path):
    code = ("import warnings; import arena.envs.othello as o; from pathlib import Path; "
            f"o.EVALUATION_WEIGHTS = Path({str(tmp_path / 'missing.bin')!r}); "
            f"problems = o.read_obf({str(REPO / 'tests' / 'fixtures' / 'ffo.obf')!r}); "
            "print([o.solve(p.board).score == p.best_score for p in problems[:6]])")
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=REPO)
    assert done.stdout.strip() == str([True] * 6)
    assert "missing.bin is missing" in done.stderr
