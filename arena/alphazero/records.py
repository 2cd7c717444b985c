"""Self-play games as plain arrays, and the versioned bytes the run's store keeps them in.

A game comes out of self-play as a native `GameRecord` (or, from the JAX backend, as a `Game`);
the store writes its arrays under a format tag, never a pickle, so a store can be read by any later
arena, and a file from elsewhere can hold nothing but arrays:

    blob = encode(record)        # b"arena-game/2\\n" + a compressed .npz of the fields below
    game = decode(blob)          # a Game with the same fields as a GameRecord

Stores written before the tag existed hold zlib-compressed pickles of GameRecords: `decode`
still reads them, unpickling a GameRecord and nothing else (whose own unpickler checks every
field), and says so when it cannot.
"""

from __future__ import annotations

import io
import pickle
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

FORMAT = b"arena-game/2\n"
_SCALARS = ("index", "board_size", "num_actions", "winner", "resigned", "could_resign")
_ARRAYS = {"plies": np.int32, "planes": np.uint8, "policies": np.float32,
           "root_values": np.float32, "players": np.int8}


class GameFormatError(ValueError):
    """Bytes that are not a game this arena can read; the message says why and what to do."""


@dataclass(eq=False)
class Game:
    """One self-play game, as its arrays: the fields and properties of the native GameRecord."""

    index: int
    board_size: int
    num_actions: int
    winner: int  # 0 (first player), 1, or -1 for a draw
    resigned: bool
    could_resign: bool
    moves: list[int]  # every move, forced ones included
    plies: np.ndarray  # int32 (T,): the ply of each searched position
    planes: np.ndarray  # uint8 (T, planes, N, N): each position as the network saw it
    policies: np.ndarray  # float32 (T, num_actions): the search's visit shares
    root_values: np.ndarray  # float32 (T,): the search's value of each position for the mover
    players: np.ndarray  # int8 (T,): the player to move at each position

    def __len__(self) -> int:
        return len(self.plies)

    @property
    def outcomes(self) -> np.ndarray:
        """float32 (T,): the result for the mover at each position (+1 won, -1 lost, 0 drawn)."""
        if self.winner < 0:
            return np.zeros(len(self), np.float32)
        return np.where(self.players == self.winner, 1.0, -1.0).astype(np.float32)


def as_game(record: Any) -> Game:
    """A Game with the fields of `record` (a native GameRecord or a Game)."""
    if isinstance(record, Game):
        return record
    return Game(**{name: getattr(record, name) for name in _SCALARS}, moves=[int(m) for m in record.moves],
                **{name: np.asarray(getattr(record, name), dtype) for name, dtype in _ARRAYS.items()})


def encode(record: Any) -> bytes:
    """`record`'s arrays under the format tag (a compressed .npz: no pickle)."""
    game = as_game(record)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{name: np.asarray(getattr(game, name)) for name in _SCALARS},
                        moves=np.asarray(game.moves, np.int16), **{name: getattr(game, name) for name in _ARRAYS})
    return FORMAT + buffer.getvalue()


def decode(blob: bytes) -> Game:
    """The Game `blob` holds: one written by `encode`, or a pickled GameRecord of an older store."""
    if blob.startswith(FORMAT):
        try:
            with np.load(io.BytesIO(blob[len(FORMAT):]), allow_pickle=False) as fields:
                scalars = {name: fields[name].item() for name in _SCALARS}
                moves = fields["moves"].tolist()
                arrays = {name: fields[name].astype(dtype, copy=False) for name, dtype in _ARRAYS.items()}
        except (OSError, EOFError, KeyError, ValueError, zlib.error, zipfile.BadZipFile) as exc:
            raise GameFormatError(f"a stored game is damaged ({exc})") from None
        return Game(**scalars, moves=moves, **arrays)
    if blob.startswith(b"arena-game/"):
        tag = blob.split(b"\n", 1)[0].decode(errors="replace")
        raise GameFormatError(f"a stored game is in format {tag!r}, newer than this arena reads "
                              f"({FORMAT.decode().strip()!r}): upgrade arena to read this store")
    try:
        return as_game(_GameRecordUnpickler(io.BytesIO(zlib.decompress(blob))).load())
    except Exception as exc:  # noqa: BLE001  (any way an old or foreign blob fails is the same answer)
        raise GameFormatError(f"a stored game is neither {FORMAT.decode().strip()!r} nor an older store's "
                              f"game record ({type(exc).__name__}: {exc})") from None


class _GameRecordUnpickler(pickle.Unpickler):
    """Unpickles a native GameRecord and nothing else: an old store's blob cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("arena._native", "GameRecord"):
            from arena._native import GameRecord

            return GameRecord
        raise pickle.UnpicklingError(f"{module}.{name} is not a game record")
