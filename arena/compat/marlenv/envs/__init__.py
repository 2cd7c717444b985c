"""Registers marlenv's `Snake-v1` with Gymnasium (and with the old `gym` package, when it is installed).

`gymnasium.make("Snake-v1", num_snakes=2)` returns the `SnakeEnv` itself, marlenv's API unwrapped:
no checker and no order enforcing, which expect Gymnasium's five-value `step`.
"""

from __future__ import annotations

from arena.compat.marlenv.envs.snake_env import SnakeEnv

ENV_ID = "Snake-v1"
ENTRY_POINT = "arena.compat.marlenv.envs.snake_env:SnakeEnv"


def register() -> None:
    import gymnasium

    if ENV_ID not in gymnasium.registry:
        gymnasium.register(ENV_ID, entry_point=ENTRY_POINT, disable_env_checker=True, order_enforce=False)
    try:
        import gym
    except Exception:  # noqa: BLE001  (not installed, or an old gym that fails to import on this Python)
        return
    try:
        registry = gym.envs.registration.registry
        known = registry.env_specs if hasattr(registry, "env_specs") else registry
        if ENV_ID not in known:
            try:  # gym 0.24 and later check spaces and call order, expecting their own classes
                gym.envs.registration.register(id=ENV_ID, entry_point=ENTRY_POINT, disable_env_checker=True,
                                               order_enforce=False)
            except TypeError:
                gym.envs.registration.register(id=ENV_ID, entry_point=ENTRY_POINT)
    except Exception:  # noqa: BLE001  (a gym whose registry works otherwise: Gymnasium's still stands)
        return


register()

__all__ = ["ENV_ID", "SnakeEnv", "register"]
