"""Any pgx game as a PettingZoo AEC env: `arena.envs.make("pgx:connect_four")`, `"pgx:chess"`, `"pgx:go_9x9"`, ...

pgx's functional games (`init`/`step` on JAX arrays) become turn-based envs that matches and
tournaments play like any other, computed on the CPU one game at a time. pgx and jax come
with the `jax` extra (`pip install -e ".[jax]"`); arena imports without them.

## Agents
`player_0` ... `player_{n - 1}`, pgx's player ids (n = the game's number of players; 2048 has
one). pgx decides from the seed who moves first (in most games, which player takes which
colour), so a fixed seed gives a fixed assignment.

## Action space
`Discrete(num_actions)`, pgx's action numbering for the game (see pgx's documentation).

## Observation space
A dict, as in PettingZoo's classic games:

| key | shape | dtype | meaning |
| --- | --- | --- | --- |
| `observation` | pgx's `observation_shape` | uint8 for pgx's boolean planes, else pgx's | the game from the observing agent's side (pgx's `observe`) |
| `action_mask` | (num_actions,) | int8 | 1 for each legal action of the agent to move; all 0 for the others |

## Rewards
pgx's rewards, given to every player after each move (usually +1 / -1 / 0 at the end). An
illegal action ends the game with -1 for its player, as pgx does (the harness's checks and
`make`'s wrapper stop such actions first).

## Episode end
Terminated or truncated for all players when pgx says so (a game's own move limit truncates).

## Arguments
- `game`: the pgx id (`pgx.available_envs()`); set by the name, "pgx:<game>".
- `render_mode`: `"rgb_array"` (pgx's board picture, rasterized with cairosvg when it is
  installed, else with pygame's simpler SVG reader, under a status line and a line saying which
  player has which colour, e.g. "player_0: white · player_1: black"), `"human"` (a pygame
  window) or `"ansi"` (a status line, and a text board for the stone games: tic-tac-toe,
  connect four, othello, go and hex, `X` for `player_0`'s stones and `O` for `player_1`'s).
"""

from __future__ import annotations

import functools
import io
import warnings
from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv
from pettingzoo.utils import wrappers

from arena.envs.render_modes import RenderModes
from arena.errors import ArenaError, UnknownEnvError, closest, install_hint

__all__ = ["env", "raw_env"]

# Games whose observation planes 0 and 1 hold the observer's and the opponent's stones.
STONE_GAMES = ("tic_tac_toe", "connect_four", "othello", "go_9x9", "go_19x19", "hex")
# What pgx's pictures draw for the first mover and for the second (its default colours: the first
# mover's stones black, or X, or chess's white pieces); other games name the order of play.
MARKS = {"tic_tac_toe": ("X", "O"), "connect_four": ("black", "white"), "othello": ("black", "white"),
         "go_9x9": ("black", "white"), "go_19x19": ("black", "white"), "hex": ("black", "white"),
         "chess": ("white", "black"), "gardner_chess": ("white", "black"), "shogi": ("sente", "gote"),
         "animal_shogi": ("sente", "gote")}


class PgxGame:
    """One pgx game's `init` and `step`, jitted once per process, returning what the env reads as numpy."""

    def __init__(self, game_id: str):
        try:
            import jax
            import pgx
        except ImportError:
            raise ArenaError(f"pgx:{game_id} needs pgx and jax: {install_hint('jax')}") from None
        if game_id not in pgx.available_envs():
            meant = closest(game_id, pgx.available_envs())
            guess = f"did you mean 'pgx:{meant}'? " if meant else ""
            raise UnknownEnvError(f"unknown pgx game {game_id!r}: {guess}choose one of {', '.join(pgx.available_envs())}")
        self.game_id = game_id
        self.jax = jax
        self.env = pgx.make(game_id)
        self.cpu = jax.devices("cpu")[0]
        self.num_players = self.env.num_players
        self.num_actions = self.env.num_actions
        players = jax.numpy.arange(self.num_players)

        def look(state):
            with warnings.catch_warnings():  # pgx deprecates observing for another player; no other way exists yet
                warnings.filterwarnings("ignore", r"\[Pgx\] `player_id`", DeprecationWarning)
                seen = jax.vmap(self.env.observe, in_axes=(None, 0))(state, players)
            return state.current_player, state.rewards, state.terminated, state.truncated, state.legal_action_mask, seen

        def start(key):
            key, sub = jax.random.split(key)
            state = self.env.init(sub)
            return state, key, look(state)

        def advance(state, action, key):
            key, sub = jax.random.split(key)
            state = self.env.step(state, action, sub)
            return state, key, look(state)

        self._start, self._advance = jax.jit(start), jax.jit(advance)

    def __reduce__(self) -> tuple:
        # Pickled and copied by name: the receiving process compiles its own (jax and jitted code do not pickle).
        return pgx_game, (self.game_id,)

    def start(self, seed: int):
        """A new game from `seed`: (state, key, view), the view as numpy arrays."""
        with self.jax.default_device(self.cpu):
            state, key, view = self._start(self.jax.random.PRNGKey(seed))
            return state, key, self.jax.device_get(view)

    def advance(self, state, action: int, key):
        with self.jax.default_device(self.cpu):
            state, key, view = self._advance(state, action, key)
            return state, key, self.jax.device_get(view)


@functools.cache
def pgx_game(game_id: str) -> PgxGame:
    """The shared, compiled `PgxGame` of `game_id` (compiling takes seconds, so each game compiles once)."""
    return PgxGame(game_id)


def env(**kwargs: Any) -> AECEnv:
    """The pgx game with PettingZoo's standard checks (illegal move ends the game, order of calls)."""
    wrapped = raw_env(**kwargs)
    wrapped = wrappers.TerminateIllegalWrapper(wrapped, illegal_reward=-1)
    wrapped = wrappers.AssertOutOfBoundsWrapper(wrapped)
    return wrappers.OrderEnforcingWrapper(wrapped)


class raw_env(RenderModes, AECEnv):
    """A pgx game without wrappers; see `help(arena.envs.pgx_games)`."""

    metadata = {"name": "pgx_v0", "render_modes": ["human", "rgb_array", "ansi"], "is_parallelizable": False,
                "render_fps": 2}

    def __init__(self, game: str = "connect_four", render_mode: str | None = None):
        super().__init__()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"pgx:{game}: render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.game_id = game
        self.game = pgx_game(game)
        self.render_mode = render_mode
        self.metadata = {**self.metadata, "name": f"pgx_{game}"}
        self.possible_agents = [f"player_{i}" for i in range(self.game.num_players)]
        self._rng = np.random.default_rng()
        self._state, self._key, self._view = self.game.start(0)
        self.first_mover = int(self._view[0])  # index of the player who moved first: pgx's first colour
        sample = _observation(self._view[5][0])
        bounds = (0, 1) if sample.dtype == np.uint8 else _dtype_bounds(sample.dtype)
        self.observation_spaces = {
            a: spaces.Dict({"observation": spaces.Box(*bounds, sample.shape, sample.dtype),
                            "action_mask": spaces.Box(0, 1, (self.game.num_actions,), np.int8)})
            for a in self.possible_agents
        }
        self.action_spaces = {a: spaces.Discrete(self.game.num_actions) for a in self.possible_agents}
        self.moves = 0
        self.totals = np.zeros(self.game.num_players)  # each player's rewards this game

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self._state, self._key, self._view = self.game.start(int(self._rng.integers(2**31)))
        self.first_mover = int(self._view[0])
        self.moves = 0
        self.totals[:] = 0
        self.agents = list(self.possible_agents)
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self.infos = {a: {} for a in self.agents}
        self.agent_selection = self.possible_agents[int(self._view[0])]
        if self.render_mode == "human":
            self.render()

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        index = self.possible_agents.index(agent)
        over = bool(self._view[2] or self._view[3])
        if agent == self.agent_selection and not over:
            mask = self._view[4].astype(np.int8)
        else:
            mask = np.zeros(self.game.num_actions, np.int8)
        return {"observation": _observation(self._view[5][index]), "action_mask": mask}

    def step(self, action: int | None) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        self._state, self._key, self._view = self.game.advance(self._state, int(action), self._key)
        self.moves += 1
        player, rewards, terminated, truncated = self._view[:4]
        self.rewards = {a: float(rewards[i]) for i, a in enumerate(self.possible_agents)}
        self.totals += rewards
        if terminated or truncated:
            self.terminations = dict.fromkeys(self.agents, bool(terminated))
            self.truncations = dict.fromkeys(self.agents, bool(truncated and not terminated))
            player = (self.possible_agents.index(agent) + 1) % len(self.possible_agents)
        self._accumulate_rewards()
        self.agent_selection = self.possible_agents[int(player)]
        if self.render_mode == "human":
            self.render()

    def _status(self) -> str:
        if self._view[2] or self._view[3]:
            totals = ", ".join(f"{self.shown_name(a)} {total:+g}"
                               for a, total in zip(self.possible_agents, self.totals))
            return f"{self.game_id}: over after {self.moves} moves\n{totals}"
        return f"{self.game_id}: move {self.moves + 1}\n{self.shown_name(self.agent_selection)} to move"

    def player_colours(self) -> dict[str, str]:
        """Each seat's colour (or mark) in this game's pictures, e.g. {"player_0": "white", "player_1": "black"}:
        pgx draws the first mover with its first colour (see MARKS). Empty for games of other than two players."""
        seats = self.possible_agents
        if len(seats) != 2:
            return {}
        first, second = MARKS.get(self.game_id, ("moves first", "moves second"))
        return {seats[self.first_mover]: first, seats[1 - self.first_mover]: second}

    def _colours(self) -> str:
        """The picture's line saying who is who, e.g. 'greedy: white · random: black'."""
        colours = self.player_colours()
        return " · ".join(f"{self.shown_name(a)}: {colours[a]}" if a in colours else self.shown_name(a)
                          for a in self.possible_agents)

    def _text(self) -> str:
        lines = [self._status()]
        if self.game_id in STONE_GAMES and len(self.possible_agents) == 2:
            planes = self._view[5][0]  # player_0's view: its stones in plane 0, player_1's in plane 1
            for row in range(planes.shape[0]):
                lines.append(" ".join("X" if planes[row, col, 0] else "O" if planes[row, col, 1] else "."
                                      for col in range(planes.shape[1])))
        return "\n".join(lines)

    def _picture(self):
        import pygame

        from arena.envs.rendering import draw_text, font

        board = _rasterize(self._state.to_svg())
        lines = [*self._status().splitlines(), self._colours()]
        line_height, size = 26, 24
        status_height = 16 + line_height * len(lines)
        widest = max(font(size).size(line)[0] for line in lines) + 32
        width = -(-max(board.get_width(), widest, 320) // 16) * 16
        height = -(-(board.get_height() + status_height) // 16) * 16
        picture = pygame.Surface((width, height))
        picture.fill((255, 255, 255))
        picture.blit(board, ((width - board.get_width()) // 2, status_height))
        for i, line in enumerate(lines):
            draw_text(picture, line, (width // 2, 8 + line_height * i + line_height // 2), size, (30, 34, 40), "center")
        return picture


def _observation(planes: np.ndarray) -> np.ndarray:
    return planes.astype(np.uint8) if planes.dtype == np.bool_ else planes


def _dtype_bounds(dtype: np.dtype) -> tuple[float, float]:
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return info.min, info.max
    return -np.inf, np.inf


def _rasterize(svg: str):
    """pgx's SVG as a pygame surface on white: through cairosvg when it can load, else pygame's own SVG reader."""
    import pygame

    try:
        import cairosvg

        png = cairosvg.svg2png(bytestring=svg.encode(), background_color="white")
        return pygame.image.load(io.BytesIO(png), "board.png")
    except (ImportError, OSError):  # no cairosvg, or no cairo library under it
        drawn = pygame.image.load(io.BytesIO(svg.encode()), "board.svg")
        board = pygame.Surface(drawn.get_size())
        board.fill((255, 255, 255))
        board.blit(drawn, (0, 0))
        return board
