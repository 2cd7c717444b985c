"""marlenv's `SnakeGraph-v1` env class, `GraphSnakeEnv`: each live snake sees five rays instead of a grid.

Each ray starts next to the snake's head and runs up to `vision_range` cells (5 when the env has
none): ahead, to the left, to the right (as the snake turns), and the two diagonals ahead-left
and ahead-right. A ray adds up the cells it crosses, each cell's planes (all `frame_stack`
frames of `SnakeEnv`'s view) divided by its distance in steps (times sqrt(2) on a diagonal),
and stops after the first cell that shows a wall in the oldest frame. A step's observation is
one (5, 8 * frame_stack) array per live snake, in the order of the snakes, cast to uint8 as
marlenv casts it (so only what adds up to 1 or more shows).

As marlenv's, the k-th live snake reads the k-th snake's view (the two differ once an earlier
snake has died) and only "snake" observers are supported. Unlike marlenv's, `observation_space`
is the shape the observations have: (num_snakes, 5, 8 * frame_stack).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from gymnasium import spaces

from arena.compat.marlenv._games import SnakeSettings
from arena.compat.marlenv.envs.snake_env import SnakeEnv
from arena.envs.snake.engine import DIRECTIONS

DEFAULT_REACH = 5  # cells a ray runs when the env has no vision_range
RAYS = 5  # ahead, left, right, ahead-left, ahead-right


class GraphSnakeEnv(SnakeEnv):
    """`SnakeEnv` whose observations are five rays per live snake; see `help(arena.compat.marlenv.envs.graph_snake_env)`."""

    env_id = "SnakeGraph-v1"

    def _setup(self, settings: SnakeSettings) -> None:
        if settings.observer != "snake":
            raise ValueError("arena.compat.marlenv: SnakeGraph-v1 casts its rays as the snake turns; it takes "
                             f"observer='snake' only (as marlenv's), got {settings.observer!r}")
        super()._setup(settings)
        reach = self.vision_range or DEFAULT_REACH
        most = int(sum(1 / step for step in range(1, reach + 1)))  # a ray of cells that all show a plane
        self._ray_high = most
        self.observation_space = spaces.Box(0, most, (self.num_snakes, RAYS, self.obs_ch), np.uint8)

    def snake_observation_space(self) -> spaces.Box:
        """One live snake's rays, (5, 8 * frame_stack)."""
        return spaces.Box(0, self._ray_high, (RAYS, self.obs_ch), np.uint8)  # not observation_space: old gym's lists

    def _init_obs(self) -> np.ndarray:
        return self._process_obs(super()._init_obs())

    def _get_obs(self) -> np.ndarray:
        return self._process_obs(super()._get_obs())

    def _process_obs(self, obs: Any) -> np.ndarray:
        """The rays of every live snake, from the snakes' views `obs` (one per snake)."""
        # marlenv's views are float32 grids, or float64 windows: the same sums, rounded alike.
        views = np.asarray(obs, np.float64 if self.vision_range else np.float32)
        games = self.core.games
        live = np.flatnonzero(games.alive[0])
        return np.array([self._rays(views[k], i) for k, i in enumerate(live)])

    def _rays(self, view: np.ndarray, snake: int) -> np.ndarray:
        """Snake `snake`'s five rays through `view`."""
        games = self.core.games
        heading = games.heading[0, snake]
        ahead, left, right = (np.array(DIRECTIONS[(heading + turn) % 4]) for turn in (0, -1, 1))
        # The view's cell of the head: the window's centre, or the head on the grid with its ring of walls.
        start = np.full(2, self.vision_range) if self.vision_range else games.head[0, snake] + 1
        reach = self.vision_range or DEFAULT_REACH
        return np.stack([_ray(view, start, way, reach, scale) for way, scale in
                         ((ahead, 1.0), (left, 1.0), (right, 1.0), (ahead + left, math.sqrt(2)),
                          (ahead + right, math.sqrt(2)))])


def _ray(view: np.ndarray, start: np.ndarray, way: np.ndarray, reach: int, scale: float) -> np.ndarray:
    """The cells from `start` along `way`, each divided by its distance (times `scale`), up to a wall."""
    total = np.zeros(view.shape[-1])
    for step in range(1, reach + 1):
        r, c = start + way * step
        cell = view[r, c]
        total += cell / (step * scale)
        if cell[0] == 1:  # the oldest frame's wall plane
            break
    return total


__all__ = ["GraphSnakeEnv"]
