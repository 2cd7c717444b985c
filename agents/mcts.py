"""Monte Carlo tree search agents for Othello and gomoku, on arena's native search engine.

    agent = MCTSAgent("othello", simulations=2000, seed=0)
    result = play_match("othello", [agent, GreedyOthelloAgent()], seed=0)

`MCTSAgent` runs rollout MCTS (UCT with random playouts) from the position its observation
shows and plays the most visited move. It keeps the search tree between its moves: the
position after the opponent's reply is found in the tree and its subtree reused.

The search engines themselves are in `arena._native`; `make_search` and `make_self_play` build
them by game name:

- `OthelloMCTS` / `GomokuMCTS`: one game's search, rollouts or a policy/value evaluator;
- `OthelloBatchedMCTS` / `GomokuBatchedMCTS`: self-play of many games in lockstep, one
  evaluator call per round, returning `GameRecord`s (positions, visit distributions, outcomes).

    def evaluate(inputs):                  # float32 (rows, 2, N, N), the mover's planes first
        return policies, values            # (rows, num_actions) weights, (rows,) in [-1, 1]

    self_play = make_self_play("othello", batch_size=128, simulations=200, noise_fraction=0.25)
    for record in self_play.play(evaluate, games=512):
        record.planes, record.policies, record.outcomes   # inputs, policy and value targets
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arena._native import (
    GomokuBatchedMCTS,
    GomokuBoard,
    GomokuMCTS,
    OthelloBatchedMCTS,
    OthelloBoard,
    OthelloMCTS,
)
from arena.agents.base import Agent

__all__ = ["GAMES", "MCTSAgent", "board_from_observation", "make_search", "make_self_play"]

GAMES = ("othello", "gomoku")
_SEARCHES = {"othello": OthelloMCTS, "gomoku": GomokuMCTS}
_SELF_PLAY = {"othello": OthelloBatchedMCTS, "gomoku": GomokuBatchedMCTS}


def _check_game(game: str) -> str:
    if game not in GAMES:
        raise ValueError(f"MCTS plays {', '.join(GAMES)}; got game {game!r}")
    return game


def make_search(game: str, **settings: Any) -> OthelloMCTS | GomokuMCTS:
    """A single-game search for `game` with SearchConfig `settings` (simulations, seed, c_uct, ...)."""
    return _SEARCHES[_check_game(game)](**settings)


def make_self_play(game: str, **settings: Any) -> OthelloBatchedMCTS | GomokuBatchedMCTS:
    """Batched self-play for `game`; `settings` are the game's options (size, rule) and the
    SelfPlayConfig and SearchConfig settings (batch_size, simulations, noise_fraction, ...)."""
    return _SELF_PLAY[_check_game(game)](**settings)


def board_from_observation(game: str, observation: dict[str, np.ndarray],
                           rule: str = "freestyle") -> OthelloBoard | GomokuBoard:
    """The native board an env observation shows, with the observing agent to move."""
    if _check_game(game) == "othello":
        from arena.envs.othello import board_from_observation as othello_board

        return othello_board(observation)
    from arena.envs.gomoku import board_from_observation as gomoku_board

    return gomoku_board(observation, rule)


class MCTSAgent(Agent):
    """Rollout MCTS for Othello or gomoku: plays the most visited move after its search.

    - `game`: "othello" or "gomoku"; by default the env the harness seats it in.
    - `simulations`: simulations per move (None: no limit, then `time_per_move` must be set).
    - `time_per_move`: seconds of search per move (None: no limit). With both, whichever
      runs out first ends the search.
    - `seed`: seed of the search; by default drawn from the seat's seeded action space at every
      `reset`, so a match replays exactly.
    - `rule`: gomoku's rule, "freestyle" or "exact_five"; by default the env's.
    - `search_settings`: any other SearchConfig setting (c_uct, reuse_tree, max_nodes, ...).
    """

    def __init__(self, game: str | None = None, simulations: int | None = 2000, time_per_move: float | None = None,
                 seed: int | None = None, rule: str | None = None, file_path: str | None = None,
                 **search_settings: Any):
        super().__init__(file_path)
        if simulations is None and time_per_move is None:
            raise ValueError("MCTSAgent needs a budget: set simulations, time_per_move, or both")
        self.game = None if game is None else _check_game(game)
        self.seed = seed
        self.rule = rule
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
        self.search = None

    def reset(self) -> None:
        self.search = None  # a new game: a fresh tree, reseeded

    def predict(self, obs: dict[str, np.ndarray]) -> int:
        legal = np.flatnonzero(obs["action_mask"])
        if len(legal) == 1:
            return int(legal[0])  # forced (a pass, or the last square): nothing to search
        search = self._search()
        search.set_root(board_from_observation(self._game(), obs, self.rule or "freestyle"))
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

