"""What reward code reads of a game object's `shape`, as the competition's physics engine (pymunk) shows it.

The game keeps its boxes as `physics.Body` (fighters, weapons) and `physics.Solid` (grounds, the
platform). An object's `shape` shows its box with the rest of a pymunk shape's face and the
competition's values: `body`, `bb` and `cache_bb()`, `friction`, `elasticity`, `sensor`,
`collision_type`, `owner` (the object) and `filter`, the collision categories reward code tells
weapons by (`filter.categories & WEAPON_CAT`, after `isinstance(filter, pymunk.ShapeFilter)`: a
pymunk `ShapeFilter` where pymunk is installed). Writing `friction` changes the body's, which
contacts use; the rest describes the competition's shapes, and writing it changes nothing here.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from arena.envs.fighting.physics import BB, Body, Solid

ALL_CATEGORIES = 0xFFFFFFFF
PLAYER_CATEGORY, GROUND_CATEGORY, WEAPON_CATEGORY = 1 << 0, 1 << 1, 1 << 2
# The competition's collision types.
GROUND_TYPE, PLAYER_TYPES, WEAPON_TYPE, PLATFORM_TYPE = 1, (3, 4), 5, 6


class ShapeFilter(NamedTuple):
    """pymunk's `ShapeFilter`, where pymunk is not installed."""

    group: int = 0
    categories: int = ALL_CATEGORIES
    mask: int = ALL_CATEGORIES


class Shape:
    """`box` (a `Body` or a `Solid`) as the competition's pymunk shape of `owner`."""

    __slots__ = ("box", "owner", "collision_type", "elasticity", "_categories", "_mask")
    sensor = False

    def __init__(self, box: Body | Solid, owner: Any, collision_type: int, categories: int = ALL_CATEGORIES,
                 mask: int = ALL_CATEGORIES, elasticity: float = 0.0):
        self.box, self.owner, self.collision_type, self.elasticity = box, owner, collision_type, elasticity
        self._categories, self._mask = categories, mask

    @property
    def body(self) -> Body:
        return self.box if isinstance(self.box, Body) else self.box.body

    @property
    def friction(self) -> float:
        return self.body.friction

    @friction.setter
    def friction(self, value: float) -> None:
        self.body.friction = float(value)

    def cache_bb(self) -> BB:
        """The box's extent now."""
        return self.box.cache_bb()

    @property
    def bb(self) -> BB:
        return self.box.cache_bb()

    @property
    def filter(self) -> Any:
        return _filter_type()(0, self._categories, self._mask)

    def __repr__(self) -> str:
        return f"Shape({type(self.owner).__name__}, collision_type={self.collision_type})"


def _filter_type() -> type:
    global _FILTER_TYPE
    if _FILTER_TYPE is None:
        try:
            from pymunk import ShapeFilter as pymunk_filter  # what the competition's reward code checks for
        except ImportError:
            pymunk_filter = ShapeFilter
        _FILTER_TYPE = pymunk_filter
    return _FILTER_TYPE


_FILTER_TYPE: type | None = None
