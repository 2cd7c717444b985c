"""The competition's base classes and small helpers, with arena's game objects registered under them.

`isinstance(env.objects["player"], GameObject)` and `isinstance(env, MalachiteEnv)` hold as they do
in the competition, so reward code that checks or annotates with these names runs unchanged.
"""

from __future__ import annotations

from abc import ABC
from enum import Enum
from typing import Generic, TypeVar

from arena.envs.fighting.env import WarehouseBrawl
from arena.envs.fighting.fighter import Fighter
from arena.envs.fighting.stage import Ground, MovingPlatform
from arena.envs.fighting.weapons import WeaponItem

ObsType = TypeVar("ObsType")
ActType = TypeVar("ActType")
AgentID = TypeVar("AgentID")

# The competition's physics-engine collision types of grounds, fighters and platforms.
GROUND = 1
PLAYER = 3
PLATFORM = 5


class GameMode(Enum):
    STANDARD = 0
    ATTACK_DEBUG = 1


class MalachiteEnv(ABC, Generic[ObsType, ActType, AgentID]):
    """The competition's base class of two-player envs (WarehouseBrawl is one)."""


class GameObject(ABC):
    """The competition's base class of everything on the stage: fighters, grounds, platforms, weapons."""


MalachiteEnv.register(WarehouseBrawl)
for _cls in (Fighter, Ground, MovingPlatform, WeaponItem):
    GameObject.register(_cls)


def hex_to_rgb(hex_color: str) -> tuple[int, int, int]:
    """'#FE9000' -> (254, 144, 0)."""
    hex_color = hex_color.lstrip("#")
    return tuple(int(hex_color[i:i + 2], 16) for i in (0, 2, 4))
