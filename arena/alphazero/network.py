"""AlphaZero's policy/value network: its home is `arena.search.network`, next to the search that
calls it; these names stay importable from here."""

from arena.search.network import (  # noqa: F401  (re-exported)
    Evaluator,
    NetworkSpec,
    PolicyValueNet,
    ResidualBlock,
    fused_for_inference,
    load_network,
    network_bytes,
    network_from_bytes,
    save_network,
)

__all__ = ["Evaluator", "NetworkSpec", "PolicyValueNet", "fused_for_inference", "load_network", "network_bytes",
           "network_from_bytes", "save_network"]
