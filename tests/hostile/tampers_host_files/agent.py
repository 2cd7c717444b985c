"""Tries to change the mode, dates and owner of a host file (named in target.txt), of the host's /dev/null
(every sandbox sees the same node), of the masked files of /proc and of the files its standard streams were
opened on, then plays legal moves."""
import os
import stat
from pathlib import Path

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def _initialize(self):
        target = Path(Path("target.txt").read_text())
        harness = Path("harness.txt").read_text()
        attempts = {
            "chmod setuid": lambda path: os.chmod(path, 0o4777),
            "utime": lambda path: os.utime(path, (0, 0)),
            "chown": lambda path: os.chown(path, os.getuid(), os.getgid()),
            "lock": lambda path: __import__("fcntl").flock(os.open(path, os.O_RDONLY), 2),
        }
        for where in (target, Path(f"/proc/{harness}/root") / target.relative_to("/")):
            for what, attempt in attempts.items():
                try:
                    attempt(where)
                    print(f"{what} {where}: done")
                except OSError as exc:
                    print(f"{what} {where}: {type(exc).__name__}")
        # Setting a file's times to now needs only the right to write it, which /dev/null gives all.
        attempts["touch"] = lambda path: os.utime(path)
        # So do the host-wide files of /proc, masked for it: with what, if not the host's /dev/null?
        for path in ("/dev/null", "/proc/cmdline", "/proc/sys/fs/file-nr"):
            for what in ("chmod setuid", "utime", "chown", "touch"):
                try:
                    attempts[what](path)
                    print(f"{what} {path}: done")
                except OSError as exc:
                    print(f"{what} {path}: {type(exc).__name__}")
        # Its standard streams, opened for it before its sandbox was: its input, were it the host's /dev/null,
        # would take a touch; its output goes to a pipe of the harness's.
        for fd in (0, 1, 2):
            try:
                os.utime(fd)
                print(f"touch descriptor {fd}: done")
            except OSError as exc:
                print(f"touch descriptor {fd}: {type(exc).__name__}")
        # Its own copy is its to change.
        os.chmod("agent.py", stat.S_IRUSR | stat.S_IWUSR)

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
