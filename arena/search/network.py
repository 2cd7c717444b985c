"""The policy/value network of AlphaZero agents and training: a small residual tower over the board, in torch.

Input: float32 (batch, 2, N, N), plane 0 the mover's discs or stones, plane 1 the opponent's
(the native search's layout); a constant plane is added inside so that convolutions see the
board's edge. Output: policy logits (batch, num_actions) and a value (batch,) in [-1, 1] for
the player to move.

Weights files hold the architecture next to the tensors, so `load_network(path)` needs nothing
else:

    save_network(net, "az.pt"); net = load_network("az.pt")
    policies, values = Evaluator(net)(inputs)      # what the native search calls
"""

from __future__ import annotations

import copy
import io
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.fusion import fuse_conv_bn_eval

__all__ = ["Evaluator", "NetworkSpec", "PolicyValueNet", "fused_for_inference", "load_network", "network_bytes",
           "network_from_bytes", "save_network"]


@dataclass(frozen=True)
class NetworkSpec:
    """What a network plays and its size."""

    game: str
    size: int
    num_actions: int
    channels: int = 32
    blocks: int = 4


def _conv_bn(channels_in: int, channels_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(channels_in, channels_out, 3, padding=1, bias=False), nn.BatchNorm2d(channels_out))


class ResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.first = _conv_bn(channels, channels)
        self.second = _conv_bn(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.second(F.relu(self.first(x))))


class PolicyValueNet(nn.Module):
    """Residual tower with AlphaZero's two heads, sized by a NetworkSpec."""

    def __init__(self, spec: NetworkSpec):
        super().__init__()
        self.spec = spec
        cells, c = spec.size * spec.size, spec.channels
        self.stem = nn.Sequential(_conv_bn(3, c), nn.ReLU())
        self.tower = nn.Sequential(*(ResidualBlock(c) for _ in range(spec.blocks)))
        self.policy_head = nn.Sequential(nn.Conv2d(c, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(2 * cells, spec.num_actions))
        self.value_head = nn.Sequential(nn.Conv2d(c, 1, 1), nn.ReLU(), nn.Flatten(), nn.Linear(cells, 64), nn.ReLU(),
                                        nn.Linear(64, 1), nn.Tanh())

    def forward(self, planes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        board = torch.ones_like(planes[:, :1])
        h = self.tower(self.stem(torch.cat([planes, board], dim=1)))
        return self.policy_head(h), self.value_head(h).squeeze(1)


def fused_for_inference(net: PolicyValueNet) -> PolicyValueNet:
    """A copy for inference with every batch norm folded into its convolution."""
    fused = copy.deepcopy(net).eval()
    for module in fused.modules():
        if isinstance(module, nn.Sequential) and len(module) == 2 and isinstance(module[1], nn.BatchNorm2d):
            module[0] = fuse_conv_bn_eval(module[0], module[1])
            module[1] = nn.Identity()
    return fused


class Evaluator:
    """The network as the native search calls it: float32 inputs -> (policies, values) as numpy.

    Policies are softmax probabilities over all actions (the search keeps the legal ones).
    Built from a snapshot of the network: later training does not change it. `device` is where
    the network runs (e.g. "cuda"); the search's buffers stay on the CPU.
    """

    def __init__(self, net: PolicyValueNet, device: str | torch.device = "cpu"):
        self.device = torch.device(device)
        self.net = fused_for_inference(net).to(self.device)

    def __call__(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            planes = torch.from_numpy(np.asarray(inputs, dtype=np.float32)).to(self.device)
            logits, values = self.net(planes)
            return torch.softmax(logits, dim=1).cpu().numpy(), values.cpu().numpy()


def network_bytes(net: PolicyValueNet) -> bytes:
    """The network (spec and weights) as bytes; `network_from_bytes` reads them back."""
    buffer = io.BytesIO()
    torch.save({"spec": asdict(net.spec), "state_dict": net.state_dict()}, buffer)
    return buffer.getvalue()


def network_from_bytes(data: bytes) -> PolicyValueNet:
    saved = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    net = PolicyValueNet(NetworkSpec(**saved["spec"]))
    net.load_state_dict(saved["state_dict"])
    return net.eval()


def save_network(net: PolicyValueNet, path: str | Path) -> None:
    Path(path).write_bytes(network_bytes(net))


def load_network(path: str | Path) -> PolicyValueNet:
    """A network saved by `save_network` (or exported by `arena train ... --algo alphazero`)."""
    return network_from_bytes(Path(path).read_bytes())
