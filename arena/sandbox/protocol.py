"""Messages between the harness and an agent's worker: length-prefixed frames over a pair of pipes.

A frame is a 4-byte little-endian payload length, a 1-byte message kind, then the payload, a
value in `arena.sandbox.codec`'s encoding. Reads wait with a deadline and refuse frames over
a size limit, and the harness writes to a non-blocking pipe with a deadline too (`post`, then
`flush`), so a misbehaving worker can neither stall nor flood the harness: one that stops reading
(its pipe shrunk to a page, say) only runs out of time.

A message costs one write to send and, usually, one read to receive: a read takes whatever the
pipe holds (up to `READ_SIZE`, or the rest of a larger frame), so a frame's header and payload
arrive together, and bytes past the frame wait in the channel for the next `receive`. The harness
reads its non-blocking end first and waits with `poll` only when nothing is there yet (that is
what bounds a wait; an answer is often in already: on a CPU the two processes share, the worker
wrote it before the harness ran again). The worker, which has no deadline, just reads: asleep in
that read, it is shown idle between its calls (`arena.sandbox.idle`).
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
_HEADER_SIZE = _HEADER.size
_NO_HEADER = bytes(_HEADER_SIZE)  # its place in a frame being built
READ_SIZE = 4096  # asked of a read when the frame's size is not known yet: most frames are smaller
_LARGE_READ = 1 << 20  # the most asked of one read when a larger frame is known to be coming


class Kind(IntEnum):
    # harness -> worker
    START = 1  # {"submission", "env", "options", "seat", "seed"}: load the agent and seat it
    RESET = 2  # a new game
    ACT = 3  # an observation to answer
    STOP = 4  # exit cleanly
    CLOCK = 5  # [per_move, bank, bank_left]: the game's clock, its bank drawn on; posted with the ACT it is for
    # worker -> harness
    READY = 10  # done: started or reset
    ACTION = 11  # the answer to ACT
    FAILED = 12  # {"what", "error", "traceback"}: the agent's code raised
    CONFINED = 13  # sent once, unasked, when the worker is shut in; the harness's first call waits for it


_KINDS = {int(kind): kind for kind in Kind}


class ChannelClosed(Exception):
    """The other end closed its pipe (the worker exited or died)."""


class ChannelTimeout(Exception):
    """No complete message before the deadline."""


class ProtocolError(Exception):
    """A frame that breaks the protocol: too large, unknown kind, undecodable payload."""


class Channel:
    """One end of the harness-worker connection: send to `write_fd`, receive from `read_fd`."""

    def __init__(self, read_fd: int, write_fd: int, max_bytes: int, max_items: int | None = None):
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.max_bytes = max_bytes
        self.max_items = max_items  # in the lists, tuples and dicts of one message received (`codec.decode`)
        self._poller = select.poll()
        self._poller.register(read_fd, select.POLLIN | select.POLLPRI)
        self._reads_first = not os.get_blocking(read_fd)  # polls only once a read finds nothing (`_read_some`)
        # Bytes read but not yet handed out, the start of the next frame: a bytearray, so that a message
        # taken in a few bytes at a time costs each piece's copy, not a copy of all before it too.
        self._received = bytearray()
        self._ended = False  # a read found the other end closed
        self._unsent = b""  # what `flush` has yet to write

    def send(self, kind: Kind, value: Any = None) -> None:
        """Write a message, waiting for the pipe as long as it takes (the worker's way)."""
        self.post(kind, value)
        self.flush()

    def post(self, kind: Kind, value: Any = None) -> None:
        """Add a message to what the next `flush` writes."""
        parts = [_NO_HEADER]
        codec.encode_parts(value, parts)
        frame = bytearray().join(parts)
        _HEADER.pack_into(frame, 0, len(frame) - _HEADER_SIZE, kind)
        self._unsent = bytes(self._unsent) + frame if self._unsent else frame

    def flush(self, deadline: float | None = None) -> None:
        """Write what was posted; on a non-blocking pipe the other end must make room before
        `deadline` (a time.monotonic() value), else ChannelTimeout, with the rest kept for the next try."""
        while not self.flush_now():
            _wait_for_room(self.write_fd, deadline)

    def flush_now(self) -> bool:
        """Write what was posted as far as a non-blocking pipe takes it without waiting; True once
        all of it is written (what is left stays for the next try)."""
        rest = memoryview(self._unsent)
        try:
            while rest:
                rest = rest[os.write(self.write_fd, rest):]
        except BlockingIOError:
            pass
        finally:
            self._unsent = bytes(rest) if rest else b""
        return not rest

    def holds_data(self) -> bool:
        """Whether bytes of a message not yet received were read already."""
        return bool(self._received)

    def take_in(self) -> None:
        """Read what the pipe holds now, if anything, without waiting. A pipe found closed or broken
        is taken as ended: the next `receive` reports it."""
        if self._ended or not self._poller.poll(0):
            return
        have = len(self._received)
        size = _HEADER_SIZE + _HEADER.unpack_from(self._received)[0] if have >= _HEADER_SIZE else 0
        try:
            chunk = os.read(self.read_fd, _read_size(have, size))  # readable: returns at once
        except OSError:
            chunk = b""
        if chunk:
            self._received += chunk
        else:
            self._ended = True

    def can_receive(self) -> bool:
        """Whether `receive` would return (or raise) without waiting for the pipe: a whole message,
        or one it refuses, was read already, or the other end has closed."""
        data = self._received
        if self._ended:
            return True
        if len(data) < _HEADER_SIZE:
            return False
        length, _ = _HEADER.unpack_from(data)
        return length > self.max_bytes or len(data) >= _HEADER_SIZE + length

    def next_kind(self) -> Kind | None:
        """The kind of the whole message `receive` would return now without waiting; None if there is none
        (not all of it read, one it refuses, or the other end closed)."""
        if self._ended or not self.can_receive():
            return None
        length, kind = _HEADER.unpack_from(self._received)
        return _KINDS.get(kind) if length <= self.max_bytes else None

    def receive(self, deadline: float | None = None) -> tuple[Kind, Any]:
        """The next message; `deadline` is a time.monotonic() value, None to wait forever."""
        data = self._received
        if len(data) < _HEADER_SIZE:
            data = self._read_until(data, _HEADER_SIZE, deadline)
        length, kind = _HEADER.unpack_from(data)
        if length > self.max_bytes:
            raise ProtocolError(f"a message of {length} bytes is over the {self.max_bytes}-byte limit")
        kind = _KINDS.get(kind)
        if kind is None:
            raise ProtocolError(f"unknown message kind {data[4]}")
        end = _HEADER_SIZE + length
        if len(data) < end:
            data = self._read_until(data, end, deadline)
        self._received = bytearray(data[end:]) if len(data) > end else bytearray()
        try:
            return kind, codec.decode(data, _HEADER_SIZE, end, self.max_items)
        except codec.DecodeError as exc:
            raise ProtocolError(f"undecodable message: {exc}") from None

    def _read_until(self, data: bytes | bytearray, size: int, deadline: float | None) -> bytes | bytearray:
        """`data` and what follows it in the pipe, at least `size` bytes in all."""
        have = len(data)
        chunks = [data] if have else []
        while have < size:
            chunk = self._read_some(_read_size(have, size), deadline)
            if chunk is None:
                self._received = bytearray(b"".join(chunks))  # what came so far stays for the next try
                raise ChannelTimeout()
            if not chunk:
                raise ChannelClosed()
            chunks.append(chunk)
            have += len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _read_some(self, size: int, deadline: float | None) -> bytes | None:
        """Up to `size` bytes once the pipe holds any (b"" once the other end has closed); None where
        `deadline` passed first. A non-blocking end is read before any poll; a blocking one is polled
        first where there is a deadline, else read, waiting in the read."""
        if not self._reads_first and deadline is not None and not self._poll_until(deadline):
            return None
        while True:
            try:
                return os.read(self.read_fd, size)
            except BlockingIOError:
                if not self._poll_until(deadline):
                    return None

    def _poll_until(self, deadline: float | None) -> bool:
        """Whether the pipe can be read before `deadline` (None: no end). Looked at even once the deadline
        has passed: a harness that was stopped, or kept off the CPU, finds what came meanwhile."""
        return bool(self._poller.poll(_poll_timeout(deadline)))

    def close(self) -> None:
        self._unsent = b""
        for fd in {self.read_fd, self.write_fd}:
            try:
                os.close(fd)
            except OSError:
                pass


def _read_size(have: int, size: int) -> int:
    """How much to ask of a read with `have` bytes of a frame in and `size` wanted (0: not known yet)."""
    return min(max(size - have, READ_SIZE), _LARGE_READ)


def _wait_for_room(fd: int, deadline: float | None) -> None:
    """Until the pipe `fd` takes more; ChannelTimeout once `deadline` passes (None: no end)."""
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    if not poller.poll(_poll_timeout(deadline)):
        raise ChannelTimeout()


def _poll_timeout(deadline: float | None) -> float | None:
    """poll()'s timeout in milliseconds until `deadline` (a time.monotonic() value; None: no end), 0 once past."""
    return None if deadline is None else max(deadline - time.monotonic(), 0.0) * 1000
