"""marlenv's snake rules on arena's batch engine: settings, actions, rewards, episode figures.

`SnakeSettings.parse` reads marlenv's keywords (warning about the ones it does not know, which
marlenv drops silently); `MarlenvGames` plays `n` games of those settings at once on
`arena.envs.snake.engine.SnakeGames`, seen through `Vision(..., layout="marlenv")`, and keeps each
snake's episode figures as marlenv counts them. The env classes (`envs.snake_env`, `wrappers`)
only shape what it returns.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from arena.envs.snake.engine import SnakeGames
from arena.envs.snake.rules import SnakeRules
from arena.envs.snake.vision import Vision

REWARD_KEYS = ("fruit", "kill", "lose", "win", "time")
DEFAULT_REWARD_DICT = {"fruit": 1.0, "kill": 0.0, "lose": 0.0, "win": 0.0, "time": 0.0}
MAX_EPISODE_STEPS = 1e4
# observer "snake": turns relative to the heading; "human": the four directions of the screen.
SNAKE_ACTIONS = {"noop": 0, "left": 1, "right": 2}
HUMAN_ACTIONS = {"noop": 0, "left": 1, "right": 2, "down": 3, "up": 4}
OBSERVERS = {"snake": SNAKE_ACTIONS, "human": HUMAN_ACTIONS}
KEYWORDS = ("height", "width", "num_snakes", "snake_length", "vision_range", "frame_stack", "observer",
            "reward_dict", "num_fruits", "max_episode_steps")
# Engine headings run clockwise from up; "human" action -> heading it asks for (noop asks for none).
_HUMAN_HEADING = np.array([-1, 3, 1, 2, 0])
_TURN_FOR = np.array([0, 2, 0, 1])  # heading change (mod 4) -> engine action: keep, right, (never), left


class UnknownOptionWarning(UserWarning):
    """A keyword that marlenv's snake would have ignored without a word; arena ignores it with one."""


@dataclass(frozen=True)
class SnakeSettings:
    """One `Snake-v1` game's settings, in marlenv's terms (the grid's height and width count the walls)."""

    height: int = 20
    width: int = 20
    num_snakes: int = 4
    snake_length: int = 3
    vision_range: int | None = None
    frame_stack: int = 1
    observer: str = "snake"
    reward_dict: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_REWARD_DICT))
    num_fruits: int = 3
    max_episode_steps: float = MAX_EPISODE_STEPS
    team: bool = False  # SnakeCoop-v1's: the game is over for every snake once one is done

    @classmethod
    def parse(cls, height=20, width=20, num_snakes=4, snake_length=3, vision_range=None, frame_stack=1,
              observer="snake", *args, stacklevel: int = 3, game: str = "Snake-v1", **kwargs: Any) -> SnakeSettings:
        """marlenv's `SnakeEnv(...)` arguments; `reward_dict`, `num_fruits` and `max_episode_steps` come as keywords.
        Unknown ones are warned of as ignored by `game`, the env id they were given to."""
        reward_dict = kwargs.pop("reward_dict", None)
        num_fruits = kwargs.pop("num_fruits", None)
        max_episode_steps = kwargs.pop("max_episode_steps", MAX_EPISODE_STEPS)
        if args or kwargs:
            ignored = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
            warnings.warn(f"arena.compat.marlenv: {game} ignores {', '.join(ignored)} (marlenv ignores unknown "
                          f"arguments without a word); its keywords are {', '.join(KEYWORDS)}",
                          UnknownOptionWarning, stacklevel=stacklevel)
        if reward_dict is None:
            reward_dict = dict(DEFAULT_REWARD_DICT)
        elif set(reward_dict) != set(REWARD_KEYS):
            raise KeyError(f"arena.compat.marlenv: reward_dict must have exactly the keys {', '.join(REWARD_KEYS)} "
                           f"(as marlenv's), got {', '.join(map(str, reward_dict)) or 'none'}")
        if observer not in OBSERVERS:
            raise ValueError(f"arena.compat.marlenv: observer must be 'snake' (3 actions: noop, left, right, turning) "
                             f"or 'human' (5 actions: noop, left, right, down, up, on the screen), got {observer!r}")
        if min(height, width) < 7:
            raise ValueError(f"arena.compat.marlenv: height and width count the walls and must be at least 7 "
                             f"(a 5 x 5 field), got {height} x {width}")
        if num_fruits is None:
            num_fruits = int(round(num_snakes * 0.8))
        return cls(int(height), int(width), int(num_snakes), int(snake_length), vision_range or None,
                   int(frame_stack), observer, {k: float(reward_dict[k]) for k in REWARD_KEYS}, int(num_fruits),
                   max_episode_steps)

    @property
    def actions(self) -> dict[str, int]:
        return OBSERVERS[self.observer]

    def rules(self) -> SnakeRules:
        """The engine's rules: the field inside the walls, marlenv's kill credit, the game on until every snake is dead."""
        steps = max(1, math.ceil(self.max_episode_steps))
        return SnakeRules(self.num_snakes, self.height - 2, self.width - 2, self.snake_length, self.num_fruits,
                          steps, dict(self.reward_dict), end_rule="all_dead", kill_credit="marlenv")


def _action_array(actions: Any) -> np.ndarray:
    """`actions` as an array, keeping the nesting of lists that mix plain ints with arrays of one element
    (a network's batch of one), which numpy cannot stack but marlenv takes, reading each snake's with
    `.item()`: such a list's parts lose their dimensions of size 1 and are stacked."""
    try:
        return np.asarray(actions)
    except ValueError:
        if not isinstance(actions, (list, tuple)) or not actions:
            raise
    parts = [_without_unit_dimensions(_action_array(part)) for part in actions]
    if len({part.shape for part in parts}) > 1:
        raise ValueError(f"arena.compat.marlenv: expected one action per snake, got a list whose parts differ in shape "
                         f"({', '.join(str(p.shape) for p in parts)}, dimensions of size 1 aside)")
    return np.stack(parts)


def _without_unit_dimensions(values: np.ndarray) -> np.ndarray:
    return values.reshape(_unit_free(values.shape))


def _unit_free(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(size for size in shape if size != 1)


class MarlenvGames:
    """`n_games` games of `settings`: step them, observe them, restart some, and report what marlenv reports."""

    def __init__(self, settings: SnakeSettings, n_games: int):
        self.settings = settings
        self.n_games = n_games
        self.num_snakes = settings.num_snakes
        self.games = SnakeGames(n_games, settings.rules())
        self.vision = Vision(self.games, settings.vision_range, settings.frame_stack, layout="marlenv")
        self.observation_shape = self.vision.shape  # one snake's: (rows, cols, 8 * frame_stack)
        self.n_actions = len(settings.actions)
        self._weights = np.array([settings.reward_dict[k] for k in ("fruit", "kill", "lose", "time", "win")])
        # Episode figures as marlenv adds them up: a snake's step counts when it ends alive.
        self.scores = np.zeros((n_games, self.num_snakes))
        self.steps = np.zeros((n_games, self.num_snakes))
        self.fruits = np.zeros((n_games, self.num_snakes))
        self.kills = np.zeros((n_games, self.num_snakes))
        self.started = False

    def seed(self, seeds: list[int | None]) -> None:
        """Game `i` draws its spawns and fruit from a generator seeded with `seeds[i]` (None: fresh entropy)."""
        self.games.rngs = [np.random.default_rng(s) for s in seeds]

    def restart(self, games: np.ndarray) -> np.ndarray:
        """Start new games in the slots marked in `games` (bool per slot); every game's observation stack."""
        self.games.reset_games(np.flatnonzero(games))
        for figures in (self.scores, self.steps, self.fruits, self.kills):
            figures[games] = 0
        self.started = True
        return self.vision.push(games)

    def actions(self, actions: Any) -> np.ndarray:
        """`actions` as the engine's turns, shape (n_games, num_snakes); ValueError naming what is wrong."""
        shape = (self.n_games, self.num_snakes)
        given = _action_array(actions)
        # Dimensions of size 1 may come and go (a batch of one, an action as a one-element array), but a
        # transposed (num_snakes, n_games) array, or a flat one, would hand actions to the wrong snakes.
        if _unit_free(given.shape) != _unit_free(shape):
            raise ValueError(f"arena.compat.marlenv: expected actions of shape {shape}, one per snake "
                             f"({self.num_snakes}) for each game ({self.n_games}), dimensions of size 1 aside; "
                             f"got shape {given.shape}")
        values = given.reshape(shape)
        if not np.issubdtype(values.dtype, np.integer):
            if not (np.issubdtype(values.dtype, np.number) and np.all(values == np.round(values))):
                raise ValueError(f"arena.compat.marlenv: actions must be whole numbers, got {given!r}")
            values = values.astype(np.int64)
        if values.min() < 0 or values.max() >= self.n_actions:
            raise ValueError(f"arena.compat.marlenv: actions run 0..{self.n_actions - 1} with observer "
                             f"{self.settings.observer!r} ({', '.join(self.settings.actions)}), got {values.tolist()}")
        values = values.astype(np.int64)
        if self.settings.observer == "snake":
            return values
        heading = self.games.heading
        wanted = _HUMAN_HEADING[values]
        # A snake only turns across its way: left/right when going up or down, down/up when going sideways.
        across = (wanted >= 0) & ((wanted - heading) % 2 == 1)
        return np.where(across, _TURN_FOR[(wanted - heading) % 4], 0)

    def step(self, actions: Any, game_over: Callable[[list[bool]], bool] | None = None
             ) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
        """Move every game; rewards (float64) and dones (bool), both (n_games, num_snakes), and each game's info.

        A game is over when every snake is done (dead, or `max_episode_steps` reached), or in a team
        game when any is (all are then done), or when `game_over(dones)` (one game's dones as a list
        of bools) says so where it is given; its info then holds rank, episode_scores, episode_steps,
        episode_fruits and episode_kills, and its figures start again from zero. Call `restart` for
        the games to play on.
        """
        if not self.started:
            raise RuntimeError("arena.compat.marlenv: call reset() before step()")
        outcome = self.games.step(self.actions(actions))
        signals = np.stack([outcome.ate, outcome.kills, outcome.died, outcome.moved, outcome.won], -1)
        rewards = signals.astype(np.float64) @ self._weights
        alive = outcome.moved
        self.scores += alive * rewards
        self.steps += alive
        self.fruits += alive * outcome.ate
        self.kills += alive * outcome.kills
        dones = ~alive
        dones[self.games.steps >= self.settings.max_episode_steps] = True
        if game_over is None:
            over = dones.any(1) if self.settings.team else dones.all(1)
        else:  # a marlenv subclass's own `_done_fn`
            over = np.array([bool(game_over(row.tolist())) for row in dones])
        if self.settings.team:
            dones[over] = True
        infos: list[dict[str, Any]] = [{} for _ in range(self.n_games)]
        for g in np.flatnonzero(over):
            infos[g] = self.final_info(g)
            for figures in (self.scores, self.steps, self.fruits, self.kills):
                figures[g] = 0
        return rewards, dones, infos

    def final_info(self, g: int) -> dict[str, Any]:
        """What marlenv reports at the end of game `g`: ranks by episode score (ties share one), and the figures."""
        scores = self.scores[g].copy()
        rank = [1 + int((scores > score).sum()) for score in scores]
        return {"rank": rank, "episode_scores": scores, "episode_steps": self.steps[g].copy(),
                "episode_fruits": self.fruits[g].copy(), "episode_kills": self.kills[g].copy()}

    def observe(self) -> np.ndarray:
        """Push every game's current frame; the stacks, (n_games, num_snakes, rows, cols, channels)."""
        return self.vision.push()
