"""Every quick bench script runs to its table in its smallest configuration: a bench that stopped
running (an attribute renamed under it, a placement the sandbox now refuses) checks no target.

The numbers are not looked at (speeds belong in bench/RESULTS.md); only that each run ends well and
prints what it measures. Scripts of a minute or more (search, fighting, othello) are left to their
own runs; those that need a GPU, ttnn or the competition's own environment run their CPU paths."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

RUNS = {
    "cli": ["cli.py", "--runs", "2"],
    "fighting_native": ["fighting_native.py", "--steps", "1000"],
    "holds": ["holds.py", "--games", "1", "--steps", "100"],
    "sandbox": ["sandbox.py", "--rounds", "1", "--calls", "100", "--games", "2"],
    "search_strength": ["search_strength.py", "--games", "2"],
    "serve": ["serve.py", "--workers", "1", "--games-per-pair", "2", "--window", "3"],
    "single_agent": ["single_agent.py", "--steps", "1000", "--repeats", "1"],
    "snake": ["snake.py"],
    "solver": ["solver.py", "--sets", "1-3", "--duel", "2", "--simulations", "50"],
    "tournament": ["tournament.py", "--games-per-pair", "2", "--repeats", "1"],
    "tt": ["tt.py", "--calls", "100"],
    "alphazero_throughput": ["alphazero.py", "throughput", "--games", "4", "--simulations", "8", "--lockstep", "4",
                             "--channels", "8", "--blocks", "1"],
    "alphazero_network": ["alphazero.py", "network", "--batches", "4", "16", "--channels", "8", "--blocks", "1"],
}
NEEDS_TORCH = {"tt", "alphazero_throughput", "alphazero_network"}


@pytest.mark.slow
@pytest.mark.parametrize("name", RUNS)
def test_a_bench_script_runs_to_its_table(name):
    if name in NEEDS_TORCH:
        pytest.importorskip("torch", reason='this bench runs torch: pip install -e ".[train]"')
    script, *arguments = RUNS[name]
    run = subprocess.run([sys.executable, str(REPO / "bench" / script), *arguments], cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = [line for line in run.stdout.splitlines() if line.startswith("| ")]
    assert rows, run.stdout[-2000:]  # the rows of what it measured
