"""Deriving independent, reproducible seeds from one match seed."""

import numpy as np


def derive_seed(seed: int, *keys: int) -> int:
    """A 32-bit seed determined by `seed` and `keys`, statistically independent of the others."""
    return int(np.random.SeedSequence([seed, *keys]).generate_state(1)[0])
