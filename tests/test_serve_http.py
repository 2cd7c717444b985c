"""arena serve's HTTP protocol: a client that sends its request head or body slowly, or leaves a
response unread, is cut off, so slow clients cannot hold every connection (and open file) of the
server; prompt ones are served."""

import contextlib
import logging
import socket
import threading
import time

import pytest
from conftest import Site, wait_for

uvicorn = pytest.importorskip("uvicorn", reason="arena serve needs its extra: pip install -e '.[serve]'")

from arena.serve import http  # noqa: E402


BIG = 8 << 20  # the size of /big's answers: more than the socket buffers hold
CHUNK = 64 << 10


async def answer_ok(scope, receive, send):
    if scope["type"] != "http":
        return
    received = 0
    while True:  # the whole body first, as an upload's handler reads it
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        received += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = bytes(BIG) if scope["path"].startswith("/big") else b"ok %d" % received
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    if scope["path"] == "/big/streamed":  # as a file is sent: a chunk at a time
        for start in range(0, len(body), CHUNK):
            await send({"type": "http.response.body", "body": body[start:start + CHUNK], "more_body": True})
        body = b""
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def port(monkeypatch):
    monkeypatch.setattr(http, "HEAD_SECONDS", 1.0)
    monkeypatch.setattr(http, "RATE_SECONDS", 1.0)
    with serving(answer_ok) as port:
        yield port


@contextlib.contextmanager
def serving(app, host: str = "127.0.0.1"):
    """`app` served on a free port of this machine's `host` as `arena serve` serves its own; the port."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           http=http.TimelyProtocol, forwarded_allow_ips=http.trusted_proxies()))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_behind_a_proxy_on_this_machine_the_client_is_the_last_address_it_added(host, monkeypatch):
    async def answer_client(scope, receive, send):
        if scope["type"] != "http":
            return
        body = scope["client"][0].encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)

    def client_seen(*forwarded: str) -> bytes:
        with socket.create_connection((host, port), timeout=30) as client:
            head = "".join(f"X-Forwarded-For: {value}\r\n" for value in forwarded)
            client.sendall(f"GET / HTTP/1.1\r\nHost: x\r\n{head}Connection: close\r\n\r\n".encode())
            return read_until_closed(client).rsplit(b"\r\n\r\n", 1)[1]

    with serving(answer_client, host) as port:
        assert client_seen() == host.encode()
        assert client_seen("203.0.113.5") == b"203.0.113.5"
        # What a client wrote itself comes first, the address the proxy appended last.
        assert client_seen("6.6.6.6, 203.0.113.5") == b"203.0.113.5"
        assert client_seen("6.6.6.6", "203.0.113.5") == b"203.0.113.5"


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
            while not reply.endswith(b"ok 0"):
                reply += prompt.recv(1000)
            assert reply.startswith(b"HTTP/1.1 200 OK")


def read_until_closed(client: socket.socket) -> bytes:
    client.settimeout(30)
    reply = b""
    try:
        while chunk := client.recv(1 << 20):
            reply += chunk
    except ConnectionResetError:
        pass
    return reply


def post_head(length: int) -> bytes:
    return b"POST /upload HTTP/1.1\r\nHost: arena\r\nContent-Length: %d\r\n\r\n" % length


def test_a_request_body_sent_slowly_is_cut_off_and_a_prompt_one_is_answered(port):
    with socket.create_connection(("127.0.0.1", port)) as slow:
        slow.sendall(post_head(100_000) + b"x" * 2000)
        started = time.monotonic()
        for _ in range(15):  # 100 bytes a second, under MIN_RATE (1 KiB a second)
            try:
                slow.sendall(b"x" * 100)
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(1)
        assert read_until_closed(slow) == b""
        assert time.monotonic() - started < 14  # cut off after one or two periods of RATE_SECONDS (1 s)

    with socket.create_connection(("127.0.0.1", port)) as prompt:
        prompt.sendall(post_head(100_000))
        for _ in range(10):  # 100 kB in about 2 s: slow, but above the rate
            prompt.sendall(b"x" * 10_000)
            time.sleep(0.2)
        prompt.settimeout(30)
        reply = b""
        while not reply.endswith(b"ok 100000"):
            reply += prompt.recv(1000)
        assert reply.startswith(b"HTTP/1.1 200 OK")


def get(path: str) -> bytes:
    return b"GET %s HTTP/1.1\r\nHost: arena\r\n\r\n" % path.encode()


@pytest.mark.parametrize("path", ["/big", "/big/streamed"])
def test_a_response_left_unread_is_dropped_and_one_read_slowly_comes_whole(port, path):
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(get(path))
        time.sleep(5)  # not reading: with the server's send buffer full, it gives up after RATE_SECONDS (1 s)
        assert 0 < len(read_until_closed(client)) < BIG

    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(get(path))
        client.settimeout(30)
        reply = b""
        while chunk := client.recv(CHUNK):  # about 2 MB a second: slow, but above the rate
            reply += chunk
            if len(reply) > BIG:
                break
            time.sleep(0.02)
        assert reply.startswith(b"HTTP/1.1 200 OK") and len(reply) > BIG


def held_open(port: int, count: int) -> list[socket.socket]:
    """`count` connections that send nothing, each accepted by the server before the next is made."""
    held = []
    for _ in range(count):
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(b"GET / HTTP/1.1\r\nHost: arena\r\n\r\n")  # answered: the server took it in
        client.settimeout(30)
        assert client.recv(1000).startswith(b"HTTP/1.1 200 OK")
        held.append(client)
    return held


def closed_at_once(port: int, source: str = "127.0.0.1") -> bool:
    with socket.create_connection(("127.0.0.1", port), source_address=(source, 0)) as client:
        client.settimeout(30)
        try:
            client.sendall(b"GET / HTTP/1.1\r\nHost: arena\r\n\r\n")
            return read_until_closed(client) == b""
        except (BrokenPipeError, ConnectionResetError):
            return True


def test_connections_past_the_servers_cap_are_closed_as_they_come(port, monkeypatch):
    monkeypatch.setattr(http, "MAX_CONNECTIONS", 4)
    held = held_open(port, 4)
    try:
        assert closed_at_once(port)
    finally:
        for client in held[:2]:
            client.close()
    wait_for(lambda: not closed_at_once(port), 60, "room again once the server sees two closed")
    for client in held[2:]:
        client.close()


def test_one_address_may_hold_only_its_share_of_the_connections(port, monkeypatch):
    monkeypatch.setattr(http, "MAX_PER_ADDRESS", 3)
    monkeypatch.setattr(http, "is_this_machine", lambda host: False)  # as a client elsewhere
    held = held_open(port, 3)
    try:
        assert closed_at_once(port)
        monkeypatch.setattr(http, "is_this_machine", lambda host: True)  # a proxy on this machine: not capped
        assert not closed_at_once(port)
    finally:
        for client in held:
            client.close()


def test_an_ipv6_clients_connections_count_with_its_64(port, monkeypatch):
    assert http.client_key("2001:db8::1") == http.client_key("2001:db8::ffff:2") == "2001:db8::/64"
    assert http.client_key("::ffff:203.0.113.7") == "203.0.113.7"  # an IPv4 client of a dual-stack socket
    # ... of a translator, a Teredo tunnel (its client's public address, bits inverted) and the old form
    assert http.client_key("64:ff9b::cb00:7107") == http.client_key("::203.0.113.7") == "203.0.113.7"
    assert http.client_key("2001:0:4136:e378:8000:63bf:34ff:8ef8") == "203.0.113.7"
    assert http.client_key("::1") == "::/64" and http.client_key("fe80::1") == "fe80::/64"
    assert http.is_this_machine("::ffff:127.0.0.1") and not http.is_this_machine("64:ff9b::7f00:1")
    monkeypatch.setattr(http, "MAX_PER_ADDRESS", 3)
    monkeypatch.setattr(http, "is_this_machine", lambda host: False)  # as clients elsewhere
    for one_machine in (False, True):
        if one_machine:  # 127.0.0.1 and 127.0.0.2 as two addresses of one /64
            monkeypatch.setattr(http, "client_key", lambda host: "2001:db8::/64")
        held = held_open(port, 3)
        try:
            assert closed_at_once(port, source="127.0.0.2") == one_machine
        finally:
            for client in held:
                client.close()
        wait_for(lambda: not closed_at_once(port), 60, "room again once the server sees them closed")


def test_one_ipv6_site_may_hold_only_its_share_of_the_connections_however_many_64s_it_uses(port, monkeypatch):
    assert http.site_key("2001:db8:36:1::1") == http.site_key("2001:db8:36:ff::1") == "2001:db8:36::/48"
    assert http.site_key("203.0.113.7") == "203.0.113.7"
    monkeypatch.setattr(http, "MAX_PER_ADDRESS", 3)
    monkeypatch.setattr(http, "MAX_PER_SITE", 4)
    monkeypatch.setattr(http, "is_this_machine", lambda host: False)  # as clients elsewhere
    monkeypatch.setattr(http, "client_key", lambda host: host)  # 127.0.0.1 and 127.0.0.2 as two /64s...
    monkeypatch.setattr(http, "site_key", lambda host: "2001:db8:36::/48")  # ... of one /48
    held = held_open(port, 3)
    try:
        with socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0)) as fourth:
            fourth.sendall(b"GET / HTTP/1.1\r\nHost: arena\r\n\r\n")
            fourth.settimeout(30)
            assert fourth.recv(1000).startswith(b"HTTP/1.1 200 OK")  # its /64's first
            assert closed_at_once(port, source="127.0.0.2")  # its /64's second: the /48's fifth
    finally:
        for client in held:
            client.close()


def test_the_connection_cap_leaves_half_the_open_files_for_play_and_the_server_raises_their_limit():
    import resource

    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (200, before[1]))
        assert http.connection_cap() == 100
        http.allow_open_files()
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        hard = before[1]
        assert soft == (http.OPEN_FILES_WANTED if hard == resource.RLIM_INFINITY else min(http.OPEN_FILES_WANTED, hard))
        assert http.connection_cap() == min(http.MAX_CONNECTIONS, soft // 2)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, before)


def test_a_client_gone_in_the_middle_of_its_request_prints_no_traceback_on_the_organisers_console(tmp_path):
    # Anyone could fill the console with 50-line tracebacks by dropping form posts half-sent.
    errors: list[logging.LogRecord] = []
    console = logging.getLogger("uvicorn.error")
    catcher = logging.Handler(logging.ERROR)
    catcher.emit = errors.append
    site = Site(tmp_path)
    try:
        with serving(site.app) as port:
            console.addHandler(catcher)
            for path in (b"/login", b"/register", b"/logout"):
                with socket.create_connection(("127.0.0.1", port)) as client:
                    client.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                   b"application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ncsrf=")
                    time.sleep(0.2)
            time.sleep(0.5)
            with socket.create_connection(("127.0.0.1", port)) as client:  # and the server goes on answering
                client.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert read_until_closed(client).startswith(b"HTTP/1.1 200")
    finally:
        console.removeHandler(catcher)
        site.client.close()
        site.app.state.competition.close()
        site.store.close()
    assert [record.getMessage() for record in errors] == []


def test_malformed_requests_and_unsupported_upgrades_leave_the_organisers_console_quiet(port):
    # Any client could send these by the thousand, each a warning line burying the server's own messages.
    warnings: list[logging.LogRecord] = []
    console = logging.getLogger("uvicorn.error")
    catcher = logging.Handler(logging.WARNING)
    catcher.emit = warnings.append
    console.addHandler(catcher)
    try:
        for request in (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", b"NOT HTTP AT ALL\r\n\r\n",
                        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"):
            with socket.create_connection(("127.0.0.1", port)) as client:
                client.sendall(request)
                assert read_until_closed(client).startswith(b"HTTP/1.1 ")  # each still answered
    finally:
        console.removeHandler(catcher)
    assert [record.getMessage() for record in warnings] == []


def test_a_server_told_to_stop_ends_the_weights_downloads_under_way(monkeypatch):
    # uvicorn answers every request before it stops, and an upload's download may take ten minutes.
    import signal
    import threading

    import arena.weights

    monkeypatch.setattr(arena.weights, "_STOPPING", threading.Event())
    server = http.Server(uvicorn.Config(answer_ok))
    server.handle_exit(signal.SIGINT, None)
    assert server.should_exit and arena.weights._STOPPING.is_set()


def test_an_upload_past_the_limit_is_answered_413_not_a_connection_reset(tmp_path):
    # arena submit (urllib) and browsers send the whole body before they read the answer: a server that answered
    # from Content-Length and closed left them a reset connection ("cannot reach the server") instead of the limit.
    import io
    import os
    import zipfile

    from arena.errors import ArenaError
    from arena.serve.client import submit
    from arena.serve.uploads import UploadLimits

    site = Site(tmp_path, UploadLimits(max_bytes=1 << 20))
    upload = tmp_path / "big.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.writestr("agent.py", "")
        archive.writestr("weights.bin", os.urandom(16 << 20))  # more than the sockets' buffers hold
    try:
        with serving(site.app) as port:
            with pytest.raises(ArenaError) as refused:
                submit(upload, f"http://127.0.0.1:{port}", site.alice_token, timeout=60)
    finally:
        site.client.close()
        site.app.state.competition.close()
        site.store.close()
    assert "refused the upload (413): the upload is larger than 1 MiB, the most allowed" in str(refused.value)
    assert site.files_kept() == []


def test_a_server_told_to_stop_stops_within_seconds_of_a_request_that_does_not_end(monkeypatch):
    # uvicorn waits without end for the requests under way: an upload trickling in just above MIN_RATE, or one
    # stuck behind a busy store, kept `kill PID` (what an organiser or systemd sends) from stopping the server.
    import asyncio
    import signal

    import arena.weights

    monkeypatch.setattr(http, "ANSWERS_WAITED_SECONDS", 1)
    monkeypatch.setattr(arena.weights, "_STOPPING", threading.Event())  # told to stop, it stops downloads too
    begun = threading.Event()

    async def never_answers(scope, receive, send):
        if scope["type"] != "http":
            return
        begun.set()
        await asyncio.sleep(3600)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = http.Server(uvicorn.Config(never_answers, host="127.0.0.1", port=port, log_level="critical",
                                        http=http.TimelyProtocol))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, 30, "the server to start")
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert begun.wait(30)
        server.handle_exit(signal.SIGTERM, None)
        thread.join(30)
        assert not thread.is_alive()
