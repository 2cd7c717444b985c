"""Fighters and weapons tilt as in the competition: bodies of moment 1e9 whose contacts are found and
solved as its physics engine (Chipmunk 7.0.3, in pymunk 6.2.1) does, bit for bit.

A box resting on an edge touches it at the edge's two ends, and the solver handles one point after
the other: the first point's impulse turns the box a hair, so the second sees it turned. The
fighters' angles and angular velocities grow to about 1e-8 and their velocities keep components of
about 1e-9 where boxes that cannot turn have exactly 0; agents that test a velocity's sign act on
them. Arena's fighters could not turn, and in 12 of 129 recorded matches of participants' agents
against the competition's game an agent pressed other keys than there at such a frame (RamyPoe's
SubmittedAgent, which jumps on the sign of its velocity, first at frame 507 of the match below).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from arena.envs.fighting.env import WarehouseBrawl
from arena.envs.fighting.game import Game
from arena.envs.fighting.physics import Body, Solid, World
from fighting_keys import quiet_signals

MATCH = json.loads((Path(__file__).parent / "fixtures" / "ai2" / "tilt_match.json").read_text())


# A fighter dropped onto the right ground, standing, walking left off its ledge onto the moving
# platform and off again; a weapon dropped into the ground's left side, pushed out and falling past
# it. Recorded by building the same space in pymunk 6.2.1 (the same shapes, in the same order, as the
# competition's game makes them: the ground a `Poly` of its four corners, the platform a kinematic
# `Poly.create_box(2, 0.2)`, the fighter `Body(1, 1e9)` with `Poly.create_box(0.87, 1.0)`, the weapon
# `Body(100, 1e9)` with `Poly.create_box(40 / 48, 16 / 48 + 0.5)`, friction 1e11 and elasticity 1;
# gravity 17.808), stepping it with `space.step(1 / 30)` and printing repr() of each body's position,
# velocity, angle and angular velocity after these steps.
CHIPMUNK = {  # step: fighter's (x, y, vx, vy, angle, angular velocity), the weapon's
    5: ((3.200000000021518, 0.39786666664794607, 7.746479846459819e-10, -6.739437463283796e-10,
         4.303599967164503e-11, 1.5492959686476247e-09),
        (1.724012473923192, 1.5968, 0.0, 3.5616, 2.1844548625242504e-09, 0.0)),
    19: ((3.2000000007746476, 0.3978666659927231, 2.58215867676555e-09, -2.246478040907343e-09,
          1.5492956237444474e-09, 5.164317344615748e-09),
         (1.6854622652729017, 5.059466666666667, 0.0, 11.872000000000003, 2.7244746501563086e-09, 0.0)),
    30: ((0.7250000008815789, 0.33471486438879394, -6.376032012694472, -0.19999999899729243,
          3.0846758108537173e-09, 2.3050749173677903e-09),
         (1.6850577681814565, 10.500800000000002, 0.0, 18.4016, 2.7220691750448043e-09, 0.0)),
    44: ((-2.4249999991184215, 0.6231880779044368, -6.75, 3.95519999953127, 4.124412463104086e-09,
          2.037954476390145e-09),
         (1.6850577681814565, 20.888799999999996, 0.0, 26.71199999999998, 2.7220691750448043e-09, 0.0)),
    89: ((-12.549999999118409, 26.144788077201333, -6.75, 30.667199999531242, 7.181344177689306e-09,
          2.037954476390145e-09),
         (1.6850577681814565, 80.5456, 0.0, 53.42400000000004, 2.7220691750448043e-09, 0.0)),
}


def state(body: Body) -> tuple[float, ...]:
    return body.x, body.y, body.vx, body.vy, body.angle, body.angular_velocity


def test_boxes_land_slide_and_tilt_as_in_the_competitions_physics_engine():
    world = World(17.808, 1.0 / 30)
    corners = [(-2.5, -0.15), (2.5, -0.15), (2.5, 4.0), (-2.5, 4.0)]
    ground = Solid(Body(4.5, 1.0, friction=0.7), -2.5, -0.15, 2.5, 4.0, corners=corners)
    platform = Solid(Body(0.0, 1.0, friction=0.9), -1.0, -0.1, 1.0, 0.1)
    fighter = Body(3.2, 0.2, 0.435, 0.5, friction=0.7, mass=1.0, moment=1e9)
    weapon = Body(1.8, 1.3, 40 / 48 / 2, (16 / 48 + 0.5) / 2, friction=1e11, mass=100.0, moment=1e9)
    world.add_static(ground)
    world.add(platform)
    world.add(fighter)
    world.add(weapon)
    for step in range(90):
        platform.body.velocity = (0.3, -0.2)
        if 20 <= step < 45:
            fighter.vx = -6.75
        world.step([fighter, weapon], [platform, ground])
        if step in CHIPMUNK:
            assert (state(fighter), state(weapon)) == CHIPMUNK[step], step


class RecordedDraws:
    """Hands the game the competition's own random draws for the match: for each draw, the first
    unused one of the same method and arguments (the competition's game also draws for things this
    one does not, its dash animations, and those are left out)."""

    def __init__(self, draws: list):
        self.draws = [(name, tuple(arguments), value) for name, arguments, value in draws]

    def _take(self, name: str, arguments: tuple) -> float:
        at = next(i for i, (n, a, _) in enumerate(self.draws) if (n, a) == (name, arguments))
        return self.draws.pop(at)[2]

    def randint(self, low: int, high: int) -> int:
        return self._take("randint", (low, high))

    def uniform(self, low: float, high: float) -> float:
        return self._take("uniform", (low, high))


def keys(mask: int) -> np.ndarray:
    return np.array([(mask >> i) & 1 for i in range(10)], np.float32)


def test_a_participants_match_plays_bit_for_bit_as_in_the_competition():
    """MATCH (tests/fixtures/ai2/tilt_match.json) was recorded from the competition's game
    (UTMIST-AI2 @ 89366c1, pymunk 6.2.1) playing RamyPoe's SubmittedAgent against BasedAgent after
    `random.seed(1)`: both fighters' keys every frame (bit i: key i pressed), the game's random draws,
    and both fighters' position, velocity, angle and angular velocity at some frames. Replayed here,
    the match stays the same to the last bit for all 834 frames; without tilting, fighter 0's
    vertical velocity at frame 506 was 0.0 (there -1.4174560432754848e-08), and from frame 507 the
    recorded keys no longer fitted the match."""
    game = Game(RecordedDraws(MATCH["draws"]), quiet_signals(), first_on_right=MATCH["first_on_right"])
    for frame, (mask_0, mask_1) in enumerate(MATCH["keys"]):
        game.step(keys(mask_0), keys(mask_1))
        if str(frame) in MATCH["original"]:
            assert [list(state(f.body)) for f in game.players] == MATCH["original"][str(frame)], frame
    assert game.terminated and len(MATCH["keys"]) == 834


def native_state(batch, fighter: int) -> tuple[float, ...]:
    from arena.envs.fighting.native import FIGHTER_FIELDS, FIGHTER_NUMBERS

    numbers = batch.state_numbers(0)[fighter * FIGHTER_NUMBERS:]
    return tuple(float(numbers[FIGHTER_FIELDS.index(name)])
                 for name in ("x", "y", "vx", "vy", "angle", "angular_velocity"))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_native_engine_tilts_bit_for_bit_as_the_python_engine(seed):
    pytest.importorskip("arena._native")
    from arena.envs.fighting.native import make_batch

    env = WarehouseBrawl(engine="python")
    env.reset(seed=seed)
    batch = make_batch(1, [seed], autoreset=False)
    rng = np.random.default_rng(seed)
    held = rng.random((2, 10)) < 0.3
    tilted = False
    for frame in range(2700):
        held = np.where(rng.random(held.shape) < 0.3, rng.random(held.shape) < 0.3, held)
        action = held.astype(np.float32)
        env.step({"player_0": action[0], "player_1": action[1]})
        batch.step(action[None])
        for fighter in (0, 1):
            assert native_state(batch, fighter) == state(env.game.players[fighter].body), (frame, fighter)
        lying = [(key, *item.body.position, *item.body.velocity) for key, item in env.game.armory.lying().items()]
        assert [(key, x, y, vx, vy) for key, _, x, y, vx, vy, *_ in batch.lying(0)] == lying, frame
        tilted = tilted or env.game.players[0].body.angle != 0.0
        if not env.agents:
            break
    assert tilted


def test_reward_code_reads_the_fighters_tilt_on_either_engine():
    seen = []
    for engine in ("python", "native"):
        env = WarehouseBrawl(engine=engine)
        env.reset(seed=4)
        for _ in range(30):  # both land on their grounds and stand
            env.step({"player_0": np.zeros(10, np.float32), "player_1": np.zeros(10, np.float32)})
        seen.append([(env.objects[name].body.angle, env.objects[name].body.angular_velocity)
                     for name in ("player", "opponent")])
    assert seen[0] == seen[1] and all(angle != 0.0 for angle, _ in seen[0])
