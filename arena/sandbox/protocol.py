"""Messages between the harness and an agent's worker: length-prefixed frames over a pair of pipes.

A frame is a 4-byte little-endian payload length, a 1-byte message kind, then the payload, a
value in `arena.sandbox.codec`'s encoding. Reads wait with a deadline and refuse frames over
a size limit, so a misbehaving worker can neither stall nor flood the harness.
"""

from __future__ import annotations

import os
import select
import struct
import time
from enum import IntEnum
from typing import Any

from arena.sandbox import codec

_HEADER = struct.Struct("<IB")


class Kind(IntEnum):
    # harness -> worker
    START = 1  # {"submission", "env", "options", "seat", "seed"}: load the agent and seat it
    RESET = 2  # a new game
    ACT = 3  # an observation to answer
    STOP = 4  # exit cleanly
    # worker -> harness
    READY = 10  # done: started or reset
    ACTION = 11  # the answer to ACT
    FAILED = 12  # {"what", "error", "traceback"}: the agent's code raised


class ChannelClosed(Exception):
    """The other end closed its pipe (the worker exited or died)."""


class ChannelTimeout(Exception):
    """No complete message before the deadline."""


class ProtocolError(Exception):
    """A frame that breaks the protocol: too large, unknown kind, undecodable payload."""


class Channel:
    """One end of the harness-worker connection: send to `write_fd`, receive from `read_fd`."""

    def __init__(self, read_fd: int, write_fd: int, max_bytes: int):
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.max_bytes = max_bytes
        self._poller = select.poll()
        self._poller.register(read_fd, select.POLLIN | select.POLLPRI)

    def send(self, kind: Kind, value: Any = None) -> None:
        payload = codec.encode(value)
        frame = memoryview(_HEADER.pack(len(payload), kind) + payload)
        while frame:
            frame = frame[os.write(self.write_fd, frame):]

    def receive(self, deadline: float | None = None) -> tuple[Kind, Any]:
        """The next message; `deadline` is a time.monotonic() value, None to wait forever."""
        length, kind = _HEADER.unpack(self._read(_HEADER.size, deadline))
        if length > self.max_bytes:
            raise ProtocolError(f"a message of {length} bytes is over the {self.max_bytes}-byte limit")
        try:
            kind = Kind(kind)
        except ValueError:
            raise ProtocolError(f"unknown message kind {kind}") from None
        try:
            return kind, codec.decode(self._read(length, deadline))
        except codec.DecodeError as exc:
            raise ProtocolError(f"undecodable message: {exc}") from None

    def _read(self, n: int, deadline: float | None) -> bytes:
        chunks = []
        while n:
            if deadline is not None:
                wait = deadline - time.monotonic()
                if wait <= 0 or not self._poller.poll(wait * 1000):
                    raise ChannelTimeout()
            chunk = os.read(self.read_fd, n)
            if not chunk:
                raise ChannelClosed()
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        for fd in {self.read_fd, self.write_fd}:
            try:
                os.close(fd)
            except OSError:
                pass
