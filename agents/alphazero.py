"""AlphaZero agents: PUCT search on arena's native engine, guided by a trained policy/value network.

    agent = AlphaZeroAgent("submissions/alphazero_othello/network.pt", simulations=200)
    result = play_match("othello", [agent, MCTSAgent("othello")], seed=0)

The network file (written by `arena train othello --algo alphazero` or `save_network`) says
which game and board size it plays. Each move runs `simulations` PUCT simulations from the
observed position, scoring `leaves_per_call` leaves per network call (kept apart by virtual
loss), and plays the most visited move; the tree is kept between moves.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from arena.agents.base import Agent
from arena.search import (SOLVE_EMPTIES, board_from_observation, endgame_move, limit_to_move, load_endgame, make_search,
                          move_time)

__all__ = ["AlphaZeroAgent"]


class AlphaZeroAgent(Agent):
    """PUCT search with a policy/value network: plays the most visited move.

    - `weights`: the network file (also accepted as `file_path`, the harness's name for it).
    - `simulations`: simulations per move.
    - `leaves_per_call`: leaves the network scores at once (1 is the strongest for a budget;
      more is faster per simulation).
    - `seed`: seed of the search (ties and virtual loss make it matter little).
    - `threads`: torch threads of the network.
    - `solve_empties`: Othello (8 x 8) positions with at most this many empty squares are solved
      exactly instead of searched (within half of `time_limit` when set, `SOLVE_SHARE`; where the
      solver does not finish, the search plays in the rest of the move's time); 0 or None turns it off.
    - `search_settings`: any other SearchConfig setting (c_puct, reuse_tree, time_limit, ...);
      `leaf_playouts=k` values leaves by k random playouts, the network giving the priors alone. A
      `time_limit` is kept within MOVE_SHARE of the time a move of the game it is seated in.
    """

    def __init__(self, weights: str | Path | None = None, simulations: int = 200, leaves_per_call: int = 4,
                 seed: int = 0, file_path: str | None = None, threads: int = 1,
                 solve_empties: int | None = SOLVE_EMPTIES, **search_settings: Any):
        super().__init__(file_path if weights is None else str(weights))
        if self.file_path is None:
            raise ValueError("AlphaZeroAgent needs its network: AlphaZeroAgent('network.pt') or file_path=...")
        self.simulations = simulations
        self.leaves_per_call = leaves_per_call
        self.settings = dict(search_settings, simulations=simulations, seed=seed)
        self.threads = threads
        self.solve_empties = solve_empties
        self.network = None
        self.evaluator = None
        self.rule = "freestyle"  # gomoku's; the env's once seated
        self.search = None

    def _initialize(self) -> None:
        import torch

        from arena.search.network import Evaluator, load_network

        torch.set_num_threads(self.threads)
        self.network = load_network(self.file_path)
        self.evaluator = Evaluator(self.network)
        spec, env = self.network.spec, getattr(self, "env", None)
        env_name = getattr(env, "env_name", None)
        if env_name is not None and env_name != spec.game:
            raise ValueError(f"{self.file_path} is a {spec.game} network; it was seated in {env_name!r}")
        space = getattr(self, "observation_space", None)
        if space is not None and space["observation"].shape[0] != spec.size:
            raise ValueError(f"{self.file_path} plays {spec.size}x{spec.size} {spec.game}; the env's board is "
                             f"{space['observation'].shape[0]}x{space['observation'].shape[0]}")
        self.rule = getattr(env, "options", {}).get("rule", "freestyle")
        load_endgame(spec.game, self.solve_empties)
        # The network's first call sets torch's kernels up (tens of milliseconds): made here, on the start's
        # budget, not on its first move's clock.
        self.evaluator(np.zeros((self.leaves_per_call, 2, spec.size, spec.size), np.float32))
        self.search = None

    def reset(self) -> None:
        self.search = None  # a new game: a fresh tree

    def predict(self, obs: dict[str, np.ndarray]) -> int:
        legal = np.flatnonzero(obs["action_mask"])
        if len(legal) == 1:
            return int(legal[0])
        if self.evaluator is None:
            self._initialize()
        started = time.monotonic()
        game = self.network.spec.game
        board = board_from_observation(game, obs, self.rule)
        time_limit = move_time(self.settings.get("time_limit") or None, self.time_control)
        solved = endgame_move(game, board, self.solve_empties, time_limit)
        if solved is not None:
            return solved
        if self.search is None:
            self.search = make_search(game, **self.settings)
        limit_to_move(self.search, time_limit, started)
        self.search.search(board, evaluator=self.evaluator, leaves_per_call=self.leaves_per_call)
        return int(self.search.best_action())
