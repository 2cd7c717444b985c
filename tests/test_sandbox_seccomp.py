"""The seccomp filter an agent's worker installs (`arena.sandbox.confine.forbid_escape_syscalls`), tried
from a process of its own: each call it refuses answers as the kernel would where the feature is
missing, and the calls next to it still work."""

import errno
import os
import subprocess
import sys

import pytest

from arena.sandbox import confine

pytestmark = pytest.mark.skipif(not confine.filters_system_calls(), reason="the seccomp filter is written for x86-64")

FILTERED = """
import ctypes, mmap, os, resource, signal, socket, struct
from arena.sandbox import confine

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
{before}
if FILTERED:
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS: as the worker installs it, where it is not root
    assert confine.forbid_escape_syscalls()


def attempt(what, action):
    try:
        action()
    except (OSError, ValueError) as exc:  # ValueError: how resource.setrlimit reports EPERM
        print(f"{what}: refused {getattr(exc, 'errno', None) or type(exc).__name__}")
    else:
        print(f"{what}: done")


def checked(result):
    if result == -1 or result == ctypes.c_void_p(-1).value:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return result

{body}
"""


def run_filtered(body: str, filtered: bool = True, before: str = "") -> dict[str, str]:
    """What each attempt of `body`, run under the filter (or without it; `before` run before it is
    installed), printed: {what: "done" or "refused ERRNO"}."""
    script = f"FILTERED = {filtered}\n" + FILTERED.replace("{before}", before).replace("{body}", body)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return dict(line.split(": ", 1) for line in run.stdout.splitlines())


def run_against_control(body: str, counter: str, moved_at_least: int, unmoved: str, before: str = "") -> dict[str, str]:
    """`run_filtered(body)`, once the same program run without the filter (the control) has moved the machine-wide
    `counter` it prints by `moved_at_least`; the test is skipped, saying `unmoved`, where it did not."""
    if int(run_filtered(body, filtered=False, before=before)[counter]) < moved_at_least:
        pytest.skip(unmoved)
    return run_filtered(body, before=before)


def test_a_handler_for_a_real_time_signal_is_refused_and_no_other():
    """So that /proc/PID/stat, which shows signals 1-31, tells all an agent catches (`arena.sandbox.idle`)."""
    told = run_filtered("""
attempt("alarm", lambda: signal.signal(signal.SIGALRM, lambda *_: None))
attempt("rt handler", lambda: signal.signal(signal.SIGRTMIN + 2, lambda *_: None))
attempt("rt ignored", lambda: signal.signal(signal.SIGRTMAX, signal.SIG_IGN))
attempt("rt asked", lambda: signal.getsignal(signal.SIGRTMIN + 2))
""")
    assert told == {"alarm": "done", "rt handler": f"refused {errno.EINVAL}", "rt ignored": f"refused {errno.EINVAL}",
                    "rt asked": "done"}


def test_huge_pages_no_cgroup_charges_are_refused_as_from_an_empty_pool():
    told = run_filtered("""
MAP_PRIVATE, MAP_ANONYMOUS, MAP_HUGETLB = 0x2, 0x20, 0x40000
attempt("plain mmap", lambda: checked(libc.mmap(None, 1 << 21, 3, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)))
attempt("huge mmap", lambda: checked(libc.mmap(None, 1 << 21, 3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0)))
attempt("plain memfd", lambda: os.close(os.memfd_create("plain")))
attempt("huge memfd", lambda: os.close(os.memfd_create("huge", os.MFD_HUGETLB)))
attempt("huge shm", lambda: checked(libc.shmget(0, 1 << 21, 0o1000 | 0o600 | 0x800)))  # IPC_CREAT | SHM_HUGETLB
""")
    assert told == {"plain mmap": "done", "huge mmap": f"refused {errno.ENOMEM}", "plain memfd": "done",
                    "huge memfd": f"refused {errno.EINVAL}", "huge shm": f"refused {errno.EPERM}"}


def test_merging_pages_with_the_machine_s_is_refused_as_by_a_kernel_without_ksm():
    """A page merged with another process's shows as shared in smaps: whether anyone on the machine holds the same
    bytes. Without the filter the kernel takes both requests (the control, where it has KSM)."""
    body = """
libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
MAP_PRIVATE, MAP_ANONYMOUS = 0x2, 0x20
pages = checked(libc.mmap(None, 1 << 16, 3, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
attempt("merge advice", lambda: checked(libc.madvise(pages, 1 << 16, 12)))  # MADV_MERGEABLE
attempt("merge everything", lambda: checked(libc.prctl(67, 1, 0, 0, 0)))  # PR_SET_MEMORY_MERGE
attempt("other advice", lambda: checked(libc.madvise(pages, 1 << 16, 4)))  # MADV_DONTNEED
"""
    if run_filtered(body, filtered=False)["merge advice"] != "done":
        pytest.skip("this kernel has no KSM")
    assert run_filtered(body) == {"merge advice": f"refused {errno.EINVAL}", "merge everything": f"refused {errno.EINVAL}",
                                  "other advice": "done"}


def test_no_pidfd_nor_socket_option_tells_the_machine_s_counts_of_tasks_or_namespaces():
    # A pidfd's inode number counts every task the machine made (Linux 6.9 on): refused as before pidfds.
    # Socket cookies count every socket the machine was asked one for: refused as before SO_COOKIE.
    told = run_filtered("""
CLONE_PIDFD, SIGCHLD = 0x1000, 17
def clone_with_pidfd():
    pidfd = ctypes.c_int(-1)
    child = checked(libc.syscall(56, CLONE_PIDFD | SIGCHLD, 0, ctypes.byref(pidfd), 0, 0))
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)
def fork():
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)
one, other = socket.socketpair()
attempt("pidfd_open", lambda: os.pidfd_open(os.getpid()))
attempt("clone with pidfd", clone_with_pidfd)
attempt("fork", fork)
attempt("peer pidfd", lambda: one.getsockopt(socket.SOL_SOCKET, 77, 4))
attempt("pass pidfd", lambda: one.setsockopt(socket.SOL_SOCKET, 76, 1))
attempt("netns cookie", lambda: one.getsockopt(socket.SOL_SOCKET, 71, 8))
attempt("socket cookie", lambda: one.getsockopt(socket.SOL_SOCKET, 57, 8))
attempt("peer credentials", lambda: one.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
""")
    assert told == {"pidfd_open": f"refused {errno.ENOSYS}", "clone with pidfd": f"refused {errno.EPERM}",
                    "fork": "done", "peer pidfd": f"refused {errno.ENOPROTOOPT}",
                    "pass pidfd": f"refused {errno.ENOPROTOOPT}", "netns cookie": f"refused {errno.ENOPROTOOPT}",
                    "socket cookie": f"refused {errno.ENOPROTOOPT}", "peer credentials": "done"}


MOUNT_COUNTERS = """
STATX_BASIC_STATS, STATX_MNT_ID_UNIQUE, AT_HANDLE_MNT_ID_UNIQUE = 0x7FF, 0x4000, 0x1
buffer = ctypes.create_string_buffer(256)
handle = ctypes.create_string_buffer(136)
struct.pack_into("I", handle, 0, 128)
mount_id = ctypes.c_uint64()
attempt("statx", lambda: checked(libc.syscall(332, -100, b"/", 0, STATX_BASIC_STATS, buffer)))
attempt("statx unique mount id", lambda: checked(libc.syscall(332, -100, b"/", 0, STATX_MNT_ID_UNIQUE, buffer)))
attempt("file handle", lambda: checked(libc.syscall(303, -100, b"/", handle, ctypes.byref(mount_id), 0)))
attempt("file handle unique mount id", lambda: checked(
    libc.syscall(303, -100, b"/", handle, ctypes.byref(mount_id), AT_HANDLE_MNT_ID_UNIQUE)))
"""


def test_no_call_tells_a_mount_s_unique_id_which_counts_the_sandboxes_started():
    # Linux 6.8 on numbers every mount the machine makes, one after another (a sandbox makes dozens).
    told = run_filtered(MOUNT_COUNTERS)
    assert told == {"statx": "done", "statx unique mount id": f"refused {errno.EINVAL}",
                    "file handle": f"refused {errno.ENOSYS}", "file handle unique mount id": f"refused {errno.ENOSYS}"}
    assert run_filtered(MOUNT_COUNTERS, filtered=False)["statx"] == "done"


def test_secret_memory_which_splits_the_kernel_s_map_of_memory_for_good_is_refused():
    body = 'attempt("memfd_secret", lambda: os.close(checked(libc.syscall(447, 0))))\n'
    assert run_filtered(body) == {"memfd_secret": f"refused {errno.ENOSYS}"}
    assert run_filtered(body, filtered=False)["memfd_secret"] in ("done", f"refused {errno.ENOSYS}")  # kernel's choice


def test_memory_policies_which_no_cgroup_charges_are_refused_as_by_a_kernel_without_numa():
    """A policy set page by page on a memfd's pages was kept in its inode, uncharged: 650 MiB in 15 s."""
    told = run_filtered("""
MPOL_BIND, MPOL_DEFAULT = 2, 0
fd = os.memfd_create("policies")
os.ftruncate(fd, 8192)
page = libc.mmap(None, 8192, 3, 1, fd, 0)  # MAP_SHARED
checked(page)
node = ctypes.c_ulong(1)
attempt("mbind", lambda: checked(libc.syscall(237, ctypes.c_void_p(page), 4096, MPOL_BIND, ctypes.byref(node), 64, 0)))
attempt("set_mempolicy", lambda: checked(libc.syscall(238, MPOL_BIND, ctypes.byref(node), 64)))
attempt("get_mempolicy", lambda: checked(libc.syscall(239, None, None, 0, None, 0)))
attempt("home node", lambda: checked(libc.syscall(450, ctypes.c_void_p(page), 4096, 0, 0)))
attempt("a call newer than the filter", lambda: checked(libc.syscall(468, -100, b"/", None, 0, 0)))
attempt("mmap", lambda: checked(libc.mmap(None, 4096, 3, 0x22, -1, 0)))
""")
    assert told == {"mbind": f"refused {errno.ENOSYS}", "set_mempolicy": f"refused {errno.ENOSYS}",
                    "get_mempolicy": f"refused {errno.ENOSYS}", "home node": f"refused {errno.ENOSYS}",
                    "a call newer than the filter": f"refused {errno.ENOSYS}", "mmap": "done"}
    unfiltered = run_filtered("""
node = ctypes.c_ulong(1)
attempt("set_mempolicy", lambda: checked(libc.syscall(238, 2, ctypes.byref(node), 64)))
""", filtered=False)
    assert unfiltered["set_mempolicy"] == "done"  # this kernel has them: the filter, not the kernel, refused


def test_extended_attributes_which_hold_acls_no_cgroup_charges_cannot_be_set(tmp_path):
    """A default ACL of 8,000 ids on a folder was copied, 64 KiB uncharged, into every file made in it."""
    (tmp_path / "file").write_text("")
    told = run_filtered(f"""
folder, file = {str(tmp_path)!r}, {str(tmp_path / "file")!r}
acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, 7, 0xFFFFFFFF) for tag in (0x01, 0x04, 0x20))
attempt("default acl", lambda: os.setxattr(folder, "system.posix_acl_default", acl))
attempt("user attribute", lambda: os.setxattr(file, "user.note", b"x"))
attempt("by descriptor", lambda: os.setxattr(os.open(file, os.O_RDONLY), "user.note", b"x"))
attempt("by link", lambda: os.setxattr(file, "user.note", b"x", follow_symlinks=False))
attempt("listed", lambda: os.listxattr(file))
""")
    refused = f"refused {errno.EOPNOTSUPP}"
    assert told == {"default acl": refused, "user attribute": refused, "by descriptor": refused, "by link": refused,
                    "listed": "done"}


def test_the_core_limit_that_starts_no_dump_helper_cannot_be_changed():
    """A core limit of 1 makes the kernel start no helper for the crash (systemd-coredump, apport: root,
    outside the sandbox) even for a program the agent runs, which exec made dumpable again."""
    told = run_filtered(before="confine.set_resource_limits(None, None, 64)  # as the worker, first", body="""
attempt("core limit " + str(resource.getrlimit(resource.RLIMIT_CORE)), lambda: None)
attempt("lower it", lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 1)))
attempt("prlimit it", lambda: resource.prlimit(0, resource.RLIMIT_CORE, (0, 1)))
attempt("read it", lambda: resource.prlimit(0, resource.RLIMIT_CORE))
attempt("set another", lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (32, 64)))
""")
    assert told == {"core limit (1, 1)": "done", "lower it": "refused ValueError",
                    "prlimit it": f"refused {errno.EPERM}", "read it": "done", "set another": "done"}


def test_the_parent_death_signal_stays_sigkill():
    """An agent that could catch it, or have none, would outlive its supervisor and the harness."""
    told = run_filtered("""
PR_SET_PDEATHSIG = 1
attempt("kill", lambda: checked(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)))
attempt("catchable", lambda: checked(libc.prctl(PR_SET_PDEATHSIG, signal.SIGUSR1, 0, 0, 0)))
attempt("none", lambda: checked(libc.prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0)))
attempt("name", lambda: checked(libc.prctl(15, b"agent", 0, 0, 0)))  # PR_SET_NAME: other options still work
""")
    assert told == {"kill": "done", "catchable": f"refused {errno.EPERM}", "none": f"refused {errno.EPERM}",
                    "name": "done"}


def test_names_for_anonymous_memory_which_no_cgroup_charges_are_refused():
    """Each name the kernel keeps (PR_SET_VMA_ANON_NAME) is memory outside the agent's cap: refused as
    by a kernel built without them, where the kernel has them or not; other options still work."""
    told = run_filtered("""
PR_SET_VMA, PR_SET_VMA_ANON_NAME, PR_SET_TIMERSLACK, PR_SCHED_CORE, PR_SCHED_CORE_CREATE = 0x53564D41, 0, 29, 62, 1
page = libc.mmap(None, 4096, 3, 0x22, -1, 0)  # MAP_PRIVATE | MAP_ANONYMOUS
name = ctypes.c_char_p(b"x" * 79)
attempt("name", lambda: checked(libc.prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, ctypes.c_void_p(page), 4096, name)))
attempt("no name", lambda: checked(libc.prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, ctypes.c_void_p(page), 4096, None)))
attempt("core cookie", lambda: checked(libc.prctl(PR_SCHED_CORE, PR_SCHED_CORE_CREATE, 0, 0, 0)))
attempt("slack", lambda: checked(libc.prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0)))
""")
    assert told == {"name": f"refused {errno.EINVAL}", "no name": f"refused {errno.EINVAL}",
                    "core cookie": f"refused {errno.EINVAL}", "slack": "done"}


def test_advice_to_read_a_mapped_file_ahead_does_nothing(tmp_path):
    """The disk would go on reading after the answer, on the opponent's time. Without the filter, the
    same advice reads the file in (the control)."""
    data = tmp_path / "weights.bin"
    data.write_bytes(os.urandom(8 << 20))
    advise = f"""
import time
MAP_SHARED, PAGES = 0x1, (8 << 20) // mmap.PAGESIZE
with open({str(data)!r}, "rb") as file:
    address = checked(libc.mmap(None, 8 << 20, mmap.PROT_READ, MAP_SHARED, file.fileno(), 0))
started = time.monotonic()
attempt("willneed", lambda: checked(libc.madvise(ctypes.c_void_p(address), 8 << 20, mmap.MADV_WILLNEED)))
pages = (ctypes.c_ubyte * PAGES)()
while True:  # until most of it is read in, or the window given passes
    checked(libc.mincore(ctypes.c_void_p(address), 8 << 20, pages))
    most = sum(page & 1 for page in pages) > PAGES // 2
    if most or time.monotonic() - started > WINDOW:
        break
    time.sleep(0.01)
print("resident:", "most" if most else "little")
print("after:", time.monotonic() - started)
"""
    window = 30.0  # the control's: read in as soon as the disk allows, on a slow machine too
    for filtered, read_in in ((False, "most"), (True, "little")):
        with open(data, "rb") as file:  # out of the page cache, written back first
            os.fsync(file.fileno())
            os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        told = run_filtered(f"WINDOW = {window}\n" + advise, filtered)
        took = float(told.pop("after"))
        assert told == {"willneed": "done", "resident": read_in}
        window = max(1.0, 3 * took)  # filtered: three times what the control took to read it in


SYNC_COUNT = "/proc/sys/fs/quota/syncs"


@pytest.mark.skipif(not os.path.exists(SYNC_COUNT), reason="this kernel counts no syncs")
def test_syncing_whole_file_systems_does_nothing_and_moves_no_count_another_sandbox_reads():
    """sync and syncfs would write back the host's disks (an agent's own files are on its tmpfs) and
    count themselves machine-wide, where another sandbox could read how many times it synced. Without
    the filter, the count moves (the control); others on the machine may sync meanwhile, a few times."""
    body = f"""
def count():
    return int(open({SYNC_COUNT!r}).read())
before = count()
folder = os.open("/", os.O_RDONLY)
for _ in range(20):
    attempt("sync", lambda: os.sync())
    attempt("syncfs", lambda: checked(libc.syncfs(folder)))
print("moved:", count() - before)
"""
    told = run_against_control(body, "moved", 40, "this kernel's quota counter does not count these syncs")
    assert told["sync"] == told["syncfs"] == "done", told
    assert int(told["moved"]) < 20, told


def test_ustat_which_tells_any_file_system_s_free_space_by_its_number_is_answered_as_by_a_kernel_without_it():
    """ustat needs no path: by device number alone it tells the free blocks of the host's disks and of every other
    sandbox's root. Without the filter the root's number is answered (the control)."""
    body = """
class Ustat(ctypes.Structure):
    _fields_ = [("free", ctypes.c_long), ("inodes", ctypes.c_ulong), ("names", ctypes.c_char * 12)]
attempt("ustat", lambda: checked(libc.syscall(136, ctypes.c_uint(os.stat("/").st_dev), ctypes.byref(Ustat()))))
attempt("statfs", lambda: os.statvfs("/"))
"""
    assert run_filtered(body, filtered=False) == {"ustat": "done", "statfs": "done"}
    assert run_filtered(body) == {"ustat": f"refused {errno.ENOSYS}", "statfs": "done"}


def test_a_file_system_s_own_ioctls_are_answered_as_by_a_file_system_without_them_and_the_others_still_work():
    """From a file it may only read, GETFSMAP maps the whole host disk, free extents included, live; FIEMAP tells
    where the host keeps the file; the disk's id tells which disk it is. Without the filter they are answered on
    ext4 and XFS (the control). A file's block size and the descriptors' own calls go on."""
    body = """
import fcntl, sys, termios
software = os.open(sys.executable, os.O_RDONLY)
disk_map, extent_map = bytearray(192), bytearray(32)  # no room for entries in either: the count of them
struct.pack_into("2I4Q", disk_map, 128, 0xFFFFFFFF, 0xFFFFFFFF, *[2**64 - 1] * 4)  # up to the last key
struct.pack_into("2Q", extent_map, 0, 0, 2**64 - 1)  # the whole file
attempt("disk map", lambda: fcntl.ioctl(software, 0xC0C0583B, disk_map))
attempt("extent map", lambda: fcntl.ioctl(software, 0xC020660B, extent_map))
attempt("disk id", lambda: fcntl.ioctl(software, 0x80111500, bytearray(17)))
attempt("block size", lambda: fcntl.ioctl(software, 2, bytearray(4)))  # FIGETBSZ
attempt("bytes to read", lambda: fcntl.ioctl(software, termios.FIONREAD, bytearray(4)))
attempt("no blocking", lambda: fcntl.ioctl(os.pipe()[0], termios.FIONBIO, struct.pack("i", 1)))
"""
    control = run_filtered(body, filtered=False)
    if control["disk map"] != "done":
        pytest.skip(f"this machine's file system maps no disk ({control['disk map']})")
    assert control["extent map"] == control["disk id"] == "done", control
    assert run_filtered(body) == {"disk map": f"refused {errno.ENOTTY}", "extent map": f"refused {errno.ENOTTY}",
                                  "disk id": f"refused {errno.ENOTTY}", "block size": "done", "bytes to read": "done",
                                  "no blocking": "done"}


def test_no_descriptor_can_be_given_an_owner_to_signal_and_the_other_descriptor_calls_still_work():
    """An owner makes the kernel signal it (SIGIO, SIGURG) when a descriptor turns ready: the agent's output pipe
    owned by its process group would have each read the harness makes of it wake every frozen process."""
    body = """
import fcntl, termios
reading, writing = os.pipe()
one, other = socket.socketpair()
attempt("owner", lambda: fcntl.fcntl(writing, fcntl.F_SETOWN, -os.getpgrp()))
attempt("owner of a thread", lambda: fcntl.fcntl(writing, 15, struct.pack("ii", 0, os.getpid())))  # F_SETOWN_EX
attempt("owner by ioctl", lambda: fcntl.ioctl(one, 0x8901, struct.pack("i", os.getpid())))  # FIOSETOWN
attempt("group by ioctl", lambda: fcntl.ioctl(one, 0x8902, struct.pack("i", os.getpid())))  # SIOCSPGRP
attempt("the owner asked", lambda: fcntl.fcntl(writing, fcntl.F_GETOWN))
attempt("flags", lambda: fcntl.fcntl(writing, fcntl.F_SETFL, os.O_NONBLOCK | os.O_ASYNC))
attempt("bytes to read", lambda: fcntl.ioctl(reading, termios.FIONREAD, bytearray(4)))
"""
    assert run_filtered(body, filtered=False)["owner"] == "done"
    assert run_filtered(body) == {"owner": f"refused {errno.EPERM}", "owner of a thread": f"refused {errno.EPERM}",
                                  "owner by ioctl": f"refused {errno.EPERM}", "group by ioctl": f"refused {errno.EPERM}",
                                  "the owner asked": "done", "flags": "done", "bytes to read": "done"}


# For a filtered program: how many times the machine's disks have flushed their caches so far (field 15 of each
# /sys/block/*/stat; a count that never passes a check where the kernel has no such field).
DISK_FLUSHES = """
from pathlib import Path
def flushes():
    counts = [line.split() for line in map(Path.read_text, Path("/sys/block").glob("*/stat"))]
    return sum(int(fields[15]) for fields in counts) if counts and all(len(f) >= 17 for f in counts) else -10**9
"""


def test_syncing_a_file_is_done_as_nothing_and_flushes_no_disk_of_the_host():
    """fsync and fdatasync of a file the agent may only read have nothing to write back, yet each has the host's disk
    flush its cache (the agent's own files are on its tmpfs, where they do nothing). Without the filter, the disks
    flush (the control); others on the machine may flush meanwhile, a few times."""
    body = DISK_FLUSHES + """
import sys
before = flushes()
software = os.open(sys.executable, os.O_RDONLY)
for _ in range(200):
    attempt("fsync", lambda: os.fsync(software))
    attempt("fdatasync", lambda: os.fdatasync(software))
print("flushed:", flushes() - before)
"""
    told = run_against_control(body, "flushed", 400, "this machine's disks do not flush a cache on fsync")
    assert told["fsync"] == told["fdatasync"] == "done", told
    assert int(told["flushed"]) < 200, told


def test_quota_syncs_which_sync_every_file_system_of_the_machine_are_answered_as_by_a_kernel_without_quotas():
    """quotactl's Q_SYNC needs no privilege: named no file system, it syncs every one of the machine that could keep
    quotas (mounted in the sandbox or not), and the host's disks flush their caches. Without the filter they do
    (the control); others on the machine may flush meanwhile, a few times."""
    body = DISK_FLUSHES + """
before = flushes()
for _ in range(200):
    attempt("quota sync", lambda: checked(libc.syscall(179, ctypes.c_int(0x800001 << 8), None, 0, None)))
    attempt("quota sync by descriptor", lambda: checked(libc.syscall(443, 0, ctypes.c_uint(0x800001 << 8), 0, None)))
print("flushed:", flushes() - before)
"""
    told = run_against_control(body, "flushed", 200, "on this machine a quota sync flushes no disk",
                               before="os.dup2(os.open('/', os.O_RDONLY), 0)")
    assert told["quota sync"] == told["quota sync by descriptor"] == f"refused {errno.ENOSYS}", told
    assert int(told["flushed"]) < 100, told
