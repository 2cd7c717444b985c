"""marlenv's `wrappers` module: `make_snake`, the single-agent and multi-agent wrappers, the vector env.

    from arena.compat.marlenv.wrappers import make_snake
    env, observation_shape, action_shape, props = make_snake(n_env=64, num_snakes=3, vision_range=5)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Sequence

import numpy as np
from gymnasium import spaces

from arena.compat.marlenv._games import MarlenvGames, SnakeSettings
from arena.compat.marlenv.envs import COOP_ENV_ID, ENV_ID, FORMER_IDS, GRAPH_ENV_ID, CoopSnakeEnv, GraphSnakeEnv
from arena.compat.marlenv.envs.old_gym import gym_space
from arena.compat.marlenv.envs.snake_env import SnakeEnv, grid_rgb, grid_text, marlenv_grid
from arena.envs.snake.vec import AttrDict


class _Wrapper:
    """gym's old `Wrapper`: forwards what it does not define to the env it wraps."""

    def __init__(self, env: SnakeEnv):
        self.env = env
        self.observation_space = env.observation_space
        self.action_space = env.action_space

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "env":
            raise AttributeError(name)
        return getattr(self.env, name)

    @property
    def unwrapped(self) -> SnakeEnv:
        return self.env.unwrapped

    def reset(self, **kwargs: Any):
        return self.env.reset(**kwargs)

    def step(self, action):
        return self.env.step(action)

    def render(self, *args: Any, **kwargs: Any):
        return self.env.render(*args, **kwargs)

    def seed(self, seed=None):
        return self.env.seed(seed)

    def close(self) -> None:
        self.env.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}{self.env!r}>"


class SingleAgent(_Wrapper):
    """The one snake of a one-snake game as a plain gym env: observation (rows, cols, channels), a float
    reward and a bool done. `info` is the game's (marlenv's wrapper drops it; arena keeps it)."""

    def __init__(self, env: SnakeEnv):
        if env.num_snakes != 1:
            raise ValueError(f"arena.compat.marlenv: SingleAgent wraps a one-snake game, this one has {env.num_snakes}")
        super().__init__(env)
        self.action_space = _as_wrapped(spaces.Discrete(len(env.action_dict)), env.action_space)
        self.observation_space = _as_wrapped(env.unwrapped.snake_observation_space(), env.observation_space)

    def reset(self, **kwargs: Any) -> np.ndarray:
        return self.env.reset(**kwargs)[0]

    def step(self, action) -> tuple[np.ndarray, float, bool, dict[str, Any]]:
        observations, rewards, dones, info = self.env.step([action])
        return observations[0], rewards[0], dones[0], info


class SingleMultiAgent(_Wrapper):
    """A game of several snakes with marlenv's per-snake spaces: one action space for each snake."""

    def __init__(self, env: SnakeEnv):
        super().__init__(env)
        self.action_space = _as_wrapped(spaces.Discrete(len(env.action_dict)), env.action_space)
        # marlenv's before 1.0 listed the raw env's shapes per snake; the wrapper's stacks them.
        one = env.unwrapped.snake_observation_space()
        stacked = spaces.Box(0, int(one.high.max()), (env.num_snakes, *one.shape), np.uint8)
        self.observation_space = _as_wrapped(stacked, env.observation_space)


def _as_wrapped(space: spaces.Space, wrapped: Any) -> Any:
    """`space` of the family of the wrapped env's `wrapped` space: old gym's for an env `gym.make` made,
    which gym's own vector envs and checks need."""
    return space if isinstance(wrapped, spaces.Space) else gym_space(space)


class AsyncVectorMultiEnv:
    """Many games stepped together, gym's old vector API; marlenv's name for it.

    The games run in this process as one numpy batch on arena's engine (marlenv ran one process
    per game). `reset()` returns the observations (num_envs, num_snakes, rows, cols, channels), or
    (num_envs, rows, cols, channels) for one-snake games; `step(actions)` takes one action per
    snake per game and returns `(observations, rewards, dones, infos)`: rewards and dones arrays
    shaped like the actions, `infos` a tuple of one dict per game. A game whose snakes are all done
    starts again at once: its row of observations is the new game's first, and its info the one
    that ended. `render()` draws game 0. `single_action_space` is one snake's `Discrete` and
    `single_observation_space` one game's, as marlenv's; `action_space` is a `MultiDiscrete` shaped like
    the actions `step` takes.

    `AsyncVectorMultiEnv(env_fns)` takes functions that make the games (`SnakeEnv`s, wrapped or not,
    all with the same settings) as marlenv's does; `make_snake(n_env=...)` builds one directly.
    """

    def __init__(self, env_fns: Sequence[Callable[[], Any]], **kwargs: Any):
        envs = [fn() for fn in env_fns]
        if not envs:
            raise ValueError("arena.compat.marlenv: AsyncVectorMultiEnv needs at least one env function")
        if any(env.unwrapped.settings != envs[0].unwrapped.settings for env in envs):
            raise ValueError("arena.compat.marlenv: AsyncVectorMultiEnv plays one batch, so its games must share "
                             "their settings; these differ")
        self._setup(envs[0].unwrapped.settings, len(envs), single=isinstance(envs[0], SingleAgent))

    @classmethod
    def from_settings(cls, settings: SnakeSettings, n_env: int, single: bool) -> AsyncVectorMultiEnv:
        env = cls.__new__(cls)
        env._setup(settings, n_env, single)
        return env

    def _setup(self, settings: SnakeSettings, n_env: int, single: bool) -> None:
        self.settings = settings
        self.core = MarlenvGames(settings, n_env)
        self.num_envs = n_env
        self.single = single
        self.closed = False
        n_actions = len(settings.actions)
        one = self.core.observation_shape if single else (settings.num_snakes, *self.core.observation_shape)
        self.single_observation_space = spaces.Box(0, 1, one, np.uint8)
        self.observation_space = spaces.Box(0, 1, (n_env, *one), np.uint8)
        # One snake's, as marlenv's: gym's vector env took its wrapped env's space, and SingleMultiAgent's is
        # one snake's. `action_space` holds an action per snake per game, so that its samples can be stepped.
        self.single_action_space = spaces.Discrete(n_actions)
        self.action_space = spaces.MultiDiscrete(np.full((n_env,) if single else (n_env, settings.num_snakes), n_actions))
        self._actions = None
        self._seeded = False

    def seed(self, seeds: int | Sequence[int | None] | None = None) -> None:
        """An int seeds game `i` with `seeds + i`; a list gives each game its own."""
        if seeds is None or isinstance(seeds, (int, np.integer)):
            seeds = [None if seeds is None else int(seeds) + i for i in range(self.num_envs)]
        self.core.seed(list(seeds))
        self._seeded = True

    def reset(self, seed: int | Sequence[int] | None = None) -> np.ndarray:
        """Every game anew (seeded first when `seed` is given). Until the env is seeded, its games are drawn
        from numpy's global generator, as `SnakeEnv`'s and marlenv's: `np.random.seed(s)` repeats them."""
        if seed is not None:
            self.seed(seed)
        elif not self._seeded:
            self.core.seed([int(np.random.randint(2**31)) for _ in range(self.num_envs)])
        return self._shaped(self.core.restart(np.ones(self.num_envs, bool)).copy())

    def step_async(self, actions) -> None:
        self._actions = actions

    def step_wait(self):
        actions, self._actions = self._actions, None
        if actions is None:
            raise RuntimeError("arena.compat.marlenv: step_wait() without step_async()")
        return self.step(actions)

    def step(self, actions) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[dict[str, Any], ...]]:
        rewards, dones, infos = self.core.step(actions)
        over = dones.all(1)
        observations = self.core.restart(over) if over.any() else self.core.observe()
        return self._shaped(observations.copy()), self._shaped(rewards), self._shaped(dones), tuple(infos)

    def _shaped(self, values: np.ndarray) -> np.ndarray:
        return values[:, 0] if self.single else values

    def render(self, *args: Any, **kwargs: Any) -> np.ndarray:
        """Game 0 as an rgb array, whatever mode is asked for (as marlenv's)."""
        return grid_rgb(self.core.games)

    def text(self, index: int = 0) -> str:
        """Game `index` as text, in the characters of marlenv's render("ascii")."""
        return grid_text(marlenv_grid(self.core.games, index))

    def close(self, **kwargs: Any) -> None:
        self.closed = True

    def __len__(self) -> int:
        return self.num_envs

    def __repr__(self) -> str:
        return f"AsyncVectorMultiEnv({self.num_envs})"


# What gym.make itself takes, which marlenv's make_snake passes on to it: the env checker and order
# enforcement (arena's games need neither), the old step API's compatibility layer.
GYM_MAKE_KEYWORDS = ("disable_env_checker", "order_enforce", "apply_api_compatibility")


def make_snake(n_env: int | None = None, num_snakes: int = 4, env_id: str = ENV_ID, **kwargs: Any):
    """marlenv's factory: `(env, observation_shape, action_shape, props)` for `Snake-v1` games, or
    `SnakeCoop-v1` ones with `env_id="SnakeCoop-v1"` (a game over for all once a snake is done), or one
    `SnakeGraph-v1` game (five rays per live snake, `num_envs=1`). Their names before marlenv 1.0,
    `CoopSnake-v1` and `GraphSnake-v1`, make the same games, and `id=` is taken for `env_id`, as then.

    `env` is a `SingleAgent` (one snake) or `SingleMultiAgent` (several) env, or an
    `AsyncVectorMultiEnv` of `n_env` games when `n_env > 1` (`num_envs` is accepted for `n_env`);
    `observation_shape` is one snake's (rows, cols, channels) and `action_shape` `(n_actions,)`.
    `props` reads as a dict or by attribute: `high`, `low` (arrays of the env's observation shape),
    `n_env` (also as `num_envs`), `num_snakes`, `reorder` (True: channels-last observations for a
    channels-first network), `discrete` and `action_info` (`{"action_n": n}`). The other keywords
    are `SnakeEnv`'s, or gym.make's own (`GYM_MAKE_KEYWORDS`, taken without effect); unknown ones warn
    (marlenv drops them silently).

    Code that names the games `n_env` was written for marlenv before 1.0, whose snakes take the five
    screen directions: its snakes do (`observer="human"`) unless it names an observer; with
    `num_envs`, or neither, they turn (`observer="snake"`), as in marlenv 1.0.
    """
    if n_env is not None:
        kwargs.setdefault("observer", "human")
    if "num_envs" in kwargs:
        num_envs = kwargs.pop("num_envs")
        if n_env not in (None, 1, num_envs):
            raise ValueError(f"arena.compat.marlenv: make_snake got n_env={n_env} and num_envs={num_envs}; give one")
        n_env = num_envs
    n_env = 1 if n_env is None else n_env
    env_id = kwargs.pop("id", env_id)
    env_id = FORMER_IDS.get(env_id, env_id)
    for keyword in GYM_MAKE_KEYWORDS:  # marlenv hands them to gym.make (1.0's own tests must pass one); no checker here
        kwargs.pop(keyword, None)
    if env_id not in (ENV_ID, COOP_ENV_ID, GRAPH_ENV_ID):
        raise ValueError(f"arena.compat.marlenv: make_snake makes {ENV_ID!r}, {COOP_ENV_ID!r} and {GRAPH_ENV_ID!r} "
                         f"games, got {env_id!r}")
    if int(n_env) < 1:
        raise ValueError(f"arena.compat.marlenv: n_env must be at least 1, got {n_env}")
    n_env = int(n_env)
    settings = replace(SnakeSettings.parse(num_snakes=num_snakes, stacklevel=3, game=env_id, **kwargs),
                       team=env_id == COOP_ENV_ID)
    single = settings.num_snakes == 1
    wrapper = SingleAgent if single else SingleMultiAgent
    if env_id == GRAPH_ENV_ID and n_env > 1:
        # The batch observes grids; marlenv's vector env could not batch the rays either (its buffers are grids).
        raise ValueError(f"arena.compat.marlenv: make_snake makes one game of {GRAPH_ENV_ID!r} (num_envs=1), "
                         f"got {n_env}")
    game = GraphSnakeEnv if env_id == GRAPH_ENV_ID else CoopSnakeEnv if settings.team else SnakeEnv
    one = wrapper(game.from_settings(settings))
    env = AsyncVectorMultiEnv.from_settings(settings, n_env, single) if n_env > 1 else one
    space = one.observation_space
    observation_shape = space.shape if single else space.shape[1:]
    n_actions = int(one.action_space.n)
    props = AttrDict(high=space.high, low=space.low, n_env=n_env, num_envs=n_env, num_snakes=settings.num_snakes,
                     reorder=True, discrete=True, action_info={"action_n": n_actions})
    return env, tuple(observation_shape), (n_actions,), props


__all__ = ["AsyncVectorMultiEnv", "AttrDict", "SingleAgent", "SingleMultiAgent", "make_snake"]
