"""Every value a submission controls, written as an attacker would: each is refused with one clear line.

Each test builds the malicious folder, zip or manifest in tmp_path and checks the exact reason given.
The `contained` fixture keeps arena's temporary folders and weights cache inside tmp_path and checks
that a refused submission leaves nothing behind; `no_fifo_opened` turns any attempt to open a FIFO
(which would block forever) into a failure, so no test here can hang.
"""

import builtins
import contextlib
import ipaddress
import os
import socket
import stat
import sys
import threading
import types
import warnings
import zipfile

import pytest

import arena.unpack
from arena.errors import ManifestError, SubmissionError
from arena.manifest import Manifest
from arena.submission import load
from arena.weights import DownloadPostponed, WeightsError, cached_path, url_problem

AGENT = "from arena.agents import RandomAgent\n\nclass SubmittedAgent(RandomAgent):\n    pass\n"


@pytest.fixture(autouse=True)
def contained(tmp_path, monkeypatch):
    """Temporary folders and the weights cache live under tmp_path; refusals must leave no copy behind."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    monkeypatch.setenv("ARENA_CACHE_DIR", str(tmp_path / "cache"))
    yield
    assert not [p for p in scratch.iterdir() if p.name.startswith("arena-submission-")]


@pytest.fixture
def no_fifo_opened(monkeypatch):
    """Opening a FIFO blocks until a writer comes; fail instead, whichever way the file is opened."""

    def refuse_fifo(path):
        if isinstance(path, (str, bytes, os.PathLike)):
            try:
                assert not stat.S_ISFIFO(os.stat(path).st_mode), f"{path} was opened"
            except OSError:
                pass

    real_open, real_os_open = builtins.open, os.open

    def guarded_open(file, *args, **kwargs):
        refuse_fifo(file)
        return real_open(file, *args, **kwargs)

    def guarded_os_open(path, *args, **kwargs):
        refuse_fifo(path)
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)


def refusal(path, error=SubmissionError, **load_options) -> str:
    """The one-line message `load(path, **load_options)` refuses the submission with."""
    with pytest.raises(error) as caught:
        load(path, **load_options)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def folder_with(tmp_path, manifest=None, name="attacker"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "agent.py").write_text(AGENT)
    if manifest is not None:
        (folder / "arena.toml").write_bytes(manifest.encode() if isinstance(manifest, str) else manifest)
    return folder


def zip_with(tmp_path, *members, agent=True):
    """A zip holding agent.py and `members`: (name or ZipInfo, data) pairs written exactly as given."""
    path = tmp_path / "attacker.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names, which are the point
        if agent:
            archive.writestr("agent.py", AGENT)
        for info, data in members:
            archive.writestr(info, data)
    return path


def member(name, mode, data=b""):
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    return info, data


# --- the manifest ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0", "1e300", "3601", "true"])
def test_time_per_move_must_be_a_sane_number_of_seconds(tmp_path, value):
    message = refusal(folder_with(tmp_path, f"time_per_move = {value}"), ManifestError)
    expected = ("must be a number of seconds" if value == "true"
                else "must be positive and at most 60 seconds, got")
    assert f"field 'time_per_move' {expected}" in message


@pytest.mark.parametrize("value, reason", [
    ("-1", "must be at least 64 and at most 1048576 MiB, got -1"),
    ("1000000000000000000", "must be at least 64 and at most 1048576 MiB, got 1000000000000000000"),
    ("0x" + "f" * 2000, "must be at least 64 and at most 1048576 MiB, got a number of more than 64 bits"),
    ("1e300", "must be a whole number of MiB"),
    ("nan", "must be a whole number of MiB"),
    ("true", "must be a whole number of MiB"),
])
def test_memory_must_be_a_sane_whole_number(tmp_path, value, reason):
    assert f"field 'memory_mb' {reason}" in refusal(folder_with(tmp_path, f"memory_mb = {value}"), ManifestError)


def test_a_manifest_nested_100000_deep_is_refused_for_its_size(tmp_path):
    manifest = "name = " + "[" * 100_000 + "]" * 100_000
    assert "larger than 64 KiB; a manifest holds a few fields only" in refusal(folder_with(tmp_path, manifest))


@pytest.mark.parametrize("manifest", [
    "name = " + "[" * 30_000 + "]" * 30_000,
    "name = " + "{a = " * 10_000 + "1" + "}" * 10_000,
])
def test_deeply_nested_values_are_refused_without_a_recursion_error(tmp_path, manifest):
    assert "values nested too deeply" in refusal(folder_with(tmp_path, manifest), ManifestError)


@pytest.mark.parametrize("manifest", ["a." * 30_000 + "a = 1", "[" + "a." * 30_000 + "a]"])
def test_deeply_dotted_keys_are_refused_before_parsing(tmp_path, manifest):
    # tomllib takes seconds on these: the refusal must come before it starts
    assert "more than 512 '.' characters" in refusal(folder_with(tmp_path, manifest), ManifestError)


def test_a_number_too_long_to_read_is_refused(tmp_path):
    assert "not valid TOML (a number too long to read)" in refusal(folder_with(tmp_path, "x = " + "9" * 10_000))


def test_a_manifest_that_is_not_utf8_is_refused(tmp_path):
    message = refusal(folder_with(tmp_path, b'name = "caf\xe9"'), ManifestError)
    assert message.endswith("arena.toml: not UTF-8 text (at byte 11); save it as UTF-8")


def test_a_manifest_that_is_a_folder_is_refused(tmp_path):
    folder = folder_with(tmp_path)
    (folder / "arena.toml").mkdir()
    assert "arena.toml: not a regular file" in refusal(folder, ManifestError)


def test_reading_a_fifo_as_a_manifest_does_not_block(tmp_path, no_fifo_opened):
    os.mkfifo(tmp_path / "arena.toml")
    with pytest.raises(ManifestError, match="not a regular file"):
        Manifest.read(tmp_path / "arena.toml")


def test_unknown_fields_are_named_briefly_however_long(tmp_path):
    message = refusal(folder_with(tmp_path, f"{'k' * 5000} = 1"), ManifestError)
    assert "unknown field 'kkkkk" in message and len(message) < 400


@pytest.mark.parametrize("value, reason", [
    ('"\\u001b[2J\\u001b[31mwinner"', "contains a control character"),
    ('"a\\u0000b"', "contains a control character"),
    ('"evil\\u202egnp.exe"', "contains a control character"),
    ('"line\\u2028break"', "contains a control character"),
    ('"../../etc"', "contains a path separator"),
    ('"a\\\\b"', "contains a path separator"),
    ('"[bold]x[/bold]"', "contains a path separator"),
    ('".hidden"', "starts with '.'"),
    ('"   "', "is empty"),
    ('"' + "n" * 65 + '"', "is 65 characters long; use at most 64"),
    ("42", "must be a string"),
])
def test_names_that_could_confuse_results_files_or_terminals_are_refused(tmp_path, value, reason):
    assert f"field 'name' {reason}" in refusal(folder_with(tmp_path, f"name = {value}"), ManifestError)


def test_markup_in_a_name_is_kept_verbatim(tmp_path):
    assert load(folder_with(tmp_path, 'name = "[bold red]champion"')).name == "[bold red]champion"


def test_a_folder_name_that_is_not_a_fit_name_needs_one_in_the_manifest(tmp_path):
    folder = folder_with(tmp_path, name="agent\x1b[31m")
    assert "its name 'agent\\x1b[31m' contains a control character" in refusal(folder)
    (folder / "arena.toml").write_text('name = "agent"')
    assert load(folder).name == "agent"


def test_a_folder_name_in_another_encoding_than_utf8_is_said_to_be_so(tmp_path):
    folder = folder_with(tmp_path, name=b"r\xe9nd\xf6m".decode("utf-8", "surrogateescape"))  # Latin-1
    assert ("its name 'r\\udce9nd\\udcf6m' is not UTF-8 text; rename it or set name in arena.toml"
            in refusal(folder))


@pytest.mark.parametrize("options, reason", [
    ("size = [9, 9]", "option 'size' must be a string, number or true/false, got a list of 2"),
    ("size = {a = 1}", "option 'size' must be a string, number or true/false, got a table of 1"),
    ("size = 1979-05-27", "option 'size' must be a string, number or true/false, got datetime.date(1979, 5, 27)"),
    ("size = 10000000000", "option 'size' must be a number between -1e+09 and 1e+09, got 10000000000"),
    ("size = 1e300", "option 'size' must be a number between -1e+09 and 1e+09, got 1e+300"),
    ("size = nan", "option 'size' must be a number between -1e+09 and 1e+09, got nan"),
    ("size = -inf", "option 'size' must be a number between -1e+09 and 1e+09, got -inf"),
    (f"rule = \"{'x' * 100}\"", "option 'rule' is 100 characters long; use at most 64"),
    ('rule = "a\\nb"', "option 'rule' contains a control character"),
    ('"not a name" = 1', "option 'not a name' is not an option name"),
    ('render_mode = "human"', "option 'render_mode' is for whoever watches the game to choose"),
    ("\n".join(f"o{i} = 1" for i in range(33)), "[options] has 33 entries; an env takes at most 32"),
])
def test_options_are_short_scalars(tmp_path, options, reason):
    assert reason in refusal(folder_with(tmp_path, f"[options]\n{options}"), ManifestError)


@pytest.mark.parametrize("env", ['"oth\\u001bello"', '"' + "e" * 65 + '"', "[1]", str([f"e{i}" for i in range(17)])])
def test_env_names_are_a_short_list_of_short_names(tmp_path, env):
    assert "field 'env' must list at most 16 env names" in refusal(folder_with(tmp_path, f"env = {env}"), ManifestError)


@pytest.mark.parametrize("field, value, reason", [
    ("entry", '"/etc/x.py:A"', "points outside the submission"),
    ("entry", '"..\\\\x.py:A"', "points outside the submission"),
    ("weights", '"C:/model.zip"', "points outside the submission"),
    ("weights", '"a\\u0000b"', "contains a control character"),
    ("weights", '"' + "w" * 256 + '"', "has a name longer than 255 bytes"),
    pytest.param("weights", '"' + "w/" * 600 + 'w"', "field 'weights' is 1201 characters long; use at most 1024",
                 id="long"),
    pytest.param("weights", '"' + "w/" * 65 + 'w"', "is a path longer than 1024 bytes or 64 folders deep", id="deep"),
])
def test_paths_in_the_manifest_stay_inside_and_short(tmp_path, field, value, reason):
    assert reason in refusal(folder_with(tmp_path, f"{field} = {value}"), ManifestError)


def test_weights_where_no_file_can_be_put_are_refused(tmp_path, monkeypatch):
    # The linked file is already cached, so no download is attempted; agent.py is a file, not a folder.
    digest, url = "a" * 64, "https://example.com/m"
    cached = cached_path(url, digest, "model.bin")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"w")
    monkeypatch.setattr("arena.weights.sha256_of", lambda path: digest)
    manifest = f'weights = "agent.py/model.bin"\nweights_url = "{url}"\nweights_sha256 = "{digest}"'
    message = refusal(folder_with(tmp_path, manifest), ManifestError)
    assert "field 'weights' names 'agent.py/model.bin', where no file can be put" in message


def test_weights_from_a_link_count_toward_the_unpacked_cap(tmp_path, monkeypatch):
    digest, url = "b" * 64, "https://example.com/big"
    cached = cached_path(url, digest, "model.bin")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(os.urandom(4 << 10))
    monkeypatch.setattr("arena.weights.sha256_of", lambda path: digest)
    folder = folder_with(tmp_path, f'weights = "model.bin"\nweights_url = "{url}"\nweights_sha256 = "{digest}"')
    assert "with its weights from weights_url (0 MiB) it would hold more than 0 MiB in all" in refusal(
        folder, max_bytes=4 << 10)
    assert load(folder, max_bytes=8 << 10).weights_path.stat().st_size == 4 << 10


# --- weights_url ------------------------------------------------------------------------------

SHA = "0" * 64


def linked(tmp_path, url):
    return folder_with(tmp_path, f'weights = "model.bin"\nweights_url = "{url}"\nweights_sha256 = "{SHA}"')


@pytest.mark.parametrize("url, reason", [
    ("http://example.com/model.bin", "must be an https:// link"),
    ("file:///etc/passwd", "must be an https:// link"),
    ("https://user:secret@example.com/m", "must not hold a user name or password"),
    ("https://127.0.0.1/m", "points at 127.0.0.1, which is not a public address"),
    ("https://2130706433/m", "points at 127.0.0.1, which is not a public address"),
    ("https://0x7f.1/m", "points at 127.0.0.1, which is not a public address"),
    ("https://0177.0.0.1/m", "points at 127.0.0.1, which is not a public address"),
    ("https://127.1/m", "points at 127.0.0.1, which is not a public address"),
    ("https://[fec0::1]/m", "points at fec0::1, which is not a public address"),
    ("https://0/m", "points at 0.0.0.0, which is not a public address"),
    ("https://10.1.2.3/m", "points at 10.1.2.3, which is not a public address"),
    ("https://192.168.0.1/m", "points at 192.168.0.1, which is not a public address"),
    ("https://169.254.169.254/latest/meta-data", "points at 169.254.169.254, which is not a public address"),
    ("https://192.0.0.192/opc/v2/instance", "points at 192.0.0.192, which is not a public address"),
    ("https://168.63.129.16/machine", "points at 168.63.129.16, which is not a public address"),
    ("https://100.64.0.1/m", "points at 100.64.0.1, which is not a public address"),
    ("https://224.0.0.1/m", "points at 224.0.0.1, which is not a public address"),
    ("https://240.0.0.1/m", "points at 240.0.0.1, which is not a public address"),
    ("https://[::1]/m", "points at ::1, which is not a public address"),
    ("https://[::]/m", "points at ::, which is not a public address"),
    ("https://[fe80::1]/m", "points at fe80::1, which is not a public address"),
    ("https://[fc00::1]/m", "points at fc00::1, which is not a public address"),
    ("https://[ff02::1]/m", "points at ff02::1, which is not a public address"),
    ("https://[::ffff:127.0.0.1]/m",  # as this Python writes the address (3.13 as ::ffff:127.0.0.1)
     f"points at {ipaddress.ip_address('::ffff:127.0.0.1')}, which is not a public address"),
    ("https://[2002:a00:1::]/m", "points at 2002:a00:1::, which is not a public address"),
    ("https://999.1.1.1/m", "has host '999.1.1.1', which is neither a name nor a valid address"),
    ("https://localhost/m", "has host 'localhost', which is not a public name"),
    ("https://LOCALHOST./m", "has host 'localhost.', which is not a public name"),
    ("https://printer.local/m", "has host 'printer.local', which is not a public name"),
    ("https://metadata.google.internal/m", "has host 'metadata.google.internal', which is not a public name"),
    ("https://app.localhost/m", "has host 'app.localhost', which is not a public name"),
    ("https://１２７.０.０.１/m", "must be plain ASCII"),
    ("https://example.com/a b", "must be plain ASCII without spaces or control characters"),
    ("https://exa\\tmple.com/m", "contains a control character"),
    ("https://example.com:99999/m", "is not a valid link"),
    ("https://example.com/" + "a" * 2100, "is 2120 characters long; use at most 2048"),
])
def test_weights_urls_must_be_https_to_a_public_host(tmp_path, url, reason):
    assert f"field 'weights_url' {reason}" in refusal(linked(tmp_path, url), ManifestError)


def test_public_links_pass_the_check():
    assert url_problem("https://drive.google.com/file/d/abc/view") is None
    assert url_problem("https://93.184.216.34/model.bin") is None


class Network:
    """A resolver and a connection maker standing in for the real ones: no packet leaves this machine.

    `names` maps a host to the addresses it resolves to; `connections` records every (address, port)
    a connection was opened to. The fake gdown connects the way requests does, through urllib3, to
    the link's host and then to each host in `redirects`.
    """

    def __init__(self, monkeypatch, names):
        from urllib3.util import connection

        self.names, self.connections, self.redirects = names, [], ()
        monkeypatch.setattr(socket, "getaddrinfo", self.getaddrinfo)
        monkeypatch.setattr(connection, "create_connection", self.create_connection)
        monkeypatch.setitem(sys.modules, "gdown", types.SimpleNamespace(download=self.download))

    def getaddrinfo(self, host, port, *args, **kwargs):
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in self.names[host]]

    def create_connection(self, address, *args, **kwargs):
        self.connections.append(address)
        mine, theirs = socket.socketpair()  # a real socket, connected to nothing that answers
        theirs.close()
        return mine

    def download(self, url, output, **_):
        from urllib.parse import urlsplit

        from urllib3.util import connection

        for host in [urlsplit(url).hostname, *self.redirects]:
            connection.create_connection((host, 443))
        with open(output, "wb") as out:
            out.write(b"weights")
        return output


@pytest.mark.parametrize("addresses", [["10.0.0.5"], ["93.184.216.34", "127.0.0.1"], ["::ffff:192.168.1.1"], []])
def test_a_public_name_resolving_to_a_private_address_is_not_connected_to(tmp_path, monkeypatch, addresses):
    network = Network(monkeypatch, {"weights.example.com": addresses})
    message = refusal(linked(tmp_path, "https://weights.example.com/model.bin"), WeightsError)
    hidden = [str(ipaddress.ip_address(a)) for a in addresses if a != "93.184.216.34"]
    assert message.endswith(f"field 'weights_url' has host weights.example.com, which resolves to "
                            f"{hidden[0] if hidden else 'no address'}, not a public address; "
                            f"put the file on a public site")
    assert network.connections == []


def test_a_redirect_to_a_private_address_is_not_followed(tmp_path, monkeypatch):
    names = {"weights.example.com": ["93.184.216.34"], "inside.example.com": ["169.254.169.254"]}
    network = Network(monkeypatch, names)
    network.redirects = ("inside.example.com",)
    message = refusal(linked(tmp_path, "https://weights.example.com/model.bin"), WeightsError)
    assert "has host inside.example.com, which resolves to 169.254.169.254, not a public address" in message
    assert network.connections == [("93.184.216.34", 443)]


def test_a_refusal_is_reported_even_when_the_downloader_swallows_it(tmp_path, monkeypatch):
    network = Network(monkeypatch, {"weights.example.com": ["10.0.0.5"]})

    def quiet_download(url, output, **kwargs):  # gdown returns None on some failures
        try:
            return network.download(url, output, **kwargs)
        except OSError:
            return None

    monkeypatch.setitem(sys.modules, "gdown", types.SimpleNamespace(download=quiet_download))
    assert "resolves to 10.0.0.5, not a public address" in refusal(linked(tmp_path, "https://weights.example.com/m"))


def test_a_name_that_does_not_resolve_is_one_line(tmp_path, monkeypatch):
    Network(monkeypatch, {})
    message = refusal(linked(tmp_path, "https://weights.example.com/m"), WeightsError)
    assert "could not download model.bin from https://weights.example.com/m (gaierror: " in message


def test_a_public_host_is_connected_to_at_the_address_checked(tmp_path, monkeypatch):
    import hashlib

    network = Network(monkeypatch, {"weights.example.com": ["2606:2800:220:1::1", "93.184.216.34"]})
    digest = hashlib.sha256(b"weights").hexdigest()
    folder = folder_with(tmp_path, f'weights = "model.bin"\nweights_url = "https://weights.example.com/m"\n'
                                   f'weights_sha256 = "{digest}"')
    spec = load(folder)
    assert (spec.root / "model.bin").read_bytes() == b"weights"
    assert network.connections == [("2606:2800:220:1::1", 443)]


def test_a_download_ending_does_not_lift_the_checks_of_another_still_under_way(tmp_path, monkeypatch):
    # Two submissions' weights at once (a server's uploads): the first finishes while the second is
    # being redirected inside.
    import threading

    network = Network(monkeypatch, {"weights.example.com": ["93.184.216.34"], "inside.example.com": ["10.0.0.5"]})
    first_done, second_connected = threading.Event(), threading.Event()

    def download(url, output, **_):
        from urllib.parse import urlsplit

        from urllib3.util import connection

        connection.create_connection((urlsplit(url).hostname, 443))
        if "second" in url:
            second_connected.set()
            first_done.wait(30)
            connection.create_connection(("inside.example.com", 443))  # its redirect
        else:
            second_connected.wait(30)
        with open(output, "wb") as out:
            out.write(b"weights")
        return output

    monkeypatch.setitem(sys.modules, "gdown", types.SimpleNamespace(download=download))
    messages = {}

    def fetch(which):
        (tmp_path / which).mkdir()
        try:
            load(linked(tmp_path / which, f"https://weights.example.com/{which}"))
        except WeightsError as exc:
            messages[which] = str(exc)
        if which == "first":
            first_done.set()

    threads = [threading.Thread(target=fetch, args=(which,)) for which in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert "which resolves to 10.0.0.5, not a public address" in messages["second"]
    assert ("10.0.0.5", 443) not in network.connections


@pytest.mark.parametrize("how", ["trickle", "flood", "stall", "drip", "stall over TLS", "machine stopping"])
def test_a_download_that_takes_too_long_gives_too_much_or_stalls_is_stopped(tmp_path, monkeypatch, how):
    import time

    import arena.weights

    monkeypatch.setattr(arena.weights, "DOWNLOAD_SECONDS", 1.0 if how == "trickle" else 60.0)
    monkeypatch.setattr(arena.weights, "STALL_SECONDS", 1.0 if how.startswith(("stall", "drip")) else 60.0)
    monkeypatch.setattr(arena.weights, "MAX_DOWNLOAD_BYTES", 1 << 20)
    monkeypatch.setattr(arena.weights, "_STOPPING", threading.Event())
    Network(monkeypatch, {"weights.example.com": ["93.184.216.34"]})
    server_ends = []

    def connect(address, *args, **kwargs):  # a real socket, for the guard to shut
        mine, theirs = socket.socketpair()
        server_ends.append(theirs)
        return mine

    from urllib3.util import connection
    monkeypatch.setattr(connection, "create_connection", connect)

    # Reads as long as the site sends: a byte at a time, a lot, nothing, or a byte now and then (never quite
    # stalling), each written to the file as it comes; or a byte at a time until a server stopping
    # ends it. Over TLS, the socket connected is not the one read: its
    # descriptor is taken out of it (ssl's wrap_socket detaches it) into the TLS socket.
    def download(url, output, **_):
        sock = connection.create_connection(("weights.example.com", 443))
        if how.endswith("TLS"):
            sock = socket.socket(fileno=sock.detach())
        sock.settimeout(30)  # a stall never stopped ends by this instead of hanging the test
        sent = {"trickle": b"x", "flood": b"x" * (1 << 16), "drip": b"x", "machine stopping": b"x"}.get(how, b"")
        with open(output, "wb", buffering=0) as out:
            while True:
                if how == "drip":
                    time.sleep(0.1)
                if how == "machine stopping":
                    arena.weights.stop_downloads()  # as `arena serve` does when told to stop
                with contextlib.suppress(OSError):  # the site's end, once the guard has shut the connection
                    server_ends[0].send(sent)
                chunk = sock.recv(1 << 16)
                if not chunk:
                    shut.append(True)  # by the guard, the site still connected
                    return output
                out.write(chunk)

    shut = []
    monkeypatch.setitem(sys.modules, "gdown", types.SimpleNamespace(download=download))
    stopping = how == "machine stopping"  # not the submission's fault: to be tried again
    message = refusal(linked(tmp_path, "https://weights.example.com/m"),
                      DownloadPostponed if stopping else WeightsError)
    assert shut == [True]
    expected = {"trickle": "took longer than 1 s to download", "flood": "gave more than 1 MiB",
                "stall": "sent nothing in 1 s", "drip": "sent only", "stall over TLS": "sent nothing in 1 s"}.get(how)
    assert (f"field 'weights_url' {expected}" in message if expected else
            "this machine stopped while downloading its weights; try again once it is back" in message)
    if stopping:  # nor does another start
        (tmp_path / "another").mkdir()
        another = linked(tmp_path / "another", "https://weights.example.com/m")
        assert "this machine is stopping; try again once it is back" in refusal(another, DownloadPostponed)
    for end in server_ends:
        end.close()


# --- zips -----------------------------------------------------------------------------------


def test_folders_count_towards_the_member_limit(tmp_path):
    archive = zip_with(tmp_path, *[(f"d{i}/", b"") for i in range(10_000)])
    assert "more than 10000 files and folders" in refusal(archive)


def test_total_unpacked_size_is_capped(tmp_path):
    archive = zip_with(tmp_path, ("a.bin", os.urandom(2 << 10)), ("b.bin", os.urandom(2 << 10)))
    assert "more than 0 MiB in all" in refusal(archive, max_bytes=3 << 10)
    assert load(archive, max_bytes=5 << 10).root.joinpath("b.bin").stat().st_size == 2 << 10


@pytest.mark.parametrize("first, second", [
    ("agent.py", "agent.py"), ("a/b.py", "a//b.py"), ("a/b.py", "a/./b.py"), ("a/b.py", "./a/b.py"),
    ("x", "x/y.py"), ("x/y.py", "x"), ("x/", "x"), ("a\\b.py", "a/b.py"),
])
def test_members_whose_paths_collide_are_refused(tmp_path, first, second):
    archive = zip_with(tmp_path, (first, b"1"), (second, b"2"), agent=first != "agent.py")
    assert "collides with another entry at" in refusal(archive)


def test_names_differing_only_in_case_are_distinct_files(tmp_path):
    spec = load(zip_with(tmp_path, ("Model.bin", b"1"), ("model.bin", b"2")))
    assert (spec.root / "Model.bin").read_bytes() == b"1" and (spec.root / "model.bin").read_bytes() == b"2"


@pytest.mark.parametrize("name", ["/etc/evil.py", "../evil.py", "a/../../evil.py", "..\\evil.py", "C:/evil.py"])
def test_members_outside_the_folder_are_refused(tmp_path, name):
    assert "points outside the submission; use relative paths only" in refusal(zip_with(tmp_path, (name, b"x = 1")))
    assert not (tmp_path / "evil.py").exists() and not (tmp_path.parent / "evil.py").exists()


@pytest.mark.parametrize("mode, reason", [
    (stat.S_IFLNK | 0o777, "is a symbolic link; links are not allowed"),
    (stat.S_IFIFO | 0o644, "is a FIFO; a submission holds regular files and folders only"),
    (stat.S_IFSOCK | 0o644, "is a socket; a submission holds regular files and folders only"),
    (stat.S_IFCHR | 0o644, "is a device or special file; a submission holds regular files and folders only"),
    (stat.S_IFBLK | 0o644, "is a device or special file; a submission holds regular files and folders only"),
])
def test_members_of_special_types_are_refused(tmp_path, mode, reason):
    assert f"special {reason}" in refusal(zip_with(tmp_path, member("special", mode, b"/etc/passwd")))


@pytest.mark.parametrize("name, reason", [
    ("n" * 256 + ".py", "has a name longer than 255 bytes"),
    pytest.param(("d" * 200 + "/") * 21 + "x.py", "is a path longer than 1024 bytes or 64 folders deep", id="long"),
    pytest.param("d/" * 65 + "x.py", "is a path longer than 1024 bytes or 64 folders deep", id="deep"),
    ("evil\x1b[2J.py", "has a control or undecodable character in its name"),
    ("line\nbreak.py", "has a control or undecodable character in its name"),
])
def test_overlong_or_unprintable_member_names_are_refused(tmp_path, name, reason):
    assert reason in refusal(zip_with(tmp_path, (name, b"x = 1")))


def test_encrypted_members_are_refused(tmp_path):
    archive = zip_with(tmp_path, ("secret.bin", b"x"))
    raw = bytearray(archive.read_bytes())
    central = raw.rfind(b"PK\x01\x02")  # secret.bin's entry in the index; its flags are at offset 8
    raw[central + 8] |= 0x1
    archive.write_bytes(bytes(raw))
    assert "secret.bin is encrypted; zip the folder without a password" in refusal(archive)


def test_unusual_compression_methods_are_refused(tmp_path):
    info = zipfile.ZipInfo("model.bin")
    info.compress_type = zipfile.ZIP_LZMA
    assert "model.bin uses compression method 14" in refusal(zip_with(tmp_path, (info, b"x" * 100)))


def test_a_member_with_an_empty_name_is_refused(tmp_path):
    assert "'' points outside the submission" in refusal(zip_with(tmp_path, (zipfile.ZipInfo("\0hidden.py"), b"x")))


def test_a_zip_of_an_unknown_format_version_is_refused(tmp_path):
    archive = zip_with(tmp_path)
    raw = bytearray(archive.read_bytes())
    central = raw.rfind(b"PK\x01\x02")  # the version needed to extract is at offset 6
    raw[central + 6] = 99
    archive.write_bytes(bytes(raw))
    assert "not a valid zip file (zip file version 9.9)" in refusal(archive)


def test_a_member_needing_an_unsupported_zip_feature_is_refused(tmp_path):
    archive = zip_with(tmp_path)
    raw = bytearray(archive.read_bytes())
    raw[raw.rfind(b"PK\x01\x02") + 8] |= 0x40  # strong encryption, which zipfile cannot read
    archive.write_bytes(bytes(raw))
    assert "agent.py is damaged or uses an unsupported zip feature (strong encryption" in refusal(archive)


def test_an_oversized_zip_index_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(arena.unpack, "MAX_ZIP_INDEX_BYTES", 1 << 10)
    archive = zip_with(tmp_path, *[(f"f{i}.py", b"") for i in range(100)])
    assert "its index is over 0 MiB" in refusal(archive)


def test_member_names_that_are_not_utf8_are_refused(tmp_path):
    archive = zip_with(tmp_path, ("caf\u00e9.py", b"x = 1"))  # flagged UTF-8 by zipfile
    raw = archive.read_bytes().replace("caf\u00e9".encode(), b"caf\xff\xfe")
    archive.write_bytes(raw)
    assert "not a valid zip file ('utf-8' codec can't decode" in refusal(archive)


def test_a_fifo_named_like_a_zip_is_refused_unopened(tmp_path, no_fifo_opened):
    os.mkfifo(tmp_path / "attacker.zip")
    assert "not a folder or a zip file" in refusal(tmp_path / "attacker.zip")


def test_ignored_folders_in_a_zip_are_never_unpacked(tmp_path):
    spec = load(zip_with(tmp_path, ("__MACOSX/._agent.py", b"junk"), ("sub/.git/config", b"[core]")))
    assert not (spec.root / "__MACOSX").exists() and not (spec.root / "sub" / ".git").exists()


# --- folders --------------------------------------------------------------------------------


def test_a_fifo_in_a_folder_is_refused_without_blocking(tmp_path, no_fifo_opened):
    folder = folder_with(tmp_path)
    os.mkfifo(folder / "pipe")
    assert refusal(folder).endswith("pipe is a FIFO; a submission holds regular files and folders only")


def test_a_socket_in_a_folder_is_refused(tmp_path, monkeypatch):
    folder = folder_with(tmp_path)
    monkeypatch.chdir(folder)  # a socket's path must be short
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind("sock")
        assert refusal(folder).endswith("sock is a socket; a submission holds regular files and folders only")


def test_a_device_in_a_folder_is_refused_unopened(tmp_path, no_fifo_opened):
    folder = folder_with(tmp_path)
    try:
        os.mknod(folder / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device file needs root")
    assert refusal(folder).endswith("null is a device or special file; a submission holds regular files and "
                                    "folders only")


@pytest.mark.parametrize("target", ["/etc/passwd", "../outside.txt", "agent.py"])
def test_symlinks_in_a_folder_are_refused(tmp_path, target):
    folder = folder_with(tmp_path)
    (tmp_path / "outside.txt").write_text("secret")
    os.symlink(target, folder / "link")
    assert refusal(folder).endswith("link is a symbolic link; links are not allowed, copy the file itself in")


def test_a_folder_deeper_than_the_path_limit_is_refused(tmp_path):
    folder = folder_with(tmp_path)
    fd = os.open(folder, os.O_RDONLY)
    try:
        for _ in range(17):  # 17 names of 250 bytes: a path over 4096 bytes, built relative to each parent
            os.mkdir("d" * 250, dir_fd=fd)
            fd, parent = os.open("d" * 250, os.O_RDONLY, dir_fd=fd), fd
            os.close(parent)
    finally:
        os.close(fd)
    assert "is a path longer than 1024 bytes or 64 folders deep; shorten it" in refusal(folder)


def test_too_many_entries_in_a_folder_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(arena.unpack, "MAX_FILES", 5)
    folder = folder_with(tmp_path)
    for i in range(5):
        (folder / f"empty{i}").mkdir()
    assert "more than 5 files and folders" in refusal(folder)


def test_too_many_bytes_in_a_folder_are_refused(tmp_path):
    folder = folder_with(tmp_path)
    (folder / "a.bin").write_bytes(os.urandom(2 << 10))
    (folder / "b.bin").write_bytes(os.urandom(2 << 10))
    assert "more than 0 MiB in all" in refusal(folder, max_bytes=3 << 10)


def test_undecodable_file_names_are_refused(tmp_path):
    folder = folder_with(tmp_path)
    (folder / os.fsdecode(b"caf\xe9.py")).write_text("x = 1")
    assert "has a control or undecodable character in its name" in refusal(folder)
