"""What a game's page shows: its seats and, for board games, the positions a replay passes through.

A replay is the seed, the options and every action; the server re-simulates it once (checking
it reproduces the recorded result) and hands the browser's player one compact board string per
step (`OthelloBoard.to_string()`: the squares row by row, '-' empty, 'X' black, 'O' white, then
the side to move), which it draws.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from arena.errors import ArenaError


@lru_cache(maxsize=256)
def board_frames(replay_path: str) -> dict[str, Any] | None:
    """{"env", "size", "players", "frames"} of a board game's replay; None for other games."""
    from arena import replay

    recorded = replay.load(replay_path)
    frames: list[str] = []

    def keep(env: Any) -> None:
        board = getattr(getattr(env, "unwrapped", env), "board", None)
        if board is None or not hasattr(board, "to_string"):
            raise _NotABoardGame
        frames.append(board.to_string())

    try:
        replay.resimulate(recorded, on_step=keep)
    except _NotABoardGame:
        return None
    if not frames:
        raise ArenaError(f"{replay_path}: the replay has no position")
    cells = len(frames[0].split(" ")[0])
    size = round(cells ** 0.5)
    return {"env": recorded.env, "size": size, "frames": frames,
            "players": [{"seat": a.seat, "name": a.name, "status": str(a.status)} for a in recorded.agents]}


class _NotABoardGame(Exception):
    pass
