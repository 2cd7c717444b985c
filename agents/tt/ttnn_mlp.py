"""The ttnn backend: a dense chain run on a Tenstorrent device through TTNN's Python API.

Per layer the weights go to the device once, at construction, as TTNN wants them for a matmul:

    ttnn.from_torch(weight.T, dtype=ttnn.bfloat16, layout=ttnn.TILE_LAYOUT,
                    device=device, memory_config=ttnn.DRAM_MEMORY_CONFIG)     # [in, out]
    ttnn.from_torch(bias.reshape(1, -1), ...same...)                         # a [1, out] row

TILE layout stores 32x32 tiles, so TTNN pads every dimension to a multiple of 32 with zeros: a
`[64, 10]` weight is held as `[64, 32]`, a batch of 3 observations as 32 rows. The padding never
reaches the result: zero weight rows cancel the padded columns whatever the activation made of
them, and `ttnn.to_torch` returns the logical `[batch, out]` shape. A forward pass is then

    x = ttnn.from_torch(obs.to(torch.bfloat16), ...same...)
    y = ttnn.linear(x, weight, bias=bias, activation="relu")   # one per layer; x is deallocated
    ttnn.to_torch(y).to(torch.float32)

With `device=None` the tensors stay on the host (to inspect them); running needs a device.
"""

from __future__ import annotations

from typing import Any

import torch

from arena.agents.tt.layers import Chain, PortedMLP


class TTNNMLP(PortedMLP):
    """A dense chain on a TTNN device: the weights live in DRAM, one fused `ttnn.linear` per layer."""

    def __init__(self, chain: Chain, ttnn: Any, device: Any):
        super().__init__(chain)
        self._ttnn = ttnn
        self.device = device
        self.weights = [(self._to_device(d.weight.T.contiguous()),
                         None if d.bias is None else self._to_device(d.bias.reshape(1, -1)),
                         d.activation) for d in chain.layers]

    def _to_device(self, tensor: torch.Tensor) -> Any:
        ttnn = self._ttnn
        return ttnn.from_torch(tensor.detach().to(torch.bfloat16), dtype=ttnn.bfloat16, layout=ttnn.TILE_LAYOUT,
                               device=self.device, memory_config=ttnn.DRAM_MEMORY_CONFIG)

    def _run(self, x: torch.Tensor) -> torch.Tensor:
        ttnn = self._ttnn
        activations = self._to_device(x)
        for weight, bias, activation in self.weights:
            output = ttnn.linear(activations, weight, bias=bias, activation=activation)
            ttnn.deallocate(activations)
            activations = output
        result = ttnn.to_torch(activations).to(torch.float32)
        ttnn.deallocate(activations)
        return result
