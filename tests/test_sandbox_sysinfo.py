"""sysinfo(2) answered by the supervisor (`arena.sandbox.sysinfo`), tried with a process of its own: the
filter hands the call over, the answer lands in the caller's memory, a bad address is refused as the
kernel refuses it, and the supervisor imports nothing while it serves (it then runs in the agent's root)."""

import ctypes
import socket
import subprocess
import sys

import pytest

from arena.sandbox import confine, sysinfo

pytestmark = pytest.mark.skipif(not (confine.filters_system_calls() and sysinfo.answered_here()),
                                reason="answered where the seccomp filter is written for the machine (x86-64) and the harness is root")


class Sysinfo(ctypes.Structure):
    _fields_ = [("uptime", ctypes.c_long), ("loads", ctypes.c_ulong * 3), ("totalram", ctypes.c_ulong),
                ("freeram", ctypes.c_ulong), ("sharedram", ctypes.c_ulong), ("bufferram", ctypes.c_ulong),
                ("totalswap", ctypes.c_ulong), ("freeswap", ctypes.c_ulong), ("procs", ctypes.c_ushort),
                ("pad", ctypes.c_ushort), ("totalhigh", ctypes.c_ulong), ("freehigh", ctypes.c_ulong),
                ("mem_unit", ctypes.c_uint), ("_f", ctypes.c_char * 4)]


def test_the_stand_in_is_a_whole_struct_sysinfo_with_the_memory_limit_as_all_the_memory():
    answer = sysinfo.stand_in(3 << 30)
    assert len(answer) == ctypes.sizeof(Sysinfo) == 112
    told = Sysinfo.from_buffer_copy(answer)
    assert (told.uptime, list(told.loads), told.procs, told.mem_unit) == (0, [0, 0, 0], 1, 1)
    assert (told.totalram, told.freeram, told.totalswap, told.freeswap) == (3 << 30, 3 << 30, 0, 0)


SERVED = """
import ctypes, os, signal, sys
from arena.sandbox import confine, sysinfo

told_read, told_write = os.pipe()
os.set_blocking(told_read, False)
answers = sysinfo.Answers(1 << 30, 0, 0, told_write)
child = os.fork()
if child == 0:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    CALLS = 100  # the descriptor the harness's calls would come on
    confine.forbid_escape_syscalls(answers.agent_side(), calls_fd=CALLS)
    told = (ctypes.c_ulong * 14)()
    bad = libc.sysinfo(None)
    print("at no address:", bad, ctypes.get_errno())
    print("at a kernel address:", libc.sysinfo(ctypes.c_void_p(0xFFFFFFFFFFFFFF00)), ctypes.get_errno())
    print("answered:", libc.sysinfo(told), told[0], told[4], told[5], told[10] & 0xFFFF)
    print("a program it starts:", os.popen(sys.executable + " -S -c \\"import os; print(os.sysconf('SC_PHYS_PAGES') * "
                                           "os.sysconf('SC_PAGE_SIZE'))\\"").read().strip())

    def told_of():
        try:
            return len(os.read(told_read, 100))
        except BlockingIOError:
            return 0

    told_of()  # what the program it started told
    signal.signal(signal.SIGUSR1, lambda *_: None)
    print("a handler, told of before it was set:", told_of(), signal.getsignal(signal.SIGUSR1) is not signal.SIG_DFL)
    libc.sigaction(signal.SIGUSR1, None, ctypes.create_string_buffer(152))  # asks only
    print("a question:", told_of())
    signal.signal(signal.SIGUSR1, signal.SIG_DFL)
    print("the default again:", told_of())
    # The calls' descriptor replaced, closed, closed in a range; others, untold.
    spare = os.open(os.devnull, os.O_RDONLY)
    os.dup2(spare, CALLS)
    print("dup2 onto it:", told_of(), os.path.samestat(os.fstat(CALLS), os.fstat(spare)))
    os.dup2(spare, CALLS, inheritable=False)  # dup3
    os.close(CALLS)
    print("dup3 onto it, then close:", told_of())
    os.dup2(spare, CALLS)
    told_of()
    libc.syscall(436, CALLS, CALLS, 0)  # close_range
    print("a range holding it:", told_of())
    libc.syscall(436, CALLS + 1, CALLS + 100, 0)
    libc.syscall(436, CALLS - 50, CALLS - 1, 0)
    other = os.dup(spare)
    os.dup2(spare, other)
    os.close(other)
    print("other descriptors:", told_of())
    runs = os.fork()
    if runs == 0:
        os.execv("/bin/true", ["true"])
    os.waitpid(runs, 0)
    print("a program run:", told_of() > 0)
    sys.stdout.flush()
    os._exit(0)
sys.path.clear()  # as in the supervisor: a module imported while it serves would fail here
answers.serve(child)
_, status = os.waitpid(child, 0)
print("child ended:", os.waitstatus_to_exitcode(status))
os.set_blocking(told_read, True)
print("its pipe ended:", os.read(told_read, 100) == b"")
"""


def test_the_supervisor_answers_into_the_caller_s_memory_tells_of_changes_and_imports_nothing_while_it_serves():
    """It also tells the harness's pipe of each call setting a signal's action (not of a question) or putting
    another file at the calls' descriptor before it runs, and closes the pipe once it serves no more."""
    run = subprocess.run([sys.executable, "-c", SERVED], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "at no address: -1 14" in lines, run.stdout  # EFAULT, as the kernel answers a bad address
    assert "at a kernel address: -1 14" in lines, run.stdout  # and the supervisor answers on
    assert f"answered: 0 0 {1 << 30} {1 << 30} 1" in lines, run.stdout  # uptime, memory, free, processes
    assert f"a program it starts: {1 << 30}" in lines, run.stdout
    told = sysinfo.tells_changes()
    assert f"a handler, told of before it was set: {int(told)} True" in lines, run.stdout
    assert "a question: 0" in lines, run.stdout  # changes nothing
    assert f"the default again: {int(told)}" in lines, run.stdout
    assert f"dup2 onto it: {int(told)} True" in lines, run.stdout
    assert f"dup3 onto it, then close: {2 * told}" in lines, run.stdout
    assert f"a range holding it: {int(told)}" in lines, run.stdout
    assert "other descriptors: 0" in lines, run.stdout
    assert f"a program run: {told}" in lines, run.stdout
    assert "child ended: 0" in lines, run.stdout
    assert "its pipe ended: True" in lines, run.stdout  # the supervisor holds it only while it serves


WITHOUT_LISTENERS = """
import ctypes, os, socket
from arena.sandbox import confine, sysinfo

confine._FLAG_NEW_LISTENER = 1 << 30  # refused (EINVAL), as by a kernel before 5.0, which has no listeners
supervisor_end, agent_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
print("filtered:", confine.forbid_escape_syscalls(agent_end, calls_fd=100))
print("link closed:", supervisor_end.recv(1) == b"")
told = (ctypes.c_ulong * 14)()
print("sysinfo:", libc.sysinfo(told), told[4] > 0)
print("statfs:", os.statvfs("/").f_bfree > 0)  # as without a sandbox too
print("unshare:", libc.unshare(0x20000000), ctypes.get_errno())  # still refused by the filter
"""


def test_where_the_kernel_hands_out_no_listener_the_filter_goes_in_without_the_rules_the_supervisor_answers():
    run = subprocess.run([sys.executable, "-c", WITHOUT_LISTENERS], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["filtered: True", "link closed: True", "sysinfo: 0 True", "statfs: True",
                                       "unshare: -1 1"], run.stdout


def test_a_supervisor_without_the_calls_descriptor_is_refused_before_anything_is_installed():
    # Without it the filter could not tell of a file put where the calls come, which the idle proof trusts.
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with ours, theirs, pytest.raises(ValueError, match="calls_fd"):
        confine.forbid_escape_syscalls(theirs)


NO_LISTENER_HANDED_OVER = """
import os, select
from arena.sandbox import sysinfo

told_read, told_write = os.pipe()
served_read, served_write = os.pipe()
release_read, release_write = os.pipe()
answers = sysinfo.Answers(1 << 30, 0, 0, told_write)
agent = os.fork()
if agent == 0:
    answers.agent_side().close()  # as `forbid_escape_syscalls` does where the kernel hands out no listener
    os._exit(0)
supervisor = os.fork()
if supervisor == 0:
    kept = {*answers.supervisor_fds(), served_write, release_read}
    for fd in range(3, 256):  # as `isolate.supervise` does
        if fd not in kept:
            try:
                os.close(fd)
            except OSError:
                pass
    answers.serve(agent)
    os.write(served_write, b"s")
    os.read(release_read, 1)  # alive on, as a supervisor waiting for its agent
    os._exit(0)
answers.close()  # the harness holds the read end alone
os.close(served_write)
os.close(release_read)
os.waitpid(agent, 0)
print("served:", os.read(served_read, 1) == b"s")
readable, _, _ = select.select([told_read], [], [], 5)
print("ended:", bool(readable) and os.read(told_read, 1) == b"")
os.write(release_write, b"r")
os.waitpid(supervisor, 0)
"""


def test_a_supervisor_never_handed_the_listener_ends_the_changes_pipe_at_once():
    """The agent's filter went in without a listener (a kernel before 5.0): nothing will be told, and the
    harness, seeing the pipe end, reads the agent's signals and descriptor after every call."""
    run = subprocess.run([sys.executable, "-c", NO_LISTENER_HANDED_OVER], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["served: True", "ended: True"], run.stdout
