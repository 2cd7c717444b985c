"""Example submission: a small PPO fighter whose policy runs through TTNN, on a Tenstorrent card or off one.

The policy is the competition guide's shape: a custom features extractor holding an MLP in
`self.model` (64 observation values -> 64 -> 64, ReLU), then SB3's actor and critic heads.
`train.py` beside this file trained `model.zip` (in under a minute, by imitating BrawlerAgent).
Porting it is one call in `_initialize`: `port_policy` swaps a TTNN module in for every MLP
(`policy.features_extractor.model` among them, where the guide's hand-written port goes). Check
the port with

    arena tt check submissions/tt_ppo_fighter
"""

from __future__ import annotations

import gymnasium
from stable_baselines3 import PPO
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn

from arena.agents import Agent
from arena.agents.tt import port_policy


class MLPExtractor(BaseFeaturesExtractor):
    """Observation -> `features_dim` features through an MLP kept in `self.model`."""

    def __init__(self, observation_space: gymnasium.Space, features_dim: int = 64, hidden_dim: int = 64):
        super().__init__(observation_space, features_dim)
        self.model = nn.Sequential(
            nn.Linear(observation_space.shape[0], hidden_dim), nn.ReLU(),
            nn.Linear(hidden_dim, features_dim), nn.ReLU(),
        )

    def forward(self, observations):
        return self.model(observations)


# Passed again at load time: the pickle in model.zip names MLPExtractor by a module path that a
# loaded submission does not have.
POLICY_KWARGS = dict(features_extractor_class=MLPExtractor, features_extractor_kwargs=dict(features_dim=64),
                     net_arch=dict(pi=[32], vf=[32]))


class SubmittedAgent(Agent):
    """PPO on the fighting game, every MLP of its policy ported to TTNN."""

    def _initialize(self) -> None:
        self.model = PPO.load(self.file_path, device="cpu", custom_objects={"policy_kwargs": POLICY_KWARGS})
        # "auto": the card when one answers, else the reference backend (with a warning saying why).
        self.port = port_policy(self.model)

    def predict(self, obs):
        action, _ = self.model.predict(obs, deterministic=True)
        return action
