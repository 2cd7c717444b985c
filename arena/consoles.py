"""The rich Console every command prints through, ending as Python's own prints do when its reader stops.

Piped into a reader that stops reading (`arena leaderboard --db results.sqlite | head -3`), rich exits
the process with status 1, the status of a fault; this Console raises BrokenPipeError instead, which
`arena` ends quietly with 128 + SIGPIPE, as Unix tools and its own `--json` output do.
"""

from __future__ import annotations

import sys

from rich.console import Console


class QuietOnBrokenPipe(Console):
    """A rich Console whose writes into a closed pipe raise BrokenPipeError (see the module docs)."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError("the reader of this output stopped reading")


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`number` and `noun`, in the plural (`plural`, else the noun and "s"; "es" after "ch") unless one:
    "1 match", "3 matches"."""
    if number == 1:
        return f"1 {noun}"
    return f"{number} {plural or noun + ('es' if noun.endswith('ch') else 's')}"


def tell(text: str) -> None:
    """`text` as a line on stderr, for whoever watches a long-running process; lost where stderr cannot be
    written (its file on a full disk, its reader gone), so that a server's play never stops for its console."""
    try:
        print(text, file=sys.stderr, flush=True)
    except OSError:
        pass
