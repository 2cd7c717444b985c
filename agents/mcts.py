"""Monte Carlo tree search agents for Othello and gomoku, on arena's native search engine.

    agent = MCTSAgent("othello", simulations=2000, seed=0)
    result = play_match("othello", [agent, GreedyOthelloAgent()], seed=0)

`MCTSAgent` runs rollout MCTS (UCT with random playouts) from the position its observation
shows and plays the most visited move. It keeps the search tree between its moves: the
position after the opponent's reply is found in the tree and its subtree reused.

The search engine it plays on (`make_search`, `make_self_play`, `play_duel`, ...) lives in
`arena.search`, shared with AlphaZero's training; its names are importable from here too.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from arena._native import GomokuMCTS, OthelloMCTS
from arena.agents.base import Agent
from arena.search import (  # noqa: F401  (re-exported: this module was their home)
    GAMES,
    ROLLOUTS,
    SOLVE_EMPTIES,
    SOLVE_SHARE,
    DuelResult,
    DuelSide,
    board_from_observation,
    check_game,
    endgame_move,
    limit_to_move,
    load_endgame,
    make_search,
    make_self_play,
    move_time,
    play_duel,
    policy_evaluator,
)

__all__ = ["GAMES", "ROLLOUTS", "SOLVE_EMPTIES", "DuelResult", "DuelSide", "MCTSAgent", "board_from_observation",
           "endgame_move", "make_search", "make_self_play", "play_duel", "policy_evaluator"]


class MCTSAgent(Agent):
    """Rollout MCTS for Othello or gomoku: plays the most visited move after its search.

    - `game`: "othello" or "gomoku"; by default the env the harness seats it in.
    - `simulations`: simulations per move (None: no limit, then `time_per_move` must be set).
    - `time_per_move`: seconds of search per move (None: no limit), within MOVE_SHARE of the
      time a move of the game it is seated in (`time_control`). With both, whichever runs out
      first ends the search.
    - `seed`: seed of the search; by default drawn from the seat's seeded action space at every
      `reset`, so a match replays exactly.
    - `rule`: gomoku's rule, "freestyle" or "exact_five"; by default the env's.
    - `solve_empties`: Othello (8 x 8) positions with at most this many empty squares are solved
      exactly instead of searched, within half of `time_per_move` (`SOLVE_SHARE`; where the
      solver does not finish, the search plays in the rest of the move's time); 0 or None turns
      it off.
    - `search_settings`: any other SearchConfig setting (c_uct, reuse_tree, max_nodes, ...).
    """

    def __init__(self, game: str | None = None, simulations: int | None = 2000, time_per_move: float | None = None,
                 seed: int | None = None, rule: str | None = None, file_path: str | None = None,
                 solve_empties: int | None = SOLVE_EMPTIES, **search_settings: Any):
        super().__init__(file_path)
        if simulations is None and time_per_move is None:
            raise ValueError("MCTSAgent needs a budget: set simulations, time_per_move, or both")
        self.game = None if game is None else check_game(game)
        self.seed = seed
        self.rule = rule
        self.solve_empties = solve_empties
        self.time_per_move = time_per_move
        self.settings = dict(search_settings, simulations=simulations or 0, time_limit=time_per_move or 0.0)
        self.search: OthelloMCTS | GomokuMCTS | None = None
        self.last_stats = None  # SearchStats of the last move's search

    def _initialize(self) -> None:
        env_name = getattr(self.env, "env_name", None)
        if self.game is None:
            if env_name not in GAMES:
                raise ValueError(f"MCTSAgent plays {', '.join(GAMES)}; it was seated in {env_name!r}")
            self.game = env_name
        if self.rule is None:
            self.rule = getattr(self.env, "options", {}).get("rule", "freestyle")
        load_endgame(self.game, self.solve_empties)
        self.search = None

    def reset(self) -> None:
        self.search = None  # a new game: a fresh tree, reseeded

    def predict(self, obs: dict[str, np.ndarray]) -> int:
        legal = np.flatnonzero(obs["action_mask"])
        if len(legal) == 1:
            return int(legal[0])  # forced (a pass, or the last square): nothing to search
        started = time.monotonic()
        board = board_from_observation(self._game(), obs, self.rule or "freestyle")
        time_limit = move_time(self.time_per_move, self.time_control)
        solved = endgame_move(self._game(), board, self.solve_empties, time_limit)
        if solved is not None:
            return solved
        search = self._search()
        limit_to_move(search, time_limit, started)
        search.set_root(board)
        self.last_stats = search.search()
        return int(search.best_action())

    def _game(self) -> str:
        if self.game is None:
            raise ValueError("MCTSAgent does not know its game: pass game='othello' or 'gomoku', or call get_env_info")
        return self.game

    def _search(self) -> OthelloMCTS | GomokuMCTS:
        if self.search is None:
            self.search = make_search(self._game(), seed=self._episode_seed(), **self.settings)
        return self.search

    def _episode_seed(self) -> int:
        if self.seed is not None:
            return self.seed
        space = getattr(self, "action_space", None)
        return int(space.np_random.integers(2**63)) if space is not None else 0

