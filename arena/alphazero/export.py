"""A run's best network as a submission folder: agent.py, arena.toml and the network file."""

from __future__ import annotations

from pathlib import Path

from arena.alphazero.store import Store
from arena.export_folder import MARK, export_folder
from arena.search.network import save_network

__all__ = ["export_submission"]

WEIGHTS = "network.pt"

_AGENT = '''"""AlphaZero for {game} {size}x{size}: PUCT search guided by network {network} of an arena AlphaZero run."""

{mark}
from arena.agents.alphazero import AlphaZeroAgent


class SubmittedAgent(AlphaZeroAgent):
    """{simulations} PUCT simulations a move with the network in {weights}."""

    def __init__(self, file_path=None):
        super().__init__(file_path=file_path, simulations={simulations}{leaf_playouts})
'''

_MANIFEST = '''name = "{name}"
env = "{game}"
weights = "{weights}"
{clock}
[options]  # the board the network was trained for
{options}
'''


def _leaf_playouts(playouts: int) -> str:
    """The agent's leaf_playouts argument: the run's, when its leaves took their values from playouts."""
    return f", leaf_playouts={playouts}" if playouts else ""


def export_submission(store: Store, out: str | Path, simulations: int = 200, time_per_move: float | None = None) -> Path:
    """Write `store`'s best network into the submission folder `out` (created if needed). Its search
    takes `simulations` a move; `time_per_move` (seconds) is written only where given: a manifest may
    ask for less time than the game gives, never more, and the match's clock decides without it."""
    out = export_folder(out)
    network_id = store.best_network_id()
    config = store.config
    save_network(store.network(network_id), out / WEIGHTS)
    (out / "agent.py").write_text(_AGENT.format(mark=MARK, game=config.game, size=config.size, network=network_id,
                                                weights=WEIGHTS, simulations=simulations,
                                                leaf_playouts=_leaf_playouts(config.leaf_playouts)))
    options = [f"size = {config.size}"] + ([f'rule = "{config.rule}"'] if config.game == "gomoku" else [])
    (out / "arena.toml").write_text(_MANIFEST.format(name=out.name, game=config.game, weights=WEIGHTS,
                                                     clock="" if time_per_move is None else f"time_per_move = {time_per_move}\n",
                                                     options="\n".join(options)))
    return out
