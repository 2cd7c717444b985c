"""What the competition's move data changes on given frames of a cast: `CastFrameChangeHolder` and
its records (caster position and velocity, the hit fighter's velocity and position, the hurtbox).

Each record's fields are named as the data's keys. The data's vertical speeds point up; the game's
y grows downward, so the velocity records keep `magnitudeY` negated, as the competition does.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass
class HurtboxPositionChange:
    xOffset: float = 0
    yOffset: float = 0
    width: float = 0
    height: float = 0
    active: bool = False


@dataclass
class CasterPositionChange:
    x: float = 0
    y: float = 0
    active: bool = False


@dataclass
class DealtPositionTarget:
    xOffset: float = 0
    yOffset: float = 0
    mult: float = 2.0
    active: bool = False


@dataclass
class CasterVelocitySet:
    magnitude: float = 0.0
    directionDeg: float = 0.0
    active: bool = False


@dataclass
class _VelocityXY:
    magnitudeX: float = 0.0
    magnitudeY: float = 0.0
    activeX: bool = False
    activeY: bool = False

    def __post_init__(self) -> None:
        self.magnitudeY = -self.magnitudeY  # data y up, game y down


class CasterVelocitySetXY(_VelocityXY):
    pass


class CasterVelocityAddXY(_VelocityXY):
    pass


class HitVelocitySetXY(_VelocityXY):
    pass


class HitVelocityAddXY(_VelocityXY):
    pass


@dataclass
class HitPosSetXY:
    positionX: float = 0.0
    positionY: float = 0.0
    activeX: bool = False
    activeY: bool = False


@dataclass
class CasterVelocityDampXY:
    dampX: float = 1.0
    dampY: float = 1.0
    activeX: bool = False
    activeY: bool = False


# attribute -> (data key, record class, whether an absent change still gets a default record)
CHANGES = {
    "caster_position_change": ("casterPositionChange", CasterPositionChange, True),
    "dealt_position_target": ("dealtPositionTarget", DealtPositionTarget, True),
    "caster_velocity_set": ("casterVelocitySet", CasterVelocitySet, False),
    "caster_velocity_set_xy": ("casterVelocitySetXY", CasterVelocitySetXY, False),
    "caster_velocity_add_xy": ("casterVelocityAddXY", CasterVelocityAddXY, False),
    "hit_velocity_add_xy": ("hitVelocityAddXY", HitVelocityAddXY, False),
    "hit_velocity_set_xy": ("hitVelocitySetXY", HitVelocitySetXY, False),
    "hit_pos_set_xy": ("hitPosSetXY", HitPosSetXY, False),
    "caster_velocity_damp_xy": ("casterVelocityDampXY", CasterVelocityDampXY, False),
    "hurtbox_position_change": ("hurtboxPositionChange", HurtboxPositionChange, True),
}


class CastFrameChangeHolder:
    """The changes of one frame of a cast: one attribute per record (None where the frame has none)."""

    def __init__(self, data: dict[str, Any]):
        self.frame = data.get("frame", 0)
        for attribute, (key, record, always) in CHANGES.items():
            found = data.get(key)
            if found is None:
                setattr(self, attribute, record() if always else None)
            else:
                names = {f.name for f in fields(record)}
                setattr(self, attribute, record(**{k: v for k, v in found.items() if k in names}))
