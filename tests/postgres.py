"""A throwaway PostgreSQL server for the tests.

The server is Debian's `postgresql` (/usr/lib/postgresql/*/bin, or initdb and pg_ctl on PATH),
started once for a test module in a temporary folder: its own cluster, a free port on 127.0.0.1, its
unix socket in that folder, no fsync. PostgreSQL refuses to run as root, so under root it runs as
`nobody`. Each test gets a fresh database on it. Where the binaries or psycopg are missing, the
PostgreSQL half of the tests is skipped, saying which one is missing and how to install it.

    reason = missing()                   # None, or why no server can run here
    server = PostgresServer()            # started; server.restart(), server.remove()
    url = server.new_database()          # postgresql://arena@127.0.0.1:PORT/test_1, empty
"""

from __future__ import annotations

import glob
import importlib
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "arena"
START_SECONDS = 60


def missing() -> str | None:
    """Why no PostgreSQL server can be started here, or None."""
    try:
        importlib.import_module("psycopg")
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]'; arena's [serve] extra has it)"
    if _binaries() is None:
        return "PostgreSQL's server is not installed (Debian: apt-get install postgresql)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser, and PostgreSQL refuses to run as root"
    return None


def _binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: the newest Debian version, else PATH's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda path: [int(p) for p in Path(path).parts[-3].split(".") if p.isdigit()])
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """A PostgreSQL cluster of its own in a temporary folder, trusting user `arena` on 127.0.0.1."""

    def __init__(self) -> None:
        self.bin = _binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="arena-postgres-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._names = itertools.count(1)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "nobody")
        self._run("initdb", "-D", self.data, "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
        self.start()

    def _run(self, program: str, *args: str | Path) -> None:
        command = [str(self.bin / program), *map(str, args)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "nobody", "--", *command]
        done = subprocess.run(command, cwd=self.folder, capture_output=True, text=True, timeout=START_SECONDS)
        if done.returncode != 0:
            log = self.folder / "server.log"
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stdout}{done.stderr}"
                               + (log.read_text() if log.exists() else ""))

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", self.data, "-l", self.folder / "server.log", "-o", options,
                  "-w", "-t", str(START_SECONDS), "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop the server (its clients' connections break) and start it again on the same port."""
        self.stop()
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """The URL of a new, empty database on this server."""
        import psycopg

        name = f"test_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def remove(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
