"""A contact is remembered for 3 steps after its pair stops touching, as in the competition's physics.

Chipmunk (pymunk 6.2.1, whose `Space.collision_persistence` the competition's game leaves at 3) keeps
a pair's contact impulses while the pair has touched within the last 3 steps. When it touches again
in that time, the contact's solve starts from those impulses without applying them first, so their
friction limit holds: a fighter landing on a surface a frame or two after leaving it slides less
than on a first landing. Arena forgot a contact as soon as its pair stopped touching.

The match: XDMickeyYau's DodgeBasedAgent (fighter 0) against BasedAgent (fighter 1), seed 0, frames
0-187. Fighter 1 walks on the moving platform, leaves it at frame 183 and lands on it again at 184,
then leaves at 186 and lands at 187. ORIGINAL is fighter 1's position and velocity in the
competition's game (UTMIST-AI2 @ 89366c1 with pymunk 6.2.1), printed by replaying these keys there
after `random.seed(0)`; forgetting the contact gave an x velocity of -5.895105 at frame 184.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from arena.envs.fighting.game import Game
from arena.envs.fighting.physics import Body, Solid, World
from fighting_keys import quiet_signals

# Both fighters' keys per frame as bitmasks over KEY_NAMES (bit i: key i pressed).
KEYS = [[16, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2],
    [16, 2], [8, 2], [8, 2], [8, 2], [8, 2], [16, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2],
    [8, 2], [8, 2], [8, 2], [8, 18], [8, 2], [16, 18], [8, 2], [8, 18], [8, 130], [260, 146], [72, 130],
    [8, 146], [72, 130], [8, 146], [72, 130], [8, 152], [66, 136], [8, 152], [66, 136], [8, 152], [8, 136],
    [8, 152], [8, 136], [8, 152], [8, 136], [16, 24], [8, 8], [8, 24], [8, 8], [8, 24], [8, 8], [8, 24],
    [8, 8], [8, 24], [8, 8], [8, 24], [8, 8], [16, 24], [8, 8], [8, 24], [8, 8], [8, 24], [8, 8], [8, 24],
    [8, 8], [8, 24], [8, 8], [8, 24], [8, 8], [16, 24], [8, 8], [8, 24], [8, 8], [8, 24], [2, 8], [2, 24],
    [2, 8], [2, 24], [2, 8], [2, 24], [2, 2], [16, 18], [2, 2], [2, 18], [2, 2], [2, 18], [132, 130],
    [72, 146], [2, 130], [72, 146], [2, 130], [72, 146], [8, 130], [72, 130], [8, 130], [0, 128], [0, 128],
    [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [16, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2],
    [8, 130], [136, 130], [72, 130], [8, 130], [72, 146], [8, 130], [66, 152], [8, 136], [16, 24], [8, 8],
    [8, 24], [8, 8], [8, 24], [8, 8], [8, 24], [8, 8], [8, 24], [8, 8], [8, 24], [8, 8], [16, 24], [8, 8],
    [8, 24], [8, 8], [8, 24], [8, 8], [8, 8], [8, 8], [8, 8], [8, 8], [8, 8], [8, 8], [16, 8], [8, 8],
    [8, 8], [8, 8], [8, 8], [8, 8], [8, 8], [8, 8], [8, 8], [8, 8], [2, 8], [2, 8], [16, 8], [2, 8],
    [2, 136], [130, 136], [66, 136], [2, 136], [66, 136], [2, 136], [66, 136], [2, 136], [66, 130],
    [2, 130], [66, 130], [16, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2],
    [8, 2], [8, 2], [16, 2], [8, 2], [8, 2], [8, 2], [8, 2], [8, 2]]
ORIGINAL = {  # frame: fighter 1's position and velocity after it, in the competition's game
    183: ((0.7848862516308531, -0.3269232205803699), (-6.423126264830618, -0.07138731448344693)),
    184: ((0.5707820428031659, -0.32930279772981813), (-5.516875173016431, -0.31591642480040594)),
    185: ((0.37494175925817375, -0.339833345223165), (-5.507963910928559, -0.3052443540404144)),
    186: ((0.15977039088290382, -0.35983678864924223), (-6.455141051258098, -0.006503302782316478)),
    187: ((-0.05540097749236611, -0.3600535654086528), (-5.905871123772721, -0.2847603679145913)),
}


def keys(mask: int) -> np.ndarray:
    return np.array([(mask >> i) & 1 for i in range(10)], np.float32)


def python_frames() -> list[tuple[float, float, float, float]]:
    """Fighter 1's x, y, vx, vy after each frame of the match in the Python engine."""
    game = Game(random.Random(0), quiet_signals(), first_on_right=False)
    frames = []
    for mask_0, mask_1 in KEYS:
        game.step(keys(mask_0), keys(mask_1))
        body = game.players[1].body
        frames.append((body.x, body.y, body.vx, body.vy))
    return frames


def test_a_fighter_landing_again_on_the_platform_moves_as_in_the_competition():
    frames = python_frames()
    for frame, (position, velocity) in ORIGINAL.items():
        x, y, vx, vy = frames[frame]
        assert (x, y) == pytest.approx(position, abs=1e-6), frame
        assert (vx, vy) == pytest.approx(velocity, abs=1e-6), frame


def test_the_native_engine_lands_it_bit_for_bit_as_the_python_engine():
    pytest.importorskip("arena._native")
    from arena.envs.fighting.native import make_batch

    batch = make_batch(1, autoreset=False)
    batch.reset_game(0, 0, first_on_right=False)
    for frame, ((mask_0, mask_1), python) in enumerate(zip(KEYS, python_frames())):
        batch.step(np.stack([keys(mask_0), keys(mask_1)])[None])
        assert tuple(batch.positions()[0, 1]) == python, frame


# A box sliding onto a fixed box, in a World of its own: it rests on it for 5 steps (its contact's
# normal impulses then hold it against gravity, with no friction impulse), is lifted clear for some
# steps, then comes down into it again at (3, 1) units/s. Chipmunk's velocities after that landing
# (pymunk 6.2.1: the same boxes, frictions, gravity and time step; the box's body of mass 1 and
# infinite moment) are 1.928272 along x after 1 or 2 steps apart (the remembered normal impulses
# raise the friction limit) and 2.219136 after 3 or more, the same as a first landing.
GRAVITY, DT = 17.808, 1.0 / 30
REMEMBERED, FIRST_LANDING = 1.9282720000000002, 2.219136


def landing(apart: int, leaving: bool = False) -> tuple[float, float]:
    """The box's velocity after landing again `apart` steps after it last touched; `leaving`: the box is
    out of the world for those steps rather than held clear of the solid."""
    world = World(GRAVITY, DT)
    ground = Body(0.0, 5.0, friction=0.7)
    solid = Solid(ground, -5.0, -1.0, 5.0, 1.0)
    box = Body(0.0, 3.55, 0.5, 0.5, friction=0.7)
    for _ in range(5):
        world.step([box], [solid])
    for _ in range(apart):
        box.position, box.velocity = (box.x, 2.0), (0.0, 0.0)
        world.step([] if leaving else [box], [solid])
    box.position, box.velocity = (box.x, 3.55 - DT), (3.0, 1.0)  # 0.05 deep after this step's move
    world.step([box], [solid])
    return box.vx, box.vy


@pytest.mark.parametrize("apart", [1, 2])
def test_a_contact_touching_again_within_three_steps_keeps_its_impulses(apart):
    assert landing(apart) == pytest.approx((REMEMBERED, 0.0), abs=1e-12)


@pytest.mark.parametrize("apart", [3, 4])
def test_a_contact_apart_for_three_steps_is_forgotten(apart):
    assert landing(apart) == pytest.approx((FIRST_LANDING, 0.0), abs=1e-12)


def test_a_body_that_leaves_the_world_forgets_its_contacts():
    assert landing(1, leaving=True) == pytest.approx((FIRST_LANDING, 0.0), abs=1e-12)
