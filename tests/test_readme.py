"""README.md's Python examples run as written.

Each ```python block runs in a fresh interpreter, in a temporary folder where `submissions/`
points at the repository's, so the README's relative paths work and what a block writes (videos,
replays) lands outside the repository. A block that needs an extra which is not installed
(torch, stable-baselines3, ...) is skipped, naming the missing module; any other failure fails.
"""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")
TIMEOUT_S = 600  # each block takes seconds; this only ends one that hangs, however busy the machine


def python_blocks() -> list:
    text = (REPO / "README.md").read_text()
    return [pytest.param(match.group(1), id=f"line-{text.count(chr(10), 0, match.start()) + 1}")
            for match in BLOCK.finditer(text)]


def test_the_readme_has_python_examples():
    assert len(python_blocks()) >= 5


@pytest.mark.parametrize("code", python_blocks())
def test_readme_python_block_runs_as_written(code, tmp_path):
    (tmp_path / "submissions").symlink_to(REPO / "submissions")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         timeout=TIMEOUT_S)
    if run.returncode != 0:
        missing = MISSING_MODULE.search(run.stderr)
        if missing and importlib.util.find_spec(missing.group(1).split(".")[0]) is None:
            pytest.skip(f"needs {missing.group(1)}, which is not installed (pip install -e \".[test]\")")
    assert run.returncode == 0, f"this README example fails:\n{code}\n{run.stderr[-3000:]}"


def test_the_readme_names_the_status_of_an_entrant_missing_a_library_as_a_tournament_records_it(tmp_path):
    import shutil

    for name in ("random", "greedy"):
        shutil.copytree(REPO / "submissions" / name, tmp_path / "subs" / name)
    (tmp_path / "subs" / "needs_lib").mkdir()
    (tmp_path / "subs" / "needs_lib" / "agent.py").write_text("import a_library_that_is_not_installed\n")
    (tmp_path / "subs" / "needs_lib" / "arena.toml").write_text('env = "othello"\n')
    run = subprocess.run([sys.executable, "-m", "arena.cli", "tournament", "subs", "--env", "othello", "--db",
                          "t.sqlite", "--games-per-pair", "1", "--workers", "1"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=TIMEOUT_S)
    assert run.returncode == 0, run.stderr
    assert "needs_lib: crash in 2 of its 2 games (failed to start: ModuleNotFoundError" in run.stderr
    text = " ".join((REPO / "README.md").read_text().split())
    start = text.index("`alphazero_othello` needs torch")
    said = text[start:text.index(". ", start)]
    assert "crashes" in said and "failed to start" in said and "forfeit" not in said, said
