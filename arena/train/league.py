"""The league: who the learner meets, how often, how it fares against each, and the training envs that stage the meetings.

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

`LeagueEnv` is the training env's side: it wraps a `SingleAgentEnv` and refills its opponent seat
from the pool's table at every reset, drawing from its own generator (seeded by the first seeded
reset, so equal seeds and tables give equal episodes). When an episode ends, `info["league"]`
says whom the learner met and how it went, for the pool to record.

The factories build all of it from a `TrainConfig`: `build_pool(config.opponents, ...)`,
`make_env` (one training env: league opponents, shaped rewards, `Controls`) and `make_vec_env`
(`n_envs` of them in worker processes; `arena.train.batched` plays them all on the native engine
in this process).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TextIO

import gymnasium
import numpy as np

from arena import outcomes
from arena.train.config import scripted_agent
from arena.train.controls import ControlledFighter, Controls, recipe_rewards

if TYPE_CHECKING:
    from arena.train.config import TrainConfig

SAMPLINGS = ("uniform", "latest", "pfsp")


@dataclass
class Opponent:
    """A fixed opponent: `factory()` builds the agent (a scripted class, a partial, a submission loader)."""

    weight: float
    factory: Callable[[], Any]


@dataclass
class SelfPlay:
    """Frozen snapshots of the learner, sampled `uniform`, `latest` or by `pfsp`; `agent_factory(path)` loads one.

    While there is no snapshot yet, `before_snapshots()` plays in their place, or (None) the weight waits.
    """

    weight: float
    sampling: str = "pfsp"
    agent_factory: Callable[[str], Any] | None = None
    power: float = 2.0
    before_snapshots: Callable[[], Any] | None = None

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
                if not self.snapshots and opponent.before_snapshots is not None:
                    rows.append((name, None, opponent.weight))
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


class LeagueEnv(gymnasium.Wrapper):
    """A single-agent view whose opponent seat is refilled from the league's table at every reset."""

    def __init__(self, env: gymnasium.Env, opponents: dict[str, Opponent | SelfPlay],
                 outcome: Callable[[gymnasium.Env], int], draw: Callable[[], tuple[str, Any]] | None = None):
        super().__init__(env)
        self.opponents = opponents
        self.outcome = outcome
        # The competition's way, where given: each episode's opponent (its name and agent) drawn after the
        # game's reset, from Python's `random` (`OpponentsCfg.draw`), instead of from the league's table.
        self.draw = draw
        self._stand_in: Any = None  # the opponent seated while the game resets, before `draw` gives one
        self.table: list[tuple[str, str | None, float]] = [
            (name, None, o.weight) for name, o in opponents.items() if isinstance(o, Opponent)]
        self.rng = np.random.default_rng()
        self.current: tuple[str, str | None] | None = None  # the opponent of the episode under way
        self._agents: dict[tuple[str, str | None], Any] = {}

    def set_table(self, table: list[tuple[str, str | None, float]]) -> None:
        """The probabilities to draw opponents from (from `OpponentPool.table()`)."""
        self.table = list(table)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        if self.draw is not None:
            return self._reset_then_draw(options)
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        probabilities = np.array([p for _, _, p in self.table])
        name, snapshot, _ = self.table[int(self.rng.choice(len(self.table), p=probabilities / probabilities.sum()))]
        self.current = (name, snapshot)
        single = self.env.unwrapped
        (seat,) = single.opponents
        single.opponents = {seat: self._agent(name, snapshot)}
        return self.env.reset(seed=int(self.rng.integers(2**31 - 1)), options=options)

    def _reset_then_draw(self, options: dict | None):
        """The competition's order: the game resets (its draws from `random` first), then `draw` gives the
        episode's opponent. Its games are not recorded in the league (its draws weigh no outcomes)."""
        from arena.agents.fighting import ConstantAgent

        single = self.env.unwrapped
        (seat,) = single.opponents
        self._stand_in = self._stand_in or ConstantAgent()
        single.opponents = {seat: self._stand_in}
        observation, info = self.env.reset(options=options)
        _, agent = self.draw()
        single.opponents = {seat: agent}
        self.current = None
        return observation, info

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        if (terminated or truncated) and self.current is not None:
            name, snapshot = self.current
            info = {**info, "league": {"opponent": name, "snapshot": snapshot, "outcome": self.outcome(self.env)}}
        return obs, reward, terminated, truncated, info

    def _agent(self, name: str, snapshot: str | None) -> Any:
        """The opponent's agent, built once per worker and reused (snapshots stay loaded)."""
        found = self._agents.get((name, snapshot))
        if found is None:
            opponent = self.opponents[name]
            if isinstance(opponent, SelfPlay):
                found = opponent.agent_factory(snapshot) if snapshot is not None else opponent.before_snapshots()
            else:
                found = opponent.factory()
            self._agents[(name, snapshot)] = found
        return found


def fighting_outcome(env: gymnasium.Env) -> int:
    """+1 if the learner's fighter won the finished match, -1 if it lost, 0 for a draw."""
    single = env.unwrapped
    winner = single.raw.game.winner
    if winner is None:
        return 0
    return 1 if single.raw.possible_agents[winner] == single.seat else -1


def build_pool(opponents: dict[str, dict[str, Any]], snapshot_agent: Callable[[str], Any],
               output_dir: Path | None = None) -> OpponentPool:
    """The pool for a config's `opponents` (see `arena.train.config`); snapshots play as `snapshot_agent(path)`,
    and submissions print into files in `output_dir` (see `submission_agent`)."""
    return OpponentPool({name: _opponent(name, spec, snapshot_agent, output_dir) for name, spec in opponents.items()})


def _opponent(name: str, spec: dict[str, Any], snapshot_agent: Callable[[str], Any],
              output_dir: Path | None) -> Opponent | SelfPlay:
    spec = dict(spec)
    weight = float(spec.pop("weight", 1.0))
    if "sampling" in spec or not spec:
        return SelfPlay(weight, spec.pop("sampling", "pfsp"), snapshot_agent, **spec)
    if "agent" in spec:
        return Opponent(weight, scripted_agent(spec["agent"]))
    if "submission" in spec:
        return Opponent(weight, partial(submission_agent, spec["submission"], output_dir))
    raise ValueError(f"opponent {name!r}: give one of agent, submission or sampling (self-play), got {spec}")


def submission_agent(folder: str, output_dir: Path | None = None) -> Any:
    """A submission folder's agent, built in this process (a training opponent is trusted code). Given an
    `output_dir`, what it prints goes to `output_dir/NAME-PID.log` (see `PrintingToFile`)."""
    from arena.names import file_name
    from arena.submission import instantiate, load

    submission = load(folder)
    if output_dir is None:
        return instantiate(submission)
    log = Path(output_dir) / f"{file_name(submission.name)}-{os.getpid()}.log"
    return PrintingToFile(partial(instantiate, submission), log)


class PrintingToFile:
    """An agent whose prints (Python's stdout and stderr, in every call to it) go to the file `log`: a
    submission's debugging prints, a line a move in every env worker, would bury the training's progress."""

    def __init__(self, build: Callable[[], Any], log: Path):
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log: TextIO = open(log, "a", encoding="utf-8", buffering=1)  # line by line: a crash loses nothing
        with self._printing_to_file():
            self._agent = build()

    def _printing_to_file(self) -> contextlib.ExitStack:
        stack = contextlib.ExitStack()
        stack.enter_context(contextlib.redirect_stdout(self._log))
        stack.enter_context(contextlib.redirect_stderr(self._log))
        return stack

    def __getattr__(self, name: str) -> Any:
        if name in ("_agent", "_log"):  # not built yet: no agent to ask
            raise AttributeError(name)
        value = getattr(self._agent, name)
        if not callable(value):
            return value

        def printing_to_file(*args: Any, **kwargs: Any) -> Any:
            with self._printing_to_file():
                return value(*args, **kwargs)

        return printing_to_file


def make_env(config: TrainConfig, opponents: dict[str, Opponent | SelfPlay], controls: Controls) -> gymnasium.Env:
    """One training env: the fighting game's single-agent view, league opponents, shaped rewards, controls."""
    import torch

    from arena.envs.fighting import ConstantAgent
    from arena.envs.single_agent import SingleAgentEnv

    torch.set_num_threads(1)  # snapshot opponents run in the env workers: one thread each
    rewards = recipe_rewards(config.approach, config.off_stage)
    single = SingleAgentEnv("fighting", opponent=ConstantAgent(), reward_manager=rewards, engine=config.engine)
    return ControlledFighter(LeagueEnv(single, opponents, fighting_outcome), controls)


def make_vec_env(config: TrainConfig, opponents: dict[str, Opponent | SelfPlay], controls: Controls) -> Any:
    """The config's `n_envs` training envs, in this process ("dummy") or in `workers` processes (otherwise; the
    batched env on the native engine is `arena.train.batched.training_envs`'s choice)."""
    from stable_baselines3.common.vec_env import DummyVecEnv

    from arena.train.vec import GroupedSubprocVecEnv

    factories = [partial(make_env, config, opponents, controls) for _ in range(config.n_envs)]
    return DummyVecEnv(factories) if config.vec_env == "dummy" else GroupedSubprocVecEnv(factories, config.workers)
