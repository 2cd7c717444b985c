"""The competition's weapon bookkeeping: `env.weapon_controller` and its spawners, `WeaponPool`.

arena's game keeps its weapons itself (`arena.envs.fighting.weapons`: spawners, dropped weapons,
pick-up and drop). `WeaponSpawnController` and `WeaponSpawner` show them as the competition's env
lists them, read from the match whenever asked; `WeaponPool` and `DroppedWeaponSpawner` keep the
competition's shapes for code that builds them.
"""

from __future__ import annotations

from typing import Any, Sequence

from arena.envs.fighting import rules as R
from arena.envs.fighting.camera import CameraResolution
from arena.envs.fighting.weapons import WeaponGO
from arena.envs.fighting.weapons import key_number, weapon_size

SIZE = weapon_size(CameraResolution.LOW.pixels_per_unit)
NEVER = 10**9  # a dropped weapon's cooldown: it shows its weapon once


class WeaponSpawner:
    """Spawner `id` of the match `env` plays (0 over the right ground, 1 over the left): `world_pos`, where its
    weapon shows (or will); `active_weapon`, the weapon shown (a `WeaponGO` of `env.objects`, or None);
    `flag`, whether one was shown long enough to be taken (its appearance played), which stays so after it
    goes until the next shows; `last_spawn_frame`, the frame its last weapon showed or was taken;
    `cooldown_frames`, how long after that the next one shows; `despawn_frames`; `vfx`, its effect."""

    despawn_frames = R.WEAPON_LIFETIME

    def __init__(self, env: Any, id: int):
        self._env = env
        self.id = id

    @property
    def _spawner(self) -> Any:
        return self._env.game.armory.spawners[self.id]

    @property
    def world_pos(self) -> list[float]:
        x, y = self._spawner.position
        return [float(x), float(y)]

    @property
    def active_weapon(self) -> WeaponGO | None:
        weapon = self._spawner.weapon
        return None if weapon is None else self._env.game.armory.lying().get(f"{weapon}{self.id}")

    @property
    def flag(self) -> bool:
        spawner = self._spawner
        if spawner.weapon is None:
            return spawner.last_spawn >= 0  # before its first weapon the last spawn is set in the past
        return self._env.game.steps - spawner.spawned_at >= R.SPAWN_SHOW_FRAMES

    @property
    def last_spawn_frame(self) -> int:
        return int(self._spawner.last_spawn)

    @property
    def cooldown_frames(self) -> int:
        return int(self._spawner.cooldown)

    @property
    def vfx(self) -> Any:
        return self._env.objects.get(f"SpawnerVFX{self.id}")

    def __repr__(self) -> str:
        return f"WeaponSpawner({self.id}, world_pos={self.world_pos}, active_weapon={self.active_weapon})"


class WeaponSpawnController:
    """`env.weapon_controller`: its `spawners` are the match's two `WeaponSpawner`s, then a
    `DroppedWeaponSpawner` for each weapon a fighter dropped that still lies about, in the order they were
    dropped (each the same object while its weapon lies there)."""

    def __init__(self, env: Any, spawners: list[WeaponSpawner]):
        self._env = env
        self._spawners = spawners
        self._dropped: dict[str, DroppedWeaponSpawner] = {}

    @property
    def spawners(self) -> list[Any]:
        dropped = {}
        for key, weapon in self._env.game.armory.lying().items():
            if weapon.dropped:
                known = self._dropped.get(key)
                dropped[key] = known if known is not None and known.active_weapon is weapon else self._shown(key, weapon)
        self._dropped = dropped
        return [*self._spawners, *dropped.values()]

    def _shown(self, key: str, weapon: WeaponGO) -> DroppedWeaponSpawner:
        number = key_number(key)
        flipped = next(flipped for _, dropped, flipped, _ in self._env.game.armory.drop_log if dropped == number)
        spawner = DroppedWeaponSpawner(None, number, self._env, None, weapon.shown_at, weapon.name,
                                       lifetime_frames=R.DROPPED_LIFETIME, flipped=flipped)
        spawner.active_weapon, spawner.last_spawn_frame, spawner._spawned_once = weapon, weapon.spawn_frame, True
        spawner.vfx = weapon.vfx
        return spawner


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
    """A one-off spawner for a weapon a fighter dropped: it shows `weapon_name` once, for `lifetime_frames`.
    (`env.weapon_controller` lists one for each dropped weapon lying about: `flipped` when its fighter faced
    left, `vfx` its effect, `DroppedVFX<id>` of `env.objects`.)"""

    def __init__(self, camera: Any, id: int, env: Any, pool: WeaponPool, pos: Sequence[float], weapon_name: str,
                 lifetime_frames: int = 300, vfx_folder: str = "-1", scale: float = 1.0, flipped: bool = False):
        self.camera = camera
        self.id = id
        self.env = env
        self.pool = pool
        self.world_pos = [float(pos[0]), float(pos[1])]
        self.weapon_name = str(weapon_name)
        self.despawn_frames = lifetime_frames
        self.cooldown_frames = NEVER
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
