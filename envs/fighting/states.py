"""The 13 fighter states, numbered as the observation's `state` field reports them.

Each frame the fighter's current state reads the keys, sets velocities and names the next
state (or None to stay). Reward code can test `isinstance(player.state, AttackState)`; as in the
competition, TauntState, StunState, DodgeState and AirTurnaroundState are kinds of InAirState,
and the dash, walk, stand, turnaround and KO states are kinds of GroundState.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from arena.envs.fighting import rules as R
from arena.envs.fighting.moves import MoveType
from arena.envs.fighting.rules import Key

if TYPE_CHECKING:
    from arena.envs.fighting.fighter import Fighter


def move_toward(current: float, target: float, step: float) -> float:
    """`current` moved `step` toward `target`, without overshooting."""
    if current < target:
        return min(current + step, target)
    return max(current - step, target)


class PlayerObjectState:
    """Base of the fighter states; `p` is the fighter in it."""

    number = -1  # the observation's state value
    gravity = True
    bounces = False  # a stunned fighter bounces off the floor

    def __init__(self, fighter: Fighter):
        self.p = fighter

    def enter(self) -> None:
        """Called when the fighter enters this state."""

    def update(self) -> type[PlayerObjectState] | None:
        """One frame of input and steering; returns the next state class, or None to stay."""
        return None

    def vulnerable(self) -> bool:
        return self.p.invincible_timer == 0

    def is_grounded(self) -> bool:
        return False

    def is_aerial(self) -> bool:
        return False

    # The competition's states carry the fighter's jump counters; reward code reads them here.
    @property
    def jumps_left(self) -> int:
        return self.p.jumps_left

    @property
    def recoveries_left(self) -> int:
        return self.p.recoveries_left

    def __repr__(self) -> str:
        return type(self).__name__


class GroundState(PlayerObjectState):
    """On the ground with full control: jump, dodge, attack, taunt or drop through the platform."""

    def is_grounded(self) -> bool:
        return True

    def update(self) -> type[PlayerObjectState] | None:
        p = self.p
        if not p.grounded:
            return InAirState
        if p.just(Key.SPACE):
            return p.jump()
        direction = p.horizontal()
        if direction == 0 and p.just(Key.L) and p.dodge_cooldown == 0:
            p.dodge_cooldown = R.GROUND_DODGE_COOLDOWN
            return DodgeState
        move = p.requested_move()
        if move is not None:
            return p.start_attack(move)
        if p.just(Key.G):
            return TauntState
        if p.keys[Key.S] and p.on_platform:
            p.drop_through = R.DROP_THROUGH_FRAMES
        return self.steer(direction)

    def steer(self, direction: int) -> type[PlayerObjectState] | None:
        """State-specific movement on the ground, once jumps, dodges and attacks are ruled out."""
        return None

    def turn_or_backdash(self) -> type[PlayerObjectState] | None:
        return BackDashState if self.p.just(Key.L) else TurnaroundState


class WalkingState(GroundState):
    number = 0
    speed = R.WALK_SPEED

    def steer(self, direction: int) -> type[PlayerObjectState] | None:
        p = self.p
        if direction == -p.facing:
            return self.turn_or_backdash()
        if direction == 0:
            return StandingState
        if p.just(Key.L):
            return DashState
        p.body.vx = p.facing * self.speed
        return None


class StandingState(GroundState):
    number = 1

    def steer(self, direction: int) -> type[PlayerObjectState] | None:
        p = self.p
        if direction == -p.facing:
            return self.turn_or_backdash()
        if direction:
            return WalkingState
        p.body.vx = move_toward(p.body.vx, 0.0, R.GROUND_STOP)
        return None


class TurnaroundState(GroundState):
    number = 2

    def enter(self) -> None:
        self.p.timer = R.TURNAROUND_FRAMES

    def steer(self, direction: int) -> type[PlayerObjectState] | None:
        p = self.p
        if p.just(Key.L):
            return BackDashState
        p.body.vx = move_toward(p.body.vx, 0.0, R.GROUND_STOP)
        p.timer -= 1
        if p.timer > 0:
            return None
        p.facing = R.Facing(-p.facing)
        return WalkingState if direction == p.facing else StandingState


class SprintingState(WalkingState):
    number = 4
    speed = R.SPRINT_SPEED


class DashState(GroundState):
    number = 9

    def enter(self) -> None:
        self.p.timer = R.DASH_FRAMES

    def steer(self, direction: int) -> type[PlayerObjectState] | None:
        p = self.p
        p.body.vx = p.facing * R.DASH_SPEED
        p.timer -= 1
        if p.timer > 0:
            return None
        return SprintingState if direction == p.facing else StandingState


class BackDashState(GroundState):
    """A short hop backwards that keeps the facing; no other input until it ends."""

    number = 10

    def enter(self) -> None:
        self.p.timer = R.BACKDASH_FRAMES

    def update(self) -> type[PlayerObjectState] | None:
        p = self.p
        if not p.grounded:
            return InAirState
        p.body.vx = -p.facing * R.BACKDASH_SPEED
        p.timer -= 1
        return p.settle() if p.timer <= 0 else None


class KOState(GroundState):
    """Out past a blast zone: frozen out of play, then respawned (invulnerable for a while)."""

    number = 11
    gravity = False

    def enter(self) -> None:
        self.p.knocked_out()

    def vulnerable(self) -> bool:
        return False

    def update(self) -> type[PlayerObjectState] | None:
        p = self.p
        p.body.vx = p.body.vy = 0.0
        p.timer -= 1
        if p.timer > 0 or p.stocks <= 0:
            return None
        p.respawn()
        return InAirState


class InAirState(PlayerObjectState):
    """Airborne with control: drift, fast fall, double jump, air dodge, air attacks, turn."""

    number = 6

    def is_aerial(self) -> bool:
        return True

    def update(self) -> type[PlayerObjectState] | None:
        p = self.p
        if p.grounded:
            return p.land()
        direction = p.horizontal()
        body = p.body
        body.vx = move_toward(body.vx, direction * R.WALK_SPEED, R.AIR_ACCEL)
        self.fall()
        if p.just(Key.SPACE) and p.jumps_left > 0 and p.jump_timer == 0:
            return p.jump()
        if p.just(Key.L) and p.dodge_cooldown == 0:
            p.dodge_cooldown = R.AIR_DODGE_COOLDOWN
            return DodgeState
        move = p.requested_move()
        if move is MoveType.RECOVERY:
            if p.recoveries_left > 0:
                p.recoveries_left -= 1
                return p.start_attack(move)
        elif move is not None:
            return p.start_attack(move)
        if direction == -p.facing:
            return AirTurnaroundState
        return None

    def fall(self) -> None:
        body = self.p.body
        if self.p.keys[Key.S] and body.vy > 0:
            body.vy = min(body.vy + R.FAST_FALL_ACCEL, R.MAX_FALL_SPEED)
        elif body.vy > R.MAX_FALL_SPEED:
            body.vy = R.MAX_FALL_SPEED


class AirTurnaroundState(InAirState):
    number = 3

    def enter(self) -> None:
        self.p.body.vx /= 3.0
        self.p.timer = R.TURNAROUND_FRAMES

    def update(self) -> type[PlayerObjectState] | None:
        p = self.p
        if p.grounded:
            return p.land()
        self.fall()
        p.timer -= 1
        if p.timer > 0:
            return None
        p.facing = R.Facing(-p.facing)
        return InAirState


class TimedState(InAirState):
    """A state without control that lasts `p.timer` frames, then settles on the ground or in the air."""

    drag = R.AIR_ACCEL

    def update(self) -> type[PlayerObjectState] | None:
        p = self.p
        p.body.vx = move_toward(p.body.vx, 0.0, R.GROUND_STOP if p.grounded else self.drag)
        p.timer -= 1
        return self.finish() if p.timer <= 0 else None

    def finish(self) -> type[PlayerObjectState] | None:
        return self.p.settle()


class TauntState(TimedState):
    number = 12

    def enter(self) -> None:
        self.p.timer = R.TAUNT_FRAMES


class StunState(TimedState):
    """Launched by a hit: no control until the stun runs out; bounces off the floor."""

    number = 5
    bounces = True
    drag = R.AIR_ACCEL / 1.5

    @property
    def stun_frames(self) -> int:
        return self.p.timer

    def finish(self) -> type[PlayerObjectState] | None:
        self.p.jumps_left = max(1, self.p.jumps_left)
        return self.p.settle()


class DodgeState(TimedState):
    """Invulnerable and still (no gravity) for a few frames; then a cooldown before the next."""

    number = 7
    gravity = False

    def enter(self) -> None:
        p = self.p
        p.timer = R.DODGE_FRAMES
        p.body.vx = p.body.vy = 0.0

    def vulnerable(self) -> bool:
        return False

    @property
    def dodge_timer(self) -> int:
        return self.p.timer


class AttackState(PlayerObjectState):
    """Performing `p.move`: startup, active (hitbox live), recovery; no other input meanwhile."""

    number = 8

    @property
    def move_type(self) -> MoveType:
        return self.p.move.move_type

    def update(self) -> type[PlayerObjectState] | None:
        p = self.p
        move = p.move
        body = p.body
        frame = p.move_frame
        p.move_frame = frame + 1
        first_active = move.startup
        if frame == first_active:
            if move.lunge:
                body.vx = p.facing * move.lunge
            if move.rise:
                body.vy = move.rise
        pound = move.move_type is MoveType.GROUNDPOUND
        self.gravity = not (pound and frame < first_active)
        if not self.gravity:
            body.vx = body.vy = 0.0
        elif p.grounded:
            body.vx = move_toward(body.vx, 0.0, R.ATTACK_SLIDE_STOP)
        else:
            body.vx = move_toward(body.vx, p.horizontal() * R.WALK_SPEED, R.AIR_ACCEL / 2)
            body.vy = min(body.vy, R.MAX_FALL_SPEED if not pound else move.rise)
        end_active = first_active + move.active
        if pound and first_active < frame < end_active and p.grounded:
            frame = end_active  # landed: straight to recovery
            p.move_frame = frame + 1
        p.hitbox_live = first_active <= frame < end_active and not p.move_hit
        if p.move_frame >= move.total:
            return p.settle()
        return None


STATE_CLASSES: tuple[type[PlayerObjectState], ...] = (
    WalkingState, StandingState, TurnaroundState, AirTurnaroundState, SprintingState, StunState, InAirState,
    DodgeState, AttackState, DashState, BackDashState, KOState, TauntState,
)
assert [cls.number for cls in STATE_CLASSES] == list(range(13))
