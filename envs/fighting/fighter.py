"""A fighter: its body, keys, state, damage and stocks.

Reward code reads fighters as `env.objects["player"]` and `env.objects["opponent"]`; the
attributes it may use are listed on `Fighter`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from arena.envs.fighting import rules as R
from arena.envs.fighting.colliders import CapsuleCollider, hitbox_size
from arena.envs.fighting.inputs import PlayerInputHandler
from arena.envs.fighting.moves import MOVE_FOR_INPUT, MoveType
from arena.envs.fighting.physics import Body
from arena.envs.fighting.vec2d import Vec2d
from arena.envs.fighting.rules import Facing, Key
from arena.envs.fighting.shapes import ALL_CATEGORIES, PLAYER_CATEGORY, PLAYER_TYPES, WEAPON_CATEGORY, Shape
from arena.envs.fighting.states import STATE_CLASSES, InAirState, PlayerObjectState, move_toward

if TYPE_CHECKING:
    from arena.envs.fighting.game import Game

HURTBOX_SIZE = hitbox_size(290 // 2, 320 // 2)  # the competition's fighter hurtbox, in its data units
KNOCKBACK_SCALE = 1.024 / 320 * 30  # launch speed (units/s) per unit of the move data's force
NO_VELOCITY = (0, 0)  # ints, as the competition's fighters hold them between launches (adding them changes nothing)

__all__ = ["Body", "Fighter", "Player", "Vec2d"]


class Player:
    """One of the two fighters.

    For reward code: `body.position.x/.y`, `body.velocity`, `body.angle` and `body.angular_velocity`
    (a tilt of about 1e-8, from contacts), `damage` (percent, 0 to 700),
    `damage_taken_this_frame`, `damage_taken_this_stock` (since the last respawn),
    `damage_taken_total`, `damage_done`, `stocks`, `state` (a state instance), `state_str` (its last
    change of state, "StandingState -> AttackState"; "InAirState" before any), `cur_action` (the
    last action), `input.key_status[key]` (see `PlayerInputHandler`), `weapon` ("Punch", "Spear" or
    "Hammer"), `prev_x` and `prev_y` (position before the last physics step), `facing`
    (Facing.RIGHT = 1 or Facing.LEFT = -1), `is_on_floor()`, `agent_id` (0 or 1),
    `start_position`, `hurtbox_collider`, `shape.cache_bb()` (its box's extent), `get_obs()` (its
    half of the observation), and the competition's tables `states_types` (state name -> class),
    `state_mapping` (class name -> number) and `weapon_mapping` (weapon -> number).
    """

    states_types = {cls.name: cls for cls in STATE_CLASSES}
    state_mapping = {cls.__name__: cls.number for cls in STATE_CLASSES}
    weapon_mapping = {name: number for number, name in enumerate(R.WEAPON_NAMES)}
    move_toward = staticmethod(move_toward)
    # The competition's fighter parameters, under its names (its speeds in units/s, times in frames) and of
    # its types: reward code may print them or compare their types. The game plays on `rules`.
    move_speed = R.WALK_SPEED
    run_speed = int(R.SPRINT_SPEED)
    dash_speed = int(R.DASH_SPEED)
    backdash_speed = int(R.BACKDASH_SPEED)
    jump_speed = R.JUMP_SPEED
    max_fall_speed = int(R.MAX_FALL_SPEED)
    fast_fall_ease = R.FAST_FALL_ACCEL
    in_air_ease = R.AIR_ACCEL
    bounce_coef = R.BOUNCE
    turnaround_time = R.TURNAROUND_FRAMES
    taunt_time = R.TAUNT_FRAMES
    dash_time = float(R.DASH_FRAMES)  # fps * 0.3 there
    dash_cooldown = 8  # read by nothing, in the competition's game too
    backdash_time = R.BACKDASH_FRAMES
    dodge_time = R.DODGE_FRAMES
    grounded_dodge_cooldown = R.GROUND_DODGE_COOLDOWN
    air_dodge_cooldown = R.AIR_DODGE_COOLDOWN
    jump_cooldown = float(R.JUMP_COOLDOWN)  # fps * 0.2 there
    invincible_time = R.RESPAWN_INVINCIBLE_FRAMES
    smoothTimeX = 0.33 * R.FPS
    smoothXVel = 0
    delta = R.DT
    mass = int(R.FIGHTER_MASS)
    moment = R.FIGHTER_MOMENT
    on_platform = None  # the competition's code keeps it None: its platform landing is switched off
    PLAYER_RADIUS = 10  # read by nothing, in the competition's game too

    def __init__(self, game: Game, agent_id: int, spawn: tuple[float, float]):
        self.game = game
        self.env = game
        self.agent_id = agent_id
        self.spawn = spawn
        self.start_position = [_whole(value) for value in spawn]  # [-5, 0] or [5, 0], as there
        self.body = Body(*spawn, half_width=R.HALF_WIDTH, half_height=R.HALF_HEIGHT, friction=R.FIGHTER_FRICTION,
                         mass=R.FIGHTER_MASS, moment=R.FIGHTER_MOMENT)
        self.shape = Shape(self.body, self, PLAYER_TYPES[agent_id], PLAYER_CATEGORY, mask=ALL_CATEGORIES & ~WEAPON_CATEGORY)
        self.hurtbox_collider = CapsuleCollider(spawn, *HURTBOX_SIZE, is_hurtbox=True)
        self.input = PlayerInputHandler()
        self.states = {cls.name: cls(self) for cls in STATE_CLASSES}
        in_air = self.states["in_air"]
        in_air.set_jumps(0, 0, 0)
        self.state: PlayerObjectState = in_air
        self.state_str = "InAirState"  # its last change of state, as "StandingState -> AttackState"
        self.facing = Facing.RIGHT if spawn[0] < 0 else Facing.LEFT
        self.opponent: Fighter = self  # set by the game once both exist
        self.keys = [False] * len(Key)
        self.cur_action = np.zeros(len(Key))  # float64 until the first action, as there
        # Whole percent, as the competition counts it: its moves deal int damage, and reward code sees ints.
        self.damage = 0
        self.damage_taken_this_frame = 0
        self.damage_taken_this_stock = 0
        self.damage_taken_total = 0
        self.damage_done = 0
        self.stocks = game.stocks
        self.weapon = "Punch"
        self.pickup_lock = 0  # frame from which a dropped weapon may be picked up again
        self.prev_x, self.prev_y = self.start_position
        self.damage_velocity = NO_VELOCITY
        self.target_vel = NO_VELOCITY
        self.just_got_hit = False
        self.hitbox_live = False  # an attack's hitboxes are out this frame (for drawing)
        self.hit_frames = 1_000  # frames since it was last hit, for the flash and sparks
        self.last_hit_point = (0.0, 0.0)

    # --- each frame ------------------------------------------------------------------------------

    def process(self, action: Any) -> None:
        """Take this frame's keys."""
        self.cur_action = action
        self.input.update(action.tolist() if isinstance(action, np.ndarray) else action)
        self.keys = self.input.held
        self.damage_taken_this_frame = 0
        self.hitbox_live = False
        self.hit_frames += 1

    def physics_process(self) -> None:
        """Run the current state, add launches and pulls, and switch state if it asks to."""
        following = self.state.physics_process()
        body = self.body
        self.hurtbox_collider.center = (body.x, body.y)
        body.vx += self.damage_velocity[0] + self.target_vel[0]
        body.vy += self.damage_velocity[1] + self.target_vel[1]
        if following is not None:
            self.state_str = f"{type(self.state).__name__} -> {type(following).__name__}"
            following.reset(self.state)
            self.state.exit()
            self.state = following
            following.enter()
        self.prev_x, self.prev_y = body.x, body.y
        self.damage_velocity = self.target_vel = NO_VELOCITY

    # --- what the states ask ------------------------------------------------------------------------

    def is_on_floor(self) -> bool:
        """Standing on (or sunk into) a ground's top, or above the platform and touching it."""
        body = self.body
        x, y = body.x, body.y
        box = body.cache_bb()
        for ground in self.game.grounds:
            if y <= ground.body.y and box.intersects(ground.solid.cache_bb()):
                return True
        platform = self.game.platform.body
        return (y <= platform.y - 0.01 and abs(x - platform.x) <= R.PLATFORM_STAND_REACH
                and box.intersects(self.game.platform.solid.cache_bb()))

    def get_obs(self) -> list[float]:
        """This fighter's 32 values of the observation: its own 16, then the weapons' and platform's, listed
        with the competition's types (see `observation.listed_as_there`)."""
        from arena.envs.fighting.observation import fighter_values, listed_as_there, stage_values  # it imports this module

        return listed_as_there(fighter_values(self) + stage_values(self.game))

    @property
    def PLATFORM(self) -> Any:  # noqa: N802 - the competition's name: the moving platform, `env.objects["platform1"]`
        return self.game.platform

    @property
    def grounded(self) -> bool:
        return self.is_on_floor()

    def get_move(self) -> MoveType:
        """The attack the held keys ask for: heavy (K) before light (J); up or nothing is neutral."""
        keys = self.keys
        heavy = keys[Key.K]
        if not (heavy or keys[Key.J]):
            return MoveType.NONE
        if keys[Key.W] or not (keys[Key.A] or keys[Key.D] or keys[Key.S]):
            direction = 0
        else:
            direction = 1 if keys[Key.S] else 2
        return MOVE_FOR_INPUT[(self.is_on_floor(), heavy, direction)]

    def take_off(self) -> InAirState:
        in_air = self.states["in_air"]
        in_air.refresh()
        return in_air

    @property
    def jumps_left(self) -> int:
        return getattr(self.state, "jumps_left", 0)

    @property
    def recoveries_left(self) -> int:
        return getattr(self.state, "recoveries_left", 0)

    @property
    def move_type(self) -> MoveType | None:
        """The attack being made, or None."""
        state = self.state
        return state.move_type if state is self.states["attack"] else None

    # --- being hit, knocked out and respawned ----------------------------------------------------

    def apply_damage(self, damage: float, stun: int = 0, velocity: Sequence[float] = (0.0, 0.0)) -> None:
        """Take a hit: damage, stun frames, and a launch (the move data's force units)."""
        self.damage = min(R.MAX_DAMAGE, self.damage + damage)
        self.damage_taken_this_stock += damage
        self.damage_taken_total += damage
        self.damage_taken_this_frame += damage
        self.state.stunned(stun)
        vx, vy = velocity
        if self.is_on_floor() and vy > 0:
            vy = -vy * R.BOUNCE  # spiked into the floor: bounce up
        self.damage_velocity = (vx * KNOCKBACK_SCALE, vy * KNOCKBACK_SCALE)
        self.opponent.damage_done += damage
        self.hit_frames = 0

    def respawn(self) -> None:
        body = self.body
        body.x, body.y = self.spawn
        body.vx = body.vy = 0.0
        self.damage = self.damage_taken_this_stock = 0
        self.weapon = "Punch"

    def __repr__(self) -> str:
        return (f"Player({self.agent_id}, {self.state}, pos=({self.body.x:.2f}, {self.body.y:.2f}), "
                f"damage={self.damage:g}%, stocks={self.stocks}, weapon={self.weapon})")


def _whole(value: float) -> float:
    return int(value) if float(value).is_integer() else value


Fighter = Player  # arena's name for it (the class keeps the competition's, which code may print or compare)
