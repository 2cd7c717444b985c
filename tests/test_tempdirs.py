"""Temporary folders of processes killed before they could remove them are removed by the next
process that makes folders of their kind, zombies counting as gone; the folders of fixed names
are this user's alone."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from arena import tempdirs
from arena.errors import HarnessError
from arena.processes import running

PREFIX = "arena-test-tempdirs-"


def zombie() -> subprocess.Popen:
    """A child that has exited and is not reaped yet."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # it has exited; WNOWAIT leaves it a zombie
    return child


def test_a_zombie_does_not_run_and_this_process_does():
    child = zombie()
    try:
        assert Path(f"/proc/{child.pid}").exists() and not running(child.pid)
    finally:
        child.wait()
    assert running(os.getpid()) and not running(child.pid)


def test_the_first_folder_made_removes_those_of_gone_processes_only():
    tempdirs.sweep.cache_clear()
    child, sleeper = zombie(), subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    base = Path(tempfile.gettempdir())
    of_zombie, of_live = base / f"{PREFIX}{child.pid}-a", base / f"{PREFIX}{sleeper.pid}-b"
    try:
        for folder in (of_zombie, of_live):
            (folder / "inside").mkdir(parents=True)
        made = tempdirs.make(PREFIX)
        assert made.name.startswith(f"{PREFIX}{os.getpid()}-") and made.is_dir()
        assert not of_zombie.exists() and of_live.is_dir()
        made.rmdir()
    finally:
        child.wait()
        sleeper.kill()
        sleeper.wait()
        for folder in (of_zombie, of_live):
            shutil.rmtree(folder, ignore_errors=True)


def test_a_folder_is_its_owners_while_its_lock_is_held_whatever_its_pid_says():
    # As a harness in another PID namespace sharing /tmp: a pid not running here, its lock held.
    tempdirs.sweep.cache_clear()
    dead = zombie()
    dead.wait()  # its pid names no process here now
    folder = Path(tempfile.gettempdir()) / f"{PREFIX}{dead.pid}-0badc0de-x"
    folder.mkdir()
    lock = Path(tempfile.gettempdir()) / f"arena-owner-{dead.pid}-0badc0de.lock"
    holder = subprocess.Popen([sys.executable, "-c", f"import fcntl, sys, time\nf = open({str(lock)!r}, 'w')\n"
                               "fcntl.flock(f, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)\n"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        tempdirs.sweep(PREFIX)
        assert folder.is_dir() and lock.exists()  # kept: its owner runs, elsewhere
    finally:
        holder.kill()
        holder.wait()
    tempdirs.sweep.cache_clear()
    tempdirs.sweep(PREFIX)
    assert not folder.exists() and not lock.exists()  # the lock went with its process


def test_a_private_folder_is_this_users_alone_and_one_made_by_anybody_else_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tempdirs.private_folder("arena-logs")
    assert folder == tmp_path / f"arena-logs-{os.geteuid()}" and folder.stat().st_mode & 0o777 == 0o700
    assert tempdirs.private_folder("arena-logs") == folder  # found again

    # Made first by someone else, or open to everyone, or a link to elsewhere: planted files could follow.
    (tmp_path / f"open-{os.geteuid()}").mkdir(mode=0o777)
    os.chmod(tmp_path / f"open-{os.geteuid()}", 0o777)
    (tmp_path / f"linked-{os.geteuid()}").symlink_to(folder)
    theirs = tmp_path / f"theirs-{os.geteuid()}"
    theirs.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chown(theirs, 65534, 65534)
    for name in ("open", "linked", *(["theirs"] if os.geteuid() == 0 else [])):
        with pytest.raises(HarnessError, match="not a folder only this user can write to"):
            tempdirs.private_folder(name)
