"""Attacks: the 11 move types, their frame data, and how each weapon changes them.

A move runs `startup` frames, then `active` frames during which its hitbox can hit once, then
`recovery` frames. A hit deals `damage` percent and launches the victim at

    speed = knockback + growth * g(X),   g(X) = X / 70 + X² / 12000

units per second, where X is the victim's damage percent plus the move's damage, in the
direction `angle` (degrees above the attacker's facing; negative angles point down). Weapons
lengthen the hitboxes and scale damage and knockback (`WEAPONS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import Enum

from arena.envs.fighting.rules import WEAPON_NAMES


class MoveType(Enum):
    """What an attack is; the observation's move_type is this value (0 when not attacking)."""

    NONE = 1
    NLIGHT = 2  # ground light, neutral
    DLIGHT = 3  # ground light, down
    SLIGHT = 4  # ground light, side
    NSIG = 5  # ground heavy, neutral
    DSIG = 6  # ground heavy, down
    SSIG = 7  # ground heavy, side
    NAIR = 8  # air light, neutral
    DAIR = 9  # air light, down
    SAIR = 10  # air light, side
    RECOVERY = 11  # air heavy, neutral or side: a rising attack, once per airtime
    GROUNDPOUND = 12  # air heavy, down: plunges until it lands

    def __int__(self) -> int:
        return self.value

    def __float__(self) -> float:
        return float(self.value)


# (grounded, heavy, direction) -> move; direction 0 neutral, 1 down, 2 side
MOVE_FOR_INPUT = {
    (True, False, 0): MoveType.NLIGHT, (True, False, 1): MoveType.DLIGHT, (True, False, 2): MoveType.SLIGHT,
    (True, True, 0): MoveType.NSIG, (True, True, 1): MoveType.DSIG, (True, True, 2): MoveType.SSIG,
    (False, False, 0): MoveType.NAIR, (False, False, 1): MoveType.DAIR, (False, False, 2): MoveType.SAIR,
    (False, True, 0): MoveType.RECOVERY, (False, True, 1): MoveType.GROUNDPOUND, (False, True, 2): MoveType.RECOVERY,
}


@dataclass(frozen=True)
class Move:
    """Frame data of one attack with one weapon. Hitbox offsets are toward the facing side."""

    move_type: MoveType
    startup: int
    active: int
    recovery: int
    damage: float
    knockback: float  # launch speed at no damage, units/s
    growth: float  # launch speed added per unit of g(X)
    angle: float
    hitbox: tuple[float, float, float, float]  # centre dx, dy and half width, half height
    stun: int  # hit stun before the launch speed adds to it
    lunge: float = 0.0  # forward speed set on the first active frame
    rise: float = 0.0  # vertical speed set on the first active frame (negative is up)

    @property
    def total(self) -> int:
        return self.startup + self.active + self.recovery

    @property
    def launch_direction(self) -> tuple[float, float]:
        """Unit launch vector for a right-facing attacker (y down)."""
        radians = math.radians(self.angle)
        return math.cos(radians), -math.sin(radians)


M = MoveType
UNARMED = {
    M.NLIGHT: Move(M.NLIGHT, 3, 3, 7, 4, 2.0, 1.0, 30, (0.65, -0.15, 0.35, 0.25), 8),
    M.DLIGHT: Move(M.DLIGHT, 4, 3, 8, 5, 2.0, 1.1, 20, (0.55, 0.35, 0.45, 0.18), 8),
    M.SLIGHT: Move(M.SLIGHT, 5, 3, 9, 6, 2.5, 1.3, 25, (0.75, -0.05, 0.45, 0.25), 10, lunge=4.0),
    M.NSIG: Move(M.NSIG, 10, 4, 16, 13, 3.5, 2.8, 80, (0.35, -0.7, 0.5, 0.45), 14),
    M.DSIG: Move(M.DSIG, 11, 5, 16, 12, 3.0, 2.5, 25, (0.0, 0.35, 1.1, 0.2), 14),
    M.SSIG: Move(M.SSIG, 13, 4, 18, 15, 4.0, 3.2, 35, (0.85, -0.05, 0.6, 0.3), 16, lunge=7.0),
    M.NAIR: Move(M.NAIR, 3, 6, 7, 6, 2.5, 1.3, 45, (0.0, 0.0, 0.55, 0.55), 10),
    M.DAIR: Move(M.DAIR, 5, 4, 9, 8, 2.5, 1.8, -70, (0.1, 0.6, 0.4, 0.35), 12),
    M.SAIR: Move(M.SAIR, 4, 4, 9, 7, 3.0, 1.6, 30, (0.7, 0.0, 0.45, 0.3), 10),
    M.RECOVERY: Move(M.RECOVERY, 4, 8, 12, 7, 3.0, 1.4, 75, (0.2, -0.4, 0.5, 0.6), 12, lunge=2.0, rise=-10.0),
    # Ground pound: its active phase lasts until the fighter lands (at most `active` frames).
    M.GROUNDPOUND: Move(M.GROUNDPOUND, 6, 40, 10, 12, 3.5, 2.4, 60, (0.0, 0.45, 0.6, 0.4), 14, rise=14.0),
}


@dataclass(frozen=True)
class Weapon:
    """How a weapon changes the unarmed moves: longer, stronger, and (for the hammer) slower."""

    name: str
    reach: float  # added to forward hitbox offsets and half widths
    size: float  # added to hitbox half heights
    damage: float  # multiplier
    knockback: float  # multiplier
    slower: int  # frames added to startup and recovery

    def apply(self, move: Move) -> Move:
        dx, dy, half_w, half_h = move.hitbox
        forward = 1.0 if dx > 0 else 0.0
        return replace(
            move,
            startup=move.startup + self.slower,
            recovery=move.recovery + self.slower,
            damage=round(move.damage * self.damage, 1),
            knockback=move.knockback * self.knockback,
            growth=move.growth * self.knockback,
            hitbox=(dx + forward * self.reach, dy, half_w + self.reach / 2, half_h + self.size),
        )


WEAPONS = {
    "Punch": Weapon("Punch", 0.0, 0.0, 1.0, 1.0, 0),
    "Spear": Weapon("Spear", 0.5, 0.05, 1.15, 1.1, 1),
    "Hammer": Weapon("Hammer", 0.25, 0.15, 1.5, 1.3, 3),
}
assert tuple(WEAPONS) == WEAPON_NAMES

# Every weapon's version of every move, built once.
MOVES: dict[str, dict[MoveType, Move]] = {
    name: {move_type: weapon.apply(move) for move_type, move in UNARMED.items()} for name, weapon in WEAPONS.items()
}


def knockback_growth(percent: float) -> float:
    """g(X): how much a launch grows with the victim's damage X (percent, including this hit)."""
    return percent / 70.0 + percent * percent / 12000.0
