"""PettingZoo's three module-level constructors for a simultaneous-move game.

PettingZoo's own Parallel envs expose, at module level:

- `parallel_env(**options)`: the game as a Parallel env (all agents act at once);
- `raw_env(**options)`: the same game as an AEC env, agents acting one after another and the
  game stepping when the last of them has (PettingZoo's `parallel_to_aec`);
- `env(**options)`: `raw_env` with PettingZoo's checks (actions inside their space, calls in order).

Tools built on those conventions (PettingZoo's `max_cycles_test`, SuperSuit, training
libraries) call them with `max_cycles`, the number of steps after which every agent is
truncated; each game maps it onto its own step-limit option (`max_steps`, `max_timesteps`).
`arena.envs.make(name)` builds the Parallel env itself, with the game's own option names.
"""

from __future__ import annotations

from typing import Any, Callable

from pettingzoo import AECEnv, ParallelEnv
from pettingzoo.utils import wrappers
from pettingzoo.utils.conversions import parallel_to_aec

__all__ = ["parallel_constructors"]


def parallel_constructors(game: type[ParallelEnv], step_limit: str, module: str
                          ) -> tuple[Callable[..., ParallelEnv], Callable[..., AECEnv], Callable[..., AECEnv]]:
    """`(parallel_env, raw_env, env)` for the Parallel env class `game`, defined in `module`.

    `step_limit` names the option of `game` that `max_cycles` sets. `parallel_env.game` is
    `game` (the class the registry builds and reads metadata from).
    """

    def parallel_env(max_cycles: int | None = None, **options: Any) -> ParallelEnv:
        if max_cycles is not None:
            if options.get(step_limit, max_cycles) != max_cycles:
                raise ValueError(f"{game.metadata['name']}: max_cycles ({max_cycles}) sets {step_limit}, "
                                 f"which was also given as {options[step_limit]}; pass one of them")
            options[step_limit] = max_cycles
        return game(**options)

    def raw_env(**options: Any) -> AECEnv:
        return parallel_to_aec(parallel_env(**options))

    def env(**options: Any) -> AECEnv:
        return wrappers.OrderEnforcingWrapper(wrappers.AssertOutOfBoundsWrapper(raw_env(**options)))

    name = game.metadata["name"]
    parallel_env.__doc__ = (f"{name} as a PettingZoo Parallel env; `max_cycles` sets `{step_limit}`, "
                            f"other options are {game.__name__}'s.")
    raw_env.__doc__ = f"{name} as a PettingZoo AEC env (agents act in turn; the game steps after the last)."
    env.__doc__ = f"{name} as a PettingZoo AEC env with PettingZoo's action-bounds and call-order checks."
    for function in (parallel_env, raw_env, env):
        function.__module__, function.__qualname__ = module, function.__name__  # picklable by reference
    parallel_env.game = game  # type: ignore[attr-defined]
    return parallel_env, raw_env, env
