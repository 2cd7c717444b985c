"""Training: the network fits the search's policies and the games' outcomes, from the replay buffer.

Loss per batch: cross-entropy between the search's visit shares and the network's policy, plus
the squared error between the game's outcome and the network's value; AdamW adds weight decay.
Every sample is seen under a random board symmetry.

A `Trainer` is its network, optimizer, buffer and random state; `checkpoint()` captures all of
them but the buffer, which `Trainer.resume` refills from the stored games: the resumed trainer
takes exactly the step the original would have taken.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from arena.alphazero.buffer import Batch, ReplayBuffer
from arena.alphazero.config import AlphaZeroConfig
from arena.alphazero.symmetries import augment
from arena.search.network import NetworkSpec, PolicyValueNet

__all__ = ["Losses", "Trainer", "new_network"]


@dataclass
class Losses:
    policy: float
    value: float


def new_network(config: AlphaZeroConfig) -> PolicyValueNet:
    """An untrained network for `config`, initialised from its seed."""
    torch.manual_seed(config.seed)
    spec = NetworkSpec(config.game, config.size, config.num_actions, config.channels, config.blocks)
    return PolicyValueNet(spec)


class Trainer:
    def __init__(self, config: AlphaZeroConfig, net: PolicyValueNet):
        self.config = config
        self.device = torch.device(config.device)
        self.net = net.to(self.device)
        self.optimizer = torch.optim.AdamW(net.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
        self.buffer = ReplayBuffer(config.buffer_positions, config.size, config.num_actions)
        self.rng = np.random.default_rng(config.seed)
        self.step = 0
        self.games_seen = 0  # id of the last stored game added to the buffer

    def add_games(self, games: list[tuple[int, object]]) -> None:
        """Stored games (id, GameRecord), in id order, into the buffer."""
        for game_id, record in games:
            self.buffer.add_record(record)
            self.games_seen = game_id

    def steps_due(self) -> int:
        """Training steps the positions seen so far pay for (at `sample_reuse` samples each), not yet taken."""
        if len(self.buffer) < self.config.min_positions:
            return 0
        return max(0, int(self.buffer.added * self.config.sample_reuse / self.config.batch_size) - self.step)

    def positions_needed(self) -> int:
        """Positions the buffer still needs before training starts (`min_positions`); 0 once it holds them."""
        return max(0, self.config.min_positions - len(self.buffer))

    def train(self, steps: int) -> Losses:
        """`steps` optimizer steps on batches from the buffer; the mean losses."""
        self.net.train()
        totals = np.zeros(2)
        for _ in range(steps):
            totals += self.train_step(self.buffer.sample(self.config.batch_size, self.rng))
        self.net.eval()
        policy, value = totals / max(steps, 1)
        return Losses(policy, value)

    def train_step(self, batch: Batch) -> tuple[float, float]:
        planes, policies = (torch.from_numpy(a).to(self.device) for a in augment(batch.planes, batch.policies, self.rng))
        logits, values = self.net(planes)
        policy_loss = -(policies * F.log_softmax(logits, dim=1)).sum(1).mean()
        value_loss = F.mse_loss(values, torch.from_numpy(batch.values).to(self.device))
        self.optimizer.zero_grad(set_to_none=True)
        (policy_loss + value_loss).backward()
        self.optimizer.step()
        self.step += 1
        return policy_loss.item(), value_loss.item()

    def checkpoint(self) -> bytes:
        """Network, optimizer, step, games consumed and random state, as bytes."""
        buffer = io.BytesIO()
        torch.save({"network": self.net.state_dict(), "optimizer": self.optimizer.state_dict(), "step": self.step,
                    "games_seen": self.games_seen, "rng": self.rng.bit_generator.state}, buffer)
        return buffer.getvalue()

    @classmethod
    def resume(cls, config: AlphaZeroConfig, state: bytes, store) -> Trainer:
        """The trainer a checkpoint captured, its buffer refilled from `store`'s games."""
        saved = torch.load(io.BytesIO(state), map_location=config.device, weights_only=True)
        trainer = cls(config, new_network(config))
        trainer.net.load_state_dict(saved["network"])
        trainer.optimizer.load_state_dict(saved["optimizer"])
        for group in trainer.optimizer.param_groups:  # the settings now in force, not those saved
            group.update(lr=config.learning_rate, weight_decay=config.weight_decay)
        trainer.step = saved["step"]
        trainer.rng.bit_generator.state = saved["rng"]
        after, positions_before = store.replay_window(saved["games_seen"], config.buffer_positions)
        trainer.buffer.added = positions_before
        trainer.add_games(store.games(after, through=saved["games_seen"]))
        trainer.net.eval()
        return trainer
