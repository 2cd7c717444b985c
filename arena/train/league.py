"""The opponent pool of a self-play league: who the learner meets, how often, and how it fares against each.

    pool = OpponentPool({"based": Opponent(1.5, BrawlerAgent), "self_play": SelfPlay(8, "pfsp")})
    pool.add_snapshot("checkpoints/run/rl_model_100000_steps.zip")
    pool.table()                       # [("based", None, p), ("self_play", path, p), ...]
    pool.record("self_play", path, +1)  # the learner won an episode against that snapshot

Each episode the learner's opponent is drawn from `table()`: every entry gets its share of the
total weight, and a `SelfPlay` entry splits its share over the learner's frozen snapshots:

- `uniform`: equally (the seed's `SelfPlayRandom`);
- `latest`: all to the newest snapshot (`SelfPlayLatest`);
- `pfsp`: prioritized fictitious self-play (AlphaStar): in proportion to `(1 - w) ** power`, w the
  learner's win rate against the snapshot (draws count half, a prior of one win and one loss),
  so the snapshots it still loses to are met most.

Before the first snapshot exists a `SelfPlay` entry's share goes to the other entries. The pool's
state (snapshots, results, ratings) is plain data (`state()` / `load_state()`), saved with
every checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from arena import outcomes

SAMPLINGS = ("uniform", "latest", "pfsp")


@dataclass
class Opponent:
    """A fixed opponent: `factory()` builds the agent (a scripted class, a partial, a submission loader)."""

    weight: float
    factory: Callable[[], Any]


@dataclass
class SelfPlay:
    """Frozen snapshots of the learner, sampled `uniform`, `latest` or by `pfsp`; `agent_factory(path)` loads one."""

    weight: float
    sampling: str = "pfsp"
    agent_factory: Callable[[str], Any] | None = None
    power: float = 2.0

    def __post_init__(self) -> None:
        if self.sampling not in SAMPLINGS:
            raise ValueError(f"self-play sampling must be one of {', '.join(SAMPLINGS)}, got {self.sampling!r}")


@dataclass
class Record(outcomes.Record):
    """The learner's results against one opponent."""

    @property
    def win_rate(self) -> float:
        """Wins (draws half) with a prior of one win and one loss: 0.5 before any game."""
        return (self.points + 1.0) / (self.games + 2.0)


def pfsp_weights(win_rates: list[float], power: float = 2.0) -> list[float]:
    """Prioritized fictitious self-play: weights proportional to `(1 - win_rate) ** power`, summing to 1."""
    raw = [max(1.0 - w, 0.0) ** power for w in win_rates]
    total = sum(raw)
    if total <= 0.0:
        return [1.0 / len(raw)] * len(raw)
    return [r / total for r in raw]


@dataclass
class OpponentPool:
    """Named opponents with weights, the learner's snapshots, and the learner's record against each."""

    opponents: dict[str, Opponent | SelfPlay]
    snapshots: list[str] = field(default_factory=list)
    records: dict[str, Record] = field(default_factory=dict)
    ratings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.opponents or all(o.weight <= 0 for o in self.opponents.values()):
            raise ValueError("the opponent pool needs at least one opponent with a positive weight")

    def add_snapshot(self, path: str, keep: int = -1) -> None:
        """A new frozen copy of the learner joins the pool; with `keep` > 0, only the newest `keep` stay."""
        self.snapshots.append(path)
        if keep > 0:
            del self.snapshots[:-keep]

    def record(self, name: str, snapshot: str | None, outcome: int) -> None:
        """The learner won (+1), drew (0) or lost (-1) an episode against `name` (and `snapshot` of it)."""
        self.records.setdefault(key(name, snapshot), Record()).add(outcome)

    def win_rate(self, name: str, snapshot: str | None = None) -> float:
        return self.records.get(key(name, snapshot), Record()).win_rate

    def table(self) -> list[tuple[str, str | None, float]]:
        """Every opponent the next episode may meet, as (name, snapshot or None, probability)."""
        rows: list[tuple[str, str | None, float]] = []
        for name, opponent in self.opponents.items():
            if isinstance(opponent, SelfPlay):
                rows += [(name, path, opponent.weight * share) for path, share in self._shares(name, opponent)]
            else:
                rows.append((name, None, opponent.weight))
        total = sum(p for _, _, p in rows)
        return [(name, path, p / total) for name, path, p in rows if p > 0]

    def _shares(self, name: str, self_play: SelfPlay) -> list[tuple[str, float]]:
        snapshots = self.snapshots
        if not snapshots:
            return []
        if self_play.sampling == "latest":
            return [(snapshots[-1], 1.0)]
        if self_play.sampling == "uniform":
            return [(path, 1.0 / len(snapshots)) for path in snapshots]
        weights = pfsp_weights([self.win_rate(name, path) for path in snapshots], self_play.power)
        return list(zip(snapshots, weights))

    def state(self) -> dict[str, Any]:
        """The pool's league state as JSON-ready data."""
        return {"snapshots": list(self.snapshots),
                "records": {k: [r.wins, r.draws, r.losses] for k, r in self.records.items()},
                "ratings": dict(self.ratings)}

    def load_state(self, state: dict[str, Any]) -> None:
        self.snapshots = list(state.get("snapshots", []))
        self.records = {k: Record(*v) for k, v in state.get("records", {}).items()}
        self.ratings = dict(state.get("ratings", {}))


def key(name: str, snapshot: str | None) -> str:
    """The record key of an opponent: its name, or name@snapshot for a snapshot."""
    return name if snapshot is None else f"{name}@{snapshot}"
