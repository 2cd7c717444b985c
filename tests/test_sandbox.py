"""Sandboxed agents: every way a submission can fail ends in a recorded status, and the harness is unharmed.

Each folder in tests/hostile/ is a deliberately broken submission; each plays Othello against
RandomAgent in a sandbox and must end with exactly the status and reason listed here, while this
process (the harness) keeps its memory, its files and its life.
"""

import os
import shutil
import socket
from pathlib import Path

import pytest

from arena.agents import GreedyOthelloAgent, RandomAgent
from arena.faults import Status
from arena.handle import LocalAgent
from arena.match import play_match
from arena.sandbox import Limits, SandboxedAgent, protections
from arena.submission import instantiate, load

HOSTILE = Path(__file__).parent / "hostile"
PROTECTIONS = protections()
LANDLOCK = PROTECTIONS["landlock_abi"]

CRASH, TIMEOUT, ILLEGAL, OK = Status.CRASH, Status.TIMEOUT, Status.ILLEGAL_ACTION, Status.OK
EXPECTED = {
    "import_error": (CRASH, "failed to start: ModuleNotFoundError: No module named 'numpy_but_misspelled' (agent.py line 2)"),
    "syntax_error": (CRASH, "failed to start: SyntaxError: expected ':' (agent.py line 4)"),
    "init_raises": (CRASH, "failed to start: RuntimeError: cannot find my weights (agent.py line 8)"),
    "exits_at_import": (CRASH, "failed to start: SystemExit: 0"),
    "predict_raises": (CRASH, "predict() failed: ZeroDivisionError: integer division or modulo by zero (agent.py line 14)"),
    "wrong_type": (ILLEGAL, "returned 'd3' (str); predict() must return an int in 0..64"),
    "unsendable": (ILLEGAL, "returned an action that cannot be sent: object values cannot be sent"),
    "illegal_move": (ILLEGAL, "played a1 (0), which is not legal here"),
    "exits": (CRASH, "predict(): the agent's process exited with code 3"),
    "segfault": (CRASH, "predict(): the agent's process was killed: Segmentation fault"),
    "infinite_loop": (TIMEOUT, "predict() took over 0.5 s (limit 0.5 s a move + 0 s bank)"),
    "sleeper": (TIMEOUT, "predict() took over 0.5 s"),
    "slow_start": (TIMEOUT, "start took over 3 s"),
    "memory_hog": (CRASH, "predict() failed: MemoryError"),
    "fork_bomb": (CRASH, "predict() failed: BlockingIOError: [Errno 11] Resource temporarily unavailable"),
    "huge_action": (CRASH, "predict(): the agent's process broke the protocol (a message of 67108878 bytes is over the 8388608-byte limit"),
    # Invisible from its PID namespace (ProcessLookupError), or refused by Landlock (PermissionError).
    "kills_harness": (CRASH, "predict() failed: "),
    "phones_home": (CRASH, "predict() failed: PermissionError: [Errno 13] Permission denied"),
    "chatterbox": (OK, ""),
    "writes_outside": (OK, ""),
    "leaves_daemon": (OK, ""),
}
NEEDS = {  # cases whose confinement this machine might not offer
    "kills_harness": (LANDLOCK >= 6 or PROTECTIONS["pid_namespace"],
                      "needs a PID namespace, or signal scoping from Landlock ABI 6 (Linux 6.12)"),
    "phones_home": (LANDLOCK >= 4, "TCP confinement needs Landlock ABI 4 (Linux 6.7)"),
    "writes_outside": (LANDLOCK >= 1, "file confinement needs Landlock (Linux 5.13)"),
    "fork_bomb": (PROTECTIONS["process_limit"], "no process limit applies to root without a pids cgroup"),
}
LIMITS = Limits(startup_seconds=3.0, memory_mb=1024, max_processes=64, log_kb=64)
# Cases that need time to reach the limit they test (forking up to the cap, encoding 64 MiB):
# on a busy machine they must still fail on that limit, not time out first.
TIME_PER_MOVE = {"fork_bomb": 5.0, "huge_action": 5.0}


def test_there_are_at_least_twelve_hostile_submissions_and_each_has_an_expectation():
    assert sorted(p.name for p in HOSTILE.iterdir() if p.is_dir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 12


def resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def tree_state(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_hostile_submission_ends_with_its_status_and_harms_nothing(case, tmp_path, monkeypatch):
    supported, reason = NEEDS.get(case, (True, ""))
    if not supported:
        pytest.skip(reason)
    monkeypatch.chdir(tmp_path)  # the harness's working directory, a target for escapes
    source = tmp_path / "source" / case
    shutil.copytree(HOSTILE / case, source)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0)
    (source / "port.txt").write_text(str(listener.getsockname()[1]))
    (source / "harness.txt").write_text(str(os.getpid()))
    before = tree_state(source)
    memory_before = resident_mb()

    agent = SandboxedAgent(load(source), TIME_PER_MOVE.get(case, 0.5), limits=LIMITS, log_dir=tmp_path / "logs")
    try:
        result = play_match("othello", [agent, RandomAgent()], seed=0)
    finally:
        agent.close()

    status, detail = EXPECTED[case]
    mine, theirs = result.agents
    assert (mine.status, theirs.status) == (status, OK), mine.detail
    assert detail in mine.detail
    if status != OK:
        assert (mine.score, theirs.score, result.winner) == (-1.0, 1.0, "RandomAgent")
    assert resident_mb() - memory_before < 50
    assert tree_state(source) == before
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/arena-escaped.txt").exists()
    with pytest.raises(BlockingIOError):
        listener.accept()
    log = agent.log_path.read_text()
    if case == "chatterbox":
        assert len(log) <= (64 << 10) + 200 and "more bytes of output were dropped" in log
    if case == "writes_outside":
        assert log.count("PermissionError") == 3 and "written" not in log
    if case == "kills_harness":
        assert "ProcessLookupError" in mine.detail or "PermissionError" in mine.detail
    if case == "leaves_daemon":
        daemon = int(log.split("daemon pid ")[1].split()[0])
        assert not is_alive(daemon)


def is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has already died


def test_sandboxed_agents_play_exactly_as_they_do_in_process(submissions):
    spec = load(submissions / "greedy")
    local = play_match("othello", [LocalAgent(instantiate(spec)), RandomAgent()], seed=3)
    sandboxed = SandboxedAgent(spec, time_per_move=1.0)
    try:
        boxed = play_match("othello", [sandboxed, RandomAgent()], seed=3)
        again = play_match("othello", [RandomAgent(), sandboxed], seed=4)  # the same process, other seat
    finally:
        sandboxed.close()
    assert boxed.actions == local.actions and boxed.agents[1:] == local.agents[1:]
    assert again.agents[1].status == OK and again.agents[1].moves > 20


def test_the_time_bank_forgives_occasional_slow_moves(write_submission):
    code = """
import time
import numpy as np
from arena.agents import Agent

class SubmittedAgent(Agent):
    def reset(self):
        self.moves = 0

    def predict(self, obs):
        self.moves += 1
        if self.moves in (2, 4):
            time.sleep(0.3)
        return int(np.flatnonzero(obs["action_mask"])[0])
"""
    spec = load(write_submission("slowish", code))
    with_bank = SandboxedAgent(spec, time_per_move=0.1, time_bank=1.0)
    without = SandboxedAgent(spec, time_per_move=0.1)
    try:
        assert play_match("othello", [with_bank, RandomAgent()], seed=0).agents[0].status == OK
        faulted = play_match("othello", [without, RandomAgent()], seed=0).agents[0]
    finally:
        with_bank.close()
        without.close()
    assert faulted.status == TIMEOUT and faulted.moves == 1


def test_a_manifest_asks_for_memory_up_to_the_organisers_ceiling(write_submission):
    spec = load(write_submission("big", "", "memory_mb = 100000"))
    assert SandboxedAgent(spec, 1.0).memory_mb == Limits().max_memory_mb
    assert SandboxedAgent(load(write_submission("small", "", "memory_mb = 512")), 1.0).memory_mb == 512
    assert SandboxedAgent(load(write_submission("default", "")), 1.0).memory_mb == 4096


def test_run_match_and_the_cli_sandbox_by_default_and_no_sandbox_shows_tracebacks(submissions, capsys, tmp_path,
                                                                                   monkeypatch):
    import arena
    from arena.cli import main

    monkeypatch.chdir(tmp_path)
    result = arena.run_match(HOSTILE / "exits", submissions / "greedy")
    assert result.agents[0].status == CRASH and "exited with code 3" in result.agents[0].detail
    assert main(["match", str(HOSTILE / "predict_raises"), str(submissions / "random"), "--no-sandbox"]) == 0
    captured = capsys.readouterr()
    assert "predict_raises: crash" in captured.out and "Traceback (most recent call last)" in captured.err
    assert main(["match", str(HOSTILE / "predict_raises"), str(submissions / "random")]) == 0
    assert "its output: logs/" in capsys.readouterr().out


def test_a_strong_agent_is_unaffected_by_sandboxing(submissions):
    greedy = SandboxedAgent(load(submissions / "greedy"), time_per_move=1.0)
    try:
        results = [play_match("othello", [greedy, GreedyOthelloAgent()], seed=s) for s in range(3)]
    finally:
        greedy.close()
    assert all(r.agents[0].status == OK and r.steps >= 50 for r in results)
