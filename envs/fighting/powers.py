"""Attacks as the competition defines them: moves made of powers, powers made of casts.

A move's data (`move_data.MOVES`, the competition's per-move documents) lists powers; the
move starts at `move.initialPowerIndex`. A power runs its casts in order; each cast has startup
frames, then attack frames during which its hitboxes can hit, and per-frame changes to the
caster's or the victims' velocity. After the last cast the power waits its recovery, then the
move ends, or goes on with the power named for a hit (`onHitNextPowerIndex`) or a miss
(`onMissNextPowerIndex`). A charge power (`isCharge`) holds until its key is released after
`minCharge` frames, or until the last cast's startup runs out, then goes on with its miss power.

Frame counts in the data are at 60 a second and are halved here; lengths are in the data's
units, `colliders.BRAWL_TO_UNITS` game units each (offsets and sizes doubled, as the competition
reads them).
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

from arena.envs.fighting.colliders import CapsuleCollider, hitbox_offset, hitbox_size
from arena.envs.fighting.moves import knockback_growth

if TYPE_CHECKING:
    from arena.envs.fighting.fighter import Fighter

GROUND_CHECK_Y = 1.54  # a cast's ground check point below this height means it hit the ground
RECOVERY_DIVISOR = 1.426  # the data's scaled recovery counts this much less than fixed recovery


XYChange = tuple[bool, float, bool, float]  # (x on?, x, y on?, y)


def _frames(data: dict[str, Any], key: str) -> int:
    return int(data.get(key, 0)) // 2


def _xy_change(data: dict[str, Any] | None) -> XYChange | None:
    """(set x?, x, set y?, y) with y turned to point down, or None."""
    if data is None:
        return None
    return (data.get("activeX", False), data.get("magnitudeX", 0.0),
            data.get("activeY", False), -data.get("magnitudeY", 0.0))


def set_velocity(body, change: XYChange | None, facing: int) -> None:
    """Set the velocity components `change` turns on (x toward the facing side)."""
    if change is not None:
        set_x, x, set_y, y = change
        if set_x:
            body.vx = x * facing
        if set_y:
            body.vy = y


def add_velocity(body, change: XYChange | None, facing: int) -> None:
    """Add to the velocity components `change` turns on (x toward the facing side)."""
    if change is not None:
        add_x, x, add_y, y = change
        if add_x:
            body.vx += x * facing
        if add_y:
            body.vy += y


class FrameChange:
    """What one frame of a cast does to the caster and to whoever it has hit."""

    __slots__ = ("document", "pull", "velocity_set", "damp", "velocity_set_xy", "velocity_add_xy",
                 "hit_velocity_set_xy", "hit_velocity_add_xy", "hit_position_set")

    def __init__(self, data: dict[str, Any]):
        self.document = data  # the data's own record, for code that reads it as the competition's objects
        target = data.get("dealtPositionTarget", {})
        self.pull = ((target.get("xOffset", 0), target.get("yOffset", 0), target.get("mult", 2.0))
                     if target.get("active", False) else None)
        velocity = data.get("casterVelocitySet")
        self.velocity_set = None
        if velocity is not None and velocity.get("active", False):
            angle = math.radians(velocity.get("directionDeg", 0.0))
            magnitude = velocity.get("magnitude", 0.0)
            self.velocity_set = (math.cos(angle) * magnitude, -math.sin(angle) * magnitude)
        damp = data.get("casterVelocityDampXY")
        self.damp = None if damp is None else (damp.get("activeX", False), damp.get("dampX", 1.0),
                                               damp.get("activeY", False), damp.get("dampY", 1.0))
        self.velocity_set_xy = _xy_change(data.get("casterVelocitySetXY"))
        self.velocity_add_xy = _xy_change(data.get("casterVelocityAddXY"))
        self.hit_velocity_set_xy = _xy_change(data.get("hitVelocitySetXY"))
        self.hit_velocity_add_xy = _xy_change(data.get("hitVelocityAddXY"))
        position = data.get("hitPosSetXY")
        self.hit_position_set = None if position is None else (
            position.get("activeX", False), position.get("positionX", 0.0),
            position.get("activeY", False), position.get("positionY", 0.0))


class CastData:
    """One cast's fixed numbers (frames already at 30 a second).

    `hitboxes` and `check_points` are in game units; `hitbox_data` and `check_point_data` are the
    data's own dicts, and `changes` maps a (halved) frame to what it does.
    """

    def __init__(self, data: dict[str, Any]):
        self.document = data
        self.startup_frames = _frames(data, "startupFrames")
        self.attack_frames = _frames(data, "attackFrames")
        self.base_damage = data.get("baseDamage", 0)
        self.variable_force = data.get("variableForce", 0.0)
        self.fixed_force = data.get("fixedForce", 0.0)
        self.hit_angle_deg = data.get("hitAngleDeg", 0.0)
        self.must_be_held = data.get("mustBeHeld", False)
        self.hitbox_data = data.get("hitboxes", [])
        self.check_point_data = data.get("collisionCheckPoints", [])
        self.changes: dict[int, FrameChange] = {}
        for change in data.get("frameChanges", []):
            self.changes.setdefault(int(change.get("frame", 0)) // 2, FrameChange(change))  # the first listed wins

    # Game units, worked out when the game first plays the cast (code that only inspects the data
    # may give hitboxes in other shapes).
    @functools.cached_property
    def hitboxes(self) -> list[tuple[float, float, float, float]]:
        """(x offset, y offset, width, height) of each hitbox."""
        return [(*hitbox_offset(h["xOffset"], h["yOffset"]), *hitbox_size(h["width"], h["height"]))
                for h in self.hitbox_data]

    @functools.cached_property
    def check_points(self) -> list[tuple[float, float]]:
        """(x offset, y offset) of each ground check point."""
        return [hitbox_offset(p["xOffset"], p["yOffset"]) for p in self.check_point_data]


class PowerData:
    """One power's fixed numbers (frames at 30 a second); `casts` are parsed from the data unless given."""

    def __init__(self, data: dict[str, Any], casts: list[CastData] | None = None):
        self.document = data
        self.power_id = data.get("powerID", -1)
        self.casts = [CastData(cast) for cast in data["casts"]] if casts is None else casts
        self.fixed_recovery = _frames(data, "fixedRecovery")
        self.recovery = _frames(data, "recovery")
        self.recovery_frames = self.fixed_recovery + math.floor(self.recovery / RECOVERY_DIVISOR)
        self.cooldown = _frames(data, "cooldown")
        self.min_charge = _frames(data, "minCharge")
        self.stun_time = _frames(data, "stunTime")
        self.hit_angle_deg = data.get("hitAngleDeg", 0.0)
        self.is_charge = data.get("isCharge", False)
        self.damage_over_life_of_hitbox = data.get("damageOverLifeOfHitbox", False)
        self.disable_caster_gravity = data.get("disableCasterGravity", False)
        self.disable_hit_gravity = data.get("disableHitGravity", False)
        self.hit_all_hit_agents = data.get("hitAllHitAgents", False)
        self.target_all_hit_agents = data.get("targetAllHitAgents", False)
        self.transition_on_instant_hit = data.get("transitionOnInstantHit", False)
        self.allow_left_right_mobility = data.get("allowLeftRightMobility", False)
        self.enable_floor_drag = data.get("enableFloorDrag", False)
        self.on_hit_velocity_set_active = data.get("onHitVelocitySetActive", False)
        self.on_hit_velocity_set_magnitude = data.get("onHitVelocitySetMagnitude", 0.0)
        self.on_hit_velocity_set_direction_deg = data.get("onHitVelocitySetDirectionDeg", 0.0)
        self.on_hit_velocity = None
        if self.on_hit_velocity_set_active:
            angle = math.radians(self.on_hit_velocity_set_direction_deg)
            # The speed scales x only, as the competition's game does.
            self.on_hit_velocity = (math.cos(angle) * self.on_hit_velocity_set_magnitude, math.sin(angle))
        self.on_hit = data.get("onHitNextPowerIndex", -1)
        self.on_miss = data.get("onMissNextPowerIndex", -1)
        self.on_ground = data.get("onGroundNextPowerIndex", -1)
        self.last_power = self.on_hit == -1 and self.on_miss == -1


class MoveData:
    """A whole move: its powers, which key drives it, and where it starts."""

    def __init__(self, document: dict[str, Any]):
        self.document = document
        self.powers = [PowerData(power) for power in document["powers"]]
        self.initial = document["move"]["initialPowerIndex"]
        self.key = "j" if document["move"]["actionKey"] == "LIGHT" else "k"


class Power:
    """A power being played: which cast, how far in, and whom it has hit."""

    def __init__(self, data: PowerData):
        self.data = data
        self.power_id = data.power_id
        self.cast_idx = 0
        self.cast_frames = [0] * len(data.casts)  # frames played of each cast
        self.total_frame_count = 0
        self.frames_into_recovery = 0
        self.hit_anyone = False
        self.agents_hit_this_power: list[Fighter] = []
        self.is_switching_casts = True
        self.pull: tuple[float, float, float] | None = None

    @property
    def current_cast(self) -> CastData:
        return self.data.casts[self.cast_idx]

    @property
    def frame_idx(self) -> int:
        return self.cast_frames[self.cast_idx]

    def in_startup(self) -> bool:
        return self.frame_idx < self.current_cast.startup_frames

    def in_attack(self) -> bool:
        cast = self.current_cast
        return cast.startup_frames <= self.frame_idx < cast.startup_frames + cast.attack_frames


class MoveManager:
    """Plays one move for `fighter`, a frame at a time (`do_move`)."""

    def __init__(self, fighter: Fighter, move: MoveData):
        self.p = fighter
        self.move = move
        self.move_data = move.document
        self.current_power = Power(move.powers[move.initial])
        self.frame = 0
        self.move_facing_direction = fighter.facing
        self.hit_agent: Fighter | None = None
        self.all_hit_agents: list[Fighter] = []

    def next_power(self, index: int) -> Power:
        return Power(self.move.powers[index])

    def after(self, first: int, fallback: int) -> Power | None:
        """The power at `first`, else at `fallback`, else None (-1 means none)."""
        index = first if first != -1 else fallback
        return self.next_power(index) if index != -1 else None

    def do_move(self, direction: float) -> bool:
        """Play one frame; True when the move is over."""
        p = self.p
        self.move_facing_direction = p.facing
        holding = p.input.key_status[self.move.key].held
        done, following = self.play(self.current_power, holding, direction)
        if following is not None:
            self.current_power = following
        self.frame += 1
        return done

    def play(self, power: Power, holding: bool, direction: float) -> tuple[bool, Power | None]:
        data = power.data
        done = False
        following = None
        if data.is_charge and ((not holding and power.total_frame_count > data.min_charge)
                               or power.total_frame_count > data.casts[-1].startup_frames):
            following = self.after(data.on_miss, -1)
        else:
            following, done = self.play_cast(power, direction)
        power.total_frame_count += 1
        return done, following

    def play_cast(self, power: Power, direction: float) -> tuple[Power | None, bool]:
        p = self.p
        data = power.data
        cast = power.current_cast
        frame = power.frame_idx
        change = cast.changes.get(frame)
        facing = int(self.move_facing_direction)
        power.pull = change.pull if change is not None else None
        if power.pull is None:
            angle = math.radians(cast.hit_angle_deg if cast.hit_angle_deg != 0.0 else data.hit_angle_deg)
            hit_x, hit_y = math.cos(angle) * facing, -math.sin(angle)
        else:  # a frame that pulls its victims launches nobody
            hit_x = hit_y = 0.0
        in_startup = frame < cast.startup_frames
        in_attack = not in_startup and frame < cast.startup_frames + cast.attack_frames
        damage = cast.base_damage
        if data.hit_all_hit_agents:
            for agent in self.all_hit_agents:
                if agent.state.vulnerable() and agent not in power.agents_hit_this_power:
                    power.agents_hit_this_power.append(agent)
                    self.strike(agent, cast, data, hit_x, hit_y)
        if data.allow_left_right_mobility:
            p.body.vx = p.move_toward(p.body.vx, direction * p.move_speed, p.in_air_ease)
        self.apply_change(change, data.enable_floor_drag, power)
        following = None
        switching = False
        if in_attack:
            p.hitbox_live = True
            if power.is_switching_casts:
                power.is_switching_casts = False
            elif cast.check_points:
                _, dy = cast.check_points[-1]
                if p.body.y + dy > GROUND_CHECK_Y:
                    switching = True
                    following = self.after(data.on_ground, data.on_miss)
            hit = self.check_hitboxes(power, cast, damage, hit_x, hit_y)
            if hit and data.transition_on_instant_hit:
                following = self.after(data.on_hit, data.on_miss)
            if power.cast_idx == len(data.casts) - 1 and data.last_power:
                power.frames_into_recovery += 1
        power.cast_frames[power.cast_idx] += 1
        done = False
        if not (switching or in_attack or in_startup):
            if power.cast_idx < len(data.casts) - 1:
                power.cast_idx += 1
                power.is_switching_casts = True
            elif power.frames_into_recovery < data.recovery_frames:
                power.frames_into_recovery += 1
            elif data.last_power:
                done = True
            elif power.hit_anyone:
                following = self.after(data.on_hit, data.on_miss)
            else:
                following = self.after(data.on_miss, -1)
        return following, done

    def check_hitboxes(self, power: Power, cast: CastData, damage: float, hit_x: float, hit_y: float) -> bool:
        """Test each hitbox against the opponent's hurtbox; a power hits a fighter once."""
        p = self.p
        victim = p.opponent
        facing = int(self.move_facing_direction)
        x, y = p.body.x, p.body.y
        hit = False
        for dx, dy, width, height in cast.hitboxes:
            if not (victim.hurtbox_collider.intersects(CapsuleCollider((x + dx * facing, y + dy), width, height))
                    and victim.state.vulnerable()):
                continue
            hit = True
            if not power.hit_anyone and power.data.on_hit_velocity is not None:
                p.body.velocity = power.data.on_hit_velocity
            power.hit_anyone = True
            if victim not in power.agents_hit_this_power:
                if self.hit_agent is None:
                    self.hit_agent = victim
                self.strike(victim, cast, power.data, hit_x, hit_y)
                power.agents_hit_this_power.append(victim)
            if victim not in self.all_hit_agents:
                victim.just_got_hit = True
                self.all_hit_agents.append(victim)
        return hit

    def strike(self, victim: Fighter, cast: CastData, data: PowerData, hit_x: float, hit_y: float) -> None:
        force = cast.fixed_force + cast.variable_force * knockback_growth(victim.damage + cast.base_damage)
        victim.apply_damage(cast.base_damage, data.stun_time, (hit_x * force, hit_y * force))
        self.p.last_hit_point = (victim.body.x, victim.body.y)

    def apply_change(self, change: FrameChange | None, floor_drag: bool, power: Power) -> None:
        p = self.p
        body = p.body
        if floor_drag:
            body.vx = p.move_toward(body.vx, 0.0, p.in_air_ease)
        if change is None:
            return
        facing = int(self.move_facing_direction)
        if power.pull is not None:
            dx, dy = hitbox_offset(power.pull[0], power.pull[1])
            strength = power.pull[2]
            targets = self.all_hit_agents if power.data.target_all_hit_agents else (
                [self.hit_agent] if self.hit_agent is not None else [])
            for agent in targets:
                agent.target_vel = (strength * (body.x + dx * facing - agent.body.x),
                                    strength * (body.y + dy - agent.body.y))
        if change.velocity_set is not None:
            body.vx, body.vy = change.velocity_set[0] * facing, change.velocity_set[1]
        if change.damp is not None:
            damp_x, x, damp_y, y = change.damp
            body.vx *= x if damp_x else 1.0
            body.vy *= y if damp_y else 1.0
        set_velocity(body, change.velocity_set_xy, facing)
        add_velocity(body, change.velocity_add_xy, facing)
        for agent in self.all_hit_agents:
            set_velocity(agent.body, change.hit_velocity_set_xy, facing)
            add_velocity(agent.body, change.hit_velocity_add_xy, facing)
        if change.hit_position_set is not None:
            set_x, x, set_y, y = change.hit_position_set
            dx, dy = hitbox_offset(x, y)
            for agent in self.all_hit_agents:
                if set_x:
                    agent.body.x = body.x + dx * facing
                if set_y:
                    agent.body.y = body.y + dy
