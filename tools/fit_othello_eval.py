"""Fit the Othello endgame solver's pattern evaluation (native/othello_eval.h) on scored positions.

    python tools/othello_eval_data.py --out replies.txt
    python tools/fit_othello_eval.py replies.txt                    # writes envs/othello_eval.bin
    python tools/othello_eval_data.py --policy evaluation --out evaluation.txt
    python tools/fit_othello_eval.py replies.txt evaluation.txt     # the shipped weights

Each stage of the game (a range of empty squares) gets its own weights, fitted by regularised
least squares (scipy's LSQR with damping) on the positions whose empties lie within
`--window` of that range, so that a stage with few positions borrows from its neighbours; stages
past the data's last empties use the last stage's weights. It prints the mean absolute error on
the games held out (the last tenth of each file; then it fits on all of them) against always
saying the mean score, and writes the file `arena.envs.othello` loads (format in
native/othello_eval.h).
"""

from __future__ import annotations

import argparse
import struct
from pathlib import Path

import numpy as np
import scipy.sparse
from scipy.sparse.linalg import lsqr

from arena._native import othello_pattern_indices, othello_weights_per_stage

REPO = Path(__file__).resolve().parents[1]
SCALE = 64  # weights a disc
STAGE_STARTS = (0, 12, 14, 16, 18)  # the first empties of each stage; the last runs to 64
STAGE_OF = np.array([sum(start <= empties for start in STAGE_STARTS) - 1 for empties in range(65)])


def read_positions(paths: list[Path]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(own, opp, score) arrays of every `own opp score` line in `paths`, and which positions are
    held out to measure the error: the last tenth of each file. The data tool writes each game's
    positions together (each with the positions one move after it), so those are games the fit
    never sees, all but the one cut at the boundary; a random tenth would hold out near-copies of positions it fits, and understate
    the error on new games (5.6 discs against 7.8 for weights fitted on 182,000 positions)."""
    own, opp, score, held_out = [], [], [], []
    for path in paths:
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            fields = line.split()
            if len(fields) != 3:
                raise SystemExit(f"{path}:{number}: expected 'own opp score', got {line!r}")
            own.append(int(fields[0]))
            opp.append(int(fields[1]))
            score.append(int(fields[2]))
        fitted = len(lines) - len(lines) // 10
        held_out += [False] * fitted + [True] * (len(lines) - fitted)
    return (np.array(own, dtype=np.uint64), np.array(opp, dtype=np.uint64), np.array(score, dtype=np.float64),
            np.array(held_out, dtype=bool))


def empties_of(own: np.ndarray, opp: np.ndarray) -> np.ndarray:
    occupied = own | opp
    return 64 - np.array([int(board).bit_count() for board in occupied])


def fit_stage(indices: np.ndarray, scores: np.ndarray, damping: float) -> tuple[np.ndarray, float]:
    """Weights (one a pattern index) and a constant, in discs, for positions with these pattern indices."""
    rows, patterns = indices.shape
    design = scipy.sparse.csr_matrix((np.ones(rows * patterns), indices.ravel(), np.arange(0, rows * patterns + 1, patterns)),
                                     shape=(rows, othello_weights_per_stage))
    constant = float(scores.mean())
    weights = lsqr(design, scores - constant, damp=damping, iter_lim=400)[0]
    return weights, constant


def fitted_on(empties: np.ndarray, stage: int, window: int) -> np.ndarray:
    """The positions `stage` is fitted on: those within `window` empties of its own."""
    first, last = np.flatnonzero(STAGE_OF == stage)[[0, -1]]
    return (empties >= first - window) & (empties <= last + window)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, nargs="+", help="files of 'own opp score' lines")
    parser.add_argument("--damping", type=float, default=2.0, help="LSQR damping (default: 2)")
    parser.add_argument("--window", type=int, default=2,
                        help="empties either side of a stage whose positions it is fitted on too (default: 2)")
    parser.add_argument("--out", type=Path, default=REPO / "envs" / "othello_eval.bin",
                        help="weights file to write (default: envs/othello_eval.bin)")
    args = parser.parse_args()

    own, opp, scores, held_out = read_positions(args.data)
    empties = empties_of(own, opp)
    indices = othello_pattern_indices(own, opp)
    print(f"{len(scores)} positions, {empties.min()} to {empties.max()} empties")
    stages = []
    for stage, start in enumerate(STAGE_STARTS):
        mask = fitted_on(empties, stage, args.window)
        if not mask.any():
            raise SystemExit(f"no positions for stage {stage} (from {start} empties): "
                             "widen --window or add data")
        weights, constant = fit_stage(indices[mask & ~held_out], scores[mask & ~held_out], args.damping)
        test = held_out & (STAGE_OF[empties] == stage)
        if test.any():
            error = np.abs(weights[indices[test]].sum(axis=1) + constant - scores[test]).mean()
            baseline = np.abs(scores[test] - scores[mask & ~held_out].mean()).mean()
            print(f"stage {stage} (from {start} empties): held-out mean error {error:.2f} discs "
                  f"(the mean score: {baseline:.2f})")
        stages.append(fit_stage(indices[mask], scores[mask], args.damping))
    body = np.zeros((len(stages), othello_weights_per_stage + 1), dtype="<i2")
    for stage, (weights, constant) in enumerate(stages):
        body[stage, :-1] = np.clip(np.round(weights * SCALE), -32767, 32767)
        body[stage, -1] = round(constant * SCALE)
    header = b"AOEV" + struct.pack("<4I", 1, len(stages), othello_weights_per_stage, SCALE) + bytes(STAGE_OF.tolist())
    args.out.write_bytes(header + body.tobytes())
    print(f"wrote {args.out} ({len(stages)} stages)")


if __name__ == "__main__":
    main()
