"""Drawing one snake game: the grid, the snakes with eyes looking ahead, fruit, and a score panel."""

from __future__ import annotations

import numpy as np

from arena.envs.snake.engine import DIRECTIONS, SnakeGames
from arena.envs.snake.rules import SnakeRules

COLORS = [(80, 200, 90), (70, 140, 235), (240, 150, 50), (170, 100, 225),
          (235, 215, 70), (60, 205, 205), (235, 105, 160), (215, 215, 215)]


def text_board(game: SnakeGames, index: int = 0) -> str:
    """The grid in characters: '#' walls, 'A'.. heads, 'a'.. bodies, '*' fruit, '.' empty."""
    owner, fruit = game.owner[index], game.fruit[index]
    cells = np.where(fruit, "*", ".").astype("<U1")
    snake = owner > 0
    cells[snake] = np.array([chr(ord("a") + i) for i in range(8)])[owner[snake] - 1]
    for i in np.flatnonzero(game.alive[index]):
        r, c = game.head[index, i]
        cells[r, c] = chr(ord("A") + i)
    wall = "#" * (cells.shape[1] + 2)
    return "\n".join([wall, *("#" + "".join(row) + "#" for row in cells), wall])


class SnakePicture:
    """Draws a game of a `SnakeGames` batch on one off-screen surface, reused frame after frame."""

    PANEL = 224
    MARGIN = 16
    BACKGROUND = (22, 26, 33)
    FIELD = (34, 40, 50)
    GRID = (42, 49, 60)
    WALL = (95, 105, 120)
    INK = (230, 232, 236)
    DIM = (120, 128, 140)
    FRUIT = (225, 60, 60)
    LEAF = (90, 180, 80)

    def __init__(self, rules: SnakeRules):
        import pygame

        self.rules = rules
        self.cell = int(np.clip(480 // max(rules.height, rules.width), 8, 32))
        field_w, field_h = rules.width * self.cell, rules.height * self.cell
        panel_h = 56 + 40 * rules.num_snakes
        width = _multiple_of_16(2 * self.MARGIN + field_w + self.PANEL)
        height = _multiple_of_16(max(2 * self.MARGIN + field_h, panel_h + 2 * self.MARGIN))
        self.surface = pygame.Surface((width, height))

    def _rect(self, r: int, c: int, inset: int):
        m, s = self.MARGIN, self.cell
        return (m + c * s + inset, m + r * s + inset, s - 2 * inset, s - 2 * inset)

    def draw(self, game: SnakeGames, names: list[str], index: int = 0):
        import pygame

        s, m, cell, rules = self.surface, self.MARGIN, self.cell, self.rules
        s.fill(self.BACKGROUND)
        field = (m, m, rules.width * cell, rules.height * cell)
        pygame.draw.rect(s, self.FIELD, field)
        for c in range(1, rules.width):
            pygame.draw.line(s, self.GRID, (m + c * cell, m), (m + c * cell, m + rules.height * cell))
        for r in range(1, rules.height):
            pygame.draw.line(s, self.GRID, (m, m + r * cell), (m + rules.width * cell, m + r * cell))
        pygame.draw.rect(s, self.WALL, pygame.Rect(field).inflate(6, 6), 3, border_radius=4)
        for r, c in zip(*np.nonzero(game.fruit[index])):
            self._fruit(r, c)
        self._bodies(game.owner[index], game.life[index])
        for i in np.flatnonzero(game.alive[index]):
            self._head(*game.head[index, i], int(game.heading[index, i]), COLORS[i])
        self._panel(game, names, index)
        return s

    def _fruit(self, r: int, c: int) -> None:
        import pygame

        from arena.envs.rendering import draw_disc

        x, y, size, _ = self._rect(r, c, 0)
        radius = max(3, size // 2 - 3)
        draw_disc(self.surface, (x + size // 2, y + size // 2 + 1), radius, self.FRUIT, (150, 30, 30))
        pygame.draw.ellipse(self.surface, self.LEAF, (x + size // 2, y + 1, max(3, size // 3), max(2, size // 5)))

    def _bodies(self, owner: np.ndarray, life: np.ndarray) -> None:
        """Each body cell, bridged to the next cell toward the head so a snake reads as one piece."""
        import pygame

        s, inset = self.surface, max(1, self.cell // 8)
        for r, c in zip(*np.nonzero(owner)):
            color = _shade(COLORS[owner[r, c] - 1], 0.8)
            pygame.draw.rect(s, color, self._rect(r, c, inset), border_radius=max(2, self.cell // 4))
            for dr, dc in DIRECTIONS:
                nr, nc = r + dr, c + dc
                if (0 <= nr < owner.shape[0] and 0 <= nc < owner.shape[1] and owner[nr, nc] == owner[r, c]
                        and life[nr, nc] == life[r, c] + 1):
                    x, y, w, h = self._rect(r, c, inset)
                    bridge = pygame.Rect(x, y, w, h).move(dc * self.cell // 2, dr * self.cell // 2)
                    pygame.draw.rect(s, color, bridge)

    def _head(self, r: int, c: int, heading: int, color) -> None:
        import pygame

        s, cell = self.surface, self.cell
        pygame.draw.rect(s, color, self._rect(r, c, 1), border_radius=max(3, cell // 3))
        x, y, size, _ = self._rect(r, c, 0)
        centre = np.array([x + size / 2, y + size / 2])
        forward, side = DIRECTIONS[heading][::-1], DIRECTIONS[(heading + 1) % 4][::-1]
        for sign in (-1, 1):
            eye = centre + forward * size * 0.18 + side * sign * size * 0.2
            pygame.draw.circle(s, (250, 250, 250), eye.round(), max(2, size // 7))
            pygame.draw.circle(s, (20, 20, 20), (eye + forward * size * 0.05).round(), max(1, size // 14))

    def _panel(self, game: SnakeGames, names: list[str], index: int) -> None:
        import pygame

        from arena.envs.rendering import draw_text, fit_text

        s = self.surface
        left = 2 * self.MARGIN + self.rules.width * self.cell + 8
        draw_text(s, f"step {game.steps[index]} / {self.rules.max_steps}", (left, self.MARGIN), 26, self.INK)
        for i, name in enumerate(names):
            top = self.MARGIN + 40 + 40 * i
            alive = game.alive[index, i]
            color = COLORS[i] if alive else _shade(COLORS[i], 0.35)
            pygame.draw.rect(s, color, (left, top + 4, 18, 18), border_radius=5)
            draw_text(s, fit_text(name, 24, s.get_width() - left - 36), (left + 28, top), 24,
                      self.INK if alive else self.DIM)
            detail = f"length {game.length[index, i]}  kills {game.kills[index, i]}"
            if not alive:
                detail += f"  out at {game.survived[index, i] + 1}"
            draw_text(s, detail, (left + 28, top + 20), 18, self.DIM)


def _shade(color: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(int(v * factor) for v in color)


def _multiple_of_16(pixels: int) -> int:
    """Video encoders want frame sides divisible by 16."""
    return -(-pixels // 16) * 16
