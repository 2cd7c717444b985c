"""The fighting game plays the competition's rules: scripted keys, compared frame by frame.

tests/fixtures/ai2/rules.json holds what the competition's own game did with each key script
(recorded by tools/record_ai2_fixtures.py): both fighters' positions, velocities, states,
damage, facing, jumps, recoveries, dodge and stun timers, move types and stocks, and the moving
platform. arena's game must agree within 0.05 units (and units/s) and one frame.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from arena.envs.fighting import observation
from arena.envs.fighting.game import Game
from fighting_keys import action, quiet_signals

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "ai2" / "rules.json").read_text())
FIELDS = FIXTURE["fields"]
TOLERANCE = 0.05


def fighter_row(fighter, obs: np.ndarray) -> list[float]:
    body = fighter.body
    return [body.x, body.y, body.vx, body.vy, obs[8], fighter.damage, int(fighter.facing), obs[5], obs[7], obs[9],
            obs[10], obs[11], obs[14], fighter.stocks]


def play(scenario: dict) -> np.ndarray:
    """arena's frames for the scenario's keys, in the fixture's columns."""
    game = Game(random.Random(0), quiet_signals(), first_on_right=scenario["first_on_right"])
    for fighter, place in zip(game.players, scenario["place"] or ()):
        fighter.body.position = place
    rows = []
    for frame in range(len(scenario["frames"])):
        keys = [script[frame] if frame < len(script) else "" for script in (scenario["p0"], scenario["p1"])]
        game.step(action(keys[0]), action(keys[1]))
        first, second = observation.observations(game)
        platform = game.platform.body
        rows.append(fighter_row(game.players[0], first) + fighter_row(game.players[1], second)
                    + [platform.x, platform.y, platform.vx, platform.vy])
    return np.array(rows)


def column_names() -> list[str]:
    return [f"fighter{i}.{field}" for i in (0, 1) for field in FIELDS] + ["platform.x", "platform.y",
                                                                         "platform.vx", "platform.vy"]


def mismatches(mine: np.ndarray, theirs: np.ndarray) -> list[str]:
    """Cells where no frame within one of the same frame agrees within TOLERANCE."""
    off = np.abs(mine - theirs) > TOLERANCE
    for shift in (1, -1):  # one frame early or late is allowed
        shifted = np.full_like(off, True)
        if shift > 0:
            shifted[shift:] = np.abs(mine[shift:] - theirs[:-shift]) > TOLERANCE
        else:
            shifted[:shift] = np.abs(mine[:shift] - theirs[-shift:]) > TOLERANCE
        off &= shifted
    names = column_names()
    return [f"frame {frame}: {names[col]} is {mine[frame, col]:.4f}, the competition's {theirs[frame, col]:.4f}"
            for frame, col in zip(*np.nonzero(off))]


@pytest.mark.parametrize("scenario", FIXTURE["scenarios"], ids=[s["name"] for s in FIXTURE["scenarios"]])
def test_plays_like_the_competitions_game(scenario):
    wrong = mismatches(play(scenario), np.array(scenario["frames"]))
    assert not wrong, f"{len(wrong)} values differ, first: " + "; ".join(wrong[:5])


def test_the_fixtures_exercise_the_rules():
    """The recorded scripts hit with every ground attack, knock out, ride the platform and spend air jumps."""
    damage_column = FIELDS.index("damage") + len(FIELDS)
    hit = {s["name"] for s in FIXTURE["scenarios"] if s["frames"][-1][damage_column] > 0}
    for move in ("nlight", "dlight", "slight", "dsig", "ssig"):
        assert f"hit_{move}" in hit
    assert {"hit_near_nsig", "hit_falling_groundpound", "hit_falling_dair", "hit_falling_nair"} <= hit
    stocks = FIELDS.index("stocks")
    assert any(s["frames"][-1][stocks] < 3 for s in FIXTURE["scenarios"])  # fighter 0 knocked out
    jumps = FIELDS.index("jumps_left")
    jump_counts = {row[jumps] for s in FIXTURE["scenarios"] if s["name"] == "jumps" for row in s["frames"]}
    assert {0, 1, 2} <= jump_counts


def test_a_wrong_rule_is_caught():
    """The comparison fails when the game plays differently (here: a weaker jump)."""
    from arena.envs.fighting import rules

    scenario = next(s for s in FIXTURE["scenarios"] if s["name"] == "jumps")
    jump_speed = rules.JUMP_SPEED
    rules.JUMP_SPEED = jump_speed * 0.9
    try:
        assert mismatches(play(scenario), np.array(scenario["frames"]))
    finally:
        rules.JUMP_SPEED = jump_speed


# The moving platform's position and velocity after these frames of the competition's game (UTMIST-AI2
# @ 89366c1, any match: nothing pushes the platform), printed with repr(). Its speed there comes from
# math.sqrt(dx * dx + dy * dy), whose last bit math.hypot does not always give (frame 33 differed so).
PLATFORM = {
    33: (-0.6680386661324176, 1.6680386661324176, -0.3857575341537717, 0.3857575341537717),
    120: (-0.5137712965170614, 1.5137712965170615, 0.4968318116815985, -0.4968318116815985),
    400: (-0.6598031677073476, 1.6598031677073484, 0.36950796156384713, -0.36950796156384724),
    833: (0.6840137374111737, 0.3159862625888261, -0.34661184717722476, 0.3466118471772248),
}


def test_the_platform_glides_as_in_the_competition_to_the_last_bit():
    game = Game(random.Random(0), quiet_signals())
    for frame in range(max(PLATFORM) + 1):
        game.step(action(""), action(""))
        body = game.platform.body
        if frame in PLATFORM:
            assert (body.x, body.y, body.vx, body.vy) == PLATFORM[frame], frame


# The same after frames of the competition's `run_match` (its battles' loop: ConstantAgent against
# ConstantAgent, 900 frames), which works the platform's speed out once more before each frame, so that it
# turns at its path's ends without the frame's stop the env makes (frame 33: still the same).
RUN_MATCH_PLATFORM = {
    33: (-0.6680386661324176, 1.6680386661324176, -0.3857575341537717, 0.3857575341537717),
    399: (-0.6339773664834512, 1.6339773664834518, 0.393426033171209, -0.3934260331712092),
    832: (0.6204098810849618, 0.3795901189150381, -0.4057700059173403, 0.40577000591734036),
    899: (-0.6925371075279595, 1.6925371075279594, -0.36138659534084305, 0.36138659534084305),
}


def test_without_its_pauses_the_platform_glides_as_in_the_competitions_run_match():
    game = Game(random.Random(0), quiet_signals(), platform_pauses=False)
    for frame in range(max(RUN_MATCH_PLATFORM) + 1):
        game.step(action(""), action(""))
        body = game.platform.body
        if frame in RUN_MATCH_PLATFORM:
            assert (body.x, body.y, body.vx, body.vy) == RUN_MATCH_PLATFORM[frame], frame


def test_the_native_engine_glides_the_platform_without_pauses_too():
    pytest.importorskip("arena._native")
    from arena.envs.fighting.native import FIGHTER_NUMBERS, make_batch

    batch = make_batch(1, [0], max_frames=max(RUN_MATCH_PLATFORM) + 1, autoreset=False, platform_pauses=False)
    for frame in range(max(RUN_MATCH_PLATFORM) + 1):
        batch.step(np.zeros((1, 2, 10), np.float32))
        if frame in RUN_MATCH_PLATFORM:
            numbers = batch.state_numbers(0)[2 * FIGHTER_NUMBERS:2 * FIGHTER_NUMBERS + 4]
            assert tuple(numbers) == RUN_MATCH_PLATFORM[frame], frame


def test_run_match_moves_the_platform_as_the_competitions_run_match():
    from arena.compat.ai2 import ConstantAgent, RewardManager, RewTerm, run_match

    seen = []
    watch = RewardManager({"platform": RewTerm(func=lambda env: seen.append(
        tuple(env.objects["platform1"].body.position) + tuple(env.objects["platform1"].body.velocity)) or 0.0,
        weight=1.0)})
    run_match(ConstantAgent, ConstantAgent, max_timesteps=900, reward_manager=watch)
    assert {frame: seen[frame] for frame in RUN_MATCH_PLATFORM} == RUN_MATCH_PLATFORM


def test_the_native_engine_glides_the_platform_so_too():
    pytest.importorskip("arena._native")
    from arena.envs.fighting.native import FIGHTER_NUMBERS, make_batch

    batch = make_batch(1, [0], max_frames=max(PLATFORM) + 1, autoreset=False)
    for frame in range(max(PLATFORM) + 1):
        batch.step(np.zeros((1, 2, 10), np.float32))
        if frame in PLATFORM:
            assert tuple(batch.state_numbers(0)[2 * FIGHTER_NUMBERS:2 * FIGHTER_NUMBERS + 4]) == PLATFORM[frame], frame
