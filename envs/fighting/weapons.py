"""Weapons on the stage: two spawners (one over each ground) and weapons fighters drop.

Each spawner waits a cooldown drawn from 500 to 700 frames (the first weapon comes within 350
frames of the start), then shows a random spear or hammer 2.6 to 6.5 units from the centre, at
height 0.7 (right) or 2.7 (left); an untaken weapon vanishes after 350 frames and the cooldown
is drawn again (from half to one and a half times the first one), counted from when it appeared.
Spawners wait while weapons that fighters dropped lie around. A fighter not attacking picks a
weapon up by holding `h` while its hurtbox touches the weapon's pickup capsule (1.5 x 0.83), and
drops the weapon held by pressing `h`: it lies where the fighter was for 250 frames, and that
fighter cannot pick a dropped weapon up for 15 frames. A KO loses the weapon.

The observation's four weapon slots are the two spawners, then the dropped weapons in the order
they were dropped: where each appeared, and its type (1 for a spawner's, 2 spear, 3 hammer).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Callable

from arena.envs.fighting import rules as R
from arena.envs.fighting.colliders import CapsuleCollider
from arena.envs.fighting.physics import Body
from arena.envs.fighting.rules import Key
from arena.envs.fighting.states import AttackState

if TYPE_CHECKING:
    from arena.envs.fighting.fighter import Fighter
    from arena.envs.fighting.stage import Stage

OBS_TYPE = {"Spear": 2.0, "Hammer": 3.0}
PICKUP_SIZE = (1.5, 0.83)
DROP_OFFSET = (0.1, 0.27)  # forward and down from the fighter's centre
SLOTS = 4


class Spawner:
    """Shows a weapon over one ground from time to time (or, once, a dropped weapon)."""

    def __init__(self, side: int, height: float, rng: random.Random, first_cooldown: int):
        self.side = side  # +1 over the right ground, -1 over the left one
        self.height = height
        self.first_cooldown = first_cooldown
        self.cooldown = first_cooldown
        self.last_spawn = -(first_cooldown - rng.randint(0, R.FIRST_SPAWN_MAX))
        self.position = (side * R.SPAWNER_X_RANGE[0], height)
        self.weapon: str | None = None
        self.spawned_at = 0

    def update(self, frame: int, rng: random.Random, room: bool) -> None:
        if self.weapon is not None:
            if frame - self.spawned_at > R.WEAPON_LIFETIME:
                self.empty(rng)
        elif frame - self.last_spawn >= self.cooldown and room:
            self.position = (self.side * rng.uniform(*R.SPAWNER_X_RANGE), self.height)
            self.weapon = "Spear" if rng.randint(0, 1) == 0 else "Hammer"
            self.spawned_at = self.last_spawn = frame

    def empty(self, rng: random.Random) -> None:
        self.weapon = None
        self.cooldown = rng.randint(self.first_cooldown // 2, int(self.first_cooldown * 1.5))

    def observation(self) -> tuple[float, float, float]:
        if self.weapon is None:
            return 0.0, 0.0, 0.0
        return self.position[0], self.position[1], 1.0


class DroppedWeapon:
    """A weapon a fighter dropped: it lies where it was dropped until taken or `DROPPED_LIFETIME` passes."""

    def __init__(self, name: str, position: tuple[float, float], frame: int):
        self.weapon: str | None = name
        self.name = name
        self.position = position
        self.spawned_at = frame

    def observation(self) -> tuple[float, float, float]:
        if self.weapon is None:
            return 0.0, 0.0, 0.0
        x, y = self.position
        return max(-R.OBS_MAX_X, min(R.OBS_MAX_X, x)), max(-R.OBS_MAX_Y, min(R.OBS_MAX_Y, y)), OBS_TYPE[self.name]


def touches(fighter: Fighter, position: tuple[float, float]) -> bool:
    return fighter.hurtbox_collider.intersects(CapsuleCollider(position, *PICKUP_SIZE))


class Armory:
    """All the weapons of one match: the two spawners and the weapons lying where they were dropped."""

    def __init__(self, rng: random.Random, emit: Callable[[str, int], None]):
        self.rng = rng
        self.emit = emit
        right, left = R.SPAWNER_Y
        self.spawners = [Spawner(1, right, rng, rng.randint(*R.SPAWN_DELAY_RANGE)),
                         Spawner(-1, left, rng, rng.randint(*R.SPAWN_DELAY_RANGE))]
        self.dropped: list[DroppedWeapon] = []
        self._slots = self._observe()

    def update(self, fighters: list[Fighter], frame: int, platform: Stage) -> None:
        """Drops, then pickups, then spawning and vanishing, as the competition orders them."""
        reaching = [f for f in fighters if f.keys[Key.H] and not isinstance(f.state, AttackState)]
        for fighter in reaching:
            if fighter.weapon != "Punch" and fighter.input.key_status["h"].just_pressed:
                self.drop(fighter, frame)
        if reaching:
            for source in [*self.spawners, *self.dropped]:
                for fighter in reaching:
                    self.try_pick_up(source, fighter, frame)
        room = len(self.spawners) + len(self.dropped) <= 2
        for spawner in self.spawners:
            spawner.update(frame, self.rng, room)
        for item in self.dropped:
            if item.weapon is not None and frame - item.spawned_at >= R.DROPPED_LIFETIME:
                item.weapon = None
        self.dropped = [item for item in self.dropped if item.weapon is not None]
        self._slots = self._observe()

    def drop(self, fighter: Fighter, frame: int) -> None:
        body = fighter.body
        position = (body.x + DROP_OFFSET[0] * int(fighter.facing), body.y + DROP_OFFSET[1])
        self.dropped.append(DroppedWeapon(fighter.weapon, position, frame))
        fighter.weapon = "Punch"
        fighter.pickup_lock = frame + R.PICKUP_LOCK_FRAMES
        self.emit("weapon_drop_signal", fighter.agent_id)

    def try_pick_up(self, source: Spawner | DroppedWeapon, fighter: Fighter, frame: int) -> None:
        if source.weapon is None or fighter.weapon != "Punch":
            return
        keys = fighter.input.key_status["h"]
        if isinstance(source, DroppedWeapon):
            if frame < fighter.pickup_lock or not keys.just_pressed:
                return
        elif not keys.held:
            return
        if not touches(fighter, source.position):
            return
        fighter.weapon = source.weapon
        self.emit("weapon_equip_signal", fighter.agent_id)
        if isinstance(source, Spawner):
            source.last_spawn = frame
            source.empty(self.rng)
        else:
            source.weapon = None

    def observation(self) -> list[float]:
        """The four weapon slots: the spawners, then dropped weapons; each x, y, type (0 = empty)."""
        return self._slots

    def _observe(self) -> list[float]:
        values: list[float] = []
        for source in [*self.spawners, *self.dropped][:SLOTS]:
            values += source.observation()
        values += [0.0] * (3 * SLOTS - len(values))
        return values

    def items(self) -> list[tuple[str, float, float, bool]]:
        """Weapons lying on the stage: (name, x, y, dropped)."""
        lying = [(s.weapon, *s.position, False) for s in self.spawners if s.weapon is not None]
        return lying + [(d.name, *d.position, True) for d in self.dropped if d.weapon is not None]


class WeaponObject:
    """A weapon lying on the stage, as reward code finds it among `env.objects` (the competition's
    `WeaponGO`): `name` ("Spear" or "Hammer"), `body.position` and `world_pos`."""

    def __init__(self, name: str, x: float, y: float):
        self.name = name
        self.body = Body(x, y)
        self.world_pos = [x, y]
        self.active = True

    def __repr__(self) -> str:
        return f"WeaponObject({self.name!r}, {self.world_pos[0]:.2f}, {self.world_pos[1]:.2f})"


def stage_objects(lying: list[tuple[str, float, float, bool]]) -> dict[str, WeaponObject]:
    """The `env.objects` entries of the weapons `lying` on the stage (`Armory.items()`), named as the
    competition names them: `Hammer0` or `Spear0` over the right spawner, `...1` over the left one,
    `Dropped<Weapon><n>` (n from 2 up) once a fighter dropped it."""
    objects = {}
    dropped = 2
    for name, x, y, was_dropped in lying:
        if was_dropped:
            key = f"Dropped{name}{dropped}"
            dropped += 1
        else:
            key = f"{name}{0 if x > 0 else 1}"
        objects[key] = WeaponObject(name, x, y)
    return objects
