"""The 13 fighter states, numbered as the observation's `state` field reports them.

Each frame the fighter's current state reads the keys, sets velocities and returns the next state
(or None to stay). Each fighter keeps one object per state, and those objects keep what they were
last given: a state has no `jumps_left`, `recoveries_left` or `jump_timer` until something sets
them (the observation then reads 0), exactly as the competition's states behave, so reward code that
tests `hasattr(player.state, "recoveries_left")` sees what it saw there. So on the
ground `jumps_left` reads 0, a ground jump gives 2 more jumps in the air, and a fighter leaving
stun gets at least one.

Reward code can test `isinstance(player.state, AttackState)`; as in the competition, TauntState,
StunState, DodgeState and AirTurnaroundState are kinds of InAirState, and the dash, walk, stand,
turnaround and KO states are kinds of GroundState.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from arena.envs.fighting import rules as R
from arena.envs.fighting.move_data import MOVES
from arena.envs.fighting.moves import MoveType
from arena.envs.fighting.powers import MoveManager
from arena.envs.fighting.rules import Facing

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
    name = ""  # key in `fighter.states`

    def __init__(self, fighter: Fighter):
        self.p = fighter
        self.invincible_timer = 0
        self.dodge_cooldown = 0
        self.stun_time_stored = 0

    # Carried between states by whoever hands them over; each unset until then.
    jumps_left: int
    recoveries_left: int
    jump_timer: float

    def enter(self) -> None:
        """Called when the fighter enters this state."""

    def exit(self) -> None:
        """Called when the fighter leaves this state."""

    def reset(self, old: PlayerObjectState) -> None:
        """Take over the timers of `old`, the state the fighter is leaving."""
        self.stun_time_stored = 0
        self.invincible_timer = old.invincible_timer
        self.dodge_cooldown = old.dodge_cooldown

    def can_control(self) -> bool:
        return True

    def stunned(self, stun_time: int = 0) -> None:
        self.stun_time_stored = stun_time

    def vulnerable(self) -> bool:
        return True

    def is_grounded(self) -> bool:
        return False

    def is_aerial(self) -> bool:
        return False

    def physics_process(self) -> PlayerObjectState | None:
        """One frame; returns the next state, or None to stay. Knock-outs and stuns come first."""
        p = self.p
        if abs(p.body.x) > R.BLAST_X or abs(p.body.y) > R.BLAST_Y:
            return p.states["KO"]
        if self.stun_time_stored > 0:
            stun = p.states["stun"]
            if self is stun:
                p.game.emit("hit_during_stun", p.agent_id)
            stun.set_stun(self.stun_time_stored)
            self.stun_time_stored = 0
            if hasattr(self, "jumps_left"):
                stun.jumps_left = self.jumps_left
            return stun
        self.invincible_timer = max(0, self.invincible_timer - 1)
        self.dodge_cooldown = max(0, self.dodge_cooldown - 1)
        return None

    def __repr__(self) -> str:
        return type(self).__name__


# --- on the ground ---------------------------------------------------------------------------


class GroundState(PlayerObjectState):
    def __init__(self, fighter: Fighter):
        super().__init__(fighter)
        self.dash_timer = 0

    def is_grounded(self) -> bool:
        return True

    def reset(self, old: PlayerObjectState) -> None:
        super().reset(old)
        self.dash_timer = getattr(old, "dash_timer", 0)

    def physics_process(self) -> PlayerObjectState | None:
        following = super().physics_process()
        if following is not None or not self.can_control():
            return following
        p = self.p
        keys = p.input.key_status
        direction = p.input.raw_horizontal
        still = abs(direction) < 1e-2
        if keys["space"].just_pressed and p.is_on_floor():
            p.body.vy = -R.JUMP_SPEED
            if not still:
                p.facing = Facing.from_direction(direction)
            return p.take_off()
        if not p.is_on_floor():
            return p.take_off()
        if still and keys["l"].just_pressed and self.dodge_cooldown <= 0:
            self.dodge_cooldown = R.GROUND_DODGE_COOLDOWN
            dodge = p.states["dodge"]
            dodge.grounded = True
            return dodge
        move_type = p.get_move()
        if move_type != MoveType.NONE:
            attack = p.states["attack"]
            attack.refresh()
            attack.give_move(move_type)
            return attack
        if keys["g"].just_pressed:
            return p.states["taunt"]
        return None


def ground_state(p: Fighter) -> PlayerObjectState:
    """Walking while a direction is held, else standing."""
    return p.states["walking"] if abs(p.input.raw_horizontal) > 1e-2 else p.states["standing"]


class RunningState(GroundState):
    """Walking or sprinting: forward at `speed` until the keys say otherwise."""

    speed = R.WALK_SPEED

    def physics_process(self) -> PlayerObjectState | None:
        following = super().physics_process()
        if following is not None:
            return following
        p = self.p
        keys = p.input.key_status
        forward, backward = ("D", "A") if p.facing == Facing.RIGHT else ("A", "D")
        if keys[backward].just_pressed or (not keys[forward].held and keys[backward].held):
            return p.states["backdash"] if keys["l"].just_pressed else p.states["turnaround"]
        if p.input.no_horizontal:
            return p.states["standing"]
        if keys["l"].just_pressed:
            return p.states["dash"]
        return self.run()

    def run(self) -> None:
        self.p.body.vx = int(self.p.facing) * self.speed


class WalkingState(RunningState):
    number = 0
    name = "walking"

    def run(self) -> None:
        p = self.p
        platform = p.game.platform
        if platform.solid.touches(p.body) and not p.input.key_status["S"].held and p.is_on_floor():
            p.body.vx = int(p.facing) * self.speed + platform.body.vx
            p.body.vy += platform.body.vy
        else:
            super().run()


class StandingState(GroundState):
    number = 1
    name = "standing"

    def physics_process(self) -> PlayerObjectState | None:
        following = super().physics_process()
        if following is not None:
            return following
        p = self.p
        direction = p.input.raw_horizontal
        if Facing.turn_check(p.facing, direction):
            return p.states["backdash"] if p.input.key_status["l"].just_pressed else p.states["turnaround"]
        if abs(direction) > 1e-2:
            p.facing = Facing.from_direction(direction)
            return p.states["walking"]
        platform = p.game.platform
        if platform.solid.touches(p.body) and not p.input.key_status["S"].held and p.is_on_floor():
            p.body.vx, p.body.vy = platform.body.vx, platform.body.vy
        else:
            p.body.vx = move_toward(p.body.vx, 0.0, R.WALK_SPEED)
        return None


class TurnaroundState(GroundState):
    number = 2
    name = "turnaround"

    def enter(self) -> None:
        self.turnaround_timer = R.TURNAROUND_FRAMES

    def physics_process(self) -> PlayerObjectState | None:
        following = super().physics_process()
        if following is not None:
            return following
        p = self.p
        if self.turnaround_timer <= 0:
            last = p.input.horizontal_state.get_last_int()
            old = p.facing
            p.facing = Facing.flip(old)
            if last == -int(old):
                return p.states["walking"]
            if last == int(old):
                return p.states["turnaround"]
            return p.states["standing"]
        if p.input.key_status["l"].just_pressed:
            return p.states["backdash"]
        self.turnaround_timer = max(0, self.turnaround_timer - 1)
        return None


class SprintingState(RunningState):
    number = 4
    name = "sprinting"
    speed = R.SPRINT_SPEED


class DashState(GroundState):
    number = 9
    name = "dash"

    def enter(self) -> None:
        self.dash_timer = float(R.DASH_FRAMES)  # 9.0: a float until counted down to 0, as there

    def physics_process(self) -> PlayerObjectState | None:
        following = super().physics_process()
        if following is not None:
            return following
        p = self.p
        p.body.vx = int(p.facing) * R.DASH_SPEED
        self.dash_timer = max(0, self.dash_timer - 1)
        return p.states["sprinting"] if self.dash_timer <= 0 else None


class BackDashState(GroundState):
    number = 10
    name = "backdash"

    def can_control(self) -> bool:
        return False

    def enter(self) -> None:
        self.backdash_timer = R.BACKDASH_FRAMES

    def physics_process(self) -> PlayerObjectState | None:
        following = super().physics_process()
        if following is not None:
            return following
        p = self.p
        p.body.vx = -int(p.facing) * R.BACKDASH_SPEED
        self.backdash_timer = max(0, self.backdash_timer - 1)
        return ground_state(p) if self.backdash_timer <= 0 else None


class KOState(GroundState):
    """Knocked out: frozen for `KO_FRAMES`, then back at the starting point in the air."""

    number = 11
    name = "KO"

    def can_control(self) -> bool:
        return False

    def enter(self) -> None:
        p = self.p
        p.game.emit("knockout_signal", p.agent_id)
        self.timer = R.KO_FRAMES
        p.stocks -= 1
        p.body.gravity = False
        p.body.vx = p.body.vy = 0.0

    def exit(self) -> None:
        p = self.p
        self.invincible_timer = R.RESPAWN_INVINCIBLE_FRAMES
        p.body.gravity = True
        p.body.vx = p.body.vy = 0.0

    def physics_process(self) -> PlayerObjectState | None:
        super().physics_process()
        self.timer -= 1
        if self.timer > 0:
            return None
        p = self.p
        p.respawn()
        in_air = p.states["in_air"]
        in_air.jumps_left = in_air.recoveries_left = 0
        return in_air


# --- in the air ------------------------------------------------------------------------------


class InAirState(PlayerObjectState):
    number = 6
    name = "in_air"

    def __init__(self, fighter: Fighter):
        super().__init__(fighter)
        self.is_base = True

    def is_aerial(self) -> bool:
        return True

    def refresh(self) -> None:
        self.jump_timer, self.jumps_left, self.recoveries_left = 0, R.AIR_JUMPS, 1

    def set_jumps(self, jump_timer: float, jumps_left: int, recoveries_left: int) -> None:
        self.jump_timer, self.jumps_left, self.recoveries_left = jump_timer, jumps_left, recoveries_left

    def enter(self) -> None:
        self.is_base = True

    def can_jump(self) -> bool:
        return self.jump_timer <= 0 and self.jumps_left > 0

    def physics_process(self) -> PlayerObjectState | None:
        following = super().physics_process()
        if following is not None or not self.can_control():
            return following
        p = self.p
        body = p.body
        keys = p.input.key_status
        direction = p.input.raw_horizontal
        if self.is_base and Facing.turn_check(p.facing, direction):
            turn = p.states["air_turnaround"]
            turn.set_jumps(self.jump_timer, self.jumps_left, self.recoveries_left)
            return turn
        if p.input.raw_vertical < -0.5 and body.vy > 0:
            body.vy = move_toward(body.vy, R.MAX_FALL_SPEED, R.FAST_FALL_ACCEL)
        else:
            body.vy = min(body.vy, R.MAX_FALL_SPEED)
        body.vx = move_toward(body.vx, direction * R.WALK_SPEED, R.AIR_ACCEL)
        if p.is_on_floor():
            return ground_state(p)
        if keys["space"].just_pressed and self.can_jump():
            body.vy = -R.JUMP_SPEED
            p.facing = Facing.from_direction(direction)
            self.jump_timer = float(R.JUMP_COOLDOWN)  # 6.0: a float until counted down to 0, as there
            self.jumps_left -= 1
        self.jump_timer = max(0, self.jump_timer - 1)
        if keys["l"].just_pressed and self.dodge_cooldown <= 0:
            self.dodge_cooldown = R.AIR_DODGE_COOLDOWN
            dodge = p.states["dodge"]
            dodge.set_jumps(self.jump_timer, self.jumps_left, self.recoveries_left)
            dodge.grounded = False
            return dodge
        move_type = p.get_move()
        if move_type == MoveType.NONE:
            return None
        if move_type == MoveType.RECOVERY:
            if self.recoveries_left <= 0:
                return None
            self.recoveries_left -= 1
        attack = p.states["attack"]
        attack.jumps_left, attack.recoveries_left = self.jumps_left, self.recoveries_left
        attack.give_move(move_type)
        return attack


def land_or_fall(state: PlayerObjectState) -> PlayerObjectState:
    """Where a fighter goes when a timed state ends: the ground, or the air with `state`'s jumps."""
    return ground_state(state.p) if state.p.is_on_floor() else fall(state)


def fall(state: PlayerObjectState) -> InAirState:
    """The air, with `state`'s jumps."""
    in_air = state.p.states["in_air"]
    if hasattr(state, "jumps_left"):
        in_air.set_jumps(0, state.jumps_left, state.recoveries_left)
    return in_air


class AirTurnaroundState(InAirState):
    number = 3
    name = "air_turnaround"

    def enter(self) -> None:
        self.turnaround_timer = R.TURNAROUND_FRAMES
        self.p.body.vx /= 3
        self.is_base = False

    def physics_process(self) -> PlayerObjectState | None:
        following = super().physics_process()
        if following is not None:
            return following
        p = self.p
        if self.turnaround_timer > 0:
            self.turnaround_timer = max(0, self.turnaround_timer - 1)
            return None
        old = p.facing
        p.facing = Facing.flip(old)
        again = p.input.horizontal_state.get_last_int() == int(old)
        following = p.states["air_turnaround"] if again else p.states["in_air"]
        following.set_jumps(self.jump_timer, self.jumps_left, self.recoveries_left)
        return following


class TauntState(InAirState):
    number = 12
    name = "taunt"

    def can_control(self) -> bool:
        return False

    def enter(self) -> None:
        self.taunt_timer = R.TAUNT_FRAMES
        self.p.game.draw_unused(0, 2)  # the competition picks one of its 3 taunt animations

    def physics_process(self) -> PlayerObjectState | None:
        following = super().physics_process()
        if following is not None:
            return following
        self.taunt_timer = max(0, self.taunt_timer - 1)
        # Always back to a ground state, even in the air, as the competition's taunt does.
        return ground_state(self.p) if self.taunt_timer <= 0 else None


class StunState(InAirState):
    """Hit: no control for `stun_frames`; bounces off floors while they last."""

    number = 5
    name = "stun"

    def __init__(self, fighter: Fighter):
        super().__init__(fighter)
        self.stun_frames = 0

    def can_control(self) -> bool:
        return False

    def set_stun(self, stun_frames: int) -> None:
        self.stun_frames = stun_frames

    def physics_process(self) -> PlayerObjectState | None:
        following = super().physics_process()
        if following is not None:
            return following
        p = self.p
        body = p.body
        self.stun_frames = max(0, self.stun_frames - 1)
        body.vx = move_toward(body.vx, 0.0, R.AIR_ACCEL / 1.5)
        if self.stun_frames > 0:
            if p.is_on_floor() and body.vy > 0:
                body.vy = -body.vy * R.BOUNCE
            return None
        if p.is_on_floor():
            return ground_state(p)
        in_air = p.states["in_air"]
        in_air.jumps_left = max(1, self.jumps_left) if hasattr(self, "jumps_left") else 1
        return in_air


class DodgeState(InAirState):
    """Invulnerable and still, without gravity, for `DODGE_FRAMES`."""

    number = 7
    name = "dodge"

    def __init__(self, fighter: Fighter):
        super().__init__(fighter)
        self.grounded = False
        self.dodge_timer = 0

    def can_control(self) -> bool:
        return False

    def vulnerable(self) -> bool:
        return False

    def is_grounded(self) -> bool:
        return self.grounded

    def is_aerial(self) -> bool:
        return not self.grounded

    def enter(self) -> None:
        self.dodge_timer = R.DODGE_FRAMES
        self.p.body.gravity = False
        self.p.body.vx = self.p.body.vy = 0.0

    def exit(self) -> None:
        self.p.body.gravity = True
        self.p.body.vx = self.p.body.vy = 0.0

    def physics_process(self) -> PlayerObjectState | None:
        following = super().physics_process()
        if following is not None:
            return following
        self.dodge_timer = max(0, self.dodge_timer - 1)
        if self.dodge_timer > 0:
            return None
        # an air dodge ends in the air even on the floor (as in the competition): it lands a frame later
        return ground_state(self.p) if self.grounded else fall(self)


# --- attacking -------------------------------------------------------------------------------


class AttackState(PlayerObjectState):
    number = 8
    name = "attack"

    def __init__(self, fighter: Fighter):
        super().__init__(fighter)
        self.move_type = MoveType.NONE
        self.move_manager: MoveManager | None = None
        self.dash_timer = 0

    def can_control(self) -> bool:
        return False

    def refresh(self) -> None:
        self.jump_timer, self.jumps_left, self.recoveries_left = 0, R.AIR_JUMPS, 1

    def give_move(self, move_type: MoveType) -> None:
        self.move_type = move_type
        self.move_manager = MoveManager(self.p, MOVES[self.p.weapon][move_type])

    def enter(self) -> None:
        p = self.p
        self.dash_timer = float(R.DASH_FRAMES)
        if not p.input.no_horizontal:
            p.facing = Facing.from_direction(p.input.raw_horizontal)
        p.game.draw_unused(1, 12)  # the competition picks the attack's animation

    def physics_process(self) -> PlayerObjectState | None:
        following = super().physics_process()
        if following is not None:
            return following
        if not self.move_manager.do_move(self.p.input.raw_horizontal):
            return None
        return land_or_fall(self)


STATE_CLASSES = (WalkingState, StandingState, TurnaroundState, AirTurnaroundState, SprintingState, StunState,
                 InAirState, DodgeState, AttackState, DashState, BackDashState, KOState, TauntState)
assert [cls.number for cls in STATE_CLASSES] == list(range(13))
