"""`import ttnn` without ttnn, in competition code: an error that says how to get it and what runs without it.

The competition's TTNN guide (`user/my_agent_tt.py`, and submissions that uncomment its lines in
`user/my_agent.py`) imports Tenstorrent's `ttnn` directly. arena keeps ttnn an optional extra: its wheels
exist for Python 3.10 and 3.12 only, and it opens a Tenstorrent card. Once a competition module is imported,
`import ttnn` where it is not installed raises ModuleNotFoundError naming that extra and arena's way to
develop a port without a card (its reference backend), instead of Python's bare "No module named 'ttnn'".
Where ttnn is installed, nothing changes: this finder sits last on `sys.meta_path` and only speaks when no
other finder has ttnn.
"""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec

from arena.errors import install_hint

MISSING_TTNN = ("No module named 'ttnn': the competition's TTNN code needs Tenstorrent's ttnn, an optional extra of "
                f"arena: {install_hint('tt')} (its wheels are for Python 3.10 and 3.12) on a machine with a "
                "Tenstorrent card. Without a card, arena.agents.tt.port_policy(model) runs a policy's MLPs with TTNN's "
                "bfloat16 arithmetic on the CPU, and `arena tt check` compares a port with torch")


class MissingTTNN(MetaPathFinder):
    """Reached only when every finder before it missed `ttnn`."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> ModuleSpec | None:
        if fullname == "ttnn":
            raise ModuleNotFoundError(MISSING_TTNN, name="ttnn")
        return None


def explain_missing_ttnn() -> None:
    """Put the finder last on `sys.meta_path` (once)."""
    if not any(isinstance(finder, MissingTTNN) for finder in sys.meta_path):
        sys.meta_path.append(MissingTTNN())
