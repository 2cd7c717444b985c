"""arena serve's HTTP protocol: a client that sends its request head slowly is cut off, so slow
clients cannot hold every connection (and open file) of the server; prompt ones are served."""

import socket
import threading
import time

import pytest

uvicorn = pytest.importorskip("uvicorn", reason="arena serve needs its extra: pip install -e '.[serve]'")

from arena.serve import http  # noqa: E402


async def answer_ok(scope, receive, send):
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def port(monkeypatch):
    monkeypatch.setattr(http, "HEAD_SECONDS", 1.0)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(answer_ok, host="127.0.0.1", port=port, log_level="warning",
                                           http=http.TimelyProtocol))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(30)


def test_a_request_head_sent_slowly_is_cut_off_and_a_prompt_one_is_answered(port):
    slow = socket.create_connection(("127.0.0.1", port))
    slow.sendall(b"GET / HTTP/1.1\r\nHost: arena\r\n")  # and the rest never comes
    slow.settimeout(30)
    started = time.monotonic()
    assert slow.recv(100) == b""  # closed by the server
    assert time.monotonic() - started < 20  # after HEAD_SECONDS (1 s), on a busy machine later
    slow.close()

    with socket.create_connection(("127.0.0.1", port)) as prompt:
        prompt.settimeout(30)
        for _ in range(2):  # and again on the same connection
            prompt.sendall(b"GET / HTTP/1.1\r\nHost: arena\r\n\r\n")
            reply = b""
            while not reply.endswith(b"ok"):
                reply += prompt.recv(1000)
            assert reply.startswith(b"HTTP/1.1 200 OK")
