"""Rendering helpers shared by the envs: off-screen pygame surfaces, RGB arrays and a human window.

Drawing never needs a display: envs draw on plain `pygame.Surface`s and return arrays, so
`rgb_array` rendering works on headless servers. Only `HumanWindow` opens a window.
"""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402  (the variable above silences pygame's import banner)

Color = tuple[int, int, int]


_fonts: dict[tuple[int, bool], pygame.font.Font] = {}  # made since pygame last quit


def font(size: int, bold: bool = False) -> pygame.font.Font:
    """pygame's bundled default font at `size` pixels (no system fonts needed).

    Kept until pygame quits: `pygame.quit()`, which other code calls (Gymnasium's `HumanRendering.close()`
    and `play()`, its classic-control envs' `close()`), frees every font, and using one afterwards raises
    "Library not initialized", or crashes the process once pygame is initialized again.
    """
    if not pygame.font.get_init():
        _fonts.clear()
        pygame.font.init()
    if not _fonts:
        pygame.register_quit(_fonts.clear)  # pygame forgets it once called: registered again with the next font
    made = _fonts.get((size, bold))
    if made is None:
        made = _fonts[size, bold] = pygame.font.Font(None, size)
        made.set_bold(bold)
    return made


def draw_text(surface: pygame.Surface, text: str, pos: tuple[int, int], size: int, color: Color,
              anchor: str = "topleft", bold: bool = False) -> None:
    """Draw `text` with its `anchor` point ("center", "midleft", ...) at `pos`."""
    if text and font(size, bold).size(text)[0] == 0:
        # Marks or joiners alone (a submission may be named "\u034f"): pygame refuses to render text
        # of no width, which would stop a video, and a leaderboard's website with it. Nothing shows.
        return
    image = font(size, bold).render(text, True, color)
    surface.blit(image, image.get_rect(**{anchor: pos}))


def draw_disc(surface: pygame.Surface, center: tuple[int, int], radius: int, fill: Color, outline: Color) -> None:
    """A filled, outlined, anti-aliased disc."""
    from pygame import gfxdraw

    x, y = center
    gfxdraw.filled_circle(surface, x, y, radius, outline)
    gfxdraw.aacircle(surface, x, y, radius, outline)
    gfxdraw.filled_circle(surface, x, y, radius - 2, fill)
    gfxdraw.aacircle(surface, x, y, radius - 2, fill)


def fit_text(text: str, size: int, width: int) -> str:
    """`text` cut (ending in "...") to fit `width` pixels at font `size`."""
    if font(size).size(text)[0] <= width:
        return text
    while text and font(size).size(text + "...")[0] > width:
        text = text[:-1]
    return text + "..."


def draw_player(surface: pygame.Surface, pos: tuple[int, int], width: int, name: str, fill: Color, edge: Color,
                ink: Color, score: str = "", size: int = 24) -> None:
    """A player's legend, left to right from `pos` (its vertical middle) within `width` pixels: a disc
    of its colour, its score if any, and its name, cut to fit."""
    x, y = pos
    radius = size // 2
    draw_disc(surface, (x + radius, y), radius, fill, edge)
    x += 2 * radius + 8
    if score:
        draw_text(surface, score, (x, y), size + 8, ink, "midleft", bold=True)
        x += font(size + 8, True).size(score)[0] + 8
    draw_text(surface, fit_text(name, size, pos[0] + width - x), (x, y), size, ink, "midleft")


def to_rgb_array(surface: pygame.Surface) -> np.ndarray:
    """The surface's pixels as a (height, width, 3) uint8 array (a copy).

    A 32-bit surface is read straight from its pixel buffer, channel by channel: several times
    faster than `pygame.surfarray`, which matters for videos at 30 frames a second.
    """
    if surface.get_bytesize() != 4:
        return np.ascontiguousarray(pygame.surfarray.array3d(surface).transpose(1, 0, 2))
    width, height = surface.get_size()
    pixels = np.frombuffer(surface.get_buffer(), np.uint8).reshape(height, surface.get_pitch() // 4, 4)
    frame = np.empty((height, width, 3), np.uint8)
    for channel, shift in enumerate(surface.get_shifts()[:3]):
        frame[..., channel] = pixels[:, :width, shift // 8]
    return frame


class HumanWindow:
    """A pygame window that shows rendered frames at a steady rate."""

    def __init__(self, title: str, fps: float):
        self.title = title
        self.fps = fps
        self._screen: pygame.Surface | None = None
        self._clock = pygame.time.Clock()

    def show(self, surface: pygame.Surface) -> None:
        if self._screen is None:
            pygame.display.init()
            pygame.display.set_caption(self.title)
            self._screen = pygame.display.set_mode(surface.get_size())
        pygame.event.pump()
        self._screen.blit(surface, (0, 0))
        pygame.display.flip()
        self._clock.tick(self.fps)

    def close(self) -> None:
        if self._screen is not None:
            pygame.display.quit()
            self._screen = None
