"""Gomoku (five in a row): two players take turns placing stones; the first to line up five wins.

A PettingZoo AEC environment (`arena.envs.make("gomoku")`) on the native bitboard engine.

## Agents
`player_0` plays black and moves first; `player_1` plays white.

## Action space
`Discrete(N * N)` for an N x N board (N = 15 by default): action `row * N + col` places a stone
there (row 0 is rank 1, col 0 is file a; OpenSpiel's numbering, so h8 on 15 x 15 is 112). There
is no pass.

## Observation space
A dict, as in PettingZoo's classic games:

| key | shape | dtype | meaning |
| --- | --- | --- | --- |
| `observation` | (N, N, 2) | uint8 | `[r, c, 0]` = 1 where the observing agent has a stone, `[r, c, 1]` = 1 for the opponent |
| `action_mask` | (N * N,) | int8 | 1 on every empty square for the agent to move; all 0 for the agent not to move |

## Rewards
When the game ends: +1 to the player who completed a line, -1 to the other, 0 to both on a draw.
Every other step gives 0.

## Starting state
An empty board; black to move.

## Episode end
Terminated when a move completes a winning line through it (horizontal, vertical or diagonal),
or when the board is full (a draw). Never truncated.

## Arguments
- `size`: board side, 5 to 19 (default 15).
- `rule`: `"freestyle"` (default: five or more in a row wins) or `"exact_five"` (exactly five
  wins; a line of six or more, an overline, does not).
- `render_mode`: `"rgb_array"` (the board as an (H, W, 3) uint8 array, the winning line drawn
  through its stones), `"human"` (a pygame window) or `"ansi"` (a text board).

## Native engine
`GomokuBoard` is the bitboard position behind the env: play, undo, copy, legal moves, the
winning line, `winning_moves()` (the squares that would complete a line at once), `perft(depth)`,
and a text position format that round-trips: N*N characters row by row from a1 (`-` empty,
`X` black, `O` white), a space, then the side to move.

Clock in arena's harness: 1 s a move plus a 5 s bank for the whole game (`arena envs`);
organisers set their own, and an agent is charged only its own time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pettingzoo import AECEnv

from arena._native import GomokuBoard
from arena.envs.board_game import COLOR_NAMES, BoardGameEnv, with_standard_checks

__all__ = ["RULES", "GomokuBoard", "board_from_observation", "env", "raw_env"]

RULES = ("freestyle", "exact_five")
MIN_SIZE, MAX_SIZE = 5, 19


def board_from_observation(observation: dict[str, np.ndarray] | np.ndarray, rule: str = "freestyle") -> GomokuBoard:
    """The position an observation shows, with the observing agent to move.

    Black moves first, so the observer is black when both have as many stones, white otherwise.
    """
    planes = np.asarray(observation["observation"] if isinstance(observation, dict) else observation)
    mine, theirs = planes[..., 0] == 1, planes[..., 1] == 1
    observer_is_black = mine.sum() == theirs.sum()
    cells = np.full(planes.shape[:2], "-", dtype="<U1")
    cells[mine] = "X" if observer_is_black else "O"
    cells[theirs] = "O" if observer_is_black else "X"
    return GomokuBoard.from_string("".join(cells.ravel()) + (" X" if observer_is_black else " O"), rule)


def env(**kwargs: Any) -> AECEnv:
    """The gomoku env with PettingZoo's standard checks (illegal move ends the game, order of calls)."""
    return with_standard_checks(raw_env(**kwargs))


class raw_env(BoardGameEnv):
    """Gomoku without wrappers; see the module docstring for the full specification."""

    metadata = {
        "name": "gomoku_v0",
        "render_modes": ["human", "rgb_array", "ansi"],
        "is_parallelizable": False,
        "render_fps": 2,
    }

    def __init__(self, size: int = 15, rule: str = "freestyle", render_mode: str | None = None):
        if not (isinstance(size, int) and MIN_SIZE <= size <= MAX_SIZE):
            raise ValueError(f"gomoku: size must be an integer from {MIN_SIZE} to {MAX_SIZE}, got {size!r}")
        if rule not in RULES:
            raise ValueError(f"gomoku: rule must be one of {', '.join(RULES)}, got {rule!r}")
        self.size = size
        self.rule = rule
        super().__init__(render_mode)

    def _new_board(self) -> GomokuBoard:
        return GomokuBoard(self.size, self.rule)

    def _new_renderer(self) -> _BoardPicture:
        return _BoardPicture(self.size)

    def outcome_text(self) -> str:
        """How the game ended, e.g. 'black wins: five from d4 to h8' or 'draw: the board is full'."""
        return _status_line(self.board)


class _BoardPicture:
    """Draws a gomoku position: a wooden board, stones on the intersections, the last move, the winning line."""

    BOARD_PIXELS = 480
    MARGIN = 32
    STATUS_HEIGHT = 80  # the players, then the status line
    WOOD = (220, 179, 92)
    LINE = (60, 40, 20)
    INK = (40, 25, 10)
    STONE_FILL = ((25, 25, 25), (240, 240, 235))
    STONE_EDGE = ((5, 5, 5), (120, 120, 120))
    LAST_MOVE = (220, 50, 50)
    WIN_LINE = (200, 30, 30)

    def __init__(self, size: int):
        import pygame

        self.size = size
        self.cell = self.BOARD_PIXELS // size
        side = 2 * self.MARGIN + self.cell * size
        # Video encoders want both sides divisible by 16.
        self.surface = pygame.Surface((-(-side // 16) * 16, -(-(side + self.STATUS_HEIGHT) // 16) * 16))

    def _center(self, move: int) -> tuple[int, int]:
        row, col = divmod(move, self.size)
        return (self.MARGIN + col * self.cell + self.cell // 2, self.MARGIN + row * self.cell + self.cell // 2)

    def draw(self, board: GomokuBoard, names: list[str]):
        import pygame
        from arena.envs.rendering import draw_disc, draw_player, draw_text

        s, m, c, n = self.surface, self.MARGIN, self.cell, self.size
        s.fill(self.WOOD)
        first, last = m + c // 2, m + c // 2 + (n - 1) * c
        for i in range(n):
            pygame.draw.line(s, self.LINE, (first + i * c, first), (first + i * c, last), 1)
            pygame.draw.line(s, self.LINE, (first, first + i * c), (last, first + i * c), 1)
            label_size = max(12, min(22, c - 6))
            draw_text(s, chr(ord("a") + i), (first + i * c, m // 2), label_size, self.INK, "center")
            draw_text(s, str(i + 1), (m // 2, first + i * c), label_size, self.INK, "center")
        planes = board.observation(0)
        radius = c // 2 - 2
        for move in range(n * n):
            row, col = divmod(move, n)
            for color in (0, 1):
                if planes[row, col, color]:
                    draw_disc(s, self._center(move), radius, self.STONE_FILL[color], self.STONE_EDGE[color])
        if board.last_move >= 0:
            pygame.draw.circle(s, self.LAST_MOVE, self._center(board.last_move), max(3, c // 8))
        line = board.winning_line()
        if line:
            pygame.draw.line(s, self.WIN_LINE, self._center(line[0]), self._center(line[-1]), max(3, c // 6))
        top, half = m + n * c + 8, n * c // 2
        for color in (0, 1):
            draw_player(s, (m + color * half, top + 16), half - 8, names[color], self.STONE_FILL[color],
                        self.STONE_EDGE[color], self.INK, size=22)
        draw_text(s, _status_line(board), (m, top + 50), 28, self.INK, "midleft")
        return s


def _status_line(board: GomokuBoard) -> str:
    line = board.winning_line()
    if line:
        stones = "five" if len(line) == 5 else f"{len(line)}"
        return (f"{COLOR_NAMES[board.winner()]} wins: {stones} from "
                f"{board.move_name(line[0])} to {board.move_name(line[-1])}")
    if board.is_game_over():
        return "draw: the board is full"
    last = "" if board.last_move < 0 else f"{board.move_name(board.last_move)}, "
    return f"{last}{COLOR_NAMES[board.to_move]} to move"
