"""The sandbox's message encoding: exact round trips, and nothing but DecodeError from hostile bytes."""

import pickle
import random

import numpy as np
import pytest

from arena.sandbox.codec import DecodeError, decode, encode


@pytest.mark.parametrize("value", [
    None, True, False, 0, -5, 2**63 - 1, 1.5, float("inf"), "", "d3 ✓",
    [1, 2.0, "x"], (1, None), {"a": [1, {"b": ()}]},
    {"observation": np.arange(128, dtype=np.uint8).reshape(8, 8, 2), "action_mask": np.ones(65, np.int8)},
    np.zeros((0, 3), np.float32), np.array(3.5), np.arange(6, dtype=">i4").reshape(2, 3),
])
def test_values_round_trip_exactly(value):
    again = decode(encode(value))
    if isinstance(value, dict) and "observation" in value:
        assert again.keys() == value.keys()
        for key in value:
            np.testing.assert_array_equal(again[key], value[key])
            assert again[key].dtype == value[key].dtype
    elif isinstance(value, np.ndarray):
        np.testing.assert_array_equal(again, value)
        assert again.shape == value.shape and again.dtype == value.dtype.newbyteorder("<")
        assert again.flags.writeable  # a copy, never a view into the message
    else:
        assert again == value and type(again) is type(value)


def test_numpy_scalars_become_python_numbers():
    assert decode(encode([np.int64(3), np.float32(0.5), np.bool_(True)])) == [3, 0.5, True]


@pytest.mark.parametrize("value, message", [
    (object(), "object values cannot be sent"),
    (np.array([object()]), "dtype object cannot be sent"),
    ({1: 2}, "dict keys must be strings"),
    (2**64, "an integer of 65 bits does not fit in 64"),
    pytest.param(10**200_000, "an integer of 664386 bits does not fit in 64", id="too long to print"),
])
def test_unsupported_values_are_refused_when_encoding(value, message):
    with pytest.raises(TypeError, match=message):
        encode(value)


@pytest.mark.parametrize("data, message", [
    (b"", "ends in the middle"),
    (b"i\x01\x02", "ends in the middle"),
    (b"Nx", "unexpected bytes after the value"),
    (b"Q", "unknown tag"),
    (b"l\xff\xff\xff\xff", "item count larger than the message"),
    (b"a\x03|O8\x01" + (1).to_bytes(8, "little") + b"\0" * 8, "dtype '|O8' is not allowed"),
    (b"a\x03<f8\x01" + (10**12).to_bytes(8, "little"), "ends in the middle"),
    (b"a\x03<f8\x01" + (-1).to_bytes(8, "little", signed=True), "negative array dimension"),
    (b"l\x01\x00\x00\x00" * 40 + b"N", "nested deeper"),
    (b"a\x03|u1\x41" + (1).to_bytes(8, "little") * 65 + b"\0", "array with 65 dimensions"),
    (b"a\x03<i8\x03" + (2**62).to_bytes(8, "little") * 2 + bytes(8), "larger than numpy allows"),
    (pickle.dumps({"a": 1}), "unknown tag"),
])
def test_malformed_messages_raise_decode_errors(data, message):
    with pytest.raises(DecodeError, match=message):
        decode(data)


def test_random_and_mutated_bytes_never_raise_anything_but_decode_error():
    rng = random.Random(0)
    seed_message = encode({"observation": np.ones((8, 8, 2), np.uint8), "mask": [1, 2, 3], "s": "x"})
    for trial in range(20_000):
        if trial % 2:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
        else:
            mutated = bytearray(seed_message)
            for _ in range(rng.randrange(1, 4)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            data = bytes(mutated[: rng.randrange(len(mutated) + 1)])
        try:
            decode(data)
        except DecodeError:
            pass


def test_a_message_of_millions_of_small_containers_is_refused_before_they_are_built():
    # Five bytes each encoded, dozens of bytes each decoded: 8 MiB of empty dicts would be 1.6 million.
    bomb = encode([{} for _ in range(200_000)])
    with pytest.raises(DecodeError, match="more than 65536 items in lists, tuples and dicts"):
        decode(bomb, max_items=1 << 16)
    assert len(decode(bomb)) == 200_000  # what the harness sends is trusted
    observation = {"observation": np.ones((8, 8, 2), np.uint8), "action_mask": np.ones(65, np.int8)}
    action = {"keys": [0, 1, 0], "hold": (1.5, None)}
    for value in (observation, action, list(range(65_534))):
        assert str(decode(encode(value), max_items=1 << 16)) == str(value)
    with pytest.raises(DecodeError, match="more than 65536 items"):
        decode(encode(list(range(65_536))), max_items=1 << 16)
