"""Writing a results store's lease as another process would hold it."""

import socket
import sqlite3
import time
from pathlib import Path


def hold_lease(db: Path, pid: int, host: str | None = None, refreshed_at: float | None = None) -> None:
    """Write the lease row as process `pid` would have."""
    start = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19] if host is None else "1"
    now = time.time()
    with sqlite3.connect(db) as connection:
        connection.execute("INSERT OR REPLACE INTO lease VALUES (1, ?, ?, ?, 'theirs', ?, ?)",
                           (pid, host or socket.gethostname(), start, now, refreshed_at or now))
