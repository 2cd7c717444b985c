"""What a fighter's keys did this frame, in the competition's shape: `player.input.key_status["j"].held`.

Reward code reads `key_status[name]` (`just_pressed`, `held`, `just_released`) with the key names
`W A S D space h l j k g` (the movement keys in capitals, as the competition spells them), and
the axes `raw_horizontal` (D = +1, A = -1) and `raw_vertical` (W = +1, S = -1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

KEY_STATUS_NAMES = ("W", "A", "S", "D", "space", "h", "l", "j", "k", "g")  # action order


@dataclass
class KeyStatus:
    just_pressed: bool = False
    held: bool = False
    just_released: bool = False


class PlayerInputHandler:
    """Each key's status, updated once a frame from an action (a value above 0.5 presses the key)."""

    def __init__(self):
        self.key_names = list(KEY_STATUS_NAMES)
        self.prev_state = {key: False for key in self.key_names}
        self.key_status = {key: KeyStatus() for key in self.key_names}
        self.raw_vertical = 0.0
        self.raw_horizontal = 0.0
        self.no_horizontal = True

    def update(self, action: Sequence[float]) -> None:
        for key, value in zip(self.key_names, action):
            current = bool(value > 0.5)
            previous = self.prev_state[key]
            status = self.key_status[key]
            status.just_pressed = current and not previous
            status.just_released = previous and not current
            status.held = current
            self.prev_state[key] = current
        held = {key: status.held for key, status in self.key_status.items()}
        self.raw_vertical = float(held["W"]) - float(held["S"])
        self.raw_horizontal = float(held["D"]) - float(held["A"])
        self.no_horizontal = not (held["D"] or held["A"])

    @classmethod
    def of(cls, previous: Sequence[float], current: Sequence[float]) -> PlayerInputHandler:
        """The input as it stands after a frame with keys `current` that followed keys `previous`."""
        handler = cls()
        handler.update(previous)
        handler.update(current)
        return handler

    def __repr__(self) -> str:
        held = [key for key, status in self.key_status.items() if status.held]
        return (f"PlayerInputHandler(held={held}, raw_horizontal={self.raw_horizontal}, "
                f"raw_vertical={self.raw_vertical})")
