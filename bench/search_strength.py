"""MCTS strength: MCTSAgent at 2000 simulations a move against Othello's baseline agents.

    python bench/search_strength.py            # print the results
    python bench/search_strength.py --record   # also write them into bench/RESULTS.md

100 games against each opponent through `play_match` (the harness's game loop), MCTS taking
black in even games and white in odd ones, game i played with seed i. Targets: at least 98
wins in 100 against RandomAgent and at least 90 against GreedyOthelloAgent.
"""

from __future__ import annotations

import time

from arena.agents import GreedyOthelloAgent, RandomAgent
from arena.agents.mcts import MCTSAgent
from arena.match import play_match
from results import command_line, record

SIMULATIONS = 2000
GAMES = 100
TARGETS = {"RandomAgent": 98, "GreedyOthelloAgent": 90}


def play(opponent_class, games: int, simulations: int) -> dict[str, float]:
    wins = draws = 0
    discs = 0
    started = time.perf_counter()
    for game in range(games):
        mcts, opponent = MCTSAgent("othello", simulations=simulations), opponent_class()
        seats = [mcts, opponent] if game % 2 == 0 else [opponent, mcts]
        scores = []
        result = play_match("othello", seats, seed=game, on_step=lambda env, seen=scores: seen.append(env.unwrapped.board.score()))
        mine = result.agents[game % 2].name
        wins += result.winner == mine
        draws += result.winner is None
        black, white = scores[-1]
        discs += (black - white) if game % 2 == 0 else (white - black)
    return {"wins": wins, "draws": draws, "losses": games - wins - draws, "margin": discs / games,
            "seconds": time.perf_counter() - started}


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--games", type=int, default=GAMES, help=f"games per opponent (default {GAMES})")
    args = parser.parse_args()
    rows = []
    for opponent in (RandomAgent, GreedyOthelloAgent):
        r = play(opponent, args.games, SIMULATIONS)
        name = opponent.__name__
        rows.append(f"| {name} | {r['wins']} | {r['draws']} | {r['losses']} | {r['margin']:+.1f} | "
                    f"at least {TARGETS[name]} | {r['seconds']:.0f} s |")
        print(rows[-1])
    body = f"""
MCTSAgent (rollout MCTS, {SIMULATIONS} simulations a move, UCT c = 2, tree kept between moves) against
each opponent, {args.games} games through `play_match`, seats alternating, game i with seed i:

| opponent | MCTS wins | draws | losses | mean disc margin | target wins | time |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}
"""
    if args.record:
        record("Search: MCTS strength in Othello", body)


if __name__ == "__main__":
    main()
