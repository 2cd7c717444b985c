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

Messages are mostly the same few shapes again and again (a dict of small arrays, an int), so
both directions remember the bytes that describe an array (dtype and shape) and the bytes of
dict keys: encoding an observation is a few dictionary look-ups and one join of its arrays'
memory, and decoding one copies the message once and gives each array a view of that copy.
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
MAX_ARRAY_DIMENSIONS = 32  # numpy 1's limit (numpy 2 allows 64); no observation or action needs more
MAX_ARRAY_BYTES = 2**62  # an array numpy can make: its size in bytes, its dimensions counted at least 1, fits an intp

_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")
_U32 = struct.Struct("<I")
_SHAPES = [struct.Struct(f"<{n}q") for n in range(MAX_ARRAY_DIMENSIONS + 1)]
_DTYPES = {name: np.dtype(name) for name in ALLOWED_DTYPES}
_CACHE_LIMIT = 1024  # remembered array headers and keys, per direction; forgotten all at once past this
_SMALL_INTS = [b"i" + _I64.pack(n) for n in range(256)]  # actions are mostly small ints

# (dtype, shape) -> the array's encoded header; str -> the encoded key
_array_headers: dict[tuple[np.dtype, tuple[int, ...]], bytes] = {}
_keys: dict[str, bytes] = {}
# encoded header, from the dtype length to the last dimension -> (dtype, shape, data bytes)
_decoded_headers: dict[bytes, tuple[np.dtype, tuple[int, ...], int]] = {}


class DecodeError(ValueError):
    """Bytes that are not a valid encoded value."""


def encode(value: Any) -> bytes:
    """The bytes of `value`; TypeError for anything outside the supported types."""
    parts: list[Any] = []
    _encode(value, parts, 0)
    return b"".join(parts)


def encode_parts(value: Any, parts: list[Any]) -> None:
    """Append the encoding of `value` to `parts` as buffers (bytes, or arrays' own memory) to join."""
    _encode(value, parts, 0)


def _encode(value: Any, parts: list[Any], depth: int) -> None:
    # Exact types first (the frequent cases, cheapest to recognise), then their subclasses.
    kind = type(value)
    if kind is np.ndarray:
        header = _array_headers.get((value.dtype, value.shape))
        if header is not None and value.flags.c_contiguous:
            parts.append(header)
            parts.append(value)
        else:
            _encode_array(value, parts)
    elif kind is dict:
        if depth >= MAX_DEPTH:
            raise TypeError(f"value nested deeper than {MAX_DEPTH} levels")
        parts.append(b"d" + _U32.pack(len(value)))
        for key, item in value.items():
            encoded = _keys.get(key) if type(key) is str else None
            parts.append(encoded if encoded is not None else _encode_key(key))
            _encode(item, parts, depth + 1)
    elif kind is int:
        if 0 <= value < 256:
            parts.append(_SMALL_INTS[value])
        elif -(1 << 63) <= value < (1 << 63):
            parts.append(b"i" + _I64.pack(value))
        else:
            # Not printed: it may have more digits than Python converts to text.
            raise TypeError(f"an integer of {value.bit_length()} bits does not fit in 64")
    elif kind is float:
        parts.append(b"f" + _F64.pack(value))
    elif value is None:
        parts.append(b"N")
    elif isinstance(value, (bool, np.bool_)):
        parts.append(b"T" if value else b"F")
    elif isinstance(value, (int, np.integer)):
        _encode(int(value), parts, depth)
    elif isinstance(value, (float, np.floating)):
        parts.append(b"f" + _F64.pack(float(value)))
    elif isinstance(value, str):
        data = value.encode("utf-8")
        parts.append(b"s" + _U32.pack(len(data)))
        parts.append(data)
    elif isinstance(value, np.ndarray):
        _encode_array(value, parts)
    elif isinstance(value, (list, tuple, dict)):
        if depth >= MAX_DEPTH:
            raise TypeError(f"value nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            _encode(dict(value), parts, depth)
            return
        parts.append((b"l" if isinstance(value, list) else b"t") + _U32.pack(len(value)))
        for item in value:
            _encode(item, parts, depth + 1)
    else:
        raise TypeError(f"{type(value).__name__} values cannot be sent (use numbers, strings, numpy arrays, lists, dicts)")


def _encode_array(value: np.ndarray, parts: list[Any]) -> None:
    dtype = value.dtype.newbyteorder("<") if value.dtype.byteorder == ">" else value.dtype
    name = dtype.str
    if name not in ALLOWED_DTYPES:
        raise TypeError(f"arrays of dtype {value.dtype} cannot be sent; use a numeric dtype")
    header = b"a%c%s%c" % (len(name), name.encode(), value.ndim) + _SHAPES[value.ndim].pack(*value.shape)
    if dtype is value.dtype and type(value) is np.ndarray:
        _remember(_array_headers, (dtype, value.shape), header)
    parts.append(header)
    parts.append(value.astype(dtype, copy=False).tobytes())


def _encode_key(key: Any) -> bytes:
    if not isinstance(key, str):
        raise TypeError(f"dict keys must be strings, got {key!r}")
    data = key.encode("utf-8")
    encoded = b"s" + _U32.pack(len(data)) + data
    if type(key) is str:
        _remember(_keys, key, encoded)
    return encoded


def _remember(cache: dict, key: Any, value: Any) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


def decode(data: bytes, start: int = 0, end: int | None = None, max_items: int | None = None) -> Any:
    """The value encoded in `data[start:end]`; DecodeError if the bytes are malformed or have trailing junk,
    or hold more than `max_items` items of lists, tuples and dicts in all (each costs far more memory
    decoded than its five bytes encoded: a message from an agent may not make the harness build millions).

    Arrays are writable and share no memory with `data`.
    """
    if end is None:
        end = len(data)
    if type(data) is not bytes:
        data = bytes(data)
    if end - start == 9 and end <= len(data) and data[start] == 0x69:  # i: an integer alone, the usual answer
        return _I64.unpack_from(data, start + 1)[0]
    if start < end and data[start] == 0x64:  # d
        value = _dict_of_known_arrays(data, start, end, max_items)
        if value is not None:
            return value
    reader = _Reader(data, start, end, max_items)
    value = reader.value(0)
    if reader.pos != reader.end:
        raise DecodeError(f"{reader.end - reader.pos} unexpected bytes after the value")
    return value


def _dict_of_known_arrays(data: bytes, pos: int, end: int, max_items: int | None) -> dict[str, np.ndarray] | None:
    """The usual observation, a dict of arrays whose headers were seen before, read in one loop.

    None for anything else (another layout, an unseen header, a malformed message): the general
    reader then decodes it or says what is wrong.
    """
    if pos + 5 > end:
        return None
    pos += 5
    result = {}
    copy = None
    count = _U32.unpack_from(data, pos - 4)[0]
    if max_items is not None and count > max_items:
        return None
    for _ in range(count):
        if pos + 5 > end or data[pos] != 0x73:  # s
            return None
        key_end = pos + 5 + _U32.unpack_from(data, pos + 1)[0]
        if key_end + 3 > end or data[key_end] != 0x61:  # a
            return None
        name_end = key_end + 2 + data[key_end + 1]
        if name_end >= end:
            return None
        header_end = name_end + 1 + 8 * data[name_end]
        known = _decoded_headers.get(data[key_end + 1:header_end])
        if known is None:
            return None
        dtype, shape, size = known
        if header_end > end or size > end - header_end or header_end % dtype.alignment:
            return None
        try:
            key = data[pos + 5:key_end].decode("utf-8")
        except UnicodeDecodeError:
            return None
        if copy is None:
            copy = bytearray(data)
        result[key] = np.ndarray(shape, dtype, copy, header_end)
        pos = header_end + size
    return result if pos == end else None


class _Reader:
    __slots__ = ("data", "pos", "end", "copy", "items_left", "max_items")

    def __init__(self, data: bytes, start: int, end: int, max_items: int | None = None):
        self.data = data
        self.pos = start
        self.end = end
        self.copy: bytearray | None = None  # of `data`, made for the first array: every array is a view of it
        self.max_items = max_items
        self.items_left = max_items

    def value(self, depth: int) -> Any:
        data, pos = self.data, self.pos
        if pos >= self.end:
            raise DecodeError("message ends in the middle of a value")
        tag = data[pos]
        pos += 1
        self.pos = pos
        if tag == 0x61:  # a
            return self.array()
        if tag == 0x64:  # d
            if depth >= MAX_DEPTH:
                raise DecodeError(f"value nested deeper than {MAX_DEPTH} levels")
            result = {}
            for _ in range(self.count()):
                if self.pos >= self.end or data[self.pos] != 0x73:  # s
                    raise DecodeError("dict key is not a string")
                self.pos += 1
                key = self.string()
                result[key] = self.value(depth + 1)
            return result
        if tag == 0x69:  # i
            if pos + 8 > self.end:
                raise DecodeError("message ends in the middle of a value")
            self.pos = pos + 8
            return _I64.unpack_from(data, pos)[0]
        if tag == 0x66:  # f
            if pos + 8 > self.end:
                raise DecodeError("message ends in the middle of a value")
            self.pos = pos + 8
            return _F64.unpack_from(data, pos)[0]
        if tag == 0x4E:  # N
            return None
        if tag == 0x54:  # T
            return True
        if tag == 0x46:  # F
            return False
        if tag == 0x73:  # s
            return self.string()
        if tag in (0x6C, 0x74):  # l, t
            if depth >= MAX_DEPTH:
                raise DecodeError(f"value nested deeper than {MAX_DEPTH} levels")
            items = [self.value(depth + 1) for _ in range(self.count())]
            return items if tag == 0x6C else tuple(items)
        raise DecodeError(f"unknown tag {bytes([tag])!r}")

    def advance(self, n: int) -> int:
        """Claim the next `n` bytes; their start offset."""
        start = self.pos
        if n < 0 or start + n > self.end:
            raise DecodeError("message ends in the middle of a value")
        self.pos = start + n
        return start

    def count(self) -> int:
        n = _U32.unpack_from(self.data, self.advance(4))[0]
        if n > self.end - self.pos:  # every item takes at least one byte
            raise DecodeError("item count larger than the message")
        if self.items_left is not None:
            self.items_left -= n + 1  # the container itself too: an empty one costs as much
            if self.items_left < 0:
                raise DecodeError(f"more than {self.max_items} items in lists, tuples and dicts")
        return n

    def string(self) -> str:
        n = _U32.unpack_from(self.data, self.advance(4))[0]
        start = self.advance(n)
        try:
            return self.data[start:start + n].decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("string is not valid UTF-8") from None

    def array(self) -> np.ndarray:
        data, pos = self.data, self.pos
        if pos + 2 > self.end:
            raise DecodeError("message ends in the middle of a value")
        name_end = pos + 1 + data[pos]
        ndim = data[name_end] if name_end < self.end else 0
        header_end = name_end + 1 + 8 * ndim
        if header_end > self.end:
            raise DecodeError("message ends in the middle of a value")
        header = data[pos:header_end]
        known = _decoded_headers.get(header)
        if known is None:
            known = _parse_array_header(data, pos, name_end, ndim)
            _remember(_decoded_headers, header, known)
        dtype, shape, size = known
        if size > self.end - header_end:
            raise DecodeError("message ends in the middle of a value")
        self.pos = header_end + size
        if header_end % dtype.alignment:  # numpy copes with unaligned arrays; other libraries may not
            return np.frombuffer(data, dtype, size // dtype.itemsize, header_end).reshape(shape).copy()
        if self.copy is None:
            self.copy = bytearray(data)
        return np.ndarray(shape, dtype, self.copy, header_end)


def _parse_array_header(data: bytes, pos: int, name_end: int, ndim: int) -> tuple[np.dtype, tuple[int, ...], int]:
    name = data[pos + 1:name_end]
    dtype = _DTYPES.get(name.decode("ascii", "replace"))
    if dtype is None:
        raise DecodeError(f"array dtype {name!r} is not allowed")
    if ndim > MAX_ARRAY_DIMENSIONS:
        raise DecodeError(f"array with {ndim} dimensions (at most {MAX_ARRAY_DIMENSIONS})")
    shape = _SHAPES[ndim].unpack_from(data, name_end + 1)
    if any(n < 0 for n in shape):
        raise DecodeError(f"negative array dimension in {shape}")
    if math.prod(max(n, 1) for n in shape) * dtype.itemsize > MAX_ARRAY_BYTES:  # as numpy counts, zeros aside
        raise DecodeError(f"array shape {shape} is larger than numpy allows")
    return dtype, shape, dtype.itemsize * math.prod(shape)
