"""Snake as a PettingZoo Parallel env: one game of the batch engine (see the package docstring for the spec)."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from arena.envs.render_modes import RenderModes
from arena.envs.snake.engine import SnakeGames
from arena.envs.snake.rules import SnakeRules, reward_weights
from arena.envs.snake.vision import Vision


class raw_env(RenderModes, ParallelEnv):
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
        self.game = SnakeGames(1, self.rules)
        self.vision = Vision(self.game, vision_range, frame_stack)
        self.observation_spaces = {a: spaces.Box(0, 1, self.vision.shape, np.uint8) for a in self.possible_agents}
        self.action_spaces = {a: spaces.Discrete(3) for a in self.possible_agents}
        self._seeded = False
        self._painter = None

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict | None = None):
        if seed is not None or not self._seeded:
            self.game.rngs[0] = np.random.default_rng(seed)
            self._seeded = True
        self.game.reset_games([0])
        self.agents = list(self.possible_agents)
        stack = self.vision.push(np.ones(1, bool))
        if self.render_mode == "human":
            self.render()
        return {a: stack[0, i].copy() for i, a in enumerate(self.possible_agents)}, self._infos(self.agents)

    def step(self, actions: dict[str, Any]):
        movers = list(self.agents)
        chosen = np.zeros((1, self.rules.num_snakes), np.int64)
        for agent in movers:
            chosen[0, self.possible_agents.index(agent)] = int(actions[agent])
        outcome = self.game.step(chosen)
        stack = self.vision.push()
        index = {a: self.possible_agents.index(a) for a in movers}
        ended, truncated = bool(outcome.ended[0]), bool(outcome.truncated[0])
        observations = {a: stack[0, i].copy() for a, i in index.items()}
        rewards = {a: float(outcome.rewards[0, i]) for a, i in index.items()}
        terminations = {a: bool(outcome.died[0, i]) or ended for a, i in index.items()}
        truncations = {a: truncated and not terminations[a] for a in movers}
        self.agents = [a for a in movers if not (terminations[a] or truncations[a])]
        if self.render_mode == "human":
            self.render()
        return observations, rewards, terminations, truncations, self._infos(movers)

    def _infos(self, agents: list[str]) -> dict[str, dict[str, int]]:
        game = self.game
        return {a: {"length": int(game.length[0, i]), "kills": int(game.kills[0, i])}
                for a, i in ((a, self.possible_agents.index(a)) for a in agents)}

    def final_scores(self) -> dict[str, float]:
        """What a match ranks by: steps survived, then length (as a fraction below one step)."""
        game = self.game
        return {a: float(game.survived[0, i] + game.length[0, i] / (self.rules.cells + 1))
                for i, a in enumerate(self.possible_agents)}

    def outcome_text(self) -> str:
        """Each snake's fate, e.g. 'player_2 survived 312 steps (length 9, kills 2), player_0 died at step 40 (...)'."""
        game = self.game
        parts = []
        for i in np.argsort(-np.array(list(self.final_scores().values())), kind="stable"):
            survived = game.survived[0, i]
            fate = f"survived {survived} steps" if game.alive[0, i] else f"died at step {survived + 1}"
            parts.append(f"{self.possible_agents[i]} {fate} (length {game.length[0, i]}, kills {game.kills[0, i]})")
        return ", ".join(parts)

    def _text(self) -> str:
        from arena.envs.snake.picture import text_board

        return text_board(self.game)

    def _picture(self):
        if self._painter is None:
            from arena.envs.snake.picture import SnakePicture

            self._painter = SnakePicture(self.rules)
        return self._painter.draw(self.game, [self.shown_name(a) for a in self.possible_agents])


def env(**kwargs: Any) -> raw_env:
    """The snake env (PettingZoo has no checking wrappers for Parallel envs; the harness checks actions)."""
    return raw_env(**kwargs)
