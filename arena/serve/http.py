"""The web server's HTTP protocol: uvicorn's h11 one, with deadlines for slow clients.

uvicorn waits without end for a client: one that sends a request's head or body a byte at a time
(slowloris), or reads a response as slowly, holds its connection, and with it an open file of the
server, until none is left for anyone else. Here a connection is dropped when
- the head of a request has not all come within HEAD_SECONDS of the connection, or of the
  previous response's last byte leaving;
- a request's body comes slower than MIN_RATE bytes a second over RATE_SECONDS, while the server
  is reading it;
- a response is read slower than that while the server waits for the client to read it (its send
  buffer full), as the bytes the client's TCP has acknowledged tell (the kernel's buffers between
  the two hold megabytes, so what leaves the server's buffer says nothing for a long while).

And a connection is closed as soon as it is made when MAX_CONNECTIONS are open already, or half
as many as the process may open files (it keeps the rest for playing: replays, the database;
`allow_open_files` raises that limit as far as the host lets it), or MAX_PER_ADDRESS
from its address (an IPv6 client's from its /64; not counting the machine's own: a proxy in front of
the server connects from there), or MAX_PER_SITE from its IPv6 /48 (one site holds 65,536 /64s), so that
one client cannot take every connection, nor many the files play needs.

Told to stop, uvicorn answers every request under way first; `Server` ends the weights downloads
under way then (an upload's may take minutes), and cuts off what is still under way after
ANSWERS_WAITED_SECONDS (an upload trickling in just above MIN_RATE, say), so that a Ctrl-C or a
`kill PID` stops the server in seconds.

uvicorn's warnings of requests that are not HTTP, or ask to upgrade to WebSockets, are left out of
the console (`CLIENTS_MISTAKES`): any client can send them by the thousand.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import resource
import socket
import struct
from typing import Any, Callable

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from arena.weights import stop_downloads

HEAD_SECONDS = 10.0
MAX_CONNECTIONS = 1024
MAX_PER_ADDRESS = 64
MAX_PER_SITE = 4 * MAX_PER_ADDRESS  # from one IPv6 /48: a quarter of MAX_CONNECTIONS
OPEN_FILES_WANTED = 65_536  # what the server raises its open-files limit to, where the host allows
MIN_RATE = 1024
RATE_SECONDS = 10.0
ANSWERS_WAITED_SECONDS = 10  # for the requests under way when the server is told to stop; then they are cut off
# Where Linux's struct tcp_info keeps tcpi_bytes_acked (since Linux 4.1).
_BYTES_ACKED = struct.Struct("<120xQ")
# What uvicorn warns of on every such request: any client can send them by the thousand, and on the organiser's
# console they would bury the server's own messages (the client is answered 400 or served plainly all the same).
CLIENTS_MISTAKES = ("Invalid HTTP request received.", "Unsupported upgrade request.",
                    "No supported WebSocket library detected.")


class _WithoutClientsMistakes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(CLIENTS_MISTAKES)


# The connections' own log, a child of uvicorn's: what else they report reaches the console as before.
_CONNECTIONS_LOG = logging.getLogger("uvicorn.error.connections")
_CONNECTIONS_LOG.addFilter(_WithoutClientsMistakes())


class Server(uvicorn.Server):
    """uvicorn's server, ending the weights downloads under way once it is told to stop, and the requests
    still under way ANSWERS_WAITED_SECONDS later (uvicorn would wait for them without end)."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.config.timeout_graceful_shutdown is None:
            self.config.timeout_graceful_shutdown = ANSWERS_WAITED_SECONDS
        await super().shutdown(sockets)

    def handle_exit(self, sig: int, frame) -> None:
        stop_downloads()
        super().handle_exit(sig, frame)


class TimelyProtocol(H11Protocol):
    """uvicorn's h11 protocol, dropping connections whose client keeps it waiting."""

    _timer: asyncio.TimerHandle | None = None  # for the head, then the body
    _unread_timer: asyncio.TimerHandle | None = None  # while the client is not reading fast enough
    _body_bytes = 0  # of the request's body, since the last check of its rate
    _acked_bytes = 0  # of the connection's responses, by the client, at the last check of its rate
    _from: str | None = None  # who its client stands for (`client_key`), once counted against MAX_PER_ADDRESS
    _site: str | None = None  # the site of its client (`site_key`), once counted against MAX_PER_SITE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = _CONNECTIONS_LOG

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self._one_too_many():
            self._drop()
            return
        self._arm(HEAD_SECONDS, self._head_overdue)

    def _one_too_many(self) -> bool:
        """Whether this connection goes past MAX_CONNECTIONS, MAX_PER_ADDRESS from its address or
        MAX_PER_SITE from its site."""
        if len(self.connections) > connection_cap():
            return True
        host = self.client[0] if self.client else None
        if host is None or is_this_machine(host):
            return False
        self._from, self._site = client_key(host), site_key(host)
        return (sum(1 for other in self.connections if getattr(other, "_from", None) == self._from) > MAX_PER_ADDRESS
                or sum(1 for other in self.connections if getattr(other, "_site", None) == self._site) > MAX_PER_SITE)

    def data_received(self, data: bytes) -> None:
        awaiting_head = not self._in_request()
        super().data_received(data)
        if not self._in_request():
            return
        if awaiting_head:  # this data completed a head: from now on the body's rate is watched
            self._body_bytes = 0
            self._arm(RATE_SECONDS, self._check_body_rate)
        else:
            self._body_bytes += len(data)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.flow.write_paused:  # else once the client has read the response
            self._arm(HEAD_SECONDS, self._head_overdue)

    def pause_writing(self) -> None:
        super().pause_writing()
        self._cancel_unread_timer()
        if (acked := self._bytes_acked()) is not None:  # else not TCP on Linux: nothing to measure
            self._acked_bytes = acked
            self._unread_timer = self.loop.call_later(RATE_SECONDS, self._check_read_rate)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._cancel_unread_timer()
        if not self._in_request():
            self._arm(HEAD_SECONDS, self._head_overdue)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._cancel_unread_timer()
        super().connection_lost(exc)

    def _in_request(self) -> bool:
        """Whether a request's head has come and its response is not finished."""
        return self.cycle is not None and not self.cycle.response_complete

    def _arm(self, seconds: float, check: Callable[[], None]) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_later(seconds, check)

    def _head_overdue(self) -> None:
        self._timer = None
        if not self._in_request():
            self._drop()

    def _check_body_rate(self) -> None:
        self._timer = None
        if not self._in_request() or not self.cycle.more_body:
            return
        # While reading is paused the application is behind, not the client.
        if not self.flow.read_paused and self._body_bytes < MIN_RATE * RATE_SECONDS:
            self._drop()
            return
        self._body_bytes = 0
        self._arm(RATE_SECONDS, self._check_body_rate)

    def _bytes_acked(self) -> int | None:
        sock = self.transport.get_extra_info("socket")
        try:
            info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _BYTES_ACKED.size)
        except (AttributeError, OSError):
            return None
        return _BYTES_ACKED.unpack(info)[0] if len(info) == _BYTES_ACKED.size else None

    def _check_read_rate(self) -> None:
        acked = self._bytes_acked() or 0
        if acked - self._acked_bytes < MIN_RATE * RATE_SECONDS:
            self._drop()
            return
        self._acked_bytes = acked
        self._unread_timer = self.loop.call_later(RATE_SECONDS, self._check_read_rate)

    def _cancel_unread_timer(self) -> None:
        if self._unread_timer is not None:
            self._unread_timer.cancel()
            self._unread_timer = None

    def _drop(self) -> None:
        # Not close(): it would wait for the send buffer to empty, for ever if the client never
        # reads (uvicorn's keep-alive timeout closes connections that way).
        self.transport.abort()


def is_this_machine(host: str) -> bool:
    """Whether `host` (a client's address) is this machine's own, where a proxy in front connects from;
    anything not an IP address (a forwarded header's "unknown") is not; nor an IPv4 loopback address
    carried in another kind of IPv6 address than a dual-stack socket's (a tunnel's is a stranger's)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return (ip.ipv4_mapped or ip).is_loopback if ip.version == 6 else ip.is_loopback


def client_key(host: str) -> str:
    """Who `host` (a client's address) stands for: its IP address, for IPv6 its /64 (one machine usually
    holds a whole /64; an IPv4 client an IPv6 address carries, as a dual-stack socket's ::ffff:a.b.c.d,
    is its IPv4 address, not the /64 every such client shares); anything not an IP address (a
    forwarded header's "unknown", say) as it is."""
    ip = client_ip(host)
    if ip is None:
        return host
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def site_key(host: str) -> str:
    """The site `host` (a client's address) belongs to: for IPv6 its /48, which one organisation (or one
    tunnel broker's customer) holds whole; else its `client_key`."""
    ip = client_ip(host)
    if ip is None or ip.version == 4:
        return client_key(host)
    return str(ipaddress.ip_network(f"{ip}/48", strict=False))


def client_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`host` (a client's address) as an IP address, an IPv4 client's that an IPv6 address carries
    (`_carried_ipv4`) as that IPv4 address; None for anything else (a forwarded header's "unknown")."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    return (_carried_ipv4(ip) or ip) if ip.version == 6 else ip


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 client behind an IPv6 address that only carries it, where all such addresses would
    otherwise share one /64: a dual-stack socket's ::ffff:a.b.c.d, a translator's 64:ff9b::a.b.c.d,
    a Teredo tunnel's (its client's public address), the old ::a.b.c.d."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 0xFFFF):  # not :: or ::1
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def trusted_proxies() -> str:
    """The addresses whose X-Forwarded-For uvicorn believes: this machine's own, IPv4 and IPv6, where
    `is_this_machine` expects a proxy (uvicorn alone trusts 127.0.0.1, so behind a proxy on ::1 every
    client would be that proxy); FORWARDED_ALLOW_IPS, as uvicorn reads it, where the organiser sets it."""
    return os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def connection_cap() -> int:
    """MAX_CONNECTIONS, or half the files this process may open if that is fewer."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return MAX_CONNECTIONS if soft == resource.RLIM_INFINITY else min(MAX_CONNECTIONS, soft // 2)


def allow_open_files() -> None:
    """Raise this process's open-files limit towards OPEN_FILES_WANTED, as far as its hard limit allows
    (a common default of 1,024 would leave room for about 500 connections)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES_WANTED if hard == resource.RLIM_INFINITY else min(OPEN_FILES_WANTED, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
