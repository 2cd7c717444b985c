"""One seat of a multi-agent env as its agent sees it: the object `Agent.get_env_info` receives."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields, replace
from typing import Any

import gymnasium
from gymnasium import spaces

from arena.seeding import derive_seed, one_way_seed


@dataclass
class SeatView(gymnasium.Env):
    """The spaces and helpers of one seat, shaped like a single-agent Gymnasium env.

    The spaces are private copies seeded from the seat's own seed (`seat_seed`), so an agent that
    samples from them is reproducible and never disturbs the env's own random state. Other public attributes
    are read from the game (`view.objects`, `view.get_spawner_info()`, ...), as an agent of the
    competition reads its env. It is a Gymnasium env so that a model can be built on it
    (`PPO("MlpPolicy", self.env)`), but it cannot be stepped or reset: the harness runs the match,
    and training needs a training env.
    """

    env_name: str
    agent_id: str
    observation_space: spaces.Space
    action_space: spaces.Space
    obs_helper: Any = None
    act_helper: Any = None
    options: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None  # the seat's own seed for the game (`seat_seed`), which the spaces were seeded from
    game: Any = field(default=None, repr=False, compare=False)  # the raw env the seat belongs to

    def __getattr__(self, name: str) -> Any:
        # Only called for names the view itself lacks.
        game = self.__dict__.get("game")
        if name.startswith("_") or game is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(game, name)

    def __deepcopy__(self, memo: dict) -> SeatView:
        # The game is the match the seat belongs to: a copy of the view looks at the same match.
        copied = {f.name: copy.deepcopy(getattr(self, f.name), memo) for f in fields(self) if f.name != "game"}
        return replace(self, **copied)

    def __getstate__(self) -> dict[str, Any]:
        # A pickled view (sent to another process) leaves the game behind: the match stays here.
        return {**self.__dict__, "game": None}

    def step(self, action: Any):
        raise RuntimeError(f"{self.env_name}: an agent's view of its seat cannot be stepped; "
                           "the harness plays the match (to train, pass a training env to learn())")

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        raise RuntimeError(f"{self.env_name}: an agent's view of its seat cannot be reset; "
                           "the harness plays the match (to train, pass a training env to learn())")


def seat_view(env: Any, agent_id: str, seed: int | None = None, private: bool = True) -> SeatView:
    """The view of `agent_id`'s seat in a PettingZoo env built by `arena.envs.make`.

    With `private` False the view holds the env's own spaces, unseeded: for a harness that only
    reads the seat's name and spaces (to start a sandboxed agent, which builds its own view).
    """
    from arena.envs import spec_of

    spec = spec_of(env)
    raw = env.unwrapped
    own_seed = None if seed is None else seat_seed(seed, raw.possible_agents.index(agent_id))
    if not private:
        return SeatView(spec.name, agent_id, raw.observation_space(agent_id), raw.action_space(agent_id),
                        getattr(raw, "obs_helper", None), getattr(raw, "act_helper", None), dict(spec.options),
                        own_seed, raw)
    view = SeatView(
        env_name=spec.name,
        agent_id=agent_id,
        observation_space=copy.deepcopy(raw.observation_space(agent_id)),
        action_space=copy.deepcopy(raw.action_space(agent_id)),
        obs_helper=getattr(raw, "obs_helper", None),
        act_helper=getattr(raw, "act_helper", None),
        options=dict(spec.options),
        game=raw,
    )
    reseed_view(view, own_seed)
    return view


def seat_seed(seed: int, index: int) -> int:
    """Seat number `index`'s own seed for a game of match seed `seed`, where its agent's randomness
    starts. The match seed also decides what the game hides (snake's next fruit, when and where
    weapons come): an agent gets this one-way child of it, never the match seed itself."""
    return one_way_seed(b"arena seat seed", seed, index)


def reseed_view(view: SeatView, own_seed: int | None) -> None:
    """Seed the spaces of `view` from its seat's seed (`seat_seed`), as `seat_view` does: a view kept
    from an earlier game of the same seat then samples as a new one would."""
    view.seed = own_seed
    if own_seed is not None:
        view.observation_space.seed(derive_seed(own_seed, 0))
        view.action_space.seed(derive_seed(own_seed, 1))
