"""The competition's move data: one document per weapon and move, as its game loads them.

`move_table.json` holds them (refreshed by `tools/import_ai2_moves.py`). Code written for the
competition reads them to predict attacks (`env.load_attacks()`, then
`Power.get_power(data["powers"][data["move"]["initialPowerIndex"]])`); the game plays them
(`powers`). Frames count at 60 a second there; lengths are in `BRAWL_TO_UNITS` game units.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from arena.envs.fighting.colliders import BRAWL_TO_UNITS
from arena.envs.fighting.moves import MoveType
from arena.envs.fighting.powers import MoveData

# The competition's move names (its files are "<Weapon> <name>.json").
MOVE_NAMES = {"NLight": MoveType.NLIGHT, "DLight": MoveType.DLIGHT, "SLight": MoveType.SLIGHT,
              "NSig": MoveType.NSIG, "DSig": MoveType.DSIG, "SSig": MoveType.SSIG, "NAir": MoveType.NAIR,
              "DAir": MoveType.DAIR, "SAir": MoveType.SAIR, "Recovery": MoveType.RECOVERY,
              "Groundpound": MoveType.GROUNDPOUND}

_DOCUMENTS: dict[str, dict[str, dict[str, Any]]] = json.loads(
    (Path(__file__).with_name("move_table.json")).read_text())

# Every weapon's moves, parsed once: MOVES["Spear"][MoveType.SSIG].
MOVES: dict[str, dict[MoveType, MoveData]] = {
    weapon: {MOVE_NAMES[name]: MoveData(document) for name, document in moves.items()}
    for weapon, moves in _DOCUMENTS.items()
}


def weapon_move_data(weapon: str) -> dict[MoveType, dict[str, Any]]:
    """Every move of `weapon` ("Punch", "Spear" or "Hammer") as competition move documents (copies)."""
    return {MOVE_NAMES[name]: copy.deepcopy(document) for name, document in _DOCUMENTS[weapon].items()}


__all__ = ["BRAWL_TO_UNITS", "MOVES", "MOVE_NAMES", "weapon_move_data"]
