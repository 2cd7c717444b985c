"""Deriving independent, reproducible seeds from one parent seed: every child seed in arena comes from here.

    derive_seed(match_seed, seat, 1)            # 32 bits: a seat's action space in a match
    derive_seed(run_seed, games_before, bits=63)  # 63 bits: a self-play round of the native search
"""

import hashlib
import secrets

import numpy as np


def derive_seed(seed: int, *keys: int, bits: int = 32) -> int:
    """A `bits`-bit seed (1 to 64) determined by `seed` and `keys`, statistically independent of the others."""
    if not 1 <= bits <= 64:
        raise ValueError(f"a derived seed has 1 to 64 bits, got {bits}")
    sequence = np.random.SeedSequence([seed, *keys])
    if bits <= 32:
        return int(sequence.generate_state(1)[0]) >> (32 - bits)
    return int(sequence.generate_state(1, np.uint64)[0]) >> (64 - bits)


def one_way_seed(purpose: bytes, seed: int, *keys: int) -> int:
    """A 63-bit seed determined by `seed` and `keys` from which neither can be found: BLAKE2b, a hash no
    one knows how to run backwards, personalised by `purpose` (up to 16 bytes). For seeds that are
    shown (a game's, on its page and in its replay) or given to an agent (its seat's), while the seed
    they come from must stay secret; 63 bits, too many to try them all."""
    digest = hashlib.blake2b(":".join(map(str, (seed, *keys))).encode(), digest_size=8, person=purpose).digest()
    return int.from_bytes(digest, "little") >> 1


def match_seed() -> int:
    """A match seed for a caller that gave none: drawn at random, too large for an agent to find by
    trying seeds (a small one, such as 0, it could, and with it its opponent's random stream and the
    game's hidden draws), with room for a series' game numbers added to it."""
    return secrets.randbits(62)
