"""marlenv's envs as the old `gym` package makes them: with its own space classes, which its env
checker (gym 0.24 and later) requires, where Gymnasium's are what arena's envs otherwise carry.
Through a gym older than 0.24, pinned by code written for marlenv before 1.0, they are that
marlenv's: five screen directions and its spaces listed per snake (`with_first_era_spaces`)."""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np

from arena.compat.marlenv.envs.coop_snake_env import CoopSnakeEnv
from arena.compat.marlenv.envs.graph_snake_env import GraphSnakeEnv
from arena.compat.marlenv.envs.snake_env import SnakeEnv


def snake_env(**options: Any) -> SnakeEnv:
    return of_its_spaces(SnakeEnv(**of_its_era(options)))


def graph_snake_env(**options: Any) -> GraphSnakeEnv:
    """Its snakes turn whatever the gym: marlenv's graph env came with marlenv's turning snakes."""
    return with_gym_spaces(GraphSnakeEnv(**options))


def coop_snake_env(**options: Any) -> CoopSnakeEnv:
    return of_its_spaces(CoopSnakeEnv(**of_its_era(options)))


def first_era() -> bool:
    """Whether the gym installed is older than 0.24: pinned by code written for marlenv before 1.0."""
    import gym

    major_minor = tuple(int(part) for part in gym.__version__.split(".")[:2] if part.isdigit())
    return major_minor < (0, 24)


def of_its_era(options: dict[str, Any]) -> dict[str, Any]:
    """`options`, with the five screen directions in marlenv's first era, whose snakes took them (as
    `make_snake(n_env=...)` gives them), unless it names an observer."""
    return {"observer": "human", **options} if first_era() else options


def of_its_spaces(env: Any) -> Any:
    return with_first_era_spaces(env) if first_era() else with_gym_spaces(env)


def with_first_era_spaces(env: Any) -> Any:
    """`env` with marlenv's spaces from before 1.0, which its users' code reads per snake: one snake's
    Box whose `shape` lists that snake's shape once per snake, and one snake's Discrete whose `n`
    lists its count once per snake (so `sample()` draws an action for each)."""
    import gym

    one = gym.spaces.Box(0, 1, env.core.observation_shape, np.uint8)
    env.observation_space = _with_shape(one, [one.shape] * env.num_snakes)
    env.action_space = gym.spaces.Discrete(len(env.action_dict))
    env.action_space.n = [len(env.action_dict)] * env.num_snakes  # a plain attribute in every gym
    return env


def _with_shape(space: Any, shape: list) -> Any:
    """`space` whose `shape` reads `shape`: set as marlenv set it where that is an attribute (gym before
    0.21), read through a subclass where it became a property."""
    try:
        space.shape = shape
    except AttributeError:
        space.__class__ = type(type(space).__name__, (type(space),), {"shape": property(lambda _: shape)})
    return space


def with_gym_spaces(env: Any) -> Any:
    """`env` with its observation and action spaces as old `gym`'s classes (same bounds, shapes, dtypes)."""
    env.observation_space = gym_space(env.observation_space)
    env.action_space = gym_space(env.action_space)
    return env


def gym_space(space: gymnasium.Space) -> Any:
    import gym

    if isinstance(space, gymnasium.spaces.Box):
        return gym.spaces.Box(space.low, space.high, dtype=space.dtype)
    if isinstance(space, gymnasium.spaces.MultiDiscrete):
        return gym.spaces.MultiDiscrete(space.nvec)
    if isinstance(space, gymnasium.spaces.Discrete):
        return gym.spaces.Discrete(int(space.n))
    raise TypeError(f"no old gym space for {space}")
