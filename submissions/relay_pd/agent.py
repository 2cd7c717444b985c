"""Example submission for the CartPole relay: a PD controller on the pole angle, with a pull back to the centre.

It plays both modes: with a baton (`Discrete(2)` actions) it returns the push it wants; when
voting (logit actions) it returns logits whose gap grows with how sure it is.
"""

import numpy as np
from gymnasium import spaces

from arena.agents import Agent

# Gains on (cart position, cart velocity, pole angle, pole angular velocity): push toward the lean.
GAINS = np.array([0.05, 0.1, 1.0, 0.3])


class SubmittedAgent(Agent):
    """Pushes the cart under the falling pole (proportional on the angle, derivative on its rate)."""

    def predict(self, obs):
        push = float(GAINS @ np.asarray(obs[:4], np.float64))  # > 0: push right
        if isinstance(self.action_space, spaces.Discrete):
            return int(push > 0)
        return np.array([-push, push], np.float32) * 10
