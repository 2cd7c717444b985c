"""The web server's HTTP protocol: uvicorn's h11 one, with a deadline for the head of each request.

uvicorn waits without end for a request's line and headers, so clients that send them a byte at a
time (slowloris) hold the server's connections, and with them its open files, until none is left
for anyone else. Here a connection whose request head has not all come within HEAD_SECONDS of the
connection, or of the previous response, is closed.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

HEAD_SECONDS = 10.0


class TimelyProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request head comes too slowly."""

    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._head_timer is not None and self._in_request():
            self._head_timer.cancel()
            self._head_timer = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)

    def _in_request(self) -> bool:
        """Whether a request's head has come and its response is not finished."""
        return self.cycle is not None and not self.cycle.response_complete

    def _await_head(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(HEAD_SECONDS, self._head_overdue)

    def _head_overdue(self) -> None:
        self._head_timer = None
        if not self._in_request() and not self.transport.is_closing():
            self.transport.close()
