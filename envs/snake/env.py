"""Snake as a PettingZoo Parallel env (see the package docstring for the spec).

It plays on `SnakeGame`, the one-game engine in plain Python. Code that reaches for the board
arrays (`env.game`, a one-game `SnakeGames` batch, and `env.vision`) gets them in the current
state, and from then on this env plays on that batch engine: the same game, move for move.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from arena.envs.render_modes import RenderModes
from arena.envs.wrapper_random import WrapperRandom
from arena.envs.snake.engine import SnakeGames
from arena.envs.snake.rules import SnakeRules, reward_weights
from arena.envs.snake.single import SnakeGame
from arena.envs.snake.vision import Vision


class raw_env(WrapperRandom, RenderModes, ParallelEnv):
    """2 to 8 snakes moving at once on a grid; see `help(arena.envs.snake)`."""

    metadata = {"name": "snake_v0", "render_modes": ["human", "rgb_array", "ansi"], "render_fps": 8,
                "is_parallelizable": True}

    def __init__(self, num_snakes: int = 4, height: int = 20, width: int = 20, snake_length: int = 3,
                 num_fruits: int = 4, vision_range: int | None = 5, frame_stack: int = 1,
                 reward_dict: Mapping[str, float] | None = None, max_steps: int = 1000,
                 render_mode: str | None = None):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"snake: render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.rules = SnakeRules(num_snakes, height, width, snake_length, num_fruits, max_steps, reward_weights(reward_dict))
        self.render_mode = render_mode
        self.possible_agents = [f"player_{i}" for i in range(num_snakes)]
        self.agents: list[str] = []
        self._single: SnakeGame | None = SnakeGame(self.rules, vision_range, frame_stack)
        self._batch: tuple[SnakeGames, Vision] | None = None  # the batch engine, once handed the game
        self._rng = np.random.default_rng()
        self._seats = {a: i for i, a in enumerate(self.possible_agents)}
        self.observation_spaces = {a: spaces.Box(0, 1, self._single.vision.shape, np.uint8) for a in self.possible_agents}
        self.action_spaces = {a: spaces.Discrete(3) for a in self.possible_agents}
        self._seeded = False
        self._painter = None
        self._out: set[int] = set()  # snakes taken off the board by `eliminate` this game

    @property
    def game(self) -> SnakeGames:
        """The game as a one-game `SnakeGames` batch, to read or to set up; this env then plays on it."""
        return self._batched()[0]

    @property
    def vision(self) -> Vision:
        """What the snakes see, over `game`."""
        return self._batched()[1]

    def _batched(self) -> tuple[SnakeGames, Vision]:
        if self._batch is None:
            self._batch = self._single.to_batch()
            self._single = None
        return self._batch

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict | None = None):
        self._seed_wrapper_random(seed)
        if seed is not None or not self._seeded:
            self._rng = np.random.default_rng(seed)
            self._seeded = True
        if self._single is not None:
            stack = self._single.reset(self._rng)
        else:
            game, vision = self._batch
            game.rngs[0] = self._rng
            game.reset_games([0])
            stack = vision.push(np.ones(1, bool))[0]
        self.agents = list(self.possible_agents)
        self._out = set()
        if self.render_mode == "human":
            self.render()
        return {a: stack[i].copy() for i, a in enumerate(self.possible_agents)}, self._infos(self.agents)

    def step(self, actions: dict[str, Any]):
        if not self.agents:  # the game is over: as PettingZoo's Parallel envs, stepping it changes nothing
            return {}, {}, {}, {}, {}
        movers = list(self.agents)
        seats = self._seats
        chosen = [0] * self.rules.num_snakes
        for agent in movers:
            chosen[seats[agent]] = int(actions[agent])
        if self._single is not None:
            stack, rewards, died, ended, truncated = self._single.step(chosen)
            copied = self._single.frame_stack > 1  # a lone frame is new every step: no copy needed
        else:
            game, vision = self._batch
            outcome = game.step(np.array([chosen], np.int64))
            stack = vision.push()[0]
            rewards, died = outcome.rewards[0].tolist(), outcome.died[0].tolist()
            ended, truncated, copied = bool(outcome.ended[0]), bool(outcome.truncated[0]), True
        length, kills, _, _ = self._figures()
        observations, rewarded, terminations, truncations, infos, going_on = {}, {}, {}, {}, {}, []
        for agent in movers:
            i = seats[agent]
            observations[agent] = stack[i].copy() if copied else stack[i]
            rewarded[agent] = float(rewards[i])
            terminations[agent] = terminated = died[i] or ended
            truncations[agent] = cut = truncated and not terminated
            infos[agent] = {"length": int(length[i]), "kills": int(kills[i])}
            if not (terminated or cut):
                going_on.append(agent)
        self.agents = going_on
        if self.render_mode == "human":
            self.render()
        return observations, rewarded, terminations, truncations, infos

    def eliminate(self, agent: str) -> None:
        """Take `agent`'s snake off the board at once, as a harness does with a seat out of its match (a crash, a
        timeout): it leaves `env.agents`, and the next step is played without it (ending the game if that leaves
        one snake, who wins)."""
        if agent not in self.agents:
            return
        self._out.add(self._seats[agent])
        if self._single is not None:
            self._single.remove(self._seats[agent])
        else:
            self._batch[0].remove(0, self._seats[agent])
        self.agents.remove(agent)

    def _figures(self) -> tuple[list[int], list[int], list[int], list[bool]]:
        """Each snake's length, kills, steps survived and whether it is alive."""
        if self._single is not None:
            single = self._single
            return single.length, single.kills, single.survived, single.alive
        game = self._batch[0]
        return game.length[0].tolist(), game.kills[0].tolist(), game.survived[0].tolist(), game.alive[0].tolist()

    def _infos(self, agents: list[str]) -> dict[str, dict[str, int]]:
        length, kills, _, _ = self._figures()
        return {a: {"length": int(length[i]), "kills": int(kills[i])} for a, i in ((a, self._seats[a]) for a in agents)}

    def final_scores(self) -> dict[str, float]:
        """What a match ranks by: steps survived, then length (as a fraction below one step)."""
        length, _, survived, _ = self._figures()
        return {a: float(survived[i] + length[i] / (self.rules.cells + 1)) for i, a in enumerate(self.possible_agents)}

    def outcome_text(self) -> str:
        """Each snake's fate, e.g. 'player_2 survived 312 steps (length 9, kills 2), player_0 died at step 40 (...)'
        (players named by `player_names`, as a match names them)."""
        length, kills, survived, alive = self._figures()
        parts = []
        for i in np.argsort(-np.array(list(self.final_scores().values())), kind="stable"):
            if alive[i]:
                fate = f"survived {survived[i]} steps"
            elif i in self._out:
                fate = f"taken out after {survived[i]} steps"
            else:
                fate = f"died at step {survived[i] + 1}"
            parts.append(f"{self.shown_name(self.possible_agents[i])} {fate} (length {length[i]}, kills {kills[i]})")
        return ", ".join(parts)

    def _board(self) -> SnakeGames:
        """The game as a one-game batch, for drawing (a copy while this env plays on `SnakeGame`)."""
        return self._single.to_batch()[0] if self._single is not None else self._batch[0]

    def _text(self) -> str:
        from arena.envs.snake.picture import text_board

        return text_board(self._board())

    def _picture(self):
        if self._painter is None:
            from arena.envs.snake.picture import SnakePicture

            self._painter = SnakePicture(self.rules)
        return self._painter.draw(self._board(), [self.shown_name(a) for a in self.possible_agents])


def env(**kwargs: Any) -> raw_env:
    """The snake env (PettingZoo has no checking wrappers for Parallel envs; the harness checks actions)."""
    return raw_env(**kwargs)
