"""The training env's side of the league: a new opponent every episode, drawn from the pool's table.

`LeagueEnv` wraps a `SingleAgentEnv` (it sets the env's `opponents` before each reset). It
draws from its own generator, seeded by the first seeded reset, so equal seeds and tables give
equal episodes. When an episode ends, `info["league"]` says whom the learner met and how it
went, for the pool to record.
"""

from __future__ import annotations

from typing import Any, Callable

import gymnasium
import numpy as np

from arena.train.league import Opponent, SelfPlay


class LeagueEnv(gymnasium.Wrapper):
    """A single-agent view whose opponent seat is refilled from the league's table at every reset."""

    def __init__(self, env: gymnasium.Env, opponents: dict[str, Opponent | SelfPlay],
                 outcome: Callable[[gymnasium.Env], int]):
        super().__init__(env)
        self.opponents = opponents
        self.outcome = outcome
        self.table: list[tuple[str, str | None, float]] = [
            (name, None, o.weight) for name, o in opponents.items() if isinstance(o, Opponent)]
        self.rng = np.random.default_rng()
        self.current: tuple[str, str | None] = self.table[0][:2]
        self._agents: dict[tuple[str, str | None], Any] = {}

    def set_table(self, table: list[tuple[str, str | None, float]]) -> None:
        """The probabilities to draw opponents from (from `OpponentPool.table()`)."""
        self.table = list(table)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        probabilities = np.array([p for _, _, p in self.table])
        name, snapshot, _ = self.table[int(self.rng.choice(len(self.table), p=probabilities / probabilities.sum()))]
        self.current = (name, snapshot)
        single = self.env.unwrapped
        (seat,) = single.opponents
        single.opponents = {seat: self._agent(name, snapshot)}
        return self.env.reset(seed=int(self.rng.integers(2**31 - 1)), options=options)

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            name, snapshot = self.current
            info = {**info, "league": {"opponent": name, "snapshot": snapshot, "outcome": self.outcome(self.env)}}
        return obs, reward, terminated, truncated, info

    def _agent(self, name: str, snapshot: str | None) -> Any:
        """The opponent's agent, built once per worker and reused (snapshots stay loaded)."""
        found = self._agents.get((name, snapshot))
        if found is None:
            opponent = self.opponents[name]
            found = opponent.agent_factory(snapshot) if isinstance(opponent, SelfPlay) else opponent.factory()
            self._agents[(name, snapshot)] = found
        return found


def fighting_outcome(env: gymnasium.Env) -> int:
    """+1 if the learner's fighter won the finished match, -1 if it lost, 0 for a draw."""
    single = env.unwrapped
    winner = single.raw.game.winner
    if winner is None:
        return 0
    return 1 if single.raw.possible_agents[winner] == single.seat else -1
