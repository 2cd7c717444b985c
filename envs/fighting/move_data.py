"""arena's moves written in the competition's move-data format (its per-move JSON documents).

Code written for the competition reads that data to predict attacks (`env.load_attacks()`, then
`Power.get_power(data["powers"][data["move"]["initialPowerIndex"]])`); here the data describe
the moves arena's game really plays. The format counts frames at 60 a second and lengths in its
editor's units (`BRAWL_TO_UNITS` game units each, hitbox offsets and sizes halved); each arena
move is one power with one cast, its recovery given as fixed recovery.
"""

from __future__ import annotations

from typing import Any

from arena.envs.fighting.moves import MOVES, Move, MoveType

BRAWL_TO_UNITS = 1.024 / 320  # game units per unit of the competition's move data
HEAVY = {MoveType.NSIG, MoveType.DSIG, MoveType.SSIG, MoveType.RECOVERY, MoveType.GROUNDPOUND}
# The competition's move names (its files are "<Weapon> <name>.json").
MOVE_NAMES = {"NLight": MoveType.NLIGHT, "DLight": MoveType.DLIGHT, "SLight": MoveType.SLIGHT,
              "NSig": MoveType.NSIG, "DSig": MoveType.DSIG, "SSig": MoveType.SSIG, "NAir": MoveType.NAIR,
              "DAir": MoveType.DAIR, "SAir": MoveType.SAIR, "Recovery": MoveType.RECOVERY,
              "Groundpound": MoveType.GROUNDPOUND}


def move_data(move: Move) -> dict[str, Any]:
    """`move` as one competition move document."""
    scale = 2 * BRAWL_TO_UNITS
    dx, dy, half_w, half_h = move.hitbox
    cast: dict[str, Any] = {
        "startupFrames": 2 * move.startup, "attackFrames": 2 * move.active, "baseDamage": move.damage,
        "fixedForce": move.knockback, "variableForce": move.growth, "hitAngleDeg": move.angle,
        "hitboxes": [{"xOffset": dx / scale, "yOffset": dy / scale, "width": 2 * half_w / scale,
                      "height": 2 * half_h / scale}],
    }
    if move.lunge or move.rise:
        # Speeds set on the first active frame; the format's vertical speeds point up.
        cast["frameChanges"] = [{"frame": 2 * move.startup, "casterVelocitySetXY": {
            "activeX": bool(move.lunge), "magnitudeX": move.lunge, "activeY": bool(move.rise),
            "magnitudeY": -move.rise}}]
    power = {"powerID": 0, "fixedRecovery": 2 * move.recovery, "recovery": 0, "stunTime": 2 * move.stun,
             "hitAngleDeg": move.angle, "casts": [cast]}
    return {"move": {"actionKey": "HEAVY" if move.move_type in HEAVY else "LIGHT", "initialPowerIndex": 0},
            "powers": [power]}


def weapon_move_data(weapon: str) -> dict[MoveType, dict[str, Any]]:
    """Every move of `weapon` ("Punch", "Spear" or "Hammer") as competition move documents."""
    return {move_type: move_data(move) for move_type, move in MOVES[weapon].items()}
