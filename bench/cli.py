"""Start-up of the `arena` command: `arena --help` beside `import arena`, each in a fresh interpreter.

    python bench/cli.py            # print the numbers
    python bench/cli.py --record   # also write them into bench/RESULTS.md

Target: `arena --help` under 2x `import arena`. The runs alternate, and each figure is the median.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from results import command_line, record

COMMANDS = {
    "`python -c 'import arena'`": [sys.executable, "-c", "import arena"],
    "`python -m arena.cli --help` (`arena --help`)": [sys.executable, "-m", "arena.cli", "--help"],
    "`python -c pass` (the interpreter alone)": [sys.executable, "-c", "pass"],
}


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--runs", type=int, default=30, help="runs of each command (default: 30)")
    args = parser.parse_args()

    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, command in COMMANDS.items():
            started = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - started)
    median = {name: statistics.median(values) for name, values in times.items()}
    import_arena, help_ = list(median.values())[:2]
    rows = [f"| {name} | {value * 1000:.1f} ms | {value / import_arena:.2f}x |" for name, value in median.items()]
    body = "\n".join([
        f"Wall time of a fresh interpreter running each command, median of {args.runs} alternating runs:",
        "",
        "| command | median | vs `import arena` |",
        "| --- | ---: | ---: |",
        *rows,
        "",
        f"`arena --help` is **{help_ / import_arena:.2f}x** `import arena` (target: under 2x). Its commands import "
        "what they need when they run (rich, the tournament, the leaderboard, the server, training); "
        "tests/test_cli_imports.py checks that `arena --help` loads none of them.",
    ])
    print(body)
    if args.record:
        record("CLI: start-up of arena --help", body)


if __name__ == "__main__":
    main()
