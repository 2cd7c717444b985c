"""Playing blocks of scheduled matches, in a pool process or a Ray worker.

A block is a few consecutive games of one pairing. The process that plays it keeps its agents'
sandboxes open between blocks (a few at a time), so a worker process is started once per
agent rather than once per game. Results go back as plain data; the tournament's driver alone
writes replays and the results store.
"""

from __future__ import annotations

import atexit
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arena.entrants import submission_handle
from arena.envs import EnvSpec
from arena.errors import SubmissionError
from arena.handle import AgentHandle, ForfeitingAgent
from arena.match import play_match
from arena.sandbox import Limits
from arena.submission import load

SANDBOXES_KEPT = 8  # per pool process: enough for the pairings it plays in turn


@dataclass(frozen=True)
class EntrantPackage:
    """What a worker needs to run an entrant: its registered folder, or its zipped bytes when the
    worker is on another machine."""

    id: int
    label: str
    digest: str
    path: str | None = None
    zipped: bytes | None = None


def play_block(settings: dict[str, Any], entrants: dict[int, EntrantPackage],
               block: list[tuple[int, int, tuple[int, ...]]]) -> list[tuple[int, dict[str, Any]]]:
    """Play (match id, seed, seats) matches in order; (match id, MatchResult.to_dict()) for each."""
    env = EnvSpec(settings["env"], settings["options"])
    played = []
    for match_id, seed, seats in block:
        handles = [_sandboxes.get(entrants[e], settings, seats[:i].count(e)) for i, e in enumerate(seats)]
        result = play_match(env, handles, seed, max_steps=settings.get("max_steps"))
        played.append((match_id, result.to_dict()))
    return played


class _SandboxCache:
    """The most recently used sandboxed agents of this process; the oldest are closed."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.handles: OrderedDict[tuple, AgentHandle] = OrderedDict()
        atexit.register(self.close_all)

    def get(self, package: EntrantPackage, settings: dict[str, Any], copy: int) -> AgentHandle:
        key = (package.digest, copy, repr(sorted(settings.items())))
        if key in self.handles:
            self.handles.move_to_end(key)
            return self.handles[key]
        handle = _open(package, settings)
        self.handles[key] = handle
        while len(self.handles) > self.capacity:
            self.handles.popitem(last=False)[1].close()
        return handle

    def close_all(self) -> None:
        while self.handles:
            self.handles.popitem()[1].close()


def _open(package: EntrantPackage, settings: dict[str, Any]) -> AgentHandle:
    try:
        spec = load(package.path or _unpacked(package))
    except SubmissionError as exc:
        return ForfeitingAgent(package.label, f"its submission cannot be loaded: {exc}")
    limits = Limits(**settings.get("limits", {}))
    handle = submission_handle(spec, settings["env"], settings.get("time_per_move"), limits=limits,
                               log_dir=settings.get("log_dir"))
    handle.name = package.label
    return handle


def _unpacked(package: EntrantPackage) -> Path:
    """The zipped entrant written to this machine's temporary folder (once per version)."""
    path = Path(tempfile.gettempdir()) / "arena-entrants" / f"{package.digest}.zip"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(package.zipped)
        partial.replace(path)
    return path


_sandboxes = _SandboxCache(SANDBOXES_KEPT)
