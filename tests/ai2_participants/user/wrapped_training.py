# A training script with its own loop: it builds the training env itself, adds the opponent's last
# few moves to the observation with a wrapper, logs episodes with SB3's Monitor, and reaches the
# env inside through `unwrapped` to tell it that training starts and ends.
import os
from collections import deque
from functools import partial

import gymnasium as gym
import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.monitor import Monitor

from arena.compat.ai2.environment.agent import *
from user.train_agent import CustomAgent


class OpponentMovesWrapper(gym.ObservationWrapper):
    """Appends the opponent's move type over the last `frames` frames to the observation."""

    def __init__(self, env, frames: int = 4):
        super().__init__(env)
        self.frames = frames
        self.moves = deque([0.0] * frames, maxlen=frames)
        low = np.concatenate([env.observation_space.low, np.zeros(frames, dtype=np.float32)])
        high = np.concatenate([env.observation_space.high, np.full(frames, 12.0, dtype=np.float32)])
        self.observation_space = gym.spaces.Box(low=low, high=high, dtype=np.float32)
        self.obs_helper = env.obs_helper
        self.act_helper = env.act_helper

    def reset(self, **kwargs):
        self.moves.extend([0.0] * self.frames)
        return super().reset(**kwargs)

    def observation(self, obs):
        self.moves.append(float(self.obs_helper.get_section(obs, 'opponent_move_type')[0]))
        return np.concatenate([obs, np.array(self.moves, dtype=np.float32)]).astype(np.float32)


class MovesAgent(CustomAgent):
    """The starter's agent with a plain MLP, for the longer observation."""

    def _initialize(self) -> None:
        if self.file_path is None:
            self.model = PPO("MlpPolicy", self.env, n_steps=64, batch_size=32, verbose=0)
            del self.env
        else:
            self.model = PPO.load(self.file_path)


def keep_moving_reward(env: WarehouseBrawl) -> float:
    player: Player = env.objects["player"]
    return abs(player.body.velocity.x) * env.dt


def run_training_loop(agent, reward_manager, save_handler, opponent_cfg, train_timesteps: int, log_dir: str,
                      fast_mode: bool = False):
    base_env = SelfPlayWarehouseBrawl(reward_manager=reward_manager, opponent_cfg=opponent_cfg,
                                      save_handler=save_handler, resolution=CameraResolution.LOW)
    if fast_mode:
        base_env.raw_env.max_timesteps = 90  # 3-second matches to test the loop quickly
    reward_manager.subscribe_signals(base_env.raw_env)
    os.makedirs(log_dir, exist_ok=True)
    env = Monitor(OpponentMovesWrapper(base_env), log_dir)
    base_env = env.unwrapped
    agent.get_env_info(env)
    base_env.on_training_start()
    agent.learn(env, total_timesteps=train_timesteps)
    base_env.on_training_end()
    env.close()
    return base_env


def main(train_timesteps: int = 100_000, save_path: str = 'checkpoints', fast_mode: bool = False):
    agent = MovesAgent()
    reward_manager = RewardManager({'keep_moving_reward': RewTerm(func=keep_moving_reward, weight=1.0)},
                                   {})
    save_handler = SaveHandler(agent=agent, save_freq=100_000, max_saved=5, save_path=save_path,
                               run_name='moves', mode=SaveHandlerMode.FORCE)
    opponent_cfg = OpponentsCfg(opponents={'based_agent': (1.0, partial(BasedAgent))})
    base_env = run_training_loop(agent, reward_manager, save_handler, opponent_cfg, train_timesteps,
                                 log_dir=os.path.join(save_path, 'moves'), fast_mode=fast_mode)
    return agent, base_env


if __name__ == '__main__':
    main()
