"""What participants' reward functions, rule agents and logging code read off the env, frame by frame.

`attribute_trace` plays tests/ai2_seeded.py's scripted `WarehouseBrawl` match (it takes and drops weapons,
attacks and taunts) in the competition's game or in arena's, and every `EVERY` frames walks what such code
reads: `env.objects` (its names in order, and each object's public attributes, a few levels down),
`env.players`, `env.weapon_controller.spawners`, the signals, `env.get_stats(i)`, `env.logger` and the env's
own counters. Each attribute is written down as its path, its type's name and its value (floats to 9
places; another object as its class's name, then its own attributes; an object of `env.objects` met again
as that object's name). pymunk's and pygame's own attributes and the pictures are left out (`SKIP`). What
comes back is what changed at each walk since the one before (None for a path gone), so the trace stays
small. tools/record_ai2_attributes.py records it from the competition's game
(tests/fixtures/ai2/attributes.json); tests/test_ai2_attributes.py walks arena's.
"""

from __future__ import annotations

import contextlib
import enum
import io
from typing import Any

import numpy as np

import ai2_seeded

EVERY = 20
CASE = (1, 1500)  # seed, frames: two weapons dropped within 150 frames, both fighters attacking and taunting
DEPTH = 4  # levels below each object of `env.objects`: `player.input.key_status["W"].held` is 4 down

# Drawing (pictures, animations, the camera, what to draw), pymunk's and pygame's own attributes, back
# references to the env, and the tables of move data (tests/test_ai2_compat.py checks those).
SKIP = frozenset({
    "env", "camera", "space", "shape", "image", "rect", "anim", "attack_sprite", "animation_sprite_2d",
    "attack_anims", "hitboxes_to_draw", "points_to_draw", "pool", "states", "states_types", "p", "move_data",
    "power_data", "casts", "keys", "DYNAMIC", "KINEMATIC", "STATIC",
    "body_type", "center_of_gravity", "constraints", "shapes", "force", "torque", "is_sleeping", "kinetic_energy",
    "rotation_vector", "position_func", "velocity_func", "epsilon",
})
SIGNALS = ("knockout_signal", "win_signal", "hit_during_stun", "weapon_equip_signal", "weapon_drop_signal")
ENV_FIELDS = ("steps", "max_timesteps", "fps", "dt", "agents", "stage_width_tiles", "stage_height_tiles",
              "game_mode", "number_of_platforms", "train_mode", "logger")


def _value(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    return value


class Walk:
    """One walk of the env: `found` maps each path to [type name, value] or [type name]."""

    def __init__(self, env: Any) -> None:
        self.found: dict[str, list] = {}
        self.named = {id(obj): name for name, obj in env.objects.items()}

    def visit(self, path: str, value: Any, depth: int, top: bool = False) -> None:
        kind = type(value).__name__
        if isinstance(value, enum.Enum):
            self.found[path] = [kind, value.name]
        elif isinstance(value, (bool, int, float, str, type(None))):
            self.found[path] = [kind, _value(value)]
        elif isinstance(value, np.generic):
            self.found[path] = [kind, _value(value.item())]
        elif kind in ("Vec2d", "Vector2"):
            self.found[path] = [kind, [_value(float(value[0])), _value(float(value[1]))]]
        elif isinstance(value, np.ndarray):
            self.found[path] = [kind, str(value.dtype), [_value(float(v)) for v in value.ravel()]]
        elif not top and id(value) in self.named:
            self.found[path] = ["object", self.named[id(value)]]
        elif isinstance(value, (list, tuple)):
            self.found[path] = [kind, len(value)]
            if depth > 0:
                for index, item in enumerate(value):
                    self.visit(f"{path}[{index}]", item, depth - 1)
        elif isinstance(value, dict):
            self.found[path] = [kind, [str(key) for key in value]]
            if depth > 0:
                for key, item in value.items():
                    self.visit(f"{path}[{key!r}]", item, depth - 1)
        else:
            self.found[path] = [kind]
            if depth > 0:
                for name in dir(value):
                    if name.startswith("_") or name in SKIP:
                        continue
                    try:
                        item = getattr(value, name)
                    except Exception as error:  # noqa: BLE001 - a read that fails is what is recorded
                        self.found[f"{path}.{name}"] = ["raises", type(error).__name__]
                        continue
                    if callable(item) and not isinstance(item, enum.Enum):
                        continue  # methods and classes
                    self.visit(f"{path}.{name}", item, depth - 1)


def walk(env: Any) -> dict[str, list]:
    """Every path participants' code reads, with its type and value, as the env stands."""
    seen = Walk(env)
    seen.found["objects"] = ["keys", list(env.objects)]
    for name, obj in env.objects.items():
        seen.visit(f"objects[{name}]", obj, DEPTH, top=True)
    for index, player in enumerate(env.players):
        seen.visit(f"players[{index}]", player, 0)
    seen.visit("weapon_controller.spawners", env.weapon_controller.spawners, 2)
    for name in SIGNALS:
        seen.visit(name, getattr(env, name), 1)
    for index in (0, 1):
        seen.visit(f"get_stats({index})", env.get_stats(index), 1)
    for name in ENV_FIELDS:
        seen.visit(name, getattr(env, name), 1)
    return seen.found


def attribute_trace(agent_module: Any, seed: int, frames: int) -> list:
    """[frame, {path: entry, or None once gone}] for each walk, with what changed since the walk before."""
    ai2_seeded.seed_all(seed)
    with contextlib.redirect_stdout(io.StringIO()):
        env = agent_module.WarehouseBrawl(train_mode=True)
        observations, _ = env.reset()
        scripts = (ai2_seeded.Script(), ai2_seeded.Script())
        trace, before = [], {}
        for frame in range(frames + 1):
            if frame:
                observations, *_ = env.step({i: scripts[i].keys(observations[i]) for i in (0, 1)})
            if frame % EVERY:
                continue
            now = walk(env)
            changed = {path: entry for path, entry in now.items() if before.get(path) != entry}
            changed.update({path: None for path in before if path not in now})
            trace.append([frame, changed])
            before = now
    return trace


def replay(trace: list) -> list[tuple[int, dict[str, list]]]:
    """Each walk in full, from a trace of changes."""
    walks, now = [], {}
    for frame, changed in trace:
        now = {**now, **changed}
        now = {path: entry for path, entry in now.items() if entry is not None}
        walks.append((frame, now))
    return walks
