"""Weights kept outside a submission: downloaded once, before any match, into a cache, checked by sha256.

A submission may name its weights by link instead of carrying them (in `arena.toml`):

    weights = "model.zip"                                         # the file the agent loads
    weights_url = "https://drive.google.com/file/d/<id>/view"     # a public link (Drive or plain URL)
    weights_sha256 = "9f86d08..."                                 # sha256sum model.zip

Links must be https to a public host: `url_problem` refuses credentials, IP literals of private,
loopback, link-local, multicast or reserved ranges (in any of the numeric forms URL parsers accept)
and local names. During a download every connection (redirects included) is made only after its
host resolves to public addresses alone, and to one of the addresses checked.

A file of that name inside the submission always wins. Otherwise `cached_weights` returns
`<cache>/<sha256>/<link>/<name>` (`<link>`: a digest of the URL), downloading it with gdown first
when it is not there. The link is part of the key so that a submission gets cached weights only by
naming where they come from, not by their checksum alone (another entrant's weights may be
private). The cache is `$ARENA_CACHE_DIR/weights`, else `$XDG_CACHE_HOME/arena/weights` or
`~/.cache/arena/weights`. A download is checked against the sha256 before it enters the cache, so
a changed or truncated file never reaches an agent.

`arena.submission.load` calls it, before any agent starts (validation, registration, the start of
`arena match`): sandboxed agents have no network, and no match clock runs during a download.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from arena.caches import cache_root
from arena.errors import SubmissionError

_CHUNK = 1 << 20
MAX_URL_CHARS = 2048
# Names that only mean something inside one network.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")
# A host label the URL standard reads as a number: decimal, 0x-hex or 0-prefixed octal.
_NUMBER_LABEL = re.compile(r"0[xX][0-9a-fA-F]*|[0-9]+")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# Addresses clouds answer their machines' metadata on that Python may count as global: the IETF's protocol block
# (Oracle Cloud's metadata service is 192.0.0.192) and Azure's platform endpoint.
_CLOUD_SERVICES = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("168.63.129.16/32"))


class WeightsError(SubmissionError):
    """Weights that cannot be downloaded, or whose checksum is not the manifest's."""


class DownloadPostponed(WeightsError):
    """Weights this machine cannot download now, through no fault of the submission: every download
    slot is taken, or the process is stopping. The same submission may be tried again later."""


def stop_downloads() -> None:
    """End this process's downloads under way within a moment, and refuse new ones: a server told to
    stop must not wait for slow links (a download may take DOWNLOAD_SECONDS)."""
    _STOPPING.set()


def cache_dir() -> Path:
    """The folder downloaded weights are kept in, one sub-folder per sha256 and link."""
    return cache_root() / "weights"


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes, as `sha256sum` prints it."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def url_problem(url: str) -> str | None:
    """Why `url` may not be downloaded from, or None: it must be https, hold no credentials and name a public host."""
    if len(url) > MAX_URL_CHARS:
        return f"is longer than {MAX_URL_CHARS} characters"
    if not url.isascii() or any(c <= " " or c == "\x7f" for c in url):
        return "must be plain ASCII without spaces or control characters (percent-encode the rest, punycode the host)"
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        return "is not a valid link"
    if parts.scheme != "https":
        return "must be an https:// link (plain http is refused: what it fetches could be changed on the way)"
    if "@" in parts.netloc:
        return "must not hold a user name or password; use a public link"
    if not host:
        return "has no host"
    return host_problem(host)


def host_problem(host: str) -> str | None:
    """Why `host` (a name or an address in any form URL parsers accept) is not a public host, or None."""
    name = host.rstrip(".").lower()
    labels = name.split(".")
    try:
        address: Address | None = ipaddress.ip_address(name)
    except ValueError:
        if not _NUMBER_LABEL.fullmatch(labels[-1]):  # URL parsers read a host ending in a number as an address
            local = name == "localhost" or name.endswith(_LOCAL_SUFFIXES)
            return f"has host {host!r}, which is not a public name; put the file on a public site" if local else None
        address = _ipv4_of(labels)
        if address is None:
            return f"has host {host!r}, which is neither a name nor a valid address"
    return None if is_public(address) else f"points at {address}, which is not a public address"


def is_public(address: Address) -> bool:
    """Whether `address` is reachable on the public internet (and an IPv4 address inside an IPv6 one is too)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if (inner is not None and not is_public(inner)) or address.is_site_local:  # fec0::/10, deprecated yet routed inside
            return False
    if any(address in network for network in _CLOUD_SERVICES if network.version == address.version):
        return False
    return address.is_global and not (address.is_private or address.is_loopback or address.is_link_local
                                      or address.is_multicast or address.is_reserved or address.is_unspecified)


def cached_path(url: str, sha256: str, name: str) -> Path:
    """Where the weights of this link and checksum are kept."""
    link = hashlib.sha256(url.encode()).hexdigest()[:16]
    return cache_dir() / sha256 / link / name


def cached_weights(url: str, sha256: str, name: str, where: str) -> Path:
    """`cached_path(url, sha256, name)`, downloaded from `url` first if it is missing.

    A cached file whose checksum is wrong is deleted and downloaded again. Raises WeightsError
    naming `where` when the download fails or does not match `sha256`.
    """
    target = cached_path(url, sha256, name)
    if target.is_file():
        if sha256_of(target) == sha256:
            return target
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    download_weights(url, sha256, target, where, f"download {target.name} yourself and put it at {target} "
                                                 "(or into the submission, where a file wins over the link)")
    return target


def download_weights(url: str, sha256: str, target: Path, where: str,
                     instead: str = "put the file into the submission itself",
                     room: tuple[int, str] | None = None) -> None:
    """Download the weights at `url` to `target`, which appears only once its sha256 is checked.

    Raises WeightsError naming `where` when the download fails, gives more bytes than `room` says
    (how many, and why) or does not match `sha256`, saying what the user may do `instead` when the
    link gives nothing.
    """
    name = target.name
    room = room or (MAX_DOWNLOAD_BYTES, "the most a file of a submission may hold")
    partial_dir = Path(tempfile.mkdtemp(dir=target.parent, prefix=".download-"))
    partial = partial_dir / name
    try:
        _download(url, partial, name, where, instead, room)
        actual = sha256_of(partial)
        if actual != sha256:
            raise WeightsError(f"{where}: {url} gave a file with sha256 {actual}, not the weights_sha256 {sha256} "
                               f"of the manifest; fix the link or the checksum (sha256sum {name})")
        os.replace(partial, target)
    finally:
        shutil.rmtree(partial_dir, ignore_errors=True)


def _download(url: str, output: Path, name: str, where: str, instead: str, room: tuple[int, str]) -> None:
    if problem := url_problem(url):
        raise WeightsError(f"{where}: field 'weights_url' {problem}")
    try:
        import gdown
    except ImportError:
        raise WeightsError(f"{where}: downloading {name} needs gdown (pip install 'gdown<6')") from None
    offline = f"check that the link is public and this machine is online, or {instead}"
    if _STOPPING.is_set():
        raise DownloadPostponed(f"{where}: this machine is stopping; try again once it is back")
    if not _DOWNLOADS.acquire(blocking=False):  # a server's threads must not all wait on slow links
        raise DownloadPostponed(f"{where}: this machine is downloading {MAX_DOWNLOADS} other submissions' weights "
                                f"just now; try again in a few minutes")
    guard = _Guard(output.parent, *room)
    try:
        with guard.watching():
            result = gdown.download(url, output=str(output), quiet=True, fuzzy=True)
    except Exception as exc:  # noqa: BLE001  (gdown and requests raise many kinds; all mean "no file")
        guard.raise_if_stopped(where)
        raise WeightsError(f"{where}: could not download {name} from {url} ({type(exc).__name__}: "
                           f"{str(exc).strip().splitlines()[0] if str(exc).strip() else 'no detail'}); {offline}") from None
    finally:
        _DOWNLOADS.release()
    guard.raise_if_stopped(where)
    if result is None or not output.is_file() or output.stat().st_size == 0:
        raise WeightsError(f"{where}: could not download {name} from {url} (nothing came back); {offline}")


MAX_DOWNLOADS = 4  # weights downloaded at once by one process
DOWNLOAD_SECONDS = 600.0  # the longest one download may take
# A download must bring at least SLOWEST_BYTES in every STALL_SECONDS: a link that never answers, or sends
# a byte a minute, frees its slot long before DOWNLOAD_SECONDS (any real host is thousands of times faster).
STALL_SECONDS = 60.0
SLOWEST_BYTES = 64 << 10
MAX_DOWNLOAD_BYTES = 1 << 30  # as large as a file of a submission may be
_DOWNLOADS = threading.BoundedSemaphore(MAX_DOWNLOADS)
_STOPPING = threading.Event()  # set by `stop_downloads`
_WATCH_INTERVAL = 0.5
_guarded = threading.local()  # the `_Guard` of the download this thread is making, if any
_install_lock = threading.Lock()


class _Guard:
    """One download's limits, kept by the connections it opens (see `_install`).

    While `watching`, urllib3 (under gdown's requests) connects this thread only to hosts whose every
    address is public: each connection, redirects included, resolves its host once, checks every
    address and connects to one of them, so a name that answers differently a moment later cannot
    lead inside. A watcher stops the download (shutting its connections) once it has taken
    DOWNLOAD_SECONDS, written less than SLOWEST_BYTES into `folder` in the last STALL_SECONDS, or more than
    `max_bytes` there (`why` that is the most). Why it was stopped is kept, since gdown and requests
    wrap the error in their own.
    """

    def __init__(self, folder: Path, max_bytes: int, why: str):
        self.folder = folder
        self.max_bytes, self.why = max_bytes, why
        self.stopped: str | None = None  # why the download was refused or stopped
        self.postponed = False  # stopped with the process, not for anything of the link's
        self.sockets: list[socket.socket] = []
        self._done = threading.Event()

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        _install()
        _guarded.guard = self
        watcher = threading.Thread(target=self._watch, name="arena-weights-watch", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            _guarded.guard = None
            self._done.set()
            watcher.join()
            for sock in self.sockets:
                sock.close()

    def refuse(self, problem: str) -> None:
        self.stopped = self.stopped or problem

    def raise_if_stopped(self, where: str) -> None:
        if self.postponed:
            raise DownloadPostponed(f"{where}: this machine stopped while downloading its weights; try again once "
                                    "it is back")
        if self.stopped:
            raise WeightsError(f"{where}: field 'weights_url' {self.stopped}")

    def _watch(self) -> None:
        started = time.monotonic()
        window = deque([(started, 0)])  # (time, bytes held then), the first at least STALL_SECONDS old once it can be
        while not self._done.wait(_WATCH_INTERVAL):
            now, held = time.monotonic(), bytes_in(self.folder)
            window.append((now, held))
            while len(window) > 1 and window[1][0] <= now - STALL_SECONDS:
                window.popleft()
            came = held - window[0][1]
            if _STOPPING.is_set():
                self.postponed = True
                self._stop("was not downloaded: this machine stopped")
            elif now - started > DOWNLOAD_SECONDS:
                self._stop(f"took longer than {DOWNLOAD_SECONDS:g} s to download; put the file on a faster site")
            elif held > self.max_bytes:
                self._stop(f"gave more than {self.max_bytes >> 20} MiB, {self.why}")
            elif now - window[0][0] >= STALL_SECONDS and came < SLOWEST_BYTES:
                sent = "nothing" if came == 0 else f"only {came} bytes"
                self._stop(f"sent {sent} in {STALL_SECONDS:g} s; check that the link serves the file, or put it "
                           "on another site")

    def _stop(self, why: str) -> None:
        self.refuse(why)
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except (OSError, AttributeError):
                pass


def _install() -> None:
    """Put the checks of `_Guard` in front of urllib3's connections, once: for threads making a
    guarded download only; never taken out again, so that one download ending cannot lift the
    checks of another still under way."""
    from urllib3.util import connection

    with _install_lock:
        original = connection.create_connection
        if getattr(original, "arena_guarded", False):
            return

        def create_connection(address: tuple[str, int], *args, **kwargs):
            guard: _Guard | None = getattr(_guarded, "guard", None)
            if guard is None:
                return original(address, *args, **kwargs)
            host, port = address
            addresses, problem = _resolved(host, port)
            if problem is not None:
                guard.refuse(f"{problem}; put the file on a public site")
                raise ConnectionRefusedError(problem)
            failure: OSError | None = None
            for checked in addresses:  # in order, as urllib3 would: an IPv6 address may be unreachable from here
                try:
                    made = original((checked, port), *args, **kwargs)
                except OSError as exc:
                    failure = exc
                    continue
                # A copy of its descriptor, for the watcher to shut: TLS takes the descriptor out of the socket
                # it returns (detach), leaving that object nothing to shut down.
                guard.sockets.append(made.dup())
                return made
            raise failure

        create_connection.arena_guarded = True
        connection.create_connection = create_connection


def bytes_in(folder: Path) -> int:
    """The bytes of everything under `folder` (its files' sizes and its folders' own), skipping what
    vanishes while it is counted."""
    total = 0
    for path in folder.rglob("*"):
        try:
            total += path.lstat().st_size
        except OSError:
            pass
    return total


def _resolved(host: str, port: int) -> tuple[list[str], str | None]:
    """The addresses `host` resolves to now, and why they may not be used (None when all are public)."""
    if problem := host_problem(host):
        return [], problem
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    hidden = [a for a in addresses if not is_public(ipaddress.ip_address(a))]
    if hidden or not addresses:
        shown = ipaddress.ip_address(hidden[0]) if hidden else "no address"
        return addresses, f"has host {host}, which resolves to {shown}, not a public address"
    return addresses, None


def _ipv4_of(labels: list[str]) -> ipaddress.IPv4Address | None:
    """The address meant by a numeric host such as 127.1, 0x7f.1, 0177.0.0.1 or 2130706433; None if invalid."""
    if len(labels) > 4 or not all(_NUMBER_LABEL.fullmatch(label) for label in labels):
        return None
    try:
        *head, last = [_ipv4_number(label) for label in labels]
    except ValueError:  # 08 and 09 are not octal
        return None
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(labels)):
        return None
    return ipaddress.IPv4Address(sum(n << 8 * (3 - i) for i, n in enumerate(head)) + last)


def _ipv4_number(label: str) -> int:
    if label[:2].lower() == "0x":
        return int(label[2:] or "0", 16)
    return int(label, 8) if len(label) > 1 and label.startswith("0") else int(label)
