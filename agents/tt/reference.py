"""The reference backend: TTNN's arithmetic reproduced in torch, for machines without a Tenstorrent card.

A TTNN port stores weights, biases and activations in bfloat16 (8 bits of mantissa) and runs one
fused `linear` per layer. `ReferenceMLP` does the same operations in the same order on the CPU:

1. the input is rounded to bfloat16 (`ttnn.from_torch(..., dtype=ttnn.bfloat16)`);
2. per layer: `x @ W` accumulated in float32, rounded to bfloat16; `+ b`, rounded; the
   activation, rounded (the device writes each result as bfloat16);
3. the output comes back as float32 (`ttnn.to_torch(...).to(torch.float32)`).

So a policy whose decisions survive the reference port survives bfloat16; what the reference
cannot model is the device's own matmul fidelity, which `arena tt check` measures on a card.
"""

from __future__ import annotations

import torch

from arena.agents.tt.layers import ACTIVATIONS, Chain, PortedMLP


def bf16(x: torch.Tensor) -> torch.Tensor:
    """`x` rounded to bfloat16 (round to nearest even), held as float32 for the next op."""
    return x.to(torch.bfloat16).to(torch.float32)


class ReferenceMLP(PortedMLP):
    """A dense chain computed in torch with TTNN's bfloat16 rounding after every op."""

    def __init__(self, chain: Chain):
        super().__init__(chain)
        # Plain attributes, not buffers: like the device tensors, they are no part of the state dict.
        self._weights = [(bf16(d.weight.T), None if d.bias is None else bf16(d.bias), d.activation)
                         for d in chain.layers]

    def _run(self, x: torch.Tensor) -> torch.Tensor:
        x = bf16(x)
        with torch.no_grad():
            for weight, bias, activation in self._weights:
                x = bf16(x @ weight)
                if bias is not None:
                    x = bf16(x + bias)
                if activation is not None:
                    x = bf16(ACTIVATIONS[activation](x))
        return x
