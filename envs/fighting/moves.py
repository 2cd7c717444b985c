"""Attacks: the 11 move types, which keys choose them, and how hard hits launch.

A hit with base damage D and forces (fixed F, variable V) on a fighter at damage X percent
launches it at

    speed = (F + V * g(X + D)) * KNOCKBACK_SCALE,   g(X) = X / 70 + X² / 12000

units per second, so the same hit sends a damaged fighter much farther. Each weapon's moves are
the competition's data (`move_data.MOVES`; how they play: `powers`).
"""

from __future__ import annotations

from enum import Enum


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
    GROUNDPOUND = 12  # air heavy, down

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


def knockback_growth(percent: float) -> float:
    """g(X): how much a launch grows with the victim's damage X (percent, including this hit)."""
    return percent / 70.0 + percent * percent / 12000.0
