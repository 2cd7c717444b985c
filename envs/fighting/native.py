"""The fighting game's native engine (`arena._native.FightingBatch`): the same rules in C++, N games at once.

    from arena.envs.fighting.native import make_batch
    batch = make_batch(1024, seeds=range(1024), threads=2)
    batch.step(actions)            # actions: (N, 2, 10) keys, float32 or int8 (> 0.5 presses)
    batch.observations             # (N, 2, 64) float32: each fighter's observation, as the env gives it
    batch.rewards                  # (N, 2) float32: +1 / -1 on the frame a game is won, else 0
    batch.terminated, batch.truncated   # (N,) bool

Game i plays exactly as `env.reset(seed=seeds[i])` followed by the same keys in the Python env
(`arena.envs.fighting.game` stays the reference the native engine is tested against). With
`autoreset` (the default) a finished game restarts at once, as the env's next `reset()` would:
its last observation is kept in `terminal_observations` and `observations` show the new game.
The arrays are views of the engine's buffers, rewritten in place by every `step`.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from arena.envs.fighting import rules as R
from arena.envs.fighting.colliders import hitbox_offset
from arena.envs.fighting.move_data import MOVES
from arena.envs.fighting.powers import CastData, FrameChange, PowerData

EVENTS = {"win_signal": 1, "knockout_signal": 2, "hit_during_stun": 4, "weapon_equip_signal": 8,
          "weapon_drop_signal": 16}  # bits of `FightingBatch.events`, per game and fighter


def _xy(change: tuple | None) -> tuple | None:
    return None if change is None else (bool(change[0]), float(change[1]), bool(change[2]), float(change[3]))


def _frame_change(frame: int, change: FrameChange) -> dict[str, Any]:
    entry: dict[str, Any] = {"frame": frame}
    if change.pull is not None:
        dx, dy = hitbox_offset(change.pull[0], change.pull[1])
        entry["pull"] = (dx, dy, float(change.pull[2]))
    if change.velocity_set is not None:
        entry["velocity_set"] = tuple(map(float, change.velocity_set))
    if change.damp is not None:
        on_x, x, on_y, y = change.damp
        entry["damp"] = (bool(on_x), float(x), bool(on_y), float(y))
    for name in ("velocity_set_xy", "velocity_add_xy", "hit_velocity_set_xy", "hit_velocity_add_xy"):
        if getattr(change, name) is not None:
            entry[name] = _xy(getattr(change, name))
    if change.hit_position_set is not None:
        on_x, x, on_y, y = change.hit_position_set
        dx, dy = hitbox_offset(x, y)
        entry["hit_position_set"] = (bool(on_x), dx, bool(on_y), dy)
    return entry


def _cast(cast: CastData, power: PowerData) -> dict[str, Any]:
    # The hit angle as powers.MoveManager.play_cast computes it each frame.
    angle = math.radians(cast.hit_angle_deg if cast.hit_angle_deg != 0.0 else power.hit_angle_deg)
    return {
        "startup_frames": cast.startup_frames, "attack_frames": cast.attack_frames,
        "base_damage": float(cast.base_damage), "variable_force": float(cast.variable_force),
        "fixed_force": float(cast.fixed_force), "hit_cos": math.cos(angle), "hit_sin": -math.sin(angle),
        "hitboxes": [tuple(map(float, box)) for box in cast.hitboxes],
        "check_dy": float(cast.check_points[-1][1]) if cast.check_points else None,
        "changes": [_frame_change(frame, change) for frame, change in cast.changes.items()],
    }


def _power(power: PowerData) -> dict[str, Any]:
    return {
        "casts": [_cast(cast, power) for cast in power.casts],
        "recovery_frames": power.recovery_frames, "min_charge": power.min_charge, "stun_time": power.stun_time,
        "is_charge": bool(power.is_charge), "hit_all_hit_agents": bool(power.hit_all_hit_agents),
        "target_all_hit_agents": bool(power.target_all_hit_agents),
        "transition_on_instant_hit": bool(power.transition_on_instant_hit),
        "allow_left_right_mobility": bool(power.allow_left_right_mobility),
        "enable_floor_drag": bool(power.enable_floor_drag),
        "on_hit_velocity": None if power.on_hit_velocity is None else tuple(map(float, power.on_hit_velocity)),
        "on_hit": power.on_hit, "on_miss": power.on_miss, "on_ground": power.on_ground,
        "last_power": bool(power.last_power),
    }


def move_table() -> list[list[dict[str, Any] | None]]:
    """Every weapon's moves (`move_data.MOVES`) as the native engine reads them: [weapon][MoveType value]."""
    table: list[list[dict[str, Any] | None]] = []
    for weapon in R.WEAPON_NAMES:
        row: list[dict[str, Any] | None] = [None] * 13
        for move_type, move in MOVES[weapon].items():
            row[move_type.value] = {"initial": move.initial, "key": int(R.Key.J if move.key == "j" else R.Key.K),
                                    "powers": [_power(power) for power in move.powers]}
        table.append(row)
    return table


def make_batch(n: int = 1, seeds: Iterable[int] | int | None = None, *, stocks: int = R.STOCKS,
                  max_frames: int = R.MATCH_FRAMES, first_on_right: bool | None = None, threads: int = 1,
                  autoreset: bool = True):
    """`n` native fighting games; `seeds` one per game (an int: seeds, seeds + 1, ...; None: 0, 1, ...)."""
    from arena import _native

    if seeds is None:
        seeds = 0
    if isinstance(seeds, (int, np.integer)):
        seeds = range(int(seeds), int(seeds) + n)
    seeds = [abs(int(s)) for s in seeds]  # random.Random(seed) ignores the sign
    if len(seeds) != n:
        raise ValueError(f"make_batch: {n} games need {n} seeds, got {len(seeds)}")
    if any(s >= 2**64 for s in seeds):
        raise ValueError("make_batch: seeds must be below 2**64")
    side = -1 if first_on_right is None else int(bool(first_on_right))
    return _native.FightingBatch(move_table(), np.array(seeds, np.uint64), stocks, max_frames, side, threads, autoreset)
