# SUBMISSION: Agent whose policy MLP runs on a Tenstorrent card, written by hand as the TTNN guide shows.

import os
from typing import Optional
import torch
from torch import nn
from arena.compat.ai2.environment.agent import Agent
from stable_baselines3 import PPO
import ttnn


class CardMLP(nn.Module):
    '''The extractor's three linear layers, their weights moved to the card once.'''
    def __init__(self, state_dict, device):
        super().__init__()
        self.device = device
        self.layers = []
        for name in ("fc1", "fc2", "fc3"):
            weight = ttnn.from_torch(state_dict[f"{name}.weight"].T.to(torch.bfloat16), device=device,
                                     layout=ttnn.TILE_LAYOUT, memory_config=ttnn.DRAM_MEMORY_CONFIG)
            bias = ttnn.from_torch(state_dict[f"{name}.bias"].to(torch.bfloat16), device=device,
                                   memory_config=ttnn.DRAM_MEMORY_CONFIG)
            self.layers.append((weight, bias))

    def forward(self, obs):
        x = ttnn.from_torch(obs.to(torch.bfloat16), device=self.device, layout=ttnn.TILE_LAYOUT)
        for index, (weight, bias) in enumerate(self.layers):
            x = ttnn.linear(x, weight, bias=bias, activation="relu" if index < 2 else None)
        return ttnn.to_torch(x).to(torch.float32)


class SubmittedAgent(Agent):
    def __init__(self, file_path: Optional[str] = None):
        super().__init__(file_path)
        self.mesh_device = ttnn.open_mesh_device(ttnn.MeshShape(1, 1))

    def _initialize(self) -> None:
        self.model = PPO.load(self.file_path)
        extractor = self.model.policy.features_extractor
        extractor.model = CardMLP(extractor.model.state_dict(), self.mesh_device)

    def _gdown(self) -> str:
        return "rl-model.zip" if os.path.isfile("rl-model.zip") else None

    def predict(self, obs):
        action, _ = self.model.predict(obs)
        return action
