"""`env.logger` holds what the competition's env writes there each frame, for reward and viewer code.

tests/fixtures/ai2/rules.json has, for each recorded key script, the competition's `env.logger`
after every frame: each fighter's last change of state ('StandingState -> AttackState', including
a stun renewed by a hit during stun, 'StunState -> StunState') and, while it attacks, its move.
Both engines must write the same, and a RewardManager adds its reward and running total as text.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from arena.envs.fighting.env import WarehouseBrawl
from arena.envs.fighting.game import Game
from arena.envs.fighting.rewards import SIGNAL_NAMES, RewardManager, RewTerm
from fighting_keys import action

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "ai2" / "rules.json").read_text())
SCENARIOS = FIXTURE["scenarios"]


def placed_env(scenario: dict, engine: str) -> WarehouseBrawl:
    """The env, its match started as the scenario's was: the same side first, fighters placed."""
    env = WarehouseBrawl(engine=engine)
    env.reset(seed=0)
    if engine == "native":
        from arena.envs.fighting.native import NativeGame, make_batch

        env.game = NativeGame(make_batch(1, autoreset=False), 0, env._signals, first_on_right=scenario["first_on_right"])
    else:
        env.game = Game(random.Random(0), env._signals, first_on_right=scenario["first_on_right"])
    for fighter, place in zip(env.game.players, scenario["place"] or ()):
        fighter.body.position = place
    return env


def logged(scenario: dict, engine: str, peek: bool = False) -> list[list[list]]:
    """What `env.logger` held after each frame of the scenario, in the fixture's form; with `peek`,
    every signal's handler reads it too, within the step."""
    env = placed_env(scenario, engine)
    peeked = []
    if peek:
        for name in SIGNAL_NAMES:
            getattr(env, name).connect(lambda env, **_: peeked.append(list(env.logger)))
    frames = []
    for frame in range(len(scenario["frames"])):
        keys = [script[frame] if frame < len(script) else "" for script in (scenario["p0"], scenario["p1"])]
        env.step({"player_0": action(keys[0]), "player_1": action(keys[1])})
        frames.append([[line["transition"], line["move_type"].name if "move_type" in line else None]
                       for line in env.logger])
    assert not peek or peeked, "no signal fired"
    return frames


def first_difference(mine: list, theirs: list) -> str | None:
    for frame, (ours, competition) in enumerate(zip(mine, theirs)):
        if ours != competition:
            return f"frame {frame}: {ours}, the competition's {competition}"
    return None


@pytest.mark.parametrize("engine", ["python", "native"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_the_logger_reads_as_the_competitions_each_frame(scenario, engine):
    if engine == "native":
        pytest.importorskip("arena._native")
    assert first_difference(logged(scenario, engine), scenario["logs"]) is None


@pytest.mark.parametrize("engine", ["python", "native"])
@pytest.mark.parametrize("name", ["hit_near_nlight", "light_held", "trade", "knocked_out"])
def test_a_signal_handler_reading_the_logger_within_a_step_changes_nothing_read_after_it(name, engine):
    if engine == "native":
        pytest.importorskip("arena._native")
    scenario = next(s for s in SCENARIOS if s["name"] == name)
    assert first_difference(logged(scenario, engine, peek=True), scenario["logs"]) is None


@pytest.mark.parametrize("engine", ["python", "native"])
def test_a_reset_keeps_the_last_frames_lines_as_the_competitions_env_does(engine):
    if engine == "native":
        pytest.importorskip("arena._native")
    env = WarehouseBrawl(engine=engine)
    env.reset(seed=1)
    assert env.logger == ["", ""]
    for _ in range(5):
        env.step({"player_0": action(""), "player_1": action("")})
    last = env.logger
    env.reset(seed=2)
    assert env.logger is last and [line["transition"] for line in last] == ["InAirState", "InAirState"]
    env.step({"player_0": action(""), "player_1": action("")})
    assert env.logger is not last


def test_the_fixtures_log_renewed_stuns_and_every_move():
    """A stun renewed by a hit is a change of state the state numbers alone do not show."""
    transitions = {line[0] for s in SCENARIOS for frame in s["logs"] for line in frame}
    moves = {line[1] for s in SCENARIOS for frame in s["logs"] for line in frame}
    assert {"StunState -> StunState", "InAirState", "StandingState -> AttackState"} <= transitions
    assert moves >= {"NLIGHT", "DLIGHT", "SLIGHT", "NSIG", "DSIG", "SSIG", "NAIR", "DAIR", "SAIR", "RECOVERY",
                     "GROUNDPOUND", None}


def test_a_missed_renewed_stun_is_caught():
    """The comparison fails when a stun renewed within the stun is not logged as a change of state."""
    scenario = next(s for s in SCENARIOS if any(line[0] == "StunState -> StunState"
                                                for frame in s["logs"] for line in frame))
    mine = logged(scenario, "python")
    wrong = [[[("StandingState -> StunState" if t == "StunState -> StunState" else t), m] for t, m in frame]
             for frame in mine]
    assert first_difference(wrong, scenario["logs"]) is not None


@pytest.mark.parametrize("engine", ["python", "native"])
@pytest.mark.parametrize("seat", [0, 1])
def test_a_reward_manager_writes_its_reward_into_its_fighters_line(engine, seat):
    if engine == "native":
        pytest.importorskip("arena._native")

    def attacking(env) -> float:  # a term in the competition's style: reads its fighter's line
        return 1.0 if "move_type" in env.logger[0] else -0.25

    def noted(env) -> float:
        env.logger[0]["note"] = f"frame {env.steps}"  # reward code may add to its line, as there
        return 0.0

    manager = RewardManager({"attacking": RewTerm(func=attacking, weight=2.0), "noted": RewTerm(func=noted, weight=1.0)})
    env = WarehouseBrawl(engine=engine, reward_manager=manager)
    env.shape_rewards_of(f"player_{seat}")
    env.reset(seed=3)
    assert env.logger == ["", ""]  # as the competition's env has it before the first frame
    mine, theirs = f"player_{seat}", f"player_{1 - seat}"
    total = 0.0
    for frame in range(40):
        keys = action("j") if frame >= 30 else action("")  # a light attack once landed
        _, rewards, *_ = env.step({mine: keys, theirs: action("")})
        total += rewards[mine]
        line, other = env.logger[seat], env.logger[1 - seat]
        assert line["reward"] == f"{rewards[mine]:.3f}" and line["total_reward"] == f"{total:.3f}"
        assert line["note"] == f"frame {frame + 1}" and "reward" not in other and "note" not in other
    assert line["move_type"].name == "NLIGHT" and line["reward"] == "2.000"
