"""Example submission: Othello's greedy player, written out in full as a template for your own agent."""

import numpy as np

from arena.agents import Agent
from arena.envs.othello import board_from_observation


class SubmittedAgent(Agent):
    """Plays the move that turns over the most discs; ties broken at random."""

    def _initialize(self) -> None:
        # Called once the spaces are known; a learning agent would load its weights here.
        self.rng = self.action_space.np_random

    def predict(self, obs):
        legal = np.flatnonzero(obs["action_mask"])
        board = board_from_observation(obs)
        flips = np.array([board.count_flips(int(move)) for move in legal])
        best = legal[flips == flips.max()]
        return int(self.rng.choice(best))
