"""Stored self-play games: arrays under a format tag, read back exactly; older stores' pickles
still read, but only as game records; anything else refused with a message that says why."""

import io
import os
import pickle
import zlib

import numpy as np
import pytest

from arena.alphazero.records import FORMAT, Game, GameFormatError, as_game, decode, encode
from arena.search import make_self_play

FIELDS = ("index", "board_size", "num_actions", "winner", "resigned", "could_resign", "moves")
ARRAYS = ("plies", "planes", "policies", "root_values", "players", "outcomes")


class Uniform:
    def __init__(self, num_actions: int):
        self.num_actions = num_actions

    def __call__(self, inputs: np.ndarray):
        rows = len(inputs)
        return np.full((rows, self.num_actions), 1 / self.num_actions, np.float32), np.zeros(rows, np.float32)


@pytest.fixture(scope="module")
def native_records():
    play = make_self_play("othello", batch_size=3, simulations=16, seed=5, resign_value=-0.5)
    return play.play(Uniform(play.num_actions), games=3)


def assert_same_game(game, record) -> None:
    for name in FIELDS:
        assert getattr(game, name) == getattr(record, name), name
    for name in ARRAYS:
        expected = np.asarray(getattr(record, name))
        actual = getattr(game, name)
        assert actual.dtype == expected.dtype and actual.shape == expected.shape, name
        np.testing.assert_array_equal(actual, expected, err_msg=name)
    assert len(game) == len(record)


def test_a_native_record_round_trips_exactly_through_its_tagged_arrays(native_records):
    for record in native_records:
        blob = encode(record)
        assert blob.startswith(FORMAT) and b"GameRecord" not in blob
        assert_same_game(decode(blob), record)
        assert_same_game(decode(encode(decode(blob))), record)


def test_an_older_stores_pickled_record_still_reads(native_records):
    record = native_records[0]
    assert_same_game(decode(zlib.compress(pickle.dumps(record), 1)), record)


class Boom:
    def __reduce__(self):
        return os.system, ("touch /tmp/arena-pickle-ran",)


def test_a_pickle_of_anything_but_a_game_record_is_refused_without_running_it():
    with pytest.raises(GameFormatError, match="os.system is not a game record|posix.system is not a game record"):
        decode(zlib.compress(pickle.dumps(Boom())))
    assert not os.path.exists("/tmp/arena-pickle-ran")


def test_a_newer_format_and_damaged_bytes_say_what_they_are(native_records):
    with pytest.raises(GameFormatError, match="'arena-game/3', newer than this arena reads.*upgrade arena"):
        decode(b"arena-game/3\n" + encode(native_records[0])[len(FORMAT):])
    with pytest.raises(GameFormatError, match="damaged"):
        decode(encode(native_records[0])[:-20])
    with pytest.raises(GameFormatError, match="neither 'arena-game/2' nor an older store's game record"):
        decode(b"not a game")


def test_a_game_is_what_the_trainer_reads_from_a_record(native_records):
    game = as_game(native_records[1])
    assert isinstance(game, Game) and as_game(game) is game
    np.testing.assert_array_equal(game.outcomes, native_records[1].outcomes)
    assert set(np.unique(game.outcomes)) <= {-1.0, 0.0, 1.0}
    saved = io.BytesIO(encode(game))
    assert decode(saved.getvalue()).index == native_records[1].index
