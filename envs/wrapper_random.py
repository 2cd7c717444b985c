"""`env.np_random`: a generator of the env's own for the wrappers that draw from it.

PettingZoo's own envs keep one, and wrappers built for them read it: SuperSuit's `frame_skip_v0`
draws each step's skip from `env.unwrapped.np_random`. arena's simultaneous games keep their draws
in generators of their own (the game's must not move when a wrapper draws), so this one is apart:
seeded by `reset(seed=...)` from a stream of its own, it changes nothing of the game, and a wrapped
game is as reproducible as the game.
"""

from __future__ import annotations

import numpy as np

WRAPPER_STREAM = 0x77726170  # keeps this generator's draws apart from any the game makes from the same seed


class WrapperRandom:
    """Mixin: `np_random`, seeded by the env's `reset(seed=...)` through `_seed_wrapper_random`."""

    _wrapper_random: np.random.Generator | None = None

    @property
    def np_random(self) -> np.random.Generator:
        if self._wrapper_random is None:
            self._wrapper_random = np.random.default_rng()
        return self._wrapper_random

    def _seed_wrapper_random(self, seed: int | None) -> None:
        if seed is not None:
            self._wrapper_random = np.random.default_rng([WRAPPER_STREAM, seed])
