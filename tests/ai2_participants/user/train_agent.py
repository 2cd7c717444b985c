'''
TRAINING: AGENT

Agent classes, reward functions and the training entry point, in the competition's layout.
'''

import torch
import gymnasium as gym
from torch.nn import functional as F
from torch import nn as nn
import numpy as np
import pygame
from stable_baselines3 import A2C, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor

from arena.compat.ai2.environment.agent import *
from typing import Optional, Type, List, Tuple


class MLPPolicy(nn.Module):
    def __init__(self, obs_dim: int = 64, action_dim: int = 10, hidden_dim: int = 64):
        super(MLPPolicy, self).__init__()
        self.fc1 = nn.Linear(obs_dim, hidden_dim, dtype=torch.float32)
        self.fc2 = nn.Linear(hidden_dim, hidden_dim, dtype=torch.float32)
        self.fc3 = nn.Linear(hidden_dim, hidden_dim, dtype=torch.float32)

    def forward(self, obs):
        x = F.relu(self.fc1(obs))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class MLPExtractor(BaseFeaturesExtractor):
    def __init__(self, observation_space: gym.Space, features_dim: int = 64, hidden_dim: int = 64):
        super(MLPExtractor, self).__init__(observation_space, features_dim)
        self.model = MLPPolicy(obs_dim=observation_space.shape[0], action_dim=10, hidden_dim=hidden_dim)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.model(obs)

    @classmethod
    def get_policy_kwargs(cls, features_dim: int = 64, hidden_dim: int = 64) -> dict:
        return dict(features_extractor_class=cls,
                    features_extractor_kwargs=dict(features_dim=features_dim, hidden_dim=hidden_dim))


class CustomAgent(Agent):
    def __init__(self, sb3_class: Optional[Type[BaseAlgorithm]] = PPO, file_path: str = None,
                 extractor: BaseFeaturesExtractor = None):
        self.sb3_class = sb3_class
        self.extractor = extractor
        super().__init__(file_path)

    def _initialize(self) -> None:
        if self.file_path is None:
            self.model = self.sb3_class("MlpPolicy", self.env, policy_kwargs=self.extractor.get_policy_kwargs(),
                                        verbose=0, n_steps=64, batch_size=32, ent_coef=0.01)
            del self.env
        else:
            self.model = self.sb3_class.load(self.file_path)

    def _gdown(self) -> str:
        return

    def predict(self, obs):
        action, _ = self.model.predict(obs)
        return action

    def save(self, file_path: str) -> None:
        self.model.save(file_path, include=['num_timesteps'])

    def learn(self, env, total_timesteps, log_interval: int = 1, verbose=0):
        self.model.set_env(env)
        self.model.verbose = verbose
        self.model.learn(total_timesteps=total_timesteps, log_interval=log_interval)


# ----------------------------- REWARD FUNCTIONS -----------------------------

def base_height_l2(env: WarehouseBrawl, target_height: float, obj_name: str = 'player') -> float:
    obj: GameObject = env.objects[obj_name]
    return (obj.body.position.y - target_height)**2


class RewardMode(Enum):
    ASYMMETRIC_OFFENSIVE = 0
    SYMMETRIC = 1
    ASYMMETRIC_DEFENSIVE = 2


def damage_interaction_reward(env: WarehouseBrawl, mode: RewardMode = RewardMode.SYMMETRIC) -> float:
    player: Player = env.objects["player"]
    opponent: Player = env.objects["opponent"]
    damage_taken = player.damage_taken_this_frame
    damage_dealt = opponent.damage_taken_this_frame
    if mode == RewardMode.ASYMMETRIC_OFFENSIVE:
        reward = damage_dealt
    elif mode == RewardMode.SYMMETRIC:
        reward = damage_dealt - damage_taken
    else:
        reward = -damage_taken
    return reward / 140


def danger_zone_reward(env: WarehouseBrawl, zone_penalty: int = 1, zone_height: float = 4.2) -> float:
    player: Player = env.objects["player"]
    reward = -zone_penalty if player.body.position.y >= zone_height else 0.0
    return reward * env.dt


def in_state_reward(env: WarehouseBrawl, desired_state: Type[PlayerObjectState] = BackDashState) -> float:
    player: Player = env.objects["player"]
    reward = 1 if isinstance(player.state, desired_state) else 0.0
    return reward * env.dt


def head_to_opponent(env: WarehouseBrawl) -> float:
    player: Player = env.objects["player"]
    opponent: Player = env.objects["opponent"]
    multiplier = -1 if player.body.position.x > opponent.body.position.x else 1
    return multiplier * (player.body.position.x - player.prev_x)


def holding_more_than_3_keys(env: WarehouseBrawl) -> float:
    player: Player = env.objects["player"]
    a = np.array(player.cur_action)
    if (a > 0.5).sum() > 3:
        return env.dt
    return 0


def risky_stock_reward(env: WarehouseBrawl) -> float:
    # Damage piling up on one stock is dangerous: penalise it, scaled per second.
    player = env.objects["player"]
    opponent = env.objects["opponent"]
    return (opponent.damage_taken_this_stock - player.damage_taken_this_stock) * 0.001 * env.dt


def edge_guard_reward(env: WarehouseBrawl) -> float:
    # Stay within the stage: penalise the last tiles before either side edge.
    player = env.objects["player"]
    edge_x = env.stage_width_tiles // 2
    return -env.dt if abs(player.body.position.x) > edge_x - 3 else 0.0


def on_platform_reward(env: WarehouseBrawl) -> float:
    player = env.objects["player"]
    platform: Stage = env.objects["platform1"]
    half_width = platform.width / 2
    above = platform.body.position.y - platform.height <= player.body.position.y <= platform.body.position.y
    return env.dt if abs(player.body.position.x - platform.body.position.x) <= half_width and above else 0.0


def jab_press_reward(env: WarehouseBrawl) -> float:
    # Reward pressing (not holding) the light attack key.
    player = env.objects["player"]
    return 1.0 if player.input.key_status['j'].just_pressed else 0.0


def on_win_reward(env: WarehouseBrawl, agent: str) -> float:
    return 1.0 if agent == 'player' else -1.0


def on_knockout_reward(env: WarehouseBrawl, agent: str) -> float:
    return -1.0 if agent == 'player' else 1.0


def on_equip_reward(env: WarehouseBrawl, agent: str) -> float:
    if agent == "player":
        if env.objects["player"].weapon == "Hammer":
            return 2.0
        elif env.objects["player"].weapon == "Spear":
            return 1.0
    return 0.0


def on_combo_reward(env: WarehouseBrawl, agent: str) -> float:
    return -1.0 if agent == 'player' else 1.0


def gen_reward_manager():
    reward_functions = {
        'danger_zone_reward': RewTerm(func=danger_zone_reward, weight=0.5),
        'damage_interaction_reward': RewTerm(func=damage_interaction_reward, weight=1.0),
        'penalize_attack_reward': RewTerm(func=in_state_reward, weight=-0.04, params={'desired_state': AttackState}),
        'holding_more_than_3_keys': RewTerm(func=holding_more_than_3_keys, weight=-0.01),
        'risky_stock_reward': RewTerm(func=risky_stock_reward, weight=1.0),
        'edge_guard_reward': RewTerm(func=edge_guard_reward, weight=0.1),
        'on_platform_reward': RewTerm(func=on_platform_reward, weight=0.1),
        'jab_press_reward': RewTerm(func=jab_press_reward, weight=0.01),
    }
    signal_subscriptions = {
        'on_win_reward': ('win_signal', RewTerm(func=on_win_reward, weight=50)),
        'on_knockout_reward': ('knockout_signal', RewTerm(func=on_knockout_reward, weight=8)),
        'on_combo_reward': ('hit_during_stun', RewTerm(func=on_combo_reward, weight=5)),
        'on_equip_reward': ('weapon_equip_signal', RewTerm(func=on_equip_reward, weight=10)),
    }
    return RewardManager(reward_functions, signal_subscriptions)


def main(train_timesteps: int = 1_000_000_000, save_path: str = 'checkpoints'):
    my_agent = CustomAgent(sb3_class=PPO, extractor=MLPExtractor)
    reward_manager = gen_reward_manager()
    selfplay_handler = SelfPlayRandom(partial(type(my_agent)))
    save_handler = SaveHandler(
        agent=my_agent,
        save_freq=100,
        max_saved=40,
        save_path=save_path,
        run_name='experiment_9',
        mode=SaveHandlerMode.FORCE,
    )
    opponent_specification = {
        'self_play': (8, selfplay_handler),
        'constant_agent': (0.5, partial(ConstantAgent)),
        'based_agent': (1.5, partial(BasedAgent)),
    }
    opponent_cfg = OpponentsCfg(opponents=opponent_specification)
    train(my_agent, reward_manager, save_handler, opponent_cfg, CameraResolution.LOW,
          train_timesteps=train_timesteps, train_logging=TrainLogging.NONE)
    return my_agent, save_handler


if __name__ == '__main__':
    main()
