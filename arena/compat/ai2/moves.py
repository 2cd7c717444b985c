"""The competition's move data as objects: a move is a list of powers, a power a list of casts.

Its JSON files count frames at 60 a second; these classes show them halved to the game's 30, as the
competition does. They are the competition's names over the game's own reading of the documents
(`arena.envs.fighting.powers`: `Cast.data` is a `CastData`, `Power.data` a `PowerData`), and keep
the raw hitbox dicts for code that inspects the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arena.compat.ai2.frame_changes import CastFrameChangeHolder
from arena.envs.fighting.moves import MOVE_FOR_INPUT, MoveType, knockback_growth
from arena.envs.fighting.powers import CastData, PowerData


class Cast:
    """One hit window of a power: its startup and active frames, damage, knockback and hitboxes.

    `cast_data` is the cast's JSON dict (or a `CastData` the game has read from one).
    """

    def __init__(self, cast_data: dict[str, Any] | CastData):
        data = cast_data if isinstance(cast_data, CastData) else CastData(cast_data)
        self.data = data
        self.frame_idx = 0
        self.cast_data = data.document
        self.startup_frames = data.startup_frames
        self.attack_frames = data.attack_frames
        self.base_damage = data.base_damage
        self.variable_force = data.variable_force
        self.fixed_force = data.fixed_force
        self.hit_angle_deg = data.hit_angle_deg
        self.must_be_held = data.must_be_held
        self.collision_check_points = data.check_point_data
        self.hitboxes = data.hitbox_data

    @staticmethod
    def get_cast(cast_data: dict[str, Any]) -> Cast:
        return Cast(cast_data)

    def get_frame_data(self, idx: int) -> CastFrameChangeHolder | None:
        """The changes the data makes on frame `idx` of this cast (game frames), or None."""
        change = self.data.changes.get(idx)
        return None if change is None else CastFrameChangeHolder(change.document)


class Power:
    """One stage of a move: its casts, recovery and what follows on a hit or a miss.

    `power_data` is the power's JSON dict (or a `PowerData` the game has read from one).
    """

    def __init__(self, power_data: dict[str, Any] | PowerData, casts: list[Cast]):
        data = power_data if isinstance(power_data, PowerData) else PowerData(
            power_data, [cast.data for cast in casts])
        self.data = data
        self.power_data = data.document
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
        self.power_id = data.power_id
        self.fixed_recovery = data.fixed_recovery
        self.recovery = data.recovery
        self.cooldown = data.cooldown
        self.min_charge = data.min_charge
        self.stun_time = data.stun_time
        self.hit_angle_deg = data.hit_angle_deg
        self.is_charge = data.is_charge
        self.damage_over_life_of_hitbox = data.damage_over_life_of_hitbox
        self.disable_caster_gravity = data.disable_caster_gravity
        self.disable_hit_gravity = data.disable_hit_gravity
        self.target_all_hit_agents = data.target_all_hit_agents
        self.transition_on_instant_hit = data.transition_on_instant_hit
        self.on_hit_velocity_set_active = data.on_hit_velocity_set_active
        self.allow_left_right_mobility = data.allow_left_right_mobility
        self.on_hit_velocity_set_magnitude = data.on_hit_velocity_set_magnitude
        self.on_hit_velocity_set_direction_deg = data.on_hit_velocity_set_direction_deg
        self.hit_all_hit_agents = data.hit_all_hit_agents
        self.enable_floor_drag = data.enable_floor_drag
        self.on_hit_next_power_index = data.on_hit
        self.on_miss_next_power_index = data.on_miss
        self.on_ground_next_power_index = data.on_ground
        self.last_power = data.last_power
        # Recovery is counted in the data's longer frames; the competition scales it down.
        self.recovery_frames = data.recovery_frames if casts else 0

    @staticmethod
    def get_power(power_data: dict[str, Any]) -> Power:
        data = PowerData(power_data)
        return Power(data, [Cast(cast) for cast in data.casts])

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
