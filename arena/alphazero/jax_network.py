"""The policy/value network's forward pass in JAX, with the weights of a torch `PolicyValueNet`.

The JAX self-play backend scores its search's leaves with this function: each generation's best
network is trained in torch, then converted. Batch norms are folded into their convolutions, as
for the torch `Evaluator`, so the outputs are the torch network's in evaluation mode.

    params = params_from_torch(net)
    logits, values = forward(params, planes)   # float32 (B, 2, N, N) -> (B, num_actions), (B,)

On a GPU, XLA computes float32 convolutions and products at TF32 precision by default; wrap the
call in `jax.default_matmul_precision("highest")` for the full float32 result.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import torch
from torch import nn

from arena.search.network import PolicyValueNet, fused_for_inference

__all__ = ["Params", "forward", "params_from_torch"]

Params = dict[str, Any]  # a pytree of jax arrays: {"stem": {"w", "b"}, "tower": [(first, second), ...], ...}


def _array(tensor: torch.Tensor) -> jax.Array:
    return jnp.asarray(tensor.detach().cpu().numpy())


def _conv_params(conv: nn.Conv2d) -> dict[str, jax.Array]:
    return {"w": _array(conv.weight), "b": _array(conv.bias)}


def _linear_params(linear: nn.Linear) -> dict[str, jax.Array]:
    return {"w": _array(linear.weight.T), "b": _array(linear.bias)}  # (in, out): x @ w


def params_from_torch(net: PolicyValueNet) -> Params:
    """The weights of `net` (in evaluation mode, batch norms folded) as a pytree for `forward`,
    on jax's default device."""
    fused = fused_for_inference(net)  # each conv-bn pair becomes (conv with bias, Identity)
    return {
        "stem": _conv_params(fused.stem[0][0]),
        "tower": [(_conv_params(block.first[0]), _conv_params(block.second[0])) for block in fused.tower],
        "policy_conv": _conv_params(fused.policy_head[0]),
        "policy_out": _linear_params(fused.policy_head[3]),
        "value_conv": _conv_params(fused.value_head[0]),
        "value_hidden": _linear_params(fused.value_head[3]),
        "value_out": _linear_params(fused.value_head[5]),
    }


def _conv(layer: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    out = jax.lax.conv_general_dilated(x, layer["w"], window_strides=(1, 1), padding="SAME",
                                       dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return out + layer["b"][None, :, None, None]


def _linear(layer: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    return x @ layer["w"] + layer["b"]


def forward(params: Params, planes: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Policy logits (B, num_actions) and values (B,) in [-1, 1] for the mover, from float32 planes
    (B, 2, N, N): plane 0 the mover's discs, plane 1 the opponent's (what `PolicyValueNet` takes)."""
    relu = jax.nn.relu
    board = jnp.ones_like(planes[:, :1])  # the constant plane that shows convolutions the board's edge
    h = relu(_conv(params["stem"], jnp.concatenate([planes, board], axis=1)))
    for first, second in params["tower"]:
        h = relu(h + _conv(second, relu(_conv(first, h))))
    batch = planes.shape[0]
    policy = relu(_conv(params["policy_conv"], h)).reshape(batch, -1)  # flattened (C, H, W) as torch's Flatten
    value = relu(_conv(params["value_conv"], h)).reshape(batch, -1)
    value = jnp.tanh(_linear(params["value_out"], relu(_linear(params["value_hidden"], value))))
    return _linear(params["policy_out"], policy), value[:, 0]
