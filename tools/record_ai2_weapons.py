"""Record how the competition's fighting game moves the weapons lying on its stage, as test fixtures.

There a lying weapon is a physics box the size of its picture at the render scale: it settles on
a ground, rides the platform, falls into the pit. tests/test_fighting_weapons.py checks that arena's
game moves them the same way and that fighters drop and pick them up on the same frames. Run this
against an installed copy of the competition's repository (UTMIST/UTMIST-AI2), as
tools/record_ai2_fixtures.py is run:

    cd path/to/UTMIST-AI2 && SDL_VIDEODRIVER=dummy python /path/to/arena/tools/record_ai2_weapons.py

It writes tests/fixtures/ai2/weapons.json: "falls" (a weapon placed at a point, its body's position
and velocity and its `world_pos` frame by frame, at a resolution) and "plays" (fighters' keys, one
holding a weapon from the start, another weapon shown over the right spawner at a frame; per frame
each fighter's weapon and every weapon object's position).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record_ai2_fixtures import LEFT_GROUND_Y, RIGHT_GROUND_Y, action, keys  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ai2" / "weapons.json"


def falls() -> list[dict]:
    return [
        {"name": "spear_on_right_ground_low", "weapon": "Spear", "at": [4.0, 0.7], "resolution": "LOW", "frames": 60},
        {"name": "hammer_on_left_ground_medium", "weapon": "Hammer", "at": [-5.0, 2.7], "resolution": "MEDIUM",
         "frames": 60},
        {"name": "spear_on_right_ground_high", "weapon": "Spear", "at": [6.4, 0.7], "resolution": "HIGH", "frames": 60},
        {"name": "onto_the_platform", "weapon": "Spear", "at": [0.0, 0.3], "resolution": "LOW", "frames": 240},
        {"name": "into_the_pit", "weapon": "Hammer", "at": [-1.5, 2.0], "resolution": "LOW", "frames": 40},
        {"name": "onto_a_ledge", "weapon": "Spear", "at": [-1.7, 2.0], "resolution": "LOW", "frames": 60},
    ]


def plays() -> list[dict]:
    armed = {"holding": "Spear"}
    return [
        {"name": "drop_then_take_back", **armed, "place": [[4.0, RIGHT_GROUND_Y], [-5.0, LEFT_GROUND_Y]],
         "p0": keys((10, ""), (1, "h"), (5, ""), (1, "h"), (14, ""), (1, "h"), (30, ""))},
        {"name": "drop_walking_away_then_back", **armed, "place": [[4.0, RIGHT_GROUND_Y], [-5.0, LEFT_GROUND_Y]],
         "p0": keys((10, ""), (1, "h"), (20, "d"), (1, "h"), (16, "a"), (1, "h"), (1, ""), (1, "h"), (20, ""))},
        {"name": "drop_over_the_pit", **armed, "place": [[2.5, RIGHT_GROUND_Y], [-5.0, LEFT_GROUND_Y]],
         "p0": keys((5, ""), (1, "space+a"), (8, "a"), (1, "a+h"), (40, ""))},
        {"name": "drop_on_the_platform", **armed, "place": [[0.0, 0.3], [-5.0, LEFT_GROUND_Y]],
         "p0": keys((30, ""), (1, "h"), (60, ""), (1, "h"), (20, ""))},
        {"name": "take_from_the_spawner", "show": {"weapon": "Hammer", "x": 4.6, "frame": 5},
         "place": [[4.0, RIGHT_GROUND_Y], [-5.0, LEFT_GROUND_Y]], "p0": keys((12, ""), (5, "h"), (30, ""))},
        {"name": "take_from_the_spawner_at_reach", "show": {"weapon": "Spear", "x": 5.2, "frame": 0},
         "place": [[4.0, RIGHT_GROUND_Y], [-5.0, LEFT_GROUND_Y]], "p0": keys((3, ""), (40, "h"))},
    ]


def new_env(env_module, resolution: str):
    random.seed(1)
    with contextlib.redirect_stdout(io.StringIO()):
        env = env_module.WarehouseBrawl(train_mode=True, resolution=env_module.CameraResolution[resolution])
        env.reset()
    for spawner in env.weapon_controller.spawners:  # only the scenario's weapons
        spawner.cooldown_frames = 10**9
    return env


def step(env, p0: str = "", p1: str = "") -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        env.step({0: action(p0), 1: action(p1)})


def rounded(*values: float) -> list[float]:
    return [round(float(v), 5) for v in values]


def record_fall(env_module, fall: dict) -> dict:
    env = new_env(env_module, fall["resolution"])
    weapon = env.weapon_pool.get_weapon(env, fall["weapon"], True)
    weapon.activate(env.camera, fall["at"], env.steps)
    env.objects["falling"] = weapon
    rows = []
    for _ in range(fall["frames"]):
        step(env)
        body = weapon.body
        rows.append(rounded(body.position.x, body.position.y, body.velocity.x, body.velocity.y, *weapon.world_pos))
    return {**fall, "frames": rows}


def record_play(env_module, play: dict) -> dict:
    env = new_env(env_module, "LOW")
    for player, (x, y) in zip(env.players, play["place"]):
        player.body.position = (x, y)
    if "holding" in play:
        env.players[0].weapon = play["holding"]
    show = play.get("show")
    frames = []
    for frame in range(len(play["p0"])):
        if show and frame == show["frame"]:
            spawner = env.weapon_controller.spawners[0]
            spawner.world_pos = [show["x"], spawner.world_pos[1]]
            spawner.active_weapon = env.weapon_pool.get_weapon(env, show["weapon"], True)
            spawner.active_weapon.activate(env.camera, spawner.world_pos, env.steps)
            spawner.last_spawn_frame = env.steps
            env.objects[show["weapon"] + "0"] = spawner.active_weapon
        step(env, play["p0"][frame])
        lying = {name: rounded(*o.body.position, *o.world_pos) for name, o in env.objects.items()
                 if type(o).__name__ == "WeaponGO"}
        frames.append({"weapons": [p.weapon for p in env.players],
                       "p0": rounded(*env.players[0].body.position), "lying": lying})
    return {**play, "first_on_right": env.players[0].start_position[0] > 0, "frames": frames}


def main() -> None:
    sys.path.insert(0, os.getcwd())
    import environment.environment as env_module  # the competition's game, from its checkout

    recorded = {"falls": [record_fall(env_module, fall) for fall in falls()],
                "plays": [record_play(env_module, play) for play in plays()]}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(recorded, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}: {len(recorded['falls'])} falls, {len(recorded['plays'])} plays")


if __name__ == "__main__":
    main()
