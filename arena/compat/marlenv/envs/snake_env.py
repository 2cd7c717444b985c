"""marlenv's `Snake-v1` env class, `SnakeEnv`, on arena's snake engine (see `help(arena.compat.marlenv)`)."""

from __future__ import annotations

import datetime
import os
import warnings
from collections import deque
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from arena.compat.marlenv._games import (DEFAULT_REWARD_DICT, HUMAN_ACTIONS, MAX_EPISODE_STEPS, REWARD_KEYS,
                                         MarlenvGames, SnakeSettings)
from arena.compat.marlenv.core.snake import SnakeView
from arena.envs.snake.engine import SnakeGames
from arena.envs.snake.picture import COLORS

EMPTY_RGB, WALL_RGB, FRUIT_RGB = (0, 0, 0), (90, 96, 110), (225, 60, 60)
GIF_SIZE = 300  # pixels along the longer side of a frame kept by render("gif")
# marlenv's cell codes; a snake's head, body and tail cells add 10 times its index.
EMPTY, WALL, FRUIT, HEAD, BODY, TAIL = range(6)
ASCII = np.array(list(".#oHbt"))  # render("ascii")'s character for each code (mod 10), as marlenv's
# reset()'s `options` when none is passed: only Gymnasium's wrappers pass it (None included), expecting its API.
NOT_GIVEN: Any = object()


def _episode_figure(name: str) -> property:
    """marlenv's `epi_<figure>`: each snake's running episode figure, as `MarlenvGames` keeps it (a copy)."""
    return property(lambda env: getattr(env.core, name)[0].copy(),
                    doc=f"Each snake's episode {name} so far, as marlenv counts them (a float array, one per snake).")


class SnakeEnv(gymnasium.Env):
    """`num_snakes` snakes on a `height` x `width` grid whose outer ring is wall; marlenv's API.

    `reset()` returns every snake's observation, an array (num_snakes, rows, cols, 8 * frame_stack)
    of uint8; `step(actions)` takes one action per snake (an int when there is one snake) and
    returns `(observations, rewards, dones, info)`, rewards and dones as lists with one entry per
    snake, and `info` empty until the step that ends the game (see `help(arena.compat.marlenv)`).
    """

    metadata = {"render_modes": ["rgb_array", "ascii", "gif"]}
    default_action_dict = HUMAN_ACTIONS
    action_angle_dict = {0: 0.0, 1: np.pi / 2, 2: -np.pi / 2}
    default_reward_dict = DEFAULT_REWARD_DICT
    reward_keys = DEFAULT_REWARD_DICT.keys()
    max_episode_steps = MAX_EPISODE_STEPS
    env_id = "Snake-v1"  # as registered with Gymnasium

    def __init__(self, height=20, width=20, num_snakes=4, snake_length=3, vision_range=None, frame_stack=1,
                 observer="snake", *args, **kwargs):
        settings = SnakeSettings.parse(height, width, num_snakes, snake_length, vision_range, frame_stack, observer,
                                       *args, game=self.env_id, **kwargs)
        self._setup(settings)

    @classmethod
    def from_settings(cls, settings: SnakeSettings) -> SnakeEnv:
        env = cls.__new__(cls)
        env._setup(settings)
        return env

    def _setup(self, settings: SnakeSettings) -> None:
        self.settings = settings
        self.core = MarlenvGames(settings, 1)
        # marlenv's attributes, which its wrappers (and code written for them) read.
        self.num_snakes = settings.num_snakes
        self.grid_shape = (settings.height, settings.width)
        self.snake_length = settings.snake_length
        self.vision_range = settings.vision_range
        self.frame_stack = settings.frame_stack
        self.observer = settings.observer
        self.reward_dict = dict(settings.reward_dict)
        self.num_fruits = settings.num_fruits
        self.max_episode_steps = settings.max_episode_steps
        # marlenv's: each turn's angle, which subclasses add to a heading's (GraphSnakeEnv's rays), or the
        # names of the screen directions; one entry per action either way.
        self.action_dict = dict(self.action_angle_dict) if settings.observer == "snake" else dict(HUMAN_ACTIONS)
        self.low, self.high = 0, 1
        self.image_obs = False
        self.obs_ch = self.core.observation_shape[-1]
        self.observation_space = spaces.Box(0, 1, (self.num_snakes, *self.core.observation_shape), np.uint8)
        self.action_space = spaces.MultiDiscrete([len(self.action_dict)] * self.num_snakes)
        self.frame_buffer: list[np.ndarray] = []
        self._frames: deque = deque(maxlen=self.frame_stack)  # an overriding `_encode`'s frames
        self._seeded = False

    def snake_observation_space(self) -> spaces.Box:
        """One snake's observation space, which the wrappers declare (arena's; marlenv has none)."""
        return spaces.Box(0, 1, self.core.observation_shape, np.uint8)

    def seed(self, seed: int | None = 42) -> list[int | None]:
        """Seed the spawns and fruit of the games to come."""
        self.core.seed([seed])
        self._seeded = True
        return [seed]

    def reset(self, seed: int | None = None, options: Any = NOT_GIVEN) -> np.ndarray:
        """A new game (seeded first when `seed` is given); every snake's first observation.

        Until the env is seeded, each game is drawn from numpy's global generator, as marlenv draws
        its games: `np.random.seed(s)` before `reset()` repeats one. `options` is Gymnasium's, passed
        only by its wrappers, whose API this env does not have: TypeError, saying where a step limit goes."""
        if options is not NOT_GIVEN:
            raise TypeError(self._under_gymnasium_wrapper())
        if seed is not None:
            self.seed(seed)
        elif not self._seeded:
            self.core.seed([int(np.random.randint(2**31))])
        self.frame_buffer = []
        self.core.restart(np.ones(1, bool))
        return np.array(self._init_obs(), dtype=np.uint8)

    def step(self, actions) -> tuple[np.ndarray, list[float], list[bool], dict[str, Any]]:
        # One snake's action on its own; np.ndim would build an array of a list mixing ints and arrays
        if np.isscalar(actions) or getattr(actions, "ndim", None) == 0:
            actions = [actions]
        if len(actions) != self.num_snakes:
            raise ValueError(f"arena.compat.marlenv: step() takes one action per snake ({self.num_snakes}), "
                             f"got {len(actions)}")
        rewards, dones, infos = self.core.step([list(np.ravel(a)) for a in actions], game_over=self._done_fn)
        return np.array(self._get_obs(), dtype=np.uint8), rewards[0].tolist(), dones[0].tolist(), infos[0]

    def _under_gymnasium_wrapper(self) -> str:
        name = type(self).__name__
        return (f"arena.compat.marlenv: {name}.reset() got Gymnasium's `options`, which only a Gymnasium wrapper "
                f"passes, but {name} keeps marlenv's API (reset() returns the observations, step() four values). "
                f"gymnasium.make({self.env_id!r}, ..., max_episode_steps=N) adds Gymnasium's TimeLimit, which needs "
                f"a five-value step(); give the limit to the env itself: {name}(..., max_episode_steps=N) or "
                f"make_snake(..., env_id={self.env_id!r}, max_episode_steps=N)")

    # marlenv's hooks. The engine's own view serves unless a subclass encodes frames itself.

    def _init_obs(self) -> Any:
        """Every snake's first observation of a game, its first frame repeated `frame_stack` times."""
        if not self._encodes_frames():
            return self.core.vision.stack[0]
        frame = self._encode(self.grid, vision_range=self.vision_range)
        self._frames = deque([frame] * self.frame_stack, maxlen=self.frame_stack)
        return self._stacked_frames()

    def _get_obs(self) -> Any:
        """Every snake's observation after a step: the new frame last, the oldest dropped."""
        if not self._encodes_frames():
            return self.core.observe()[0]
        self._frames.append(self._encode(self.grid, vision_range=self.vision_range))
        return self._stacked_frames()

    def _encode(self, obs: np.ndarray, vision_range: int | None = None) -> list[np.ndarray]:
        """One frame per snake from `obs`, a grid in marlenv's cell codes: (rows, cols, 8) float arrays."""
        return encode_grid(obs, self.num_snakes, vision_range)

    def _done_fn(self, dones: list[bool]) -> bool:
        """Whether the game is over, given each snake's done: once every snake is."""
        return all(dones)

    def _encodes_frames(self) -> bool:
        return type(self)._encode is not SnakeEnv._encode

    def _stacked_frames(self) -> list[np.ndarray]:
        return [np.concatenate(frames, axis=-1) for frames in zip(*self._frames)]

    # marlenv's game state, read from the engine: what a subclass may read (see help(arena.compat.marlenv)).

    @property
    def snakes(self) -> list[SnakeView]:
        """Every snake, dead ones too, as marlenv's `Snake`s: `idx`, `alive`, `head_coord`, `tail_coord`,
        `direction`, `coords` (head to tail) and `len()`, in the grid's coordinates (walls included)."""
        return [SnakeView(self.core.games, 0, i) for i in range(self.num_snakes)]

    @property
    def alive_snakes(self) -> int:
        """How many snakes are alive."""
        return int(self.core.games.alive[0].sum())

    @property
    def episode_length(self) -> int:
        """Steps played since `reset()`."""
        return int(self.core.games.steps[0])

    epi_scores = _episode_figure("scores")
    epi_steps = _episode_figure("steps")
    epi_fruits = _episode_figure("fruits")
    epi_kills = _episode_figure("kills")

    @property
    def grid(self) -> np.ndarray:
        """The board as marlenv's `grid`, walls included: `EMPTY`, `WALL`, `FRUIT`, or `HEAD`, `BODY`,
        `TAIL` plus 10 times the snake's index (a dead snake leaves the board)."""
        return marlenv_grid(self.core.games)

    def render(self, mode: str = "ascii"):
        """"rgb_array": the grid as an (height, width, 3) uint8 image, one pixel a cell; "ascii": print the
        grid as text; "gif": keep the frame for `save_gif`."""
        if mode == "rgb_array":
            return grid_rgb(self.core.games)
        if mode == "ascii":
            print(grid_text(self.grid))
            return None
        if mode == "gif":
            frame = grid_rgb(self.core.games)
            scale = max(GIF_SIZE // max(frame.shape[:2]), 1)
            self.frame_buffer.append(np.repeat(np.repeat(frame, scale, 0), scale, 1))
            return None
        if mode == "human":
            return None  # marlenv draws nothing for "human" either
        raise ValueError(f"arena.compat.marlenv: render mode must be 'rgb_array', 'ascii' or 'gif', got {mode!r}")

    def save_gif(self, fp=None):
        """Write the frames kept by `render("gif")` as a GIF to `fp`, a path (any name) or a file object
        (default ./tmp/<time>.gif); returns `fp`."""
        if fp is None:
            os.makedirs("tmp", exist_ok=True)
            fp = os.path.join(os.getcwd(), "tmp", datetime.datetime.now().strftime("%Y%m%d%H%M%S") + ".gif")
        if not self.frame_buffer:
            warnings.warn("arena.compat.marlenv: no frames to save; call render('gif') each step first", stacklevel=2)
            return fp
        from PIL import Image

        print(f"Saving image to {fp}")
        first, *rest = (Image.fromarray(frame) for frame in self.frame_buffer)
        first.save(fp, save_all=True, append_images=rest, format="GIF", loop=0)
        return fp

    def close(self) -> None:
        """Nothing to release."""


def grid_rgb(games: SnakeGames, index: int = 0) -> np.ndarray:
    """Game `index` of a batch as marlenv draws it: one pixel a cell, the ring of walls included."""
    rules = games.rules
    image = np.zeros((rules.height + 2, rules.width + 2, 3), np.uint8)
    image[:] = WALL_RGB
    inner = image[1:-1, 1:-1]
    inner[:] = EMPTY_RGB
    inner[games.fruit[index]] = FRUIT_RGB
    owner = games.owner[index]
    palette = np.array([EMPTY_RGB, *COLORS[:rules.num_snakes]], np.uint8)
    snake = owner > 0
    inner[snake] = palette[owner[snake]]
    for i in np.flatnonzero(games.alive[index]):  # heads a shade lighter
        r, c = games.head[index, i]
        inner[r, c] = (palette[i + 1].astype(int) + 255) // 2
    return image


def marlenv_grid(games: SnakeGames, index: int = 0) -> np.ndarray:
    """Game `index` of a batch in marlenv's cell codes, the ring of walls included (see `SnakeEnv.grid`)."""
    rules = games.rules
    grid = np.full((rules.height + 2, rules.width + 2), WALL, np.int64)
    inner = grid[1:-1, 1:-1]
    inner[:] = np.where(games.fruit[index], FRUIT, EMPTY)
    owner, life = games.owner[index], games.life[index]
    snake = owner > 0
    # A tail is the cell a snake leaves next (one step of life left); a head covers a one-cell snake's.
    part = np.where(life == 1, TAIL, BODY)
    inner[snake] = (10 * (owner.astype(np.int64) - 1) + part)[snake]
    for i in np.flatnonzero(games.alive[index]):
        inner[tuple(games.head[index, i])] = 10 * i + HEAD
    return grid


def encode_grid(grid: np.ndarray, num_snakes: int, vision_range: int | None = None) -> list[np.ndarray]:
    """marlenv's eight planes (`MARLENV_PLANES`) for each snake from a grid of its cell codes; with
    `vision_range`, a (2 * vision_range + 1) square around the snake's head, blank past the grid (a
    dead snake's around the grid's top-left corner)."""
    code, owner = grid % 10, grid // 10
    snake_part = code >= HEAD
    frames = []
    for i in range(num_snakes):
        own, other = snake_part & (owner == i), snake_part & (owner != i)
        parts = [code == part for part in (HEAD, BODY, TAIL)]
        planes = [code == WALL, code == FRUIT, *(other & p for p in parts), *(own & p for p in parts)]
        frame = np.stack(planes, -1).astype(np.float32)
        if vision_range:
            head = np.unravel_index(np.argmax(frame[..., 5]), grid.shape)
            padded = np.pad(frame, ((vision_range, vision_range), (vision_range, vision_range), (0, 0)))
            frame = padded[head[0]:head[0] + 2 * vision_range + 1, head[1]:head[1] + 2 * vision_range + 1]
        frames.append(frame)
    return frames


def grid_text(grid: np.ndarray) -> str:
    """A marlenv grid as its render("ascii") prints it: one character a cell, every snake drawn alike."""
    return "\n".join("".join(row) for row in ASCII[grid % 10])


__all__ = ["REWARD_KEYS", "SnakeEnv", "encode_grid", "grid_rgb", "grid_text", "marlenv_grid"]
