"""How close a port's outputs are to torch's: Pearson correlation (PCC) and the largest absolute error.

TTNN's convention for "the port is correct" is a PCC above 0.99 between the torch output and the
port's over the same inputs: bfloat16 keeps 2 to 3 significant digits, so values differ, but
they must move together. An output that varies less than bfloat16 can tell apart at its size (the
value head of a policy that has barely trained: 13.70 +- 0.04, where bfloat16's numbers are 0.06
apart) only moves with rounding noise, so its PCC says nothing: it is judged by its largest error,
which must stay within twice bfloat16's gap at that size.

    compare(torch_logits, tt_logits)   # Comparison(pcc=0.99991, max_abs_error=0.0078, ...)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

PCC_THRESHOLD = 0.99
BFLOAT16_GAP = 2.0 ** -7  # the gap between bfloat16 numbers, at most, relative to their size (8 significant bits)


@dataclass(frozen=True)
class Comparison:
    """PCC and max absolute error of a port's output against the expected (torch) output."""

    pcc: float
    max_abs_error: float
    spread: float = math.inf  # the expected output's standard deviation
    gap: float = 0.0  # bfloat16's gap between numbers at the expected output's largest size

    @property
    def flat(self) -> bool:
        """Whether the expected output varies too little for bfloat16 to follow: judged by its error."""
        return self.spread < 2 * self.gap

    @property
    def passed(self) -> bool:
        return self.max_abs_error <= 2 * self.gap if self.flat else self.pcc >= PCC_THRESHOLD


def pcc(expected: torch.Tensor, actual: torch.Tensor) -> float:
    """Pearson correlation of the two tensors' values (flattened, in float64).

    Two constant tensors correlate 1.0 when equal and 0.0 otherwise (the formula divides by zero).
    NaN anywhere gives 0.0: a port producing NaN is wrong however the rest compares.
    """
    a = expected.detach().reshape(-1).to(torch.float64)
    b = actual.detach().reshape(-1).to(torch.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare tensors of {a.numel()} and {b.numel()} values")
    if torch.isnan(a).any() or torch.isnan(b).any():
        return 0.0
    a, b = a - a.mean(), b - b.mean()
    norms = a.norm() * b.norm()
    if norms == 0:
        return 1.0 if torch.equal(expected.reshape(-1).double(), actual.reshape(-1).double()) else 0.0
    return float((a @ b) / norms)


def compare(expected: torch.Tensor, actual: torch.Tensor) -> Comparison:
    """PCC and max absolute error of `actual` against `expected`, with how much `expected` varies."""
    wanted = expected.detach().double()
    error = (wanted - actual.detach().double()).abs().max()
    spread = float(wanted.std()) if wanted.numel() > 1 else 0.0
    return Comparison(pcc(expected, actual), float(error), spread, BFLOAT16_GAP * float(wanted.abs().max()))
