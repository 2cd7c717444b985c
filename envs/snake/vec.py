"""Many snake games stepped together in numpy, for training one policy per seat on batches (as marlenv's vector env).

    vec = SnakeVecEnv(n_envs=64, num_snakes=4)
    obs, infos = vec.reset(seed=0)                 # obs: (64, 4, 11, 11, 6) uint8
    obs, rewards, terminations, truncations, infos = vec.step(actions)   # actions: (64, 4) ints

Game `i` of `reset(seed=s)` plays exactly like `arena.envs.make("snake", ...)` reset with seed
`s + i` and given the same actions, and its later games like that env's later resets.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from gymnasium import spaces

from arena.envs.snake.engine import SnakeGames
from arena.envs.snake.rules import SnakeRules, reward_weights
from arena.envs.snake.vision import Vision


class SnakeVecEnv:
    """`n_envs` independent snake games with the options of `arena.envs.make("snake")`, auto-reset.

    `step` returns arrays of shape (n_envs, num_agents), observations with the observation's
    shape added. A snake's `terminations` is True in the step it dies or its game ends by
    elimination, its `truncations` when the game reaches `max_steps`. `infos` holds arrays:

    - `active`: the snakes alive when the step began; the others' rows are padding, skip them;
    - `done` (n_envs,): the games that ended this step and were started again: their rows of
      observations are the new games' first ones, and `final_observation` holds their last ones,
      (games that ended, num_agents, ...) in game order;
    - `length`, `kills`: each snake's, before any restart.
    """

    def __init__(self, n_envs: int = 64, num_snakes: int = 4, height: int = 20, width: int = 20,
                 snake_length: int = 3, num_fruits: int = 4, vision_range: int | None = 5, frame_stack: int = 1,
                 reward_dict: Mapping[str, float] | None = None, max_steps: int = 1000):
        if n_envs < 1:
            raise ValueError(f"SnakeVecEnv: n_envs must be at least 1, got {n_envs}")
        self.rules = SnakeRules(num_snakes, height, width, snake_length, num_fruits, max_steps, reward_weights(reward_dict))
        self.n_envs = n_envs
        self.num_agents = num_snakes
        self.games = SnakeGames(n_envs, self.rules)
        self.vision = Vision(self.games, vision_range, frame_stack)
        self.observation_space = spaces.Box(0, 1, self.vision.shape, np.uint8)
        self.action_space = spaces.Discrete(3)

    @property
    def num_envs(self) -> int:
        """`n_envs`, by the name marlenv's and stable-baselines3's vector envs give it."""
        return self.n_envs

    def reset(self, seed: int | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Start every game; with `seed`, game `i` draws from a generator seeded with `seed + i`."""
        if seed is not None:
            self.games.rngs = [np.random.default_rng(seed + i) for i in range(self.n_envs)]
        self.games.reset_games(range(self.n_envs))
        return self.vision.push(np.ones(self.n_envs, bool)).copy(), self._infos()

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Move every snake of every game: `actions` are ints 0..2 of shape (n_envs, num_agents)."""
        actions = np.asarray(actions, np.int64)
        if actions.shape != (self.n_envs, self.num_agents) or actions.min() < 0 or actions.max() > 2:
            raise ValueError(f"SnakeVecEnv.step: actions must be ints 0..2 of shape {(self.n_envs, self.num_agents)}, "
                             f"got shape {actions.shape}")
        active = self.games.alive.copy()
        outcome = self.games.step(actions)
        done = outcome.ended | outcome.truncated
        terminations = outcome.died | (outcome.moved & outcome.ended[:, None])
        truncations = outcome.moved & outcome.truncated[:, None]
        infos = self._infos()
        infos["active"] = active
        infos["done"] = done
        if done.any():
            infos["final_observation"] = self.vision.peek(done)
            self.games.reset_games(np.flatnonzero(done))
        observations = self.vision.push(done)
        return observations.copy(), outcome.rewards, terminations, truncations, infos

    def _infos(self) -> dict[str, Any]:
        return {"length": self.games.length.copy(), "kills": self.games.kills.copy()}

    def close(self) -> None:
        """Nothing to release; here for the vector-env interface."""


class AttrDict(dict):
    """A dict whose keys read and write as attributes too (`props.n_env`), nested dicts included, as EasyDict."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for key, value in self.items():
            if isinstance(value, dict) and not isinstance(value, AttrDict):
                self[key] = AttrDict(value)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value


def make_snake(n_env: int | None = None, num_snakes: int = 4, *, num_envs: int | None = None, **kwargs: Any):
    """`(env, observation_shape, action_shape, properties)` for a `SnakeVecEnv` of `n_env` games (or
    `num_envs`, marlenv 1.0's name for it; 1 without either), in the shape of marlenv's factory.

    Observations are (rows, cols, channels), so `properties.reorder` is True for
    channels-first (PyTorch) models, as in marlenv. The env is arena's (Gymnasium-style returns,
    arena's observation and rules); `arena.compat.marlenv.wrappers.make_snake` is marlenv's own.
    """
    if n_env is not None and num_envs is not None and n_env != num_envs:
        raise ValueError(f"make_snake got n_env={n_env} and num_envs={num_envs}; give one")
    n_env = n_env if n_env is not None else num_envs if num_envs is not None else 1
    env = SnakeVecEnv(n_envs=n_env, num_snakes=num_snakes, **kwargs)
    n_actions = int(env.action_space.n)
    properties = AttrDict(high=env.observation_space.high, low=env.observation_space.low, n_env=n_env,
                          num_envs=n_env, num_snakes=num_snakes, reorder=True, discrete=True,
                          action_info={"action_n": n_actions})
    return env, env.observation_space.shape, (n_actions,), properties
