"""The 2-D vector the fighting game gives positions and velocities as.

The competition's game hands out its physics engine's vectors (pymunk 6.2.1's `Vec2d`), and
participants' reward functions and agents call their methods: `length`, `get_distance`, `angle`,
`rotated`, `normalized`, `dot`, `cross`, `projection`... This class has each of them, computed in
the same floating-point operations (a length is the square root of the sum of squares, not
`math.hypot`, which rounds differently in the last bit), so that code reading them gets the
competition's numbers. The game's own physics reads `x` and `y` only.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence


class Vec2d(NamedTuple):
    """A pair `(x, y)` that adds, subtracts and scales like a vector, with pymunk's methods."""

    x: float
    y: float

    def __add__(self, other: Sequence[float]) -> Vec2d:  # type: ignore[override]
        return Vec2d(self.x + other[0], self.y + other[1])

    __radd__ = __add__

    def __sub__(self, other: Sequence[float]) -> Vec2d:
        return Vec2d(self.x - other[0], self.y - other[1])

    def __rsub__(self, other: Sequence[float]) -> Vec2d:
        return Vec2d(other[0] - self.x, other[1] - self.y)

    def __mul__(self, scale: float) -> Vec2d:  # type: ignore[override]
        return Vec2d(self.x * scale, self.y * scale)

    __rmul__ = __mul__

    def __truediv__(self, scale: float) -> Vec2d:
        return Vec2d(self.x / scale, self.y / scale)

    def __floordiv__(self, scale: float) -> Vec2d:
        return Vec2d(self.x // scale, self.y // scale)

    def __neg__(self) -> Vec2d:
        return Vec2d(-self.x, -self.y)

    def __pos__(self) -> Vec2d:
        return self

    def __abs__(self) -> float:
        return self.length

    def __repr__(self) -> str:
        return f"Vec2d({self.x!r}, {self.y!r})"

    # Lengths and distances

    @property
    def length(self) -> float:
        return math.sqrt(self.x ** 2 + self.y ** 2)

    def get_length_sqrd(self) -> float:
        return self.x ** 2 + self.y ** 2

    def get_distance(self, other: Sequence[float]) -> float:
        return math.sqrt((self.x - other[0]) ** 2 + (self.y - other[1]) ** 2)

    def get_dist_sqrd(self, other: Sequence[float]) -> float:
        return (self.x - other[0]) ** 2 + (self.y - other[1]) ** 2

    def scale_to_length(self, length: float) -> Vec2d:
        old = self.length
        return Vec2d(self.x * length / old, self.y * length / old)

    def normalized(self) -> Vec2d:
        """The unit vector along this one; (0, 0) for (0, 0)."""
        length = self.length
        return self / length if length != 0 else Vec2d(0, 0)

    def normalized_and_length(self) -> tuple[Vec2d, float]:
        length = self.length
        return (self / length, length) if length != 0 else (Vec2d(0, 0), 0)

    # Angles (radians unless the name says degrees; counter-clockwise with y up)

    @property
    def angle(self) -> float:
        return math.atan2(self.y, self.x) if self.get_length_sqrd() != 0 else 0

    @property
    def angle_degrees(self) -> float:
        return math.degrees(self.angle)

    def rotated(self, angle_radians: float) -> Vec2d:
        cos, sin = math.cos(angle_radians), math.sin(angle_radians)
        return Vec2d(self.x * cos - self.y * sin, self.x * sin + self.y * cos)

    def rotated_degrees(self, angle_degrees: float) -> Vec2d:
        return self.rotated(math.radians(angle_degrees))

    def get_angle_between(self, other: Sequence[float]) -> float:
        return math.atan2(self.cross(other), self.x * other[0] + self.y * other[1])

    def get_angle_degrees_between(self, other: Sequence[float]) -> float:
        return math.degrees(self.get_angle_between(other))

    # Products and projections

    def dot(self, other: Sequence[float]) -> float:
        return float(self.x * other[0] + self.y * other[1])

    def cross(self, other: Sequence[float]) -> float:
        """The z of the 3-D cross product: x * other.y - y * other.x."""
        return self.x * other[1] - self.y * other[0]

    def perpendicular(self) -> Vec2d:
        return Vec2d(-self.y, self.x)

    def perpendicular_normal(self) -> Vec2d:
        """The unit perpendicular; the vector itself where it is (0, 0)."""
        length = self.length
        return Vec2d(-self.y / length, self.x / length) if length != 0 else Vec2d(self.x, self.y)

    def projection(self, other: Sequence[float]) -> Vec2d:
        """This vector projected onto `other`; (0, 0) onto (0, 0)."""
        other_sqrd = other[0] * other[0] + other[1] * other[1]
        if other_sqrd == 0.0:
            return Vec2d(0, 0)
        along = self.dot(other) / other_sqrd
        return Vec2d(other[0] * along, other[1] * along)

    def interpolate_to(self, other: Sequence[float], range: float) -> Vec2d:
        return Vec2d(self.x + (other[0] - self.x) * range, self.y + (other[1] - self.y) * range)

    def convert_to_basis(self, x_vector: Sequence[float], y_vector: Sequence[float]) -> Vec2d:
        return Vec2d(self.dot(x_vector) / Vec2d(*x_vector).get_length_sqrd(),
                     self.dot(y_vector) / Vec2d(*y_vector).get_length_sqrd())

    def cpvrotate(self, other: Sequence[float]) -> Vec2d:
        """Complex multiplication: this vector turned and scaled by `other`."""
        return Vec2d(self.x * other[0] - self.y * other[1], self.x * other[1] + self.y * other[0])

    def cpvunrotate(self, other: Sequence[float]) -> Vec2d:
        """The inverse of `cpvrotate` for a unit `other`."""
        return Vec2d(self.x * other[0] + self.y * other[1], self.y * other[0] - self.x * other[1])

    @property
    def int_tuple(self) -> tuple[int, int]:
        return round(self.x), round(self.y)

    @staticmethod
    def zero() -> Vec2d:
        return Vec2d(0, 0)

    @staticmethod
    def unit() -> Vec2d:
        return Vec2d(0, 1)

    @staticmethod
    def ones() -> Vec2d:
        return Vec2d(1, 1)
