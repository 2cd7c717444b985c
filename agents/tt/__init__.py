"""TTNN ports of trained policies: run a stable-baselines3 agent on Tenstorrent hardware.

A policy trained with SB3 is a few torch MLPs. A port runs the same MLPs through TTNN,
Tenstorrent's operator library: bfloat16 weights in the card's DRAM, one `ttnn.linear` per layer
with the activation fused in. Porting is one line in your agent:

    from stable_baselines3 import PPO
    from arena.agents import Agent
    from arena.agents.tt import port_policy

    class SubmittedAgent(Agent):
        def _initialize(self):
            self.model = PPO.load(self.file_path)
            port_policy(self.model)   # every MLP of the policy now runs through TTNN

        def predict(self, obs):
            action, _ = self.model.predict(obs, deterministic=True)
            return action

Then check that the port decides as torch does, on observations from a real game:

    arena tt check my_agent/                        # a submission folder or zip
    arena tt check model.zip --env fighting         # a bare SB3 model

It prints the PCC of the outputs (TTNN's correctness measure: 0.99 or more passes), the largest
absolute error and how often the greedy actions agree, and exits 1 below PCC 0.99.

Backends (`arena.agents.tt.backends`): with a Tenstorrent card and `pip install -e ".[tt]"`
(Python 3.10 or 3.12), ports run on the card; elsewhere "auto" warns and runs the reference
backend, torch reproducing TTNN's bfloat16 arithmetic, so a port is developed and checked on
any machine.

What ports (`arena.agents.tt.layers`): chains of nn.Linear with ReLU, Tanh, GELU, SiLU or Sigmoid,
wherever they sit in the policy: a custom features extractor written as in the competition's
TTNN guide, the `net_arch` MLPs, the action and value heads, RecurrentPPO's MLPs around its LSTM.
Wrote your TTNN module by hand, as the guide shows? Keep it: `arena tt check` compares whatever
your agent's policy runs against the torch policy loaded from your weights file.
"""

import importlib

# Imported on first use, so that `arena tt --help` and the CLI start without loading torch.
_EXPORTS = {
    "Backend": "backends", "choose_backend": "backends", "close_device": "backends",
    "Port": "convert", "port_module": "convert", "port_policy": "convert",
    "TTError": "layers", "read_layers": "layers",
    "PCC_THRESHOLD": "accuracy", "Comparison": "accuracy", "compare": "accuracy", "pcc": "accuracy",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
