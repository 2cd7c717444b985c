"""Registers marlenv's `Snake-v1`, `SnakeGraph-v1` and `SnakeCoop-v1` with Gymnasium (and with the old `gym`
package, when it is installed), and the graph and coop games by their names before marlenv 1.0 too
(`GraphSnake-v1`, `CoopSnake-v1`).

`gymnasium.make("Snake-v1", num_snakes=2)` returns the `SnakeEnv` itself, marlenv's API unwrapped:
no checker and no order enforcing, which expect Gymnasium's five-value `step`.
"""

from __future__ import annotations

from arena.compat.marlenv.envs.coop_snake_env import CoopSnakeEnv
from arena.compat.marlenv.envs.graph_snake_env import GraphSnakeEnv
from arena.compat.marlenv.envs.snake_env import SnakeEnv

ENV_ID, GRAPH_ENV_ID, COOP_ENV_ID = SnakeEnv.env_id, GraphSnakeEnv.env_id, CoopSnakeEnv.env_id
# The names marlenv gave the graph and coop games before 1.0 (code and tests of the time make them by these).
FORMER_IDS = {"GraphSnake-v1": GRAPH_ENV_ID, "CoopSnake-v1": COOP_ENV_ID}
_ENTRY_POINTS = {ENV_ID: "arena.compat.marlenv.envs.snake_env:SnakeEnv",
                 GRAPH_ENV_ID: "arena.compat.marlenv.envs.graph_snake_env:GraphSnakeEnv",
                 COOP_ENV_ID: "arena.compat.marlenv.envs.coop_snake_env:CoopSnakeEnv"}
_OLD_GYM_ENTRY_POINTS = {ENV_ID: "arena.compat.marlenv.envs.old_gym:snake_env",  # with gym's space classes
                         GRAPH_ENV_ID: "arena.compat.marlenv.envs.old_gym:graph_snake_env",
                         COOP_ENV_ID: "arena.compat.marlenv.envs.old_gym:coop_snake_env"}
ENTRY_POINTS = {**_ENTRY_POINTS, **{old: _ENTRY_POINTS[new] for old, new in FORMER_IDS.items()}}
OLD_GYM_ENTRY_POINTS = {**_OLD_GYM_ENTRY_POINTS, **{old: _OLD_GYM_ENTRY_POINTS[new] for old, new in FORMER_IDS.items()}}


def register() -> None:
    import gymnasium

    for env_id, entry_point in ENTRY_POINTS.items():
        if env_id not in gymnasium.registry:
            gymnasium.register(env_id, entry_point=entry_point, disable_env_checker=True, order_enforce=False)
    try:
        import gym
    except Exception:  # noqa: BLE001  (not installed, or an old gym that fails to import on this Python)
        return
    try:
        registry = gym.envs.registration.registry
        known = registry.env_specs if hasattr(registry, "env_specs") else registry
        for env_id, entry_point in OLD_GYM_ENTRY_POINTS.items():
            if env_id in known:
                continue
            try:  # gym 0.25 and later check spaces and call order: not marlenv's API
                gym.envs.registration.register(id=env_id, entry_point=entry_point, disable_env_checker=True,
                                               order_enforce=False)
            except TypeError:  # gym 0.24 always checks, and spaces must be its own (as they are here)
                try:
                    gym.envs.registration.register(id=env_id, entry_point=entry_point, order_enforce=False)
                except TypeError:  # older still: no checker, no order enforcing
                    gym.envs.registration.register(id=env_id, entry_point=entry_point)
    except Exception:  # noqa: BLE001  (a gym whose registry works otherwise: Gymnasium's still stands)
        return


register()

__all__ = ["COOP_ENV_ID", "ENV_ID", "FORMER_IDS", "GRAPH_ENV_ID", "CoopSnakeEnv", "GraphSnakeEnv", "SnakeEnv", "register"]
