"""The 8 symmetries of the square board (rotations and reflections), for training-time augmentation.

Othello and gomoku play the same under every symmetry of the board, so a position, its search
policy and its value are equally valid after rotating or mirroring them together. Symmetry `k`
(0 to 7) is `k % 4` quarter turns, then a left-right mirror when `k >= 4`; 0 is the identity.
Othello's pass (the action after the squares) maps to itself.

    planes, policies = transform(planes, policies, k)      # (B, C, N, N), (B, num_actions)
"""

from __future__ import annotations

from functools import cache

import numpy as np

__all__ = ["SYMMETRIES", "action_map", "augment", "transform", "transform_planes"]

SYMMETRIES = 8


def transform_planes(planes: np.ndarray, k: int) -> np.ndarray:
    """`planes` (..., N, N) under symmetry `k`."""
    out = np.rot90(planes, k % 4, axes=(-2, -1))
    return np.flip(out, axis=-1) if k >= 4 else out


@cache
def action_map(size: int, num_actions: int, k: int) -> np.ndarray:
    """`m` with transformed_policy = policy[..., m]: the source action of each action under symmetry `k`."""
    squares = transform_planes(np.arange(size * size).reshape(size, size), k).ravel()
    return np.concatenate([squares, np.arange(size * size, num_actions)])


def transform(planes: np.ndarray, policies: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (B, C, N, N) and their policies (B, num_actions) under symmetry `k`."""
    size = planes.shape[-1]
    return transform_planes(planes, k), policies[..., action_map(size, policies.shape[-1], k)]


def augment(planes: np.ndarray, policies: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A batch with each position under its own random symmetry (new arrays; values are unchanged)."""
    choice = rng.integers(SYMMETRIES, size=len(planes))
    out_planes, out_policies = np.empty_like(planes), np.empty_like(policies)
    for k in range(SYMMETRIES):
        rows = np.flatnonzero(choice == k)
        out_planes[rows], out_policies[rows] = transform(planes[rows], policies[rows], k)
    return out_planes, out_policies
