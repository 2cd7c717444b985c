"""AlphaZero for Othello and gomoku: self-play on the native batched MCTS (or in JAX), a residual network in torch.

    arena train othello --algo alphazero --store run/az.sqlite --generations 30
    arena train othello --algo alphazero --setting selfplay_backend=jax --setting device=cuda  # the jax extra

| module | job |
| --- | --- |
| `config` | `AlphaZeroConfig`: every setting of a run |
| `network` | the policy/value network, its weights files, its evaluator (re-exported from `arena.search.network`) |
| `symmetries` | the 8 board symmetries, applied to positions and policies at training time |
| `buffer` | the replay buffer of recent positions |
| `selfplay` | games by the best network (or by rollout search, to bootstrap) on the batched native MCTS |
| `jax_selfplay` | the optional `selfplay_backend="jax"`: 8x8 Othello self-play with pgx and mctx, on an accelerator |
| `jax_network` | the network's forward pass in JAX, its weights converted from torch |
| `trainer` | the training step, checkpoints, exact resume |
| `gating` | matches between networks (promotion of the better), and against rollout MCTS |
| `ratings` | Elo ratings over generations from the gating matches |
| `store` | the SQLite store the self-play, training and evaluation processes share |
| `loop` | the phases in one process, or each as its own |
| `cli` | the options of `arena train ... --algo alphazero` |
| `export` | a run's best network as a submission folder |

The agent that plays a trained network is `arena.agents.alphazero.AlphaZeroAgent`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Public names and their modules. They load on first use, so that `arena --help` (which adds
# the AlphaZero options to `arena train`) never imports torch.
_EXPORTS = {
    "AlphaZeroConfig": "config",
    "Evaluator": "network",
    "NetworkSpec": "network",
    "PolicyValueNet": "network",
    "load_network": "network",
    "save_network": "network",
    "open_store": "loop",
    "run": "loop",
}

__all__ = ["AlphaZeroConfig", "Evaluator", "NetworkSpec", "PolicyValueNet", "load_network", "open_store", "run",
           "save_network"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
