"""Picture sizes and the camera that keeps both fighters in view."""

from __future__ import annotations

from enum import Enum
from typing import Iterable

from arena.envs.fighting import rules as R


class CameraResolution(Enum):
    """Rendered picture size: LOW 720x480, MEDIUM 1280x720, HIGH 1920x1080 (width x height)."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def size(self) -> tuple[int, int]:
        return {1: (720, 480), 2: (1280, 720), 3: (1920, 1080)}[self.value]

    @property
    def pixels_per_unit(self) -> float:
        """The competition's camera scale at this size (a 29.8-unit-wide view, zoomed twice), which also
        sizes the weapons lying on the stage (`rules.WEAPON_PICTURE`)."""
        return (self.size[0] // 29.8) * 2.0

    @classmethod
    def of(cls, value: CameraResolution | str | int) -> CameraResolution:
        """A resolution from itself, its name ("low", any case) or its number."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str) and value.upper() in cls.__members__:
            return cls[value.upper()]
        if isinstance(value, int) and value in (1, 2, 3):
            return cls(value)
        raise ValueError(f"resolution must be one of low, medium, high (or CameraResolution.*), got {value!r}")


class RenderMode(Enum):
    """How a match is shown: not at all, as RGB arrays, or in a window."""

    NONE = 0
    RGB_ARRAY = 1
    PYGAME_WINDOW = 2


class Camera:
    """Frames the fighters: centred between them, zoomed to fit, easing toward each new framing."""

    MIN_VIEW = 12.0  # narrowest view, units across
    MAX_VIEW = 26.0
    MARGIN = 3.5  # units of room around the fighters
    EASE = 0.2  # share of the way to the new framing covered per frame

    def __init__(self, size: tuple[int, int]):
        self.width, self.height = size
        self.aspect = self.width / self.height
        self.x, self.y, self.view = 0.0, 1.5, 20.0
        self.fresh = True

    def follow(self, points: Iterable[tuple[float, float]]) -> None:
        """Ease toward the framing that shows every point (the fighters still in play)."""
        points = list(points) or [(0.0, 1.5)]
        xs = [min(max(x, -R.BLAST_X), R.BLAST_X) for x, _ in points]
        ys = [min(max(y, -R.BLAST_Y), R.BLAST_Y) for _, y in points]
        view = max(self.MIN_VIEW, max(xs) - min(xs) + 2 * self.MARGIN,
                   (max(ys) - min(ys) + 2 * self.MARGIN) * self.aspect)
        view = min(view, self.MAX_VIEW)
        half = view / 2
        x = min(max((max(xs) + min(xs)) / 2, -R.BLAST_X + half), R.BLAST_X - half)
        y = (max(ys) + min(ys)) / 2 + 0.5  # a little more floor than sky
        ease = 1.0 if self.fresh else self.EASE
        self.x += (x - self.x) * ease
        self.y += (y - self.y) * ease
        self.view += (view - self.view) * ease
        self.fresh = False

    @property
    def scale(self) -> float:
        """Pixels per unit."""
        return self.width / self.view

    def to_screen(self, x: float, y: float) -> tuple[int, int]:
        scale = self.width / self.view
        return int((x - self.x) * scale + self.width / 2), int((y - self.y) * scale + self.height / 2)
