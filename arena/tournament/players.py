"""Processes that play blocks of matches for a tournament's driver, each over a pipe of its own.

A player is forked from the driver when the driver runs no other thread, has not loaded JAX and
holds no sandbox (it then starts in milliseconds, with everything imported), else spawned (a new
Python, a third of a second of imports). The driver sends it one block at a time (`send`) and reads what the
block played (`receive`); a player that dies takes its blocks in play with it, and `receive`
says so instead of answering.

Players die with the driver, however it ends (even by SIGKILL): each asks the kernel for SIGKILL
when its parent goes (PR_SET_PDEATHSIG). They sit in a process group of their own, so a
terminal's Ctrl-C reaches the driver alone, and start their sandboxes through the driver's
launcher (`arena.sandbox.launcher.share`).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import socket
import sys
import threading
import weakref
from collections import deque
from multiprocessing.connection import Connection
from typing import Any

from arena.cpus import kept_on_cpu
from arena.sandbox import launcher
from arena.tournament import blocks
from arena.tournament.blocks import Block, EntrantPackage, Played, one_line, play_while_in_play

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class PlayerGone(Exception):
    """The player's process ended (killed, say) before it answered."""


class Player:
    """One process playing the blocks it is sent, in order, kept on `cpu` when one is given."""

    def __init__(self, cpu: int | None = None) -> None:
        theirs, self._launcher_end = launcher.share()
        ours, child = multiprocessing.Pipe()
        self.connection: Connection = ours
        self.process = _context().Process(target=_serve, args=(os.getpid(), theirs, child, cpu), name="arena-player",
                                          daemon=True)
        _drivers_ends.add(self)  # a forked player closes its copies of these (its own driver's end too)
        self.process.start()
        child.close()
        theirs.close()
        self._admitted = False

    def send(self, settings: dict[str, Any], packages: dict[int, EntrantPackage], block: Block) -> None:
        """Have it play `block` after the blocks already sent."""
        if not self._admitted:  # the launcher (started now if need be) serves its connection from here on
            launcher.admit(self._launcher_end)
            self._launcher_end.close()
            self._admitted = True
        self._tell(("play", settings, packages, block))

    def withdraw(self, entrants: frozenset[int]) -> None:
        """Have it begin no more games of `entrants`, in the blocks already sent too."""
        self._tell(("withdrawn", entrants))

    def _tell(self, message: tuple) -> None:
        try:
            self.connection.send(message)
        except OSError:
            raise self._gone() from None

    def receive(self) -> tuple[list[Played], bool]:
        """What it played next of the oldest block sent (a match, or the failures of the rest), and
        whether that block is over; PlayerGone if the process ended first."""
        try:
            return self.connection.recv()
        except (EOFError, OSError):
            raise self._gone() from None

    def _gone(self) -> PlayerGone:
        self.process.join(1.0)
        code = self.process.exitcode
        if code is None:
            return PlayerGone("its pipe closed")
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        return PlayerGone(f"its process ended ({how})")

    def kill(self) -> None:
        """End it now, blocks in play or not."""
        if self.process.is_alive():
            self.process.kill()
        self.close()

    def close(self) -> None:
        """End it once it has played what it was sent."""
        self.connection.close()  # it ends when it finds no more to read
        self.process.join()
        self._launcher_end.close()


# Players whose driver's ends a forked copy of the driver holds too: it closes them, or a player
# would never read the end of its pipe while another player kept the driver's end open.
_drivers_ends: weakref.WeakSet[Player] = weakref.WeakSet()


def _close_drivers_ends() -> None:
    for player in list(_drivers_ends):
        player.connection.close()
        player._launcher_end.close()
    _drivers_ends.clear()


os.register_at_fork(after_in_child=_close_drivers_ends)


def failed(block: Block, reason: str) -> list[Played]:
    """A failure for each match of a block that its player could not play."""
    reason = f"the worker playing it failed: {reason}"
    return [(match_id, reason) for match_id, _, _ in block]


def _context() -> multiprocessing.context.BaseContext:
    # A fork copies the driver as it is: safe only while no other thread could hold a lock the
    # copy needs (JAX's own threads among them: it cannot be forked once loaded), and while it
    # holds no sandbox the copy would share.
    forkable = threading.active_count() == 1 and "jax" not in sys.modules and not blocks.sandboxes_open()
    return multiprocessing.get_context("fork" if forkable else "spawn")


def _serve(parent: int, sandbox_launcher: socket.socket, connection: Connection, cpu: int | None) -> None:
    """The player's process: set up, then play each block it is sent until the driver closes the pipe."""
    setup_worker(parent, sandbox_launcher)
    sent = _Sent(connection)
    try:
        with kept_on_cpu(cpu):
            while (next_block := sent.next_block()) is not None:
                settings, packages, block = next_block
                matches, answered = play_while_in_play(settings, packages, block, sent.withdrawn), 0
                while answered < len(block):  # each match goes back as it ends, the block's last saying so
                    sent.read_notices()  # before each game: an entrant withdrawn meanwhile begins none
                    try:
                        played = next(matches, None)
                    except Exception as exc:  # noqa: BLE001  (the rest of the block fails; the player goes on)
                        connection.send((failed(block[answered:], one_line(exc)), True))
                        break
                    if played is None:  # the rest of it was withdrawn
                        connection.send(([], True))
                        break
                    answered += 1
                    connection.send(([played], answered == len(block)))
    finally:
        blocks.close_sandboxes()  # their folders and cgroups go with them: a process ends without atexit here


class _Sent:
    """What the driver sent a player: blocks to play in order, and entrants withdrawn from play."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.blocks: deque[tuple[dict[str, Any], dict[int, EntrantPackage], Block]] = deque()
        self.withdrawn: set[int] = set()
        self.closed = False  # the driver closed its end: the blocks already sent are still played

    def next_block(self) -> tuple[dict[str, Any], dict[int, EntrantPackage], Block] | None:
        """The next block to play, waiting for one; None once the driver has closed the pipe."""
        while not self.blocks and not self.closed:
            self._take()
        return self.blocks.popleft() if self.blocks else None

    def read_notices(self) -> None:
        """Take in what was sent while a game was played, without waiting."""
        while not self.closed and self.connection.poll():
            self._take()

    def _take(self) -> None:
        try:
            kind, *rest = self.connection.recv()
        except EOFError:
            self.closed = True
            return
        if kind == "withdrawn":
            self.withdrawn.update(rest[0])
        else:
            self.blocks.append(tuple(rest))


def setup_worker(parent: int, sandbox_launcher: socket.socket) -> None:
    """In a player: be killed when the driver (`parent`) ends, whatever ends it, leave its
    process group, whose Ctrl-C the driver handles by stopping the players itself, and start
    sandboxes through the driver's launcher."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the parent was already gone before the request took effect
        os._exit(1)
    os.setpgid(0, 0)
    launcher.adopt(sandbox_launcher)
