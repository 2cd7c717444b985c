"""Temporary folders named after the process that made them (`arena-submission-<pid>-...`), so that
what a process killed before it could clean up leaves (SIGKILL, a Ray worker shut down) is removed
by the next process of arena that makes folders of the same kind."""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from pathlib import Path

from arena.processes import running


def make(prefix: str) -> Path:
    """A new private folder in the temporary folder, named `<prefix><pid>-<random>`; the first made
    with `prefix` in this process first removes those of processes no longer running."""
    sweep(prefix)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))


@functools.cache
def sweep(prefix: str) -> None:
    """Remove the `prefix` folders whose process is gone (once a process: they are left only by kills)."""
    pattern = re.compile(rf"{re.escape(prefix)}(\d+)-")
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        match = pattern.match(folder.name)
        if match and not running(int(match.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
