"""Hitboxes and hurtboxes: capsules tested for overlap exactly as the competition's game tests them.

A capsule `width` x `height` is two circles of radius min(width, height) / 2 at the ends of its
long side, joined by a rectangle. The competition's game keeps that rectangle in whole units: each
of its left, top, width and height is cut toward zero (so a fighter's hurtbox rectangle, 0.93 x
0.1, is empty), and rectangles overlap only with positive area. Hits land, and miss, where they
land and miss there.
"""

from __future__ import annotations

import math
from typing import Sequence

BRAWL_TO_UNITS = 1.024 / 320  # game units per unit of the competition's move data
DATA_SCALE = 2 * BRAWL_TO_UNITS  # its hitbox offsets and sizes count double


def hitbox_offset(x_offset: float, y_offset: float) -> tuple[float, float]:
    """A move-data offset in game units."""
    return x_offset * DATA_SCALE, y_offset * DATA_SCALE


def hitbox_size(width: float, height: float) -> tuple[float, float]:
    """A move-data size in game units."""
    return width * DATA_SCALE, height * DATA_SCALE


class WholeRect:
    """A rectangle whose left, top, width and height are cut to whole units."""

    __slots__ = ("left", "top", "right", "bottom")

    def __init__(self, left: float, top: float, width: float, height: float):
        self.left, self.top = int(left), int(top)
        self.right, self.bottom = self.left + int(width), self.top + int(height)

    def empty(self) -> bool:
        return self.right <= self.left or self.bottom <= self.top

    def overlaps(self, other: WholeRect) -> bool:
        if self.empty() or other.empty():
            return False
        return self.left < other.right and other.left < self.right and self.top < other.bottom and other.top < self.bottom

    def near(self, x: float, y: float, radius: float) -> bool:
        """Whether the point (x, y) is closer than `radius` to the rectangle (edges included)."""
        closest_x = max(self.left, min(x, self.right))
        closest_y = max(self.top, min(y, self.bottom))
        return math.hypot(x - closest_x, y - closest_y) < radius


class CapsuleCollider:
    """A capsule `width` x `height` centred on `center` (game units)."""

    def __init__(self, center: Sequence[float], width: float, height: float, is_hurtbox: bool = False):
        self.center = (float(center[0]), float(center[1]))
        self.width = width
        self.height = height
        self.is_hurtbox = is_hurtbox
        self.radius = min(width, height) / 2
        self.is_circle = width == height

    def parts(self) -> tuple[list[tuple[float, float]], WholeRect | None]:
        """The cap centres (one for a circle) and the rectangle between them."""
        x, y = self.center
        width, height, radius = self.width, self.height, self.radius
        if self.is_circle:
            return [(x, y)], None
        if width < height:
            reach = height / 2 - radius
            return [(x, y - reach), (x, y + reach)], WholeRect(x - width / 2, y - reach, width, height - 2 * radius)
        reach = width / 2 - radius
        return [(x - reach, y), (x + reach, y)], WholeRect(x - reach, y - height / 2, width - 2 * radius, height)

    def intersects(self, other: CapsuleCollider) -> bool:
        # Far apart: no part can meet (whole-unit rectangles reach at most a unit past the capsule).
        if (abs(self.center[0] - other.center[0]) > (self.width + other.width) / 2 + 1
                or abs(self.center[1] - other.center[1]) > (self.height + other.height) / 2 + 1):
            return False
        caps, rect = self.parts()
        other_caps, other_rect = other.parts()
        reach = self.radius + other.radius
        for cx, cy in caps:
            for ox, oy in other_caps:
                if math.hypot(cx - ox, cy - oy) < reach:
                    return True
        if rect is not None and other_rect is not None and rect.overlaps(other_rect):
            return True
        if other_rect is not None and any(other_rect.near(cx, cy, self.radius) for cx, cy in caps):
            return True
        return rect is not None and any(rect.near(ox, oy, other.radius) for ox, oy in other_caps)

    def __str__(self) -> str:
        return f"CapsuleCollider(center={self.center}, width={self.width}, height={self.height})"
