"""Positions with their exact scores, for fitting the Othello endgame solver's evaluation.

    python tools/othello_eval_data.py --out replies.txt                          # 45 minutes on two cores
    python tools/fit_othello_eval.py replies.txt                                 # a first evaluation
    python tools/othello_eval_data.py --policy evaluation --out evaluation.txt   # 24 minutes, steered by it
    python tools/fit_othello_eval.py replies.txt evaluation.txt                  # the shipped weights

Each game is played from the start position with noisy moves down to `--start` empty squares (by
`--policy`: `replies`, often random, else the move that leaves the fewest replies; `evaluation`, now
and then random, else the best by the evaluation in envs/othello_eval.bin, for positions nearer to
those of strong play: the shipped weights are fitted on both, the second steered by weights fitted
on the first alone); from there the solver scores every legal move exactly (`solve_moves`), and
the game goes on by the best move (or, now and then, a random one) down to `--stop` empties.
Every position met there and every position one move after it is written with its exact final
disc difference for the side to move: a line `own opp score`, the bitboards of the side to move
and of the other side, as decimal integers.
Game `i` depends only on `--seed` and `i`, so a run is reproducible on any number of processes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
from pathlib import Path

from arena._native import OthelloBoard, othello_evaluate
from arena.envs.othello import load_evaluation, solve_moves

# Chance of a random move on the way to --start empties, by policy.
RANDOM_OPENING_MOVE = {"replies": 0.4, "evaluation": 0.15}
RANDOM_ENDGAME_MOVE = 0.3  # chance of a random move instead of the best one after that


def sides(board: OthelloBoard) -> tuple[int, int]:
    """The bitboards of the side to move and of the other side."""
    return (board.black, board.white) if board.to_move == 0 else (board.white, board.black)


def replies(board: OthelloBoard, move: int) -> int:
    after = board.copy()
    after.play(move)
    return len(after.legal_moves())


def evaluation_after(board: OthelloBoard, move: int) -> float:
    """The shipped evaluation of the position `move` leads to, for the side to move there."""
    after = board.copy()
    after.play(move)
    return othello_evaluate(after)


def opening_move(board: OthelloBoard, rng: random.Random, policy: str) -> int:
    moves = board.legal_moves()
    if rng.random() < RANDOM_OPENING_MOVE[policy]:
        return rng.choice(moves)
    if policy == "replies":
        return min(moves, key=lambda move: replies(board, move) + 3 * rng.random())
    return min(moves, key=lambda move: evaluation_after(board, move) + 4 * rng.random())


def scored_positions(seed: int, index: int, start: int, stop: int,
                     policy: str = "replies") -> list[tuple[int, int, int]]:
    """(own, opp, exact score) of the positions of game `index`: empty when it ended too early."""
    if policy == "evaluation" and not load_evaluation():
        raise SystemExit("--policy evaluation plays by envs/othello_eval.bin, which is missing or damaged: "
                         "fit one first (python tools/fit_othello_eval.py replies.txt)")
    rng = random.Random(seed * 1_000_003 + index)
    board = OthelloBoard(8)
    while board.empties > start:
        if board.is_game_over():
            return []
        if board.must_pass():
            board.play(board.pass_move)
            continue
        board.play(opening_move(board, rng, policy))
    found = []
    while board.empties >= stop and not board.is_game_over():
        if board.must_pass():
            board.play(board.pass_move)
            continue
        scored = solve_moves(board)
        found.append((*sides(board), scored[0][1]))
        for move, score in scored:
            after = board.copy()
            after.play(move)
            found.append((*sides(after), -score))
        moves = [move for move, _ in scored]
        board.play(rng.choice(moves) if rng.random() < RANDOM_ENDGAME_MOVE else moves[0])
    return found


def _game(job: tuple[int, int, int, int, str]) -> list[tuple[int, int, int]]:
    return scored_positions(*job)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--games", type=int, default=6000, help="games to play (default: 6000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the games (default: 0)")
    parser.add_argument("--first-game", type=int, default=0, help="index of the first game, to extend a run")
    parser.add_argument("--start", type=int, default=18, help="empties where exact scoring starts (default: 18)")
    parser.add_argument("--stop", type=int, default=10, help="empties where it stops (default: 10)")
    parser.add_argument("--policy", choices=sorted(RANDOM_OPENING_MOVE), default="replies",
                        help="how moves are chosen down to --start (default: replies)")
    parser.add_argument("--processes", type=int, default=None, help="worker processes (default: one a CPU)")
    parser.add_argument("--out", type=Path, required=True, help="file the positions are appended to")
    args = parser.parse_args()
    jobs = [(args.seed, index, args.start, args.stop, args.policy)
            for index in range(args.first_game, args.first_game + args.games)]
    started, written = time.monotonic(), 0
    with multiprocessing.Pool(args.processes) as pool, args.out.open("a") as out:
        for done, positions in enumerate(pool.imap(_game, jobs, chunksize=4), 1):
            out.writelines(f"{own} {opp} {score}\n" for own, opp, score in positions)
            written += len(positions)
            if done % 100 == 0 or done == len(jobs):
                out.flush()
                print(f"\r{done}/{len(jobs)} games, {written} positions, {time.monotonic() - started:.0f} s",
                      end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


if __name__ == "__main__":
    main()
