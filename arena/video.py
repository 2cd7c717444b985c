"""Videos of matches: re-simulate a replay with rendering on and encode the frames.

`.mp4` files (and `.avi`, `.mkv`, `.mov`, the other containers H.264 goes in) are encoded through the
ffmpeg binary that imageio-ffmpeg ships; `.gif` files are written with Pillow.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import warnings
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from arena.errors import ArenaError
from arena.match import MatchResult

ENCODED = (".mp4", ".avi", ".mkv", ".mov")  # H.264 through ffmpeg
FORMATS = (*ENCODED, ".gif")


MACRO_BLOCK = 16  # H.264 encodes pictures in blocks of 16 x 16 pixels


def padded(frame: np.ndarray) -> np.ndarray:
    """`frame` grown right and down to whole macro blocks with its edge pixels (the encoder would
    otherwise stretch the picture, with a warning)."""
    height, width = frame.shape[:2]
    extra = (-height % MACRO_BLOCK, -width % MACRO_BLOCK)
    if extra == (0, 0):
        return frame
    return np.pad(frame, ((0, extra[0]), (0, extra[1]), (0, 0)), mode="edge")


@contextlib.contextmanager
def _fork_warning_ignored() -> Iterator[None]:
    """Without the warning JAX (pgx's games) gives at any fork: subprocess forks and execs ffmpeg with no
    Python run in between, which is safe."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"os\.fork\(\) was called", RuntimeWarning)
        yield


def why_not_writable(path: str | os.PathLike) -> str | None:
    """Why arena cannot write a video to `path` (its format), said before anything is played; None if it can."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        return f"videos can be {', '.join(FORMATS[:-1])} or {FORMATS[-1]}; change the file name"
    if suffix in ENCODED and importlib.util.find_spec("imageio_ffmpeg") is None:
        return f"a {suffix} is written by imageio-ffmpeg, which is not installed: pip install imageio-ffmpeg, or name a .gif"
    return None


class VideoWriter:
    """Frames in, a video file out; frames are streamed to ffmpeg, never all held in memory."""

    def __init__(self, path: str | os.PathLike, fps: float, encoded_fps: float | None = None):
        """`fps` frames make a second; with `encoded_fps` the encoder re-times them to that rate,
        repeating or dropping frames as ffmpeg's `-r` does (a video container only)."""
        self.path = Path(path)
        refusal = why_not_writable(self.path)
        if refusal is not None:
            raise ArenaError(f"{self.path}: {refusal}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fps = fps
        self._last: np.ndarray | None = None
        self._gif_frames: list[np.ndarray] = []
        self._encoder = None
        if self.path.suffix.lower() in ENCODED:
            import imageio.v2 as imageio

            retimed = {} if encoded_fps is None else {"output_params": ["-r", f"{encoded_fps:g}"]}
            self._encoder = imageio.get_writer(self.path, fps=fps, codec="libx264", quality=7,
                                               macro_block_size=MACRO_BLOCK, **retimed)

    def add(self, frame: np.ndarray) -> None:
        first, self._last = self._last is None, frame
        if self._encoder is not None:
            with _fork_warning_ignored() if first else contextlib.nullcontext():  # ffmpeg starts with the first
                self._encoder.append_data(padded(frame))
        else:
            self._gif_frames.append(frame)

    def hold(self, seconds: float) -> None:
        """Repeat the last frame, so the final position stays on screen."""
        if self._last is not None:
            for _ in range(round(seconds * self.fps)):
                self.add(self._last)

    def close(self) -> Path:
        if self._encoder is not None:
            self._encoder.close()
        elif self._gif_frames:
            import imageio.v3 as iio

            iio.imwrite(self.path, self._gif_frames, duration=1000 / self.fps, loop=0)
        return self.path

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


NO_PICTURE = "the game ended before its first position (a seat failed to start), so it has no picture"


def record(result: MatchResult, path: str | os.PathLike, fps: float | None = None, hold_seconds: float = 2.0,
           on_frame: Callable[[int, int], None] | None = None) -> Path | None:
    """Render the match `result` (a fresh result or a loaded replay) to a video file at `path`; None, and
    no file, for a game that ended before its first position was set up (`NO_PICTURE`).

    The players are shown by their names in the match (submission names), not by seat.
    `on_frame(done, total)` is called after each frame of the match is encoded, e.g. to move a progress bar.
    """
    from arena.envs import env_class
    from arena.replay import resimulate

    fps = fps or env_class(result.env).metadata.get("render_fps", 30)
    names = {agent.seat: agent.name for agent in result.agents}
    total = result.steps + 1  # the start position, then one picture a step
    done = 0

    def add_frame(env) -> None:
        nonlocal done
        env.unwrapped.player_names = names
        writer.add(env.render())
        done = min(done + 1, total)
        if on_frame is not None:
            on_frame(done, total)

    with VideoWriter(path, fps) as writer:
        resimulate(result, on_step=add_frame, render_mode="rgb_array")
        writer.hold(hold_seconds)
    if on_frame is not None and done < total:
        on_frame(total, total)
    return Path(path) if done else None
