"""A warm parent for the agents' worker processes: forking one costs a few milliseconds where
starting Python and importing what a worker needs costs a quarter of a second.

Each harness process starts one launcher (`serve`, in `python -s -c ...`), with the
workers' fixed environment, the first time it needs a sandbox, or is given a connection to the
launcher of the process that started it (a tournament's player processes). The launcher imports what every
worker loads before it confines itself (numpy, the games, the agents' base classes), has the shared
libraries agents may load read into memory first (`arena.sandbox.shared_pages`), never runs
submitted code, and answers requests on a socket only the harness holds: a request carries the
worker's arguments, folder and environment with its three pipes and its log (SCM_RIGHTS); the
launcher forks a child that closes everything else, leads a session of its own and runs
`arena.sandbox.worker.main` exactly as `python -m arena.sandbox.worker` would. The answer is the
child's pid with the read end of a pipe on which its exit code arrives once it ends.

The launcher ends when the harness does (its socket closes, however the harness died), and its
workers with it (their parent-death signal).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import Sequence

from arena.caches import cache_root
from arena.cpus import allowed_cpus
from arena.errors import ArenaError
from arena.sandbox.cgroups import available_bases
from arena.sandbox.protections import platform_problem
from arena.sandbox.shared_pages import SharedLibraries, import_folders

MAX_REQUEST = 1 << 20  # bytes of one request: a worker's configuration is a few kilobytes
FD_SIZE = struct.calcsize("i")
EXIT_CODE = struct.Struct("<i")
PR_SET_NAME = 15  # from <linux/prctl.h>
WORKER_NAME = b"arena-agent"
CALLS_FD, ANSWERS_FD, CHANGES_FD = 3, 4, 5  # a worker's pipes: 0-2 are its standard streams
FIRST_FREE_FD = 6
KILLED = -signal.SIGKILL  # the exit code of a worker whose launcher vanished: it was killed with it
LAUNCHER_MAIN = ("import socket, sys; from arena.sandbox.launcher import serve; "
                 "serve(socket.socket(fileno=int(sys.argv[1])), sys.argv[2], sys.argv[3])")


# --- the harness's side ----------------------------------------------------------------------


class LaunchedProcess:
    """A worker forked by the launcher, with the part of `subprocess.Popen` the harness uses."""

    def __init__(self, pid: int, exit_fd: int):
        self.pid = pid
        self.returncode: int | None = None
        self._exit_fd = exit_fd

    def poll(self) -> int | None:
        return self._read_exit(0.0)

    def wait(self, timeout: float | None = None) -> int:
        code = self._read_exit(timeout)
        if code is None:
            raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout)
        return code

    def _read_exit(self, timeout: float | None) -> int | None:
        if self.returncode is not None:
            return self.returncode
        ready, _, _ = select.select([self._exit_fd], [], [], timeout)
        if not ready:
            return None
        data = os.read(self._exit_fd, EXIT_CODE.size)
        os.close(self._exit_fd)
        self.returncode = EXIT_CODE.unpack(data)[0] if len(data) == EXIT_CODE.size else KILLED
        return self.returncode

    def __del__(self) -> None:
        if self.returncode is None:
            try:
                os.close(self._exit_fd)
            except OSError:
                pass


class Launcher:
    """The harness's end of one launcher process; `start` forks a worker, `admit` serves a connection
    another process of the harness holds (see `share`)."""

    def __init__(self, connection: socket.socket, process: subprocess.Popen | None):
        self.socket = connection
        self.process = process  # None in a process that was given a share of another's launcher
        self.pid = os.getpid()  # a forked copy of the harness must not use this socket
        self._unread = 0  # answers to `admit` not yet read: they come before the next request's

    @classmethod
    def started(cls) -> Launcher:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        cache = _open_cache()
        try:
            process = subprocess.Popen(
                [sys.executable, "-s", "-c", LAUNCHER_MAIN, str(theirs.fileno()),
                 ",".join(map(str, sorted(allowed_cpus()))), str(cache)],
                pass_fds=(theirs.fileno(), *([cache] if cache >= 0 else [])), stdin=subprocess.DEVNULL,
                env=WORKER_ENVIRONMENT, cwd="/", start_new_session=True)  # a terminal's Ctrl-C is the harness's
        finally:
            theirs.close()
            if cache >= 0:
                os.close(cache)
        return cls(ours, process)

    def start(self, argv: Sequence[str], cwd: Path, environment: dict[str, str],
              pipes: tuple[int, int, int], log: int, game: str | None = None) -> LaunchedProcess:
        """Fork a worker running `arena.sandbox.worker` with `argv` after its three pipe fds (the ends
        it reads calls from and writes answers to, and the one its supervisor tells of changes the idle
        proof would read on), which it gets as 3, 4 and 5; its stdout and stderr go to `log`. The
        launcher loads `game`'s module first (once), so that the worker finds it loaded."""
        fds = self._ask({"game": game}, [*pipes, log], {"argv": list(argv), "cwd": str(cwd), "env": environment})
        return LaunchedProcess(fds["pid"], fds["fd"])

    def admit(self, connection: socket.socket) -> None:
        """Serve `connection` too: the launcher's end of a socket pair another harness process holds.
        Its answer is not waited for (a launcher still starting would hold this process back): the
        other process finds out by its own requests, which a launcher that did not take the connection
        never answers, as one that has gone."""
        socket.send_fds(self.socket, [_request({"connect": True})], [connection.fileno()])
        self._unread += 1

    def _ask(self, header: dict, fds: list[int], worker: dict | None = None) -> dict:
        """Send a request: what the launcher itself reads (`header`), then what only the worker it
        forks reads (`worker`: its sandbox's configuration, which names its entrant)."""
        socket.send_fds(self.socket, [_request(header, worker)], fds)
        for _ in range(self._unread):  # the answers to `admit` come first, as they were asked first
            socket.recv_fds(self.socket, 1024, 0)
        self._unread = 0
        answer, received, _, _ = socket.recv_fds(self.socket, 1024, 1)
        if not answer or len(received) != 1:
            for fd in received:
                os.close(fd)
            raise OSError(f"the sandbox launcher failed: {answer.decode(errors='replace') or 'it has gone'}")
        return {**json.loads(answer), "fd": received[0]}

    def alive(self) -> bool:
        return self.pid == os.getpid() and (self.process is None or self.process.poll() is None)

    def close(self) -> None:
        self.socket.close()
        if self.process is not None:
            self.process.wait()


def _request(header: dict, worker: dict | None = None) -> bytes:
    return json.dumps(header).encode() + b"\n" + (json.dumps(worker).encode() if worker is not None else b"")


def _open_cache() -> int:
    """A descriptor of arena's cache folder (made if need be) for the launcher, or -1 where there is none
    (no home folder this process can name, say: then nothing is kept)."""
    try:
        folder = cache_root()
        folder.mkdir(parents=True, exist_ok=True)
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except (OSError, RuntimeError):  # RuntimeError: Path.home() where the user has no home
        return -1


WORKER_ENVIRONMENT = {  # a small, fixed environment: nothing of the harness's leaks in, and runs are reproducible
    # The Python running arena first (its `python` and scripts), then the system's: not the harness's
    # own PATH, which names its user's folders.
    "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONNOUSERSITE": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "SDL_VIDEODRIVER": "dummy",
    "SDL_AUDIODRIVER": "dummy",
    "PYGAME_HIDE_SUPPORT_PROMPT": "1",
}

_launcher: Launcher | None = None
_lock = threading.Lock()


def start_worker(argv: Sequence[str], cwd: Path, environment: dict[str, str], pipes: tuple[int, int, int],
                 log: int, game: str | None = None) -> LaunchedProcess:
    """A worker forked by this process's launcher (see `Launcher.start`), which is started (again)
    when there is none yet or it died; a shared launcher that has gone is replaced by one of this
    process's own."""
    with _lock:
        try:
            return _current().start(argv, cwd, environment, pipes, log, game)
        except OSError:
            if _launcher.process is not None:
                raise
        _replace(Launcher.started())
        return _launcher.start(argv, cwd, environment, pipes, log, game)


def warm_up() -> None:
    """Start this process's launcher now, without waiting for it: it loads while the caller goes on
    (opening a tournament, say), and the first sandbox finds it ready."""
    with _lock:
        _current()


def share() -> tuple[socket.socket, socket.socket]:
    """A connection to this process's launcher for a process this one starts, which passes it to
    `adopt` (its workers then start without a launcher of its own), and the launcher's end, for
    `admit`: the other process may start meanwhile, while the launcher starts (if need be)."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)


def admit(launcher_end: socket.socket) -> None:
    """Have this process's launcher (started if need be) serve the connection `share` made; the end
    may be closed afterwards."""
    with _lock:
        _current().admit(launcher_end)


def adopt(connection: socket.socket) -> None:
    """Start this process's workers through another process's launcher (see `share`)."""
    with _lock:
        _replace(Launcher(connection, None))


def _current() -> Launcher:
    if problem := platform_problem():
        raise ArenaError(problem)
    if _launcher is None or not _launcher.alive():
        _replace(Launcher.started())
    return _launcher


def _replace(launcher: Launcher) -> None:
    global _launcher
    if _launcher is not None and _launcher.pid == os.getpid():
        _launcher.close()
    _launcher = launcher


def _close_at_exit() -> None:
    if _launcher is not None and _launcher.pid == os.getpid():
        _launcher.close()


def _forget_after_fork() -> None:
    # A forked copy of the harness holds the socket too: close its copy, so that the launcher still
    # ends with the process that started it, and start its own when it needs one.
    global _launcher, _lock
    _lock = threading.Lock()  # another thread may have held it at the fork
    if _launcher is not None:
        _launcher.socket.close()
        _launcher = None


atexit.register(_close_at_exit)
os.register_at_fork(after_in_child=_forget_after_fork)


# --- the launcher process --------------------------------------------------------------------


def serve(channel: socket.socket, cpus: str = "", cache: str = "-1") -> None:
    """Fork a worker for each request until the harness closes its first connection; then end the
    workers. Other processes of the harness may be given connections of their own (`share`): the
    workers started through one end when it is closed, as they would with their harness.

    Every worker is a copy of this process, so nothing of one sandbox's configuration may stay in
    its memory for the next to find: a request arrives in one buffer, its worker's part is read by
    the worker alone, after the fork, and the buffer is wiped once the worker is forked. `cache`
    is the number of a descriptor of arena's cache folder (or -1), where the shared libraries'
    list is kept between starts."""
    if cpus:  # what its harness may use, not the one CPU a match may hold the harness on just now
        try:
            os.sched_setaffinity(0, {int(cpu) for cpu in cpus.split(",")})
        except OSError:
            pass  # a host that does not let us choose
    # Who read a page first matters only where each agent's memory is counted in a cgroup of its own.
    libraries = None
    if available_bases() is not None:
        cache_fd = int(cache)
        libraries = SharedLibraries(import_folders(), cache_fd if cache_fd >= 0 else None)
        libraries.start()  # while the launcher imports what workers load
    from arena.sandbox import worker

    _load(worker, None)
    running: dict[int, tuple[int, socket.socket]] = {}  # worker pid -> (exit-code pipe, its connection)
    wakeup_read, wakeup_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wakeup_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that the wake-up fd hears of it
    connections = [channel]
    buffer = bytearray(MAX_REQUEST)
    while channel in connections:
        readable, _, _ = select.select([*connections, wakeup_read], [], [])
        if wakeup_read in readable:
            while _drain(wakeup_read):
                pass
            _report_exits(running)
        for connection in connections[:]:
            if connection in readable and not _answer(connection, connections, running, worker, libraries, buffer):
                connections.remove(connection)
                _kill([pid for pid, (_, owner) in running.items() if owner is connection])
                connection.close()
    _kill(list(running))


def _kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _answer(connection: socket.socket, connections: list[socket.socket], running: dict[int, tuple[int, socket.socket]],
            worker, libraries: SharedLibraries | None, buffer: bytearray) -> bool:
    """Serve one request on `connection` (`worker` is `arena.sandbox.worker`), received in `buffer`;
    False once its harness process has closed it. A worker is forked once the shared `libraries`
    (if any) are in memory."""
    try:
        size, fds = _receive_into(connection, buffer, 4)
    except OSError:
        return False
    if not size:
        return False
    try:
        end = buffer.find(b"\n", 0, size)
        header = json.loads(bytes(buffer[:end if end >= 0 else size]))
        if header.get("connect"):
            if len(fds) != 1:
                raise ValueError(f"a connection request needs 1 file descriptor, got {len(fds)}")
            connections.append(socket.socket(fileno=os.dup(fds[0])))
            connection.send(b"{}")
        else:
            game = header.get("game")
            _load(worker, game if isinstance(game, str) else None)
            if libraries is not None:
                libraries.ready()
            pid, exit_read = _fork_worker(memoryview(buffer)[end + 1:size], fds, worker.main,
                                          lambda: _forget(running, connections, buffer))
            running[pid] = (exit_read[1], connection)
            try:
                socket.send_fds(connection, [json.dumps({"pid": pid}).encode()], [exit_read[0]])
            finally:
                os.close(exit_read[0])
    except (BrokenPipeError, ConnectionResetError):  # its harness hung up before the answer (stopped as it began)
        return False
    except Exception as exc:  # noqa: BLE001  (said to the harness, which reports it)
        with contextlib.suppress(OSError):  # unless it hung up meanwhile
            connection.send(f"{type(exc).__name__}: {exc}".encode()[:1000])
    finally:
        buffer[:size] = bytes(size)
        for fd in fds:
            os.close(fd)
    return True


def _receive_into(connection: socket.socket, buffer: bytearray, max_fds: int) -> tuple[int, list[int]]:
    """One message into `buffer` (no copy of it made here): its size and the descriptors it carried."""
    size, ancillary, _, _ = connection.recvmsg_into([buffer], socket.CMSG_SPACE(max_fds * FD_SIZE))
    fds: list[int] = []
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += struct.unpack(f"{len(data) // FD_SIZE}i", data[:len(data) - len(data) % FD_SIZE])
    return size, fds


def _load(worker, game: str | None) -> None:
    """What workers load before confining themselves (`game`'s module too), kept out of their
    garbage collections once loaded, so that the memory they share with the launcher stays shared."""
    modules = len(sys.modules)
    worker.load_before_confinement(game)
    if len(sys.modules) != modules:
        gc.freeze()


def _drain(fd: int) -> bool:
    try:
        return bool(os.read(fd, 256))
    except BlockingIOError:
        return False


def _report_exits(running: dict[int, tuple[int, socket.socket]]) -> None:
    """Reap every ended worker and write its exit code (negative: the signal that killed it)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd, _ = running.pop(pid, (None, None))
        if fd is not None:
            try:
                os.write(fd, EXIT_CODE.pack(os.waitstatus_to_exitcode(status)))
            except OSError:
                pass  # the harness stopped listening
            os.close(fd)


def _fork_worker(configuration: memoryview, fds: list[int], main, forget) -> tuple[int, tuple[int, int]]:
    """Fork the worker that `configuration` (JSON, read in the child only) describes; the child calls
    `forget()` once it has read it."""
    if len(fds) != 4:
        raise ValueError(f"a request needs 4 file descriptors, got {len(fds)}")
    exit_read, exit_write = os.pipe2(os.O_CLOEXEC)
    try:
        pid = os.fork()
    except OSError:
        os.close(exit_read)
        os.close(exit_write)
        raise
    if pid:
        return pid, (exit_read, exit_write)
    code = 1
    try:
        request = json.loads(bytes(configuration))
        forget()
        _become_worker(request, fds)
        argv = request.pop("argv")
        request.clear()  # its folder's host path: the worker's argv goes, and main() empties it once read
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001  (as `python -m` would: the traceback goes to its log)
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def _forget(running: dict, connections: list, buffer: bytearray) -> None:
    """In a forked worker, whose stack holds the launcher's frames below the agent's code: the launcher's
    other workers, its connections and the request's bytes are cleared, so that no object the agent can
    reach names them or the host folders its request named."""
    running.clear()
    connections.clear()
    buffer[:] = bytes(len(buffer))


def _become_worker(request: dict, fds: list[int]) -> None:
    """In the forked child: its streams, its pipes as 3, 4 and 5, nothing else of the launcher's."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    _name_process(WORKER_NAME)  # what `ps -o comm` and `top` show, instead of the launcher's name
    to_worker, from_worker, changes, log = (_fd_above(fd) for fd in fds)  # whatever numbers they came as
    null = os.open(os.devnull, os.O_RDONLY)
    for source, target in ((null, 0), (log, 1), (log, 2), (to_worker, CALLS_FD), (from_worker, ANSWERS_FD),
                           (changes, CHANGES_FD)):
        os.dup2(source, target)
    os.closerange(FIRST_FREE_FD, _max_fd())
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    request["argv"] = [str(CALLS_FD), str(ANSWERS_FD), str(CHANGES_FD), *request["argv"]]


def _name_process(name: bytes) -> None:
    import ctypes

    ctypes.CDLL(None).prctl(PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0)


def _fd_above(fd: int) -> int:
    """`fd` moved to a number no target of `_become_worker` has."""
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD, FIRST_FREE_FD)


def _max_fd() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (ValueError, OSError):
        return 65536
