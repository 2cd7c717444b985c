"""The competition's capsule hitboxes: `CapsuleCollider` (a stadium shape that tests overlap) and
`Capsule` (converting its move data's hitbox numbers to game units).

A capsule is the set of points within `radius` of a segment: a circle when width equals height,
else a rectangle with half-circle ends along its long side.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

from arena.envs.fighting.move_data import BRAWL_TO_UNITS


class CapsuleCollider:
    """A capsule `width` x `height` centred on `center` (game units)."""

    def __init__(self, center: Sequence[float], width: float, height: float, is_hurtbox: bool = False):
        self.center = (float(center[0]), float(center[1]))
        self.width = width
        self.height = height
        self.is_hurtbox = is_hurtbox
        self.radius = min(width, height) / 2
        self.is_circle = width == height

    def segment(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The two cap centres (the same point for a circle)."""
        x, y = self.center
        if self.width < self.height:
            reach = self.height / 2 - self.radius
            return (x, y - reach), (x, y + reach)
        reach = self.width / 2 - self.radius
        return (x - reach, y), (x + reach, y)

    def intersects(self, other: CapsuleCollider) -> bool:
        return _segment_distance(*self.segment(), *other.segment()) < self.radius + other.radius

    def __str__(self) -> str:
        return f"CapsuleCollider(center={self.center}, width={self.width}, height={self.height})"


class Capsule:
    """Hitbox helpers for the competition's move data (`[x_offset, y_offset, width, height]` in its units)."""

    @staticmethod
    def get_hitbox_offset(x_offset: float, y_offset: float) -> tuple[float, float]:
        return x_offset * 2 * BRAWL_TO_UNITS, y_offset * 2 * BRAWL_TO_UNITS

    @staticmethod
    def get_hitbox_size(width: float, height: float) -> tuple[float, float]:
        return width * 2 * BRAWL_TO_UNITS, height * 2 * BRAWL_TO_UNITS

    @staticmethod
    def collider(hitbox: Sequence[float], pos: Sequence[float]) -> CapsuleCollider:
        """The collider of a move-data hitbox placed at `pos` (game units)."""
        x_offset, y_offset, width, height = hitbox
        dx, dy = Capsule.get_hitbox_offset(x_offset, y_offset)
        return CapsuleCollider((pos[0] + dx, pos[1] + dy), *Capsule.get_hitbox_size(width, height))

    @staticmethod
    def check_collision(hitbox_pos: Sequence[float], width: float, height: float,
                        collidables: Iterable[Sequence[float]]) -> list[Sequence[float]]:
        """The boxes `(left, top, width, height)` in `collidables` that the hitbox's bounding box overlaps."""
        w, h = Capsule.get_hitbox_size(width, height)
        left, top = hitbox_pos[0] - w / 2, hitbox_pos[1] - h / 2
        return [box for box in collidables
                if left < box[0] + box[2] and box[0] < left + w and top < box[1] + box[3] and box[1] < top + h]


def _segment_distance(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float],
                      d: tuple[float, float]) -> float:
    """The shortest distance between segments ab and cd (which may be single points)."""
    if _segments_cross(a, b, c, d):
        return 0.0
    return min(_point_segment_distance(a, c, d), _point_segment_distance(b, c, d),
               _point_segment_distance(c, a, b), _point_segment_distance(d, a, b))


def _point_segment_distance(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / length2))
    return math.hypot(p[0] - (ax + t * dx), p[1] - (ay + t * dy))


def _segments_cross(a, b, c, d) -> bool:
    def side(p, q, r) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0
