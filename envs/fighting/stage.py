"""The stage's scenery objects: two solid grounds and the moving one-way platform."""

from __future__ import annotations

import math

from arena.envs.fighting import rules as R
from arena.envs.fighting.fighter import Body


class Ground:
    """A solid block `2 * half_width` wide and `depth` deep; `body.position` is the centre of its top."""

    def __init__(self, x: float, top: float):
        self.body = Body(x, top)
        self.half_width = R.GROUND_HALF_WIDTH
        self.depth = R.GROUND_DEPTH
        self.width = 2 * self.half_width
        self.height = self.depth


def _platform_path() -> tuple[tuple[float, float], ...]:
    """Where the platform's top centre is at each frame of one round trip, easing in and out."""
    (x0, y0), (x1, y1) = R.PLATFORM_ENDS
    path = []
    for frame in range(2 * R.PLATFORM_TRIP_FRAMES):
        trip = frame / R.PLATFORM_TRIP_FRAMES
        along = trip if trip <= 1.0 else 2.0 - trip
        share = (1.0 - math.cos(math.pi * along)) / 2.0
        path.append((x0 + (x1 - x0) * share, y0 + (y1 - y0) * share))
    return tuple(path)


PLATFORM_PATH = _platform_path()


class MovingPlatform:
    """A platform you can land on from above and drop through with S.

    It glides between the two ends of `PLATFORM_ENDS`, easing in and out, one way in
    `PLATFORM_TRIP_FRAMES`; `body.position` is the centre of its top, `body.velocity` (also
    `velocity_x`, `velocity_y`) its speed. `width` and `height` are the sizes the competition's
    platform declares (its height is nominal: fighters stand on the top surface).
    """

    height = 1.0

    def __init__(self):
        self.body = Body(*R.PLATFORM_ENDS[0])
        self.half_width = R.PLATFORM_HALF_WIDTH
        self.width = 2 * self.half_width
        self.dx = self.dy = 0.0  # how far it moved in the last frame

    @property
    def velocity_x(self) -> float:
        return self.body.vx

    @property
    def velocity_y(self) -> float:
        return self.body.vy

    def advance(self, frame: int) -> None:
        """Move to where it is at `frame` (frames since the match started)."""
        x, y = PLATFORM_PATH[frame % len(PLATFORM_PATH)]
        body = self.body
        self.dx, self.dy = x - body.x, y - body.y
        body.x, body.y = x, y
        body.vx, body.vy = self.dx * R.FPS, self.dy * R.FPS
