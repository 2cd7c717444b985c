"""The competition's base classes and small helpers, with arena's game objects registered under them.

`isinstance(env.objects["player"], GameObject)` and `isinstance(env, MalachiteEnv)` hold as they do
in the competition, so reward code that checks or annotates with these names runs unchanged.
"""

from __future__ import annotations

from abc import ABC
from enum import Enum
from typing import Any, Generic, TypeVar

from arena.envs.fighting.env import WarehouseBrawl
from arena.envs.fighting.fighter import Fighter
from arena.envs.fighting.stage import Ground, Stage
from arena.envs.fighting.weapons import DroppedWeapon, Spawner, SpawnerVFX, WeaponObject

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
    """The competition's base class of everything on the stage: fighters, grounds, platforms, weapons.

    arena's game objects are registered as its subclasses; classes that derive from it get its
    do-nothing `render`, `process` and `physics_process`.
    """

    def render(self, canvas: Any, camera: Any) -> None:
        pass

    def process(self) -> None:
        pass

    def physics_process(self, dt: float) -> None:
        pass

    @staticmethod
    def draw_image(canvas: Any, img: Any, pos: Any, desired_width: float, camera: Any, flipped: bool = False) -> None:
        """Draw pygame Surface `img` centred on game position `pos`, `desired_width` units wide."""
        if canvas is None or img is None:
            return
        import pygame

        width = max(1, int(desired_width * camera.scale_gtp()))
        height = max(1, int(img.get_height() * width / max(1, img.get_width())))
        img = pygame.transform.scale(img, (width, height))
        if flipped:
            img = pygame.transform.flip(img, True, False)
        x, y = camera.gtp(pos)
        canvas.blit(img, (x - width / 2, y - height / 2))


MalachiteEnv.register(WarehouseBrawl)
for _cls in (Fighter, Ground, Stage, Spawner, SpawnerVFX, DroppedWeapon, WeaponObject):
    GameObject.register(_cls)


def hex_to_rgb(hex_color: str) -> tuple[int, int, int]:
    """'#FE9000' -> (254, 144, 0)."""
    hex_color = hex_color.lstrip("#")
    return tuple(int(hex_color[i:i + 2], 16) for i in (0, 2, 4))
