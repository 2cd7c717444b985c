"""The stage's scenery: two solid grounds and the moving platform.

`body.position` is each block's reference point as the competition's game places it: for a
ground, 0.15 below the middle of its top surface; for the platform, its centre. As there, each has
a `shape` whose `cache_bb()` gives its extent, and the platform's class is named `Stage`.
"""

from __future__ import annotations

import math

from arena.envs.fighting import rules as R
from arena.envs.fighting.physics import Body, Solid
from arena.envs.fighting.shapes import GROUND_CATEGORY, GROUND_TYPE, PLATFORM_TYPE, Shape


class Ground:
    """A solid block 5 units wide and 4.15 deep whose top is 0.15 above `body.position`."""

    def __init__(self, x: float, y: float):
        self.body = Body(x, y, friction=R.GROUND_FRICTION)
        self.half_width = R.GROUND_HALF_WIDTH
        left, top, right, bottom = -self.half_width, -R.GROUND_TOP_OFFSET, self.half_width, R.GROUND_DEPTH
        # its corners as the competition lists them (top left first; the engine's hull keeps that order)
        self.solid = Solid(self.body, left, top, right, bottom,
                           corners=[(left, top), (right, top), (right, bottom), (left, bottom)])
        self.shape = Shape(self.solid, self, GROUND_TYPE, GROUND_CATEGORY)
        self.width = 2 * self.half_width
        self.height = R.GROUND_DEPTH + R.GROUND_TOP_OFFSET
        self.width_ground = int(4 * self.half_width)  # the competition's constructor argument: 10 for 5 units wide

    @property
    def top(self) -> float:
        return self.body.y - R.GROUND_TOP_OFFSET


class Stage:
    """A solid platform 2 units wide and 0.2 thick gliding back and forth between two waypoints.

    It heads for one waypoint at `sin(pi * progress) + 0.03` units/s (progress: how far along
    the path it is, 0 to 1), stops for a frame within 0.1 of it, and turns back. Fighters stand
    and walk on it and are carried; it blocks from below and the sides too. `width` and `height`
    are the sizes the competition's platform declares; so are `velocity_x` and `velocity_y`, which
    stay 0 there as here (it never updates them): the platform's motion is `body.velocity`.
    """

    def __init__(self):
        self.body = Body(*R.PLATFORM_START, friction=R.PLATFORM_FRICTION)
        self.half_width = R.PLATFORM_HALF_WIDTH
        half_thickness = R.PLATFORM_THICKNESS / 2
        self.solid = Solid(self.body, -self.half_width, -half_thickness, self.half_width, half_thickness)
        self.shape = Shape(self.solid, self, PLATFORM_TYPE)
        # The competition's values and types (ints where it wrote whole numbers): the path's arithmetic is the same.
        self.width = int(2 * self.half_width)
        self.height = 1
        self.waypoint1, self.waypoint2 = ((int(x), y) for x, y in R.PLATFORM_WAYPOINTS)
        self.moving_to_w2 = True
        self.velocity_x = self.velocity_y = 0

    @property
    def top(self) -> float:
        return self.body.y - R.PLATFORM_THICKNESS / 2

    def physics_process(self) -> None:
        """Set this frame's velocity (the physics step moves it)."""
        body = self.body
        target = self.waypoint2 if self.moving_to_w2 else self.waypoint1
        dx, dy = target[0] - body.x, target[1] - body.y
        distance = math.sqrt(dx * dx + dy * dy)  # as the competition computes it (math.hypot's last bit can differ)
        if distance < 0.1:
            body.vx = body.vy = 0.0
            self.moving_to_w2 = not self.moving_to_w2
            return
        (x1, y1), (x2, y2) = self.waypoint1, self.waypoint2
        path_x, path_y = x2 - x1, y2 - y1
        length = max(math.sqrt(path_x * path_x + path_y * path_y), 0.05)
        progress = ((body.x - x1) * path_x + (body.y - y1) * path_y) / (length * length)
        speed = math.sin(min(1.0, max(0.0, progress)) * math.pi) + 0.03
        body.vx, body.vy = dx / distance * speed, dy / distance * speed
