"""Weapons on the stage: two spawners (one over each ground) and weapons fighters drop.

A spawner shows a random weapon (spear or hammer) 500 to 700 frames after its last one was taken
or vanished (its first within 350 frames of the start); an untaken weapon vanishes after 350
frames. Holding `h` next to a weapon while unarmed picks it up; pressing `h` while armed drops it
a short toss forward, where it lies for 300 frames. A KO loses the weapon.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Callable, Iterator

from arena.envs.fighting import rules as R
from arena.envs.fighting.rules import Key
from arena.envs.fighting.states import AttackState, KOState

if TYPE_CHECKING:
    from arena.envs.fighting.fighter import Fighter
    from arena.envs.fighting.stage import MovingPlatform

DROPPED_REST_HEIGHT = 0.3  # a dropped weapon's centre above the surface it lies on
TOSS_SPEED = (2.5, -4.0)  # forward and upward speed of a dropped weapon, units/s
OBS_TYPE = {"Spear": 2, "Hammer": 3}  # dropped weapons show their kind; spawned ones show 1 ("random")
GROUND_SURFACES = tuple((x, top, R.GROUND_HALF_WIDTH) for x, top in R.GROUNDS)


class WeaponItem:
    """A weapon lying (or falling) on the stage."""

    __slots__ = ("name", "x", "y", "vx", "vy", "expires", "dropped", "on_platform")

    def __init__(self, name: str, x: float, y: float, expires: int, dropped: bool):
        self.name, self.x, self.y, self.expires, self.dropped = name, x, y, expires, dropped
        self.vx = self.vy = 0.0
        self.on_platform = False

    def touches(self, fighter: Fighter) -> bool:
        body = fighter.body
        return (abs(body.x - self.x) < R.PICKUP_HALF_WIDTH + R.HURT_HALF_WIDTH
                and abs(body.y - self.y) < R.PICKUP_HALF_HEIGHT + R.HURT_HALF_HEIGHT)

    def fall(self, platform: MovingPlatform) -> None:
        """One frame of a dropped weapon's toss: it lands on a ground or rides the platform."""
        if self.on_platform:
            self.x += platform.dx
            self.y += platform.dy
            return
        self.vy += R.GRAVITY * R.DT
        old_y = self.y
        self.x += self.vx * R.DT
        self.y += self.vy * R.DT
        if self.vy <= 0:
            return
        surfaces = (*GROUND_SURFACES, (platform.body.x, platform.body.y, platform.half_width))
        for index, (x, top, half_width) in enumerate(surfaces):
            rest = top - DROPPED_REST_HEIGHT
            if abs(self.x - x) <= half_width and old_y <= rest <= self.y:
                self.y, self.vx, self.vy = rest, 0.0, 0.0
                self.on_platform = index == len(GROUND_SURFACES)
                return


class Spawner:
    """Shows a weapon over one ground from time to time."""

    def __init__(self, side: int, surface: float, rng: random.Random):
        self.side = side  # +1 over the right ground, -1 over the left one
        self.surface = surface
        self.item: WeaponItem | None = None
        self.next_spawn = rng.randint(0, R.FIRST_SPAWN_MAX)

    def update(self, frame: int, rng: random.Random, room: bool) -> None:
        if self.item is not None:
            if frame >= self.item.expires:
                self.empty(frame, rng)
        elif frame >= self.next_spawn and room:
            x = self.side * rng.uniform(*R.SPAWNER_X_RANGE)
            name = rng.choice(("Spear", "Hammer"))
            self.item = WeaponItem(name, x, self.surface - R.SPAWNER_HEIGHT, frame + R.WEAPON_LIFETIME, dropped=False)

    def empty(self, frame: int, rng: random.Random) -> None:
        self.item = None
        self.next_spawn = frame + rng.randint(*R.SPAWN_DELAY_RANGE)


class Armory:
    """All the weapons of one match: the two spawners and up to `MAX_DROPPED` dropped weapons."""

    def __init__(self, rng: random.Random, emit: Callable[[str, int], None]):
        self.rng = rng
        self.emit = emit
        (right_x, right_top), (left_x, left_top) = R.GROUNDS
        self.spawners = [Spawner(1, right_top, rng), Spawner(-1, left_top, rng)]
        self.dropped: list[WeaponItem] = []

    def items(self) -> Iterator[WeaponItem]:
        for spawner in self.spawners:
            if spawner.item is not None:
                yield spawner.item
        yield from self.dropped

    def update(self, fighters: list[Fighter], frame: int, platform: MovingPlatform) -> None:
        for fighter in fighters:
            if fighter.keys[Key.H] and not isinstance(fighter.state, (AttackState, KOState)):
                if fighter.weapon == "Punch":
                    if frame >= fighter.pickup_lock:
                        self.pick_up(fighter, frame)
                elif not fighter.prev_keys[Key.H]:
                    self.drop(fighter, frame)
        if self.dropped:
            for item in self.dropped:
                item.fall(platform)
            self.dropped = [i for i in self.dropped if frame < i.expires and i.y < R.BLAST_Y]
        lying = len(self.dropped)
        for spawner in self.spawners:
            lying += spawner.item is not None
        for spawner in self.spawners:
            spawner.update(frame, self.rng, lying < R.MAX_WEAPONS_ON_STAGE)

    def drop(self, fighter: Fighter, frame: int) -> None:
        body = fighter.body
        item = WeaponItem(fighter.weapon, body.x, body.y, frame + R.DROPPED_LIFETIME, dropped=True)
        item.vx, item.vy = TOSS_SPEED[0] * fighter.facing, TOSS_SPEED[1]
        self.dropped = (self.dropped + [item])[-R.MAX_DROPPED:]
        fighter.weapon = "Punch"
        fighter.pickup_lock = frame + R.PICKUP_LOCK_FRAMES
        self.emit("weapon_drop_signal", fighter.agent_id)

    def pick_up(self, fighter: Fighter, frame: int) -> None:
        for spawner in self.spawners:
            if spawner.item is not None and spawner.item.touches(fighter):
                fighter.weapon = spawner.item.name
                spawner.empty(frame, self.rng)
                break
        else:
            item = next((i for i in self.dropped if i.touches(fighter)), None)
            if item is None:
                return
            fighter.weapon = item.name
            self.dropped.remove(item)
        self.emit("weapon_equip_signal", fighter.agent_id)

    def observation(self) -> list[float]:
        """The four spawner slots: two spawners, then dropped weapons; each x, y, type (0 = empty)."""
        values: list[float] = []
        for spawner in self.spawners:
            item = spawner.item
            values += (0.0, 0.0, 0.0) if item is None else (item.x, item.y, 1.0)
        for slot in range(R.MAX_DROPPED):
            if slot < len(self.dropped):
                item = self.dropped[slot]
                values += (item.x, max(-R.OBS_MAX_Y, min(R.OBS_MAX_Y, item.y)), float(OBS_TYPE[item.name]))
            else:
                values += (0.0, 0.0, 0.0)
        return values
