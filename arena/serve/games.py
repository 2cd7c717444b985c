"""What a game's page shows: the states a replay passes through, for the browser's player, or its video.

A replay is the seed, the options and every action; the server re-simulates it once (checking
it reproduces the recorded result) and hands the browser's player (`REPLAY_JS` in pages.py) one
small drawable state per step, the start included, which it draws. What a state holds depends on
the game (`PLAYERS` names the player each game gets):

- "board" (Othello, gomoku): the compact board string (`OthelloBoard.to_string()`: the squares
  row by row, '-' empty, 'X' black, 'O' white, then the side to move).
- "snake": `{"snakes", "heading", "alive", "length", "fruit"}`: each snake's cells head first
  (a cell is row * width + col; a dead snake has none left), its heading (0 up, 1 right,
  2 down, 3 left), whether it lives, its length, and the fruit cells. The walls are the grid's
  border (`height` by `width` cells, in the frames' header).
- "relay": `{"x", "angle", "baton", "action", "credits"}`: the cart's position, the pole's angle
  from upright (radians, positive leaning right), the seat holding the baton (null in vote
  mode), the push of the step just played (0 left, 1 right, null at the start) and each seat's
  steps survived in control. The header gives the track's half-length, the pole's length and
  the angle at which it falls.
- "video" (the fighting game, too rich for a small player): an mp4 rendered with
  `arena.video.record` on its first request, cached beside the replay (`replays/000012.json`
  gets `replays/000012.mp4`), one render at a time per game. Anyone may ask for every game's
  video, so the cache is bounded: past VIDEOS_KEPT_BYTES in all, the videos watched longest ago
  are deleted (rendered again if asked for again).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from arena.errors import ArenaError

PLAYERS = {"othello": "board", "gomoku": "board", "snake": "snake", "cartpole_relay": "relay", "fighting": "video"}
DIGITS = 5  # decimals of the relay's floats: a tenth of a micrometre, a hundred-thousandth of a radian
RENDERS_AT_ONCE = 2  # videos rendered at the same time, all games together: each keeps a core busy
RENDER_REQUESTS_AT_ONCE = 8  # requests rendering or waiting for a render; more are answered 503 at once
VIDEOS_KEPT_BYTES = 512 << 20  # what the cached videos may hold in all; the latest watched are kept


def player_of(env: str) -> str | None:
    """The player a game's page gets ("board", "snake", "relay" or "video"); None for other games."""
    return PLAYERS.get(env)


@lru_cache(maxsize=256)
def replay_frames(replay_path: str) -> dict[str, Any] | None:
    """{"env", "player", "players", "frames", ...its header} of a replay; None for games without a drawn player."""
    from arena import replay

    recorded = replay.load(replay_path)
    reader = _READERS.get(player_of(recorded.env) or "")
    if reader is None:
        return None
    header: dict[str, Any] = {}
    frames: list[Any] = []

    def keep(env: Any) -> None:
        game = getattr(env, "unwrapped", env)
        if not frames:
            header.update(reader.header(game))
        frames.append(reader.frame(game))

    replay.resimulate(recorded, on_step=keep)
    if not frames:
        raise ArenaError(f"{replay_path}: the replay has no position")
    return {"env": recorded.env, "player": player_of(recorded.env), **header, "frames": frames,
            "players": [{"seat": a.seat, "name": a.name, "status": str(a.status)} for a in recorded.agents]}


class _Reader:
    """What the player needs of a game: the header once (at the start), then a state per step."""

    def __init__(self, header: Callable[[Any], dict[str, Any]], frame: Callable[[Any], Any]):
        self.header, self.frame = header, frame


def _board_header(game: Any) -> dict[str, Any]:
    return {"size": round(len(game.board.to_string().split(" ")[0]) ** 0.5)}


def _snake_header(game: Any) -> dict[str, Any]:
    rules = game.rules
    return {"height": rules.height, "width": rules.width}


def _snake_frame(game: Any) -> dict[str, Any]:
    import numpy as np

    board = game.game  # the one-game batch; the env plays on it from now on, move for move the same game
    owner, life = board.owner[0].ravel(), board.life[0].ravel()
    snakes = []
    for i in range(board.alive.shape[1]):
        cells = np.flatnonzero(owner == i + 1)
        snakes.append(cells[np.argsort(-life[cells], kind="stable")].tolist())  # head (the longest life) first
    return {"snakes": snakes, "heading": board.heading[0].tolist(), "alive": board.alive[0].tolist(),
            "length": board.length[0].tolist(), "fruit": np.flatnonzero(board.fruit[0].ravel()).tolist()}


def _relay_header(game: Any) -> dict[str, Any]:
    cart = game.cart
    return {"mode": game.mode, "leg_length": game.leg_length, "track": cart.x_threshold, "pole": 2 * cart.length,
            "fall_angle": round(cart.theta_threshold_radians, DIGITS)}


def _relay_frame(game: Any) -> dict[str, Any]:
    x, _, angle, _ = (float(v) for v in game.state)
    return {"x": round(x, DIGITS), "angle": round(angle, DIGITS),
            "baton": game.baton if game.mode == "relay" else None, "action": game.last_action,
            "credits": [int(c) for c in game.credits]}


_READERS = {
    "board": _Reader(_board_header, lambda game: game.board.to_string()),
    "snake": _Reader(_snake_header, _snake_frame),
    "relay": _Reader(_relay_header, _relay_frame),
}


# --- videos -----------------------------------------------------------------------------------

class VideoUnavailable(ArenaError):
    """No video of this game here: this server cannot render videos (a missing package or ffmpeg), is busy,
    or the game has no picture; the message says which."""


_render_slots = threading.BoundedSemaphore(RENDERS_AT_ONCE)
_render_waiters = threading.BoundedSemaphore(RENDER_REQUESTS_AT_ONCE)
_locks_lock = threading.Lock()
_locks: dict[str, threading.Lock] = {}


def video_problem() -> str | None:
    """Why this server cannot render videos, or None if it can."""
    for package in ("imageio", "imageio_ffmpeg", "pygame"):  # the writer, its ffmpeg, the pictures
        if importlib.util.find_spec(package) is None:
            return (f"the server cannot render videos without the {package} package "
                    f"(pip install imageio imageio-ffmpeg pygame)")
    import imageio_ffmpeg

    try:
        imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        return f"the server has no ffmpeg to encode videos with ({exc}); pip install imageio-ffmpeg brings one"
    return None


def video_path(replay_path: str | os.PathLike) -> Path:
    """Where the video of a replay is cached: beside it, with the same stem."""
    return Path(replay_path).with_suffix(".mp4")


def game_video(replay_path: str | os.PathLike) -> Path:
    """The video of a replay, rendered now if it is not cached yet (blocks: call it off the event loop).

    Two callers asking for one game's video wait for one render; VideoUnavailable if this server
    cannot render, ReplayError if the replay does not reproduce.
    """
    path = video_path(replay_path)
    if _watched(path):
        return path
    # Anyone may ask for any game's video: requests waiting for renders must not take every thread
    # of the web server.
    if not _render_waiters.acquire(blocking=False):
        raise VideoUnavailable("the server is busy rendering other videos; try again in a minute")
    try:
        return _rendered(replay_path, path)
    finally:
        _render_waiters.release()


def _rendered(replay_path: str | os.PathLike, path: Path) -> Path:
    with _locks_lock:
        lock = _locks.setdefault(str(path), threading.Lock())
    with lock:
        if path.is_file():  # rendered while this caller waited
            return path
        problem = video_problem()
        if problem is not None:
            raise VideoUnavailable(problem)
        from arena import replay, video

        recorded = replay.load(replay_path)
        partial = path.with_name(f"{path.stem}.rendering{path.suffix}")
        with _render_slots:
            try:
                if video.record(recorded, partial) is None:
                    raise VideoUnavailable(video.NO_PICTURE)
                os.replace(partial, path)  # a render cut short never passes for the video
            except OSError as exc:
                raise ArenaError(f"{path}: the video could not be written beside its replay ({exc})") from None
            finally:
                partial.unlink(missing_ok=True)
        _forget_beyond_cap(path)
    return path


def _watched(path: Path) -> bool:
    """Whether the video `path` is cached; if so it is marked watched now, the last to be deleted."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True


def _forget_beyond_cap(rendered: Path) -> None:
    """Delete the cached videos beside `rendered` watched longest ago, until those left hold at most
    VIDEOS_KEPT_BYTES (`rendered`, just made, stays)."""
    videos = []
    for video in rendered.parent.glob(f"*{rendered.suffix}"):
        if video.stem.endswith(".rendering"):  # another render under way
            continue
        try:
            stat = video.stat()
        except FileNotFoundError:  # deleted meanwhile by another render
            continue
        videos.append((video != rendered, -stat.st_mtime, stat.st_size, video))
    total = 0
    for _, _, size, video in sorted(videos):  # `rendered` first, then the latest watched
        total += size
        if total > VIDEOS_KEPT_BYTES and video != rendered:
            video.unlink(missing_ok=True)
