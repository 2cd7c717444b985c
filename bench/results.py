"""Writing benchmark results into bench/RESULTS.md: one section per benchmark, replaced on each run."""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import sys
from pathlib import Path
from typing import Sequence

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    """CPU model, cores and Python version, e.g. 'AMD EPYC 7B13, 2 cores, Python 3.11.7'."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def command_line(doc: str) -> argparse.ArgumentParser:
    """A bench script's command line: its docstring as the help, and --record."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", action="store_true", help="write the results into bench/RESULTS.md")
    return parser


def earlier_recordings(entries: Sequence[str]) -> list[str]:
    """The lines of a section's list of earlier recordings (a line each), set apart by blank lines from the
    text around it, which Markdown would otherwise take as the list's last item."""
    return ["", "Earlier recordings:", "", *(f"- {entry}" for entry in entries), ""]


def record(title: str, body: str) -> None:
    """Replace (or append) the section `## title` of RESULTS.md with `body`, stamped with command, machine and date."""
    script = Path(sys.argv[0]).resolve()
    if script.is_relative_to(RESULTS.parent.parent):
        script = script.relative_to(RESULTS.parent.parent)
    command = " ".join(["python", script.as_posix(), *sys.argv[1:]])
    stamp = f"Command: `{command}`  \nMachine: {machine()}  \nDate: {datetime.date.today().isoformat()}\n\n"
    section = f"## {title}\n\n{stamp}{body.strip()}\n"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    RESULTS.write_text(text.rstrip() + "\n")
