"""The competition's newcomer material on arena: its guide notebooks and starter scripts, after changing only
their imports, do and compute what they do in the competition's game.

Reference numbers come from the competition's game (UTMIST/UTMIST-AI2 at commit 89366c1), run with the
same code and the same `random.seed`, as each test's docstring says.
"""

import numpy as np
import pytest

NOTHING = np.zeros(10)


@pytest.mark.parametrize("engine", ["native", "python"])
def test_the_platforms_own_velocity_reads_0_as_the_technical_guide_finds_it(engine):
    """The technical guide reads `env.objects['platform1'].velocity_x` and `.velocity_y`: the competition's
    platform declares them 0 and never updates them. There, after `random.seed(0)`, a new env, a reset and 10
    frames without keys, they were the ints 0 and 0 while `body.velocity` was (-0.68835049, 0.68835049)."""
    import random

    from arena.compat.ai2.environment.environment import WarehouseBrawl

    random.seed(0)
    env = WarehouseBrawl()
    env.engine = engine
    env.reset()
    for _ in range(10):
        env.step({0: NOTHING, 1: NOTHING})
    platform = env.objects["platform1"]
    assert tuple(platform.body.velocity) == pytest.approx((-0.6883504921081633, 0.6883504921081633))
    assert (platform.velocity_x, platform.velocity_y) == (0, 0)
    assert type(platform.velocity_x) is int and type(platform.velocity_y) is int
