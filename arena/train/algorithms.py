"""The SB3 algorithms `arena train` runs, by name: `ppo`, `a2c` (stable-baselines3) and `recurrent_ppo` (sb3-contrib)."""

from __future__ import annotations

from typing import Any

ALGORITHMS = ("ppo", "recurrent_ppo", "a2c")


def algorithm_class(name: str) -> Any:
    """The SB3 class for an algorithm name."""
    if name == "ppo":
        from stable_baselines3 import PPO

        return PPO
    if name == "a2c":
        from stable_baselines3 import A2C

        return A2C
    if name == "recurrent_ppo":
        from sb3_contrib import RecurrentPPO

        return RecurrentPPO
    raise ValueError(f"unknown algorithm {name!r}; choose one of {', '.join(ALGORITHMS)}")


def policy_name(name: str) -> str:
    """The SB3 policy for vector observations: an LSTM one for recurrent PPO."""
    return "MlpLstmPolicy" if name == "recurrent_ppo" else "MlpPolicy"
