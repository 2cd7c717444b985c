"""Scripted baseline agents: reference opponents for tests, validation and leaderboards."""

from __future__ import annotations

from typing import Any

import numpy as np

from arena.agents.base import Agent


def legal_actions(obs: Any) -> np.ndarray | None:
    """Indices of the legal actions in a masked observation, or None if `obs` carries no mask."""
    if isinstance(obs, dict) and "action_mask" in obs:
        return np.flatnonzero(obs["action_mask"])
    return None


class RandomAgent(Agent):
    """Plays uniformly at random among the legal actions, in any env.

    Its randomness comes from the action space the harness seeds, so a match is reproducible.
    """

    def predict(self, obs: Any) -> Any:
        legal = legal_actions(obs)
        if legal is None:
            return self.action_space.sample()
        return int(legal[self.action_space.np_random.integers(len(legal))])


class GreedyOthelloAgent(Agent):
    """Othello: plays the move that turns over the most discs, ties broken at random."""

    def predict(self, obs: dict[str, np.ndarray]) -> int:
        from arena.envs.othello import board_from_observation

        legal = legal_actions(obs)
        board = board_from_observation(obs)
        flips = np.array([board.count_flips(int(move)) for move in legal])
        best = legal[flips == flips.max()]
        return int(best[self.action_space.np_random.integers(len(best))])
