"""marlenv's `core.snake`: its `Direction` enum, and `SnakeView`, one snake of arena's engine read as
marlenv's `Snake` (what `SnakeEnv.snakes` lists)."""

from __future__ import annotations

from enum import Enum

import numpy as np

from arena.envs.snake.engine import SnakeGames


class Direction(Enum):
    """A heading as marlenv's: the (row, column) step it makes. `coord + direction` is the next cell."""

    UP = (-1, 0)
    RIGHT = (0, 1)
    DOWN = (1, 0)
    LEFT = (0, -1)

    def __radd__(self, coord: tuple[int, int]) -> tuple[int, int]:
        return coord[0] + self.value[0], coord[1] + self.value[1]

    def __rsub__(self, coord: tuple[int, int]) -> tuple[int, int]:
        return coord[0] - self.value[0], coord[1] - self.value[1]


HEADINGS = (Direction.UP, Direction.RIGHT, Direction.DOWN, Direction.LEFT)  # the engine's, clockwise from up


class SnakeView:
    """Snake `idx` of game `game` of `games`, read as marlenv's `Snake`, in marlenv's grid coordinates
    (the ring of walls included: the engine's cell (r, c) is (r + 1, c + 1)). Read-only: it follows the game.

    A dead snake has left the board: `coords` is empty and `len()` 0, while `head_coord` and
    `direction` stay where it last was and went (`tail_coord` is then its head's)."""

    __slots__ = ("_games", "_game", "_idx")

    def __init__(self, games: SnakeGames, game: int, idx: int):
        self._games, self._game, self._idx = games, game, idx

    @property
    def idx(self) -> int:
        return self._idx

    @property
    def alive(self) -> bool:
        return bool(self._games.alive[self._game, self._idx])

    @property
    def direction(self) -> Direction:
        return HEADINGS[int(self._games.heading[self._game, self._idx])]

    @property
    def head_coord(self) -> tuple[int, int]:
        row, col = self._games.head[self._game, self._idx]
        return int(row) + 1, int(col) + 1

    @property
    def coords(self) -> list[tuple[int, int]]:
        """The snake's cells from head to tail: the head holds the most steps of `life`, the tail one."""
        cells = np.argwhere(self._games.owner[self._game] == self._idx + 1)
        life = self._games.life[self._game][cells[:, 0], cells[:, 1]]
        return [(int(row) + 1, int(col) + 1) for row, col in cells[np.argsort(-life)]]

    @property
    def tail_coord(self) -> tuple[int, int]:
        coords = self.coords
        return coords[-1] if coords else self.head_coord

    def __len__(self) -> int:
        return len(self.coords)

    def __repr__(self) -> str:
        return f"SnakeView(idx={self._idx}, alive={self.alive}, head_coord={self.head_coord}, {self.direction})"


__all__ = ["Direction", "SnakeView"]
