"""Train this submission's model.zip: a PPO policy taught to fight by imitating BrawlerAgent (under a minute).

    python submissions/tt_ppo_fighter/train.py      # then: arena tt check submissions/tt_ppo_fighter

1. Collect: BrawlerAgent (arena's rule-based fighter) plays `--steps` frames against another
   BrawlerAgent; every observation is kept with the keys it pressed.
2. Imitate: the actor of a fresh PPO policy (features extractor, actor layer, action means) learns
   those keys by least squares, so each action mean sits near 0 (released) or 1 (pressed), far
   from the 0.5 where the game reads a key: bfloat16 rounding rarely flips a decision.
3. Save: an ordinary SB3 PPO zip. `PPO.load(...).learn(...)` goes on with the reward of your choice.

Seeded: the same command on the same machine writes the same weights.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gymnasium
import numpy as np
import torch
from stable_baselines3 import PPO

import arena.envs  # noqa: F401  (registers arena/Fighting-v0)
from agent import POLICY_KWARGS
from arena.envs.fighting import BrawlerAgent


class Teacher(BrawlerAgent):
    """BrawlerAgent whose recovery jumps every frame, not every other: its keys depend on the observation alone."""

    def predict(self, obs):
        self.time = 0
        return super().predict(obs)


def collect(env: gymnasium.Env, steps: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`steps` (observation, keys pressed) pairs of the teacher playing `env`."""
    teacher = Teacher()
    teacher.get_env_info(env)
    observation, _ = env.reset(seed=seed)
    observations, keys = [], []
    for _ in range(steps):
        action = teacher.predict(observation)
        observations.append(observation)
        keys.append(action)
        observation, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            observation, _ = env.reset()
            teacher.reset()
    return torch.as_tensor(np.array(observations)), torch.as_tensor(np.array(keys), dtype=torch.float32)


def imitate(model: PPO, observations: torch.Tensor, keys: torch.Tensor, epochs: int, seed: int) -> None:
    """Fit the policy's action means to `keys` (mean squared error, Adam, minibatches of 256)."""
    policy = model.policy
    actor = [policy.features_extractor, policy.mlp_extractor.policy_net, policy.action_net]
    optimizer = torch.optim.Adam([p for module in actor for p in module.parameters()], lr=1e-3)
    order = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        for batch in torch.randperm(len(observations), generator=order).split(256):
            features = policy.mlp_extractor.forward_actor(policy.extract_features(observations[batch]))
            loss = ((policy.action_net(features) - keys[batch]) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch + 1}/{epochs}: loss {loss.item():.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=30_000, help="frames of the teacher to imitate (default: 30000)")
    parser.add_argument("--epochs", type=int, default=20, help="passes over them (default: 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the games and the training (default: 0)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("model.zip")), help="where to save the model")
    args = parser.parse_args()
    torch.set_num_threads(1)  # one thread: the same arithmetic, hence the same weights, on every run

    env = gymnasium.make("arena/Fighting-v0", opponent=BrawlerAgent())
    observations, keys = collect(env, args.steps, args.seed)
    # log_std -1 (a standard deviation of 0.37): sampled keys mostly follow the means when PPO goes on.
    model = PPO("MlpPolicy", env, policy_kwargs=dict(POLICY_KWARGS, log_std_init=-1.0), seed=args.seed, device="cpu")
    imitate(model, observations, keys, args.epochs, args.seed)
    model.save(args.out)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
