"""The turn-based two-player board game env that Othello and gomoku both are.

The game's whole state is one native board (`OthelloBoard`, `GomokuBoard`): black (`player_0`)
moves first, every agent observes (N, N, 2) planes from its own view plus the mover's action
mask, and the game ends with +1 / -1 (0 for a draw) by the board's winner.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv
from pettingzoo.utils import wrappers

from arena.envs.render_modes import RenderModes

AGENTS = ("player_0", "player_1")
COLOR_NAMES = ("black", "white")


def with_standard_checks(raw: AECEnv) -> AECEnv:
    """PettingZoo's standard checks around a board game: an illegal move loses, calls in order."""
    checked = wrappers.TerminateIllegalWrapper(raw, illegal_reward=-1)
    checked = wrappers.AssertOutOfBoundsWrapper(checked)
    return wrappers.OrderEnforcingWrapper(checked)


class BoardGameEnv(RenderModes, AECEnv):
    """A two-player game on a native board. Subclasses set `metadata` and make boards and pictures."""

    def __init__(self, render_mode: str | None):
        super().__init__()
        name = self.metadata["name"].removesuffix("_v0")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"{name}: render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.possible_agents = list(AGENTS)
        self.board = self._new_board()
        size, num_actions = self.board.size, self.board.num_actions
        self.action_spaces = {agent: spaces.Discrete(num_actions) for agent in AGENTS}
        self.observation_spaces = {
            agent: spaces.Dict({
                "observation": spaces.Box(0, 1, (size, size, 2), np.uint8),
                "action_mask": spaces.Box(0, 1, (num_actions,), np.int8),
            })
            for agent in AGENTS
        }
        self._renderer: Any = None

    def _new_board(self):
        """The start position."""
        raise NotImplementedError

    def _new_renderer(self):
        """An object whose draw(board, names) returns a pygame Surface (names: black's player, then white's)."""
        raise NotImplementedError

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        self.board = self._new_board()
        self.agents = list(AGENTS)
        self.rewards = dict.fromkeys(AGENTS, 0)
        self._cumulative_rewards = dict.fromkeys(AGENTS, 0)
        self.terminations = dict.fromkeys(AGENTS, False)
        self.truncations = dict.fromkeys(AGENTS, False)
        self.infos = {agent: {} for agent in AGENTS}
        self.agent_selection = AGENTS[0]
        if self.render_mode == "human":
            self.render()

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        planes = self.board.observation(AGENTS.index(agent))
        # An agent's dead step takes it out of terminations; it can still be observed, with no move left to make.
        if agent == self.agent_selection and not self.terminations.get(agent, True):
            mask = self.board.action_mask()
        else:
            mask = np.zeros(self.board.num_actions, np.int8)
        return {"observation": planes, "action_mask": mask}

    def step(self, action: int | None) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self.board.play(int(action))
        self._cumulative_rewards[agent] = 0
        if self.board.is_game_over():
            # Rewards stay 0 until the end, so they are only set and accumulated here.
            winner = self.board.winner()
            if winner >= 0:
                self.rewards[AGENTS[winner]] = 1
                self.rewards[AGENTS[1 - winner]] = -1
            self.terminations = dict.fromkeys(AGENTS, True)
            self._accumulate_rewards()
        self.agent_selection = AGENTS[self.board.to_move]
        if self.render_mode == "human":
            self.render()

    def action_name(self, action: int) -> str:
        """A move as people read it, with its number: 'd3 (19)'."""
        return f"{self.board.move_name(action)} ({action})"

    def _text(self) -> str:
        return str(self.board)

    def _picture(self):
        if self._renderer is None:
            self._renderer = self._new_renderer()
        return self._renderer.draw(self.board, [self.shown_name(agent) for agent in AGENTS])
