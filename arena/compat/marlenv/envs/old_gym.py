"""marlenv's envs as the old `gym` package makes them: with its own space classes, which its env
checker (gym 0.24 and later) requires, where Gymnasium's are what arena's envs otherwise carry."""

from __future__ import annotations

from typing import Any

import gymnasium

from arena.compat.marlenv.envs.coop_snake_env import CoopSnakeEnv
from arena.compat.marlenv.envs.snake_env import SnakeEnv


def snake_env(**options: Any) -> SnakeEnv:
    return with_gym_spaces(SnakeEnv(**options))


def coop_snake_env(**options: Any) -> CoopSnakeEnv:
    return with_gym_spaces(CoopSnakeEnv(**options))


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
