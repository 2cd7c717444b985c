"""The competition's `environment.constants`: the physics engine's collision category bits."""

PLAYER_CAT = 1 << 0
GROUND_CAT = 1 << 1
WEAPON_CAT = 1 << 2
ALL_CATS = 0xFFFFFFFF
