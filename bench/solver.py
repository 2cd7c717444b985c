"""Othello endgame solver: the FFO test suite solved exactly, nodes and time per position.

    python bench/solver.py                          # FFO #1-19 and #20-39
    python bench/solver.py --sets 40-59 --time-limit 120
    python bench/solver.py --sets 20-39 --threads 2       # two threads sharing the search
    python bench/solver.py --sets 55 --threads 2          # one position (or a range, 53-58): its own section
    python bench/solver.py --sets 1-19 20-39 --record   # also write the tables into bench/RESULTS.md
    python bench/solver.py --sets --duel 40 --record    # MCTSAgent with the endgame solver against itself without
    python bench/solver.py --sets --duel 100 --alphazero --simulations 50 --openings 8   # AlphaZeroAgent

Each position is solved from scratch (a fresh transposition table) by `arena.envs.othello.solve`
on --threads threads (default one); its score is checked against the published exact score in
tests/fixtures/ffo.obf. A position not solved within --time-limit seconds is listed as such.
Node counts do not depend on the machine (on one thread), so they compare with other solvers'
published counts: Edax's are given per set where published (per position they are not). The
solver counts nodes as Edax does: every position searched, and every position looked at to order
moves. The wall time of the whole set is printed too.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from arena._native import othello_solver_build
from arena.envs.othello import read_obf, solve
from results import command_line, record

ROOT = Path(__file__).resolve().parent.parent
FFO = ROOT / "tests" / "fixtures" / "ffo.obf"
NETWORK = ROOT / "submissions" / "alphazero_othello" / "network.pt"
SETS = {"1-19": range(1, 20), "20-39": range(20, 40), "40-59": range(40, 60)}
PROBLEMS = 59  # in the fixture
# Edax's published node counts for whole sets (its own runs; not per position).
EDAX_NODES = {
    "20-39": ("111,349,635", "Edax 4.4 (x64-modern build, one thread), its README"),
    "40-59": ("27.5e9", "Edax 4.5.5 on a Core i9-13900K, all threads, as quoted in the issue"),
}


def positions(name: str) -> range:
    """The FFO numbers of a set: a named one, a range `FIRST-LAST` or one number."""
    if name in SETS:
        return SETS[name]
    first, _, last = name.partition("-")
    try:
        numbers = range(int(first), int(last or first) + 1)
    except ValueError:
        numbers = range(0)
    if not numbers or numbers[0] < 1 or numbers[-1] > PROBLEMS:
        raise ValueError(f"{name!r}: give 1-19, 20-39, 40-59, a range such as 53-58 or one number "
                                         f"from 1 to {PROBLEMS}")
    return numbers


def solve_set(name: str, time_limit: float | None, threads: int) -> tuple[list[str], int, float, int, int]:
    problems = read_obf(FFO)
    rows, nodes, seconds, solved, exact = [], 0, 0.0, 0, 0
    for number in positions(name):
        problem = problems[number - 1]
        board = problem.board
        empties = board.empties
        result = solve(board, time_limit=time_limit, threads=threads)
        if not result.complete:
            rows.append(f"| {number} | {empties} | {problem.best_score:+d} | not solved within {time_limit:g} s "
                        f"| | {result.nodes:,}+ | {result.seconds:.1f}+ |")
            print(rows[-1], flush=True)
            continue
        ok = result.score == problem.best_score
        solved += 1
        exact += ok
        nodes += result.nodes
        seconds += result.seconds
        rows.append(f"| {number} | {empties} | {problem.best_score:+d} | {result.score:+d} {'ok' if ok else 'WRONG'} "
                    f"| {result.best_move_name} | {result.nodes:,} | {result.seconds:.2f} |")
        print(rows[-1], flush=True)
    return rows, nodes, seconds, solved, exact


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--sets", nargs="*", default=["1-19", "20-39"],
                        help="sets to solve: 1-19, 20-39, 40-59, or any range or number (default: 1-19 20-39)")
    parser.add_argument("--duel", type=int, default=0, metavar="GAMES",
                        help="also play an agent with the solver against itself without, GAMES games")
    parser.add_argument("--simulations", type=int, default=1000, help="the duel's simulations a move (default: 1000)")
    parser.add_argument("--alphazero", action="store_true",
                        help=f"the duel's agents are AlphaZeroAgent with {NETWORK.relative_to(ROOT)} (default: MCTSAgent)")
    parser.add_argument("--openings", type=int, default=0, metavar="PLIES",
                        help="each pair of duel games starts from the same PLIES random moves (default: 0)")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per position (default: none)")
    parser.add_argument("--threads", type=int, default=1, help="search threads per position (default: 1)")
    args = parser.parse_args()
    for name in args.sets:
        try:
            positions(name)
        except ValueError as exc:
            parser.error(f"--sets {exc}")

    for name in args.sets:
        print(f"FFO #{name}", flush=True)
        started = time.perf_counter()
        rows, nodes, seconds, solved, exact = solve_set(name, args.time_limit, args.threads)
        wall = time.perf_counter() - started
        edax = EDAX_NODES.get(name)
        summary = (f"{solved} of {len(positions(name))} solved, {exact} with the published score; "
                   f"{nodes:,} nodes in {seconds:.1f} s ({nodes / max(seconds, 1e-9) / 1e6:.1f} M nodes/s); "
                   f"the whole set in {wall:.1f} s of wall time")
        if edax:
            summary += f". Edax: {edax[0]} nodes for the set ({edax[1]})"
        else:
            summary += ". Edax: no published node count for this set was found"
        print(summary, flush=True)
        table = ["| FFO # | empties | published | solver | best move | nodes | seconds |",
                 "| ---: | ---: | ---: | --- | --- | ---: | ---: |", *rows]
        if args.record:
            load = os.getloadavg()[0]
            body = ("`arena.envs.othello.solve` from scratch on each position, "
                    + f"its {othello_solver_build()} build (ARENA_OTHELLO_SIMD=none: the baseline one), "
                    + ("one thread" if args.threads == 1 else f"{args.threads} threads")
                    + (f", at most {args.time_limit:g} s a position" if args.time_limit else "")
                    + f". Load average (1 min) at the end: {load:.1f} (the machine is shared: times are noisy,"
                    " node counts are not). Edax's own `-solve` could not be run here: its solver needs the"
                    " eval.dat weights, which come only in its release archives, out of this machine's reach."
                    "\n\n" + "\n".join(table) + f"\n\n{summary}.")
            record(f"Othello endgame solver: FFO #{name}", body)
    if args.duel:
        duel(args.duel, args.simulations, args.record, args.alphazero, args.openings)


def duel(games: int, simulations: int, write: bool, alphazero: bool = False, openings: int = 0) -> None:
    """An agent with the solver (default SOLVE_EMPTIES) against the same agent without, seats alternating.

    MCTSAgent (rollouts) by default, AlphaZeroAgent with the submitted network when `alphazero`;
    with `openings` plies, games 2k and 2k + 1 start from the same random opening."""
    import numpy as np

    from arena.agents.alphazero import AlphaZeroAgent
    from arena.agents.mcts import MCTSAgent
    from arena.envs.othello import OthelloBoard
    from arena.search import SOLVE_EMPTIES

    def make_agent(seed: int, solve_empties: int):
        if alphazero:
            return AlphaZeroAgent(NETWORK, simulations=simulations, seed=seed, solve_empties=solve_empties)
        return MCTSAgent("othello", simulations=simulations, seed=seed, solve_empties=solve_empties)

    wins = draws = losses = 0
    for game in range(games):
        solver_side = game % 2  # 0: the agent with the solver plays black
        agents = [make_agent(1000 + 2 * game + seat, SOLVE_EMPTIES if seat == solver_side else 0) for seat in (0, 1)]
        board = OthelloBoard()
        rng = np.random.default_rng(game // 2)
        for _ in range(openings):
            if board.is_game_over():
                break
            legal = board.legal_moves()
            board.play(int(legal[rng.integers(len(legal))]))
        while not board.is_game_over():
            obs = {"observation": board.observation(), "action_mask": board.action_mask()}
            board.play(int(agents[board.to_move].predict(obs)))
        black, white = board.score()
        diff = (black - white) * (1 if solver_side == 0 else -1)
        wins, draws, losses = wins + (diff > 0), draws + (diff == 0), losses + (diff < 0)
        print(f"game {game + 1}: solver side {'black' if solver_side == 0 else 'white'}, disc difference {diff:+d}",
              flush=True)
    score = (wins + draws / 2) / games
    if alphazero:
        who = f"AlphaZeroAgent ({NETWORK.relative_to(ROOT)}, {simulations} PUCT simulations a move)"
    else:
        who = f"MCTSAgent ({simulations} rollout simulations a move)"
    start = (f"the same {openings} random moves for each pair of games" if openings
             else "the start position")
    summary = (f"{who} with the solver from {SOLVE_EMPTIES} empties against itself without, {games} games from "
               f"{start}, seats alternating: {wins} wins, {draws} draws, {losses} losses, score {score:.0%}.")
    print(summary)
    if write:
        name = "AlphaZeroAgent" if alphazero else "MCTSAgent"
        record(f"Othello endgame solver: {name} with and without it", summary)


if __name__ == "__main__":
    main()
