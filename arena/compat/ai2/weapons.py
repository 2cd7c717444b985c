"""The competition's weapon bookkeeping helpers: `WeaponPool` and `DroppedWeaponSpawner`.

arena's game keeps its weapons itself (`arena.envs.fighting.weapons`: spawners, dropped weapons,
pick-up and drop); these keep the competition's shapes for code that builds or inspects them.
"""

from __future__ import annotations

from typing import Any, Sequence

from arena.envs.fighting.camera import CameraResolution
from arena.envs.fighting.weapons import WeaponObject as WeaponGO
from arena.envs.fighting.weapons import weapon_size

SIZE = weapon_size(CameraResolution.LOW.pixels_per_unit)


class WeaponPool:
    """Weapons to reuse: `get_weapon` hands out an idle one of that name, or a new one."""

    def __init__(self, weapon_images: dict[str, Any]):
        self.pool: list[WeaponGO] = []
        self.weapon_images = weapon_images  # name -> picture

    def get_weapon(self, env: Any, name: str, physics_on: bool) -> WeaponGO:
        for index, weapon in enumerate(self.pool):
            if weapon.name == name:
                return self.pool.pop(index)
        return WeaponGO(name, 0.0, 0.0, SIZE)

    def return_weapon(self, weapon: WeaponGO) -> None:
        self.pool.append(weapon)


class DroppedWeaponSpawner:
    """A one-off spawner for a weapon a fighter dropped: it shows `weapon_name` once, for `lifetime_frames`."""

    def __init__(self, camera: Any, id: int, env: Any, pool: WeaponPool, pos: Sequence[float], weapon_name: str,
                 lifetime_frames: int = 300, vfx_folder: str = "-1", scale: float = 1.0, flipped: bool = False):
        self.camera = camera
        self.id = id
        self.env = env
        self.pool = pool
        self.world_pos = [float(pos[0]), float(pos[1])]
        self.weapon_name = str(weapon_name)
        self.despawn_frames = lifetime_frames
        self.flipped = flipped
        self.active_weapon: WeaponGO | None = None
        self.last_spawn_frame = 0
        self._spawned_once = False
        self.done = False

    def spawn_weapon(self, current_frame: int) -> None:
        weapon = self.pool.get_weapon(self.env, self.weapon_name, True)
        weapon.body.position = weapon.world_pos = list(self.world_pos)
        weapon.spawn_frame = current_frame
        self.active_weapon = weapon
        self.last_spawn_frame = current_frame
        self._spawned_once = True

    def despawn_weapon(self) -> None:
        if self.active_weapon is not None:
            self.pool.return_weapon(self.active_weapon)
            self.active_weapon = None
        self.done = True

    def update(self, current_frame: int, number_active_spawners: int = 0) -> None:
        if not self._spawned_once:
            self.spawn_weapon(current_frame)
        elif self.active_weapon is not None and current_frame - self.last_spawn_frame >= self.despawn_frames:
            self.despawn_weapon()

    @staticmethod
    def try_drop(env: Any) -> None:
        """Nothing to do: arena's game drops weapons itself when a fighter presses h while armed."""
