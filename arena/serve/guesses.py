"""Addresses that keep sending unknown tokens are turned away before their tokens are checked.

A token check costs a scrypt, and only a few run at once (`store.SCRYPT_AT_ONCE`): a client
guessing tokens as fast as it can would otherwise take them all, and a participant using a token
for the first time would be told to come back later. After `allowed` unknown tokens in `window`
seconds an address's tokens not checked before are refused at once until its oldest guess is that
old (a token checked before still passes: others may share the address). An IPv6 address counts
with its /64 (one machine usually holds a whole /64), and with its /48 too, which may send
SITE_FACTOR times as many (a site's machines share one; its holder can use every /64 of it). The
machine's own address is never refused: a proxy in front of the server connects from it for everyone.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import deque

from arena.serve.http import client_ip, client_key, is_this_machine

ALLOWED = 10  # unknown tokens an address may send in WINDOW_SECONDS
SITE_FACTOR = 16  # how many times as many an IPv6 /48 may send
WINDOW_SECONDS = 60.0
ADDRESSES_KEPT = 10_000  # addresses remembered; the table is cleared when full


class Guesses:
    def __init__(self, allowed: int = ALLOWED, window: float = WINDOW_SECONDS):
        self.allowed = allowed
        self.window = window
        self._lock = threading.Lock()
        self._unknown: dict[str, deque[float]] = {}

    def seconds_to_wait(self, address: str | None) -> float:
        """0 if `address` may have a token checked now; else how long until it may."""
        if address is None or is_this_machine(address):
            return 0.0
        with self._lock:
            waits = [recent[0] + self.window - time.monotonic()
                     for sender, allowed in self._senders(address)
                     if len(recent := self._recent(sender, keep=False)) >= allowed]
            return max(waits, default=0.0)

    def unknown_token(self, address: str | None) -> None:
        """`address` sent a token that matched no participant."""
        if address is None or is_this_machine(address):
            return
        with self._lock:
            for sender, _ in self._senders(address):
                if sender not in self._unknown and len(self._unknown) >= ADDRESSES_KEPT:
                    self._unknown.clear()
                self._recent(sender, keep=True).append(time.monotonic())

    def _senders(self, address: str) -> list[tuple[str, int]]:
        """Whom `address`'s guesses count against, with how many each may send: the address (an IPv6
        one's /64), and an IPv6 address's /48."""
        senders = [(client_key(address), self.allowed)]
        ip = client_ip(address)
        if ip is not None and ip.version == 6:
            senders.append((str(ipaddress.ip_network(f"{ip}/48", strict=False)), self.allowed * SITE_FACTOR))
        return senders

    def _recent(self, sender: str, keep: bool) -> deque[float]:
        """`sender`'s guesses within the window (kept in the table only if `keep`)."""
        times = self._unknown.setdefault(sender, deque()) if keep else self._unknown.get(sender, deque())
        while times and times[0] <= time.monotonic() - self.window:
            times.popleft()
        return times
