"""The competition's `environment.agent` on arena: its agents, rewards, training and match helpers.

    from arena.compat.ai2.environment.agent import *

gives what the competition's module gives: everything `arena.compat.ai2.environment.environment`
offers, the libraries the module imports itself (`PPO`, `A2C`, `RecurrentPPO` when sb3-contrib is
installed, `Monitor`, `uuid`, ...), `Agent` (whose missing `file_path` falls back to a fresh
model, see `arena.agents.checkpoints`) and the agents built on it (`ConstantAgent`,
`RandomAgent`, `BasedAgent` and `ClockworkAgent` decide as the competition's do),
`RewTerm`/`RewardManager`, the training API (`train`, `SaveHandler`, `OpponentsCfg`,
`SelfPlayRandom`, ..., `SelfPlayWarehouseBrawl`), `run_match` and `run_real_time_match`.
"""

from __future__ import annotations

from typing import TypeVar

from arena.compat.ai2.environment import environment as _environment
from arena.compat.ai2.libraries import AGENT_IMPORTS, ENVIRONMENT_IMPORTS, lazy_module
from arena.compat.ai2.plots import plot_results  # noqa: F401
from arena.compat.ai2.selfplay import SelfPlayWarehouseBrawl  # noqa: F401
from arena.agents.fighting import (  # noqa: F401  (re-exported)
    BasedAgent, ClockworkAgent, ConstantAgent, RandomAgent, RecurrentPPOAgent, SB3Agent, UserInputAgent,
)
from arena.agents.fighting import FightingAgent as Agent  # noqa: F401
from arena.compat.ai2.match import run_match  # noqa: F401  (5,400 frames by default, as there)
from arena.compat.ai2.realtime import run_real_time_match  # noqa: F401
from arena.envs.fighting.rewards import RewardManager, RewTerm  # noqa: F401
from arena.global_seeds import import_packages_that_draw
from arena.train.checkpoints import SaveHandler, SaveHandlerMode  # noqa: F401
from arena.train.selfplay import (  # noqa: F401  (re-exported)
    OpponentsCfg, SelfPlayHandler, SelfPlayLatest, SelfPlayRandom, TrainLogging, train,
)

# The competition's module imports stable-baselines3 at once, and with it `rich` (for its progress bar), which
# draws from `random` as it is imported (`DRAW_AS_IMPORTED`). That draw is made here too, on import, so that a
# participant who seeds `random` after importing the module gets the competition's games, however late this
# process first uses a training library (importing stable-baselines3 then would shift the game's draws).
import_packages_that_draw()

# The competition's module re-exports the game's names.
globals().update({name: getattr(_environment, name) for name in _environment.GAME_NAMES})

SelfAgent = TypeVar("SelfAgent", bound="Agent")

AGENT_MODULE_NAMES = [
    "SelfAgent", "Agent", "ConstantAgent", "RandomAgent", "BasedAgent", "UserInputAgent", "ClockworkAgent",
    "SB3Agent", "RecurrentPPOAgent", "RewTerm", "RewardManager", "SaveHandlerMode", "SaveHandler",
    "SelfPlayHandler", "SelfPlayLatest", "SelfPlayRandom", "OpponentsCfg", "TrainLogging", "SelfPlayWarehouseBrawl",
    "run_match", "run_real_time_match", "plot_results", "train",
]
LIBRARIES = {**ENVIRONMENT_IMPORTS, **AGENT_IMPORTS}
# `__all__` (the game's and this module's names, and the installed libraries) and the libraries, on first use.
__getattr__ = lazy_module(globals(), LIBRARIES, [*_environment.GAME_NAMES, *AGENT_MODULE_NAMES])
