"""The AI² fighting competition's modules on arena's fighting game.

A competition project runs after replacing its package name, `environment.` -> `arena.compat.ai2.environment.`:

    from arena.compat.ai2.environment.environment import *   # the game, its helpers and libraries
    from arena.compat.ai2.environment.agent import *         # agents, rewards, training, run_match
    from arena.compat.ai2 import *                           # the same as environment.agent

Names, attributes and behaviour are the competition's as far as arena's game has them; see each
module's docstring for how. Its `WarehouseBrawl` is the competition's env class (fighters keyed 0
and 1, spaces as attributes: `arena.compat.ai2.warehouse`); arena's harness and PettingZoo code use
`arena.envs.fighting.WarehouseBrawl` (seats "player_0" and "player_1"). Names load on first use:
`from arena.compat.ai2 import WarehouseBrawl` imports no training library. Where Tenstorrent's
`ttnn` is not installed, the competition's TTNN code importing it is told how to get it
(`arena.compat.ai2.ttnn_hint`).
"""

from typing import Any

from arena.compat.ai2.ttnn_hint import explain_missing_ttnn

explain_missing_ttnn()


def __getattr__(name: str) -> Any:
    # Everything `environment.agent` offers (its `__all__` included), loaded when first asked for.
    from arena.compat.ai2.environment import agent

    if name != "__all__" and name not in agent.__dict__ and name not in agent.LIBRARIES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(agent, name)
