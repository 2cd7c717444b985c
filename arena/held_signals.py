"""Holding a command's stop signals back while it does what must not be cut in half."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from typing import Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def signals_held(notice: str | None = None, again: str | None = None) -> Iterator[list[int]]:
    """Hold SIGINT and SIGTERM back while the body runs; those that came meanwhile are raised after, in order,
    to be handled as they would have been, unless the body raised (its error is what to report, and it stops
    the command as well). The body is handed the list of those that came, to stop early where it can stop
    cleanly; `notice`, if given, is written to stderr as the first comes (what the stop will wait for). With
    `again`, a second one is not held: `again` is written to stderr and it is handled at once (Ctrl-C pressed
    twice: stop now); what is held inside, by signals_held of its own, still finishes first.
    Held by Python's handlers, not the thread's signal mask: the kernel hands a process's signal to any of
    its threads that does not block it (a progress bar's)."""
    came: list[int] = []
    if threading.current_thread() is not threading.main_thread():  # only the main thread sets handlers
        yield came
        return

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)  # None: one set outside Python

    def hold(signum: int, frame: object) -> None:
        if notice is not None and not came:
            print(notice, file=sys.stderr, flush=True)
        came.append(signum)
        if again is not None and len(came) == 2:
            print(again, file=sys.stderr, flush=True)
            restore()
            signal.raise_signal(signum)

    previous = {signum: signal.signal(signum, hold) for signum in STOP_SIGNALS}
    finished = False
    try:
        yield came
        finished = True
    finally:
        restore()
        if finished:
            for signum in list(came):
                signal.raise_signal(signum)
