"""The agent contract every submission implements.

A submission's `agent.py` defines `SubmittedAgent(Agent)`. The harness then, in order:

1. builds it, anew for every game (its folder's modules run anew too): `SubmittedAgent(file_path)`
   with the manifest's weights file, or with no argument, in which case `__init__` asks `_gdown()`
   for a local weights path (downloading it if missing);
2. sets `time_control`, the game's clock (`TimeControl`: seconds a move and a bank for the game; told
   again before a move once earlier ones drew on the bank),
   then calls `get_env_info(env)`, which records the spaces and helpers of the agent's seat, then
   calls `_initialize()` (load or build the model) and sets `initialized`;
3. calls `reset()` at the start of every episode and `predict(obs)` for every move.

Turn-based games pass `obs` as PettingZoo's classic dict `{"observation", "action_mask"}`.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TimeControl:
    """The clock a game's agent plays under: `per_move` seconds a move, and a `bank` of seconds for the
    whole game that time over `per_move` is taken from; a move that finds the bank empty loses.
    `bank_left` is what the game's moves so far have left of it (the whole bank until one draws on it)."""

    per_move: float
    bank: float
    bank_left: float | None = None

    def __post_init__(self) -> None:
        if self.bank_left is None:
            object.__setattr__(self, "bank_left", self.bank)


class Agent(ABC):
    """Base class of all agents; subclass it and implement `predict`."""

    # The clock of the game it is seated in, set by the harness before `get_env_info` (None outside a match).
    time_control: TimeControl | None = None

    def __init__(self, file_path: str | None = None):
        if file_path is None:
            file_path = self._gdown()
        self.file_path: str | None = file_path
        self.initialized = False

    def get_env_info(self, env: Any) -> None:
        """Learn the seat's spaces from `env` (a Gymnasium env or an arena seat view), then initialize."""
        if callable(env.observation_space):
            raise TypeError(
                "get_env_info needs one seat's view of the env, but got a PettingZoo env whose "
                "observation_space is a method: pass arena.envs.seat_view(env, agent_id) instead"
            )
        self.observation_space = env.observation_space
        self.action_space = env.action_space
        # Gymnasium wrappers (Monitor, TimeLimit...) do not pass these through: ask the env inside.
        inner = getattr(env, "unwrapped", env)
        self.obs_helper = getattr(env, "obs_helper", None) or getattr(inner, "obs_helper", None)
        self.act_helper = getattr(env, "act_helper", None) or getattr(inner, "act_helper", None)
        self.env = env
        self._initialize()
        self.initialized = True

    def _initialize(self) -> None:
        """Build or load the model once the spaces are known (after `get_env_info`)."""

    def _gdown(self) -> str | None:
        """Return a local path to the weights, downloading them only if missing; None if there are none.

        By default the manifest next to the agent's module decides: its `weights` file when it is
        in the folder, else `weights_url` downloaded with gdown into arena's cache and checked
        against `weights_sha256` (see `arena.weights`). Override it to fetch weights your own way;
        in a match there is no network, so whatever it needs must be local by then.
        """
        from arena.manifest import manifest_weights

        try:
            folder = Path(inspect.getfile(type(self))).parent
        except (TypeError, OSError):  # a class defined interactively has no file, hence no manifest
            return None
        return manifest_weights(folder)

    @abstractmethod
    def predict(self, obs: Any) -> Any:
        """The action for observation `obs`."""

    def reset(self) -> None:
        """Called at the start of every episode."""

    def save(self, file_path: str) -> None:
        """Write the agent's weights to `file_path` (nothing to save by default)."""

    def learn(self, env: Any, total_timesteps: int, log_interval: int = 1, verbose: int = 0) -> None:
        """Train on `env`; agents without learning raise NotImplementedError."""
        raise NotImplementedError(f"{type(self).__name__} does not learn; subclass it and implement learn()")

    def get_num_timesteps(self) -> int:
        """Environment steps the agent's model has trained for (0 without a model)."""
        model = getattr(self, "model", None)
        return int(getattr(model, "num_timesteps", 0)) if model is not None else 0

    def update_num_timesteps(self, num_timesteps: int) -> None:
        model = getattr(self, "model", None)
        if model is not None:
            model.num_timesteps = num_timesteps
