"""Reward functions, rule agents and logging code read the same names, types and values as in the competition.

tests/fixtures/ai2/attributes.json holds, every few frames of a scripted match played in the competition's
game after `random.seed(n)` (tests/ai2_attributes.py, recorded by tools/record_ai2_attributes.py), every
public attribute such code reads: `env.objects` in order and each object's attributes a few levels down,
the players, `env.weapon_controller.spawners`, the signals, `env.get_stats(i)`, `env.logger`. Walked the
same way through `arena.compat.ai2` on each engine, each of them must be there, of the same type and value,
but for the few listed in `NOT_KEPT`. (arena's objects may have more.)
"""

from __future__ import annotations

import functools
import importlib
import json
import re
from pathlib import Path

import pytest

import ai2_attributes

RECORDED = json.loads((Path(__file__).parent / "fixtures" / "ai2" / "attributes.json").read_text())

# What the competition's objects have that arena's do not (or not the same), as path patterns.
NOT_KEPT = [
    r"objects\[\w+\]\.(loaded|assets_loaded)",  # whether its pictures were loaded
    r"objects\[\w+\]\.body\.(mass|moment|gravity_scale)",  # pymunk's body settings
    r"objects\[(player|opponent)\]\.hurtbox_collider\.(center|cap1|cap2|offset|size)(\[\d\])?",  # pygame vectors
    r"objects\[(player|opponent)\]\.state\.seed",  # the number that picks an attack's or taunt's animation
    r"objects\[(player|opponent)\]\.state\.move_manager\.(cooldown|current_power\..*)",  # the move data's tables
    r"objects\[(player|opponent)\]\.pickup_lock_until",  # arena's `pickup_lock`, from the start
    # The effects' animations (`state`, `next_state`, `state_timer`), and where the spawners' stand.
    r"objects\[(Spawner|Dropped)VFX\d+\]\.(state|next_state|state_timer)", r"objects\[SpawnerVFX\d\]\.world_pos",
    r"weapon_controller\.spawners\[\d\]\.og_cooldown_frames",  # the first cooldown drawn
    # The native engine keeps lying weapons upright: the tilt there is about 1e-6.
    r"objects\[\w*(Spear|Hammer)\d+\]\.body\.(angle|angular_velocity)",
]


def _same(here: list | None, there: list) -> bool:
    if here is None or len(here) != len(there) or here[0] != there[0]:
        return False
    return all(value == pytest.approx(expected, abs=1e-6) if isinstance(expected, (float, list)) else value == expected
               for value, expected in zip(here[1:], there[1:]))


@pytest.mark.parametrize("engine", ["native", "python"])
def test_code_reads_the_competitions_attributes(engine, monkeypatch):
    from arena.compat.ai2.environment import agent

    fighting_env = importlib.import_module("arena.envs.fighting.env")
    init = fighting_env.WarehouseBrawl.__init__

    @functools.wraps(init)
    def on_engine(self, *args, **kwargs):
        init(self, *args, **{**kwargs, "engine": engine})

    monkeypatch.setattr(fighting_env.WarehouseBrawl, "__init__", on_engine)
    played = ai2_attributes.attribute_trace(agent, RECORDED["seed"], RECORDED["frames"])
    kept = re.compile("|".join(NOT_KEPT) or "(?!)")
    differences = []
    for (frame, here), (_, there) in zip(ai2_attributes.replay(played), ai2_attributes.replay(RECORDED["trace"])):
        for path, entry in there.items():
            if not kept.fullmatch(path) and not _same(here.get(path), entry):
                differences.append(f"frame {frame}: {path} is {here.get(path)}, there {entry}")
    assert len(played) == len(RECORDED["trace"])
    assert not differences, f"{len(differences)} differences:\n" + "\n".join(differences[:40])
