"""`render()` and `close()` for every env, from one picture of its current state."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

import gymnasium
import numpy as np


class RenderModes:
    """Mixin giving an env PettingZoo's `render()` and `close()`.

    The env supplies `_picture()`, a pygame Surface showing the current state, and `_text()` if
    "ansi" is among its render modes. "rgb_array" returns the picture as an (H, W, 3) uint8 array,
    "human" shows it in a window at the env's `render_fps`. pygame loads only when a picture is
    first made, so an env that is never drawn never imports it. Pictures label each player
    `shown_name(seat)`: setting `env.unwrapped.player_names = {"player_0": "greedy", ...}` names
    them (as `arena.video` does with the submissions' names).
    """

    render_mode: str | None
    metadata: dict[str, Any]
    _window = None
    # Seat -> the name pictures show for it (a match's submission names); seats not named show as themselves.
    player_names: Mapping[str, str] = MappingProxyType({})

    def shown_name(self, seat: str) -> str:
        """The name pictures show for `seat`: its player's name when one was given, else the seat."""
        return self.player_names.get(seat, seat)

    def _picture(self):
        raise NotImplementedError

    def _text(self) -> str:
        raise NotImplementedError

    def render(self) -> np.ndarray | str | None:
        if self.render_mode is None:
            gymnasium.logger.warn(f"{self.metadata['name']}: render() called without a render_mode; "
                                  "pass render_mode to make()")
            return None
        if self.render_mode == "ansi":
            return self._text()
        if self.render_mode == "rgb_array":
            return self.rgb_frame()
        from arena.envs.rendering import HumanWindow

        if self._window is None:
            self._window = HumanWindow(f"arena: {self.metadata['name']}", self.metadata["render_fps"])
        self._window.show(self._picture())
        return None

    def rgb_frame(self) -> np.ndarray:
        """The current picture as an RGB array, whatever the render mode (for recording a window)."""
        from arena.envs.rendering import to_rgb_array

        return to_rgb_array(self._picture())

    def close(self) -> None:
        if self._window is not None:
            self._window.close()
            self._window = None
