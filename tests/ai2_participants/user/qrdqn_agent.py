# SUBMISSION: Agent, a QR-DQN over a few key combinations, its model class subclassing QRDQN and passing every
# argument on by position, as participants' agents did on the competition's sb3-contrib 2.3.

import os
from typing import Optional
from arena.compat.ai2.environment.agent import Agent
from sb3_contrib import QRDQN
from gymnasium import ActionWrapper
from gymnasium.spaces import Discrete

import numpy as np

# a, d, space, j: left, right, jump, light attack
KEYS = (1, 3, 4, 7)


class SubmittedAgent(Agent):
    def __init__(self, file_path: Optional[str] = None):
        super().__init__(file_path)

    def _initialize(self) -> None:
        if self.file_path is None:
            self.model = CustomDQN("MlpPolicy", KeyChoice(self.env), learning_starts=16, batch_size=16)
            del self.env
        else:
            self.model = CustomDQN.load(self.file_path)

    def _gdown(self) -> str:
        data_path = "rl-model.zip"
        if not os.path.isfile(data_path):
            # No network in a match: a model that is not here is simply not downloaded.
            return None
        return data_path

    def predict(self, obs):
        action, _ = self.model.predict(obs)
        return KeyChoice.keys(action)

    def save(self, file_path: str) -> None:
        self.model.save(file_path, include=['num_timesteps'])

    def learn(self, env, total_timesteps, log_interval: int = 4, verbose=0):
        self.model.set_env(KeyChoice(env))
        self.model.verbose = verbose
        self.model.learn(total_timesteps=total_timesteps, log_interval=log_interval)


class CustomDQN(QRDQN):
    def __init__(self, policy, env, learning_rate=0.00005, buffer_size=1000000, learning_starts=100, batch_size=32,
                 tau=1, gamma=0.99, train_freq=4, gradient_steps=1, replay_buffer_class=None,
                 replay_buffer_kwargs=None, optimize_memory_usage=False, target_update_interval=10000,
                 exploration_fraction=0.005, exploration_initial_eps=1, exploration_final_eps=0.01, max_grad_norm=None,
                 stats_window_size=100, tensorboard_log=None, policy_kwargs=None, verbose=0, seed=None, device="auto",
                 _init_setup_model=True):
        super().__init__(policy, env, learning_rate, buffer_size, learning_starts, batch_size, tau, gamma, train_freq,
                         gradient_steps, replay_buffer_class, replay_buffer_kwargs, optimize_memory_usage,
                         target_update_interval, exploration_fraction, exploration_initial_eps, exploration_final_eps,
                         max_grad_norm, stats_window_size, tensorboard_log, policy_kwargs, verbose, seed, device,
                         _init_setup_model)


class KeyChoice(ActionWrapper):
    @staticmethod
    def keys(action):
        pressed = np.zeros(10, dtype=np.float32)
        pressed[KEYS[int(action)]] = 1
        return pressed

    def __init__(self, env):
        super().__init__(env)
        self.action_space = Discrete(len(KEYS))

    def action(self, action):
        return self.keys(action)
