"""Scripted baseline agents: reference opponents for tests, validation and leaderboards."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from arena.agents.base import Agent


def legal_actions(obs: Any) -> np.ndarray | None:
    """Indices of the legal actions in a masked observation, or None if `obs` carries no mask."""
    if isinstance(obs, dict) and "action_mask" in obs:
        return np.flatnonzero(obs["action_mask"])
    return None


def sample(space: spaces.Space) -> Any:
    """`space.sample()`: the same value from the same generator state, drawn faster for a bounded float Box.

    `Box.sample` sorts every coordinate by the kind of its bounds on each call (about 15 µs for
    the fighter's ten keys); a Box bounded on every side draws `uniform(low, high)` for all its
    coordinates, which is what it then does, in one call.
    """
    if type(space) is not spaces.Box:
        return space.sample()
    bounds = _BOX_BOUNDS.get(id(space))
    if bounds is None or bounds[0] is not space:
        bounds = _BOX_BOUNDS[id(space)] = (space, _uniform_bounds(space))
        if len(_BOX_BOUNDS) > 64:
            _BOX_BOUNDS.pop(next(iter(_BOX_BOUNDS)))
    drawn = _uniform_draws(space, bounds[1], space.shape)
    return space.sample() if drawn is None else drawn


def _uniform_draws(space: spaces.Box, uniform: tuple | None, shape: tuple[int, ...]) -> np.ndarray | None:
    """`shape` uniform draws from the Box's generator within `uniform` bounds (see `_uniform_bounds`), as
    the space's dtype; None when the Box is not uniformly bounded."""
    if uniform is None:
        return None
    low, high = uniform
    rng = space.np_random
    drawn = rng.random(shape) if low is None else rng.uniform(low, high, shape)
    return drawn.astype(space.dtype)


# id(space) -> (space, bounds): the space is kept so that an id reused by a new space is noticed.
_BOX_BOUNDS: dict[int, tuple[spaces.Box, tuple | None]] = {}


def _uniform_bounds(space: spaces.Box) -> tuple | None:
    """(low, high) for `Generator.uniform` when `space` is a float Box bounded on every side (None, None for [0, 1)),
    else None."""
    if space.dtype.kind != "f" or not (space.bounded_below.all() and space.bounded_above.all()):
        return None
    low, high = space.low.astype(np.float64), space.high.astype(np.float64)
    if (low == low.flat[0]).all() and (high == high.flat[0]).all():
        low, high = float(low.flat[0]), float(high.flat[0])
        return (None, None) if (low, high) == (0.0, 1.0) else (low, high)
    return low, high


class RandomAgent(Agent):
    """Plays uniformly at random among the legal actions, in any env.

    Its randomness comes from the action space the harness seeds, so a match is reproducible. A
    uniformly bounded float Box (the fighter's keys) is drawn `AHEAD` actions at a time: the same
    numbers in the same order as `space.sample()` a move, unless something else draws from the
    space's generator in between (a reseeded space starts a new batch).
    """

    AHEAD = 64
    _drawn: np.ndarray | None = None  # actions drawn ahead from the generator `_drawn_from`
    _drawn_from: Any = None
    _next = 0

    def predict(self, obs: Any) -> Any:
        legal = legal_actions(obs)
        if legal is not None:
            return int(legal[self.action_space.np_random.integers(len(legal))])
        space = self.action_space
        if space.np_random is not self._drawn_from or self._next == self.AHEAD:
            if type(space) is not spaces.Box:
                return sample(space)
            self._drawn = _uniform_draws(space, _uniform_bounds(space), (self.AHEAD, *space.shape))
            if self._drawn is None:
                return sample(space)
            self._drawn_from, self._next = space.np_random, 0
        self._next += 1
        return self._drawn[self._next - 1]


class GreedyOthelloAgent(Agent):
    """Othello: plays the move that turns over the most discs, ties broken at random."""

    def predict(self, obs: dict[str, np.ndarray]) -> int:
        from arena.envs.othello import board_from_observation

        legal = legal_actions(obs)
        board = board_from_observation(obs)
        flips = np.array([board.count_flips(int(move)) for move in legal])
        best = legal[flips == flips.max()]
        return int(best[self.action_space.np_random.integers(len(best))])
