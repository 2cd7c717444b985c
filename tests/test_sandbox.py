"""Sandboxed agents: every way a submission can fail ends in a recorded status, and the harness is unharmed.

Each folder in tests/hostile/ is a deliberately broken submission; each plays Othello against
RandomAgent in a sandbox and must end with exactly the status and reason listed here, while this
process (the harness) keeps its memory, its files and its life.
"""

import errno
import fcntl
import json
import os
import re
import shutil
import socket
import stat
import struct
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from arena.agents import GreedyOthelloAgent, RandomAgent
from arena.envs import make_raw, seat_view
from arena.envs.seat import seat_seed
from arena.errors import HarnessError
from arena.faults import Status
from arena.handle import LocalAgent
from arena.match import play_match
from arena.sandbox import Limits, SandboxedAgent, cgroups, confine, missing_isolation, protections, sysinfo
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
    "downloads_weights": (CRASH, "(a sandboxed agent has no network: put the file it downloads in the submission, "
                                 "or name it in arena.toml with weights, weights_url and weights_sha256"),
    "predict_raises": (CRASH, "predict() failed: ZeroDivisionError: integer division or modulo by zero (agent.py line 14)"),
    "wrong_type": (ILLEGAL, "returned 'd3' (str); predict() must return an int in 0..64"),
    "unsendable": (ILLEGAL, "returned an action that cannot be sent: object values cannot be sent"),
    # Shown by its dtype and shape, not by the millions of zeros numpy would print.
    "slow_to_show": (ILLEGAL, "returned uint8 array of shape (2, 2, 2, 2,"),
    "slow_to_report": (CRASH, "predict() failed: uint8 array of shape (2, 2, 2, 2,"),
    "illegal_move": (ILLEGAL, "played a1 (0), which is not legal here"),
    "exits": (CRASH, "predict(): the agent's process exited with code 3"),
    "works_then_exits": (CRASH, "predict(): the agent's process exited with code 3"),  # see test_fair_clocks
    "segfault": (CRASH, "predict(): the agent's process was killed: Segmentation fault"),
    "infinite_loop": (TIMEOUT, "the limit is 0.5 s a move, with no bank"),
    "sleeper": (TIMEOUT, "the limit is 0.5 s a move, with no bank"),
    "slow_start": (TIMEOUT, "the limit is 3 s"),
    "memory_hog": (CRASH, "predict(): the agent's processes went over their memory limit (1024 MiB in all)"),
    "fork_bomb": (CRASH, "predict() failed: BlockingIOError: [Errno 11] Resource temporarily unavailable"),
    "huge_action": (CRASH, "predict(): the agent's process broke the protocol (a message of 67108878 bytes is over the 8388608-byte limit"),
    # Invisible from its PID namespace (ProcessLookupError), or refused by Landlock (PermissionError).
    "kills_harness": (CRASH, "predict() failed: "),
    # No IP socket (the seccomp filter, written for x86-64), or none that leaves its namespace (Landlock).
    "phones_home": (CRASH, "predict() failed: " + ("OSError: [Errno 97] Address family not supported by protocol"
                                                   if os.uname().machine == "x86_64"
                                                   else "PermissionError: [Errno 13] Permission denied")),
    "chatterbox": (OK, ""),
    "writes_outside": (OK, ""),
    "leaves_daemon": (OK, ""),
    "works_off_turn": (OK, ""),  # see test_fair_clocks: it only counts, and only on its own time
    # The attacks below are refused, and the agent plays on: what matters is that nothing happened.
    "tampers_host_files": (OK, ""),
    "reads_secrets": (OK, ""),
    "sends_datagrams": (OK, ""),
    "memory_by_forks": (OK, ""),
    "opens_files": (OK, ""),
    "fills_disk": (OK, ""),
    "cpu_hog": (OK, ""),
    "escalates": (OK, ""),
    "watches_host": (OK, ""),
    "signals_partner": (OK, ""),  # see test_no_sign_passes_between_sandboxes_through_the_files_they_share
    "reads_launcher_memory": (OK, ""),  # see test_no_sandbox_finds_what_the_others_were_told_of_their_entrants
    "sizes_host_memory": (OK, ""),
    "counts_sessions": (OK, ""),
    "reads_other_disks": (OK, ""),
    "counts_sockets": (OK, ""),
    "flushes_host_disk": (OK, ""),
    "syncs_by_quota": (OK, ""),
    "watches_free_space": (OK, ""),
    "maps_host_disk": (OK, ""),
    "merges_pages": (OK, ""),
    "reads_kernel_log": (OK, ""),
    "counts_namespaces": (OK, ""),
    "counts_eventfds": (OK, ""),
}
ISOLATED = PROTECTIONS["filesystem"] and PROTECTIONS["network"] and PROTECTIONS["processes"]
NEEDS = {  # cases whose confinement this machine might not offer
    "kills_harness": (LANDLOCK >= 6 or PROTECTIONS["processes"],
                      "needs a PID namespace, or signal scoping from Landlock ABI 6 (Linux 6.12)"),
    "phones_home": (LANDLOCK >= 4 or PROTECTIONS["network"], "needs a network namespace or Landlock ABI 4 (Linux 6.7)"),
    "downloads_weights": (PROTECTIONS["network"], "needs a network namespace (Landlock refuses connections, not "
                                                  "lookups)"),
    "writes_outside": (LANDLOCK >= 1 or PROTECTIONS["filesystem"], "needs a mount namespace or Landlock (Linux 5.13)"),
    "fork_bomb": (PROTECTIONS["cgroups"] or os.getuid() != 0, "no process limit applies to root without a pids cgroup"),
    **{case: (ISOLATED, "needs namespaces: " + " ".join(missing_isolation()))
       for case in ("tampers_host_files", "reads_secrets", "sends_datagrams", "fills_disk", "escalates", "watches_host")},
    "signals_partner": (os.uname().machine == "x86_64", "the seccomp filter is written for x86-64"),
    **{case: (ISOLATED and os.uname().machine == "x86_64",
              "needs namespaces, whose worker installs the seccomp filter (written for x86-64)")
       for case in ("counts_sessions", "reads_other_disks", "counts_sockets", "flushes_host_disk", "syncs_by_quota",
                    "maps_host_disk", "merges_pages", "reads_kernel_log", "counts_namespaces",
                    "counts_eventfds")},
    # Device nodes of its own are made by a root harness; one in a user namespace binds the host's.
    "sizes_host_memory": (ISOLATED and os.geteuid() == 0, "needs namespaces and a harness run as root"),
    # Its supervisor answers statfs where it may write into the agent's memory, under the filter written for x86-64.
    "watches_free_space": (ISOLATED and sysinfo.answered_here() and confine.filters_system_calls(),
                           "needs namespaces, a harness run as root and the seccomp filter (written for x86-64)"),
    **{case: (PROTECTIONS["cgroups"], "needs cgroups: " + " ".join(missing_isolation()))
       for case in ("memory_by_forks", "cpu_hog", "memory_hog")},
}
# Clocks far above what a well-behaved start or move needs, even on a busy machine: each case must
# end on the limit it tests (or play on), never time out first. Only the cases about time get short
# clocks, which they exceed whatever the machine's speed (they sleep or spin without end).
LIMITS = Limits(startup_seconds=60.0, memory_mb=1024, max_processes=64, max_open_files=256, log_kb=64)
TIME_PER_MOVE = {"infinite_loop": 0.5, "sleeper": 0.5, "memory_hog": 30.0}
DEFAULT_TIME_PER_MOVE = 5.0
CASE_LIMITS = {"slow_start": replace(LIMITS, startup_seconds=3.0), "fills_disk": replace(LIMITS, disk_mb=32)}
SECRET = "the harness's secret"


def test_there_are_at_least_twelve_hostile_submissions_and_each_has_an_expectation():
    assert sorted(p.name for p in HOSTILE.iterdir() if p.is_dir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 12


def resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def disk_flushes() -> int | None:
    """The cache flushes the machine's disks have done (/sys/block/*/stat, Linux 5.5+), None where not told."""
    counts = [line.split() for line in map(Path.read_text, Path("/sys/block").glob("*/stat"))]
    return sum(int(fields[15]) for fields in counts) if counts and all(len(fields) >= 17 for fields in counts) else None


def tree_state(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class HostTargets:
    """What a hostile agent aims at on the host, set up before its match and checked after."""

    def __init__(self, tmp_path: Path, source: Path):
        self.tmp_path = tmp_path
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0)
        self.udp4 = _udp_socket(socket.AF_INET, "127.0.0.1")
        self.udp6 = _udp_socket(socket.AF_INET6, "::1")
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.unix.bind(str(tmp_path / "harness.sock"))
        self.unix.setblocking(False)
        self.abstract_name = f"arena-test-{os.getpid()}-{tmp_path.name}"
        self.abstract = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.abstract.bind("\0" + self.abstract_name)
        self.abstract.setblocking(False)
        self.target = tmp_path / "results.sqlite"
        self.target.write_text("a file of the organiser")
        os.chmod(self.target, 0o644)
        self.secret = tmp_path / "secret.txt"
        self.secret.write_text(SECRET)
        os.chmod(self.secret, 0o600)
        self.marker = f"{3000 + os.getpid() % 1000}.{os.getpid()}"
        for name, text in {"port.txt": self.listener.getsockname()[1], "harness.txt": os.getpid(),
                           "target.txt": self.target, "secret_path.txt": self.secret, "marker.txt": self.marker,
                           "ports.txt": f"{self.udp4.getsockname()[1]} {self.udp6.getsockname()[1]} "
                                        f"{tmp_path / 'harness.sock'} {self.abstract_name}"}.items():
            (source / name).write_text(str(text))
        self.target_state = self.target.stat()

    def assert_untouched(self) -> None:
        assert not (self.tmp_path / "escaped.txt").exists() and not Path("/tmp/arena-escaped.txt").exists()
        with pytest.raises(BlockingIOError):
            self.listener.accept()
        for receiver in (self.udp4, self.udp6, self.unix, self.abstract):
            with pytest.raises(BlockingIOError):
                receiver.recv(100)
        now = self.target.stat()
        assert (now.st_mode, now.st_mtime_ns, now.st_uid) == (self.target_state.st_mode, self.target_state.st_mtime_ns,
                                                              self.target_state.st_uid)
        assert not _processes_with_args(["sleep", self.marker])

    def close(self) -> None:
        for sock in (self.listener, self.udp4, self.udp6, self.unix, self.abstract):
            sock.close()


def _udp_socket(family: int, host: str) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.setblocking(False)
    return sock


def _processes_with_args(args: list[str]) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "cmdline").read_bytes().split(b"\0")[:-1] == [a.encode() for a in args]:
                found.append(int(proc.name))
        except OSError:
            pass
    return found


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_hostile_submission_ends_with_its_status_and_harms_nothing(case, tmp_path, monkeypatch):
    supported, reason = NEEDS.get(case, (True, ""))
    if not supported:
        pytest.skip(reason)
    monkeypatch.chdir(tmp_path)  # the harness's working directory, a target for escapes
    source = tmp_path / "source" / case
    shutil.copytree(HOSTILE / case, source)
    targets = HostTargets(tmp_path, source)
    before = tree_state(source)
    memory_before = resident_mb()
    flushes_before = disk_flushes()

    limits = CASE_LIMITS.get(case, LIMITS)
    agent = SandboxedAgent(load(source), TIME_PER_MOVE.get(case, DEFAULT_TIME_PER_MOVE), limits=limits,
                           log_dir=tmp_path / "logs")
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
    if case in ("flushes_host_disk", "syncs_by_quota") and flushes_before is not None:
        # Its 1,200 syncs of files it may only read, or 600 quota syncs, flush no disk (others on the machine may,
        # a few times).
        assert disk_flushes() - flushes_before < 300
    assert tree_state(source) == before
    targets.assert_untouched()
    targets.close()
    log = agent.log_path.read_text() if agent.output_file is not None else ""  # none if it printed nothing
    CHECKS.get(case, lambda log, mine: None)(log, mine)


def _check_writes_outside(log: str, _) -> None:
    # Its folder's parent is not its own, the harness is not in sight, and its /tmp is its own.
    assert "escaped.txt: PermissionError" in log and "/tmp/arena-escaped.txt: written" in log
    assert re.search(r"/proc/\d+/cwd/escaped.txt: FileNotFoundError", log)


def _check_tampering(log: str, _) -> None:
    assert log.count(": done") == 0 and log.count("FileNotFoundError") == 8, log
    assert log.count("touch descriptor") == 3, log
    # Masked /proc files are read-only files of the sandbox's own (EROFS), not the host's /dev/null.
    assert "touch /proc/cmdline: OSError" in log and "touch /proc/sys/fs/file-nr: OSError" in log, log


def _check_secrets(log: str, _) -> None:
    assert SECRET not in log and "root:" not in log, log
    assert "/etc/shadow: FileNotFoundError" in log and "uid 0" not in log
    for host_only in ("/proc/cmdline", "/proc/sys/kernel/random/boot_id"):
        assert f"{host_only}: read b''" in log, log  # masked: it reads as empty
    visible = log.split("visible at /: ")[1].splitlines()[0]
    assert all(f"'{host_only}'" not in visible for host_only in ("root", "home", "work", "var", "srv")), visible


def test_every_cpus_clock_speed_reads_as_the_first_ones_stood_and_the_rest_of_cpuinfo_as_it_is():
    from arena.sandbox.isolate import still_cpuinfo

    text = ("processor\t: 0\ncpu MHz\t\t: 2600.000\nflags\t\t: fpu sse avx2\n\n"
            "processor\t: 1\ncpu MHz\t\t: 3401.250\nflags\t\t: fpu sse avx2\n")
    assert still_cpuinfo(text) == text.replace("3401.250", "2600.000")
    assert still_cpuinfo("processor\t: 0\nBogoMIPS\t: 50.00\n") == "processor\t: 0\nBogoMIPS\t: 50.00\n"  # no speeds


def _check_host_watch(log: str, _) -> None:
    # Still counters, no pressure or idle statistics, its own memory limit as the machine's memory, and
    # its submission at one place whatever the harness's process and folders.
    assert "/proc/stat: read ['cpu  0 0 0 0 0 0 0 0 0 0']" in log and "/proc/loadavg: read ['0.00 0.00 0.00 1/1 1']" in log
    assert "/proc/uptime: read ['0.00 0.00']" in log, log
    if Path("/proc/self/timens_offsets").exists():  # a kernel with time namespaces: its clocks start with it
        clocks = re.search(r"clocks: monotonic ([\d.]+) s, boot ([\d.]+) s", log)
        host_up = time.clock_gettime(time.CLOCK_BOOTTIME)
        assert clocks and max(map(float, clocks.groups())) < min(60.0, host_up / 2), (log, host_up)
    for masked in ("/proc/schedstat", "/proc/vmstat", "/proc/interrupts", "/proc/sys/fs/file-nr",
                   "/proc/sys/fs/inode-state", "/proc/cgroups", "/proc/misc", "/proc/consoles", "/proc/swaps",
                   "/proc/sys/kernel/pty/nr", "/proc/modules"):
        assert f"{masked}: read []" in log or f"{masked}: FileNotFoundError" in log, log  # where the kernel has it
    for folder in ("/proc/pressure", "/proc/fs", "/proc/sys/fs/quota", "/sys/devices/system/cpu/cpu0/cpuidle",
                   "/sys/devices/system/cpu/cpu0/acpi_cppc", "/sys/devices/system/cpu/cpu0/thermal_throttle",
                   "/sys/devices/system/cpu/cpuidle"):
        assert f"{folder}: holds []" in log or f"{folder}: FileNotFoundError" in log, log
    assert f"memory available (kB): {LIMITS.memory_mb << 10} of {LIMITS.memory_mb << 10}" in log, log
    speeds = sorted({line.split(":")[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("cpu MHz")})
    assert f"cpuinfo: a still copy {speeds[:1]!r}" in log, log  # every CPU's speed as the first one's stood
    if sysinfo.answered_here() and confine.filters_system_calls():  # else the call runs as without a sandbox
        memory = LIMITS.memory_mb << 20
        assert "sysinfo at no address: refused 14" in log, log  # EFAULT, as the kernel answers; then answered again
        assert f"sysinfo: up 0 s, load [0, 0, 0], 1 threads, {memory} bytes, {memory} free" in log, log
        assert f"memory of a program it starts: {memory}" in log, log
    assert "folder: /submission /submission /submission /submission/agent.py" in log, log  # the same in every run


def _check_device_sizes(log: str, _) -> None:
    # Its devices are nodes of its own, on a file system of its own: none is on the host's devtmpfs, whose size
    # (half the machine's memory) its statfs and the mount table would tell.
    host = os.statvfs("/dev/null")
    assert "devices usable" in log and "devtmpfs" not in log, log
    assert log.count("statfs /dev/") == 5 and "statfs descriptor 0" in log, log
    assert f": {host.f_blocks} blocks of {host.f_frsize} bytes" not in log, log


def _check_sessions(log: str, _) -> None:
    # setsid says it is done, and makes no session: the machine's count of them neither moves nor shows.
    if "no autogroups on this kernel" not in log:
        assert "in new sessions: setsid done" in log and "other autogroups seen: 0" in log, log


def _check_other_disks(log: str, _) -> None:
    # Refused as by a kernel without ustat: no file system's free space by its number, not even its own.
    for asked in ("ustat of its own root", "ustat of the host's disk"):
        assert f"{asked}: refused ({errno.ENOSYS})" in log, log
    assert "other in-memory file systems answering: 0" in log, log


def _check_free_space(log: str, _) -> None:
    # The host's disk, which its printing and the machine's other work fill, shows nothing free and never moves; its
    # own tmpfs shows what it may write.
    assert re.search(r"software's disk: [1-9]\d* blocks, 0 free, 0 available, [1-9]\d* inodes, 0 free", log), log
    assert int(log.split("its own tmpfs: ")[1].split()[0]) > 0, log
    moves = [line for line in log.splitlines() if line.startswith("free space moved: ")]
    assert len(moves) > 10 and set(moves) == {"free space moved: never"}, log


def _check_disk_map(log: str, _) -> None:
    # Refused as by a file system without them: no map, free space or placement of the host's disk, nor its name.
    asked = ("disk map", "extent map", "extent cache", "file state", "disk id", "disk name", "xfs free counts",
             "btrfs space")
    assert all(f"{what}: refused ({errno.ENOTTY})" in log for what in asked) and "answered" not in log, log


def _check_page_merges(log: str, _) -> None:
    # Refused as by a kernel without KSM: none of its pages is ever another process's.
    for asked in ("merge advice", "merge everything"):
        assert f"{asked}: refused ({errno.EINVAL})" in log, log
    shared = [line for line in log.splitlines() if line.startswith("KiB shared with another process: ")]
    assert shared and set(shared) == {"KiB shared with another process: 0"}, log


def _check_kernel_log(log: str, _) -> None:
    # Refused as by a kernel without it, whatever the host lets others read.
    for asked in ("size of the kernel's log", "kernel's log"):
        assert f"{asked}: refused ({errno.ENOSYS})" in log, log
    assert "its sign in the log: False" in log, log


def _check_namespace_ids(log: str, _) -> None:
    # Refused as by a kernel without them: no number of the machine's count of namespaces reaches it.
    assert log.count(f": refused ({errno.ENOTTY})") == 7 and re.search(r": \d", log) is None, log


def _check_eventfd_ids(log: str, _) -> None:
    # Refused as by a kernel without eventfds: no id of the machine's reaches it, and it holds none to move them.
    assert f"eventfd id: refused ({errno.ENOSYS})" in log and f"eventfds held: refused {errno.ENOSYS}" in log, log
    assert f"eventfd id while holding 0 more: refused ({errno.ENOSYS})" in log, log


def _check_socket_cookies(log: str, _) -> None:
    # Refused as by a kernel without the option: no number of the machine's count of cookies reaches it.
    assert f"socket cookie: refused ({errno.ENOPROTOOPT})" in log and "cookies told: 0 " in log, log


def _check_syncs(log: str, _) -> None:
    assert "refused" not in log and log.count(" ms for 600 calls") == 3, log  # done, as a file system in memory does


def _check_quota_syncs(log: str, _) -> None:
    # Answered as by a kernel without quotas.
    for what in ("quota sync", "quota sync of a file system"):
        assert f"{what}: refused ({errno.ENOSYS})" in log and f"{what}: done" not in log, log


def _check_network(log: str, _) -> None:
    assert ": sent" not in log, log
    assert "own tcp pair: " in log and "loopback up: " in log, log
    if os.uname().machine == "x86_64":  # where the seccomp filter refuses every family but UNIX
        for attempt in ("udp4", "udp6", "tcp4", "own tcp pair", "loopback up"):
            assert f"{attempt}: OSError (97)" in log, log
        assert ": opened" not in log and "vsock socket: refused (97)" in log, log
        assert "routing netlink socket: refused (97)" in log and "uevent netlink socket: refused (97)" in log, log
        assert "network interfaces: refused (97)" in log, log
    else:
        assert "loopback up: PermissionError" in log, log  # lo stays down
        assert "network interfaces in sight: [(1, 'lo')]" in log  # an empty network namespace


def _check_memory_total(log: str, _) -> None:
    held = int(log.split("children that held 256 MiB: ")[1].split()[0])
    assert held <= 1024 // 256, log  # the limit is 1024 MiB for all of them together


def _check_open_files(log: str, _) -> None:
    held = [int(count) for count in log.split("files each child held: ")[1].split(" ended by")[0].split()]
    assert len(held) == 4 and max(held) < LIMITS.max_open_files, log
    assert "ended by: OSError 24" in log, log  # EMFILE: its own limit, not the host's table (ENFILE, 23)


def _check_disk(log: str, _) -> None:
    assert int(log.split("written MiB: ")[1].split()[0]) <= 32, log
    assert "./: " not in log and "OSError 28" in log  # ENOSPC: the tmpfs is full


def _check_cpu(log: str, _) -> None:
    assert float(log.split("cores used: ")[1].split()[0]) <= 1.2, log  # the limit is one core


def _check_escalation(log: str, _) -> None:
    assert ": done" not in log, log
    assert "processes it can see: [1]" in log
    for program in ("socket filter", "seccomp filter", "seccomp call"):
        assert f"{program}: " in log, log  # tried, and refused
    for call in ("statmount", "listmount", "process_madvise", "core limit"):  # refused, not the kernel's own answer
        assert f"{call}: {os.strerror(1)}" in log, log
    assert f"pidfd_open: {os.strerror(38)}" in log and f"huge pages: {os.strerror(12)}" in log, log


def _check_kills_harness(_, mine) -> None:
    assert "ProcessLookupError" in mine.detail or "PermissionError" in mine.detail


def _check_chatter(log: str, _) -> None:
    assert len(log) <= (64 << 10) + 200 and "more bytes of output were dropped" in log


def _check_launcher_memory(log: str, _) -> None:
    assert "entrants found in memory: []" in log, log


def _check_signals(log: str, _) -> None:
    for done in ("flock", "fcntl lock", "evict"):  # said done, did nothing
        assert f"{done}: done" in log, log
    assert "aio-nr: masked" in log, log
    for refused in ("cached?: refused (95)", "lease: refused (1)", "inotify: refused (1)", "process_vm_readv: refused (1)",
                    "aio: refused (38)", "direct open: refused (22)", "direct flag: refused (22)", "dumpable: refused (1)",
                    "pagemap: refused (13)", "populate: refused (22)", "dontcache: refused (95)",
                    "timerfd: refused (38)", "signalfd: refused (38)", "message queue: refused (38)",
                    "semaphores: refused (38)"):
        assert refused in log, log
    timers = int(log.split("posix timers: ")[1].split()[0])
    assert 0 < timers <= confine.PENDING_SIGNALS, log


CHECKS = {"writes_outside": _check_writes_outside, "tampers_host_files": _check_tampering,
          "reads_secrets": _check_secrets, "sends_datagrams": _check_network, "memory_by_forks": _check_memory_total,
          "opens_files": _check_open_files, "fills_disk": _check_disk, "cpu_hog": _check_cpu, "escalates": _check_escalation,
          "kills_harness": _check_kills_harness, "chatterbox": _check_chatter,
          "watches_host": _check_host_watch, "signals_partner": _check_signals,
          "reads_launcher_memory": _check_launcher_memory, "sizes_host_memory": _check_device_sizes,
          "counts_sessions": _check_sessions, "reads_other_disks": _check_other_disks,
          "counts_sockets": _check_socket_cookies, "flushes_host_disk": _check_syncs,
          "syncs_by_quota": _check_quota_syncs, "watches_free_space": _check_free_space,
          "maps_host_disk": _check_disk_map, "merges_pages": _check_page_merges,
          "reads_kernel_log": _check_kernel_log, "counts_namespaces": _check_namespace_ids,
          "counts_eventfds": _check_eventfd_ids}


LEAVES_A_SOCKET_CYCLE = """
import array
import os
import socket

from arena.agents import RandomAgent


class SubmittedAgent(RandomAgent):
    def _initialize(self):
        super()._initialize()
        # 512 MiB of memfds sent, with both ends of the pair, into the pair's own queues, then every descriptor
        # closed: only the kernel's collector of UNIX sockets frees them, and only once a UNIX socket is released.
        files = []
        for _ in range(4):
            files.append(os.memfd_create("ballast"))
            os.posix_fallocate(files[-1], 0, 128 << 20)
        a, b = socket.socketpair()
        a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [*files, a.fileno(), b.fileno()]))])
        for fd in files:
            os.close(fd)
        a.close()  # held by its own queue now, and b by it: no socket is released
        b.close()
"""


def shared_memory_mb() -> int:
    return next(int(line.split()[1]) >> 10 for line in open("/proc/meminfo") if line.startswith("Shmem:"))


@pytest.mark.skipif(not PROTECTIONS["cgroups"], reason="needs cgroups: " + " ".join(missing_isolation()))
def test_files_an_agent_left_in_a_cycle_of_unix_sockets_are_freed_once_its_sandbox_is_closed(write_submission):
    agent = SandboxedAgent(load(write_submission("cycle", LEAVES_A_SOCKET_CYCLE, 'env = "othello"')), 5.0,
                           limits=LIMITS)
    try:
        play_match("othello", [agent, RandomAgent()], seed=0, max_steps=4)
        held = shared_memory_mb()
    finally:
        agent.close()
    deadline = time.monotonic() + 30  # the collector and the frees it leaves to the kernel's threads, on a busy machine
    while shared_memory_mb() > held - 400 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert shared_memory_mb() <= held - 400, (held, shared_memory_mb())


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the seccomp filter is written for x86-64")
def test_no_sign_passes_between_sandboxes_through_the_files_they_share(tmp_path):
    agent = SandboxedAgent(load(HOSTILE / "signals_partner"), 1.0, limits=LIMITS, log_dir=tmp_path)
    try:
        result = play_match("othello", [agent, RandomAgent()], seed=0)
        # Its processes live on, frozen, holding the file it locked: another process sees no lock.
        with open(os.__file__, "rb") as shared:
            fcntl.flock(shared, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if its lock held
            write_lock = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
            assert struct.unpack("hhqqi", fcntl.fcntl(shared, fcntl.F_GETLK, write_lock))[0] == fcntl.F_UNLCK
    finally:
        agent.close()
    assert result.agents[0].status == OK, result.agents[0].detail


def test_no_sandbox_finds_what_the_others_were_told_of_their_entrants(submissions, tmp_path):
    # Each sandbox is forked by the same launcher, which was handed every other sandbox's configuration.
    others = []
    for index in range(8):
        name = f"leakcheck-{index:016x}"
        shutil.copytree(submissions / "random", tmp_path / name)
        (tmp_path / name / "arena.toml").write_text(f'name = "{name}"\n')
        others.append(SandboxedAgent(load(tmp_path / name), 1.0, log_dir=tmp_path))
    reader = SandboxedAgent(load(HOSTILE / "reads_launcher_memory"), 1.0, limits=LIMITS, log_dir=tmp_path)
    try:
        for other in others:
            play_match("othello", [other, RandomAgent()], seed=0, max_steps=2)
        result = play_match("othello", [reader, RandomAgent()], seed=0, max_steps=2)
    finally:
        for handle in [*others, reader]:
            handle.close()
    assert result.agents[0].status == OK, result.agents[0].detail
    _check_launcher_memory(reader.log_path.read_text(), None)


@pytest.mark.skipif(os.getuid() != 0 or not ISOLATED, reason="sandboxes have ids of their own when arena runs as root")
def test_no_two_sandboxes_open_at_once_share_an_identity_even_across_harness_processes(tmp_path):
    from arena.sandbox import isolate

    code = "import os\nfrom arena.agents import RandomAgent\nprint('uid', os.getuid(), flush=True)\n\n\nclass SubmittedAgent(RandomAgent):\n    pass\n"
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "agent.py").write_text(code)
    agents = [SandboxedAgent(load(tmp_path / "sub"), 1.0, log_dir=tmp_path / "logs") for _ in range(3)]
    try:
        for agent in agents:
            play_match("othello", [agent, RandomAgent()], seed=0, max_steps=1)
        agents[1].close()  # its slot goes to the next sandbox opened
        agents.append(SandboxedAgent(load(tmp_path / "sub"), 1.0, log_dir=tmp_path / "logs"))
        play_match("othello", [agents[3], RandomAgent()], seed=0, max_steps=1)
    finally:
        for agent in agents:
            agent.close()
    uids = [int(agent.log_path.read_text().split()[1]) for agent in agents]
    # Ids of this process's own, one for each sandbox open at once; a closed sandbox's go to the next.
    own = {isolate.sandbox_identity(os.getpid(), slot).uid for slot in range(isolate.SLOTS_PER_PROCESS)}
    assert len(set(uids[:3])) == 3 and uids[3] == uids[1] and set(uids) <= own, uids
    # Nor do they tell an agent the harness's pid (how many processes the machine has started).
    assert {(uid - isolate.SANDBOX_UID_BASE) // isolate.SLOTS_PER_PROCESS for uid in uids} != {os.getpid()}


def test_sandbox_ids_are_a_shuffle_of_every_process_and_slot_that_hides_both():
    from arena.sandbox import isolate

    # The ids of one process's slots are never another process's, up to the largest pid, and none is (uid_t)-1.
    pids = [1, 2, 7, 8, 4095, 4096, 65_535, (1 << 22) - 1]
    ids = [isolate.sandbox_identity(pid, slot).uid for pid in pids for slot in range(isolate.SLOTS_PER_PROCESS)]
    assert len(set(ids)) == len(ids)
    assert all(isolate.SANDBOX_UID_BASE <= uid < isolate.SANDBOX_UID_BASE + isolate.SANDBOX_IDS < 2 ** 32 - 1
               for uid in ids)
    # A permutation of the whole range: on a small stretch of it, taken in full, every index lands once.
    stretch = range(isolate.SANDBOX_IDS - 5000, isolate.SANDBOX_IDS)
    assert all(0 <= isolate._shuffled(index, b"k") < isolate.SANDBOX_IDS for index in stretch)
    assert len({isolate._shuffled(index, b"k") for index in stretch}) == len(stretch)
    # Neighbouring pids give ids in no order, and another boot's key gives others.
    rising = sum(isolate.sandbox_identity(pid, 0).uid < isolate.sandbox_identity(pid + 1, 0).uid
                 for pid in range(1000, 2000))
    assert 400 < rising < 600
    assert isolate._shuffled(12345, b"one boot") != isolate._shuffled(12345, b"another")


def test_harnesses_of_the_same_pid_in_two_pid_namespaces_give_their_sandboxes_other_ids(monkeypatch):
    # Two containers sharing the host's users, each harness pid 2: their sandboxes ran as one uid, and one held
    # the per-user pipe pages, timers and in-flight descriptors the other's honest agent then lacked.
    from arena.sandbox import isolate

    def ids_in(namespace: int) -> list[int]:
        monkeypatch.setattr(isolate, "pid_namespace", lambda: namespace)
        isolate._shuffle_key.cache_clear()
        return [isolate.sandbox_identity(2, slot).uid for slot in range(8)]

    try:
        here, there = ids_in(4026531836), ids_in(4026532999)
    finally:
        monkeypatch.undo()
        isolate._shuffle_key.cache_clear()
    assert not set(here) & set(there) and len(set(here)) == 8


# Sends a function of its own to a spawned Python and pickles an object of its own helper's class,
# as torch.save does: both name the submission's modules, which must be found again.
PICKLES_ITS_OWN = """
import multiprocessing
import pickle

import numpy as np

from arena.agents import Agent
from helpers import Tally


def square(x):
    return x * x


class SubmittedAgent(Agent):
    def _initialize(self):
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            squares = pool.map(square, [1, 2, 3])
        tally = pickle.loads(pickle.dumps(Tally(3)))
        print("squares", squares, "tally", tally.count, flush=True)

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
"""


def test_a_sandboxed_submission_s_modules_keep_their_names_for_pickles_and_spawned_processes(write_submission, tmp_path):
    folder = write_submission("pickles", PICKLES_ITS_OWN, **{"helpers.py": "class Tally:\n    def __init__(self, count):\n"
                                                                        "        self.count = count\n"})
    agent = SandboxedAgent(load(folder), 1.0, limits=LIMITS, log_dir=tmp_path / "logs")
    try:
        result = play_match("othello", [agent, RandomAgent()], seed=0, max_steps=2)
    finally:
        agent.close()
    assert result.agents[0].status == OK, result.agents[0].detail
    assert "squares [1, 4, 9] tally 3" in agent.log_path.read_text()


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


def test_an_agent_holds_no_end_of_the_pipe_its_supervisor_tells_the_harness_on(write_submission, tmp_path):
    """Were it to hold the write end, the pipe would not end when its supervisor stops telling (no listener):
    the harness would go on trusting what it read of the agent once."""
    code = """
import os
from arena.agents import Agent

class SubmittedAgent(Agent):
    def predict(self, obs):
        for fd in sorted(int(name) for name in os.listdir("/proc/self/fd")):
            try:
                print("fd", fd, os.readlink(f"/proc/self/fd/{fd}"), flush=True)
            except OSError:
                pass
        return int(obs["action_mask"].nonzero()[0][0])
"""
    agent = SandboxedAgent(load(write_submission("lists_fds", code)), time_per_move=5.0, log_dir=tmp_path)
    env = make_raw("othello")
    env.reset(seed=0)
    try:
        agent.start(seat_view(env, "player_0", 0))
        agent.act(env.observe("player_0"))
        told_on = f"pipe:[{os.fstat(agent._changes).st_ino}]"
        calls = f"pipe:[{os.fstat(agent._channel.write_fd).st_ino}]"
    finally:
        agent.close()
    held = dict(line.split()[1:] for line in agent.log_path.read_text().splitlines() if line.startswith("fd "))
    assert held.get("3") == calls, held  # the harness's calls, where the launcher put them
    assert told_on not in held.values(), held


def test_a_sandboxed_agent_reads_the_live_match_through_its_env(write_submission, tmp_path):
    code = """
import fcntl
import json
from arena.envs.fighting import Agent

class SubmittedAgent(Agent):
    def predict(self, obs):
        env = self.env
        player, opponent = env.objects["player"], env.objects["opponent"]
        print(json.dumps({"steps": env.steps, "player": list(player.body.position),
                          "opponent": list(opponent.body.position), "damage": opponent.damage,
                          "weapons": env.get_spawner_info()}), flush=True)
        x = self.obs_helper.get_section(obs, "player_pos")[0]
        toward = "d" if self.obs_helper.get_section(obs, "opponent_pos")[0] > x else "a"
        return self.act_helper.press_keys([toward, "j"])
"""
    sandboxed = SandboxedAgent(load(write_submission("reader", code, 'env = "fighting"')), time_per_move=1.0,
                               log_dir=tmp_path)
    live = []

    def record(env) -> None:
        game = env.unwrapped
        live.append({"steps": game.steps, "player": list(game.players[0].body.position),
                     "opponent": list(game.players[1].body.position), "damage": game.players[1].damage,
                     "weapons": game.get_spawner_info()})

    try:
        result = play_match("fighting", [sandboxed, RandomAgent()], seed=5, max_steps=450, on_step=record)
    finally:
        sandboxed.close()
    assert result.agents[0].status == OK
    seen = [json.loads(line) for line in sandboxed.log_path.read_text().splitlines() if line.startswith("{")]
    assert len(seen) == len(live) - 1 == result.steps > 300 and [s["steps"] for s in seen] == list(range(len(seen)))
    for read, truth in zip(seen, live):  # what predict() read on each frame is the live match's
        for fighter in ("player", "opponent"):
            x, y = truth[fighter]
            if abs(x) < 14 and abs(y) < 6.5:  # far off stage, the observation clamps positions
                assert read[fighter] == pytest.approx(truth[fighter], abs=1e-4)
        assert read["damage"] == pytest.approx(truth["damage"], abs=1e-3)
        assert [name for name, _ in read["weapons"]] == [name for name, _ in truth["weapons"]]
        assert [c for _, xy in read["weapons"] for c in xy] == pytest.approx(
            [c for _, xy in truth["weapons"] for c in xy], abs=1e-4)
    assert any(s["weapons"] for s in seen) and len({tuple(s["player"]) for s in seen}) > 50


def test_a_submissions_own_files_may_be_larger_than_what_its_agent_may_write(write_submission):
    """Weights bigger than the cap on a file the agent writes are copied in whole; writing is still capped."""
    code = """
import numpy as np
from arena.agents import Agent

class SubmittedAgent(Agent):
    def _initialize(self):
        with open("weights.bin", "rb") as weights:
            self.weights = len(weights.read())
        try:
            with open("copy.bin", "wb") as copy:
                copy.write(bytes(self.weights))
            self.wrote = "all"
        except OSError as exc:
            self.wrote = exc.errno

    def predict(self, obs):
        assert (self.weights, self.wrote) == (3 << 20, 27), (self.weights, self.wrote)  # EFBIG
        return int(np.flatnonzero(obs["action_mask"])[0])
"""
    folder = write_submission("heavy", code)
    (folder / "weights.bin").write_bytes(bytes(3 << 20))
    agent = SandboxedAgent(load(folder), time_per_move=1.0, limits=replace(LIMITS, max_file_mb=1))
    try:
        result = play_match("othello", [agent, RandomAgent()], seed=0)
    finally:
        agent.close()
    assert result.agents[0].status == OK, result.agents[0].detail


def test_a_submission_of_many_small_files_fits_its_sandbox_under_a_small_disk_limit(write_submission):
    """Each file takes whole pages of the sandbox's disk, in memory: 3,000 files of a byte are 12 MiB there."""
    folder = write_submission("many_files", "import numpy as np\nfrom arena.agents import Agent\n" + FIRST_LEGAL_MOVE)
    (folder / "data").mkdir()
    for index in range(3000):
        (folder / "data" / f"{index}.txt").write_text("x")
    agent = SandboxedAgent(load(folder), time_per_move=1.0, limits=replace(LIMITS, disk_mb=2))
    try:
        result = play_match("othello", [agent, RandomAgent()], seed=0, max_steps=4)
    finally:
        agent.close()
    assert result.agents[0].status == OK, result.agents[0].detail


@pytest.mark.skipif(not (PROTECTIONS["filesystem"] and PROTECTIONS["cgroups"]),
                    reason="needs the sandbox's own root and a memory cgroup")
def test_files_too_large_for_the_agents_memory_are_named_as_the_reason_it_could_not_start(write_submission):
    folder = write_submission("heavier", "from arena.agents import RandomAgent as SubmittedAgent\n")
    (folder / "weights.bin").write_bytes(os.urandom(1 << 20) * 200)
    agent = SandboxedAgent(load(folder), time_per_move=1.0, limits=replace(LIMITS, memory_mb=160))
    try:
        result = play_match("othello", [agent, RandomAgent()], seed=0)
    finally:
        agent.close()
    fault = result.agents[0]
    assert fault.status == CRASH and "went over their memory limit (160 MiB in all)" in fault.detail
    assert "memory_mb in arena.toml asks for more" in fault.detail
    assert "its files (200 MiB) are held in that memory" in fault.detail


@pytest.mark.skipif(not PROTECTIONS["filesystem"], reason="needs the sandbox's own root")
def test_an_agent_opens_the_machines_accelerators_only_where_the_organiser_allows(write_submission, tmp_path,
                                                                                   monkeypatch):
    card = tmp_path / "cards" / "nvidia0"  # a stand-in for a GPU's node: a character device, as /dev/null
    card.parent.mkdir()
    os.mknod(card, stat.S_IFCHR, os.makedev(1, 3))
    card.chmod(0o666)  # as the drivers make theirs
    monkeypatch.setattr("arena.sandbox.agent.DEVICE_PATTERNS", (str(card.parent / "nvidia*"),))
    code = f"""
import numpy as np
from arena.agents import Agent

class SubmittedAgent(Agent):
    def predict(self, obs):
        try:
            with open({str(card)!r}, "wb") as card:
                card.write(b"work")
        except OSError:
            return int(np.flatnonzero(obs["action_mask"])[0])
        raise RuntimeError("wrote to the card")
"""
    folder = write_submission("gpu_user", code)
    for allowed, status in ((False, OK), (True, CRASH)):
        agent = SandboxedAgent(load(folder), time_per_move=1.0, limits=replace(LIMITS, accelerators=allowed))
        try:
            result = play_match("othello", [agent, RandomAgent()], seed=0)
        finally:
            agent.close()
        assert result.agents[0].status == status, result.agents[0].detail
    assert "wrote to the card" in result.agents[0].detail


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
            time.sleep(0.75)
        return int(np.flatnonzero(obs["action_mask"])[0])
"""
    # The slow moves go 0.5 s over the budget each, and the bank has 1 s to spare beyond them (other
    # moves take milliseconds): whatever the machine's load, only the bank decides.
    spec = load(write_submission("slowish", code))
    with_bank = SandboxedAgent(spec, time_per_move=0.25, time_bank=2.0)
    without = SandboxedAgent(spec, time_per_move=0.25)
    try:
        assert play_match("othello", [with_bank, RandomAgent()], seed=0).agents[0].status == OK
        faulted = play_match("othello", [without, RandomAgent()], seed=0).agents[0]
    finally:
        with_bank.close()
        without.close()
    assert faulted.status == TIMEOUT and faulted.moves == 1


def test_the_output_of_every_process_of_an_agent_is_kept_and_capped_as_one(write_submission, tmp_path):
    code = """
import os
import numpy as np
from arena.agents import Agent

PROCESS = os.urandom(4).hex()  # each process's own (in its namespace each is pid 1)

class SubmittedAgent(Agent):
    def predict(self, obs):
        print(f"process {PROCESS} moves " + "." * 200, flush=True)
        if np.count_nonzero(obs["observation"]) == 4:  # only when it opens the game
            raise RuntimeError(f"fault in process {PROCESS}")
        return int(np.flatnonzero(obs["action_mask"])[0])
"""
    agent = SandboxedAgent(load(write_submission("opener", code)), 5.0, limits=replace(LIMITS, log_kb=4),
                           log_dir=tmp_path / "logs")
    seatings = [[agent, RandomAgent()], [agent, RandomAgent()], [RandomAgent(), agent], [RandomAgent(), agent]]
    try:  # it opens the first two games: each fault ends its process, and the next game starts another
        played = [play_match("othello", players, seed=game).agents for game, players in enumerate(seatings)]
    finally:
        agent.close()
    assert [agents[seat].status for agents, seat in zip(played, (0, 0, 1, 1))] == [CRASH, CRASH, OK, OK]
    log = agent.log_path.read_text()
    faults = re.findall(r"RuntimeError: fault in process (\w+)", log)
    assert len(faults) == 4 and len(set(faults)) == 2  # each traceback in the report line and in full
    assert log.count("[arena: the output of the agent's next process]") == agent.processes_started - 1 == 2
    assert len(log) <= (4 << 10) + 200 and "more bytes of output were dropped" in log  # the last games' chatter


PINS_FILES = """
import ctypes, os
import numpy as np
from arena.agents import Agent

CHILDREN, EACH = 6, 60_000  # far more open files than 96 MiB pays for, within each process's count of mappings


def pin_until_stopped(held):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long)
    for _ in range(EACH):
        fd = libc.open(b"/submission/agent.py", 0)
        if fd < 0:
            os._exit(ctypes.get_errno())
        if libc.mmap(None, 4096, 1, 2, fd, 0) in (None, ctypes.c_void_p(-1).value):  # read, private
            os._exit(ctypes.get_errno())
        libc.close(fd)  # the file stays open in its mapping, with no descriptor
    os.read(held, 1)  # all of them held at once, however the scheduler runs the children: until the parent ends
    os._exit(0)


class SubmittedAgent(Agent):
    def _initialize(self):
        held, _ = os.pipe()
        for pid in [pid for pid in (os.fork() for _ in range(CHILDREN)) if pid or pin_until_stopped(held)]:
            if os.WIFSIGNALED(os.waitpid(pid, 0)[1]):  # killed for the memory its files hold
                os._exit(1)

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
"""


@pytest.mark.skipif(not PROTECTIONS["cgroups"], reason="needs cgroups")
@pytest.mark.skipif(not PROTECTIONS["open_files"], reason=" ".join(missing_isolation()))
def test_files_an_agent_keeps_open_without_descriptors_are_bounded_by_its_memory_not_the_machines_table(
        write_submission, tmp_path):
    # Mapped and closed, a file stays open: the descriptor limit does not count it, its memory cgroup does.
    agent = SandboxedAgent(load(write_submission("pins_files", PINS_FILES)), 5.0,
                           limits=replace(LIMITS, memory_mb=96), log_dir=tmp_path)
    try:
        result = play_match("othello", [agent, RandomAgent()], seed=0, max_steps=2)
    finally:
        agent.close()
    mine, theirs = result.agents
    assert (mine.status, theirs.status) == (CRASH, OK) and "went over their memory limit (96 MiB in all)" in mine.detail


def test_a_table_of_open_files_smaller_than_memory_is_missing_isolation(monkeypatch, tmp_path):
    from arena.sandbox import file_table

    small = tmp_path / "file-max"
    small.write_text("2466246\n")  # the kernel's default on a machine of 24 GiB
    monkeypatch.setattr(file_table, "FILE_MAX", small)
    monkeypatch.setattr(file_table.os, "geteuid", lambda: 1000)  # a harness that may not raise it
    file_table.widen.cache_clear()
    try:
        assert not file_table.widen()
        assert any(line.startswith("open files: ") and "fs.file-max=9223372036854775807" in line
                   for line in missing_isolation())
        monkeypatch.setattr(file_table.os, "geteuid", lambda: 0)  # root raises it
        file_table.widen.cache_clear()
        assert file_table.widen() and small.read_text() == str(file_table.CEILING)
    finally:
        file_table.widen.cache_clear()


@pytest.mark.skipif(not PROTECTIONS["cgroups"], reason="needs cgroups")
def test_a_sandbox_whose_groups_cannot_be_made_now_does_not_start_without_them(submissions, monkeypatch):
    # The host has cgroups but refuses more (a full hierarchy, say): the machine's failure, never an
    # agent run unconfined and unclocked in the middle of a tournament.
    def refuse(group, limits):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cgroups.AgentCgroup, "_write_limits", refuse)
    groups = lambda: set(cgroups.available_bases()["memory"].glob(f"arena-{os.getpid()}-*"))  # noqa: E731
    before = groups()
    agent = SandboxedAgent(load(submissions / "random"), 5.0)
    try:
        with pytest.raises(HarnessError, match="start a sandbox for random"):
            play_match("othello", [agent, RandomAgent()], seed=0)
    finally:
        agent.close()
    assert groups() == before  # none left behind


@pytest.mark.skipif(not ISOLATED, reason="needs namespaces: a worker builds its own root before the agent runs")
def test_a_sandbox_that_cannot_be_shut_in_before_its_agent_runs_is_the_machines_failure(submissions, monkeypatch):
    # Its root cannot hold its files (a full machine, a refused filter...): the worker dies before it
    # says it is shut in, before any of the agent's code ran; no agent is charged with a crash.
    from arena.sandbox import agent as sandbox_agent

    start_worker = sandbox_agent.launcher.start_worker

    def without_room(argv, *args, **kwargs):
        config = json.loads(argv[0])
        return start_worker([json.dumps({**config, "disk_bytes": 4096})], *args, **kwargs)

    monkeypatch.setattr(sandbox_agent.launcher, "start_worker", without_room)
    agent = SandboxedAgent(load(submissions / "random"), 5.0, limits=LIMITS)
    try:
        with pytest.raises(HarnessError, match="the sandbox of random could not be shut in before its agent ran"):
            play_match("othello", [agent, RandomAgent()], seed=0)
    finally:
        agent.close()


def test_no_call_reaches_a_new_worker_before_the_harness_has_read_that_it_is_shut_in(submissions, monkeypatch):
    # Else its agent's code could run first and take the word out of the pipe, then die as if never shut in.
    from arena.sandbox import protocol

    said = []
    post, receive = protocol.Channel.post, protocol.Channel.receive

    def posting(channel, kind, value=None):
        said.append(("sent", kind))
        return post(channel, kind, value)

    def receiving(channel, deadline=None):
        got = receive(channel, deadline)
        said.append(("read", got[0]))
        return got

    monkeypatch.setattr(protocol.Channel, "post", posting)
    monkeypatch.setattr(protocol.Channel, "receive", receiving)
    agent = SandboxedAgent(load(submissions / "random"), 5.0, limits=LIMITS)
    try:
        play_match("othello", [agent, RandomAgent()], seed=0)
    finally:
        agent.close()
    assert said[:2] == [("read", protocol.Kind.CONFINED), ("sent", protocol.Kind.START)], said[:4]


def test_an_agent_is_given_its_seats_own_seed_never_the_match_seed(write_submission):
    # The match seed decides what the game hides (snake's next fruit): the agent must not have it.
    code = """
from arena.agents import Agent

class SubmittedAgent(Agent):
    def predict(self, obs):
        raise RuntimeError(f"my seed is {self.env.seed}")
"""
    agent = SandboxedAgent(load(write_submission("seed_reader", code)), 5.0)
    try:
        result = play_match(make_raw("snake", num_snakes=2), [RandomAgent(), agent], seed=12345)
    finally:
        agent.close()
    told = int(re.search(r"my seed is (\d+)", result.agents[1].detail).group(1))
    assert told == seat_seed(12345, 1) and told != 12345
    assert told.bit_length() > 32  # too many to try every match seed that could give it
    assert seat_seed(12345, 0) != told != seat_seed(12346, 1)


def test_an_agent_plays_a_game_alike_in_a_new_process_and_in_one_kept_from_earlier_games(write_submission):
    # torch is imported only as the agent loads: seeded before its first game all the same.
    pytest.importorskip("torch")
    code = """
from arena.agents import Agent

class SubmittedAgent(Agent):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        import torch
        self.torch = torch

    def predict(self, obs):
        legal = obs["action_mask"].nonzero()[0]
        return int(legal[int(self.torch.randint(len(legal), (1,)))])
"""
    agent = SandboxedAgent(load(write_submission("torch_sampler", code)), 5.0)
    try:
        games = [play_match("othello", [agent, RandomAgent()], seed=seed) for seed in (3, 4, 3)]
    finally:
        agent.close()
    assert agent.processes_started == 1  # all three in the process started for the first
    assert games[0].actions == games[2].actions != games[1].actions


def test_an_agent_that_prints_nothing_leaves_no_log(submissions, write_submission, tmp_path):
    quiet = SandboxedAgent(load(submissions / "random"), 5.0, log_dir=tmp_path / "quiet")
    code = """
from arena.agents import Agent

class SubmittedAgent(Agent):
    def predict(self, obs):
        print("thinking")
        return int(obs["action_mask"].nonzero()[0][0])
"""
    chatty = SandboxedAgent(load(write_submission("chatty", code)), 5.0, log_dir=tmp_path / "chatty")
    try:
        play_match("othello", [quiet, chatty], seed=0)
    finally:
        quiet.close()
        chatty.close()
    assert quiet.output_file is None and not quiet.log_path.exists()
    assert chatty.output_file == chatty.log_path and chatty.log_path.read_text().startswith("thinking\n")

def test_a_faults_traceback_is_in_its_log_when_the_fault_is_reported(write_submission, tmp_path):
    # Much output before the fault: a log thread that had not caught up would show a part of it, or no file.
    code = """
from arena.agents import Agent

print("warming up " * 6000, flush=True)

class SubmittedAgent(Agent):
    def get_env_info(self, env):
        raise ValueError("no weights here")

    def predict(self, obs):
        return 0
"""
    spec = load(write_submission("faulty", code))
    for attempt in range(2):
        agent = SandboxedAgent(spec, 5.0, log_dir=tmp_path / f"logs{attempt}")
        try:  # read while its sandbox is open, as `arena match` does between games
            result = play_match("othello", [agent, RandomAgent()], seed=attempt)
            log = agent.output_file
            assert result.agents[0].status == CRASH and log is not None
            assert log.read_text().rstrip().endswith("ValueError: no weights here")
        finally:
            agent.close()



def test_a_full_disk_under_the_logs_neither_blocks_nor_blames_the_agent(write_submission, tmp_path):
    chatty = write_submission("chatty", """
import numpy as np
from arena.agents import Agent

class SubmittedAgent(Agent):
    def predict(self, obs):
        print("x" * 20000, flush=True)  # a few moves fill the pipe if nobody reads it
        return int(np.flatnonzero(obs["action_mask"])[0])
""")
    # The harness's files may grow to 4 KiB (a full disk for its logs), after its launcher, whose
    # workers write their own files, has started.
    harness = f"""
import resource
from arena.agents import RandomAgent
from arena.match import play_match
from arena.sandbox import SandboxedAgent
from arena.submission import load

spec = load({str(chatty)!r})
first = SandboxedAgent(spec, 2.0, log_dir={str(tmp_path / "first")!r})
play_match("othello", [first, RandomAgent()], seed=0, max_steps=2)
first.close()
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
agent = SandboxedAgent(spec, 2.0, log_dir={str(tmp_path / "logs")!r})
result = play_match("othello", [agent, RandomAgent()], seed=0)
agent.close()
print(result.agents[0].status, result.agents[0].moves)
"""
    ran = subprocess.run([sys.executable, "-c", harness], capture_output=True, text=True, timeout=300)
    status, moves = ran.stdout.split()
    assert status == "ok" and int(moves) > 20, ran.stderr[-2000:]
    assert [p.stat().st_size for p in (tmp_path / "logs").iterdir()] == [4096]


@pytest.mark.parametrize("returned, detail", [
    ("10 ** 200_000", "an integer of 664386 bits does not fit in 64"),
    ("Sneaky()", "ZeroDivisionError: division by zero (agent.py line 6)"),
])
def test_an_action_that_fails_as_it_is_sent_is_illegal_not_a_crash(write_submission, returned, detail):
    code = f"""from arena.agents import Agent


class Sneaky:
    def __array__(self, dtype=None, copy=None):
        return 1 / 0


class SubmittedAgent(Agent):
    def predict(self, obs):
        return {returned}
"""
    agent = SandboxedAgent(load(write_submission("sneaky", code, 'env = "othello"')), 5.0, limits=LIMITS)
    try:
        mine = play_match("othello", [agent, RandomAgent()], seed=0).agents[0]
    finally:
        agent.close()
    assert mine.status == ILLEGAL and mine.detail == f"returned an action that cannot be sent: {detail}"


FIRST_LEGAL_MOVE = """

class SubmittedAgent(Agent):
    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
"""


def log_of_two_moves(write_submission, tmp_path, name: str, looks: str) -> str:
    """The log of a sandboxed agent that runs `looks` as it loads, then plays two Othello moves."""
    code = "import numpy as np\nfrom arena.agents import Agent\n\n" + looks + FIRST_LEGAL_MOVE
    agent = SandboxedAgent(load(write_submission(name, code, 'env = "othello"')), 5.0, limits=LIMITS,
                           log_dir=tmp_path / "logs")
    try:
        assert play_match("othello", [agent, RandomAgent()], seed=0, max_steps=2).agents[0].status == OK
    finally:
        agent.close()
    return agent.log_path.read_text()


@pytest.mark.skipif(not ISOLATED, reason="this machine cannot give agents namespaces of their own")
def test_an_agent_sees_its_cgroups_as_the_root_and_nothing_of_the_harness(write_submission, tmp_path):
    looks = """print("cgroups:", open("/proc/self/cgroup").read().replace(chr(10), " | "), flush=True)"""
    log = log_of_two_moves(write_submission, tmp_path, "peeker", looks)
    [line] = [line for line in log.splitlines() if line.startswith("cgroups:")]
    groups = [entry.strip() for entry in line.removeprefix("cgroups:").split("|") if entry.strip()]
    assert groups and all(entry.endswith(":/") for entry in groups), groups  # no arena-PID-N, no host path


@pytest.mark.skipif(not shutil.which("fc-match") or not os.path.exists("/etc/fonts/fonts.conf"),
                    reason="this machine has no fontconfig")
def test_an_agent_finds_the_machines_fonts_through_fontconfig_as_matplotlib_does(write_submission, tmp_path):
    # matplotlib's font manager lists the fonts with fc-list; without the settings it printed an error in every log.
    looks = """import subprocess
found = subprocess.run(["fc-match", "sans"], capture_output=True, text=True)
print("fc-match:", found.returncode, found.stdout.strip(), "|", found.stderr.strip(), flush=True)"""
    log = log_of_two_moves(write_submission, tmp_path, "fonts", looks)
    [line] = [line for line in log.splitlines() if line.startswith("fc-match:")]
    assert line.startswith("fc-match: 0 ") and "error" not in line.lower(), line


def test_an_agent_may_not_raise_its_priority_nor_lock_much_memory_whatever_the_harness_may(write_submission,
                                                                                            tmp_path):
    looks = """import resource, os
print("limits:", [resource.getrlimit(getattr(resource, name)) for name in ("RLIMIT_RTPRIO", "RLIMIT_NICE",
                                                                           "RLIMIT_MEMLOCK")], flush=True)
try:
    os.nice(-5)
    print("nice:", os.nice(0), flush=True)
except OSError as exc:
    print("nice:", type(exc).__name__, flush=True)
"""
    log = log_of_two_moves(write_submission, tmp_path, "greedy_for_cpu", looks)
    [line] = [line for line in log.splitlines() if line.startswith("limits:")]
    (rtprio, _), (nice, _), (locked, _) = eval(line.removeprefix("limits:"))
    assert rtprio == 0 and nice <= 20 and locked <= 64 << 10, line  # set for it, not the harness's own passed on
    assert "nice: PermissionError" in log, log


def test_the_out_of_memory_killer_takes_an_agent_before_the_harness(write_submission, tmp_path):
    looks = """print("oom_score_adj:", open("/proc/self/oom_score_adj").read().strip(), flush=True)
try:
    with open("/proc/self/oom_score_adj", "w") as mark:
        mark.write("0")
    print("lowered to", open("/proc/self/oom_score_adj").read().strip(), flush=True)
except OSError as exc:
    print("lowering it:", type(exc).__name__, flush=True)
"""
    log = log_of_two_moves(write_submission, tmp_path, "oom", looks)
    assert "oom_score_adj: 1000" in log, log
    if os.getuid() == 0:  # marked while privileged: the mark is also its floor
        assert "lowering it: PermissionError" in log, log


def own_memory_cgroup() -> Path | None:
    """This process's cgroup v1 memory group, if it has one it may make groups in."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            folder = Path("/sys/fs/cgroup/memory") / path.lstrip("/")
            return folder if os.access(folder, os.W_OK) else None
    return None


@pytest.mark.skipif(own_memory_cgroup() is None or not protections()["cgroups"],
                    reason="needs cgroup v1's memory controller, writable")
def test_an_agent_the_kernel_kills_for_a_machine_out_of_memory_is_not_blamed(write_submission, tmp_path):
    # The harness runs in a group of 1.2 GiB: the agents' own limits (4 GiB each) add up to more. The
    # opponent spreads 0.9 GB over many small processes, each within its limits; the kernel then kills
    # the largest process there, the agent holding a 0.45 GB model.
    holder = write_submission("holder", """
import numpy as np
from arena.agents import RandomAgent

class SubmittedAgent(RandomAgent):
    def _initialize(self):
        self.model = np.ones((450 << 20) // 8)
""")
    spreader = write_submission("spreader", """
import os, time
from arena.agents import RandomAgent

class SubmittedAgent(RandomAgent):
    def predict(self, obs):
        if not hasattr(self, "children"):
            self.children = []
            for _ in range(30):
                pid = os.fork()
                if pid == 0:  # a child: hold 30 MiB, touched
                    block = bytearray(30 << 20)
                    block[::4096] = b"\\1" * len(block[::4096])
                    time.sleep(600)
                self.children.append(pid)
            time.sleep(2.0)
        return super().predict(obs)
""")
    harness = f"""
from arena.errors import HarnessError
from arena.match import play_match
from arena.sandbox import SandboxedAgent
from arena.submission import load

agents = [SandboxedAgent(load({str(holder)!r}), 10.0), SandboxedAgent(load({str(spreader)!r}), 10.0)]
try:
    result = play_match("othello", agents, seed=0)
    print("played:", [(a.status, a.detail) for a in result.agents])
except HarnessError as exc:
    print("harness:", exc)
finally:
    for agent in agents:
        agent.close()
"""
    group = own_memory_cgroup() / f"arena-test-oom-{os.getpid()}"
    group.mkdir()
    try:
        (group / "memory.limit_in_bytes").write_text(str(1200 << 20))
        ran = subprocess.run([sys.executable, "-c", harness], capture_output=True, text=True, timeout=180,
                             preexec_fn=lambda: (group / "cgroup.procs").write_text(str(os.getpid())))
    finally:
        group.rmdir()
    assert "harness: this machine ran out of memory and the kernel killed a process of holder, which was within " \
           "its own limit" in ran.stdout, ran.stdout + ran.stderr


def harness_playing(submission: Path) -> str:
    """Code for a harness process that plays `submission` sandboxed once and prints its status."""
    return f"""
from arena.agents import RandomAgent
from arena.match import play_match
from arena.sandbox import SandboxedAgent
from arena.submission import load

agent = SandboxedAgent(load({str(submission)!r}), 5.0)
result = play_match("othello", [agent, RandomAgent()], seed=0)
agent.close()
print(result.agents[0].status)
"""


@pytest.mark.parametrize("umask", [0o077, 0o777])
def test_the_organisers_umask_does_not_lock_agents_out_of_their_files(submissions, umask):
    ran = subprocess.run([sys.executable, "-c", harness_playing(submissions / "random")], capture_output=True,
                         text=True, timeout=300, preexec_fn=lambda: os.umask(umask))
    assert ran.stdout.split() == ["ok"], ran.stderr[-2000:]


def test_a_harness_under_lower_hard_limits_than_the_sandboxes_passes_them_on(submissions):
    import resource

    cap = 32 << 20  # below the sandbox's own file-size limit, and a hard limit: it cannot be raised back

    def capped():
        resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))

    ran = subprocess.run([sys.executable, "-c", harness_playing(submissions / "random")], capture_output=True,
                         text=True, timeout=300, preexec_fn=capped)
    assert ran.stdout.split() == ["ok"], ran.stderr[-2000:]


def test_a_manifest_asks_for_memory_up_to_the_organisers_ceiling(write_submission):
    spec = load(write_submission("big", "", "memory_mb = 100000"))
    assert SandboxedAgent(spec, 1.0).memory_mb == Limits().max_memory_mb
    assert SandboxedAgent(load(write_submission("small", "", "memory_mb = 512")), 1.0).memory_mb == 512
    assert SandboxedAgent(load(write_submission("default", "")), 1.0).memory_mb == 4096
    # An organiser's --memory-mb is every agent's cap, whatever its manifest asks.
    from arena.sandbox.memory import memory_limits

    capped = Limits(**memory_limits(512, agents_at_once=4))
    assert SandboxedAgent(spec, 1.0, limits=capped).memory_mb == 512
    assert SandboxedAgent(load(write_submission("modest", "", "memory_mb = 256")), 1.0, limits=capped).memory_mb == 256


def test_run_match_and_the_cli_sandbox_by_default_and_no_sandbox_shows_tracebacks(submissions, capsys, tmp_path,
                                                                                   monkeypatch):
    import arena
    from arena.cli import main

    monkeypatch.chdir(tmp_path)
    result = arena.run_match(HOSTILE / "exits", submissions / "greedy")
    assert result.agents[0].status == CRASH and "exited with code 3" in result.agents[0].detail
    assert main(["match", str(HOSTILE / "predict_raises"), str(submissions / "random"), "--no-sandbox"]) == 1
    captured = capsys.readouterr()
    assert "predict_raises: crash" in captured.err and "Traceback (most recent call last)" in captured.err
    assert main(["match", str(HOSTILE / "predict_raises"), str(submissions / "random")]) == 1
    assert "its output and traceback: logs/" in capsys.readouterr().err


def test_a_strong_agent_is_unaffected_by_sandboxing(submissions):
    greedy = SandboxedAgent(load(submissions / "greedy"), time_per_move=1.0)
    try:
        results = [play_match("othello", [greedy, GreedyOthelloAgent()], seed=s) for s in range(3)]
    finally:
        greedy.close()
    assert all(r.agents[0].status == OK and r.steps >= 50 for r in results)


@pytest.mark.skipif(not ISOLATED, reason="needs namespaces: " + " ".join(missing_isolation()))
def test_the_agent_dies_with_its_supervisor_after_taking_its_own_identity(write_submission, tmp_path):
    # Frozen between calls, it would not even see its pipes close: the kernel's parent-death signal,
    # which a change of uid clears, must be set again after the change.
    code = """
import ctypes
from arena.agents import RandomAgent

class SubmittedAgent(RandomAgent):
    def _initialize(self):
        signal = ctypes.c_int(-1)
        ctypes.CDLL(None).prctl(2, ctypes.byref(signal), 0, 0, 0)  # PR_GET_PDEATHSIG
        print(f"parent-death signal: {signal.value}", flush=True)
"""
    agent = SandboxedAgent(load(write_submission("probe", code, 'env = "othello"\n')), 5.0, log_dir=tmp_path)
    try:
        result = play_match("othello", [agent, RandomAgent()], seed=0, max_steps=2)
    finally:
        agent.close()
    assert result.agents[0].status == OK
    assert "parent-death signal: 9" in agent.log_path.read_text()  # SIGKILL


def test_an_agent_that_stops_reading_its_pipe_runs_out_of_time_and_the_harness_goes_on(write_submission, tmp_path):
    # Snake on a 30 x 30 grid: each observation (6 kB) is more than the agent's pipe, shrunk to a
    # page, holds. With it never read, a write that waited for room would wait for ever (the match
    # runs in a process of its own, so that such a harness fails this test instead of hanging it).
    code = """
import fcntl, gc, time
from arena.agents import RandomAgent
from arena.sandbox.protocol import Channel

def never(*args, **kwargs):
    while True:
        time.sleep(60)

class SubmittedAgent(RandomAgent):
    def predict(self, obs):
        channel = next(o for o in gc.get_objects() if isinstance(o, Channel))
        fcntl.fcntl(channel.read_fd, 1031, 4096)  # F_SETPIPE_SZ
        Channel.receive = never  # from its next call on, nothing is read
        return super().predict(obs)
"""
    folder = write_submission("clog", code, 'env = "snake"\n')
    harness = f"""
import fcntl
import json
from arena.agents import RandomAgent
from arena.match import EnvSpec, play_match
from arena.sandbox import SandboxedAgent
from arena.submission import load
agent = SandboxedAgent(load({str(folder)!r}), 0.05, 1.0, log_dir={str(tmp_path)!r})
game = EnvSpec("snake", {{"height": 30, "width": 30, "vision_range": None, "num_snakes": 2}})
result = play_match(game, [agent, RandomAgent()], seed=0, max_steps=200)
agent.close()
print(json.dumps([[a.status, a.detail, a.moves] for a in result.agents]))
"""
    done = subprocess.run([sys.executable, "-c", harness], capture_output=True, text=True, timeout=300)
    (status, detail, moves), (other, _, _) = json.loads(done.stdout.splitlines()[-1])
    assert (status, other) == (TIMEOUT, OK)
    assert detail.endswith("the limit is 0.05 s a move plus 1 s left of a 1 s bank; "
                           "its process stopped reading what it was sent"), detail
    assert moves == 1


def test_a_worker_that_has_exited_is_never_signalled_by_its_number(monkeypatch):
    # Its launcher reaped it: the number may name another process by now (one of another match), or
    # its process group's number, where its cgroup leaves nothing of it in that group to reach.
    agent = SandboxedAgent(load(HOSTILE / "exits"), 5.0, limits=LIMITS)
    signalled, groups_signalled = [], []
    real_kill, real_killpg = os.kill, os.killpg
    monkeypatch.setattr(os, "kill", lambda pid, sig: (signalled.append(pid), real_kill(pid, sig)))
    monkeypatch.setattr(os, "killpg", lambda group, sig: (groups_signalled.append(group), real_killpg(group, sig)))
    try:
        result = play_match("othello", [agent, RandomAgent()], seed=0)
        worker = agent._process.pid
    finally:
        agent.close()
    assert result.agents[0].status == CRASH and "exited with code 3" in result.agents[0].detail
    assert worker not in signalled
    if PROTECTIONS["cgroups"]:
        assert worker not in groups_signalled


UNPRIVILEGED = 65534  # nobody


def _run_as_nobody(code: str) -> subprocess.CompletedProcess:
    def become_nobody():
        os.setgroups([])
        os.setgid(UNPRIVILEGED)
        os.setuid(UNPRIVILEGED)

    return subprocess.run([sys.executable, "-c", code], preexec_fn=become_nobody, capture_output=True, text=True,
                          timeout=600, cwd="/tmp", env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp"})


@pytest.mark.skipif(os.getuid() != 0, reason="switching to an unprivileged user needs root")
def test_an_unprivileged_harness_isolates_its_agents_through_a_user_namespace(tmp_path):
    try:
        probe = _run_as_nobody("import arena.sandbox")
    except PermissionError as exc:
        pytest.skip(f"this Python cannot be run by an unprivileged user ({exc})")
    if probe.returncode != 0:
        pytest.skip(f"arena cannot be imported by an unprivileged user ({probe.stderr.strip()[-200:]})")
    source = tmp_path / "reads_secrets"
    shutil.copytree(HOSTILE / "reads_secrets", source)
    (source / "secret_path.txt").write_text(str(tmp_path / "secret.txt"))
    os.chmod(tmp_path, 0o755)
    for path in [source, *source.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    code = f"""
from arena.sandbox import SandboxedAgent, missing_isolation, protections
from arena.agents import RandomAgent
from arena.match import play_match
from arena.submission import load
print("missing", missing_isolation())
agent = SandboxedAgent(load({str(source)!r}), 1.0, log_dir="/tmp/arena-nobody-logs")
try:
    result = play_match("othello", [agent, RandomAgent()], seed=0)
finally:
    agent.close()
print("status", result.agents[0].status)
print(agent.log_path.read_text())
"""
    run = _run_as_nobody(code)
    assert run.returncode == 0, run.stderr
    if "user namespaces" in run.stdout.split("missing", 1)[1].splitlines()[0]:
        pytest.skip("this kernel does not allow unprivileged user namespaces")
    assert "status ok" in run.stdout
    assert "/etc/shadow: FileNotFoundError" in run.stdout and f"uid {UNPRIVILEGED}" in run.stdout


# Starts programs in "new sessions" the two usual ways and ends each with all it started, by its process group.
ENDS_ITS_CHILDREN_BY_GROUP = """
import os
import signal
import subprocess
import sys

from arena.agents import RandomAgent


class SubmittedAgent(RandomAgent):
    def _initialize(self):
        for how in ({"start_new_session": True}, {"preexec_fn": os.setsid}):
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], **how)
            print("own group:", os.getpgid(child.pid) == child.pid != os.getpgid(0), flush=True)
            os.killpg(os.getpgid(child.pid), signal.SIGTERM)
            print("ended:", child.wait(timeout=30), flush=True)
"""


def test_an_agent_ending_a_child_started_in_a_new_session_by_its_process_group_lives_on(tmp_path):
    # The filter does setsid as nothing: without a process group of its own, the child's group is the agent's.
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "agent.py").write_text(ENDS_ITS_CHILDREN_BY_GROUP)
    agent = SandboxedAgent(load(tmp_path / "sub"), 1.0, log_dir=tmp_path / "logs")
    try:
        result = play_match("othello", [agent, RandomAgent()], seed=0, max_steps=4)
    finally:
        agent.close()
    assert result.agents[0].status == OK, result.agents[0].detail
    assert agent.log_path.read_text().split("\n")[:4] == ["own group: True", f"ended: {-15}"] * 2
