"""The competition's drawing helpers, small: `Camera`, `UIHandler`, `KeyIconPanel`, sprites and effects.

arena's game draws itself (`env.render()`); these exist so that participants' code that builds,
subclasses or calls them keeps running. They construct from the competition's arguments, keep
its attributes, and draw plainly with pygame onto `camera.canvas` when there is one: no sprite
sheets, GIFs or images are loaded (a sprite's or particle's animation is a list of frames the
caller may fill; empty, it draws nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from arena.compat.ai2.objects import GameObject, hex_to_rgb
from arena.envs.fighting import weapons
from arena.envs.fighting.camera import CameraResolution, RenderMode


class Camera:
    """The competition's camera: a fixed view of the stage, `pixels_per_tile * zoom` pixels per unit.

    `gtp` turns game units into pixels and `ptg` back; `get_frame(env)` is the env's picture.
    `canvas` is the pygame Surface being drawn on, when one is.
    """

    screen_width_tiles: float = 29.8
    screen_height_tiles: float = 16.8
    pixels_per_tile: float = 43
    is_rendering: bool = False
    zoom: float = 2.0
    resolutions = {CameraResolution.LOW: (480, 720), CameraResolution.MEDIUM: (720, 1280),
                   CameraResolution.HIGH: (1080, 1920)}

    def __init__(self):
        self.pos = [0, 0]
        self.resolution = CameraResolution.LOW
        self.window_height, self.window_width = self.resolutions[self.resolution]
        self.canvas = None
        self.steps = 0
        self.env = None

    def reset(self, env: Any) -> None:
        self.env = env
        self.resolution = CameraResolution.of(env.resolution)
        self.window_height, self.window_width = self.resolutions[self.resolution]
        self.pixels_per_tile = self.window_width // self.screen_width_tiles
        self.steps = 0

    @property
    def objects(self) -> dict[str, Any]:
        return self.env.objects if self.env is not None else {}

    def scale_gtp(self) -> float:
        """Pixels per game unit."""
        return self.pixels_per_tile * self.zoom

    def gtp(self, x: Any, y: float | None = None) -> tuple[float, float]:
        """Game units to pixels (a pair, or x and y)."""
        if y is None:
            x, y = x[0], x[1]
        scale = self.scale_gtp()
        return self.window_width / 2 + (x - self.pos[0]) * scale, self.window_height / 2 + (y - self.pos[1]) * scale

    def ptg(self, x: Any, y: float | None = None) -> tuple[float, float]:
        """Pixels to game units (the inverse of `gtp`)."""
        if y is None:
            x, y = x[0], x[1]
        scale = self.scale_gtp()
        return (x - self.window_width / 2) / scale + self.pos[0], (y - self.window_height / 2) / scale + self.pos[1]

    def process(self) -> None:
        self.steps += 1

    def get_frame(self, env: Any, mode: RenderMode = RenderMode.RGB_ARRAY, has_hitboxes: bool = False) -> np.ndarray:
        """The env's picture, laid out as the competition's env returns it (see `WarehouseBrawl.render`)."""
        return env.render()

    def close(self) -> None:
        """Nothing to release: the env owns its window."""


class KeyIconPanel:
    """A panel of the 10 keys (W A S D / space / G H J K L) with the pressed ones in red."""

    def __init__(self, side: str, edge_percentage: float, width_percentage: float, height_percentage: float,
                 font_size: int = 12):
        self.side = side.lower()
        self.edge_percentage = edge_percentage
        self.width_percentage = width_percentage
        self.height_percentage = height_percentage
        self.font_size = font_size
        self.keys = ["W", "A", "S", "D", "Space", "G", "H", "J", "K", "L"]

    # Where each drawn key reads the action: G H J K L are action indices 9, 5, 7, 8, 6.
    ACTION_INDEX = {"W": 0, "A": 1, "S": 2, "D": 3, "Space": 4, "G": 9, "H": 5, "J": 7, "K": 8, "L": 6}

    def draw_key_icon(self, surface: Any, rect: Any, key_label: str, pressed: bool, font: Any) -> None:
        import pygame

        color = (255, 0, 0) if pressed else (255, 255, 255)
        pygame.draw.rect(surface, color, rect, 1)
        text = font.render(key_label, True, color)
        surface.blit(text, text.get_rect(center=rect.center))

    def draw(self, camera: Any, input_vector: Sequence[float]) -> None:
        """Draw the panel onto `camera.canvas` (nothing when the camera has no canvas)."""
        canvas = getattr(camera, "canvas", None)
        if canvas is None:
            return
        import pygame

        if not pygame.font.get_init():
            pygame.font.init()
        width, height = camera.window_width, camera.window_height
        panel_width, panel_height = width * self.width_percentage, height * self.height_percentage
        left = {"left": width * self.edge_percentage, "right": width * self.edge_percentage - panel_width}.get(
            self.side, (width - panel_width) / 2)
        panel = pygame.Rect(int(left), int(height * 0.2), int(panel_width), int(panel_height))
        pygame.draw.rect(canvas, (50, 50, 50), panel)
        pygame.draw.rect(canvas, (255, 255, 255), panel, 2)
        font = pygame.font.Font(None, self.font_size)
        row_height = panel.height / 3
        for row, labels in enumerate((self.keys[0:4], self.keys[4:5], self.keys[5:10])):
            cell_width = panel.width / len(labels)
            for column, label in enumerate(labels):
                cell = pygame.Rect(panel.x + column * cell_width, panel.y + row * row_height, cell_width, row_height)
                pressed = float(input_vector[self.ACTION_INDEX[label]]) > 0.5
                self.draw_key_icon(canvas, cell.inflate(-2, -2), label, pressed, font)


class UIHandler:
    """The score corners: each fighter's stocks and damage percent, and its team name."""

    def __init__(self, camera: Any):
        self.score_width, self.score_height = 180, 60
        self.agent_1_score_pos = (10, 10)
        self.agent_2_score_pos = (camera.window_width - self.score_width - 10, 10)

    def render(self, camera: Any, env: Any) -> None:
        canvas = getattr(camera, "canvas", None)
        if canvas is None:
            return
        import pygame

        if not pygame.font.get_init():
            pygame.font.init()
        font = pygame.font.Font(None, 24)
        names = (getattr(env, "agent_1_name", "Team 1"), getattr(env, "agent_2_name", "Team 2"))
        for (x, y), player, name in zip((self.agent_1_score_pos, self.agent_2_score_pos), env.players, names):
            pygame.draw.rect(canvas, (40, 40, 40), (x, y, self.score_width, self.score_height))
            text = f"{name}  {player.damage:.0f}%  {'o' * int(player.stocks)}"
            canvas.blit(font.render(text, True, (255, 255, 255)), (x + 8, y + self.score_height // 3))


def draw_frame_text(canvas: Any, env: Any) -> None:
    """The competition's text overlay on the pygame surface `canvas`: the frame count at the top, each fighter's
    last change of state and move below it, and each one's rewards at the bottom left (what `env.logger` holds)."""
    import pygame

    if not pygame.font.get_init():
        pygame.font.init()
    width, height = env.camera.window_width, env.camera.window_height
    first, second = (line if isinstance(line, dict) else {} for line in env.logger)  # "" before a frame's

    def write(text: str, size: int, **place: Any) -> None:
        surface = pygame.font.Font(None, size).render(text, True, (255, 255, 255))
        canvas.blit(surface, surface.get_rect(**place))

    write(f"Time: {env.steps}", 30, center=(width // 2, 30))
    write(f"P1: {first.get('transition', '')}, P2: {second.get('transition', '')}", 20, center=(width // 2, 50))
    write(f"P1: {first.get('move_type', '')}, P2: {second.get('move_type', '')}", 20, center=(width // 2, 70))
    for number, line, bottom in ((1, first, 40), (2, second, 20)):
        write(f"P{number} Total Reward: {line.get('total_reward', '')}, Reward {line.get('reward', '')}", 20,
              midleft=(0, height - bottom))


@dataclass
class Animation:
    """An animation's frames, how long each lasts (ms) and how many game frames each is shown."""

    frames: list[np.ndarray]
    frame_durations: list[float]
    frames_per_step: list[float]


class AnimationSprite2D(GameObject):
    """A sprite that plays named animations (`animations[name]`), advancing a frame per game frame."""

    ENV_FPS = 30
    albert_palette = {"base": hex_to_rgb("#FE9000"), "sides": hex_to_rgb("#A64A00"),
                      "top_bottom": hex_to_rgb("#FFB55A"), "outline": hex_to_rgb("#A02800")}
    kai_palette = {"base": hex_to_rgb("#00A1FE"), "sides": hex_to_rgb("#006080"),
                   "top_bottom": hex_to_rgb("#74CEFF"), "outline": hex_to_rgb("#0069BA")}

    def __init__(self, camera: Any, scale: float, animation_folder: str, agent_id: int):
        self.camera = camera
        self.scale = scale
        self.animation_folder = animation_folder
        self.agent_id = agent_id
        self.animations: dict[str, Animation] = {}
        self.current_animation: str | None = None
        self.frames: list[Any] = []
        self.frames_per_step: list[float] = []
        self.current_frame_index = 0
        self.frame_timer = 0
        self.finished = False
        self.loaded = False
        self.position = (0.0, 0.0)

    def load_animations(self, animation_folder: str) -> None:
        """No sprite sheets are loaded; fill `animations` yourself to play some."""
        self.loaded = True

    def play(self, animation_name: str | None) -> None:
        if animation_name is None:
            self.current_animation = None
        elif animation_name in self.animations and animation_name != self.current_animation:
            animation = self.animations[animation_name]
            self.current_animation = animation_name
            self.frames, self.frames_per_step = animation.frames, animation.frames_per_step
            self.current_frame_index = self.frame_timer = 0

    def process(self, position: Any = None) -> None:
        if position is not None:
            self.position = position
        if self.current_animation is None or self.finished or not self.frames:
            return
        self.frame_timer += 1
        if self.frame_timer >= self.frames_per_step[self.current_frame_index]:
            self.frame_timer = 0
            self.current_frame_index = (self.current_frame_index + 1) % len(self.frames)

    def render(self, camera: Any, flipped: bool = False) -> None:
        """Nothing to draw without frames."""


class SpawnerVFX(GameObject):
    """A weapon spawner's effect, in one of the states hidden, spawn, idle, despawn, pickup."""

    def __init__(self, camera: Any, world_pos: Sequence[float], animation_folder: str, scale: float = 1.0,
                 flipped: bool = True):
        self.camera = camera
        self.world_pos = [float(world_pos[0]), float(world_pos[1])]
        self.flipped = flipped
        self.anim = AnimationSprite2D(camera, scale, animation_folder, 0)
        self.hide()

    def show_spawn(self) -> None:
        self.state, self.next_state, self.state_timer = "spawn", "idle", 0
        self.anim.play("spawn")

    def show_idle(self) -> None:
        self.state, self.next_state, self.state_timer = "idle", None, 0
        self.anim.play("idle")

    def show_despawn(self) -> None:
        self.state = "hidden"

    def show_pickup(self) -> None:
        self.state = "hidden"

    def hide(self) -> None:
        self.state, self.next_state, self.state_timer = "hidden", None, 0
        self.anim.play(None)

    def render(self, surface: Any, camera: Any) -> None:
        if self.state != "hidden":
            self.anim.process(self.world_pos)


# What `env.objects["SpawnerVFX0"]` and `["SpawnerVFX1"]` hold counts as one, as there.
SpawnerVFX.register(weapons.SpawnerVFX)


class Particle(GameObject):
    """A short effect shown at `position` (its GIF is not loaded: it has no frames and draws nothing)."""

    ENV_FPS = 30

    def __init__(self, env: Any, position: Any, gif_path: str, scale: float = 1.0):
        self.env = env
        self.position = position
        self.gif_path = gif_path
        self.scale = scale
        self.finished = False
        self.frames: list[Any] = []
        self.frame_durations: list[float] = []
        self.frames_per_step: list[int] = []
        self.current_frame_index = 0
        self.frame_timer = 0

    def process(self) -> None:
        if self.finished or not self.frames:
            return
        self.frame_timer += 1
        if self.frame_timer >= self.frames_per_step[self.current_frame_index]:
            self.frame_timer = 0
            self.current_frame_index = (self.current_frame_index + 1) % len(self.frames)


class Target(GameObject):
    """A marker drawn at (5, 0): a red dot."""

    def render(self, canvas: Any, camera: Any) -> None:
        if canvas is None:
            return
        import pygame

        pygame.draw.circle(canvas, (255, 0, 0), camera.gtp([5, 0]), camera.scale_gtp() * 0.25)
