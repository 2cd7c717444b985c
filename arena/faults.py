"""How an agent's part in a match can end, and the fault that ends it early."""

from __future__ import annotations

import itertools
import reprlib
import traceback
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from arena.errors import ArenaError

# An array with more elements is shown by its dtype and shape: numpy prints every element of an axis
# shorter than seven, so the repr of 4 MiB in 22 axes of two formats four million of them (seconds).
MAX_ELEMENTS_SHOWN = 64
# Dtypes whose elements are numbers, each a few characters: an element of any other (an object, a string of
# megabytes, a record) may be as long as memory allows, so their arrays are shown by dtype and shape alone.
_NUMBER_KINDS = frozenset("biufcmM")
MAX_INT_BITS = 256  # a larger int is shown by its size: its digits take quadratic time to write, if allowed at all
# Subclasses of these are shown as they are, a few items (reprlib picks its way by the exact type's name).
_BUILT_IN = (str, bytes, bytearray, list, tuple, dict, set, frozenset)
SORTED_UP_TO = 1000  # items of a dict or set shown sorted, as repr() shows them; a larger one in its own order


class Status(str, Enum):
    """Why an agent's part in a match ended. Every agent of every match gets one."""

    OK = "ok"  # played to the end of the game
    TIMEOUT = "timeout"  # went over its start-up or per-move time budget
    CRASH = "crash"  # raised, exited or died while loading, starting or choosing a move
    ILLEGAL_ACTION = "illegal_action"  # returned a malformed action or one the rules forbid
    FORFEIT = "forfeit"  # never played: its submission could not be unpacked or read

    def __str__(self) -> str:
        return self.value


class AgentFault(ArenaError):
    """An agent broke the rules or failed; the match ends and the agent loses with `status`.

    `detail` is one line for people; `traceback` the full text where there is one.
    """

    def __init__(self, status: Status, detail: str, traceback: str = ""):
        # Its line breaks go: the text may be the agent's own (an exception's message), and a line of
        # its choosing would pass, printed, for one of arena's ("ok: ... plays othello").
        detail = " ".join(detail.splitlines())
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.traceback = traceback


class _Bounded(reprlib.Repr):
    """repr() of what an agent returned, at a cost bounded by what it shows: a few items of a container
    of thousands, the start of a long string, a large array by its dtype and shape."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxstring, self.maxother = 3, 80, 80

    def repr1(self, x: Any, level: int) -> str:
        if isinstance(x, np.ndarray) and (x.size > MAX_ELEMENTS_SHOWN or x.dtype.kind not in _NUMBER_KINDS):
            return f"{x.dtype} array of shape {x.shape}"
        if isinstance(x, int) and x.bit_length() > MAX_INT_BITS:
            return f"int of {x.bit_length()} bits"
        for kind in _BUILT_IN:
            if isinstance(x, kind):
                return getattr(self, f"repr_{kind.__name__}")(x, level)
        return super().repr1(x, level)

    # reprlib sorts a whole dict or set to show its first few: a large one is shown in its own order instead.
    def repr_dict(self, x: dict, level: int) -> str:
        if len(x) <= SORTED_UP_TO:
            return super().repr_dict(x, level)
        if level <= 0:
            return "{...}"
        items = itertools.islice(x.items(), self.maxdict)
        return "{" + ", ".join(f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}" for k, v in items) + ", ...}"

    def repr_set(self, x: set | frozenset, level: int) -> str:
        if len(x) <= SORTED_UP_TO:
            return super().repr_frozenset(x, level) if isinstance(x, frozenset) else super().repr_set(x, level)
        items = "..." if level <= 0 else ", ".join(self.repr1(i, level - 1) for i in itertools.islice(x, self.maxset)) + ", ..."
        return "frozenset({" + items + "})" if isinstance(x, frozenset) else "{" + items + "}"

    repr_frozenset = repr_set

    def repr_bytes(self, x: bytes | bytearray, level: int) -> str:
        text = repr(bytes(x[:self.maxstring]))
        return text if len(x) <= self.maxstring else text + "..."

    repr_bytearray = repr_bytes

    def repr_instance(self, x: Any, level: int) -> str:
        text = repr(x)  # what its own code raises is the caller's to report, as repr() would have it
        return text if len(text) <= self.maxother else text[:self.maxother - 3] + "..."


def shown(value: Any) -> str:
    """`value` as repr() would show it, abridged: a value an agent sent may be megabytes of items."""
    return _Bounded().repr(value)


def describe_exception(exc: BaseException, code_root: str | Path | None = None) -> str:
    """One line naming an exception and, when known, the line of the agent's code that raised it."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{type(exc).__name__}: {exc.msg} ({_short(exc.filename, code_root)} line {exc.lineno})"
    text = f"{type(exc).__name__}: {exc}".rstrip(": ")
    frames = traceback.extract_tb(exc.__traceback__)
    if code_root is not None:
        root = str(Path(code_root).resolve())
        frames = [f for f in frames if str(Path(f.filename).resolve()).startswith(root)]
    if frames:
        return f"{text} ({_short(frames[-1].filename, code_root)} line {frames[-1].lineno})"
    return text


def _short(filename: str, code_root: str | Path | None) -> str:
    if code_root is not None:
        try:
            return str(Path(filename).resolve().relative_to(Path(code_root).resolve()))
        except ValueError:
            pass
    return Path(filename).name
