"""marlenv's `SnakeCoop-v1` env class, `CoopSnakeEnv`: a game that ends for every snake once one dies."""

from __future__ import annotations

from typing import Any

import numpy as np

from arena.compat.marlenv.envs.snake_env import SnakeEnv


class CoopSnakeEnv(SnakeEnv):
    """`SnakeEnv` whose `step` reports every snake done as soon as any is, for teams that share a fate.

    The game itself goes on as `SnakeEnv`'s (its info stays empty until every snake is dead): reset it
    when the dones say so, as marlenv's users do.
    """

    def step(self, actions) -> tuple[np.ndarray, list[float], list[bool], dict[str, Any]]:
        observations, rewards, dones, info = super().step(actions)
        if any(dones):
            dones = [True] * self.num_snakes
        return observations, rewards, dones, info
