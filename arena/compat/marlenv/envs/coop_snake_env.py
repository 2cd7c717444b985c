"""marlenv's `SnakeCoop-v1` env class, `CoopSnakeEnv`: a game that ends for every snake once one dies."""

from __future__ import annotations

from dataclasses import replace

from arena.compat.marlenv._games import SnakeSettings
from arena.compat.marlenv.envs.snake_env import SnakeEnv


class CoopSnakeEnv(SnakeEnv):
    """`SnakeEnv` whose game is over for every snake as soon as any is done, for teams that share a fate:
    that step reports every snake done, with the episode's ranks and figures in its info, as
    marlenv's does. Reset it then, as marlenv's users do."""

    env_id = "SnakeCoop-v1"

    def _setup(self, settings: SnakeSettings) -> None:
        super()._setup(replace(settings, team=True))

    def _done_fn(self, dones: list[bool]) -> bool:
        """Over once any snake is done."""
        return any(dones)
