"""How often one client may do something dear: guess tokens, register participants.

An `AddressLimit` lets an address do a thing `allowed` times in `window` seconds, then turns it away
until its oldest time is that old. An IPv6 address counts with its /64 (one machine usually holds a
whole /64), and with its /48 too (`site_key`), which may do `site_factor` times as much (a site's
machines share one; its holder can use every /64 of it). The machine's own address is never turned
away: a proxy in front of the server connects from it for everyone.

The server keeps two: unknown tokens (a token check costs a scrypt, and only a few run at once,
`store.SCRYPT_AT_ONCE`: a client guessing as fast as it can would take them all, and a participant
using a token for the first time would be told to come back later), and registrations (open
registration allows so many an hour for everyone together: one client must not take them all).
"""

from __future__ import annotations

import threading
import time
from collections import deque

from arena.serve.http import client_key, is_this_machine, site_key

ADDRESSES_KEPT = 10_000  # addresses remembered; the table is cleared when full


class AddressLimit:
    def __init__(self, allowed: int, window: float, site_factor: int):
        self.allowed = allowed
        self.window = window
        self.site_factor = site_factor
        self._lock = threading.Lock()
        self._times: dict[str, deque[float]] = {}

    def seconds_to_wait(self, address: str | None) -> float:
        """0 if `address` may do it now; else how long until it may."""
        if address is None or is_this_machine(address):
            return 0.0
        with self._lock:
            return self._wait(self._senders(address))

    def count(self, address: str | None) -> None:
        """`address` did it once more."""
        if address is None or is_this_machine(address):
            return
        with self._lock:
            self._add(self._senders(address))

    def take(self, address: str | None) -> float:
        """Count `address` doing it once more if it may do it now, and 0; else how long until it may,
        counting nothing. One step, so that requests made together cannot all pass before one counts."""
        if address is None or is_this_machine(address):
            return 0.0
        with self._lock:
            senders = self._senders(address)
            wait = self._wait(senders)
            if not wait:
                self._add(senders)
            return wait

    def forgive(self, address: str | None) -> None:
        """Take back one time `take` counted for `address` (what it did turned out not to count)."""
        if address is None or is_this_machine(address):
            return
        with self._lock:
            for sender, _ in self._senders(address):
                times = self._times.get(sender)
                if times:
                    times.pop()
                if times is not None and not times:
                    del self._times[sender]

    def _senders(self, address: str) -> list[tuple[str, int]]:
        """Whom `address` counts against, with how many times each may do it: the address (an IPv6
        one's /64), and an IPv6 address's /48."""
        own, site = client_key(address), site_key(address)  # the same but for IPv6
        return [(own, self.allowed)] + ([(site, self.allowed * self.site_factor)] if site != own else [])

    def _wait(self, senders: list[tuple[str, int]]) -> float:
        """How long until none of `senders` is at its limit (0: none is now)."""
        waits = [recent[0] + self.window - time.monotonic()
                 for sender, allowed in senders if len(recent := self._recent(sender, keep=False)) >= allowed]
        return max(waits, default=0.0)

    def _add(self, senders: list[tuple[str, int]]) -> None:
        for sender, _ in senders:
            if sender not in self._times and len(self._times) >= ADDRESSES_KEPT:
                self._times.clear()
            self._recent(sender, keep=True).append(time.monotonic())

    def _recent(self, sender: str, keep: bool) -> deque[float]:
        """`sender`'s times within the window (kept in the table only if `keep`)."""
        times = self._times.setdefault(sender, deque()) if keep else self._times.get(sender, deque())
        while times and times[0] <= time.monotonic() - self.window:
            times.popleft()
        return times
