"""The proof that an agent cannot run before the harness's next message (`arena.sandbox.idle`), tried
on plain processes in each state it must tell apart: only one asleep reading a pipe, catching no
signal, alone in its group, may be left unfrozen."""

import contextlib
import os
import subprocess
import sys
import time

import pytest

from arena.sandbox.idle import READ_SYSCALL, IdleProof

pytestmark = pytest.mark.skipif(READ_SYSCALL is None, reason="read()'s system call number is known for x86-64 and arm64")

CHILD = """
import os, signal, threading, time
signal.signal(signal.SIGINT, signal.SIG_DFL)  # as the sandbox's worker: Python catches it otherwise
{setup}
os.write(1, b"ready")
{wait}
"""
READS_ITS_PIPE = "os.read(0, 1)"  # stdin: a pipe nobody writes to until the test ends


@pytest.fixture
def child(tmp_path):
    """child(setup, wait, tasks=1) -> an IdleProof of a new Python process that ran `setup`, then `wait`;
    its group is said to have held at most `tasks` processes and threads at once."""
    started = []

    def start(setup: str, wait: str, tasks: int = 1, realtime_handlers_refused: bool = False,
              supervisor: int | None = None, changes: int | None = None) -> IdleProof:
        stdin, feed = os.pipe()
        process = subprocess.Popen([sys.executable, "-c", CHILD.format(setup=setup, wait=wait)],
                                   stdin=stdin, stdout=subprocess.PIPE)
        os.close(stdin)
        started.append((process, feed))
        assert process.stdout.read(5) == b"ready"
        peak = tmp_path / f"tasks-{process.pid}"
        peak.write_text(f"{tasks}\n")
        proof = IdleProof(process.pid, feed, peak, expected_tasks=1, realtime_handlers_refused=realtime_handlers_refused,
                          supervisor=supervisor, changes=changes, calls_fd=0)
        started[-1] += (proof,)
        start.feeds[proof] = feed
        return proof

    start.feeds = {}  # each proof's end of its child's pipe: the harness's next message wakes the child

    yield start
    for process, feed, *proof in started:
        process.kill()
        process.wait()
        os.close(feed)
        for each in proof:
            each.close()


def soon(proof: IdleProof) -> bool:
    """Whether the proof holds within a few seconds (the child needs a moment to reach its wait)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if proof.holds():
            return True
        time.sleep(0.01)
    return False


def never(proof: IdleProof) -> bool:
    """Whether the proof stays unshown over a tenth of a second, once the child has reached its wait."""
    time.sleep(0.1)
    return not any(proof.holds() for _ in range(20))


def test_a_process_asleep_reading_its_pipe_that_catches_no_signal_is_idle(child):
    assert soon(child("", READS_ITS_PIPE))


def test_a_process_that_catches_a_signal_is_not_idle_as_a_timer_could_run_its_handler(child):
    assert never(child("signal.signal(signal.SIGALRM, lambda *_: None)", READS_ITS_PIPE))


def test_a_process_that_catches_a_real_time_signal_is_not_idle(child):
    """The signal mask of /proc/PID/stat shows only signals 1-31."""
    assert never(child("signal.signal(signal.SIGRTMIN + 2, lambda *_: None)", READS_ITS_PIPE))


@pytest.mark.parametrize("catches, idle", [("", True), ("signal.signal(signal.SIGALRM, lambda *_: None)", False),
                                            ("signal.signal(signal.SIGUSR2, lambda *_: None)", False)])
def test_where_real_time_handlers_are_refused_the_signals_caught_are_read_from_stat(child, catches, idle):
    """/proc/PID/stat shows signals 1-31 caught, all a process whose seccomp filter refuses handlers for
    the others can catch."""
    proof = child(catches, READS_ITS_PIPE, realtime_handlers_refused=True)
    assert (soon(proof) if idle else never(proof)) is True


def test_a_process_asleep_elsewhere_than_in_a_pipe_read_is_not_idle(child):
    assert never(child("", "time.sleep(60)"))


def test_a_process_asleep_reading_another_pipe_than_the_harness_s_is_not_idle(child):
    """The kernel may end another pipe's wait on its own (its last writer closed by the garbage
    collector of UNIX sockets, say): only the harness's pipe will do."""
    assert never(child("other, keep = os.pipe()", "os.read(other, 1)"))


def test_a_process_at_work_is_not_idle(child):
    assert never(child("", "while True: pass"))


def test_a_process_whose_group_ever_held_another_task_is_not_idle(child):
    """A thread, asleep in a timed wait, wakes on its own; one that ended may have swapped the
    descriptor the read named after it began: the group's peak count tells of either."""
    proof = child("threading.Thread(target=time.sleep, args=(60,)).start()", READS_ITS_PIPE, tasks=2)
    assert never(proof)


@pytest.mark.parametrize("realtime_handlers_refused", [False, True])
def test_a_process_with_another_thread_is_not_idle_whatever_its_group_s_peak_says(child, realtime_handlers_refused):
    """Its supervisor killed (the out-of-memory killer may take it), a group may hold a new thread
    without its peak rising: the thread count is read too."""
    proof = child("threading.Thread(target=time.sleep, args=(60,)).start()", READS_ITS_PIPE, tasks=1,
                  realtime_handlers_refused=realtime_handlers_refused)
    assert never(proof)


def test_a_process_whose_supervisor_has_ended_is_not_idle(child):
    """A task started after the supervisor ended would not raise the group's peak."""
    supervisor = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        proof = child("", READS_ITS_PIPE, supervisor=supervisor.pid)
        assert soon(proof)
    finally:
        supervisor.kill()
        supervisor.wait()
    assert never(proof)


def test_a_process_that_ended_is_not_idle(child):
    proof = child("", "")
    time.sleep(0.2)
    assert never(proof)


class _Looks:
    """Stands in for an IdleProof whose agent gets back to its read after `running_for` looks, or never
    shows asleep on its pipe for another reason (`running_for` None: it sleeps elsewhere)."""

    def __init__(self, running_for):
        self.running_for, self.looks = running_for, 0

    def holds(self, since=None):
        self.looks += 1
        return self.running_for is not None and self.looks > self.running_for

    def on_its_way(self):
        return self.running_for is not None


class _Freezer:
    frozen = False

    def freeze(self):
        self.frozen = True


@pytest.mark.parametrize("running_for, shown_asleep", [(0, True), (4, True), (None, False), (10**9, False)])
def test_an_agent_still_on_its_way_back_to_its_read_after_its_answer_is_looked_at_again_not_frozen(running_for,
                                                                                                shown_asleep,
                                                                                                monkeypatch):
    # Just after its answer an agent is still running, back to its read: waited for a moment (yielding the CPU
    # it may share with the harness), it is shown asleep, and no freeze and thaw is spent on it. One asleep
    # elsewhere is frozen at once, and one that keeps running once the moment has passed.
    from arena.sandbox import agent as sandboxed
    from arena.sandbox.agent import SandboxedAgent

    if shown_asleep:  # a moment long enough for a few looks on a busy machine, whose yields may last milliseconds
        monkeypatch.setattr(sandboxed, "SETTLE_SECONDS", 60.0)
    agent = SandboxedAgent.__new__(SandboxedAgent)
    agent._idle, agent._freezer = _Looks(running_for), _Freezer()
    assert agent._rest() is shown_asleep
    assert agent._freezer.frozen is not shown_asleep
    if running_for is None:
        assert agent._idle.looks == 1  # not looked at again: it sleeps elsewhere


@pytest.fixture
def told():
    """A supervisor that lives through the test, and the pipe it would tell of changes on: (its pid, the read
    end as the harness holds it, the write end)."""
    supervisor = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    read, write = os.pipe()
    os.set_blocking(read, False)
    yield supervisor.pid, read, write
    supervisor.kill()
    supervisor.wait()
    os.close(read)
    with contextlib.suppress(OSError):  # closed by the test already
        os.close(write)


def counting_reads(proof: IdleProof, monkeypatch) -> dict[str, int]:
    """Counts each time the proof reads what the process catches, and what one of its descriptors is."""
    reads = {"signals": 0, "descriptor": 0}

    def counted(what: str, read):
        def reading(*args, **kwargs):
            reads[what] += 1
            return read(*args, **kwargs)
        return reading

    proof._asleep_alone_catching_nothing = counted("signals", proof._asleep_alone_catching_nothing)
    monkeypatch.setattr(os, "readlink", counted("descriptor", os.readlink))
    return reads


def test_where_the_supervisor_tells_of_changes_the_signals_and_the_descriptor_are_read_at_first_and_after_one_only(
        child, told, monkeypatch):
    """Read once (what was set before its filter cannot have been told of), then only when its supervisor
    has told of a change, which the proof takes off the pipe."""
    supervisor, read, write = told
    proof = child("", READS_ITS_PIPE, realtime_handlers_refused=True, supervisor=supervisor, changes=read)
    reads = counting_reads(proof, monkeypatch)
    assert soon(proof)
    first = dict(reads)
    assert first["signals"] >= 1 and first["descriptor"] >= 1
    assert all(proof.holds() for _ in range(5)) and reads == first
    os.write(write, b"aa")
    assert proof.holds() and reads == {"signals": first["signals"] + 1, "descriptor": first["descriptor"] + 1}
    with pytest.raises(BlockingIOError):
        os.read(read, 1)  # taken: the next proofs need no read
    assert proof.holds() and reads == {"signals": first["signals"] + 1, "descriptor": first["descriptor"] + 1}


def test_a_process_that_caught_a_signal_before_it_was_first_read_is_not_idle(child, told):
    supervisor, read, _ = told
    assert never(child("signal.signal(signal.SIGALRM, lambda *_: None)", READS_ITS_PIPE, realtime_handlers_refused=True,
                       supervisor=supervisor, changes=read))


@pytest.mark.parametrize("change", ["signal.signal(signal.SIGALRM, lambda *_: None)",
                                    "other, keep = os.pipe(); os.dup2(other, 0)"])
def test_a_process_told_of_since_it_was_shown_idle_is_not_idle(child, told, change):
    """Woken by the harness's next message (here, a byte on its pipe), it sets a handler, or puts a pipe of its
    own at the descriptor it reads the harness's calls from, and reads again."""
    supervisor, read, write = told
    proof = child("", f"os.read(0, 1); {change}; os.read(0, 1)", realtime_handlers_refused=True,
                  supervisor=supervisor, changes=read)
    assert soon(proof)
    os.write(child.feeds[proof], b"x")
    time.sleep(0.2)  # it has made its change and reads again
    os.write(write, b"a")  # as its supervisor does before the change is made
    assert never(proof)


def test_a_process_reading_another_descriptor_than_the_one_told_of_has_it_looked_at_every_time(child, told, monkeypatch):
    """Only changes of the calls' descriptor are told of: a copy of it elsewhere could be closed and replaced
    unseen."""
    supervisor, read, _ = told
    proof = child("copy = os.dup(0)", "os.read(copy, 1)", realtime_handlers_refused=True, supervisor=supervisor,
                  changes=read)
    reads = counting_reads(proof, monkeypatch)
    assert soon(proof)
    before = reads["descriptor"]
    assert all(proof.holds() for _ in range(3)) and reads["descriptor"] == before + 3


def test_once_the_supervisor_tells_no_more_the_signals_and_descriptor_are_read_at_every_proof(child, told, monkeypatch):
    """Its end closed (it serves no more, or never had the filter's listener): nothing would be told."""
    supervisor, read, write = told
    proof = child("", READS_ITS_PIPE, realtime_handlers_refused=True, supervisor=supervisor, changes=read)
    reads = counting_reads(proof, monkeypatch)
    assert soon(proof)
    os.close(write)
    before = dict(reads)
    assert all(proof.holds() for _ in range(3))
    assert reads == {"signals": before["signals"] + 3, "descriptor": before["descriptor"] + 3}
