"""Where arena keeps what it can make again (downloaded weights, the list of the shared libraries
agents may load): `$ARENA_CACHE_DIR`, else `$XDG_CACHE_HOME/arena`, else `~/.cache/arena`."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    root = os.environ.get("ARENA_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "arena"
    return Path(root)
