"""marlenv's envs as the old `gym` package makes them: with its own space classes, which its env
checker (gym 0.24 and later) requires, where Gymnasium's are what arena's envs otherwise carry."""

from __future__ import annotations

from typing import Any

import gymnasium

from arena.compat.marlenv.envs.coop_snake_env import CoopSnakeEnv
from arena.compat.marlenv.envs.graph_snake_env import GraphSnakeEnv
from arena.compat.marlenv.envs.snake_env import SnakeEnv


def snake_env(**options: Any) -> SnakeEnv:
    return with_gym_spaces(SnakeEnv(**of_its_era(options)))


def graph_snake_env(**options: Any) -> GraphSnakeEnv:
    """Its snakes turn whatever the gym: marlenv's graph env came with marlenv's turning snakes."""
    return with_gym_spaces(GraphSnakeEnv(**options))


def coop_snake_env(**options: Any) -> CoopSnakeEnv:
    return with_gym_spaces(CoopSnakeEnv(**of_its_era(options)))


def of_its_era(options: dict[str, Any]) -> dict[str, Any]:
    """`options`, with the five screen directions for snakes made through a gym older than 0.24: code
    that pins one was written for marlenv before 1.0, whose snakes took them (as `make_snake(n_env=...)`
    gives them), unless it names an observer."""
    import gym

    major_minor = tuple(int(part) for part in gym.__version__.split(".")[:2] if part.isdigit())
    return {"observer": "human", **options} if major_minor < (0, 24) else options


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
