"""statfs(2) and fstatfs(2) answered by the supervisor (`arena.sandbox.statfs`): the host's file systems
full and still however the machine writes to them, the agent's own tmpfs as it is, paths looked up only
in the agent's view and with its ids, and every error as the kernel gives it, the supervisor answering on."""

import os
import select
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from arena.agents import RandomAgent
from arena.faults import Status
from arena.match import play_match
from arena.sandbox import Limits, SandboxedAgent, confine, protections, statfs, sysinfo
from arena.submission import load

ANSWERED = confine.filters_system_calls() and sysinfo.answered_here()
pytestmark = pytest.mark.skipif(not ANSWERED, reason="answered where the seccomp filter is written for the machine "
                                                     "(x86-64) and the harness is root")
MiB = 1 << 20


def test_a_file_system_not_the_agent_s_own_is_shown_read_only_and_full_with_its_kind_and_totals():
    layout = struct.Struct("<qq5Q2iqqq4q")  # struct statfs on x86-64
    figures = layout.pack(0xEF53, 4096, 1000, 400, 300, 64, 32, 7, 8, 255, 4096, 0x1021, 0, 0, 0, 0)
    assert layout.unpack(statfs.hidden(figures, (1000, 64))) == (0xEF53, 4096, 1000, 0, 0, 64, 0, 7, 8, 255, 4096,
                                                                 0x1021, 0, 0, 0, 0)


def read_only_and_full(figures: str) -> bool:
    """Whether `figures` (blocks, free, available, files, free files) tell a file system with nothing free. Its
    totals are those first read, which on some file systems (XFS's files, ZFS's blocks) the machine's own moved since."""
    blocks, *free, files, free_files = map(int, figures.split())
    return blocks > 0 and files > 0 and free == [0, 0] and free_files == 0


# A sandbox of the test's own: a tmpfs of its own as the root, a folder of the host's disk bound read-only in it
# (as the software is), then the filter with its listener. The supervisor, outside, answers.
SERVED = """
import ctypes, os, sys
from arena.sandbox import confine, sysinfo

WORK, AGENT_ID = sys.argv[1], 3_000_000_001  # past 2^31, as a sandbox's id may be: a C int shows it negative
libc = ctypes.CDLL(None, use_errno=True)
answers = sysinfo.Answers(1 << 30, AGENT_ID, AGENT_ID, None)
child = os.fork()
if child == 0:
    def mount(source, target, kind, flags, data=None):
        if libc.mount(source, target.encode(), kind, ctypes.c_ulong(flags), data) != 0:
            raise OSError(ctypes.get_errno(), "mount " + target)

    assert libc.unshare(0x20000) == 0  # CLONE_NEWNS
    mount(None, "/", None, 1 << 18 | 16384)  # MS_PRIVATE | MS_REC
    root = WORK + "/root"
    mount(b"tmpfs", root, b"tmpfs", 0, b"size=4m")
    for folder in ("host", "tmp", "locked/inner", "lookups/deep"):
        os.makedirs(f"{root}/{folder}")
    os.chmod(f"{root}/tmp", 0o1777)
    os.chmod(f"{root}/locked", 0o700)  # root's own: the agent may not pass
    mount(f"{WORK}/host".encode(), f"{root}/host", None, 4096)  # MS_BIND
    mount(None, f"{root}/host", None, 4096 | 32 | 1)  # read-only, as the software is
    os.symlink("/../../../..", f"{root}/lookups/to_top")
    os.symlink(f"{WORK}/host", f"{root}/lookups/to_the_host_s_path")
    os.mkfifo(f"{root}/tmp/fifo")
    os.chroot(root)
    os.chdir("/lookups/deep")
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    confine.forbid_escape_syscalls(answers.agent_side(), calls_fd=100)  # no calls come: any descriptor will do
    os.setgroups([])
    os.setresgid(AGENT_ID, AGENT_ID, AGENT_ID)
    os.setresuid(AGENT_ID, AGENT_ID, AGENT_ID)
    told = ctypes.create_string_buffer(120)

    def figures(what, path):
        try:
            found = os.statvfs(path)
        except OSError as exc:
            print(f"{what}: {type(exc).__name__}", flush=True)
        else:
            print(f"{what}: {found.f_blocks} {found.f_bfree} {found.f_bavail} {found.f_files} {found.f_ffree}", flush=True)

    def called(what, result):
        print(f"{what}: {result} {ctypes.get_errno() if result else 0}", flush=True)

    figures("host", "/host")
    sys.stdin.readline()  # the test writes to the host's disk meanwhile
    figures("host again", "/host")
    with open("/host/file", "rb") as software:
        found = os.fstatvfs(software.fileno())
        print(f"host file: {found.f_blocks} {found.f_bfree} {found.f_bavail} {found.f_files} {found.f_ffree}", flush=True)
    figures("own", "/tmp")
    with open("/tmp/written", "wb") as written:
        written.write(bytes(1 << 20))
    figures("own after writing", "/")
    figures("missing", "/missing")
    figures("a file's child", "/host/file/child")
    figures("too long", "a" * 5000)
    figures("locked", "/locked/inner")
    figures("fifo", "/tmp/fifo")  # named, not opened: no writer would ever come
    figures("up from its folder", "../../../../host")
    figures("absolute symlink up", "/lookups/to_top/host")
    figures("relative symlink up", "../to_top/host")
    figures("the host's own path", "/lookups/to_the_host_s_path")
    called("at no address", libc.statfs(ctypes.c_void_p(8), told))
    called("at a kernel address", libc.statfs(ctypes.c_void_p(0xFFFFFFFFFFFFFF00), told))
    called("into no address", libc.statfs(b"/host", ctypes.c_void_p(8)))
    called("into a kernel address", libc.statfs(b"/host", ctypes.c_void_p(0xFFFFFFFFFFFFFF00)))
    called("no such descriptor", libc.fstatfs(999, told))
    called("the descriptor -1", libc.fstatfs(-1, told))
    figures("host at last", "/host")
    os._exit(0)
sys.path.clear()  # as in the supervisor: a module imported while it serves would fail here
answers.serve(child)
_, status = os.waitpid(child, 0)
print("child ended:", os.waitstatus_to_exitcode(status), flush=True)
"""


def test_the_supervisor_answers_in_the_agent_s_view_with_its_ids_and_errors_as_the_kernel_gives_them(tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "host").mkdir()
    (tmp_path / "host" / "file").write_text("software")
    served = subprocess.Popen([sys.executable, "-c", SERVED, str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert select.select([served.stdout], [], [], 60)[0], "no answer to its first statfs"
        first = served.stdout.readline()
        before = os.statvfs(tmp_path)
        with open(tmp_path / "host" / "written", "wb") as written:  # the host's disk, where the folder is
            written.write(os.urandom(4 * MiB))
            os.fsync(written.fileno())
        moved = os.statvfs(tmp_path)
        out, err = served.communicate("go on\n", timeout=60)
    finally:
        served.kill()
    assert served.returncode == 0, err
    told = dict(line.split(": ", 1) for line in [first.rstrip("\n"), *out.splitlines()])
    assert (before.f_bfree, before.f_ffree) != (moved.f_bfree, moved.f_ffree)  # the machine's figures moved...
    full = told["host"]
    assert told["host again"] == told["host file"] == told["host at last"] == full and read_only_and_full(full)  # ...its not
    own = [int(figure) for figure in told["own"].split()]
    own_after = [int(figure) for figure in told["own after writing"].split()]
    assert own[0] == own_after[0] == 1024 and own[1] - own_after[1] == 256 and own[4] - own_after[4] == 1  # 4 KiB blocks
    assert told["missing"] == "FileNotFoundError" and told["a file's child"] == "NotADirectoryError"
    assert told["too long"] == "OSError" and told["locked"] == "PermissionError"  # ENAMETOOLONG; not for its ids
    assert told["fifo"] == told["own after writing"]
    # `..` and absolute symlinks stop at its root, and a path of the host's names nothing there.
    for up in ("up from its folder", "absolute symlink up", "relative symlink up"):
        assert told[up] == full, told
    assert told["the host's own path"] == "FileNotFoundError"
    for bad in ("at no address", "at a kernel address", "into no address", "into a kernel address"):
        assert told[bad] == "-1 14", told  # EFAULT
    assert told["no such descriptor"] == told["the descriptor -1"] == "-1 9"  # EBADF
    assert told["child ended"] == "0"


WATCHES = """
import ctypes, os
import numpy as np
from arena.agents import Agent

SOFTWARE = open(os.__file__, "rb")  # the software every sandbox reads, on the host's disk


def figures(found):
    return f"{found.f_blocks} {found.f_bfree} {found.f_bavail} {found.f_files} {found.f_ffree}"


class SubmittedAgent(Agent):
    def _initialize(self):
        libc = ctypes.CDLL(None, use_errno=True)
        for own in ("/tmp", "/submission"):
            before = os.statvfs(own).f_bfree
            with open(f"{own}/written", "wb") as written:
                written.write(bytes(1 << 20))
            print(f"{own}: {before - os.statvfs(own).f_bfree} blocks taken")
        own = os.statvfs("/")
        print(f"inodes: {own.f_files} for {own.f_blocks} blocks")
        for what, path in (("missing", "/missing"), ("a file's child", "/submission/agent.py/child"),
                           ("its program", "/proc/1/exe")):
            try:
                os.statvfs(path)
            except OSError as exc:
                print(f"{what}: {type(exc).__name__}")
        told = ctypes.create_string_buffer(120)
        print("at no address:", libc.statfs(ctypes.c_void_p(8), told), ctypes.get_errno())
        print("into no address:", libc.statfs(b"/usr", ctypes.c_void_p(8)), ctypes.get_errno())

    def predict(self, obs):
        print("software:", figures(os.statvfs(os.path.dirname(os.__file__))), "|", figures(os.fstatvfs(SOFTWARE.fileno())))
        return int(np.flatnonzero(obs["action_mask"])[0])
"""


class DiskWriter(RandomAgent):
    """An opponent that writes to the host's disk, `folder`, at each of its moves."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder, self.written = folder, 0

    def predict(self, obs):
        with open(self.folder / f"move-{self.written}", "wb") as move:
            move.write(os.urandom(4 * MiB))
            os.fsync(move.fileno())
        self.written += 1
        return super().predict(obs)


@pytest.mark.skipif(not protections()["filesystem"], reason="needs a mount namespace")
def test_a_sandboxed_agent_sees_the_host_s_disk_stand_still_as_the_machine_writes_and_its_own_tmpfs_fill(
        write_submission, tmp_path):
    software = Path(os.__file__).parent
    on_its_disk = [folder for folder in (tmp_path, Path(__file__).parent) if folder.stat().st_dev == software.stat().st_dev]
    if not on_its_disk or os.statvfs(software).f_flag & os.ST_RDONLY:
        pytest.skip("no writable folder on the disk that holds the software")
    written = on_its_disk[0] / f".statfs-{os.getpid()}"
    written.mkdir()
    agent = SandboxedAgent(load(write_submission("watcher", WATCHES, 'env = "othello"\n')), 5.0,
                           limits=Limits(memory_mb=1024), log_dir=tmp_path / "logs")
    before = os.statvfs(written)
    try:
        result = play_match("othello", [agent, DiskWriter(written)], seed=0, max_steps=10)
        after = os.statvfs(written)
    finally:
        agent.close()
        for move in written.iterdir():
            move.unlink()
        written.rmdir()
    assert result.agents[0].status == Status.OK, result.agents[0].detail
    assert (before.f_bfree, before.f_ffree) != (after.f_bfree, after.f_ffree)  # the disk filled, between its moves
    log = agent.log_path.read_text()
    seen = [line for line in log.splitlines() if line.startswith("software: ")]
    by_path, by_descriptor = seen[0].removeprefix("software: ").split(" | ")
    assert len(seen) == 5 and set(seen) == {seen[0]} and by_path == by_descriptor and read_only_and_full(by_path), log
    assert "/tmp: 256 blocks taken" in log and "/submission: 256 blocks taken" in log, log  # 1 MiB of 4 KiB blocks
    files, blocks = log.split("inodes: ")[1].splitlines()[0].split()[0::2]
    assert files == blocks, log  # one a page, not as many as half the machine's memory in pages
    assert "missing: FileNotFoundError" in log and "a file's child: NotADirectoryError" in log, log
    # A link the supervisor does not follow: it led to the host's file, mapped before the agent's root was made.
    assert "its program: PermissionError" in log, log
    assert "at no address: -1 14" in log and "into no address: -1 14" in log, log  # EFAULT, and answered on
