"""A fighter: its body, keys, timers, damage and stocks, and how it moves through the stage.

Reward code reads fighters as `env.objects["player"]` and `env.objects["opponent"]`; the
attributes it may use are listed on `Fighter`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from arena.envs.fighting import rules as R
from arena.envs.fighting.inputs import PlayerInputHandler
from arena.envs.fighting.moves import MOVE_FOR_INPUT, MOVES, Move, MoveType, knockback_growth
from arena.envs.fighting.rules import Facing, Key
from arena.envs.fighting.states import (
    STATE_CLASSES, AttackState, InAirState, PlayerObjectState, StandingState, StunState, WalkingState,
)

if TYPE_CHECKING:
    from arena.envs.fighting.game import Game

STUN_PER_SPEED = 0.8  # frames of hit stun added per unit/s of launch speed


class Vec2:
    """A 2-D vector with `.x` and `.y` (also indexable and iterable like a pair)."""

    __slots__ = ("x", "y")

    def __init__(self, x: float, y: float):
        self.x = x
        self.y = y

    def __getitem__(self, index: int) -> float:
        return (self.x, self.y)[index]

    def __iter__(self) -> Iterator[float]:
        return iter((self.x, self.y))

    def __len__(self) -> int:
        return 2

    def __eq__(self, other: Any) -> bool:
        return tuple(self) == tuple(other)

    def __repr__(self) -> str:
        return f"Vec2({self.x:.3f}, {self.y:.3f})"


class Body:
    """Where a fighter is and how fast it moves: `position` (units) and `velocity` (units/s), y down."""

    __slots__ = ("x", "y", "vx", "vy")

    def __init__(self, x: float, y: float):
        self.x, self.y = x, y
        self.vx = self.vy = 0.0

    @property
    def position(self) -> Vec2:
        return Vec2(self.x, self.y)

    @position.setter
    def position(self, value) -> None:
        self.x, self.y = float(value[0]), float(value[1])

    @property
    def velocity(self) -> Vec2:
        return Vec2(self.vx, self.vy)

    @velocity.setter
    def velocity(self, value) -> None:
        self.vx, self.vy = float(value[0]), float(value[1])


class Fighter:
    """One of the two fighters.

    For reward code: `body.position.x/.y`, `body.velocity`, `damage` (percent, 0 to 700),
    `damage_taken_this_frame`, `damage_taken_this_stock` (since the last respawn),
    `damage_taken_total`, `damage_done`, `stocks`, `state` (a state instance), `cur_action` (the
    last action), `input.key_status[key]` (see `PlayerInputHandler`), `weapon` ("Punch", "Spear" or
    "Hammer"), `prev_x` and `prev_y` (position at the start of the last frame), `facing`
    (Facing.RIGHT = 1 or Facing.LEFT = -1), `is_on_floor()`, `jumps_left`, `recoveries_left`,
    `agent_id` (0 or 1).
    """

    def __init__(self, game: Game, agent_id: int, spawn: tuple[float, float]):
        self.game = game
        self.agent_id = agent_id
        self.spawn = spawn
        self.body = Body(*spawn)
        self.states = {cls: cls(self) for cls in STATE_CLASSES}
        self.state: PlayerObjectState = self.states[InAirState]
        self.facing = Facing.RIGHT if spawn[0] < 0 else Facing.LEFT
        self.opponent: Fighter = self  # set by the game once both exist
        self.keys = [False] * len(Key)
        self.prev_keys = self.keys
        self.cur_action = np.zeros(len(Key), np.float32)
        self.grounded = False
        self.on_platform = False
        self.drop_through = 0
        self.jumps_left = 0
        self.recoveries_left = 0
        self.jump_timer = 0
        self.dodge_cooldown = 0
        self.invincible_timer = 0
        self.timer = 0  # frames left in the current timed state (turnaround, dash, stun, KO, ...)
        self.move: Move | None = None
        self.move_frame = 0
        self.move_hit = False
        self.hitbox_live = False
        self.damage = 0.0
        self.damage_taken_this_frame = 0.0
        self.damage_taken_this_stock = 0.0
        self.damage_taken_total = 0.0
        self.damage_done = 0.0
        self.stocks = game.stocks
        self.weapon = "Punch"
        self.pickup_lock = 0  # frame from which a weapon may be picked up again
        self.prev_x, self.prev_y = spawn
        self.hit_frames = 1_000  # frames since it was last hit, for the flash and sparks
        self.last_hit_point = (0.0, 0.0)

    # --- input -------------------------------------------------------------------------------

    def begin_frame(self, action: Any) -> None:
        """Take this frame's keys and tick the timers; called for both fighters before either moves."""
        self.cur_action = action
        self.prev_keys = self.keys
        self.keys = [value > 0.5 for value in action.tolist()]
        self.prev_x = self.body.x
        self.prev_y = self.body.y
        self.damage_taken_this_frame = 0.0
        self.hitbox_live = False
        self.hit_frames += 1
        if self.dodge_cooldown:
            self.dodge_cooldown -= 1
        if self.invincible_timer:
            self.invincible_timer -= 1
        if self.jump_timer:
            self.jump_timer -= 1
        if self.drop_through:
            self.drop_through -= 1

    def just(self, key: int) -> bool:
        """Whether `key` went down this frame."""
        return self.keys[key] and not self.prev_keys[key]

    def horizontal(self) -> int:
        """-1 (A), +1 (D) or 0 (neither or both)."""
        keys = self.keys
        return keys[Key.D] - keys[Key.A]

    def requested_move(self) -> MoveType | None:
        """The attack the held keys ask for: heavy (K) before light (J); up or nothing is neutral."""
        keys = self.keys
        heavy = keys[Key.K]
        if not (heavy or keys[Key.J]):
            return None
        if keys[Key.W] or not (keys[Key.A] or keys[Key.D] or keys[Key.S]):
            direction = 0
        else:
            direction = 1 if keys[Key.S] else 2
        return MOVE_FOR_INPUT[(self.grounded, heavy, direction)]

    def is_on_floor(self) -> bool:
        return self.grounded

    @property
    def input(self) -> PlayerInputHandler:
        """This frame's key statuses; built when asked, so frames where nobody reads it cost nothing."""
        return PlayerInputHandler.of(self.prev_keys, self.keys)

    # --- state changes -------------------------------------------------------------------------

    def update(self) -> None:
        """Run the current state for this frame and switch state if it asks to."""
        following = self.state.update()
        if following is not None:
            self.set_state(following)

    def set_state(self, cls: type[PlayerObjectState]) -> None:
        self.state = self.states[cls]
        self.state.enter()

    def jump(self) -> type[PlayerObjectState]:
        self.body.vy = -R.JUMP_SPEED
        self.jumps_left -= 1
        self.jump_timer = R.JUMP_COOLDOWN
        direction = self.horizontal()
        if direction:
            self.facing = Facing(direction)
        return InAirState

    def land(self) -> type[PlayerObjectState]:
        self.jumps_left = R.AIR_JUMPS
        self.recoveries_left = 1
        return WalkingState if self.horizontal() == self.facing else StandingState

    def settle(self) -> type[PlayerObjectState]:
        """Where a fighter goes when a move or timed state ends."""
        return self.land() if self.grounded else InAirState

    def start_attack(self, move_type: MoveType) -> type[PlayerObjectState]:
        direction = self.horizontal()
        if direction:
            self.facing = Facing(direction)
        self.move = MOVES[self.weapon][move_type]
        self.move_frame = 0
        self.move_hit = False
        return AttackState

    # --- being hit, knocked out and respawned ----------------------------------------------------

    def take_hit(self, attacker: Fighter, move: Move) -> None:
        """Damage, launch and stun this fighter with `attacker`'s `move`."""
        self.damage_taken_this_frame += move.damage
        self.damage_taken_this_stock += move.damage
        self.damage_taken_total += move.damage
        attacker.damage_done += move.damage
        speed = move.knockback + move.growth * knockback_growth(self.damage + move.damage)
        self.damage = min(R.MAX_DAMAGE, self.damage + move.damage)
        dx, dy = move.launch_direction
        vy = dy * speed
        if self.grounded and vy > 0:
            vy = -vy * R.BOUNCE  # spiked into the floor: bounce up
        self.body.vx = dx * attacker.facing * speed
        self.body.vy = vy
        if isinstance(self.state, StunState):
            self.game.emit("hit_during_stun", self.agent_id)
        self.set_state(StunState)
        self.timer = min(R.MAX_STUN_FRAMES, move.stun + int(STUN_PER_SPEED * speed))
        self.hit_frames = 0
        box = move.hitbox
        self.last_hit_point = (attacker.body.x + box[0] * attacker.facing, attacker.body.y + box[1])

    def knocked_out(self) -> None:
        self.stocks -= 1
        self.timer = R.KO_FRAMES
        self.body.vx = self.body.vy = 0.0
        self.weapon = "Punch"
        self.game.emit("knockout_signal", self.agent_id)

    def respawn(self) -> None:
        self.body.x, self.body.y = self.spawn
        self.body.vx = self.body.vy = 0.0
        self.damage = self.damage_taken_this_stock = 0.0
        self.jumps_left = self.recoveries_left = 0
        self.invincible_timer = R.RESPAWN_INVINCIBLE_FRAMES

    def out_of_bounds(self) -> bool:
        body = self.body
        return abs(body.x) > R.BLAST_X or abs(body.y) > R.BLAST_Y

    # --- physics -------------------------------------------------------------------------------

    def move_through_stage(self, platform_dx: float, platform_dy: float, platform_x: float,
                           platform_top: float) -> None:
        """Carry, fall and move one frame, then settle against the grounds and the platform."""
        body = self.body
        x, y, vx, vy = body.x, body.y, body.vx, body.vy
        if self.on_platform:
            x += platform_dx
            y += platform_dy
        if self.state.gravity:
            vy += R.GRAVITY * R.DT
        old_bottom = y + R.HALF_HEIGHT
        old_top = y - R.HALF_HEIGHT
        x += vx * R.DT
        y += vy * R.DT
        landed = on_platform = False
        reach = R.GROUND_HALF_WIDTH + R.HALF_WIDTH
        for ground_x, top in R.GROUNDS:
            if abs(x - ground_x) < reach and y + R.HALF_HEIGHT > top and y - R.HALF_HEIGHT < top + R.GROUND_DEPTH:
                if old_bottom <= top + 1e-6:
                    y = top - R.HALF_HEIGHT
                    landed = True
                elif old_top >= top + R.GROUND_DEPTH - 1e-6:
                    y = top + R.GROUND_DEPTH + R.HALF_HEIGHT
                    vy = max(vy, 0.0)
                else:
                    x = ground_x + (reach if x > ground_x else -reach)
                    vx = 0.0
        if (not landed and not self.drop_through and vy >= 0 and old_bottom <= platform_top + 1e-6
                and y + R.HALF_HEIGHT >= platform_top
                and abs(x - platform_x) <= R.PLATFORM_HALF_WIDTH + R.HALF_WIDTH / 2):
            y = platform_top - R.HALF_HEIGHT
            landed = on_platform = True
        if landed and vy > 0:
            if self.state.bounces and vy > R.BOUNCE_MIN_SPEED:
                vy = -vy * R.BOUNCE
                landed = on_platform = False
            else:
                vy = 0.0
        body.x, body.y, body.vx, body.vy = x, y, vx, vy
        self.grounded = landed
        self.on_platform = on_platform

    def hurtbox_hit_by(self, attacker: Fighter) -> bool:
        """Whether `attacker`'s live hitbox overlaps this fighter's hurtbox and it can be hit."""
        if not attacker.hitbox_live or not self.state.vulnerable():
            return False
        dx, dy, half_w, half_h = attacker.move.hitbox
        a, b = attacker.body, self.body
        return (abs(a.x + dx * attacker.facing - b.x) < half_w + R.HURT_HALF_WIDTH
                and abs(a.y + dy - b.y) < half_h + R.HURT_HALF_HEIGHT)

    def __repr__(self) -> str:
        return (f"Fighter({self.agent_id}, {self.state}, pos=({self.body.x:.2f}, {self.body.y:.2f}), "
                f"damage={self.damage:g}%, stocks={self.stocks}, weapon={self.weapon})")


Player = Fighter  # the competition's name for it
