# A training script's seeded start: the same seed should give the same first game on every run, so
# that two reward settings start alike. It names what it uses (no star import and no import of
# stable-baselines3 of its own): its model, a fresh PPO, is built by SB3Agent on the training env.

import random
from functools import partial

from arena.compat.ai2.environment.agent import (BasedAgent, CameraResolution, OpponentsCfg, RewardManager,
                                                SB3Agent, SelfPlayWarehouseBrawl)


def first_game(seed: int) -> dict:
    random.seed(seed)
    env = SelfPlayWarehouseBrawl(reward_manager=RewardManager(),
                                 opponent_cfg=OpponentsCfg(opponents={"based": (1.0, partial(BasedAgent))}),
                                 resolution=CameraResolution.LOW)
    my_agent = SB3Agent()
    my_agent.get_env_info(env)  # builds the model: the first use of stable-baselines3 in this process
    obs, _ = env.reset()
    return {"x": float(obs[0]), "next_random": random.random()}
