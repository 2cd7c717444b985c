"""Weapons on the stage: two spawners (one over each ground) and weapons fighters drop.

Each spawner waits a cooldown drawn from 500 to 700 frames (the first weapon comes within 350
frames of the start), then shows a random spear or hammer 2.6 to 6.5 units from the centre, at
height 0.7 (right) or 2.7 (left); an untaken weapon vanishes after 350 frames and the cooldown
is drawn again (from half to one and a half times the first one), counted from when it appeared.
Spawners wait while weapons that fighters dropped lie around. A fighter not attacking picks a
weapon up by holding `h` while its hurtbox touches the weapon's pickup capsule (a spawner's only
once it has been shown for 36 frames, and a dropped one by pressing `h`), and drops the weapon
held by pressing `h`: it appears where the fighter was and lies about for 250 frames, and that
fighter cannot pick a dropped weapon up for 15 frames. A KO loses the weapon.

A weapon lying about is a physics box (`WeaponObject`): it falls, settles on a ground or the
platform (riding it) or falls into the pit. Its pickup capsule is centred where it was before the
frame's physics step (`world_pos`), 1.5 wide and 0.83 high for a spawner's weapon, as high as its
picture for a dropped one.

The observation's four weapon slots are the two spawners, then the dropped weapons in the order
they were dropped: where each appeared, and its type (1 for a spawner's, 2 spear, 3 hammer).
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING, Any, Callable, Sequence

from arena.envs.fighting import rules as R
from arena.envs.fighting.colliders import CapsuleCollider
from arena.envs.fighting.physics import Body
from arena.envs.fighting.rules import Key
from arena.envs.fighting.shapes import GROUND_CATEGORY, WEAPON_CATEGORY, WEAPON_TYPE, Shape
from arena.envs.fighting.states import AttackState

if TYPE_CHECKING:
    from arena.envs.fighting.fighter import Fighter
    from arena.envs.fighting.stage import Stage

OBS_TYPE = {"Spear": 2.0, "Hammer": 3.0}
DROP_OFFSET = (0.1, 0.27)  # forward and down from the fighter's centre
SLOTS = 4
FIRST_DROPPED_ID = 2  # the competition numbers dropped weapons after its two spawners


class WeaponGO:
    """A weapon lying on the stage (arena's `WeaponObject`), as reward code finds it among `env.objects`
    under the competition's class name: `name` ("Spear" or "Hammer"), `body` (its physics box: `body.position`,
    `body.velocity`; `shape.cache_bb()` its extent) and `world_pos`, where the body was before the
    frame's physics step; `shown_at`, where it appeared, and `spawn_frame`, the frame it did; `vfx`, only once
    the competition's weapon object it stands for was dropped: that drop's effect (`Armory.pool`)."""

    fall_speed = 0.1  # the competition's, which its physics box makes unused
    physics_on = True

    def __init__(self, name: str, x: float, y: float, size: tuple[float, float], dropped: bool = False,
                 spawn_frame: int = 0):
        self.name = name
        self.spawn_frame = spawn_frame
        self.body = Body(x, y, size[0] / 2, size[1] / 2, friction=R.WEAPON_FRICTION, mass=R.WEAPON_MASS,
                         moment=R.WEAPON_MOMENT)
        self.world_pos = [float(x), float(y)]
        self.shown_at = (float(x), float(y))
        self.dropped = dropped
        self.active = True
        self.shape = Shape(self.body, self, WEAPON_TYPE, WEAPON_CATEGORY, mask=GROUND_CATEGORY, elasticity=1.0)

    def physics_process(self) -> None:
        self.world_pos[0], self.world_pos[1] = self.body.x, self.body.y

    def frames_alive(self, current_frame: int) -> int:
        return current_frame - self.spawn_frame

    def __repr__(self) -> str:
        return f"WeaponGO({self.name!r}, {self.body.x:.2f}, {self.body.y:.2f})"


WeaponObject = WeaponGO  # arena's name for it (the class keeps the competition's, which code may print or compare)


class Spawner:
    """Shows a weapon over one ground from time to time.

    `weapon` names the weapon shown (None: none), `position` where it appeared; setting them shows
    a new weapon there from the next frame on (`item` is the weapon lying about).
    """

    def __init__(self, side: int, height: float, rng: random.Random, first_cooldown: int,
                 distance: float = R.SPAWNER_X_RANGE[0]):
        self.side = side  # +1 over the right ground, -1 over the left one
        self.height = height
        self.first_cooldown = first_cooldown
        self.cooldown = first_cooldown
        self.last_spawn = -(first_cooldown - rng.randint(0, R.FIRST_SPAWN_MAX))
        self.position = (side * distance, height)  # where it stands until its first weapon appears
        self.weapon: str | None = None
        self.spawned_at = 0
        self.item: WeaponObject | None = None
        self._item_shows: tuple | None = None  # the (weapon, position) `item` was made for
        self.effect: SpawnerVFX | None = None  # the effect its weapon's pooled object keeps (`Armory.pool`)

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

    def place_item(self, size: tuple[float, float]) -> None:
        """Make `item` the weapon `weapon` and `position` say lies here (none if `weapon` is None)."""
        shows = (self.weapon, tuple(self.position))
        if shows == self._item_shows:
            return
        self._item_shows = shows
        self.item = (None if self.weapon is None
                     else WeaponObject(self.weapon, *self.position, size, spawn_frame=self.spawned_at))
        if self.item is not None and self.effect is not None:
            self.item.vfx = self.effect

    def observation(self) -> tuple[float, float, float]:
        if self.weapon is None:
            return 0.0, 0.0, 0.0
        return self.position[0], self.position[1], 1.0


class SpawnerVFX:
    """An effect as the competition's `env.objects` lists it: a spawner's (`SpawnerVFX0`, `SpawnerVFX1`) or
    a dropped weapon's (`DroppedVFX<n>`). `world_pos`: a spawner's stands where its spawner does (its
    first place until a weapon shows, then where the last one showed); `spawner` is its spawner's number
    in the armory of `game`, which may be replaced. A dropped weapon's (no `game`) is where it was set.
    `flipped`: whether its picture faces left."""

    def __init__(self, game: Any = None, spawner: int = 0, world_pos: Sequence[float] = (0.0, 0.0),
                 flipped: bool = False):
        self._game = game
        self._spawner = spawner
        self._world_pos = world_pos
        self.flipped = flipped

    @property
    def world_pos(self) -> Sequence[float]:
        if self._game is None:
            return self._world_pos
        x, y = self._game.armory.spawners[self._spawner].position
        return float(x), float(y)

    @world_pos.setter
    def world_pos(self, where: Sequence[float]) -> None:
        self._world_pos = where

    def process(self) -> None:
        """Nothing to do each frame (the competition's game calls it on every object)."""

    def physics_process(self, dt: float = R.DT) -> None:
        """Nothing to do each frame (the competition's game calls it on every object)."""

    def __repr__(self) -> str:
        return f"SpawnerVFX({self._spawner}, world_pos={self.world_pos})"


class DroppedWeapon:
    """A weapon a fighter dropped at `position`: it lies about (`item`) until taken or `DROPPED_LIFETIME` passes.
    `flipped`: the fighter faced left; `effect`, its `DroppedVFX<number>` (set after the frame's pickups)."""

    def __init__(self, name: str, position: tuple[float, float], frame: int, number: int, size: tuple[float, float],
                 flipped: bool = False):
        self.weapon: str | None = name
        self.name = name
        self.position = position
        self.spawned_at = frame
        self.number = number  # its `env.objects` name's number
        self.flipped = flipped
        self.effect: SpawnerVFX | None = None
        self.item = WeaponObject(name, *position, size, dropped=True, spawn_frame=frame)

    def observation(self) -> tuple[float, float, float]:
        if self.weapon is None:
            return 0.0, 0.0, 0.0
        x, y = self.position
        return max(-R.OBS_MAX_X, min(R.OBS_MAX_X, x)), max(-R.OBS_MAX_Y, min(R.OBS_MAX_Y, y)), OBS_TYPE[self.name]


def key_number(key: str) -> int:
    """The number a weapon's `env.objects` name ends with: its spawner's (`Spear0`) or its drop's (`DroppedHammer3`)."""
    return int(re.search(r"\d+$", key)[0])


def on_stage(lying: dict[str, WeaponObject], drop_log: Sequence[tuple[int, int, bool, SpawnerVFX]]) -> dict[str, Any]:
    """The weapons lying about (`Armory.lying`) and the effects of the match's drops (`Armory.drop_log`) by
    their `env.objects` names, in the order the competition's `env.objects` has them: each where it appeared,
    `DroppedVFX<n>` just before `Dropped<Weapon><n>` (and staying after its weapon is gone, as there)."""
    found = [(item.spawn_frame, int(item.dropped), key_number(key), 1, key, item) for key, item in lying.items()]
    found += [(frame, 1, number, 0, f"DroppedVFX{number}", effect) for frame, number, _, effect in drop_log]
    return {key: item for *_, key, item in sorted(found, key=lambda entry: entry[:4])}


def touches(fighter: Fighter, position: Sequence[float], height: float) -> bool:
    return fighter.hurtbox_collider.intersects(CapsuleCollider(tuple(position), R.PICKUP_WIDTH, height))


def weapon_size(pixels_per_unit: float) -> tuple[float, float]:
    """A lying weapon's body (width, height) at a render scale of `pixels_per_unit`."""
    width, height = R.WEAPON_PICTURE
    return width / pixels_per_unit, height / pixels_per_unit + R.WEAPON_BODY_PADDING


class Armory:
    """All the weapons of one match: the two spawners and the weapons lying where they were dropped.

    `pixels_per_unit` is the render scale that sizes the weapons (`CameraResolution.pixels_per_unit`);
    `competition_draws` as `game.Game`'s.
    """

    def __init__(self, rng: random.Random, emit: Callable[[str, int], None], pixels_per_unit: float = 48.0,
                 competition_draws: bool = False):
        self.rng = rng
        self.emit = emit
        self.competition_draws = competition_draws
        self.size = weapon_size(pixels_per_unit)
        self.dropped_pickup_height = R.WEAPON_PICTURE[1] / pixels_per_unit
        right, left = R.SPAWNER_Y
        self.spawners = [self._new_spawner(1, right), self._new_spawner(-1, left)]
        self.dropped: list[DroppedWeapon] = []
        self.drops = 0
        # The competition takes each weapon it shows from a pool of idle weapon objects (the first idle one of
        # that weapon, or a new one) and gives it back as it goes; an object dropped once keeps an effect from
        # then on, which its later drops show again. (weapon, its effect or None) for each idle one, in order.
        self.pool: list[tuple[str, SpawnerVFX | None]] = []
        self.drop_log: list[tuple[int, int, bool, SpawnerVFX]] = []  # (frame, number, flipped, effect) of each drop
        self._slots = self._observe()

    def _new_spawner(self, side: int, height: float) -> Spawner:
        rng = self.rng
        # The competition's spawner is first placed at random (the place is drawn again for each weapon).
        distance = rng.uniform(*R.SPAWNER_X_RANGE) if self.competition_draws else R.SPAWNER_X_RANGE[0]
        return Spawner(side, height, rng, rng.randint(*R.SPAWN_DELAY_RANGE), distance)

    def physics_process(self) -> list[Body]:
        """Before the physics step: each lying weapon's `world_pos` is where its body is now; their bodies,
        for the step to move."""
        for spawner in self.spawners:
            spawner.place_item(self.size)  # a spawner's weapon written from outside lies there now
        lying = list(self.lying().values())
        for item in lying:
            item.physics_process()
        return [item.body for item in lying]

    def update(self, fighters: list[Fighter], frame: int, platform: Stage) -> None:
        """Drops, then pickups, then spawning and vanishing, as the competition orders them."""
        reaching = [f for f in fighters if f.keys[Key.H] and not isinstance(f.state, AttackState)]
        for fighter in reaching:
            if fighter.weapon != "Punch" and fighter.input.key_status["h"].just_pressed:
                self.drop(fighter, frame)
        if reaching:
            # A weapon dropped this frame is not there to take until the next: the competition's dropped weapon is
            # a spawner that makes its weapon after the frame's pickups.
            for source in [*self.spawners, *(item for item in self.dropped if item.spawned_at != frame)]:
                for fighter in reaching:
                    self.try_pick_up(source, fighter, frame)
        room = len(self.spawners) + len(self.dropped) <= 2
        for spawner in self.spawners:
            shown = spawner.weapon
            spawner.update(frame, self.rng, room)
            if shown is not None and spawner.weapon is None:
                self._give_back(shown, spawner.effect)
                spawner.effect = None
            elif shown is None and spawner.weapon is not None:
                spawner.effect = self._take(spawner.weapon)
            spawner.place_item(self.size)
        for item in self.dropped:
            if item.weapon is None:
                continue
            if item.spawned_at == frame:
                self._show_effect(item, frame)
                continue
            effect = item.effect
            effect.world_pos, effect.flipped = item.item.world_pos, item.flipped  # the list the weapon moves
            if frame - item.spawned_at >= R.DROPPED_LIFETIME:
                self._give_back(item.name, effect)
                item.weapon = None
        self.dropped = [item for item in self.dropped if item.weapon is not None]
        self._slots = self._observe()

    def _take(self, name: str) -> SpawnerVFX | None:
        for index, (pooled, effect) in enumerate(self.pool):
            if pooled == name:
                del self.pool[index]
                return effect
        return None

    def _give_back(self, name: str, effect: SpawnerVFX | None) -> None:
        self.pool.append((name, effect))

    def _show_effect(self, item: DroppedWeapon, frame: int) -> None:
        effect = self._take(item.name) or SpawnerVFX()
        effect.world_pos = tuple(item.position)
        item.effect = item.item.vfx = effect
        self.drop_log.append((frame, item.number, item.flipped, effect))

    def drop(self, fighter: Fighter, frame: int) -> None:
        body = fighter.body
        position = (body.x + DROP_OFFSET[0] * int(fighter.facing), body.y + DROP_OFFSET[1])
        self.dropped.append(DroppedWeapon(fighter.weapon, position, frame, FIRST_DROPPED_ID + self.drops, self.size,
                                          flipped=int(fighter.facing) < 0))
        self.drops += 1
        fighter.weapon = "Punch"
        fighter.pickup_lock = frame + R.PICKUP_LOCK_FRAMES
        if self.competition_draws:  # the competition's dropped weapon is a spawner, drawing a first delay it never uses
            self.rng.randint(0, R.FIRST_SPAWN_MAX)
        self.emit("weapon_drop_signal", fighter.agent_id)

    def try_pick_up(self, source: Spawner | DroppedWeapon, fighter: Fighter, frame: int) -> None:
        if source.weapon is None or source.item is None or fighter.weapon != "Punch":
            return
        keys = fighter.input.key_status["h"]
        if isinstance(source, DroppedWeapon):
            if frame < fighter.pickup_lock or not keys.just_pressed:
                return
            height = self.dropped_pickup_height
        elif not keys.held or frame - source.spawned_at <= R.SPAWN_SHOW_FRAMES:
            return
        else:
            height = R.SPAWNED_PICKUP_HEIGHT
        if not touches(fighter, source.item.world_pos, height):
            return
        fighter.weapon = source.weapon
        self.emit("weapon_equip_signal", fighter.agent_id)
        if isinstance(source, Spawner):
            self._give_back(source.weapon, source.effect)
            source.effect = None
            source.last_spawn = frame
            source.empty(self.rng)  # its weapon leaves the stage as `update` places the spawners' items
        else:
            self._give_back(source.name, source.effect)
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

    def lying(self) -> dict[str, WeaponObject]:
        """The weapons lying about by their `env.objects` names, as the competition names them: `Hammer0`
        or `Spear0` over the right spawner, `...1` over the left one, `Dropped<Weapon><n>` (n from 2 up,
        counting the match's drops) once a fighter dropped it; in the order they appeared, as there
        (within a frame the spawners' before the dropped ones)."""
        found = [(s.spawned_at, 0, index, f"{s.item.name}{index}", s.item)
                 for index, s in enumerate(self.spawners) if s.item is not None]
        found += [(d.spawned_at, 1, d.number, f"Dropped{d.name}{d.number}", d.item)
                  for d in self.dropped if d.weapon is not None]
        return {key: item for *_, key, item in sorted(found, key=lambda entry: entry[:3])}
