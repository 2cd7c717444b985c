"""The folder an export writes a submission into: a new or empty one, or an earlier export.

An earlier export is known by the mark its agent.py carries; exporting again replaces all of its
files, so that no file of another kind of export (an SB3 model beside an AlphaZero network) is
left behind. A folder holding anything else is refused: it may be someone's own agent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from arena.errors import ArenaError
from arena.outputs import output_folder

MARK = "# Written by `arena export`: exporting again into this folder replaces its files."
FILES = ("agent.py", "arena.toml", "model.zip", "policy.json", "network.pt")  # what any export writes
STAGING_PREFIX = ".export-"  # where an export makes its files ready, inside the folder: one killed leaves it


def export_folder(out: str | Path) -> Path:
    """`out`, ready for an export's files (made if missing); ArenaError if it holds other files."""
    out = Path(out)
    if out.is_dir():
        for staging in out.glob(f"{STAGING_PREFIX}*"):  # what an export killed while it made its files ready left
            shutil.rmtree(staging, ignore_errors=True)
    if out.is_dir() and any(out.iterdir()):
        agent = out / "agent.py"
        earlier = agent.is_file() and MARK in agent.read_text(errors="replace")
        others = sorted(path.name for path in out.iterdir() if path.name not in FILES)
        if not earlier or others:
            kept = ", ".join(others or sorted(path.name for path in out.iterdir()))
            raise ArenaError(f"{out}: holds files an export did not write ({kept}); export into a new or empty "
                             f"folder (--out), so that nothing of yours is overwritten")
        for name in FILES:
            (out / name).unlink(missing_ok=True)
    elif out.exists() and not out.is_dir():
        raise ArenaError(f"{out}: is a file; export into a new or empty folder (--out)")
    return output_folder(out, str(out), "export into another folder (--out)")
