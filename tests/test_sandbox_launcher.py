"""The launcher that forks agents' workers: a worker gets nothing of it but its pipes, its streams
and the fixed environment, the launcher and its workers end with the harness, and a forked copy
of the harness starts a launcher of its own."""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import is_alive

from arena.agents import RandomAgent
from arena.faults import Status
from arena.match import play_match
from arena.sandbox import SandboxedAgent, cgroups, launcher
from arena.submission import load

HOSTILE = Path(__file__).parent / "hostile"

LOOKS_AROUND = textwrap.dedent('''
    import os
    import numpy as np
    from arena.agents import Agent

    class SubmittedAgent(Agent):
        def _initialize(self):
            fds = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
            print("fds", fds)
            print("environ", sorted(os.environ))
            print("path", os.environ["PATH"])
            try:
                initial = open("/proc/self/environ", "rb").read().split(b"\\0")
                print("initial environ", sorted(entry.split(b"=")[0].decode() for entry in initial if entry))
            except PermissionError:  # where its new identity may not read its own process's files
                print("initial environ unreadable")

        def predict(self, obs):
            return int(np.flatnonzero(obs["action_mask"])[0])
''')

FIXED_ENVIRONMENT = sorted({"PATH", "LANG", "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE", "PYTHONNOUSERSITE",
                            "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "SDL_VIDEODRIVER",
                            "SDL_AUDIODRIVER", "PYGAME_HIDE_SUPPORT_PROMPT"})


def test_a_worker_holds_only_its_pipes_its_streams_and_the_fixed_environment(write_submission, monkeypatch):
    monkeypatch.setenv("ARENA_ORGANISER_SECRET", "hunter2")
    monkeypatch.setenv("PATH", f"/home/organiser/secret-tools:{os.environ['PATH']}")  # the harness's, not the agent's
    agent = SandboxedAgent(load(write_submission("looks_around", LOOKS_AROUND)), time_per_move=5.0)
    try:
        result = play_match("othello", [agent, RandomAgent()], seed=0)
    finally:
        agent.close()  # its output is all in its log once it has ended
    log = agent.log_path.read_text()
    assert result.agents[0].status == Status.OK
    lines = dict(line.split(" ", 1) for line in log.splitlines() if line.startswith(("fds", "environ", "initial", "path")))
    assert lines["path"] == f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin"
    # 0-2 its streams, 3 and 4 its pipes, 5 the listing's own descriptor: no socket to the launcher.
    assert lines["fds"] == "[0, 1, 2, 3, 4, 5]"
    assert lines["environ"] == repr(sorted([*FIXED_ENVIRONMENT, "HOME", "TMPDIR"]))
    assert lines["initial"] in ("environ " + repr(FIXED_ENVIRONMENT), "environ unreadable")


HARNESS = textwrap.dedent('''
    import sys, threading, time
    from arena.agents import RandomAgent
    from arena.match import play_match
    from arena.sandbox import SandboxedAgent, launcher
    from arena.submission import load

    agent = SandboxedAgent(load(sys.argv[1]), time_per_move=600)
    threading.Thread(target=play_match, args=("othello", [agent, RandomAgent()], 0), daemon=True).start()
    while agent._process is None:
        time.sleep(0.01)
    print(launcher._launcher.process.pid, agent._process.pid, flush=True)
    time.sleep(600)
''')


def test_the_launcher_and_its_workers_end_with_the_harness_even_when_it_is_killed():
    harness = subprocess.Popen([sys.executable, "-c", HARNESS, str(HOSTILE / "sleeper")], stdout=subprocess.PIPE,
                               text=True)
    try:
        launcher_pid, worker_pid = map(int, harness.stdout.readline().split())
        assert is_alive(launcher_pid) and is_alive(worker_pid)
    finally:
        harness.send_signal(signal.SIGKILL)
        harness.wait()
        harness.stdout.close()
    deadline = time.monotonic() + 30
    while (is_alive(launcher_pid) or is_alive(worker_pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_alive(launcher_pid) and not is_alive(worker_pid)


def test_a_forked_harness_starts_a_launcher_of_its_own(submissions):
    def play() -> int:
        agent = SandboxedAgent(load(submissions / "random"), time_per_move=5.0)
        try:
            assert play_match("othello", [agent, RandomAgent()], seed=1).agents[0].status == Status.OK
        finally:
            agent.close()
        return launcher._launcher.process.pid

    before = play()
    child = os.fork()
    if child == 0:
        try:
            os._exit(0 if play() != before else 2)
        except BaseException:  # noqa: BLE001
            os._exit(1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert play() == before  # this process's launcher is untouched by the copy's


def admitted_share():
    """A connection to this process's launcher, already served, for a pool process to adopt."""
    connection, launcher_end = launcher.share()
    launcher.admit(launcher_end)
    launcher_end.close()
    return connection


def launcher_of_a_sandboxed_agent(submission: str) -> int:
    """In a pool process: the parent of a new sandboxed agent's worker process (its launcher)."""
    agent = SandboxedAgent(load(submission), time_per_move=5.0)
    try:
        assert play_match("othello", [agent, RandomAgent()], seed=2).agents[0].status == Status.OK
        return int(Path(f"/proc/{agent._process.pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    finally:
        agent.close()


def test_a_process_given_a_share_of_the_launcher_starts_its_workers_through_it(submissions):
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    connection = admitted_share()
    with ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=launcher.adopt,
                             initargs=(connection,)) as pool:
        parent = pool.submit(launcher_of_a_sandboxed_agent, str(submissions / "random")).result()
    connection.close()
    assert parent == launcher._launcher.process.pid


def sandboxed_sleeper_pid(submission: str) -> int:
    """In a pool process: start a sandboxed agent that never answers, and leave it running."""
    agent = SandboxedAgent(load(submission), time_per_move=600)
    threading.Thread(target=play_match, args=("othello", [agent, RandomAgent()], 0), daemon=True).start()
    while agent._process is None:
        time.sleep(0.01)
    return agent._process.pid


def test_admitting_a_connection_waits_for_no_answer_and_the_next_request_reads_past_it():
    harness_end, launcher_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    asking = launcher.Launcher(harness_end, None)
    connection, connections_end = launcher.share()
    asking.admit(connections_end)  # returns although nothing answers yet: the launcher may still be starting
    connections_end.close()

    request, received, _, _ = socket.recv_fds(launcher_end, 1024, 1)
    assert json.loads(request) == {"connect": True} and len(received) == 1
    os.close(received[0])
    launcher_end.send(b"{}")  # the connection's answer, read by the next request's asking
    exit_read, exit_write = os.pipe()
    reader, writer = os.pipe()
    changes_read, changes_write = os.pipe()
    pipes = (reader, writer, changes_write)  # as a sandbox sends them: calls, answers, changes
    try:
        answer = []
        asker = threading.Thread(target=lambda: answer.append(asking.start(["x"], Path("/"), {}, pipes, 2)))
        asker.start()
        request, received, _, _ = socket.recv_fds(launcher_end, 1 << 16, 4)
        assert json.loads(request.split(b"\n")[0]) == {"game": None} and len(received) == 4  # the pipes and the log
        for fd in received:
            os.close(fd)
        socket.send_fds(launcher_end, [b'{"pid": 4321}'], [exit_read])
        asker.join(5)
        assert answer and answer[0].pid == 4321
    finally:
        for fd in (exit_read, exit_write, reader, writer, changes_read, changes_write):
            os.close(fd)
        for end in (harness_end, launcher_end, connection):
            end.close()


@pytest.mark.parametrize("request_sent", ["a connection", "a refused start"])
def test_a_harness_that_hangs_up_before_its_answer_is_a_closed_connection_not_a_traceback(request_sent):
    # A command stopped as it began (Ctrl-C within a fraction of a second) left the launcher to answer into
    # a closed socket: a BrokenPipeError traceback printed after the command's last line.
    harness_end, launcher_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    shared, kept = socket.socketpair()
    if request_sent == "a connection":
        socket.send_fds(harness_end, [b'{"connect": true}'], [shared.fileno()])
    else:  # a start with too few descriptors: refused, and the refusal cannot be sent either
        socket.send_fds(harness_end, [b'{"game": null}\n{}'], [shared.fileno()])
    harness_end.close()
    connections = [launcher_end]
    try:
        answered = launcher._answer(launcher_end, connections, {}, None, None, bytearray(launcher.MAX_REQUEST))
        assert answered is False or request_sent == "a refused start"  # that one ends at the next read
    finally:
        for connection in {*connections, shared, kept}:
            connection.close()


def test_workers_started_through_a_share_end_when_the_process_holding_it_dies():
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    connection = admitted_share()
    pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=launcher.adopt, initargs=(connection,))
    try:
        worker = pool.submit(sandboxed_sleeper_pid, str(HOSTILE / "sleeper")).result()
        assert is_alive(worker)
        for process in pool._processes.values():
            process.kill()
    finally:
        pool.shutdown(wait=True)
        connection.close()
    deadline = time.monotonic() + 30
    while is_alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_alive(worker)
    assert launcher._launcher.alive()  # the harness's own launcher goes on


def test_the_launcher_loads_a_games_module_once_for_the_workers_it_forks():
    # What load_before_confinement loads, the launcher has loaded before each fork: a worker
    # finds the game's module (tens of milliseconds to import) already there.
    code = ("import sys; from arena.sandbox import worker; worker.load_before_confinement('gomoku'); "
            "worker.load_before_confinement('no-such-game'); "
            "print('arena.envs.gomoku' in sys.modules, 'arena.envs.othello' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False"]


REMEMBERS = textwrap.dedent('''
    import sys
    from arena.agents import RandomAgent
    from arena.match import play_match
    from arena.sandbox import SandboxedAgent, launcher
    from arena.submission import load

    agent = SandboxedAgent(load(sys.argv[1]), time_per_move=60)
    try:
        play_match("othello", [agent, RandomAgent()], seed=0, max_steps=2)
        print(open(f"/proc/{launcher._launcher.process.pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode())
    finally:
        agent.close()
''')


@pytest.mark.skipif(cgroups.available_bases() is None, reason="the libraries are read only where agents have cgroups")
def test_the_launcher_keeps_the_libraries_list_in_the_cache_folder_without_naming_it(submissions, tmp_path):
    cache = tmp_path / "organiser-cache"
    environment = {**os.environ, "ARENA_CACHE_DIR": str(cache)}
    for _ in range(2):  # the second start finds the list kept by the first
        done = subprocess.run([sys.executable, "-c", REMEMBERS, str(submissions / "random")], env=environment,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "organiser-cache" not in done.stdout and "arena.sandbox.launcher" in done.stdout
    [listing] = cache.glob("shared-libraries-*.json")
    kept = json.loads(listing.read_text())
    assert any(path.endswith(".so") for path, _ in kept["libraries"])


def test_a_harness_without_a_home_folder_keeps_no_libraries_list_and_plays_all_the_same(submissions, monkeypatch):
    def no_home():
        raise RuntimeError("Could not determine home directory.")

    for variable in ("ARENA_CACHE_DIR", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert launcher._open_cache() == -1
    monkeypatch.setattr(launcher, "_launcher", None)  # a launcher of this test's own, started without a cache
    agent = SandboxedAgent(load(submissions / "random"), time_per_move=5.0)
    try:
        assert play_match("othello", [agent, RandomAgent()], seed=0).agents[0].status == Status.OK
    finally:
        agent.close()
        launcher._launcher.close()
