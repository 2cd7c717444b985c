"""Driving the fighting game's `Game` in tests: key combos as actions, and signal handlers that do nothing."""

from __future__ import annotations

import numpy as np

from arena.envs.fighting.rules import KEY_NAMES

SIGNALS = ("win_signal", "knockout_signal", "hit_during_stun", "weapon_equip_signal", "weapon_drop_signal")


class Quiet:
    def emit(self, **_) -> None:
        pass


def quiet_signals() -> dict[str, Quiet]:
    return {name: Quiet() for name in SIGNALS}


def action(combo: str) -> np.ndarray:
    """The action pressing `combo`'s keys ("d+j"; "" presses nothing)."""
    keys = np.zeros(len(KEY_NAMES), np.float32)
    for key in filter(None, combo.split("+")):
        keys[KEY_NAMES.index(key)] = 1.0
    return keys
