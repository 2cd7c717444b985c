"""A small binary encoding for observations and actions, decoded without ever running code.

The harness must never unpickle what a submission sends. Values are limited to what games
exchange: None, bool, int, float, str, numeric numpy arrays, and lists, tuples and dicts of
those. Each value is a one-byte tag followed by its payload (little-endian):

| tag | value | payload |
| --- | --- | --- |
| `N` | None | nothing |
| `T` / `F` | True / False | nothing |
| `i` | int | 8-byte signed |
| `f` | float | 8-byte IEEE double |
| `s` | str | 4-byte length, UTF-8 bytes |
| `a` | ndarray | 1-byte dtype length, dtype string, 1-byte ndim, 8 bytes per dimension, the raw data |
| `l` / `t` | list / tuple | 4-byte count, the items |
| `d` | dict | 4-byte count, then key (a str value) and item, count times |

`decode` checks every length against the bytes actually present and refuses object dtypes,
so a malicious message can cost at most its own size.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np

# Numeric dtypes only: an object array would bring pickled Python objects with it.
ALLOWED_DTYPES = {np.dtype(name).str for name in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64",
)}
MAX_DEPTH = 16

_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")
_U32 = struct.Struct("<I")


MAX_ARRAY_DIMENSIONS = 32  # numpy 1's limit (numpy 2 allows 64); no observation or action needs more


class DecodeError(ValueError):
    """Bytes that are not a valid encoded value."""


def encode(value: Any) -> bytes:
    """The bytes of `value`; TypeError for anything outside the supported types."""
    out = bytearray()
    _encode(value, out, 0)
    return bytes(out)


def _encode(value: Any, out: bytearray, depth: int) -> None:
    # Most frequent types first: observations are dicts of arrays.
    if depth > MAX_DEPTH:
        raise TypeError(f"value nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, np.ndarray):
        dtype = value.dtype.newbyteorder("<") if value.dtype.byteorder == ">" else value.dtype
        name = dtype.str
        if name not in ALLOWED_DTYPES:
            raise TypeError(f"arrays of dtype {value.dtype} cannot be sent; use a numeric dtype")
        out += b"a%c%s%c" % (len(name), name.encode(), value.ndim)
        out += struct.pack(f"<{value.ndim}q", *value.shape)
        out += value.astype(dtype, copy=False).tobytes()
    elif isinstance(value, dict):
        out += b"d" + _U32.pack(len(value))
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"dict keys must be strings, got {key!r}")
            _encode(key, out, depth + 1)
            _encode(item, out, depth + 1)
    elif value is None:
        out += b"N"
    elif isinstance(value, (bool, np.bool_)):
        out += b"T" if value else b"F"
    elif isinstance(value, (int, np.integer)):
        if not -(1 << 63) <= int(value) < (1 << 63):
            raise TypeError(f"integer {value} does not fit in 64 bits")
        out += b"i" + _I64.pack(int(value))
    elif isinstance(value, (float, np.floating)):
        out += b"f" + _F64.pack(float(value))
    elif isinstance(value, str):
        data = value.encode("utf-8")
        out += b"s" + _U32.pack(len(data)) + data
    elif isinstance(value, (list, tuple)):
        out += (b"l" if isinstance(value, list) else b"t") + _U32.pack(len(value))
        for item in value:
            _encode(item, out, depth + 1)
    else:
        raise TypeError(f"{type(value).__name__} values cannot be sent (use numbers, strings, numpy arrays, lists, dicts)")


def decode(data: bytes) -> Any:
    """The value encoded in `data`; DecodeError if the bytes are malformed or have trailing junk."""
    reader = _Reader(bytes(data))
    value = reader.value(0)
    if reader.pos != len(reader.data):
        raise DecodeError(f"{len(reader.data) - reader.pos} unexpected bytes after the value")
    return value


_DTYPES = {name: np.dtype(name) for name in ALLOWED_DTYPES}


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def advance(self, n: int) -> int:
        """Claim the next `n` bytes; their start offset."""
        start = self.pos
        if n < 0 or start + n > len(self.data):
            raise DecodeError("message ends in the middle of a value")
        self.pos = start + n
        return start

    def value(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise DecodeError(f"value nested deeper than {MAX_DEPTH} levels")
        tag = self.data[self.advance(1)]
        if tag == 0x4E:  # N
            return None
        if tag == 0x54:  # T
            return True
        if tag == 0x46:  # F
            return False
        if tag == 0x69:  # i
            return _I64.unpack_from(self.data, self.advance(8))[0]
        if tag == 0x66:  # f
            return _F64.unpack_from(self.data, self.advance(8))[0]
        if tag == 0x73:  # s
            return self.string()
        if tag == 0x61:  # a
            return self.array()
        if tag in (0x6C, 0x74):  # l, t
            items = [self.value(depth + 1) for _ in range(self.count())]
            return items if tag == 0x6C else tuple(items)
        if tag == 0x64:  # d
            result = {}
            for _ in range(self.count()):
                key = self.value(depth + 1)
                if not isinstance(key, str):
                    raise DecodeError("dict key is not a string")
                result[key] = self.value(depth + 1)
            return result
        raise DecodeError(f"unknown tag {bytes([tag])!r}")

    def count(self) -> int:
        n = _U32.unpack_from(self.data, self.advance(4))[0]
        if n > len(self.data) - self.pos:  # every item takes at least one byte
            raise DecodeError("item count larger than the message")
        return n

    def string(self) -> str:
        n = _U32.unpack_from(self.data, self.advance(4))[0]
        start = self.advance(n)
        try:
            return self.data[start:start + n].decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("string is not valid UTF-8") from None

    def array(self) -> np.ndarray:
        name_length = self.data[self.advance(1)]
        start = self.advance(name_length)
        dtype = _DTYPES.get(self.data[start:start + name_length].decode("ascii", "replace"))
        if dtype is None:
            raise DecodeError(f"array dtype {self.data[start:start + name_length]!r} is not allowed")
        ndim = self.data[self.advance(1)]
        if ndim > MAX_ARRAY_DIMENSIONS:
            raise DecodeError(f"array with {ndim} dimensions (at most {MAX_ARRAY_DIMENSIONS})")
        shape = struct.unpack_from(f"<{ndim}q", self.data, self.advance(8 * ndim))
        if any(n < 0 for n in shape):
            raise DecodeError(f"negative array dimension in {shape}")
        size = dtype.itemsize * math.prod(shape)
        start = self.advance(size)
        return np.frombuffer(self.data, dtype=dtype, count=size // dtype.itemsize if dtype.itemsize else 0,
                             offset=start).reshape(shape).copy()
