"""The competition's `environment.agent` on arena: its agents, rewards, training and match helpers.

    from arena.compat.ai2.environment.agent import *

gives what the competition's module gives: everything `arena.compat.ai2.environment.environment`
offers, the libraries the module imports itself (`PPO`, `A2C`, `RecurrentPPO` when sb3-contrib is
installed, `Monitor`, ...), `Agent` (whose missing `file_path` falls back to a fresh model, see
`arena.envs.fighting.checkpoints`) and the agents built on it, `RewTerm`/`RewardManager`, the
training API (`train`, `SaveHandler`, `OpponentsCfg`, `SelfPlayRandom`, ...,
`SelfPlayWarehouseBrawl`), `run_match` and `run_real_time_match`.
"""

from typing import TypeVar

from arena.compat.ai2.environment.environment import *  # noqa: F403  (the competition's module re-exports these)
from arena.compat.ai2.environment.environment import __all__ as ENVIRONMENT_ALL
from arena.compat.ai2.libraries import *  # noqa: F403
from arena.compat.ai2.libraries import AGENT_NAMES
from arena.compat.ai2.plots import plot_results
from arena.compat.ai2.selfplay import SelfPlayWarehouseBrawl
from arena.envs.fighting.agents import (
    BasedAgent, ClockworkAgent, ConstantAgent, RandomAgent, RecurrentPPOAgent, SB3Agent, UserInputAgent,
)
from arena.envs.fighting.agents import FightingAgent as Agent
from arena.envs.fighting.match import run_match
from arena.envs.fighting.realtime import run_real_time_match
from arena.envs.fighting.rewards import RewardManager, RewTerm
from arena.train.checkpoints import SaveHandler, SaveHandlerMode
from arena.train.selfplay import OpponentsCfg, SelfPlayHandler, SelfPlayLatest, SelfPlayRandom, TrainLogging, train

SelfAgent = TypeVar("SelfAgent", bound="Agent")

AGENT_MODULE_NAMES = [
    "SelfAgent", "Agent", "ConstantAgent", "RandomAgent", "BasedAgent", "UserInputAgent", "ClockworkAgent",
    "SB3Agent", "RecurrentPPOAgent", "RewTerm", "RewardManager", "SaveHandlerMode", "SaveHandler",
    "SelfPlayHandler", "SelfPlayLatest", "SelfPlayRandom", "OpponentsCfg", "TrainLogging", "SelfPlayWarehouseBrawl",
    "run_match", "run_real_time_match", "plot_results", "train",
]
__all__ = [*ENVIRONMENT_ALL, *AGENT_NAMES, *AGENT_MODULE_NAMES]
