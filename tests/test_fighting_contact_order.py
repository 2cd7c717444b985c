"""Contacts resolve in the order the competition's physics engine (Chipmunk) finds them.

Fighter 1 (RamyPoe's agent against BasedAgent, seed 0, frames 0-69 of that match) stands on the left
ground's right ledge while the moving platform's underside squeezes its head. Chipmunk's broadphase
reports the ground pair before the platform pair on frames 67 and 68, so the platform's contact,
resolved last, wins and carries the fighter along; the numbers are the competition's own
(UTMIST-AI2 with pymunk 6.2.1). Resolving the platform first, as arena did, gives (-0.0347, 0.0).
The native engine (arena._native) follows the same order.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from arena.envs.fighting.broadphase import BroadPhase
from arena.envs.fighting.game import Game
from fighting_keys import quiet_signals

# Both fighters' keys per frame as bitmasks over KEY_NAMES (bit i: key i pressed).
KEYS = [[8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [24, 2], [8, 2], [24, 2],
    [8, 2], [24, 2], [8, 2], [24, 2], [8, 2], [24, 2], [8, 2], [24, 18], [8, 2], [24, 2], [8, 2], [24, 2],
    [8, 2], [24, 2], [8, 2], [24, 2], [8, 2], [24, 2], [136, 134], [152, 129], [136, 129], [152, 129],
    [136, 65], [136, 129], [130, 2], [130, 2], [130, 2], [130, 2], [2, 2], [2, 8], [2, 8], [2, 8], [2, 8],
    [2, 8], [2, 8], [2, 8], [2, 8], [2, 8], [2, 8], [2, 8], [2, 8], [2, 8], [2, 8], [2, 8], [2, 8], [2, 8],
    [2, 8], [2, 8], [2, 8], [18, 8], [2, 8], [18, 24], [2, 2], [18, 2], [2, 2], [18, 2], [2, 0], [18, 16]]
ORIGINAL = {  # frame: fighter 1's position and velocity after it, in the competition's game
    67: ((-2.025315082947645, 2.4213996980134698), (-0.10659778901690936, 0.11419292683751976)),
    68: ((-2.025315082947645, 2.4252061289080538), (-0.06930007720963234, 0.11000011886341657)),
    69: ((-2.0276250855212994, 2.128539462241387), (-0.10595835971640043, -8.283305281361041)),
}


def keys(mask: int) -> np.ndarray:
    return np.array([(mask >> i) & 1 for i in range(10)], np.float32)


def test_a_fighter_squeezed_at_a_ledge_is_carried_as_in_the_competition():
    game = Game(random.Random(0), quiet_signals(), first_on_right=False)
    for frame, (mask_0, mask_1) in enumerate(KEYS):
        game.step(keys(mask_0), keys(mask_1))
        if frame in ORIGINAL:
            body = game.players[1].body
            position, velocity = ORIGINAL[frame]
            assert (body.x, body.y) == pytest.approx(position, abs=1e-6), frame
            assert (body.vx, body.vy) == pytest.approx(velocity, abs=1e-6), frame
            solved = [a.solid for a in game.world.arbiters.values() if a.body is body]
            if frame < 69:  # the ground's contact first, the platform's last
                assert solved == [game.grounds[1].solid, game.platform.solid], frame


def test_the_native_engine_carries_the_squeezed_fighter_too():
    pytest.importorskip("arena._native")
    from arena.envs.fighting.native import make_batch

    batch = make_batch(1, autoreset=False)
    batch.reset_game(0, 0, first_on_right=False)
    for frame, (mask_0, mask_1) in enumerate(KEYS):
        batch.step(np.stack([keys(mask_0), keys(mask_1)])[None])
        if frame in ORIGINAL:
            x, y, vx, vy = batch.positions()[0, 1]
            position, velocity = ORIGINAL[frame]
            assert (x, y) == pytest.approx(position, abs=1e-6), frame
            assert (vx, vy) == pytest.approx(velocity, abs=1e-6), frame


def reported(phase: BroadPhase, boxes: dict) -> list[tuple[str, str]]:
    """The pairs a step reports (without the cached pairs that come with some)."""
    return [(first, second) for first, second, _ in phase.step(boxes.__getitem__)]


def test_the_broadphase_reports_pairs_as_chipmunk_does():
    """A static leaf is reported by a re-inserted leaf before its tree neighbours; a leaf that stays
    inside its fat box reports its cached pairs, newest first."""
    phase = BroadPhase()
    phase.add_static("ground", (-7.0, 0.85, -2.0, 5.0))
    phase.add("platform", (-1.0, -0.1, 1.0, 0.1), (0.0, 0.0))
    phase.add("fighter", (-2.4, 0.3, -1.5, 1.3), (0.0, 0.0))
    boxes = {"platform": ((-1.0, -0.1, 1.0, 0.1), (0.0, 0.0)), "fighter": ((-2.4, 0.3, -1.5, 1.3), (0.0, 0.0))}
    # nothing moved: the fighter reports the pair its insertion cached (the platform is too far)
    assert reported(phase, boxes) == [("ground", "fighter")]
    # the fighter leaves its fat box: re-inserted as the platform's sibling `a`, it reports the ground
    # and caches the pair with the platform, which the platform's leaf reports next
    boxes["fighter"] = ((-2.1, -0.1, -1.2, 0.9), (3.0, -3.0))
    assert reported(phase, boxes) == [("fighter", "ground"), ("fighter", "platform")]
    # nothing moves: each pair is reported by its second leaf, from the cache
    assert reported(phase, boxes) == [("ground", "fighter"), ("fighter", "platform")]
