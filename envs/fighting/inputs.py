"""What a fighter's keys did this frame, in the competition's shape: `player.input.key_status["j"].held`.

Reward code reads `key_status[name]` (`just_pressed`, `held`, `just_released`) with the key names
`W A S D space h l j k g` (the movement keys in capitals, as the competition spells them), the
axes `raw_horizontal` (D = +1, A = -1) and `raw_vertical` (W = +1, S = -1), and
`horizontal_state`, which of A and D are held in the order they went down.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Sequence

from arena.envs.fighting.rules import Facing

KEY_STATUS_NAMES = ("W", "A", "S", "D", "space", "h", "l", "j", "k", "g")  # action order


@dataclass(slots=True)
class KeyStatus:
    just_pressed: bool = False
    held: bool = False
    just_released: bool = False


class HorizontalState(Enum):
    """Which of A (left) and D (right) are held; with both, the later one is named last."""

    NONE = 0
    LEFT = 1
    RIGHT = 2
    LEFT_RIGHT = 3
    RIGHT_LEFT = 4

    def remove(self, facing: Facing) -> HorizontalState:
        """The state once the key toward `facing` is released."""
        return _REMOVE.get((self, facing), self)

    def stack(self, facing: Facing) -> HorizontalState:
        """The state once the key toward `facing` goes down."""
        return _STACK.get((self, facing), self)

    def register_keys(self, left_status: KeyStatus, right_status: KeyStatus) -> HorizontalState:
        """Releases first, then presses (D before A when both go down on the same frame)."""
        state = self
        if left_status.just_released:
            state = state.remove(Facing.LEFT)
        if right_status.just_released:
            state = state.remove(Facing.RIGHT)
        if right_status.just_pressed:
            state = state.stack(Facing.RIGHT)
        if left_status.just_pressed:
            state = state.stack(Facing.LEFT)
        return state

    def get_last_int(self) -> int:
        """-1 or +1 for the direction pressed last, 0 for neither."""
        return _LAST_INT[self]


_H = HorizontalState
_REMOVE = {(_H.LEFT, Facing.LEFT): _H.NONE, (_H.LEFT_RIGHT, Facing.LEFT): _H.RIGHT,
           (_H.RIGHT_LEFT, Facing.LEFT): _H.RIGHT, (_H.RIGHT, Facing.RIGHT): _H.NONE,
           (_H.LEFT_RIGHT, Facing.RIGHT): _H.LEFT, (_H.RIGHT_LEFT, Facing.RIGHT): _H.LEFT}
_STACK = {(_H.NONE, Facing.LEFT): _H.LEFT, (_H.NONE, Facing.RIGHT): _H.RIGHT,
          (_H.LEFT, Facing.RIGHT): _H.LEFT_RIGHT, (_H.RIGHT, Facing.LEFT): _H.RIGHT_LEFT}
_LAST_INT = {_H.NONE: 0, _H.LEFT: -1, _H.RIGHT: 1, _H.LEFT_RIGHT: 1, _H.RIGHT_LEFT: -1}


class PlayerInputHandler:
    """Each key's status, updated once a frame from an action (a value above 0.5 presses the key)."""

    def __init__(self):
        self.key_names = list(KEY_STATUS_NAMES)
        self.key_status = {key: KeyStatus() for key in self.key_names}
        self._statuses = list(self.key_status.values())
        self.held = [False] * len(self.key_names)  # this frame's keys, in action order
        self.raw_vertical = 0.0
        self.raw_horizontal = 0.0
        self.no_horizontal = True
        self.horizontal_state = HorizontalState.NONE
        self.last_direction = 0  # the competition's handler has it and never changes it

    @property
    def prev_state(self) -> dict[str, bool]:
        """Whether each key is held, as the next update compares (the competition's handler keeps it so: after
        an update it holds that frame's keys, not the frame's before)."""
        return {key: status.held for key, status in self.key_status.items()}

    def update(self, action: Sequence[float]) -> None:
        before = self.held
        held = self.held = [value > 0.5 for value in action]
        for status, now, was in zip(self._statuses, held, before):
            status.held = now
            status.just_pressed = now and not was
            status.just_released = was and not now
        w, a, s, d = held[0], held[1], held[2], held[3]
        self.raw_vertical = float(w) - float(s)
        self.raw_horizontal = float(d) - float(a)
        self.no_horizontal = not (d or a)
        if a != before[1] or d != before[3]:
            self.horizontal_state = self.horizontal_state.register_keys(self._statuses[1], self._statuses[3])

    @classmethod
    def of(cls, previous: Sequence[float], current: Sequence[float]) -> PlayerInputHandler:
        """The input as it stands after a frame with keys `current` that followed keys `previous`.

        Only two frames are known, so with A and D both held since before `previous`, A counts as
        pressed last.
        """
        handler = cls()
        handler.update(previous)
        handler.update(current)
        return handler

    def __repr__(self) -> str:
        held = [key for key, status in self.key_status.items() if status.held]
        return (f"PlayerInputHandler(held={held}, raw_horizontal={self.raw_horizontal}, "
                f"raw_vertical={self.raw_vertical})")
