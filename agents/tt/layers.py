"""What a TT port computes: a torch MLP read as a chain of dense layers, each with a fused activation.

TTNN runs an MLP as one `ttnn.linear(x, weight, bias=bias, activation=...)` per layer, the
activation fused into the matmul. `read_layers(module)` traces a torch module (torch.fx) and
returns that chain when the module is one:

    nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))   # -> 2 layers: relu, none
    x = F.relu(self.fc1(obs)); return self.fc2(x)                       # the same, written in forward

Accepted between the layers: the activations in `ACTIVATIONS` (as modules, functions or tensor
methods), `nn.Identity`, `nn.Dropout` (inference) and `nn.Flatten` before the first layer. Anything
else (a LayerNorm, a residual sum, two outputs) means the module is not a chain; `port_policy`
then looks for chains among its children.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.fx
import torch.nn.functional as F
from torch import nn

from arena.errors import ArenaError


class TTError(ArenaError):
    """A policy that cannot be ported, a backend that cannot run, or a port that fails its check."""


# Activations TTNN fuses into `ttnn.linear`, by the name `ttnn.linear(activation=...)` takes.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": F.relu,
    "tanh": torch.tanh,
    "gelu": F.gelu,
    "silu": F.silu,
    "sigmoid": torch.sigmoid,
}
_ACTIVATION_MODULES = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.GELU: "gelu", nn.SiLU: "silu", nn.Sigmoid: "sigmoid"}
_ACTIVATION_FUNCTIONS = {
    F.relu: "relu", torch.relu: "relu", torch.tanh: "tanh", F.tanh: "tanh", F.gelu: "gelu",
    F.silu: "silu", torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid",
}
_PASS_THROUGH = (nn.Identity, nn.Dropout)


@dataclass(frozen=True)
class Dense:
    """One layer: `activation(x @ weight.T + bias)`; weight is torch's `[out, in]`."""

    weight: torch.Tensor
    bias: torch.Tensor | None
    activation: str | None

    @property
    def in_features(self) -> int:
        return self.weight.shape[1]

    @property
    def out_features(self) -> int:
        return self.weight.shape[0]


@dataclass(frozen=True)
class Chain:
    """A module read as dense layers; `flatten` when it flattens its input to `[batch, features]` first."""

    layers: tuple[Dense, ...]
    flatten: bool = False


class PortedMLP(nn.Module):
    """A chain of dense layers as a torch module: torch tensors in and out, like the module it replaces.

    Subclasses compute `_run(x)` on a `[batch, in_features]` float32 tensor; this class reshapes:
    `[..., in_features]` in, `[..., out_features]` out (or `[batch, ...]` in when the chain flattens).
    """

    def __init__(self, chain: Chain):
        super().__init__()
        self.chain = chain
        self.in_features = chain.layers[0].in_features
        self.out_features = chain.layers[-1].out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:1] if self.chain.flatten else x.shape[:-1]
        flat = x.reshape(-1, self.in_features).to(torch.float32)
        return self._run(flat).reshape(*lead, self.out_features)

    def _run(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def extra_repr(self) -> str:
        widths = " -> ".join([str(self.in_features)] + [f"{d.out_features} {d.activation or ''}".strip()
                                                         for d in self.chain.layers])
        return widths


def read_layers(module: nn.Module) -> Chain | None:
    """The chain of dense layers `module` computes, or None when it is not one (see the module docs).

    Raises TTError for a chain with an activation TTNN cannot fuse, naming it and the ones it can.
    """
    wrapper = nn.Sequential(module)  # so that a bare nn.Linear is traced as a call to it
    try:
        graph = torch.fx.symbolic_trace(wrapper).graph
    except Exception:  # noqa: BLE001  (modules with data-dependent control flow do not trace: not a chain)
        return None
    layers: list[Dense] = []
    flatten = False
    previous = None
    for node in graph.nodes:
        if node.op == "placeholder":
            previous = node
            continue
        if node.op == "output":
            return Chain(tuple(layers), flatten) if layers and node.args[0] is previous else None
        if len(node.args) < 1 or node.args[0] is not previous or _other_inputs(node):
            return None
        step = _step(wrapper, node)
        if step is None:
            return None
        if isinstance(step, Dense):
            layers.append(step)
        elif step == "flatten":
            if layers:
                return None
            flatten = True
        elif step != "pass":
            if not layers or layers[-1].activation is not None:
                return None
            layers[-1] = Dense(layers[-1].weight, layers[-1].bias, step)
        previous = node
    return None


def _other_inputs(node: torch.fx.Node) -> bool:
    """Whether the node reads anything but its first argument (a residual, a second tensor)."""
    return any(isinstance(a, torch.fx.Node) for a in (*node.args[1:], *node.kwargs.values()))


def _step(root: nn.Module, node: torch.fx.Node) -> Dense | str | None:
    """A traced node as a Dense layer, an activation name, "flatten", "pass", or None when unsupported."""
    if node.op == "call_module":
        sub = root.get_submodule(node.target)
        if type(sub) is nn.Linear:
            return Dense(sub.weight.detach(), None if sub.bias is None else sub.bias.detach(), None)
        if isinstance(sub, _PASS_THROUGH):
            return "pass"
        if isinstance(sub, nn.Flatten):
            return "flatten" if (sub.start_dim, sub.end_dim) == (1, -1) else None
        name = _ACTIVATION_MODULES.get(type(sub))
        if name == "gelu" and sub.approximate != "none":
            _unsupported(f"nn.GELU(approximate={sub.approximate!r})")
        if name is None and isinstance(sub, (nn.LeakyReLU, nn.ELU, nn.Softplus, nn.Mish, nn.Hardtanh)):
            _unsupported(type(sub).__name__)
        return name
    if node.op == "call_function":
        if node.target is F.gelu and node.kwargs.get("approximate", "none") != "none":
            _unsupported("F.gelu(approximate='tanh')")
        return _ACTIVATION_FUNCTIONS.get(node.target)
    if node.op == "call_method" and node.target in ("relu", "tanh", "sigmoid"):
        return node.target
    return None


def _unsupported(what: str) -> None:
    raise TTError(f"activation {what} has no fused TTNN equivalent; use one of {', '.join(ACTIVATIONS)} "
                  f"(nn.ReLU, nn.Tanh, nn.GELU, nn.SiLU, nn.Sigmoid) and train again")
