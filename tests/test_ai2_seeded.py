"""A participant who seeds Python's `random` (and numpy's) before playing gets the competition's matches.

tests/fixtures/ai2/seeded.json holds scripted matches (tests/ai2_seeded.py) played in the
competition's game after `random.seed(n)` and `np.random.seed(n)` (recorded by
tools/record_ai2_seeded.py): its `WarehouseBrawl` stepped by a script, and its `run_match`. Played
here through `arena.compat.ai2` after the same seeding, they must be the same matches (and the training env,
`SelfPlayWarehouseBrawl`, the same opponents, drawn at each reset after the game's draws): fighter 0 on
the same side, every weapon at the same place at the same frame and taken and dropped alike, the
same positions, the same stats (of the same types), and `random` left in the same state.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import json
from pathlib import Path

import pytest

import ai2_seeded

RECORDED = json.loads((Path(__file__).parent / "fixtures" / "ai2" / "seeded.json").read_text())["cases"]


@pytest.mark.parametrize("case", RECORDED, ids=lambda case: f"{case['scenario']}-seed{case['seed']}")
@pytest.mark.parametrize("engine", ["native", "python"])
def test_seeded_matches_play_as_in_the_competition(case, engine, monkeypatch):
    from arena.compat.ai2.environment import agent

    fighting_env = importlib.import_module("arena.envs.fighting.env")  # the package's `env` is a function
    init = fighting_env.WarehouseBrawl.__init__

    @functools.wraps(init)
    def on_engine(self, *args, **kwargs):
        init(self, *args, **{**kwargs, "engine": engine})

    monkeypatch.setattr(fighting_env.WarehouseBrawl, "__init__", on_engine)
    with contextlib.redirect_stdout(io.StringIO()):
        played = ai2_seeded.SCENARIOS[case["scenario"]](agent, case["seed"], case["frames"])
    assert played.get("selected") == case.get("selected")  # the training env's opponents, drawn each episode
    assert played["slots"] == case["slots"]
    assert played.get("spawners") == case.get("spawners")  # `env.weapon_controller.spawners`, frame by frame
    assert len(played["positions"]) == len(case["positions"])
    for frame, (here, there) in enumerate(zip(played["positions"], case["positions"])):
        assert here == pytest.approx(there, abs=1e-6), frame * ai2_seeded.EVERY
    assert played["stats"] == case["stats"]  # the counts' types too: ints, as there
    assert played["next_random"] == case["next_random"]
