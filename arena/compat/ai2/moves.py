"""The competition's move data as objects: a move is a list of powers, a power a list of casts.

Its JSON files count frames at 60 a second; these classes halve them to the game's 30, as the
competition does. They keep the competition's attribute names and raw hitbox dicts for code that
inspects the data; the game itself plays the same documents through `arena.envs.fighting.powers`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from arena.compat.ai2.frame_changes import CastFrameChangeHolder
from arena.envs.fighting.moves import MOVE_FOR_INPUT, MoveType, knockback_growth
from arena.envs.fighting.powers import RECOVERY_DIVISOR


class Cast:
    """One hit window of a power: its startup and active frames, damage, knockback and hitboxes."""

    def __init__(self, cast_data: dict[str, Any]):
        self.frame_idx = 0
        self.cast_data = cast_data
        self.startup_frames = cast_data.get("startupFrames", 0) // 2
        self.attack_frames = cast_data.get("attackFrames", 0) // 2
        self.base_damage = cast_data.get("baseDamage", 0)
        self.variable_force = cast_data.get("variableForce", 0.0)
        self.fixed_force = cast_data.get("fixedForce", 0.0)
        self.hit_angle_deg = cast_data.get("hitAngleDeg", 0.0)
        self.must_be_held = cast_data.get("mustBeHeld", False)
        self.collision_check_points = cast_data.get("collisionCheckPoints", [])
        self.hitboxes = cast_data.get("hitboxes", [])

    @staticmethod
    def get_cast(cast_data: dict[str, Any]) -> Cast:
        return Cast(cast_data)

    def get_frame_data(self, idx: int) -> CastFrameChangeHolder | None:
        """The changes the data makes on frame `idx` of this cast (game frames), or None."""
        for change in self.cast_data.get("frameChanges", []):
            if change.get("frame") // 2 == idx:
                return CastFrameChangeHolder(change)
        return None


class Power:
    """One stage of a move: its casts, recovery and what follows on a hit or a miss."""

    def __init__(self, power_data: dict[str, Any], casts: list[Cast]):
        self.power_data = power_data
        self.casts = casts
        # Where the power stands while it plays (code that simulates a move advances these).
        self.cast_idx = 0
        self.total_frame_count = 0
        self.frames_into_recovery = 0
        self.hit_anyone = False
        self.dealt_position_target_exists = False
        self.current_dealt_position_target = (0.0, 0.0)
        self.agents_hit_this_power: list[Any] = []
        self.is_switching_casts = True
        self.past_point_positions: list[Any] = []
        self.in_recovery = False
        # The data, frames halved.
        get = power_data.get
        self.power_id = get("powerID", -1)
        self.fixed_recovery = get("fixedRecovery", 0) // 2
        self.recovery = get("recovery", 0) // 2
        self.cooldown = get("cooldown", 0) // 2
        self.min_charge = get("minCharge", 0) // 2
        self.stun_time = get("stunTime", 0) // 2
        self.hit_angle_deg = get("hitAngleDeg", 0.0)
        self.is_charge = get("isCharge", False)
        self.damage_over_life_of_hitbox = get("damageOverLifeOfHitbox", False)
        self.disable_caster_gravity = get("disableCasterGravity", False)
        self.disable_hit_gravity = get("disableHitGravity", False)
        self.target_all_hit_agents = get("targetAllHitAgents", False)
        self.transition_on_instant_hit = get("transitionOnInstantHit", False)
        self.on_hit_velocity_set_active = get("onHitVelocitySetActive", False)
        self.allow_left_right_mobility = get("allowLeftRightMobility", False)
        self.on_hit_velocity_set_magnitude = get("onHitVelocitySetMagnitude", 0.0)
        self.on_hit_velocity_set_direction_deg = get("onHitVelocitySetDirectionDeg", 0.0)
        self.hit_all_hit_agents = get("hitAllHitAgents", False)
        self.enable_floor_drag = get("enableFloorDrag", False)
        self.on_hit_next_power_index = get("onHitNextPowerIndex", -1)
        self.on_miss_next_power_index = get("onMissNextPowerIndex", -1)
        self.on_ground_next_power_index = get("onGroundNextPowerIndex", -1)
        self.last_power = self.on_hit_next_power_index == -1 and self.on_miss_next_power_index == -1
        # Recovery is counted in the data's longer frames; the competition scales it down.
        self.recovery_frames = self.fixed_recovery + math.floor(self.recovery / RECOVERY_DIVISOR) if casts else 0

    @staticmethod
    def get_power(power_data: dict[str, Any]) -> Power:
        return Power(power_data, [Cast.get_cast(cast) for cast in power_data["casts"]])

    def get_force_magnitude(self, current_cast: Cast, hit_agent: Any, cast_damage: float) -> float:
        """Launch speed of `current_cast` on `hit_agent` (a fighter), counting this hit's damage."""
        return current_cast.fixed_force + current_cast.variable_force * knockback_growth(hit_agent.damage + cast_damage)


@dataclass(frozen=True)
class CompactMoveState:
    """What picks an attack: on the ground or not, heavy or light, and direction (0 neutral, 1 down, 2 side)."""

    grounded: bool
    heavy: bool
    direction_type: int


m_state_to_move: dict[CompactMoveState, MoveType] = {
    CompactMoveState(*key): move for key, move in MOVE_FOR_INPUT.items()
}


class MoveManager:
    """Plays one move of the competition's move data for `player`, a frame at a time.

    `do_move(is_holding_move_type, direction)` advances a frame and says whether the move is
    over: each power lasts its casts' startup and attack frames plus its recovery, then the
    move goes on with the power named for a hit (if `hit_agent` is set) or a miss, or ends.
    It follows the data's timing (not charges, hits or ground checks) for code that simulates
    moves on its own; the game's fighters play moves with `arena.envs.fighting.powers.MoveManager`.
    """

    KEYS = {"LIGHT": "j", "HEAVY": "k", "THROW": "l"}

    def __init__(self, player: Any, move_data: dict[str, Any]):
        self.p = player
        self.move_data = move_data
        self.all_hit_agents: list[Any] = []
        self.current_power = self._power(move_data["move"]["initialPowerIndex"])
        self.cooldown = self.current_power.cooldown
        self.frame = 0
        self.move_facing_direction = getattr(player, "facing", None)
        self.hit_agent = None
        self.keys = dict(self.KEYS)

    def _power(self, index: int) -> Power:
        power = Power.get_power(self.move_data["powers"][index])
        power.p = self.p
        return power

    def do_move(self, is_holding_move_type: bool, direction: float) -> bool:
        self.move_facing_direction = getattr(self.p, "facing", None)
        power = self.current_power
        power.total_frame_count += 1
        self.frame += 1
        length = sum(cast.startup_frames + cast.attack_frames for cast in power.casts) + power.recovery_frames
        if power.total_frame_count < length:
            return False
        following = power.on_hit_next_power_index if self.hit_agent is not None else -1
        if following == -1:
            following = power.on_miss_next_power_index
        if following == -1:
            return True
        self.current_power = self._power(following)
        return False
