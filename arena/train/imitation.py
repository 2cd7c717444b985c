"""Warm start by imitation: the policy first copies a scripted teacher, then the league improves on it.

AlphaStar's league starts from agents trained on human games; here the teacher is a scripted
agent (BrawlerAgent in the recipe). The teacher plays the learner's seat through the same
`Controls` the policy uses (its keys at each decision mapped to the closest key combination and
held for `repeat` frames), so it only visits states the policy can reach:

    demonstrations   teacher games in the training env, in `workers` processes:
                     (scaled observation, combination, discounted shaped return) per decision
    pretrain         a few epochs of the policy's log-likelihood of the teacher's combinations,
                     and of the value head's squared error to the returns
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any

import numpy as np

from arena.seeding import derive_seed
from arena.train.config import scripted_agent
from arena.train.controls import Controls
from arena.train.league import build_pool, make_env


def demonstrations(config: Any, teacher: str, decisions: int, seed: int) -> tuple[np.ndarray, ...]:
    """`decisions` decisions of `teacher` in the training env: observations, combinations, discounted returns."""
    import torch

    from arena.envs.seat import seat_view

    torch.set_num_threads(1)
    controls = Controls(config.repeat, config.combos)
    env = make_env(config, build_pool(config.opponents, snapshot_agent=lambda path: None).opponents, controls)
    single = env.unwrapped
    agent = scripted_agent(teacher)()
    observations, actions, rewards, ends = [], [], [], []
    episode = 0
    while len(actions) < decisions:
        episode_seed = derive_seed(seed, episode)
        obs, _ = env.reset(seed=episode_seed)
        agent.get_env_info(seat_view(single.env, single.seat, episode_seed))
        agent.reset()
        done = False
        while not done and len(actions) < decisions:
            combo = controls.combo(agent.predict(env.raw_observation))
            observations.append(obs)
            actions.append(combo)
            obs, reward, terminated, truncated, _ = env.step(combo)
            done = terminated or truncated
            rewards.append(reward)
            ends.append(done)
        episode += 1
    env.close()
    return (np.asarray(observations, np.float32), np.asarray(actions, np.int64),
            discounted_returns(np.asarray(rewards, np.float32), np.asarray(ends), config.gamma))


def discounted_returns(rewards: np.ndarray, ends: np.ndarray, gamma: float) -> np.ndarray:
    """Each step's discounted sum of the rewards to the end of its episode."""
    returns = np.zeros_like(rewards)
    running = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running * (not ends[t])
        returns[t] = running
    return returns


def collect(config: Any, teacher: str, decisions: int, workers: int, seed: int) -> tuple[np.ndarray, ...]:
    """`decisions` teacher decisions split over `workers` processes, joined."""
    shares = [decisions // workers + (i < decisions % workers) for i in range(workers)]
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        parts = list(pool.map(partial(demonstrations, config, teacher), shares,
                              [derive_seed(seed, i) for i in range(workers)]))
    return tuple(np.concatenate(column) for column in zip(*parts))


def pretrain(model: Any, observations: np.ndarray, actions: np.ndarray, returns: np.ndarray, epochs: int,
             batch_size: int) -> float:
    """Fit the SB3 policy to the teacher's combinations (and its value head to the returns); the last epoch's loss."""
    import torch
    import torch.nn.functional as F

    policy = model.policy
    policy.set_training_mode(True)
    obs, act, ret = (torch.as_tensor(a) for a in (observations, actions, returns))
    loss_sum = 0.0
    for _ in range(epochs):
        loss_sum = 0.0
        for batch in torch.randperm(len(act)).split(batch_size):
            values, log_prob, _ = policy.evaluate_actions(obs[batch], act[batch])
            loss = -log_prob.mean() + 0.5 * F.mse_loss(values.flatten(), ret[batch])
            policy.optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), 0.5)
            policy.optimizer.step()
            loss_sum += loss.item() * len(batch)
    policy.set_training_mode(False)
    return loss_sum / len(act)
