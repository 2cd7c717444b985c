"""The replay buffer: the latest self-play positions with their policy and value targets.

A ring of `capacity` positions. Position number `t` (counting every position ever added) lives
in slot `t % capacity`, so a buffer refilled from stored games, starting at the right count,
is the same buffer slot for slot: that is how a resumed trainer gets its buffer back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Batch", "ReplayBuffer"]


@dataclass
class Batch:
    planes: np.ndarray    # float32 (B, 2, N, N)
    policies: np.ndarray  # float32 (B, num_actions): search visit shares
    values: np.ndarray    # float32 (B,): game outcome for the mover


class ReplayBuffer:
    def __init__(self, capacity: int, size: int, num_actions: int, planes: int = 2):
        self.capacity = capacity
        self.planes = np.zeros((capacity, planes, size, size), np.uint8)
        self.policies = np.zeros((capacity, num_actions), np.float32)
        self.values = np.zeros(capacity, np.float32)
        self.added = 0  # positions ever added

    def __len__(self) -> int:
        return min(self.added, self.capacity)

    def add(self, planes: np.ndarray, policies: np.ndarray, values: np.ndarray) -> None:
        """Append positions (T, 2, N, N), their policies (T, A) and values (T,)."""
        slots = (self.added + np.arange(len(planes))) % self.capacity
        self.planes[slots], self.policies[slots], self.values[slots] = planes, policies, values
        self.added += len(planes)

    def add_record(self, record) -> None:
        """Append a self-play GameRecord's positions, each with the game's outcome for its mover."""
        self.add(record.planes, record.policies, record.outcomes)

    def sample(self, batch_size: int, rng: np.random.Generator) -> Batch:
        rows = rng.integers(len(self), size=batch_size)
        return Batch(self.planes[rows].astype(np.float32), self.policies[rows], self.values[rows])
