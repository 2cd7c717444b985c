"""The shared software's libraries are the harness's in memory: an agent that loads one first is not
charged for it, and so cannot drop what its opponent maps by filling its own memory."""

import ctypes
import mmap
import os
import site
import subprocess
import sys
import sysconfig
import textwrap
import time
from pathlib import Path

import pytest

from arena.sandbox import cgroups

LEAST_BYTES = 4 << 20
DROPPED = 2 << 20  # bytes of a library dropped from memory

READS = textwrap.dedent('''
    import numpy as np
    from arena.agents import Agent

    class SubmittedAgent(Agent):
        def predict(self, obs):
            with open({library!r}, "rb", buffering=0) as library:
                while library.read(1 << 20):
                    pass
            return int(np.flatnonzero(obs["action_mask"])[0])
''')

IDLE = textwrap.dedent('''
    import numpy as np
    from arena.agents import Agent

    class SubmittedAgent(Agent):
        def predict(self, obs):
            return int(np.flatnonzero(obs["action_mask"])[0])
''')

# A harness of its own: its launcher starts after the library left memory.
HARNESS = textwrap.dedent('''
    import sys
    from arena.match import play_match
    from arena.sandbox import SandboxedAgent
    from arena.submission import load

    reader, idle = (SandboxedAgent(load(folder), time_per_move=30.0) for folder in sys.argv[1:3])
    try:
        result = play_match("othello", [reader, idle], seed=0, max_steps=2)
        print(result.agents[0].status.value, reader._cgroup.memory_used(), idle._cgroup.memory_used())
    finally:
        reader.close()
        idle.close()
''')


@pytest.mark.skipif(cgroups.available_bases() is None, reason="needs control groups this process may make")
def test_an_agent_reading_a_library_first_is_not_charged_for_it(write_submission):
    library = _a_library_out_of_memory()
    reader = write_submission("reader", READS.format(library=library))
    idle = write_submission("idle", IDLE)
    run = subprocess.run([sys.executable, "-c", HARNESS, str(reader), str(idle)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    status, reader_bytes, idle_bytes = run.stdout.split()
    assert status == "ok"
    # Charged to the reader, the library would count in full against its memory (the two agents
    # otherwise hold about the same).
    assert int(reader_bytes) - int(idle_bytes) < os.path.getsize(library) // 2


def _a_library_out_of_memory() -> str:
    """The largest shared library of this Python's packages that no process maps, its pages dropped from memory."""
    mapped = _mapped_files()
    candidates = []
    # Those of a virtual environment made with --system-site-packages too: its own hold few libraries.
    folders = {Path(sysconfig.get_paths()[name]) for name in ("purelib", "platlib")} | set(map(Path, site.getsitepackages()))
    for folder in {folder.resolve() for folder in folders}:
        for path in folder.rglob("*.so*"):
            if path.is_file() and not path.is_symlink() and str(path) not in mapped:
                size = path.stat().st_size
                if LEAST_BYTES <= size <= 256 << 20:
                    candidates.append((size, str(path)))
    for _, path in sorted(candidates, reverse=True):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            if _resident_pages(fd) == 0:
                return path
        finally:
            os.close(fd)
    pytest.skip("no shared library of this Python could be dropped from memory")


def _mapped_files() -> set[str]:
    mapped = set()
    for maps in Path("/proc").glob("[0-9]*/maps"):
        try:
            mapped |= {line.split(None, 5)[5].strip() for line in maps.read_text().splitlines() if line.count(" ") >= 5}
        except (OSError, IndexError):
            continue
    return mapped


def _resident_pages(fd: int) -> int:
    size = os.fstat(fd).st_size
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mincore.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
    with mmap.mmap(fd, size, access=mmap.ACCESS_COPY) as mapping:
        address = ctypes.c_void_p.from_buffer(mapping)
        try:
            vector = (ctypes.c_ubyte * -(-size // mmap.PAGESIZE))()
            assert libc.mincore(ctypes.addressof(address), size, vector) == 0, ctypes.get_errno()
            return sum(byte & 1 for byte in bytes(vector))
        finally:
            del address


@pytest.mark.parametrize("kernel_counts", [True, False], ids=["cachestat", "mapping"])
def test_a_library_out_of_memory_is_read_back_in_whole(kernel_counts, monkeypatch):
    """Where the kernel counts a file's pages in memory (cachestat, Linux 6.5) and where it cannot, and
    the pages are found page by page through a mapping."""
    from arena.sandbox import shared_pages

    if not kernel_counts:
        monkeypatch.setattr(shared_pages, "SYS_CACHESTAT", -1)  # no such call: ENOSYS, as on older kernels
    library = _a_library_out_of_memory()
    fd = os.open(library, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        assert not shared_pages._all_cached(fd, size)
        shared_pages._read_into_memory(library)
        assert _resident_pages(fd) == -(-size // mmap.PAGESIZE)
        assert shared_pages._all_cached(fd, size) == kernel_counts
    finally:
        os.close(fd)


def test_a_library_missing_a_few_pages_has_those_alone_read_back(monkeypatch):
    """Faulting in every page of a large library where one is missing costs a tenth of a second (torch's),
    on the way of a launcher's first worker."""
    from arena.sandbox import shared_pages

    library = _a_library_out_of_memory()
    shared_pages._read_into_memory(library)
    fd = os.open(library, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        # Its second 2 MiB dropped: aligned so, no page in memory of a larger folio is left in it.
        os.posix_fadvise(fd, DROPPED, DROPPED, os.POSIX_FADV_DONTNEED)
        pages = -(-size // mmap.PAGESIZE)
        assert _resident_pages(fd) < pages
        asked = []
        populate = shared_pages._libc.madvise

        def madvise(address, length, advice):
            asked.append(length)
            return populate(address, length, advice)

        monkeypatch.setattr(shared_pages._libc, "madvise", madvise)
        shared_pages._read_into_memory(library)
        assert _resident_pages(fd) == pages
        assert 0 < sum(asked) <= DROPPED < size
    finally:
        os.close(fd)


def _library_tree(root: Path) -> Path:
    """Libraries where the walk looks and where it does not, every folder last changed a minute ago."""
    lib = root / "lib"
    for path in ("a.so", "sub/b.so.1", "sub/readme.txt", "__pycache__/c.so", "pkg.dist-info/d.so"):
        (lib / path).parent.mkdir(parents=True, exist_ok=True)
        (lib / path).write_bytes(b"x" * 10)
    _settle(lib)
    return lib


def _settle(folder: Path) -> None:
    a_minute_ago = time.time_ns() - 60_000_000_000
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            os.utime(path, ns=(a_minute_ago, a_minute_ago))


def test_the_libraries_found_are_remembered_until_a_folder_they_were_found_in_changes(tmp_path, monkeypatch):
    from arena.sandbox import shared_pages

    lib = _library_tree(tmp_path)
    (tmp_path / "cache").mkdir()
    cache = os.open(tmp_path / "cache", os.O_RDONLY | os.O_DIRECTORY)
    try:
        walk = shared_pages._walk
        found = sorted(shared_pages.libraries([lib], cache))
        assert found == [(str(lib / "a.so"), 10), (str(lib / "sub" / "b.so.1"), 10)]

        def no_walk(folders):
            raise AssertionError("walked")

        monkeypatch.setattr(shared_pages, "_walk", no_walk)
        assert sorted(shared_pages.libraries([lib], cache)) == found  # remembered
        with pytest.raises(AssertionError, match="walked"):
            shared_pages.libraries([lib, tmp_path / "other"], cache)  # remembered for other folders only

        (lib / "sub" / "new.so").write_bytes(b"y")  # a change one folder down
        with pytest.raises(AssertionError, match="walked"):
            shared_pages.libraries([lib], cache)
        monkeypatch.setattr(shared_pages, "_walk", walk)
        assert (str(lib / "sub" / "new.so"), 1) in shared_pages.libraries([lib], cache)

        # Changed just now, the folder may change again within the same timestamp: not remembered.
        monkeypatch.setattr(shared_pages, "_walk", no_walk)
        with pytest.raises(AssertionError, match="walked"):
            shared_pages.libraries([lib], cache)
        _settle(lib)
        monkeypatch.setattr(shared_pages, "_walk", walk)
        shared_pages.libraries([lib], cache)
        monkeypatch.setattr(shared_pages, "_walk", no_walk)
        assert (str(lib / "sub" / "new.so"), 1) in shared_pages.libraries([lib], cache)
    finally:
        os.close(cache)


def test_libraries_are_found_where_their_list_cannot_be_kept(tmp_path):
    from arena.sandbox import shared_pages

    lib = _library_tree(tmp_path)
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / shared_pages.cache_name([lib])).write_text("{not json")
    cache = os.open(tmp_path / "cache", os.O_RDONLY | os.O_DIRECTORY)
    try:
        (tmp_path / "cache").chmod(0o500)  # read-only (root writes all the same: then the list is rewritten)
        assert len(shared_pages.libraries([lib], cache)) == 2
    finally:
        (tmp_path / "cache").chmod(0o700)
        os.close(cache)


def test_lists_no_launcher_has_read_for_a_month_are_deleted_when_another_is_written(tmp_path):
    from arena.sandbox import shared_pages

    lib = _library_tree(tmp_path)
    folder = tmp_path / "cache"
    folder.mkdir()
    month_and_a_day, two_days = time.time() - 31 * 86_400, time.time() - 2 * 86_400
    unused, used, partial, other = (folder / name for name in (
        "shared-libraries-0000000000000000.json", "shared-libraries-1111111111111111.json",
        ".shared-libraries-2222222222222222.json.99", "notes.txt"))
    for path in (unused, used, partial, other):
        path.write_text("{}")
        os.utime(path, (month_and_a_day, month_and_a_day))
    os.utime(used, (two_days, two_days))
    cache = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        shared_pages.libraries([lib], cache)  # walked, and its list written
        own = folder / shared_pages.cache_name([lib])
        assert sorted(path.name for path in folder.iterdir()) == sorted([own.name, used.name, other.name])

        os.utime(own, (two_days, two_days))
        shared_pages.libraries([lib], cache)  # read: marked used now
        assert time.time() - own.stat().st_mtime < 3600
        os.utime(own, (time.time() - 3600,) * 2)
        shared_pages.libraries([lib], cache)  # read within the day: left as it was
        assert time.time() - own.stat().st_mtime >= 3600
    finally:
        os.close(cache)
