"""What an organiser should hear of at the end of a run: the entrants whose games ended in their faults."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from dataclasses import dataclass

from arena.errors import EXTRA_OF_MODULE
from arena.tournament.store import MatchRecord

_MISSING_EXTRA = re.compile(r"\((\w+) is not installed: pip install")  # `arena.errors.missing_extra`'s hint


@dataclass(frozen=True)
class Faulted:
    """An entrant that faulted in some of its games: how often, how mostly, and its latest reason."""

    name: str
    faults: int
    games: int
    status: str  # its most frequent fault: crash, timeout, illegal_action, forfeit
    detail: str  # the reason of its latest fault of that kind

    def line(self) -> str:
        told = f"{self.name}: {self.status.replace('_', ' ')} in {self.faults} of its {self.games} games ({self.detail})"
        missing = _MISSING_EXTRA.search(self.detail)
        if missing and missing.group(1) in EXTRA_OF_MODULE and _installed(missing.group(1)):
            told += f"; {missing.group(1)} is installed now: those games stay as they were played"
        return told


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a finder that explains what is missing (`arena.compat.ai2.ttnn_hint`'s)
        return False


def faulted_entrants(results: list[MatchRecord]) -> list[Faulted]:
    """The entrants with a fault in `results`, the most faults first."""
    games, faults = Counter[str](), Counter[tuple[str, str]]()
    latest: dict[tuple[str, str], str] = {}
    for match in results:
        for seat in match.seats:
            games[seat.name] += 1
            if seat.status != "ok":
                faults[seat.name, seat.status] += 1
                latest[seat.name, seat.status] = seat.detail
    by_entrant: dict[str, list[tuple[int, str]]] = {}
    for (name, status), count in faults.items():
        by_entrant.setdefault(name, []).append((count, status))
    summaries = []
    for name, kinds in by_entrant.items():
        count, status = max(kinds)
        summaries.append(Faulted(name, sum(c for c, _ in kinds), games[name], status, latest[name, status]))
    return sorted(summaries, key=lambda f: (-f.faults, f.name))
