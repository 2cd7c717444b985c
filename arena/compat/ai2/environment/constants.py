"""The competition's `environment.constants`: the physics engine's collision category bits, as the
game's shapes carry them in their `filter`s (`arena.envs.fighting.shapes`)."""

from arena.envs.fighting.shapes import ALL_CATEGORIES as ALL_CATS
from arena.envs.fighting.shapes import GROUND_CATEGORY as GROUND_CAT
from arena.envs.fighting.shapes import PLAYER_CATEGORY as PLAYER_CAT
from arena.envs.fighting.shapes import WEAPON_CATEGORY as WEAPON_CAT

__all__ = ["PLAYER_CAT", "GROUND_CAT", "WEAPON_CAT", "ALL_CATS"]
