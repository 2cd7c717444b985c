"""Swapping TT modules into a trained policy, in place, so that `model.predict` runs through TTNN.

    model = PPO.load("model.zip")
    port = port_policy(model)            # or port_policy(model, backend="reference")
    print(port)                          # which modules now run on which backend
    action, _ = model.predict(obs, deterministic=True)

`port_policy` walks the policy's modules and replaces every MLP it finds (see
`arena.agents.tt.layers` for what counts as one) by a module that runs it on the backend:

- the features extractor when it is an MLP (a custom one, as in the competition's guide: the
  innermost module holding the whole MLP is replaced, so `policy.features_extractor.model`
  becomes the TT module, as the guide's hand-written port does);
- the actor and critic MLPs, `mlp_extractor.policy_net` and `mlp_extractor.value_net`;
- the heads, `action_net` (logits or action means) and `value_net`;
- in RecurrentPPO, the same MLP parts; the LSTMs stay in torch.

A module shared by several attributes (SB3's `features_extractor`, `pi_features_extractor` and
`vf_features_extractor`) is ported once and stays shared. Port a loaded model for inference only:
the TT modules have no trainable parameters, so do not `learn` or `save` afterwards; keep the
torch weights file as the source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import nn

from arena.agents.tt.backends import Backend, choose_backend
from arena.agents.tt.layers import Chain, PortedMLP, TTError, read_layers


@dataclass(frozen=True)
class Port:
    """What `port_policy` did: the backend it used and the dotted paths of the modules it replaced."""

    backend: Backend
    modules: tuple[str, ...]

    def __str__(self) -> str:
        return f"{', '.join(self.modules) or 'nothing'} on {self.backend.description}"


def port_module(module: nn.Module, backend: str | Backend = "auto") -> PortedMLP:
    """`module` (an MLP: see `arena.agents.tt.layers`) as a TT module with torch tensors in and out.

    The drop-in for a hand-written TTNN module: `extractor.model = port_module(extractor.model)`.
    """
    chain = read_layers(module)
    if chain is None:
        raise TTError(f"{type(module).__name__} is not a chain of nn.Linear layers and activations, so it "
                      f"cannot run as TTNN linears; port its MLP parts instead (port_policy finds them)")
    return choose_backend(backend).build(chain)


def port_policy(model: Any, backend: str | Backend = "auto") -> Port:
    """Replace, in place, every MLP of an SB3 model (or of its `policy`) by a TT module on `backend`."""
    policy = getattr(model, "policy", model)
    if not isinstance(policy, nn.Module):
        raise TTError(f"port_policy needs a stable-baselines3 model or policy, got {type(model).__name__}")
    chosen = choose_backend(backend)
    ported: list[str] = []
    _port_children(policy, "", chosen, {}, ported)
    if not ported:
        raise TTError(f"{type(policy).__name__} has no MLP (nn.Linear layers with activations) to port")
    return Port(chosen, tuple(ported))


def _port_children(module: nn.Module, prefix: str, backend: Backend, done: dict[int, nn.Module],
                   ported: list[str]) -> None:
    # `_modules` lists every attribute, shared modules included (named_children() skips repeats).
    for name, child in list(module._modules.items()):
        if child is None:
            continue
        if id(child) not in done:
            done[id(child)] = _port(child, prefix + name, backend, done, ported)
        if done[id(child)] is not child:
            setattr(module, name, done[id(child)])


def _port(module: nn.Module, path: str, backend: Backend, done: dict[int, nn.Module], ported: list[str]) -> nn.Module:
    """`module` itself with its MLPs ported, or its replacement when it is the innermost holder of an MLP."""
    if isinstance(module, PortedMLP):
        return module
    chain = read_layers(module)
    if chain is None or _holder_of_whole_chain(module, chain):
        _port_children(module, path + ".", backend, done, ported)
        return module
    ported.append(path)
    return backend.build(chain)


def _holder_of_whole_chain(module: nn.Module, chain: Chain) -> bool:
    """Whether one child holds all of `module`'s parameters and computes the same chain (port the child)."""
    holders = [c for c in module.children() if any(True for _ in c.parameters())]
    if len(holders) != 1 or sum(1 for _ in holders[0].parameters()) != sum(1 for _ in module.parameters()):
        return False
    inner = read_layers(holders[0])
    return inner is not None and _outline(inner) == _outline(chain)


def _outline(chain: Chain) -> tuple:
    return chain.flatten, tuple((d.in_features, d.out_features, d.activation) for d in chain.layers)
